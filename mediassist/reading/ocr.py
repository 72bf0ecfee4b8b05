"""OCR for PDF pages without a text layer (scans, photos, "print to image"): pypdfium2 renders, tesseract reads.

Pages are rendered with pypdfium2 (no poppler needed) and read with the tesseract program through
pytesseract. A page with a text layer keeps it; only pages without letters in theirs are read.
"""
from __future__ import annotations

import collections.abc
import contextlib
import os
import re
import shutil
import threading
from dataclasses import dataclass

from errors import NoTextFound, TooLarge
from mediassist.reading.pdf import clean_pdf_text
from mediassist.structure.units import has_letters
from settings import Settings

OCR_DPI = 300                  # what tesseract reads best; a normal page is 8-9 million pixels at 300 dpi
OCR_MAX_PIXELS = 12_000_000    # larger (poster-size) pages are rendered at less dpi to bound memory
OCR_PAGE_TIMEOUT = 60          # seconds for one page before it counts as unreadable
OCR_LANGUAGE = "eng"
OCR_CONFIG = "--psm 4"         # one column of lines of varying size: keeps a table row ("Aspirin 81 mg daily") whole
DEFAULT_MAX_OCR_PAGES = Settings.max_ocr_pages   # the one default, where every setting is
_INK_LEVEL = 160               # grey levels below this are ink; a page with (almost) none is blank
_INK_PIXELS = 30               # ... at 300 dpi; fewer at lower resolutions

_PDFIUM_LOCK = threading.Lock()                                     # PDFium is not thread-safe
_OCR_SLOTS = threading.BoundedSemaphore(max(1, min(4, (os.cpu_count() or 2) // 2)))   # concurrent tesseracts


class _OcrUnavailable(Exception):
    """tesseract (or its English data) is missing or cannot run."""


# ---- which OCR (settings.py reads TESSERACT_CMD and MAX_OCR_PAGES; these are the values it passes)

@dataclass(frozen=True)
class OcrOptions:
    max_pages: int = DEFAULT_MAX_OCR_PAGES   # most pages of one PDF read with OCR; 0 turns OCR off
    tesseract: str | None = None             # a path or a name on PATH; None: tesseract on PATH


def tesseract_command(configured: str | None = None) -> str | None:
    """The tesseract program (`configured`, else tesseract on PATH); None when it is not there or not
    executable: OCR is then unavailable."""
    return shutil.which((configured or "").strip() or "tesseract")


# ---- reading the empty pages

def _ocr_unavailable_message(name: str) -> str:
    return (f"{name} looks like a scanned (image-only) PDF: it has no selectable text, and OCR (reading text "
            "from page images) is not available on this server. Upload a PDF with selectable text, or a DOCX "
            "or TXT copy of the summary.")


def ocr_empty_pages(data: bytes, name: str, page_texts: list[str],
                    options: OcrOptions) -> tuple[list[str], tuple[int, ...], tuple[int, ...]]:
    """(page texts, pages read with OCR, pages that stayed unreadable) with the empty pages OCR'd.

    Raises NoTextFound when no page has any text in the end, TooLarge when too many pages need OCR.
    """
    empty = [number for number, text in enumerate(page_texts, start=1) if not has_letters(text)]
    if not empty:
        return page_texts, (), ()
    scanned = len(empty) == len(page_texts)   # no page has a text layer
    command = _ocr_command(name, len(empty), scanned, options)
    texts, ocr_pages, unreadable = _read_empty_pages(data, name, page_texts, empty, command, scanned)
    if not any(has_letters(text) for text in texts):
        raise NoTextFound(f"{name} looks like a scanned (image-only) PDF, and we could not read any text, even "
                          "with OCR: the pages look blank, or the scan is too faint, blurred or small. Scan it "
                          "again more clearly, or upload a PDF with selectable text, a DOCX or a TXT copy.")
    return texts, tuple(ocr_pages), tuple(sorted(unreadable))


def _ocr_command(name: str, empty_pages: int, scanned: bool, options: OcrOptions) -> str | None:
    """The tesseract that reads the empty pages; None when OCR is off or missing (pages are then only checked
    for being blank). Raises when a scanned PDF cannot be read at all, or has too many pages for OCR."""
    limit = options.max_pages
    command = tesseract_command(options.tesseract) if limit > 0 else None
    if command is None and scanned:
        raise NoTextFound(_ocr_unavailable_message(name))
    if command is not None and empty_pages > limit:
        raise TooLarge(f"{name} has {empty_pages} pages without selectable text (scanned pages); this server "
                       f"reads at most {limit} such pages with OCR, which is slow. Upload only the discharge "
                       "summary pages, or a PDF with selectable text, a DOCX or a TXT copy of the summary.")
    return command


def _read_empty_pages(data: bytes, name: str, page_texts: list[str], empty: list[int], command: str | None,
                      scanned: bool) -> tuple[list[str], list[int], list[int]]:
    """(page texts with what OCR read filled in, pages read with OCR, pages that stayed unreadable)."""
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
    return texts, ocr_pages, unreadable


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
    text = clean_pdf_text(raw.translate(_OCR_CHARACTER_FIXES))
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
