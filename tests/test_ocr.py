"""OCR of PDF pages without a text layer: scans, mixed PDFs, and what happens without tesseract."""
from __future__ import annotations

import pytest
from PIL import ImageDraw

from document_processor import (
    OcrOptions, chunk_document, load_document, pdf_page_texts, split_sections, tesseract_command,
)
from errors import NoTextFound, TooLarge
from mediassist.reading.ocr import _clean_ocr_text
from settings import ConfigError, Settings
from tests.builders import make_image_only_pdf, make_mixed_pdf, make_pdf, make_scanned_pdf, render_page_image

SCANNED_SUMMARY = """Discharge Medications:
1. Metoprolol 25 mg by mouth twice daily
2. Aspirin 81 mg by mouth once daily
Follow-up:
Dr. Lee on May 2 at 10:30 am"""

TEXT_PAGE = """Discharge Diagnosis:
Community-acquired pneumonia, right lower lobe.

Allergies:
Penicillin (rash)."""

needs_tesseract = pytest.mark.skipif(tesseract_command() is None, reason="tesseract is not installed")


@pytest.fixture
def no_tesseract(tmp_path) -> OcrOptions:
    return OcrOptions(tesseract=str(tmp_path / "no-such-tesseract"))


def _shapes_page():
    """A page with a picture on it but no words: OCR has nothing to read."""
    image = render_page_image("")
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 300, 1500, 900), fill=90)
    for index in range(6):
        draw.ellipse((200 + 200 * index, 1200, 330 + 200 * index, 1330 + 60 * index), fill=30 * index)
    return image


@needs_tesseract
def test_scanned_pdf_is_read_with_ocr():
    document = load_document(make_scanned_pdf([SCANNED_SUMMARY]), "scan.pdf")
    assert document.kind == "pdf" and document.ocr_pages == (1,) and document.unreadable_pages == ()
    assert "Metoprolol" in document.text and "25 mg" in document.text and "Dr. Lee" in document.text
    assert "Discharge Medications" in document.section_names and "Follow-up" in document.section_names
    chunk = next(chunk for chunk in chunk_document(document, "d") if "Metoprolol" in chunk.text)
    assert chunk.section == "Discharge Medications" and chunk.page == 1


@needs_tesseract
def test_mixed_pdf_keeps_the_text_layer_and_reads_only_the_scanned_page():
    data = make_mixed_pdf([TEXT_PAGE, render_page_image(SCANNED_SUMMARY), ""])
    text_layer = pdf_page_texts(data)
    assert "Penicillin" in text_layer[0] and text_layer[1:] == ["", ""]
    document = load_document(data, "mixed.pdf")
    assert document.ocr_pages == (2,)
    assert document.unreadable_pages == (), "a blank page is empty, not unreadable"
    assert document.text.startswith(text_layer[0] + "\n")   # page 1 is its text layer, exactly
    assert [page.number for page in document.pages] == [1, 2, 3]
    assert document.page_at(document.text.index("Penicillin")) == 1
    assert document.page_at(document.text.index("Metoprolol")) == 2
    assert {"Discharge Diagnosis", "Allergies", "Discharge Medications"} <= set(document.section_names)


@needs_tesseract
def test_a_page_ocr_cannot_read_is_reported_and_the_rest_indexed():
    data = make_mixed_pdf([TEXT_PAGE, _shapes_page()])
    document = load_document(data, "mixed.pdf")
    assert document.text.strip() == pdf_page_texts(data)[0] and "Penicillin" in document.text
    assert document.ocr_pages == () and document.unreadable_pages == (2,)


def test_without_tesseract_a_scanned_pdf_says_ocr_is_not_available(no_tesseract):
    assert tesseract_command(no_tesseract.tesseract) is None
    with pytest.raises(NoTextFound) as raised:
        load_document(make_image_only_pdf("Discharge Medications:\nAspirin 81 mg daily"), "scan.pdf",
                      ocr=no_tesseract)
    message = str(raised.value)
    assert "OCR" in message and "scanned" in message and "not available" in message
    assert "selectable text" in message and "DOCX" in message and "TXT" in message and "scan.pdf" in message


def test_without_tesseract_a_mixed_pdf_is_indexed_and_the_scanned_page_flagged(no_tesseract):
    data = make_mixed_pdf([TEXT_PAGE, render_page_image(SCANNED_SUMMARY), ""])
    document = load_document(data, "mixed.pdf", ocr=no_tesseract)
    assert document.text.strip() == pdf_page_texts(data)[0] and "Penicillin" in document.text
    assert document.ocr_pages == () and document.unreadable_pages == (2,)


def test_ocr_turned_off_with_max_ocr_pages_zero():
    with pytest.raises(NoTextFound, match="OCR"):
        load_document(make_scanned_pdf(["Diet:\nLow salt."]), "scan.pdf", ocr=OcrOptions(max_pages=0))


@pytest.mark.parametrize("raw", ["many", "-1"])
def test_a_bad_max_ocr_pages_is_a_config_error(raw):
    with pytest.raises(ConfigError, match="MAX_OCR_PAGES"):
        Settings.from_env({"MAX_OCR_PAGES": raw})


def test_the_ocr_settings_come_from_the_environment():
    settings = Settings.from_env({"MAX_OCR_PAGES": "3", "TESSERACT_CMD": " /opt/ocr/tesseract "})
    assert settings.max_ocr_pages == 3 and settings.tesseract_cmd == "/opt/ocr/tesseract"
    assert Settings.from_env({}).tesseract_cmd is None


def test_text_pdfs_never_need_tesseract(no_tesseract):
    document = load_document(make_pdf([TEXT_PAGE]), "summary.pdf", ocr=no_tesseract)
    assert document.ocr_pages == () and document.unreadable_pages == () and "Penicillin" in document.text


@needs_tesseract
def test_a_blank_scanned_page_has_no_text_even_with_ocr():
    with pytest.raises(NoTextFound) as raised:
        load_document(make_scanned_pdf([""]), "blank.pdf")
    assert "could not read any text, even with OCR" in str(raised.value)


@needs_tesseract
def test_too_many_pages_to_ocr():
    with pytest.raises(TooLarge) as raised:
        load_document(make_scanned_pdf(["Diet:\nLow salt.", "Activity:\nWalk daily."]), "scan.pdf",
                      ocr=OcrOptions(max_pages=1))
    assert "2 pages" in str(raised.value) and "OCR" in str(raised.value) and "at most 1" in str(raised.value)


def test_ocr_text_is_tidied_but_keeps_its_lines():
    raw = ("Discharge  Medications:\n\n\n\n1.\tMetoprolol   25 mg \u2018twice\u2019 daily  \n"
           "   Follow-up:\nDr. Lee\n\x0c")
    text = _clean_ocr_text(raw)
    assert text == "Discharge Medications:\n\n1. Metoprolol 25 mg 'twice' daily\nFollow-up:\nDr. Lee"
    assert [section.name for section in split_sections(text)] == ["Discharge Medications", "Follow-up"]
