"""Turn an uploaded discharge summary (PDF, DOCX or TXT) into text, sections and chunks.

The pipeline is detect_kind -> extract_text -> split_sections -> chunk_document; load_document
runs the first three. Every offset is a character offset into Document.text, so a chunk, a
section or a quoted sentence always points back at the exact words of the summary.
"""
from __future__ import annotations

import bisect
import collections.abc
import contextlib
import io
import os
import re
import shutil
import threading
import weakref
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from errors import EmptyFile, NoTextFound, QAError, TooLarge, UnreadableDocument, UnsupportedFile

__all__ = [
    "SECTION_NAMES", "Page", "Section", "Document", "Chunk",
    "detect_kind", "extract_text", "pdf_page_texts", "split_sections", "load_document",
    "chunk_document", "split_units", "canonical_section_name", "display_name",
    "tesseract_command", "max_ocr_pages",
]

SECTION_NAMES: tuple[str, ...] = (
    "Overview", "Admission Diagnosis", "Discharge Diagnosis", "Chief Complaint",
    "History of Present Illness", "Past Medical History", "Social History", "Family History",
    "Review of Systems", "Physical Examination", "Procedures", "Hospital Course", "Results",
    "Consultations", "Allergies", "Admission Medications", "Discharge Medications", "Medications",
    "Condition at Discharge", "Disposition", "Discharge Instructions", "Follow-up", "Diet",
    "Activity", "Wound Care", "Warning Signs", "Tests", "Complications", "Notes", "Keywords",
)

TEXT_EXTENSIONS = (".txt", ".text", ".md")
ALLOWED_EXTENSIONS = (".pdf", ".docx") + TEXT_EXTENSIONS
MAX_DOCX_XML_BYTES = 50 * 1024 * 1024
MAX_DOCX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_CHARS_PER_PAGE = 5_000    # a dense printed page; text beyond max_pages of these is refused (TXT and DOCX have no pages)
MAX_PDF_OPERATIONS = 1_000_000   # drawing operations read for text, all pages and forms together (~230 a normal page)
LONG_ITEM_CHARS = 500   # split_units keeps a list item whole up to this length
SUPPORTED_HINT = "Upload the discharge summary as a PDF, Word (.docx) or plain text (.txt) file."


# --------------------------------------------------------------------------- data model

@dataclass(frozen=True)
class Page:
    number: int   # 1-based
    start: int
    end: int


@dataclass(frozen=True)
class Section:
    name: str    # one of SECTION_NAMES
    title: str   # the heading as written ("" for the Overview before the first heading)
    start: int   # heading included
    end: int


@dataclass(frozen=True)
class Document:
    text: str
    kind: str    # "pdf" | "docx" | "txt"
    pages: tuple[Page, ...]
    sections: tuple[Section, ...]
    ocr_pages: tuple[int, ...] = ()          # pages whose text was read from the page image (OCR)
    unreadable_pages: tuple[int, ...] = ()   # pages with no text layer that OCR could not read either

    def page_at(self, offset: int) -> int:
        """Number of the page that contains offset (the first or last page when out of range)."""
        if not self.pages:
            return 1
        index = bisect.bisect_right([page.start for page in self.pages], offset) - 1
        return self.pages[max(index, 0)].number

    def section_at(self, offset: int) -> Section | None:
        index = bisect.bisect_right([section.start for section in self.sections], offset) - 1
        if index < 0 or offset >= self.sections[index].end:
            return None
        return self.sections[index]

    @property
    def section_names(self) -> list[str]:
        return list(dict.fromkeys(section.name for section in self.sections))


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    index: int
    section: str
    page: int
    start: int
    end: int
    text: str    # == document.text[start:end]

    @property
    def id(self) -> str:
        return chunk_id(self.doc_id, self.index)


def chunk_id(doc_id: str, index: int) -> str:
    return f"{doc_id}:{index}"


# --------------------------------------------------------------------------- file type

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
    name = _display_name(filename)
    if not data:
        raise EmptyFile(f"{name} is empty (0 bytes). Choose the discharge summary file again.")
    extension = _extension(filename)
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
    _decode_text(data, name)
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


def display_name(filename: str, default: str = "document") -> str:
    """The name as the user knows it, minus any path and control characters: it is only ever displayed."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:200]
    return name if name.strip(".") else default   # "", "." and ".." are no names


def _display_name(filename: str) -> str:
    return display_name(filename, "The file")


def _extension(filename: str) -> str:
    return PurePath(filename or "").suffix.lower()


# --------------------------------------------------------------------------- extraction

@dataclass(frozen=True)
class _Extracted:
    text: str
    pages: tuple[Page, ...]
    kind: str
    ocr_pages: tuple[int, ...] = ()
    unreadable_pages: tuple[int, ...] = ()


def extract_text(data: bytes, filename: str, max_pages: int = 500,
                 max_ocr: int | None = None) -> tuple[str, tuple[Page, ...], str]:
    """(text, pages, kind). Raises the errors.py family for anything that cannot be read.

    PDF pages without a text layer are read with OCR (see load_document for which pages that was).
    """
    extracted = _extract(data, filename, max_pages, max_ocr)
    return extracted.text, extracted.pages, extracted.kind


def load_document(data: bytes, filename: str, max_pages: int = 500, max_ocr: int | None = None) -> Document:
    """max_ocr: most pages read with OCR; None reads MAX_OCR_PAGES from the environment (default 20)."""
    extracted = _extract(data, filename, max_pages, max_ocr)
    if not _has_letters(extracted.text):
        raise NoTextFound(f"{_display_name(filename)} contains no readable text. "
                          "Check that you chose the discharge summary itself.")
    return Document(text=extracted.text, kind=extracted.kind, pages=extracted.pages,
                    sections=split_sections(extracted.text), ocr_pages=extracted.ocr_pages,
                    unreadable_pages=extracted.unreadable_pages)


def _extract(data: bytes, filename: str, max_pages: int, max_ocr: int | None) -> _Extracted:
    kind = detect_kind(data, filename)
    name = _display_name(filename)
    if kind == "pdf":
        page_texts = pdf_page_texts(data, name, max_pages)
        page_texts, ocr_pages, unreadable_pages = _ocr_empty_pages(data, name, page_texts, max_ocr)
        text, pages = _join_pages(page_texts)
        return _Extracted(text, pages, kind, ocr_pages, unreadable_pages)
    text = _docx_text(data, name) if kind == "docx" else _decode_text(data, name)
    _check_text_length(len(text), name, max_pages)
    return _Extracted(text, (Page(1, 0, len(text)),), kind)


def _check_text_length(length: int, name: str, max_pages: int) -> None:
    """A small compressed .docx (or a 20 MB .txt) can hold thousands of pages of text: minutes of indexing."""
    limit = max_pages * MAX_CHARS_PER_PAGE
    if length > limit:
        raise TooLarge(f"{name} holds about {length // MAX_CHARS_PER_PAGE:,} pages of text; the limit is "
                       f"{max_pages} pages ({limit:,} characters). Upload only the discharge summary.")


def _has_letters(text: str) -> bool:
    return any(char.isalpha() for char in text)


# ---- TXT

def _decode_text(data: bytes, name: str) -> str:
    text = _decode_with_bom(data)
    if text is None:
        text = _decode_utf16_without_bom(data)
    if text is None:
        if b"\x00" in data:
            raise _binary_error(name)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:   # cp1252 leaves five bytes undefined
                text = data.decode("latin-1")
    if _looks_binary(text):
        raise _binary_error(name)
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _decode_with_bom(data: bytes) -> str | None:
    boms = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
            (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
    for bom, encoding in boms:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    return None


def _decode_utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text that is mostly ASCII has a zero in every other byte; that is hard to miss."""
    if len(data) < 8:
        return None
    even_zeros = data[0::2].count(0) / len(data[0::2])
    odd_zeros = data[1::2].count(0) / len(data[1::2])
    if odd_zeros > 0.3 and even_zeros < 0.05:
        encoding = "utf-16-le"
    elif even_zeros > 0.3 and odd_zeros < 0.05:
        encoding = "utf-16-be"
    else:
        return None
    try:
        return data[: len(data) // 2 * 2].decode(encoding)
    except UnicodeDecodeError:
        return None


_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")   # control characters text never needs


def _looks_binary(text: str) -> bool:
    return "\x00" in text or len(_BINARY_CONTROLS.findall(text)) > len(text) * 0.01


def _binary_error(name: str) -> UnsupportedFile:
    return UnsupportedFile(f"{name} is not a text file (it contains binary data). {SUPPORTED_HINT}")


# ---- PDF

_PDF_CHARACTER_FIXES = str.maketrans({
    "\xa0": " ", "\u00ad": "", "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
})
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def pdf_page_texts(data: bytes, filename: str = "document.pdf", max_pages: int = 500) -> list[str]:
    """One cleaned string per page, from the text layer only; a page without one comes back as "".

    This is the seam for OCR: _ocr_empty_pages fills the empty pages from page images.
    """
    name = _display_name(filename)
    # pypdf quietly rebuilds a truncated file from what is left, so check the end marker first.
    if b"%%EOF" not in data[-4096:]:
        raise UnreadableDocument(f"{name} is incomplete or damaged (the end of the PDF is missing). "
                                 "Download or export it again and upload the complete file.")
    try:
        import pypdf

        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        _unlock(reader, name)
        if not reader.pages:
            raise UnreadableDocument(f"{name} has no pages that can be read. Export it to a new PDF and try again.")
        if len(reader.pages) > max_pages:
            raise TooLarge(f"{name} has {len(reader.pages)} pages; the limit is {max_pages}. "
                           "Upload only the discharge summary pages.")
        budget, texts = _OperationBudget(MAX_PDF_OPERATIONS), []
        for page in reader.pages:
            try:
                raw = page.extract_text(visitor_operand_before=budget.spend) or ""
            except _TooComplex:
                raw = ""
            budget.check(name)
            texts.append(_clean_pdf_text(raw))
            _check_text_length(sum(map(len, texts)), name, max_pages)
        return texts
    except QAError:
        raise
    except Exception as error:   # damaged or hostile files raise all sorts, RecursionError included
        raise UnreadableDocument(f"{name} could not be read as a PDF (the file is damaged). "
                                 "Export or print it to a new PDF and upload that.") from error


class _OperationBudget:
    """Bounds the work of reading a PDF: a tiny file can repeat a text-heavy form thousands of times per page."""

    def __init__(self, limit: int):
        self.left = limit

    def spend(self, *_operation) -> None:
        self.left -= 1
        if self.left < 0:
            raise _TooComplex()   # pypdf swallows errors raised inside a form; check() reports it after the page

    def check(self, name: str) -> None:
        if self.left < 0:
            raise TooLarge(f"{name} is too complex to read (far more drawing instructions than a discharge "
                           "summary has). Print or export it to a new PDF, or upload a DOCX or TXT copy.")


class _TooComplex(Exception):
    pass


def _unlock(reader, name: str) -> None:
    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("")   # many "protected" PDFs only restrict printing or editing
    except Exception:   # e.g. AES without the cryptography package
        opened = 0
    if not opened:
        raise UnreadableDocument(f"{name} is password-protected. Remove the password (for example by "
                                 "printing it to a new PDF) and upload it again.")


def _clean_pdf_text(raw: str) -> str:
    # A font's ToUnicode map can yield UTF-16 surrogates; pair them up and replace the unpaired ones (no encoder,
    # the embedding model's included, accepts them).
    raw = raw.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_PDF_CHARACTER_FIXES)
    text = _CONTROL_CHARACTERS.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _join_pages(page_texts: list[str]) -> tuple[str, tuple[Page, ...]]:
    pages, offset = [], 0
    for number, page_text in enumerate(page_texts, start=1):
        pages.append(Page(number, offset, offset + len(page_text)))
        offset += len(page_text) + 1   # the "\n" that joins pages
    return "\n".join(page_texts), tuple(pages)


# ---- OCR for PDF pages without a text layer (scans, photos, "print to image")
#
# Pages are rendered with pypdfium2 (no poppler needed) and read with the tesseract program through
# pytesseract. A page with a text layer keeps it; only pages without letters in theirs are read.

OCR_DPI = 300                  # what tesseract reads best; a normal page is 8-9 million pixels at 300 dpi
OCR_MAX_PIXELS = 12_000_000    # larger (poster-size) pages are rendered at less dpi to bound memory
OCR_PAGE_TIMEOUT = 60          # seconds for one page before it counts as unreadable
OCR_LANGUAGE = "eng"
OCR_CONFIG = "--psm 4"         # one column of lines of varying size: keeps a table row ("Aspirin 81 mg daily") whole
DEFAULT_MAX_OCR_PAGES = 20
_INK_LEVEL = 160               # grey levels below this are ink; a page with (almost) none is blank
_INK_PIXELS = 30               # ... at 300 dpi; fewer at lower resolutions

_PDFIUM_LOCK = threading.Lock()                                     # PDFium is not thread-safe
_OCR_SLOTS = threading.BoundedSemaphore(max(1, min(4, (os.cpu_count() or 2) // 2)))   # concurrent tesseracts


class _OcrUnavailable(Exception):
    """tesseract (or its English data) is missing or cannot run."""


def tesseract_command() -> str | None:
    """The tesseract program: TESSERACT_CMD when set (a path or a name on PATH), else tesseract on PATH.

    None when it is not there (or not executable); OCR is then unavailable.
    """
    configured = os.environ.get("TESSERACT_CMD", "").strip()
    return shutil.which(configured or "tesseract")


def max_ocr_pages() -> int:
    """MAX_OCR_PAGES from the environment (default 20); 0 turns OCR off."""
    raw = os.environ.get("MAX_OCR_PAGES", "").strip()
    if not raw:
        return DEFAULT_MAX_OCR_PAGES
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        from settings import ConfigError
        raise ConfigError(f"MAX_OCR_PAGES={raw!r} is not a valid number of pages (0 turns OCR off)")
    return value


def _ocr_unavailable_message(name: str) -> str:
    return (f"{name} looks like a scanned (image-only) PDF: it has no selectable text, and OCR (reading text "
            "from page images) is not available on this server. Upload a PDF with selectable text, or a DOCX "
            "or TXT copy of the summary.")


def _ocr_empty_pages(data: bytes, name: str, page_texts: list[str],
                     max_ocr: int | None) -> tuple[list[str], tuple[int, ...], tuple[int, ...]]:
    """(page texts, pages read with OCR, pages that stayed unreadable) with the empty pages OCR'd.

    Raises NoTextFound when no page has any text in the end, TooLarge when too many pages need OCR.
    """
    empty = [number for number, text in enumerate(page_texts, start=1) if not _has_letters(text)]
    if not empty:
        return page_texts, (), ()
    scanned = len(empty) == len(page_texts)   # no page has a text layer
    limit = max_ocr_pages() if max_ocr is None else max_ocr
    command = tesseract_command() if limit > 0 else None
    if command is None and scanned:
        raise NoTextFound(_ocr_unavailable_message(name))
    if command is not None and len(empty) > limit:
        raise TooLarge(f"{name} has {len(empty)} pages without selectable text (scanned pages); this server "
                       f"reads at most {limit} such pages with OCR, which is slow. Upload only the discharge "
                       "summary pages, or a PDF with selectable text, a DOCX or a TXT copy of the summary.")
    texts = list(page_texts)
    ocr_pages: list[int] = []
    unreadable: list[int] = []
    dpi = OCR_DPI if command is not None else 72   # without OCR, pages are only checked for being blank
    with contextlib.closing(_page_images(data, empty, dpi)) as images:
        for number, image in images:
            if image is None:
                unreadable.append(number)
                continue
            try:
                if _is_blank(image, dpi):
                    continue   # nothing printed on it: an empty page, not an unreadable one
                text = _ocr_image(image, command) if command is not None else ""
            except _OcrUnavailable:
                command, text = None, ""
                if scanned:
                    raise NoTextFound(_ocr_unavailable_message(name)) from None
            finally:
                image.close()
            if re.search(r"[^\W\d_]{2}", text):   # at least one two-letter word, not stray marks
                texts[number - 1] = text
                ocr_pages.append(number)
            else:
                unreadable.append(number)
    if not any(_has_letters(text) for text in texts):
        raise NoTextFound(f"{name} looks like a scanned (image-only) PDF, and we could not read any text, even "
                          "with OCR: the pages look blank, or the scan is too faint, blurred or small. Scan it "
                          "again more clearly, or upload a PDF with selectable text, a DOCX or a TXT copy.")
    return texts, tuple(ocr_pages), tuple(sorted(unreadable))


def _page_images(data: bytes, numbers: list[int], dpi: int):
    """(number, greyscale PIL image or None when the page cannot be rendered), one page at a time."""
    try:
        import pypdfium2

        with _PDFIUM_LOCK:
            pdf = pypdfium2.PdfDocument(data)
    except Exception:   # pypdf read it but PDFium cannot: nothing to OCR
        for number in numbers:
            yield number, None
        return
    try:
        for number in numbers:
            yield number, _render_page(pdf, number, dpi)
    finally:
        with _PDFIUM_LOCK:
            pdf.close()


def _render_page(pdf, number: int, dpi: int):
    try:
        with _PDFIUM_LOCK:
            page = pdf[number - 1]
            try:
                width, height = page.get_size()   # in points (1/72 inch)
                if width <= 0 or height <= 0:
                    return None
                scale = min(dpi / 72, (OCR_MAX_PIXELS / (width * height)) ** 0.5)
                bitmap = page.render(scale=scale, grayscale=True, fill_color=(255, 255, 255, 255))
                try:
                    return bitmap.to_pil().copy()   # a copy owns its pixels once the bitmap is closed
                finally:
                    bitmap.close()
            finally:
                page.close()
    except Exception:
        return None


def _is_blank(image, dpi: int) -> bool:
    if image.mode != "L":
        image = image.convert("L")
    return sum(image.histogram()[:_INK_LEVEL]) < max(2, _INK_PIXELS * (dpi / OCR_DPI) ** 2)


def _ocr_image(image, command: str) -> str:
    """The text tesseract reads in image ("" when it reads nothing or gives up on the page)."""
    try:
        import pytesseract
    except ImportError as error:
        raise _OcrUnavailable() from error
    _configure_pytesseract(pytesseract, command)
    try:
        with _OCR_SLOTS:
            raw = pytesseract.image_to_string(image, lang=OCR_LANGUAGE, config=OCR_CONFIG,
                                              timeout=OCR_PAGE_TIMEOUT)
    except (pytesseract.TesseractNotFoundError, OSError) as error:
        raise _OcrUnavailable() from error
    except pytesseract.TesseractError as error:
        if "language" in str(error).lower() or "traineddata" in str(error).lower():
            raise _OcrUnavailable() from error   # tesseract without its English data
        return ""
    except RuntimeError:   # pytesseract's timeout
        return ""
    return _clean_ocr_text(raw)


def _configure_pytesseract(pytesseract, command: str) -> None:
    """Point pytesseract at command, and run tesseract on one thread unless OMP_THREAD_LIMIT says otherwise.

    Debian's tesseract uses OpenMP, which makes one page several times slower on a busy or small machine
    (15 s instead of 2.5 s for a dense page on 2 cores) and oversubscribes the CPU when uploads overlap.
    The limit goes into tesseract's environment only (pytesseract starts it with its module's environ):
    setting it in os.environ would also slow torch if it loaded later.
    """
    module = pytesseract.pytesseract
    module.tesseract_cmd = command
    if isinstance(getattr(module, "environ", None), collections.abc.Mapping):
        module.environ = {"OMP_THREAD_LIMIT": "1", **os.environ}


_OCR_CHARACTER_FIXES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\x0c": "\n"})


def _clean_ocr_text(raw: str) -> str:
    """Light clean-up that keeps line breaks (section headings are found line by line)."""
    text = _clean_pdf_text(raw.translate(_OCR_CHARACTER_FIXES))
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


# ---- DOCX

def _docx_text(data: bytes, name: str) -> str:
    _check_unpacked_size(data, name)
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        lines = _block_lines(document.element.body, document)
    except QAError:
        raise
    except Exception as error:
        raise UnreadableDocument(f"{name} could not be read as a Word document (the file is damaged). "
                                 "Open it in Word and save it as .docx again, or upload a PDF.") from error
    text = "\n".join(line.replace("\xa0", " ").rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _check_unpacked_size(data: bytes, name: str) -> None:
    """Refuse zip bombs from the zip directory alone, before anything is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except Exception as error:
        raise UnreadableDocument(f"{name} is damaged: it is not a complete Word document.") from error
    body = next((entry for entry in entries if entry.filename == "word/document.xml"), None)
    too_big = body is not None and body.file_size > MAX_DOCX_XML_BYTES
    if too_big or sum(entry.file_size for entry in entries) > MAX_DOCX_UNPACKED_BYTES:
        raise TooLarge(f"{name} unpacks to far more data than a discharge summary holds. "
                       "Save a copy with only the summary and upload that.")


def _block_lines(element, parent) -> list[str]:
    """Lines of paragraphs and tables in reading order (body, table cell or content control)."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(_paragraph_text(Paragraph(child, parent)))
        elif child.tag == qn("w:tbl"):
            lines.extend(["", *_table_lines(Table(child, parent)), ""])
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                lines.extend(_block_lines(content, parent))
    return lines


def _paragraph_text(paragraph) -> str:
    """Word draws list bullets and numbers itself; write a bullet so the list survives as text."""
    text = paragraph.text
    return "• " + text if text.strip() and _is_list_paragraph(paragraph) else text


def _is_list_paragraph(paragraph) -> bool:
    properties = paragraph._p.pPr
    if properties is not None and properties.numPr is not None:
        return True
    # Looking a style up scans every style in the file, so remember the answer per style of this document:
    # otherwise a small .docx with many thousands of paragraphs takes minutes to read.
    try:
        known = _LIST_STYLES.setdefault(paragraph.part, {})
    except TypeError:
        known = {}
    style_id = properties.style if properties is not None else None
    if style_id not in known:
        known[style_id] = _has_list_style(paragraph)
    return known[style_id]


_LIST_STYLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # document part -> {style id: is a list}


def _has_list_style(paragraph) -> bool:
    try:
        style = paragraph.style
        style_properties = style.element.pPr if style is not None else None
        return (style_properties is not None and style_properties.numPr is not None) \
            or (style is not None and (style.name or "").startswith("List"))
    except Exception:   # a broken style reference is not worth failing the upload for
        return False


def _table_lines(table) -> list[str]:
    rows, lines, index = _table_grid(table), [], 0
    while index < len(rows):
        row = rows[index]
        following = rows[index + 1] if index + 1 < len(rows) else None
        if following is not None and _is_heading_row(row) and not _is_heading_row(following):
            lines.extend(_heading_value_lines(row, following))   # two-column forms: headings over values
            index += 2
        else:
            lines.extend(_row_lines(row))
            index += 1
    return lines


def _table_grid(table) -> list[list[list[str]]]:
    """Rows of cells, each cell a list of lines; a merged cell's repeats are left empty."""
    seen, grid = set(), []
    for row in table.rows:
        cells: list[list[str]] = [[] for _ in range(row.grid_cols_before)]
        for cell in row.cells:
            if cell._tc in seen:
                cells.append([])
                continue
            seen.add(cell._tc)
            cells.append([line.strip() for line in _block_lines(cell._tc, cell) if line.strip()])
        grid.append(cells)
    return grid


def _is_heading_row(cells: list[list[str]]) -> bool:
    filled = [cell for cell in cells if cell]
    if len(filled) < 2 or any(len(cell) != 1 or not _is_short_label(cell[0]) for cell in filled):
        return False
    return all(canonical_section_name(cell[0]) for cell in filled)


def _is_short_label(line: str) -> bool:
    return len(line) <= 80 and len(line.split()) <= 8 and not line.rstrip().endswith(".")


def _heading_value_lines(headings: list[list[str]], values: list[list[str]]) -> list[str]:
    lines = []
    for column in range(max(len(headings), len(values))):
        lines.extend(headings[column] if column < len(headings) else [])
        lines.extend(values[column] if column < len(values) else [])
    return lines


def _row_lines(cells: list[list[str]]) -> list[str]:
    filled = [cell for cell in cells if cell]
    if len(filled) <= 1:
        return filled[0] if filled else []
    if any(len(cell) > 1 and canonical_section_name(cell[0]) for cell in filled):
        return [line for cell in filled for line in cell]   # cells that open with their own heading
    if any(_is_colon_label(cell) for cell in filled):
        return _label_value_lines(filled)
    return [" | ".join(" ".join(cell) for cell in filled)]


def _is_colon_label(cell: list[str]) -> bool:
    return len(cell) == 1 and cell[0].endswith(":") and len(cell[0]) <= 40


def _label_value_lines(cells: list[list[str]]) -> list[str]:
    """'Ward:' | 'Hestercombe' | 'GP:' | 'Dr X'  ->  one 'label value' line per pair."""
    lines, index = [], 0
    while index < len(cells):
        cell = cells[index]
        if _is_colon_label(cell) and index + 1 < len(cells) and not _is_colon_label(cells[index + 1]):
            lines.append(f"{cell[0]} {' '.join(cells[index + 1])}")
            index += 2
        else:
            lines.append(" ".join(cell))
            index += 1
    return lines


# --------------------------------------------------------------------------- section headings

_HEADING_VARIANTS: dict[str, tuple[str, ...]] = {
    "Overview": (
        "overview", "patient details", "patient demographics", "demographics", "patient information",
        "admission details", "admission information"),
    "Admission Diagnosis": (
        "admission diagnosis", "admitting diagnosis", "diagnosis at admission", "diagnosis on admission",
        "diagnosis on arrival", "preoperative diagnosis", "pre operative diagnosis", "reason for admission",
        "reason for hospitalization", "reason for hospitalisation", "reason for transfer",
        "provisional diagnosis", "presenting diagnosis", "working diagnosis", "initial diagnosis"),
    "Discharge Diagnosis": (
        "discharge diagnosis", "diagnosis at discharge", "diagnosis on discharge", "final diagnosis",
        "principal diagnosis", "primary diagnosis", "secondary diagnosis", "additional diagnosis",
        "other diagnosis", "transfer diagnosis", "postoperative diagnosis", "post operative diagnosis",
        "diagnosis", "main diagnosis", "main diagnosis / discharge diagnosis", "primary discharge diagnosis",
        "secondary discharge diagnosis", "principal and secondary diagnoses", "problem list",
        "active problems", "problems", "impression", "assessment", "final impression",
        "clinical impression", "diagnoses and problems"),
    "Chief Complaint": (
        "chief complaint", "presenting complaint", "reason for admission and presenting complaint",
        "presenting problem", "reason for visit", "reason for referral"),
    "History of Present Illness": (
        "history of present illness", "history of the present illness", "present illness", "hpi",
        "history", "history and physical", "clinical history", "brief history",
        "history of presenting complaint", "presentation", "clinical presentation"),
    "Past Medical History": (
        "past medical history", "pmh", "medical history", "past history", "past surgical history",
        "past medical and surgical history", "surgical history", "comorbidities", "co-morbidities",
        "significant past medical history", "other medical history"),
    "Social History": ("social history", "social context", "social", "personal history",
                       "social and family history"),
    "Family History": ("family history",),
    "Review of Systems": ("review of systems", "ros", "systems review"),
    "Physical Examination": (
        "physical examination", "physical exam", "examination", "exam", "discharge physical examination",
        "discharge physical exam", "discharge examination", "discharge exam",
        "admission physical examination", "physical examination on admission",
        "physical examination at discharge", "physical findings", "examination on admission",
        "examination at discharge", "exam on discharge", "exam on admission", "objective",
        "clinical examination", "on examination"),
    "Procedures": (
        "procedures", "procedures performed", "procedures done", "operation", "operations performed",
        "principal procedure", "major surgical or invasive procedure", "operations and procedures",
        "surgical procedures", "surgery", "surgeries", "surgery performed", "operative procedure",
        "interventions", "procedures during hospitalization", "invasive procedures",
        "procedures and operations"),
    "Hospital Course": (
        "hospital course", "brief hospital course", "history and hospital course",
        "hospital course and treatment", "brief history of hospital course", "course in hospital",
        "course", "clinical course", "summary of hospital course", "clinical summary",
        "clinical narrative", "clinical narrative / complications", "hospital stay",
        "summary of admission", "summary of hospital stay", "treatment", "treatment given",
        "hospital course by problem", "narrative", "summary", "admission summary", "course of treatment",
        "inpatient course", "events during admission", "emergency department course", "ed course"),
    "Results": (
        "results", "pertinent results", "laboratory data", "laboratory", "laboratory studies",
        "laboratory results", "laboratory findings", "labs", "lab results", "lab data", "labs and imaging",
        "laboratory and imaging", "significant lab and x-ray", "significant labs", "significant findings",
        "pertinent findings", "imaging", "imaging studies", "imaging results", "radiology",
        "investigation results", "investigations results", "relevant investigations and results",
        "investigations and results", "diagnostic studies", "diagnostic results", "diagnostics",
        "studies", "data", "test results", "microbiology", "pathology", "key results",
        "laboratory and radiology"),
    "Consultations": ("consultations", "consults", "consultants", "consulting services",
                      "consults obtained", "specialist consultations"),
    "Allergies": (
        "allergies", "allergies and adverse reactions", "drug allergies", "allergies and intolerances",
        "adverse reactions", "medication allergies", "known allergies", "allergies and sensitivities",
        "allergy status"),
    "Admission Medications": (
        "admission medications", "medications on admission", "medications at admission",
        "admitting medications", "home medications", "medications at home",
        "medications prior to admission", "preadmission medications", "pre-admission medications",
        "outpatient medications", "prior to admission medications", "previous medications",
        "regular medications", "usual medications"),
    "Discharge Medications": (
        "discharge medications", "discharge meds", "medications on discharge", "medications at discharge",
        "medications upon discharge", "discharge medication list", "home medications at discharge",
        "discharge prescriptions", "medications to take home", "take home medications", "tto",
        "medication reconciliation", "discharge medication reconciliation", "new medications",
        "medication changes", "discharge drugs", "drugs on discharge", "medications after discharge",
        "your medications", "treatment on discharge", "treatment at discharge", "discharge treatment",
        "treatment advised", "treatment advised on discharge", "medicines to take home", "rx on discharge",
        "prescription on discharge", "to take out", "medications to continue"),
    "Medications": (
        "medications", "meds", "current medications", "medications and medical devices",
        "relevant treatment changes", "treatment changes", "drug history",
        "medication history", "prescriptions"),
    "Condition at Discharge": (
        "condition at discharge", "discharge condition", "condition on discharge", "condition",
        "prognosis", "physical ability and cognitive function", "functional status",
        "status at discharge", "discharge status", "general condition", "condition upon discharge"),
    "Disposition": ("disposition", "discharge disposition", "discharge details", "discharge destination",
                    "discharged to", "discharge to", "discharge location"),
    "Discharge Instructions": (
        "discharge instructions", "instructions", "patient instructions", "special instructions",
        "additional instructions", "transfer instructions", "discharge plan", "plan",
        "plan and requested actions", "information given to patient", "action for gp teams",
        "actions for gp", "gp actions", "recommendations", "home instructions", "discharge advice",
        "advice", "patient education", "education", "assessment and plan", "assessment / plan",
        "impression and plan", "care plan", "instructions for patient", "other instructions",
        "discharge recommendations", "general instructions", "aftercare", "after care",
        "home care instructions", "self care"),
    "Follow-up": (
        "follow-up", "followup", "follow-up appointments", "follow-up care", "follow-up instructions",
        "discharge follow-up", "follow-up arranged", "follow-up plan", "appointments",
        "future appointments", "scheduled appointments", "upcoming appointments",
        "outpatient follow-up", "clinic follow-up", "next appointment", "return visit"),
    "Diet": ("diet", "diet instructions", "dietary instructions", "dietary advice", "nutrition",
             "diet and nutrition", "diet and fluids", "fluid restriction", "fluids",
             "eating and drinking"),
    "Activity": (
        "activity", "activities", "physical activity", "activity level", "activity restrictions",
        "driving", "exercise", "mobility", "restrictions", "lifting", "activity and exercise",
        "return to work", "work and driving"),
    "Wound Care": (
        "wound care", "incision care", "wound", "dressing", "dressings", "dressing care",
        "wound and dressing care", "care of wound", "care of incision", "care of your incision",
        "surgical site care", "incision and wound care", "drain care", "incision"),
    "Warning Signs": (
        "warning signs", "when to return", "when to return to the er", "when to return to the ed",
        "when to return to the emergency room", "when to return to the emergency department",
        "return precautions", "return to er if", "return to the er if", "return to the emergency room if",
        "call your doctor if", "call your doctor", "when to call your doctor", "when to call your surgeon",
        "when to call your physician", "when to call", "call your surgeon if", "when to seek help",
        "when to seek medical help", "when to seek medical attention", "seek medical attention if",
        "reasons to call", "reasons to call your doctor", "red flags", "red flag symptoms", "danger signs",
        "warning symptoms", "signs to watch for", "symptoms to watch for", "call 911 if",
        "warning signs / when to return to the er", "when to get help", "what to watch for",
        "safety netting"),
    "Tests": (
        "tests", "labs to check", "tests to do", "pending results", "results pending", "pending tests",
        "tests pending", "outstanding results", "pending labs", "labs pending", "investigations requested",
        "investigations and procedures requested", "follow-up tests", "further tests",
        "further investigations", "labs to follow", "pending studies", "outstanding investigations",
        "tests to be done", "tests after discharge", "labs after discharge", "blood tests",
        "results pending at discharge", "tests ordered", "outstanding tests"),
    "Complications": ("complications", "adverse events", "complications during admission",
                      "complications during hospitalization"),
    "Notes": ("notes", "additional notes", "comments", "remarks", "additional comments", "other notes"),
    # Index terms some transcription systems append; kept apart so they are never quoted as instructions.
    "Keywords": ("keywords", "key words", "index terms"),
}

# Plural and spelling variants fold onto one form so the table above needs only one of them.
_WORD_FORMS = {
    "diagnoses": "diagnosis", "medications": "medication", "meds": "medication", "med": "medication",
    "medicines": "medication", "medicine": "medication",
    "procedures": "procedure", "operations": "operation", "instructions": "instruction",
    "appointments": "appointment", "results": "result", "consults": "consult",
    "consultations": "consultation", "complications": "complication", "allergies": "allergy",
    "tests": "test", "studies": "study", "signs": "sign", "findings": "finding", "labs": "lab",
    "precautions": "precaution", "problems": "problem", "systems": "system", "followup": "follow up",
    "restrictions": "restriction", "recommendations": "recommendation", "surgeries": "surgery",
    "prescriptions": "prescription", "drugs": "drug", "activities": "activity",
    "comorbidities": "comorbidity", "morbidities": "morbidity", "dressings": "dressing",
    "plans": "plan", "details": "detail", "hospitalisation": "hospitalization",
}

# Words that may trail a known heading without changing what it is about:
# "Diet and Lifestyle Instructions", "Follow-up arranged", "Procedures done".
_QUALIFIER_WORDS = frozenset(
    "and instruction lifestyle mobility safety restriction arranged appointment advice recommendation "
    "care information detail guidance level plan performed done during hospitalization admission stay "
    "this the obtained requested given summary list to patient at home after discharge on of for your "
    "you in while clinical style other relevant significant pertinent key further new updated".split())


def _normalise_label(label: str) -> str:
    label = re.sub(r"\([^()]*\)", " ", label.lower())
    for joiner in ("&", "/", "+"):
        label = label.replace(joiner, " and ")
    words = re.findall(r"[a-z0-9]+", label)
    return " ".join(_WORD_FORMS.get(word, word) for word in words)


def _heading_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name, variants in _HEADING_VARIANTS.items():
        for variant in variants:
            key = _normalise_label(variant)
            if index.setdefault(key, name) != name:
                raise ValueError(f"heading {variant!r} maps to both {index[key]!r} and {name!r}")
    return index


_HEADING_INDEX = _heading_index()


def canonical_section_name(label: str, fuzzy: bool = True) -> str | None:
    """The SECTION_NAMES entry a heading such as 'MEDICATIONS ON DISCHARGE' stands for, or None. A word
    misspelt by a letter or two ("Medicaitons", "Follwo") is read as the heading word it is closest to."""
    key = _normalise_label(label)
    if not key or len(key) > 80:
        return None
    return _known_heading(key) or (_known_heading(_spelling_fixed(key)) if fuzzy else None)


def _known_heading(key: str) -> str | None:
    if key in _HEADING_INDEX:
        return _HEADING_INDEX[key]
    words = key.split()
    for size in range(len(words) - 1, 0, -1):
        head = " ".join(words[:size])
        if head in _HEADING_INDEX and all(word in _QUALIFIER_WORDS for word in words[size:]):
            return _HEADING_INDEX[head]
    return None


_HEADING_WORDS = sorted({word for key in _HEADING_INDEX for word in key.split()} | _QUALIFIER_WORDS)
_HEADING_SPELLING_CUTOFF = 80   # rapidfuzz ratio; "medicaitons" -> "medication" scores 86


def _spelling_fixed(key: str) -> str:
    from rapidfuzz import fuzz, process
    from mediassist.index.embedder import known_words   # "Medical Specialty" is English, not "Medication"
    words = []
    for word in key.split():
        if len(word) >= 5 and word not in _HEADING_WORDS and word not in known_words():
            best = process.extractOne(word, _HEADING_WORDS, scorer=fuzz.ratio, score_cutoff=_HEADING_SPELLING_CUTOFF)
            word = best[0] if best and abs(len(best[0]) - len(word)) <= 2 else word   # not two words run together
        words.append(word)
    return " ".join(words)


@dataclass(frozen=True)
class _Heading:
    start: int
    end: int      # end of the heading text, colon and markup included
    name: str
    title: str


def split_sections(text: str) -> tuple[Section, ...]:
    """Sections in document order; text before the first heading is the Overview."""
    headings = _find_headings(text)
    first_start = headings[0].start if headings else len(text)
    sections = []
    if text[:first_start].strip():
        sections.append(Section("Overview", "", 0, first_start))
    for heading, following in zip(headings, headings[1:] + [None]):
        end = following.start if following else len(text)
        sections.append(Section(heading.name, heading.title, heading.start, end))
    return tuple(sections)


def _find_headings(text: str) -> list[_Heading]:
    candidates = sorted(_line_headings(text) + _caps_headings(text), key=lambda h: (h.start, -h.end))
    headings: list[_Heading] = []
    for candidate in candidates:
        if not headings or candidate.start >= headings[-1].end:
            headings.append(candidate)
    return headings


# A list item ("1.", "2)", "a.", "*", "-", "•"), which is content even when it reads like a label.
_LIST_MARKER = re.compile(r"[ \t]*(?:(?P<number>\d{1,2})[.)](?=[ \t]|[A-Za-z(])|[*•·▪●◦○‣⁃–—+-](?=[ \t])"
                          r"|[a-z][.)](?=[ \t]))")
_MARKUP_PREFIX = re.compile(r"(?:#{1,6}[ \t]*)?(?:[*_]{1,3})?")
_LINE_LABEL = re.compile(r"(?P<label>[^:\n*_.]{2,60}?)[ \t]*[*_]{0,3}[ \t]*:[*_]{0,3}")


def _line_headings(text: str) -> list[_Heading]:
    """Headings that open a line: a whole line ('### **Diet:**', 'ALLERGIES') or 'Diet: 2 g sodium'."""
    headings = []
    for line in re.finditer(r"[^\n]+", text):
        stripped = line.group().strip()
        if not stripped or _LIST_MARKER.match(stripped):
            continue
        content_start = line.start() + len(line.group()) - len(line.group().lstrip())
        markup = _MARKUP_PREFIX.match(stripped).end()
        rest = stripped[markup:]
        whole = re.sub(r"[ \t]*[*_]*[ \t]*:?[ \t]*[*_]*[ \t]*$", "", rest)
        if ":" not in whole and _looks_like_heading(whole):
            headings.append(_Heading(content_start, line.end(), canonical_section_name(whole), whole))
            continue
        labelled = _LINE_LABEL.match(rest)
        if labelled and _looks_like_heading(labelled.group("label")):
            label = labelled.group("label").strip()
            end = content_start + markup + labelled.end()
            headings.append(_Heading(content_start, end, canonical_section_name(label), label))
    return headings


def _looks_like_heading(label: str) -> bool:
    label = label.strip()
    if not label or not label[0].isupper() or label.endswith((".", ",", ";")):
        return False   # a wrapped sentence such as "Activity." is not a heading
    return canonical_section_name(label) is not None


# An ALL-CAPS label ending in ":" (or running straight into a numbered list: "DIAGNOSES1."),
# found anywhere, because dictated summaries often lose their line breaks ("foot.DISCHARGE DIAGNOSIS:").
_CAPS_LABEL = re.compile(
    r"(?<![A-Z])(?P<label>[A-Z][A-Z'&/-]{0,29}(?:[ \t]{1,3}[A-Z&][A-Z'&/-]{0,29}){0,7})"
    r"(?:(?:[ \t]*\([^()\n]{0,40}\))?[ \t]*:|(?=[ \t]?\d{1,2}[.)][ \t]?[A-Z]))")


def _caps_headings(text: str) -> list[_Heading]:
    headings = []
    for match in _CAPS_LABEL.finditer(text):
        headings.extend(_split_caps_label(match.group("label"), match.start("label"), match.end()))
    return headings


def _split_caps_label(label: str, start: int, end: int) -> list[_Heading]:
    """Known heading(s) inside one ALL-CAPS run; unknown labels (HEENT:, VITAL SIGNS:) give none."""
    name = canonical_section_name(label)
    if name:
        return [_Heading(start, end, name, label)]
    for gap in re.finditer(r"[ \t]+", label):   # "ABCD DISCHARGE MEDICATIONS": drop leading words
        suffix = label[gap.end():]
        if len(suffix.split()) >= 2 and _exact_heading(suffix):
            return [_Heading(start + gap.end(), end, _exact_heading(suffix), suffix)]
    # Two words glued together where a line break was lost.
    cuts = [cut for cut in range(2, len(label) - 1) if label[cut - 1].isalpha() and label[cut].isalpha()]
    for cut in cuts:   # "DISPOSITIONDISCHARGE INSTRUCTIONS": both halves are headings
        prefix_name, rest_name = _exact_heading(label[:cut]), _exact_heading(label[cut:])
        if prefix_name and rest_name:
            return [_Heading(start, start + cut, prefix_name, label[:cut]),
                    _Heading(start + cut, end, rest_name, label[cut:])]
    for cut in reversed(cuts):   # "PHYSICAL EXAMINATIONVITAL SIGNS": a heading, then a sub-label
        prefix = label[:cut]
        if len(prefix.split()) >= 2 and _exact_heading(prefix):
            return [_Heading(start, start + cut, _exact_heading(prefix), prefix)]
    for cut in cuts:   # "XYZDISCHARGE MEDICATIONS": stray capitals, then a heading
        rest = label[cut:]
        if len(rest.split()) >= 2 and _exact_heading(rest):
            return [_Heading(start + cut, end, _exact_heading(rest), rest)]
    return []


def _exact_heading(label: str) -> str | None:
    """A heading inside run-together capitals is taken only when spelt right: a misspelling there is far more
    likely two words glued together ("EXAMINATIONVITAL")."""
    return canonical_section_name(label, fuzzy=False)


_HEADING_TRAILER = re.compile(r"(?:[ \t]*\([^()\n]{0,40}\))?[ \t]*[*_]{0,3}[ \t]*:?[*_]{0,3}")


def _heading_end(text: str, section: Section) -> int:
    """Where the body of a section starts: after its title and any ':' or markup right after it."""
    if not section.title:
        return section.start
    found = text.find(section.title, section.start, section.end)
    if found < 0:
        return section.start
    return _HEADING_TRAILER.match(text, found + len(section.title), section.end).end()


# --------------------------------------------------------------------------- blocks, units, chunks

_INLINE_MARKER = re.compile(r"(?<=[A-Za-z)\]%'\"][.:;])[ \t]?(?P<number>\d{1,2})[.)][ \t]?(?=[A-Z])")
_JOINING_WORDS = frozenset(
    "a an the of to and or with in on at for by from as than that which who whose was were is are be been "
    "has have had his her their its our your my this these those per via into onto over under after before "
    "during within without not no but if then until while about plus".split())


@dataclass
class _Block:
    start: int
    end: int
    is_item: bool
    number: int | None = None


def _blocks(text: str, start: int, end: int) -> list[_Block]:
    """List items and runs of lines in text[start:end]: the places a chunk may be cut.

    A list item runs on over wrapped lines until the next item, a blank line, or a line that
    plainly starts something new. Spans are stripped; spans without letters or digits are dropped.
    """
    lines = _line_spans(text, start, end)
    numbers = [_marker_number(text, line_start, line_end) for line_start, line_end in lines]
    blocks: list[_Block] = []
    current: _Block | None = None
    for index, (line_start, line_end) in enumerate(lines):
        line = text[line_start:line_end]
        previous_line = text[lines[index - 1][0]:lines[index - 1][1]] if index else ""
        if not line.strip():
            current = None
        elif numbers[index] is not None:
            number = numbers[index] or None
            current = _Block(line_start, line_end, True, number)
            blocks.append(current)
        elif current is not None and (_item_runs_on(current, numbers, index, lines, text)
                                      or _continues(previous_line, line)):
            current.end = line_end
        else:
            current = _Block(line_start, line_end, False)
            blocks.append(current)
    pieces = [piece for block in blocks for piece in _split_inline_items(text, block)]
    return [piece for piece in (_strip_block(text, piece) for piece in pieces) if piece]


def _line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    while True:
        newline = text.find("\n", start, end)
        if newline < 0:
            spans.append((start, end))
            return spans
        spans.append((start, newline))
        start = newline + 1


def _marker_number(text: str, start: int, end: int) -> int | None:
    """None: not a list item; 0: a bullet; n: item number n."""
    marker = _LIST_MARKER.match(text, start, end)
    if not marker:
        return None
    return int(marker.group("number")) if marker.group("number") else 0


def _item_runs_on(block: _Block, numbers: list, index: int, lines: list, text: str) -> bool:
    """A numbered item owns the lines up to the next number ('Sig: One (1)' / 'Injection TID')."""
    if not block.is_item or not block.number:
        return False
    for later in range(index, min(index + 12, len(numbers))):
        if not text[lines[later][0]:lines[later][1]].strip() or numbers[later] == 0:
            return False
        if numbers[later] is not None:
            return numbers[later] == block.number + 1
    return False


def _continues(previous: str, line: str) -> bool:
    """Is line the wrapped rest of previous (PDF text wraps mid-sentence)?"""
    previous, line = previous.rstrip(), line.lstrip()
    if not previous or not line or " | " in line or " | " in previous:
        return False   # table rows stand alone
    if previous[-1] == ":":
        return False   # a label or lead-in ("Diet:", "call if:"); the next line starts afresh
    if line[0].islower() or line[0] in "([{/&+,;%":
        return True
    if previous[-1] in ".!?;":
        return False
    if previous[-1] in ",-/(&+":
        return True
    last_word = re.search(r"([A-Za-z]+)\W*$", previous)
    return bool(last_word) and last_word.group(1).lower() in _JOINING_WORDS


def _split_inline_items(text: str, block: _Block) -> list[_Block]:
    """'daily.2. Levaquin 500 mg daily.3. Albuterol' holds three items on one line."""
    cuts = [m.start("number") for m in _INLINE_MARKER.finditer(text, block.start, block.end)
            if m.start("number") > block.start]
    if not cuts:
        return [block]
    bounds = [block.start, *cuts, block.end]
    return [_Block(a, b, block.is_item or i > 0) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]


def _strip_block(text: str, block: _Block) -> _Block | None:
    start, end = _strip_span(text, block.start, block.end)
    if not any(char.isalnum() for char in text[start:end]):
        return None
    return _Block(start, end, block.is_item, block.number)


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])|(?<=[a-z]{2})[.!?](?=[A-Z][a-z])")
_NEXT_WORD = re.compile(r"\s*([A-Za-z]+)")
_TITLE_ABBREVIATIONS = frozenset(
    "dr drs mr mrs ms mx prof st no nos vs approx fig jr sr dept inc ltd mt ft ext tab tabs cap caps".split())
_SENTENCE_STARTERS = frozenset(
    "He She The They Patient His Her This It We I On In At There Please Continue Take Follow Return Call "
    "You Your No".split())


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, current = [], start
    for match in _SENTENCE_END.finditer(text, start, end):
        if text[match.start()] == "." and _is_abbreviation(text, match.start(), match.end(), end):
            continue
        spans.append((current, match.end()))
        current = match.end()
    spans.append((current, end))
    stripped = (_strip_span(text, a, b) for a, b in spans)
    return [(a, b) for a, b in stripped if any(char.isalnum() for char in text[a:b])]


def _is_abbreviation(text: str, dot: int, after: int, end: int) -> bool:
    """Does the '.' at dot belong to 'Dr.', 'D.' or 'p.o.' rather than end a sentence?"""
    word = re.search(r"[A-Za-z][A-Za-z.]*$", text[max(0, dot - 20):dot])
    if not word:
        return False
    token = word.group()
    if token.lower() in _TITLE_ABBREVIATIONS or (len(token) == 1 and token.isupper()):
        return True
    if "." in token:   # p.o. / b.i.d. / e.g.: a sentence goes on unless an obvious new one starts
        following = _NEXT_WORD.match(text, after, end)
        return not (following and following.group(1) in _SENTENCE_STARTERS)
    return False


def split_units(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences and list items in text, for quoting exact items in answers.

    A list item stays whole (unless it is very long); headings on a line of their own are left out.
    """
    units = []
    for section in split_sections(text):
        for block in _blocks(text, section.start, section.end):
            if block.is_item and block.end - block.start <= LONG_ITEM_CHARS:
                spans = [(block.start, block.end)]
            else:
                spans = _sentence_spans(text, block.start, block.end)
            units.extend(span for span in spans if not _is_bare_heading(text[span[0]:span[1]], section))
    return units


def _is_bare_heading(unit: str, section: Section) -> bool:
    return bool(section.title) and unit.strip("#*_: \t\n") == section.title


def chunk_document(document: Document, doc_id: str, max_chars: int = 900) -> list[Chunk]:
    """Chunks that follow the sections; a long section is cut between list items, lines, then sentences."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    chunks: list[Chunk] = []
    for section in document.sections:
        for start, end in _section_chunk_spans(document.text, section, max_chars):
            chunks.append(Chunk(doc_id=doc_id, index=len(chunks), section=section.name,
                                page=document.page_at(start), start=start, end=end,
                                text=document.text[start:end]))
    return chunks


def _section_chunk_spans(text: str, section: Section, max_chars: int) -> list[tuple[int, int]]:
    body_start = _heading_end(text, section)
    if not _has_letters(text[body_start:section.end]):
        return []   # a heading with nothing under it
    blocks = _blocks(text, body_start, section.end)
    if not blocks:
        return []
    # The heading joins the first block so that the first chunk reads "DISCHARGE MEDICATIONS: 1. ..."
    first_start = _strip_span(text, section.start, section.end)[0]
    blocks[0] = _Block(first_start, blocks[0].end, blocks[0].is_item)
    pieces: list[tuple[int, int]] = []
    for block in blocks:
        if block.end - block.start <= max_chars:
            pieces.append((block.start, block.end))
        else:
            pieces.extend(_fit(text, block.start, block.end, max_chars))
    return [span for span in _pack(pieces, max_chars) if _has_letters(text[span[0]:span[1]])]


def _fit(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Sentences of an oversized block; a sentence longer than max_chars is cut at spaces."""
    pieces = []
    for sentence_start, sentence_end in _sentence_spans(text, start, end):
        while sentence_end - sentence_start > max_chars:
            window = text[sentence_start:sentence_start + max_chars]
            space = max(window.rfind(" "), window.rfind("\n"))
            cut = sentence_start + (space if space > 0 else max_chars)
            pieces.append(_strip_span(text, sentence_start, cut))
            sentence_start = _strip_span(text, cut, sentence_end)[0]
        pieces.append((sentence_start, sentence_end))
    return pieces


def _pack(pieces: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for start, end in pieces:
        if spans and end - spans[-1][0] <= max_chars:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans
