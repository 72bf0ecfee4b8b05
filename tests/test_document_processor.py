"""document_processor on real files: encodings, PDF pages, DOCX tables, bad input, sections, chunks."""
from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import pytest

import document_processor
from document_processor import (
    Document, OcrOptions, canonical_section_name, chunk_document, detect_kind, load_document, split_sections,
    split_units,
)
from errors import EmptyFile, NoTextFound, QAError, TooLarge, UnreadableDocument, UnsupportedFile
from mediassist.structure.headings import CANONICAL_SECTION_NAMES, _HEADING_VARIANTS
from tests.builders import make_docx, make_encrypted_pdf, make_image_only_pdf, make_pdf, truncated

DATA = Path(__file__).parent / "data"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"   # ../shared/corpus beside the repo
NO_TESSERACT = OcrOptions(tesseract="/nonexistent/tesseract")
FIXTURES = ("heart_failure.txt", "run_together.txt", "knee_replacement.txt")


def load_fixture(name: str) -> Document:
    return load_document((DATA / name).read_bytes(), name)


def names(text: str) -> list[str]:
    return [section.name for section in split_sections(text)]


def unit_texts(text: str) -> list[str]:
    return [text[start:end] for start, end in split_units(text)]


def assert_chunk_invariants(document: Document, chunks, max_chars: int) -> None:
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))
    previous_end = 0
    for chunk in chunks:
        assert chunk.text == document.text[chunk.start:chunk.end] == chunk.text.strip()
        assert chunk.start >= previous_end, "chunks overlap or go backwards"
        previous_end = chunk.end
        assert len(chunk.text) <= max_chars
        assert re.search(r"[A-Za-z]", chunk.text)
        section = document.section_at(chunk.start)
        assert section is not None and section.name == chunk.section
        assert section.start <= chunk.start and chunk.end <= section.end, "chunk spans two sections"
        assert chunk.page == document.page_at(chunk.start)
        assert chunk.id == f"{chunk.doc_id}:{chunk.index}"


# --------------------------------------------------------------------------- text encodings

SAMPLE = "Discharge Medications:\n1. Warfarin 2.5 mg daily – check INR; fever over 38 °C… call. It’s OK.\n"


@pytest.mark.parametrize("encoded", [
    SAMPLE.encode("utf-8"),
    SAMPLE.encode("utf-8-sig"),
    b"\xff\xfe" + SAMPLE.encode("utf-16-le"),
    b"\xfe\xff" + SAMPLE.encode("utf-16-be"),
    SAMPLE.encode("utf-16-le"),
    SAMPLE.encode("utf-16-be"),
    SAMPLE.encode("cp1252"),
], ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "cp1252"])
def test_text_files_decode_in_every_common_encoding(encoded):
    document = load_document(encoded, "summary.txt")
    page = document.pages[0]
    assert (document.text, document.kind) == (SAMPLE, "txt")
    assert page.number == 1 and (page.start, page.end) == (0, len(document.text))


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_newlines_are_normalised(newline):
    document = load_document(SAMPLE.replace("\n", newline).encode(), "summary.md")
    assert document.text == SAMPLE and document.kind == "txt"


def test_text_is_kept_faithful_otherwise():
    raw = "  Allergies:   NKDA\t(none)\n\n\nDiet:  low salt  \n"
    assert load_document(raw.encode(), "a.txt").text == raw


# --------------------------------------------------------------------------- bad input

def _zip_with(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
NOISE = random.Random(7).randbytes(3000)
MEDS_PAGE = "Discharge Medications:\n1. Aspirin 81 mg daily.\n"


@pytest.mark.parametrize("name, data, error", [
    ("empty.txt", b"", EmptyFile),
    ("photo.png", PNG, UnsupportedFile),
    ("summary.txt", PNG, UnsupportedFile),
    ("summary.pdf", PNG, UnsupportedFile),
    ("noise.txt", NOISE, UnsupportedFile),
    ("noise.txt", bytes(range(256)) * 8, UnsupportedFile),
    ("controls.txt", b"Diet\x01\x02\x03\x04\x05\x06 low\x07\x08 salt\x0e\x0f" * 20, UnsupportedFile),
    ("program.exe", b"MZ\x90\x00" + bytes(500), UnsupportedFile),
    ("letter.rtf", b"{\\rtf1 Discharge}", UnsupportedFile),
    ("old.txt", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), UnsupportedFile),
    ("broken.pdf", truncated(make_pdf([MEDS_PAGE] * 3)), UnreadableDocument),
    ("garbage.pdf", b"%PDF-1.7\nnot really a pdf\n%%EOF\n", UnreadableDocument),
    ("text.pdf", b"Discharge Medications: aspirin", UnreadableDocument),
    ("locked.pdf", make_encrypted_pdf("Discharge Medications:\n1. Aspirin 81 mg daily."), UnreadableDocument),
    ("scan.pdf", make_image_only_pdf("Discharge Medications: Aspirin 81 mg daily"), NoTextFound),
    ("fake.docx", b"this is plain text pretending to be a docx", UnreadableDocument),
    ("broken.docx", truncated(make_docx(["Discharge Medications:", "Aspirin 81 mg daily."])), UnreadableDocument),
    ("archive.docx", _zip_with({"hello.txt": b"not a word document"}), UnreadableDocument),
    ("archive.txt", _zip_with({"hello.txt": b"not a word document"}), UnsupportedFile),
    ("archive.zip", _zip_with({"hello.txt": b"not a word document"}), UnsupportedFile),
    ("blank.txt", b"  \n\n\t \n", NoTextFound),
    ("digits.txt", b"123 456\n789", NoTextFound),
])
def test_bad_input_raises_a_clear_error(name, data, error):
    with pytest.raises(error) as raised:
        load_document(data, name, ocr=NO_TESSERACT)   # the scan case: a server without OCR
    message = str(raised.value)
    assert isinstance(raised.value, QAError) and len(message) > 30
    assert name in message or "file" in message.lower()


def test_locked_and_scanned_pdfs_say_why():
    with pytest.raises(UnreadableDocument, match="password"):
        load_document(make_encrypted_pdf("Diet: low salt."), "locked.pdf", ocr=NO_TESSERACT)
    with pytest.raises(NoTextFound) as raised:
        load_document(make_image_only_pdf("Discharge Medications: Aspirin"), "scan.pdf", ocr=NO_TESSERACT)
    assert "scan" in str(raised.value) and "DOCX" in str(raised.value)


def test_pdf_with_an_empty_user_password_is_read():
    document = load_document(make_encrypted_pdf("Diet:\nLow salt, 2 g sodium a day.", user_password=""), "x.pdf")
    assert "2 g sodium" in document.text and document.section_names == ["Diet"]


def test_too_many_pages():
    pdf = make_pdf([MEDS_PAGE, "Follow-up:\nClinic in 1 week.", "Diet:\nLow salt."])
    with pytest.raises(TooLarge, match="3 pages"):
        load_document(pdf, "long.pdf", max_pages=2)
    assert len(load_document(pdf, "long.pdf", max_pages=3).pages) == 3


def test_docx_zip_bomb_is_refused_before_unpacking():
    huge = b" " * (document_processor.MAX_DOCX_XML_BYTES + 1)
    bomb = _zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": huge})
    assert len(bomb) < 1_000_000
    with pytest.raises(TooLarge):
        load_document(bomb, "bomb.docx")


def test_kind_is_judged_by_content():
    pdf = make_pdf([MEDS_PAGE])
    docx = make_docx(["Diet:", "Low salt."])
    assert detect_kind(pdf, "summary.pdf") == "pdf"
    assert detect_kind(pdf, "summary.txt") == "pdf"
    assert detect_kind(docx, "summary.docx") == "docx"
    assert detect_kind(docx, "download") == "docx"
    assert detect_kind(b"Diet: low salt", "summary.text") == "txt"
    assert detect_kind(b"Diet: low salt", "notes") == "txt"


# --------------------------------------------------------------------------- PDF

def test_pdf_keeps_page_numbers():
    pdf = make_pdf([
        "DISCHARGE SUMMARY\nDischarge Diagnosis:\nAtrial fibrillation.",
        "Discharge Medications:\n1. Apixaban 5 mg by mouth twice daily.\n2. Metoprolol 25 mg daily.",
        "Follow-up:\nDr. Osei, cardiology clinic, on April 2, 2026.",
    ])
    document = load_document(pdf, "afib.pdf")
    assert document.kind == "pdf" and [page.number for page in document.pages] == [1, 2, 3]
    for page, expected in zip(document.pages, ("Atrial fibrillation", "Apixaban", "Dr. Osei")):
        assert expected in document.text[page.start:page.end]
    assert document.page_at(document.text.index("Apixaban")) == 2
    assert document.page_at(document.text.index("April 2")) == 3
    assert document.section_names == ["Overview", "Discharge Diagnosis", "Discharge Medications", "Follow-up"]
    chunks = chunk_document(document, "afib")
    assert_chunk_invariants(document, chunks, 900)
    assert next(chunk for chunk in chunks if "Apixaban" in chunk.text).page == 2


def test_pdf_wrapped_lines_and_typographic_characters():
    long_line = ("Hospital Course: The patient was treated with intravenous furosemide and improved steadily "
                 "over four days; her weight fell by three kilograms and her breathing returned to normal. ") * 3
    document = load_document(make_pdf([long_line + "\nDiet:\n2 g sodium – 1.5 L fluid a day."]), "w.pdf")
    assert document.section_names == ["Hospital Course", "Diet"]
    assert "2 g sodium - 1.5 L" in document.text


# --------------------------------------------------------------------------- DOCX

def test_docx_paragraphs_and_tables_in_reading_order():
    docx = make_docx(["Discharge Summary", "Follow-up:",
                      [["Clinic", "Date"], ["Cardiology, Dr. Osei", "April 2, 2026 at 9:00"]],
                      "Discharge Medications:", "Furosemide 40 mg once daily in the morning."])
    document = load_document(docx, "hf.docx")
    assert document.kind == "docx" and len(document.pages) == 1
    lines = [line for line in document.text.splitlines() if line]
    assert lines == ["Discharge Summary", "Follow-up:", "Clinic | Date", "Cardiology, Dr. Osei | April 2, 2026 at 9:00",
                     "Discharge Medications:", "Furosemide 40 mg once daily in the morning."]
    assert document.section_names == ["Overview", "Follow-up", "Discharge Medications"]
    follow_up = next(chunk for chunk in chunk_document(document, "d") if chunk.section == "Follow-up")
    assert "April 2, 2026" in follow_up.text and "Furosemide" not in follow_up.text


def test_docx_form_tables_with_headings_over_values():
    docx = make_docx([
        [["Patient:", "Test Person", "Ward:", "5B"], ["Admission Date:", "01 May 2026", "Discharge To:", "Home"]],
        [["Main diagnosis / discharge diagnosis", "", "Allergies"],
         ["Community-acquired pneumonia.", "", "Penicillin - rash"],
         ["Follow-up arranged", "", "Information given to patient"],
         ["Respiratory clinic in 6 weeks", "", "Finish the antibiotics. Return if breathless."]],
    ])
    document = load_document(docx, "form.docx")
    lines = [line for line in document.text.splitlines() if line]
    assert lines[:4] == ["Patient: Test Person", "Ward: 5B", "Admission Date: 01 May 2026", "Discharge To: Home"]
    assert lines[4:8] == ["Main diagnosis / discharge diagnosis", "Community-acquired pneumonia.",
                          "Allergies", "Penicillin - rash"]
    assert document.section_names == ["Overview", "Disposition", "Discharge Diagnosis", "Allergies", "Follow-up",
                                      "Discharge Instructions"]
    allergies = next(chunk for chunk in chunk_document(document, "f") if chunk.section == "Allergies")
    assert "Penicillin" in allergies.text and "pneumonia" not in allergies.text


def test_docx_merged_cells_appear_once_and_nested_tables_are_read():
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph("Discharge Medications:")
    table = document.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 2))
    merged.text = "Apixaban 5 mg twice daily"
    table.cell(1, 0).text = "Metoprolol 25 mg daily"
    nested = table.cell(1, 2).add_table(rows=1, cols=2)
    nested.cell(0, 0).text = "Inner drug"
    nested.cell(0, 1).text = "Senna 8.6 mg at night"
    document.add_paragraph("Diet:")
    document.add_paragraph("Low salt.")
    buffer = io.BytesIO()
    document.save(buffer)
    text = load_document(buffer.getvalue(), "merged.docx").text
    assert text.count("Apixaban") == 1
    assert "Inner drug | Senna 8.6 mg at night" in text
    assert text.index("Apixaban") < text.index("Metoprolol") < text.index("Senna") < text.index("Low salt")


def test_docx_word_lists_keep_one_item_per_unit():
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph("Discharge Medications:")
    document.add_paragraph("furosemide 40 mg by mouth daily", style="List Number")
    document.add_paragraph("aspirin 81 mg by mouth daily", style="List Bullet")
    document.add_paragraph("Diet:")
    document.add_paragraph("low salt")
    buffer = io.BytesIO()
    document.save(buffer)
    text = load_document(buffer.getvalue(), "list.docx").text
    assert unit_texts(text) == ["• furosemide 40 mg by mouth daily", "• aspirin 81 mg by mouth daily", "low salt"]


# --------------------------------------------------------------------------- sections

EXPECTED_SECTIONS = {
    "heart_failure.txt": [
        "Overview", "Admission Diagnosis", "Discharge Diagnosis", "Hospital Course", "Allergies",
        "Discharge Medications", "Follow-up", "Diet", "Activity", "Warning Signs", "Condition at Discharge",
        "Disposition"],
    "run_together.txt": [
        "Overview", "Admission Diagnosis", "Discharge Diagnosis", "History of Present Illness", "Allergies",
        "Physical Examination", "Results", "Hospital Course", "Discharge Medications", "Disposition",
        "Discharge Instructions", "Diet", "Follow-up", "Keywords"],
    "knee_replacement.txt": [
        "Overview", "Admission Diagnosis", "Procedures", "Hospital Course", "Condition at Discharge",
        "Discharge Medications", "Wound Care", "Activity", "Diet", "Follow-up", "Warning Signs"],
}


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_sections(name):
    document = load_fixture(name)
    assert [section.name for section in document.sections] == EXPECTED_SECTIONS[name]
    assert document.section_names == EXPECTED_SECTIONS[name]
    for section, following in zip(document.sections, document.sections[1:]):
        assert section.end == following.start
        assert section.title in document.text[section.start:section.end]
    assert document.sections[-1].end == len(document.text)


def test_run_together_headings_and_sub_labels():
    document = load_fixture("run_together.txt")
    titles = [section.title for section in document.sections]
    assert "PHYSICAL EXAMINATION" in titles and "DISPOSITION" in titles and "DISCHARGE INSTRUCTIONS" in titles
    exam = next(section for section in document.sections if section.name == "Physical Examination")
    exam_text = document.text[exam.start:exam.end]
    assert "VITAL SIGNS: Temperature 38.6" in exam_text and "HEENT" not in exam_text
    assert "GENERAL: Ill-appearing" in exam_text and "LUNGS: Crackles" in exam_text


@pytest.mark.parametrize("text, expected", [
    ("Abscess, left foot.DISCHARGE DIAGNOSIS: Status post I&D, left foot.", ["Overview", "Discharge Diagnosis"]),
    ("Transfer.DISPOSITIONDISCHARGE INSTRUCTIONS: Rest.", ["Overview", "Disposition", "Discharge Instructions"]),
    ("PHYSICAL EXAMINATIONVITAL SIGNS: BP 120/80.HEENT: Normal.GENERAL: Well.", ["Physical Examination"]),
    ("DIAGNOSES ON ADMISSION1. CVA.2. Bronchitis.DIAGNOSES AT DISCHARGE1. CVA.",
     ["Admission Diagnosis", "Discharge Diagnosis"]),
    ("and VicodinDISCHARGE INSTRUCTIONS: Call with questions.", ["Overview", "Discharge Instructions"]),
    ("She was continued on medications: aspirin and a statin.", ["Overview"]),
    ("The patient was continued on home medications: x\nand did well.", ["Overview"]),
    ("Discharge Instructions:\nRest at home.\nDiet: 2 g sodium.\nActivity: as tolerated.",
     ["Discharge Instructions", "Diet", "Activity"]),
    ("DISCHARGE INSTRUCTIONS:  ACTIVITY: No smoking near the baby.\nDIET: Regular diet.",
     ["Discharge Instructions", "Activity", "Diet"]),
    ("### **Return Precautions:**\n\n* Fever over 101", ["Warning Signs"]),
    ("# **Discharge Summary**\nService: Surgery\n### **Activity and Mobility Instructions:**\n* Walk",
     ["Overview", "Activity"]),
    ("**Diet:** low salt\n**Follow-up**: clinic in 1 week", ["Diet", "Follow-up"]),
    ("Allergies:\nNone known.\n* Diet: continue as before", ["Allergies"]),
    ("Patient Name: Test\nDischarge Date: 01/01/2026\nAllergies: NKDA", ["Overview", "Allergies"]),
    ("WARNING SIGNS\nFever\nDIET\nLow salt", ["Warning Signs", "Diet"]),
    ("his medication on discharge was:\n- Aspirin", ["Overview"]),
    ("He should slowly return to normal\nActivity.\nHe agreed.", ["Overview"]),
    # words before a known heading narrow it; the document's own title is no section
    ("Community follow-up:\nDistrict nurse on Monday.\nPost-natal plan:\nRest.",
     ["Follow-up", "Discharge Instructions"]),
    ("Discharge summary\nName: Test\nStoma care instructions:\nEmpty the bag.", ["Overview", "Discharge Instructions"]),
    ("Given medications:\nPrednisolone 40 mg\nOngoing treatment:\nTelmisartan", ["Overview"]),   # advice only
    # ... only in a label, and not words that deny it or move it before this discharge
    ("DISCHARGE INSTRUCTIONS:\nResume home medications\nNo driving\n", ["Discharge Instructions"]),
    ("PAST MEDICAL HISTORY:\nAF\nPrevious discharge medications:\nWarfarin 5 mg daily\n", ["Past Medical History"]),
    ("Declined follow-up:\nPhysiotherapy on Monday.\nPossible complications:\nBleeding.", ["Overview"]),
    ("HOSPITAL COURSE:\nStable.\nWard medications:\nMeropenem 1 g TDS\n", ["Hospital Course"]),
])
def test_heading_detection(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize("heading, canonical", [
    ("DIAGNOSES ON DISCHARGE", "Discharge Diagnosis"), ("FINAL DIAGNOSES", "Discharge Diagnosis"),
    ("PRINCIPAL DIAGNOSIS", "Discharge Diagnosis"), ("SECONDARY DIAGNOSES", "Discharge Diagnosis"),
    ("TRANSFER DIAGNOSES", "Discharge Diagnosis"), ("Admitting Diagnosis (ICD-10)", "Admission Diagnosis"),
    ("MEDICATIONS ON DISCHARGE", "Discharge Medications"), ("DISCHARGE MEDS", "Discharge Medications"),
    ("Home medications at discharge", "Discharge Medications"), ("Medications on Admission", "Admission Medications"),
    ("MEDICATIONS", "Medications"), ("OPERATIONS PERFORMED", "Procedures"), ("PRINCIPAL PROCEDURE", "Procedures"),
    ("Major Surgical or Invasive Procedure", "Procedures"), ("BRIEF HOSPITAL COURSE", "Hospital Course"),
    ("HISTORY AND HOSPITAL COURSE", "Hospital Course"), ("HOSPITAL COURSE AND TREATMENT", "Hospital Course"),
    ("LABORATORY DATA", "Results"), ("Pertinent Results", "Results"), ("SIGNIFICANT LAB AND X-RAY", "Results"),
    ("Imaging", "Results"), ("FOLLOWUP", "Follow-up"), ("FOLLOW-UP APPOINTMENTS", "Follow-up"),
    ("DISCHARGE FOLLOWUP", "Follow-up"), ("Followup Instructions", "Follow-up"), ("WHEN TO RETURN", "Warning Signs"),
    ("RETURN PRECAUTIONS", "Warning Signs"), ("Call your doctor if", "Warning Signs"),
    ("When to seek help", "Warning Signs"), ("Reasons to call", "Warning Signs"), ("Incision care", "Wound Care"),
    ("DISCHARGE CONDITION", "Condition at Discharge"), ("SPECIAL INSTRUCTIONS", "Discharge Instructions"),
    ("ADDITIONAL INSTRUCTIONS", "Discharge Instructions"), ("TRANSFER INSTRUCTIONS", "Discharge Instructions"),
    ("DISCHARGE PLAN", "Discharge Instructions"), ("PLAN", "Discharge Instructions"), ("Activity", "Activity"),
    ("Physical activity", "Activity"), ("Driving", "Activity"), ("Labs to check", "Tests"),
    ("Tests to do", "Tests"), ("Pending results", "Tests"), ("Diet and Lifestyle Instructions", "Diet"),
    ("Patient Instructions (Clinical Style)", "Discharge Instructions"), ("CONSULTS", "Consultations"),
    ("Co-morbidities", "Past Medical History"), ("Discharge medications (including regular medication)",
                                                 "Discharge Medications"),
    ("Discharge Summary", None), ("VITAL SIGNS", None), ("HEENT", None), ("Patient Name", None),
    ("Activity as tolerated", None), ("Medication name Salbutamol", None), ("Follow-up arrangements", "Follow-up"),
    ("Cardiology", None), ("Discharge medications - changes", "Discharge Medications"),
    ("Follow-up changes", "Follow-up"), ("COURSE IN THE ED", "Hospital Course"),
    ("Current medication (from GP record)", "Admission Medications"), ("Own meds brought in", "Admission Medications"),
    ("Past medical history (from GP record)", "Past Medical History"), ("Patient's own medicines", None),
    ("TTO / MEDICATIONS ON DISCHARGE", "Discharge Medications"), ("Wound care / dressings", "Wound Care"),
    ("Diet/Activity", None), ("Past history / medications", None), ("Dx", "Discharge Diagnosis"),
    ("Hx", "History of Present Illness"), ("O/E", "Physical Examination"), ("Ix", "Results"),
    ("Investigations", "Results"), ("Rx (on discharge)", "Medications"), ("RETURN TO CLINIC", "Follow-up"),
    ("PRESENTING COMPLAINTS", "Chief Complaint"), ("HISTORY OF PRESENTING ILLNESS", "History of Present Illness"),
    ("Anamnesis", "History of Present Illness"), ("PERTINENT LABS", "Results"),
    ("Management plan", "Discharge Instructions"),
    # French headings, with or without their accents
    ("MÉDICAMENTS AU CONGÉ", "Discharge Medications"), ("Medicaments au conge", "Discharge Medications"),
    ("Suivi", "Follow-up"), ("Quand consulter", "Warning Signs"), ("Antécédents", "Past Medical History"),
    ("Résumé de l'hospitalisation", "Hospital Course"), ("Résumé de départ", None),
])
def test_heading_variants_map_to_canonical_names(heading, canonical):
    assert canonical_section_name(heading) == canonical


def test_every_heading_variant_names_its_own_section():
    assert len(CANONICAL_SECTION_NAMES) == len(set(CANONICAL_SECTION_NAMES)) == 30
    for name, variants in _HEADING_VARIANTS.items():
        assert variants and all(canonical_section_name(variant, fuzzy=False) == name for variant in variants)


def test_a_line_padded_with_thousands_of_spaces_still_reads_its_headings():
    """A PDF or form export can pad a line with spaces; reading it must not stall the upload (it took minutes
    before the label pattern was bounded)."""
    text = "Diet" + " " * 3000 + "as tolerated\nFollow up" + " \t" * 2000 + ": Dr Lee in 2 weeks\n"
    document = load_document(("DISCHARGE MEDICATIONS:\nAspirin 81 mg daily\n" + text).encode(), "padded.txt")
    assert "Discharge Medications" in document.section_names


# --------------------------------------------------------------------------- chunks

@pytest.mark.parametrize("name", FIXTURES)
@pytest.mark.parametrize("max_chars", [160, 400, 900])
def test_chunk_invariants(name, max_chars):
    document = load_fixture(name)
    chunks = chunk_document(document, "doc", max_chars=max_chars)
    assert_chunk_invariants(document, chunks, max_chars)
    empty = {"Disposition"} if name == "run_together.txt" else set()   # "DISPOSITIONDISCHARGE ..." has no body
    assert {chunk.section for chunk in chunks} == set(document.section_names) - empty


@pytest.mark.parametrize("name", FIXTURES)
def test_first_chunk_of_a_section_carries_its_heading(name):
    document = load_fixture(name)
    chunks = chunk_document(document, "doc", max_chars=200)
    for section in document.sections:
        inside = [chunk for chunk in chunks if section.start <= chunk.start < section.end]
        if inside and section.title:
            assert section.title in inside[0].text


MEDICATION_ITEMS = {
    "heart_failure.txt": ["4. Spironolactone 12.5 mg by mouth once daily (NEW).",
                          "1. Furosemide 40 mg by mouth twice daily (CHANGED: dose increased from 20 mg once daily)."],
    "run_together.txt": ["1. Lisinopril 10 mg daily.", "2. Levaquin 500 mg daily for 5 days.",
                         "5. Acetaminophen 650 mg p.o. q.6h. p.r.n. fever or pain, not more than 3 g per day.",
                         "6. Guaifenesin 600 mg p.o. b.i.d. as needed for cough."],
    "knee_replacement.txt": ["* Apixaban 2.5 mg by mouth twice daily for 14 days (NEW) to prevent blood clots",
                             "* Senna 8.6 mg, two tablets at bedtime while taking oxycodone (NEW)"],
}


@pytest.mark.parametrize("name", FIXTURES)
@pytest.mark.parametrize("max_chars", [120, 300])
def test_medication_items_are_never_cut(name, max_chars):
    chunks = chunk_document(load_fixture(name), "doc", max_chars=max_chars)
    for item in MEDICATION_ITEMS[name]:
        holders = [chunk for chunk in chunks if item in chunk.text]
        assert len(holders) == 1 and holders[0].section == "Discharge Medications", item


def test_run_together_medications_chunk_stays_in_its_section():
    chunks = chunk_document(load_fixture("run_together.txt"), "rt")
    medications = [chunk for chunk in chunks if chunk.section == "Discharge Medications"]
    assert len(medications) == 1
    text = medications[0].text
    assert text.startswith("DISCHARGE MEDICATIONS:1. Lisinopril 10 mg daily.2. Levaquin 500 mg daily for 5 days.")
    assert text.endswith("6. Guaifenesin 600 mg p.o. b.i.d. as needed for cough.")
    assert "DISPOSITION" not in text and "Rest at home" not in text and "home in stable condition" not in text


def test_long_items_and_sentences_are_split_but_stay_within_max_chars():
    text = "Hospital Course:\n" + " ".join(f"On day {n} the patient walked further than before." for n in range(40))
    text += "\nDischarge Medications:\n1. " + "Very long instruction " * 60 + "\n2. Aspirin 81 mg daily."
    document = load_document(text.encode(), "long.txt")
    chunks = chunk_document(document, "l", max_chars=300)
    assert_chunk_invariants(document, chunks, 300)
    assert any(chunk.text == "2. Aspirin 81 mg daily." or chunk.text.endswith("2. Aspirin 81 mg daily.")
               for chunk in chunks)
    course = [chunk for chunk in chunks if chunk.section == "Hospital Course"]
    assert len(course) > 3 and all(chunk.text.endswith("before.") for chunk in course)


def test_empty_sections_give_no_chunks_and_rules_are_dropped():
    document = load_document(b"Allergies:\n---\nDiet:\nLow salt.\n\n---\n", "x.md")
    chunks = chunk_document(document, "x")
    assert [(chunk.section, chunk.text) for chunk in chunks] == [("Diet", "Diet:\nLow salt.")]


# --------------------------------------------------------------------------- units

def test_units_keep_doses_titles_and_abbreviations_whole():
    text = "Take warfarin 2.5 mg daily. See Dr. Smith on Monday. Use q.12h dosing as told. Mr. D. Acula agreed."
    assert unit_texts(text) == ["Take warfarin 2.5 mg daily.", "See Dr. Smith on Monday.",
                                "Use q.12h dosing as told.", "Mr. D. Acula agreed."]


def test_units_split_run_together_list_items():
    text = ("DISCHARGE MEDICATIONS:1. Lisinopril 10 mg daily.2. Levaquin 500 mg daily for 5 days."
            "3. Albuterol 2 puffs q.4h. p.r.n. wheezing.FOLLOWUP: Dr. X in 1 week.")
    assert unit_texts(text) == ["1. Lisinopril 10 mg daily.", "2. Levaquin 500 mg daily for 5 days.",
                                "3. Albuterol 2 puffs q.4h. p.r.n. wheezing.", "FOLLOWUP: Dr. X in 1 week."]


def test_units_keep_wrapped_list_items_and_sentences_whole():
    text = ("Discharge Medications:\n1. Heparin 5,000 unit/mL Solution Sig: One (1)\nInjection TID (3 times a day).\n"
            "2. Acetaminophen 325 mg PO Q6H\n(every 6 hours) as needed.\n\nHospital Course:\nHe was\n"
            "admitted with chest pain. His\nCXR was clear.")
    assert unit_texts(text) == [
        "1. Heparin 5,000 unit/mL Solution Sig: One (1)\nInjection TID (3 times a day).",
        "2. Acetaminophen 325 mg PO Q6H\n(every 6 hours) as needed.",
        "He was\nadmitted with chest pain.", "His\nCXR was clear."]


@pytest.mark.parametrize("name", FIXTURES)
def test_units_never_cut_inside_a_dose(name):
    text = load_fixture(name).text
    units = unit_texts(text)
    for token in ("2.5 mg", "12.5 mg", "8.6 mg", "Dr. Okafor", "Dr. X", "q.6h.", "b.i.d.", "1.5 L", "101.5"):
        if token in text:
            assert any(token in unit for unit in units), token
    assert all(unit == unit.strip() and re.search(r"\w", unit) for unit in units)


# --------------------------------------------------------------------------- real-world corpus (optional)

CORPUS_FILES = sorted(p for folder in ("text", "files") for p in (CORPUS / folder).glob("*") if p.is_file()) \
    if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS_FILES, reason="the shared corpus of real summaries is not on this machine")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda path: path.name)
def test_corpus_files_load_into_sections_and_clean_chunks(path):
    document = load_document(path.read_bytes(), path.name)
    sections = document.sections
    assert sections and sections[0].start == 0 and sections[-1].end == len(document.text)
    assert all(a.end == b.start for a, b in zip(sections, sections[1:])), "sections cover the text without gaps"
    for max_chars in (300, 900):
        assert_chunk_invariants(document, chunk_document(document, "c", max_chars=max_chars), max_chars)


def test_leader_dots_do_not_end_a_sentence():
    text = "Stopped medicines\nDoxazosin 4mg OD ............ STOPPED (falls). Zopiclone stopped... She agreed.\n"
    units = [text[a:b] for a, b in split_units(text)]
    assert "Doxazosin 4mg OD ............ STOPPED (falls)." in units


def test_a_capital_label_of_a_bulleted_item_is_no_section():
    text = "RETURN TO CLINIC:\n - PCP in 1 week\n - LAB: BMP at the clinic lab in 1 wk\n - CT CHEST in 8 wks\n"
    assert [section.name for section in split_sections(text)] == ["Follow-up"]
