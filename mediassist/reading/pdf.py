"""PDF text layers with pypdf: one cleaned string per page, with the work of reading a page bounded."""
from __future__ import annotations

import io
import re

from errors import QAError, TooLarge, UnreadableDocument
from mediassist.reading.limits import check_text_length
from mediassist.reading.names import name_in_messages
from mediassist.structure.model import Page

MAX_PDF_OPERATIONS = 1_000_000   # drawing operations read for text, all pages and forms together (~230 a normal page)

_PDF_CHARACTER_FIXES = str.maketrans({
    "\xa0": " ", "\u00ad": "", "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
})
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def pdf_page_texts(data: bytes, filename: str = "document.pdf", max_pages: int = 500) -> list[str]:
    """One cleaned string per page, from the text layer only; a page without one comes back as "".

    This is the seam for OCR: ocr.ocr_empty_pages fills the empty pages from page images.
    """
    name = name_in_messages(filename)
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
            texts.append(clean_pdf_text(raw))
            check_text_length(sum(map(len, texts)), name, max_pages)
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


def clean_pdf_text(raw: str) -> str:
    # A font's ToUnicode map can yield UTF-16 surrogates; pair them up and replace the unpaired ones (no encoder,
    # the embedding model's included, accepts them).
    raw = raw.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_PDF_CHARACTER_FIXES)
    text = _CONTROL_CHARACTERS.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def join_pages(page_texts: list[str]) -> tuple[str, tuple[Page, ...]]:
    pages, offset = [], 0
    for number, page_text in enumerate(page_texts, start=1):
        pages.append(Page(number, offset, offset + len(page_text)))
        offset += len(page_text) + 1   # the "\n" that joins pages
    return "\n".join(page_texts), tuple(pages)
