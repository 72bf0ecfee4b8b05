"""Property-based tests (hypothesis): document_processor on arbitrary text and bytes, the JSON API on arbitrary
bodies and ids. Examples are kept few enough that the file runs in well under a minute on two cores."""
from __future__ import annotations

import json
import os
import urllib.parse

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from app import create_app
from document_processor import (
    CANONICAL_SECTION_NAMES, Document, OcrOptions, chunk_document, load_document, split_sections, split_units,
)
from errors import QAError
from settings import Settings
from tests.conftest import parse_sse, upload

NO_OCR = OcrOptions(max_pages=0)   # a scan is refused at once instead of waiting on tesseract

# PROPERTY_EXAMPLES_SCALE=20 (say) searches twenty times longer, for a nightly job or after changing the processor.
SCALE = float(os.environ.get("PROPERTY_EXAMPLES_SCALE", "1"))
FAST = settings(max_examples=int(200 * SCALE), deadline=None, suppress_health_check=[HealthCheck.too_slow])
API = settings(max_examples=int(60 * SCALE), deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# --------------------------------------------------------------------------- text that looks like a summary

HEADINGS = [
    "DISCHARGE MEDICATIONS:", "Discharge Medications:", "Diet:", "### **Follow-up:**", "ALLERGIES", "Activity",
    "HOSPITAL COURSE:", "Warning Signs:", "DISPOSITIONDISCHARGE INSTRUCTIONS:", "PHYSICAL EXAMINATIONVITAL SIGNS:",
    "Follow-up appointments", "When to return to the ER:", "Plan:", "Medications (on discharge):", "DIAGNOSES1.",
]
PIECES = [
    "1. ", "2) ", "a. ", "• ", "- ", "* ", "\n", "\n\n", "\r\n", "\t", " | ", ": ", ". ", "Dr. ", "p.o. ", "b.i.d.",
    "Aspirin 81 mg daily", "Take one tablet by mouth twice a day", "call 911", "e.g.", "No.", "Sig: One (1)",
    "foot.DISCHARGE DIAGNOSIS:", "daily.2. Levaquin 500 mg daily.3. Albuterol", "\u00a0", "\u00ad", "\ufb01",
    "\x0c", "\x00", "\x85", "\u2028", "\ufeff", "é", "ß", "İ", "ﬃ", "𝐀", "😀", "מרשם", "药物", "\u202e", "  ",
]
# any code point except surrogates (which no encoder accepts), weighted towards what summaries contain
CHARACTERS = st.characters(exclude_categories=("Cs",))
FRAGMENTS = st.one_of(st.sampled_from(HEADINGS), st.sampled_from(PIECES), st.text(CHARACTERS, max_size=40),
                      st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ :.()/-&'", max_size=60))
SUMMARY_TEXT = st.one_of(
    st.lists(FRAGMENTS, max_size=60).map("".join),
    st.text(CHARACTERS, max_size=400),
    st.builds(lambda line, n: (line + " ") * n, st.text(CHARACTERS, min_size=1, max_size=30), st.integers(1, 400)),
)


def load_or_error(data: bytes, name: str) -> Document | None:
    """The property every input must satisfy: a Document or one of errors.py's QAErrors, nothing else."""
    try:
        document = load_document(data, name, max_pages=50, ocr=NO_OCR)
    except QAError as error:
        assert str(error), "an error without a message"
        return None
    assert isinstance(document, Document)
    return document


def assert_document_invariants(document: Document, max_chars: int) -> None:
    text = document.text
    sections = document.sections
    assert all(section.name in CANONICAL_SECTION_NAMES for section in sections)
    assert all(0 <= s.start < s.end <= len(text) for s in sections)
    assert all(a.end <= b.start for a, b in zip(sections, sections[1:])), "sections overlap or go backwards"
    assert all(0 <= page.start <= page.end <= len(text) for page in document.pages)
    chunks = chunk_document(document, "doc", max_chars=max_chars)
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))
    previous_end = 0
    for chunk in chunks:
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert text[chunk.start:chunk.end] == chunk.text
        assert chunk.start >= previous_end, "chunks overlap or go backwards"
        previous_end = chunk.end
        assert len(chunk.text) <= max_chars
        owners = [s for s in sections if s.start <= chunk.start and chunk.end <= s.end]
        assert len(owners) == 1 and owners[0].name == chunk.section, "a chunk spans two sections"
        assert chunk.page == document.page_at(chunk.start)


def assert_units_invariants(text: str) -> None:
    units = split_units(text)
    previous_end = 0
    for start, end in units:
        assert previous_end <= start < end <= len(text), (previous_end, start, end)
        assert text[start:end].strip() == text[start:end]
        previous_end = end


# --------------------------------------------------------------------------- document_processor

@FAST
@given(text=SUMMARY_TEXT, max_chars=st.integers(1, 1200))
@example(text="DISCHARGE MEDICATIONS:" + "x" * 5000, max_chars=50)
@example(text="Diet:" * 300, max_chars=7)
@example(text="PHYSICAL EXAMINATIONVITAL SIGNS: ok\n" * 20, max_chars=900)
def test_any_text_loads_into_sections_and_clean_chunks(text, max_chars):
    document = load_or_error(text.encode("utf-8"), "summary.txt")
    if document is not None:
        assert document.kind == "txt" and document.pages[0].end == len(document.text)
        assert_document_invariants(document, max_chars)


@FAST
@given(text=SUMMARY_TEXT, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                                                    "utf-32", "cp1252", "latin-1"]))
def test_any_text_in_any_encoding_is_a_document_or_a_clear_error(text, encoding):
    document = load_or_error(text.encode(encoding, errors="ignore"), "summary.txt")
    if document is not None:
        assert_document_invariants(document, 900)


@FAST
@given(text=SUMMARY_TEXT)
def test_split_units_are_ordered_and_do_not_overlap(text):
    assert_units_invariants(text)


@FAST
@given(text=SUMMARY_TEXT)
def test_sections_are_ordered_and_name_known_headings(text):
    sections = split_sections(text)
    assert all(a.end <= b.start for a, b in zip(sections, sections[1:]))
    assert all(0 <= s.start < s.end <= len(text) for s in sections)
    assert all(s.name in CANONICAL_SECTION_NAMES for s in sections)
    if sections:
        assert sections[-1].end == len(text)
        assert all(a.end == b.start for a, b in zip(sections, sections[1:])), "text between sections is lost"


NAMES = st.sampled_from(["summary.txt", "summary.pdf", "summary.docx", "summary", "summary.md", "x.PDF",
                         "../x.txt", "summary.exe"])
MAGIC = st.sampled_from([b"", b"%PDF-1.7\n", b"PK\x03\x04", b"PK\x05\x06", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
                         b"\xff\xfe\x00\x00", b"\x89PNG\r\n\x1a\n", b"MZ", b"{\\rtf1 ", b"\x1f\x8b"])


@FAST
@given(magic=MAGIC, data=st.binary(max_size=2000), tail=st.sampled_from([b"", b"\n%%EOF\n", b"trailer\n<<>>\n%%EOF"]),
       name=NAMES)
def test_any_bytes_are_a_document_or_a_clear_error(magic, data, tail, name):
    document = load_or_error(magic + data + tail, name)
    if document is not None:
        assert_document_invariants(document, 900)


@FAST
@given(data=st.binary(max_size=600), name=NAMES)
def test_loading_any_bytes_raises_only_clear_errors(data, name):
    try:
        document = load_document(data, name, max_pages=50, ocr=NO_OCR)
    except QAError:
        return
    pages = document.pages
    assert document.kind in ("pdf", "docx", "txt") and pages and pages[-1].end <= len(document.text)


# --------------------------------------------------------------------------- the JSON API

SUMMARY = (b"Discharge Medications:\n1. Aspirin 81 mg daily.\n2. Metoprolol 25 mg twice daily.\n\n"
           b"Follow-up:\nDr. Lee on May 2 at 10:30 am.\n")


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """One app and one client (with one document) for every example: building an app per example is slow."""
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("properties") / "data", llm_backend="extractive"))
    client = app.test_client()
    response = upload(client, "summary.txt", SUMMARY)
    assert response.status_code == 201
    return app, client, response.get_json()["id"]


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
QUESTIONS = st.one_of(
    st.text(max_size=60),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)
    .map(lambda s: s + " pills?"),   # unpaired surrogates, as JSON escapes
    st.sampled_from(["", "   ", "\x00", "What pills do I take?", "When is my follow-up?", "💊" * 3, "q" * 2001]),
    JSON_VALUES,
)
QUERY_BODIES = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries({"question": QUESTIONS},
                          optional={"document_ids": st.one_of(JSON_VALUES, st.lists(st.text(max_size=40), max_size=3)),
                                    "stream": st.one_of(st.booleans(), JSON_VALUES)}),
)


def assert_clean_response(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        assert response.is_json and isinstance(response.get_json()["error"], str) and response.get_json()["error"]
    elif response.mimetype == "text/event-stream":
        events = parse_sse(response.get_data(as_text=True))
        assert events[-1][0] in ("done", "error")
        assert not any(kind == "error" and "went wrong" in data["error"] for kind, data in events)
    else:
        assert response.is_json


@API
@given(body=QUERY_BODIES)
def test_any_json_body_gets_an_answer_or_a_4xx_json_error(api, body):
    app, client, _ = api
    response = client.post("/api/query", data=json.dumps(body), content_type="application/json")
    assert_clean_response(response)
    if response.status_code == 200:   # only a well-formed query is answered
        assert isinstance(body, dict) and isinstance(body["question"], str)
        assert body.get("stream", False) in (True, False)


@API
@given(body=st.binary(max_size=200))
def test_any_bytes_as_a_query_body_get_a_4xx_json_error_or_an_answer(api, body):
    _, client, _ = api
    assert_clean_response(client.post("/api/query", data=body, content_type="application/json"))


IDS = st.one_of(st.text(min_size=1, max_size=80), st.text("0123456789abcdefABCDEF", min_size=30, max_size=34),
                st.text("./%\\?#", min_size=1, max_size=8), st.text(min_size=300, max_size=2000))


@API
@given(doc_id=IDS, quoted=st.booleans())
def test_any_id_gets_a_json_answer_never_a_500(api, doc_id, quoted):
    _, client, real_id = api
    assume(doc_id != real_id)
    path_id = urllib.parse.quote(doc_id, safe="") if quoted else doc_id
    for method, path in (("get", f"/api/documents/{path_id}"), ("get", f"/api/documents/{path_id}/plan"),
                         ("delete", f"/api/documents/{path_id}")):
        response = getattr(client, method)(path)
        assert response.status_code < 500 and response.status_code != 200 and response.status_code != 204
        if response.status_code >= 400:
            assert response.is_json and response.get_json()["error"]
    response = client.post("/api/query", json={"question": "What pills?", "document_ids": [doc_id]})
    assert response.status_code == 404 and response.get_json()["error"]
    assert client.get(f"/api/documents/{real_id}").status_code == 200   # the real document is untouched
