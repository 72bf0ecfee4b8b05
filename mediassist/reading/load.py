"""load_document: an upload's bytes -> a Document (text, pages, sections), whatever kind of file it is."""
from __future__ import annotations

from dataclasses import dataclass

from errors import NoTextFound
from mediassist.reading.docx import docx_text
from mediassist.reading.kinds import detect_kind
from mediassist.reading.limits import check_text_length
from mediassist.reading.names import name_in_messages
from mediassist.reading.ocr import OcrOptions, ocr_empty_pages
from mediassist.reading.pdf import join_pages, pdf_page_texts
from mediassist.reading.text import decode_text
from mediassist.structure.headings import split_sections
from mediassist.structure.model import Document, Page
from mediassist.structure.units import has_letters


@dataclass(frozen=True)
class _Extracted:
    text: str
    pages: tuple[Page, ...]
    kind: str
    ocr_pages: tuple[int, ...] = ()
    unreadable_pages: tuple[int, ...] = ()


DEFAULT_OCR = OcrOptions()


def load_document(data: bytes, filename: str, max_pages: int = 500, ocr: OcrOptions = DEFAULT_OCR) -> Document:
    """The summary in data as a Document. Raises the errors.py family for anything that cannot be read.

    PDF pages without a text layer are read with OCR (Document.ocr_pages says which), as `ocr` allows.
    """
    extracted = _extract(data, filename, max_pages, ocr)
    if not has_letters(extracted.text):
        raise NoTextFound(f"{name_in_messages(filename)} contains no readable text. "
                          "Check that you chose the discharge summary itself.")
    return Document(text=extracted.text, kind=extracted.kind, pages=extracted.pages,
                    sections=split_sections(extracted.text), ocr_pages=extracted.ocr_pages,
                    unreadable_pages=extracted.unreadable_pages)


def _extract(data: bytes, filename: str, max_pages: int, ocr: OcrOptions) -> _Extracted:
    kind = detect_kind(data, filename)
    name = name_in_messages(filename)
    if kind == "pdf":
        page_texts = pdf_page_texts(data, name, max_pages)
        page_texts, ocr_pages, unreadable_pages = ocr_empty_pages(data, name, page_texts, ocr)
        text, pages = join_pages(page_texts)
        return _Extracted(text, pages, kind, ocr_pages, unreadable_pages)
    text = docx_text(data, name) if kind == "docx" else decode_text(data, name)
    check_text_length(len(text), name, max_pages)
    return _Extracted(text, (Page(1, 0, len(text)),), kind)
