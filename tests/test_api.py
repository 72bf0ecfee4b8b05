"""The JSON API end to end: real files, real Chroma, real embedding model, extractive answers."""
from __future__ import annotations

import dataclasses
import io
import zipfile

import pytest

from document_processor import tesseract_command
from mediassist.answering.composer import NO_CLEAR_ANSWER
from tests.builders import make_docx, make_encrypted_pdf, make_image_only_pdf, make_pdf, make_scanned_pdf, truncated
from tests.conftest import ask, parse_sse, upload

SUMMARY = """DISCHARGE SUMMARY
Patient: Test Patient (invented)    Admitted: 03/02/2026    Discharged: 03/06/2026

Discharge Diagnosis:
Community-acquired pneumonia, right lower lobe.

Hospital Course:
The patient was treated with intravenous antibiotics and oxygen. Fever resolved on day 2.

Allergies:
Penicillin (rash).

Discharge Medications:
1. Azithromycin 250 mg by mouth once daily for 3 more days.
2. Albuterol inhaler 2 puffs every 6 hours as needed for wheezing.
3. Acetaminophen 650 mg by mouth every 6 hours as needed for fever.

Follow-up:
See Dr. Rivera at the Lakeside Clinic on March 13, 2026 at 10:30 am. Chest X-ray in 6 weeks.

Diet:
Regular diet. Drink plenty of fluids.

Activity:
Rest for the first few days. No driving while taking cough syrup with codeine.

When to return to the ER:
Return for trouble breathing, chest pain, confusion, or fever above 101.5 F.
"""


@pytest.fixture
def summary_id(client):
    response = upload(client, "pneumonia.txt", SUMMARY.encode())
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_upload_reports_the_sections_found(client):
    response = upload(client, "pneumonia.txt", SUMMARY.encode())
    assert response.status_code == 201
    body = response.get_json()
    assert body["filename"] == "pneumonia.txt" and body["pages"] == 1 and body["chunks"] >= 5
    for section in ("Discharge Medications", "Follow-up", "Diet", "Activity", "Warning Signs", "Allergies"):
        assert section in body["sections"]


def test_uploading_the_same_file_again_returns_the_document_it_already_is(app, client, rag, settings):
    first = upload(client, "pneumonia.txt", SUMMARY.encode()).get_json()
    again = upload(client, "renamed.txt", SUMMARY.encode())
    assert again.status_code == 200
    assert again.get_json()["id"] == first["id"] and again.get_json()["duplicate"] is True
    assert len(client.get("/api/documents").get_json()["documents"]) == 1
    stranger = upload(app.test_client(), "pneumonia.txt", SUMMARY.encode())
    assert stranger.status_code == 201 and stranger.get_json()["id"] != first["id"]
    assert len(list(settings.uploads_dir.glob("*.txt"))) == 2


def test_list_and_get_documents(client, summary_id):
    listed = client.get("/api/documents").get_json()["documents"]
    assert [d["id"] for d in listed] == [summary_id]
    assert set(listed[0]) >= {"id", "filename", "uploaded_at", "pages", "chunks"}
    assert client.get(f"/api/documents/{summary_id}").get_json()["filename"] == "pneumonia.txt"
    missing = client.get("/api/documents/" + "0" * 32)
    assert missing.status_code == 404 and "error" in missing.get_json()


def test_medication_question_quotes_every_discharge_medication(client, summary_id):
    body = ask(client, "what pills do I take at home and how often?").get_json()
    assert body["found"] is True and body["backend"] == "extractive" and body["model"] is None
    for fact in ("Azithromycin 250 mg", "once daily", "Albuterol", "every 6 hours", "Acetaminophen 650 mg"):
        assert fact in body["answer"]
    assert "offline" in body["answer"]
    assert body["sources"][0]["section"] == "Discharge Medications"
    assert set(body["sources"][0]) == {"document_id", "filename", "section", "page", "text", "score"}
    assert "Penicillin" not in body["answer"], "an unrelated section was quoted"


@pytest.mark.parametrize("question, facts", [
    ("When do I see the doctor again?", ["Dr. Rivera", "March 13, 2026"]),
    ("Can I drive?", ["No driving"]),
    ("What can I eat?", ["Regular diet"]),
    ("When should I go back to the emergency room?", ["trouble breathing", "chest pain"]),
    ("What am I allergic to?", ["Penicillin"]),
])
def test_patient_questions_get_the_right_lines(client, summary_id, question, facts):
    body = ask(client, question).get_json()
    assert body["found"] is True
    for fact in facts:
        assert fact in body["answer"]


@pytest.mark.parametrize("question", ["Can I drink alcohol?", "Is it safe to go swimming?",
                                      "How much insulin should I inject?"])
def test_what_the_summary_does_not_say_is_said_plainly(client, summary_id, question):
    """Flatly, with no source; or, when a line reads close to the question ("drink plenty of fluids" for alcohol),
    with the closest lines as sources, said to be no clear answer."""
    body = ask(client, question).get_json()
    assert body["found"] is False
    if body["sources"]:
        assert NO_CLEAR_ANSWER in body["answer"]
    else:
        assert "does not mention" in body["answer"]


def test_streaming_sends_sources_then_tokens_then_done(client, summary_id):
    response = ask(client, "Which medicines should I take?", stream=True)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    events = parse_sse(response.get_data(as_text=True))
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "sources" and kinds[-1] == "done" and kinds.count("token") >= 2
    streamed = "".join(data["text"] for kind, data in events if kind == "token")
    assert streamed == events[-1][1]["answer"] and "Azithromycin" in streamed


def test_pdf_keeps_page_numbers_in_sources(client):
    pdf = make_pdf(["DISCHARGE SUMMARY\nDischarge Diagnosis:\nAtrial fibrillation.\n",
                    "Discharge Medications:\n1. Apixaban 5 mg by mouth twice daily.\n2. Metoprolol 25 mg daily.\n"])
    created = upload(client, "afib.pdf", pdf).get_json()
    assert created["pages"] == 2 and "Discharge Medications" in created["sections"]
    body = ask(client, "What blood thinner do I take?").get_json()
    source = next(s for s in body["sources"] if "Apixaban" in s["text"])
    assert source["page"] == 2
    assert "Apixaban 5 mg" in body["answer"]


def test_docx_tables_are_read(client):
    docx = make_docx(["Discharge Summary", "Follow-up:",
                      [["Clinic", "Date"], ["Cardiology, Dr. Osei", "April 2, 2026 at 9:00"]],
                      "Discharge Medications:", "Furosemide 40 mg once daily in the morning."])
    created = upload(client, "hf.docx", docx).get_json()
    assert "Follow-up" in created["sections"]
    body = ask(client, "When is my follow-up appointment?").get_json()
    assert "April 2, 2026" in body["answer"]


def test_query_is_scoped_to_the_named_documents(client, summary_id):
    other = upload(client, "afib.txt", b"Discharge Medications:\n1. Warfarin 5 mg daily.\n").get_json()["id"]
    body = ask(client, "What medicines do I take?", document_ids=[other]).get_json()
    assert {s["document_id"] for s in body["sources"]} == {other}
    assert "Warfarin" in body["answer"] and "Azithromycin" not in body["answer"]
    both = ask(client, "What medicines do I take?").get_json()
    assert "Warfarin" in both["answer"] and "Azithromycin" in both["answer"]


def test_one_session_never_sees_another_sessions_documents(app, client, summary_id):
    stranger = app.test_client()
    assert stranger.get("/api/documents").get_json()["documents"] == []
    assert stranger.get(f"/api/documents/{summary_id}").status_code == 404
    assert stranger.delete(f"/api/documents/{summary_id}").status_code == 404
    assert ask(stranger, "What pills?", document_ids=[summary_id]).status_code == 404
    upload(stranger, "mine.txt", b"Discharge Medications:\n1. Lisinopril 10 mg daily.\n")
    body = ask(stranger, "What medicines do I take?").get_json()
    assert "Azithromycin" not in body["answer"] and "Lisinopril" in body["answer"]
    assert client.get(f"/api/documents/{summary_id}").status_code == 200


def test_api_keys_own_their_documents(tmp_path):
    from app import create_app
    from settings import Settings
    client = create_app(Settings(data_dir=tmp_path, llm_backend="extractive", api_keys=("alpha", "beta"))).test_client()
    alpha, beta = {"Authorization": "Bearer alpha"}, {"Authorization": "Bearer beta"}
    assert client.get("/api/documents").status_code == 401
    assert client.get("/api/documents", headers={"Authorization": "Bearer wrong"}).status_code == 401
    doc = upload(client, "p.txt", SUMMARY.encode(), headers=alpha).get_json()["id"]
    assert client.get(f"/api/documents/{doc}", headers=alpha).status_code == 200
    assert client.get(f"/api/documents/{doc}", headers=beta).status_code == 404
    assert client.get("/api/documents", headers=beta).get_json()["documents"] == []


def test_delete_removes_file_chunks_and_metadata(client, rag, settings, summary_id):
    stored = list(settings.uploads_dir.iterdir())
    assert len(stored) == 1 and summary_id in stored[0].name
    assert rag.chunks.get(where={"doc_id": summary_id})["ids"]
    assert client.delete(f"/api/documents/{summary_id}").status_code == 204
    assert client.get(f"/api/documents/{summary_id}").status_code == 404
    assert client.get("/api/documents").get_json()["documents"] == []
    assert list(settings.uploads_dir.iterdir()) == []
    assert rag.chunks.get(where={"doc_id": summary_id})["ids"] == []
    assert rag.documents.get(ids=[summary_id])["ids"] == []


def _not_a_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    return buffer.getvalue()


@pytest.mark.parametrize("name, data, status", [
    ("empty.txt", b"", 400),
    ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, 415),
    ("noise.txt", bytes(range(256)) * 8, 415),
    ("program.exe", b"MZ\x90\x00" + bytes(500), 415),
    ("broken.pdf", truncated(make_pdf(["Discharge Medications:\n1. Aspirin 81 mg daily.\n"] * 3)), 422),
    ("locked.pdf", make_encrypted_pdf("Discharge Medications:\n1. Aspirin 81 mg daily."), 422),
    ("fake.docx", b"this is plain text pretending to be a docx", 422),
    ("archive.docx", _not_a_docx(), None),
])
def test_bad_files_get_a_clear_error_and_nothing_is_indexed(client, rag, settings, name, data, status):
    response = upload(client, name, data)
    assert 400 <= response.status_code < 500, response.status_code
    if status:
        assert response.status_code == status
    error = response.get_json()["error"]
    assert isinstance(error, str) and len(error) > 15
    assert client.get("/api/documents").get_json()["documents"] == []
    assert rag.chunks.count() == 0 and not list(settings.uploads_dir.iterdir())
    assert client.get("/health").status_code == 200


@pytest.mark.skipif(tesseract_command() is None, reason="tesseract is not installed")
def test_scanned_pdf_is_read_with_ocr(client):
    scan = make_scanned_pdf(["Discharge Medications:\n1. Metoprolol 25 mg by mouth twice daily\n"
                             "Follow-up:\nDr. Lee on May 2 at 10:30 am"])
    response = upload(client, "scan.pdf", scan)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["pages"] == 1 and body["chunks"] >= 1 and "Discharge Medications" in body["sections"]
    answer = ask(client, "How much metoprolol do I take?").get_json()
    assert answer["found"] is True and "25 mg" in answer["answer"]


def test_scanned_pdf_says_it_is_scanned_when_ocr_is_not_available(settings, tmp_path):
    from app import create_app
    settings = dataclasses.replace(settings, tesseract_cmd=str(tmp_path / "no-such-tesseract"))
    app = create_app(settings)
    client, rag = app.test_client(), app.extensions["rag"]
    response = upload(client, "scan.pdf", make_image_only_pdf("Discharge Medications: Aspirin 81 mg daily"))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "scanned" in error and "OCR" in error and "selectable text" in error
    assert client.get("/api/documents").get_json()["documents"] == []
    assert rag.chunks.count() == 0 and not list(settings.uploads_dir.iterdir())


def test_missing_file_field_and_oversized_upload(tmp_path):
    from app import create_app
    from settings import Settings
    client = create_app(Settings(data_dir=tmp_path, llm_backend="extractive", max_upload_mb=0.05)).test_client()
    response = client.post("/api/documents", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "file" in response.get_json()["error"]
    big = upload(client, "big.txt", b"Discharge Medications: aspirin.\n" * 4000)
    assert big.status_code == 413 and "MB" in big.get_json()["error"]
    assert upload(client, "ok.txt", SUMMARY.encode()).status_code == 201


@pytest.mark.parametrize("body, status", [
    ("{not json", 400),
    ('["a", "list"]', 400),
    ('{"question": 42}', 400),
    ('{"question": "   "}', 422),
    ('{"question": "' + "why " * 1000 + '"}', 422),
    ('{"question": "pills?", "document_ids": "abc"}', 400),
    ('{"question": "pills?", "stream": "yes"}', 400),
])
def test_bad_queries_get_a_clear_error(client, summary_id, body, status):
    response = client.post("/api/query", data=body, content_type="application/json")
    assert response.status_code == status
    assert response.get_json()["error"]


def test_asking_before_uploading_explains_what_to_do(client):
    response = ask(client, "What pills do I take?")
    assert response.status_code == 400 and "upload" in response.get_json()["error"].lower()


def test_unknown_routes_and_methods_answer_json(client):
    assert client.get("/api/nothing").get_json()["error"]
    assert client.put("/api/documents").status_code == 405


def test_health_reports_extractive_mode_and_document_count(client, summary_id):
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["documents"] == 1
    assert body["llm"]["backend"] == "extractive" and body["llm"]["model"] is None


def test_page_is_served_with_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200 and b"<html" in response.data.lower()
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/static/app.js").status_code == 200


def test_session_cookie_is_httponly_and_samesite(client):
    response = client.get("/api/documents")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_patient_text_in_logs(client, caplog):
    caplog.set_level("DEBUG")
    upload(client, "pneumonia.txt", SUMMARY.encode())
    ask(client, "What pills do I take for my pneumonia?")
    logged = caplog.text
    assert "Azithromycin" not in logged and "pneumonia" not in logged.lower().replace("pneumonia.txt", "")


@pytest.mark.parametrize("question", ["I have crushing chest pain right now", "my husband can't breathe",
                                      "I want to kill myself"])
def test_an_emergency_happening_now_is_told_first(client, summary_id, question):
    body = ask(client, question).get_json()
    assert body["emergency"] is True
    assert "Call 911" in body["answer"].split("\n")[0], "the emergency notice must come first"
    events = parse_sse(ask(client, question, stream=True).get_data(as_text=True))
    assert events[0][0] == "emergency" and "911" in events[0][1]["notice"]
    assert events[-1][1]["emergency"] is True


def test_crisis_line_only_for_self_harm(client, summary_id):
    assert "988" in ask(client, "I don't want to live anymore").get_json()["answer"]
    assert "988" not in ask(client, "I'm coughing up blood right now").get_json()["answer"]


@pytest.mark.parametrize("question", ["What warning signs should I watch for?", "Why was I admitted?",
                                      "When should I go back to the emergency room?"])
def test_questions_about_the_summary_are_not_emergencies(client, summary_id, question):
    body = ask(client, question).get_json()
    assert body["emergency"] is False and "Call 911" not in body["answer"]


def test_the_emergency_number_is_configurable(tmp_path):
    from app import create_app
    from settings import Settings
    client = create_app(Settings(data_dir=tmp_path, llm_backend="extractive", emergency_number="112")).test_client()
    upload(client, "p.txt", SUMMARY.encode())
    answer = ask(client, "my face is drooping and I can't lift my arm").get_json()["answer"]
    assert "112" in answer and "911" not in answer


def test_a_summary_that_names_its_own_emergency_number_is_quoted(client):
    uk_letter = SUMMARY + "\nIf you get chest pain or cannot breathe, call 999 straight away.\n"
    upload(client, "uk.txt", uk_letter.encode())
    answer = ask(client, "my chest is being crushed and I'm sweating buckets").get_json()["answer"]
    first, *rest = answer.split("\n")
    assert "Call 911" in first
    assert any("Your summary says to call 999" in line for line in rest)


def test_the_page_shows_the_configured_emergency_number(tmp_path):
    from app import create_app
    from settings import Settings
    client = create_app(Settings(data_dir=tmp_path, llm_backend="extractive", emergency_number="999",
                                 max_question_chars=500)).test_client()
    page = client.get("/").get_data(as_text=True)
    assert "999" in page and "911" not in page
    assert 'maxlength="500"' in page


def test_an_emergency_gets_the_number_even_when_the_index_is_down(app, client, summary_id, monkeypatch):
    from errors import ServiceUnavailable

    def index_down(*args, **kwargs):
        raise ServiceUnavailable("The document index is not reachable right now; please try again in a minute.")
    monkeypatch.setattr(app.extensions["rag"].retriever, "retrieve", index_down)
    body = ask(client, "my husband collapsed and is not breathing").get_json()
    assert body["emergency"] is True and "Call 911" in body["answer"].split("\n")[0]


def test_the_discharge_plan_is_served_for_the_owner_only(app, client, summary_id):
    plan = client.get(f"/api/documents/{summary_id}/plan").get_json()
    assert plan["document_id"] == summary_id and plan["filename"] == "pneumonia.txt"
    names = [m["name"] for m in plan["medications"]]
    assert any("Azithromycin" in n for n in names) and any("Albuterol" in n for n in names)
    azithro = next(m for m in plan["medications"] if "Azithromycin" in m["name"])
    assert azithro["dose"] == "250 mg"
    assert any("Dr. Rivera" in (a["who"] or "") + a["text"] for a in plan["follow_up"])
    assert any("trouble breathing" in item["text"] for item in plan["warning_signs"])
    assert app.test_client().get(f"/api/documents/{summary_id}/plan").status_code == 404
    assert client.get("/api/documents/" + "a" * 32 + "/plan").status_code == 404
