"""Which kind of file an upload is ('pdf', 'docx' or 'txt'), judged by its bytes; anything else is refused."""
from __future__ import annotations

import io
import zipfile

from errors import EmptyFile, UnreadableDocument, UnsupportedFile
from mediassist.reading.names import ALLOWED_EXTENSIONS, SUPPORTED_HINT, file_extension, name_in_messages
from mediassist.reading.text import decode_text

_FOREIGN_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office file (.doc); save it as .docx or PDF"),
    (b"{\\rtf", "an RTF document; save it as .docx or PDF"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
    (b"\x1f\x8b", "a compressed archive"),
    (b"Rar!\x1a\x07", "a compressed archive"),
    (b"7z\xbc\xaf\x27\x1c", "a compressed archive"),
)


def detect_kind(data: bytes, filename: str) -> str:
    """'pdf', 'docx' or 'txt', judged by the bytes; the file name only narrows what is accepted."""
    name = name_in_messages(filename)
    if not data:
        raise EmptyFile(f"{name} is empty (0 bytes). Choose the discharge summary file again.")
    extension = file_extension(filename)
    if extension and extension not in ALLOWED_EXTENSIONS:
        raise UnsupportedFile(f"{name}: {extension} files are not supported. {SUPPORTED_HINT}")
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data, name, extension)
    for signature, description in _FOREIGN_SIGNATURES:
        if data.startswith(signature):
            raise UnsupportedFile(f"{name} is {description}, not a discharge summary document. {SUPPORTED_HINT}")
    if extension == ".pdf":
        raise UnreadableDocument(f"{name} is not a valid PDF (its content is not PDF data). "
                                 "Download or export the PDF again and upload it.")
    if extension == ".docx":
        raise UnreadableDocument(f"{name} is not a valid Word document (it is not a .docx package). "
                                 "Open it in Word and save it as .docx again, or upload a PDF.")
    decode_text(data, name)
    return "txt"


def _zip_kind(data: bytes, name: str, extension: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except Exception:
        names = None
    if names and "word/document.xml" in names:
        return "docx"
    if extension == ".docx":
        raise UnreadableDocument(f"{name} is damaged: it is not a complete Word document. "
                                 "Open it in Word and save it as .docx again, or upload a PDF.")
    raise UnsupportedFile(f"{name} is a ZIP archive, not a Word document. {SUPPORTED_HINT}")
