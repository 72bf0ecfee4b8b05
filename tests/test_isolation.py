"""Nobody reaches another owner's documents, on any route; the audit trail says who did what, by id only;
browser-session documents expire after RETENTION_HOURS (24 by default), API-key ones after KEY_RETENTION_HOURS."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from audit import AuditLog
from app import create_app, purge_by_rules, retention_rules
from settings import Settings
from tests.conftest import ask, upload

SUMMARY_A = (b"Discharge Diagnosis: Community-acquired pneumonia.\n\nDischarge Medications:\n"
             b"1. Amoxicillin 500 mg by mouth three times daily for 5 days.\n\n"
             b"Follow-up: Dr. Okafor in the chest clinic in 10 days.\n")
SUMMARY_B = (b"Discharge Diagnosis: Left hip fracture, repaired.\n\nDischarge Medications:\n"
             b"1. Enoxaparin 40 mg under the skin daily for 28 days.\n\n"
             b"Follow-up: Orthopaedic clinic with Dr. Lindqvist in 6 weeks.\n")


def other_owner_routes(doc_id: str) -> list[tuple[str, str, dict]]:
    return [("get", f"/api/documents/{doc_id}", {}),
            ("get", f"/api/documents/{doc_id}/plan", {}),
            ("delete", f"/api/documents/{doc_id}", {}),
            ("post", "/api/query", {"json": {"question": "what medicines?", "document_ids": [doc_id]}}),
            ("post", "/api/query", {"json": {"question": "what medicines?", "document_ids": [doc_id],
                                             "stream": True}})]


def test_a_session_reaches_none_of_another_sessions_documents_on_any_route(app):
    alice, bob = app.test_client(), app.test_client()
    alice_doc = upload(alice, "a.txt", SUMMARY_A).get_json()["id"]
    upload(bob, "b.txt", SUMMARY_B)

    for method, path, kwargs in other_owner_routes(alice_doc):
        response = getattr(bob, method)(path, **kwargs)
        assert response.status_code == 404, (method, path)
        assert "error" in response.get_json()
    assert [d["filename"] for d in bob.get("/api/documents").get_json()["documents"]] == ["b.txt"]
    answer = ask(bob, "what medicines do I take?").get_json()
    assert "Enoxaparin" in answer["answer"] and "Amoxicillin" not in answer["answer"]
    assert {s["document_id"] for s in answer["sources"]} != {alice_doc}
    # Bob's failed delete left Alice's document whole.
    assert alice.get(f"/api/documents/{alice_doc}").status_code == 200
    assert "Amoxicillin" in ask(alice, "what medicines do I take?").get_json()["answer"]


def test_api_keys_reach_only_their_own_documents_on_any_route(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data", llm_backend="extractive", api_keys=("key-one", "key-two")))
    client = app.test_client()
    one, two = {"Authorization": "Bearer key-one"}, {"Authorization": "Bearer key-two"}
    doc = upload(client, "a.txt", SUMMARY_A, headers=one).get_json()["id"]

    for method, path, kwargs in other_owner_routes(doc):
        assert getattr(client, method)(path, headers=two, **kwargs).status_code == 404, (method, path)
        assert getattr(client, method)(path, **kwargs).status_code == 401, (method, path)
        assert getattr(client, method)(path, headers={"Authorization": "Bearer key-on"},
                                       **kwargs).status_code == 401, (method, path)
    assert client.get("/api/documents", headers=two).get_json() == {"documents": []}
    assert client.get(f"/api/documents/{doc}/plan", headers=one).status_code == 200


def test_a_tampered_session_cookie_is_a_stranger(app):
    alice = app.test_client()
    upload(alice, "a.txt", SUMMARY_A)
    cookie = alice.get_cookie("mediassist_session")
    forger = app.test_client()
    forger.set_cookie("mediassist_session", cookie.value[:-3] + ("AAA" if not cookie.value.endswith("AAA") else "BBB"))
    assert forger.get("/api/documents").get_json() == {"documents": []}


def test_sessions_survive_a_restart_with_the_key_kept_under_data_dir(settings):
    first = create_app(settings).test_client()
    upload(first, "a.txt", SUMMARY_A)
    cookie = first.get_cookie("mediassist_session").value
    assert (settings.data_dir / "secret_key").stat().st_mode & 0o777 == 0o600

    again = create_app(settings).test_client()
    again.set_cookie("mediassist_session", cookie)
    assert [d["filename"] for d in again.get("/api/documents").get_json()["documents"]] == ["a.txt"]


def test_the_audit_trail_records_who_did_what_by_id_only(app, settings):
    alice, bob = app.test_client(), app.test_client()
    doc = upload(alice, "secret-name.txt", SUMMARY_A).get_json()["id"]
    ask(alice, "Can I take amoxicillin with alcohol?")
    alice.get(f"/api/documents/{doc}/plan")
    bob.delete(f"/api/documents/{doc}")
    alice.delete(f"/api/documents/{doc}")

    entries = [json.loads(line) for line in settings.audit_log_path.read_text().splitlines()]
    actions = [(e["action"], e.get("document_id"), e["status"]) for e in entries]
    assert actions == [("upload", doc, 201), ("query", None, 200), ("plan", doc, 200), ("delete", doc, 404),
                       ("delete", doc, 204)]
    assert entries[1]["document_ids"] == [doc]
    owners = [e["owner"] for e in entries]
    assert owners[0] == owners[1] == owners[2] == owners[4] != owners[3]
    trail = settings.audit_log_path.read_text()
    for private in ("secret-name", "amoxicillin", "Amoxicillin", "alcohol", "pneumonia", "Okafor"):
        assert private not in trail


def test_documents_older_than_the_retention_period_are_deleted(rag, settings):
    old = rag.ingest(SUMMARY_A, "old.txt", "owner-a")
    kept = rag.ingest(SUMMARY_B, "new.txt", "owner-b")
    two_days_ago = (datetime.now(timezone.utc) - timedelta(hours=48)).isoformat(timespec="seconds")
    rag.documents.update(ids=[old.id], metadatas=[{**old.metadata(), "uploaded_at": two_days_ago}])

    deleted = rag.purge_expired(24)

    assert [r.id for r in deleted] == [old.id]
    assert [r.id for r in rag.list_documents("owner-a")] == []
    assert [r.id for r in rag.list_documents("owner-b")] == [kept.id]
    assert [p.name for p in settings.uploads_dir.glob("*.txt")] == [kept.stored_name]
    assert rag.chunks.get(where={"doc_id": old.id})["ids"] == []
    assert rag.purge_expired(24) == []


def test_the_app_itself_deletes_expired_documents(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", llm_backend="extractive", retention_hours=1 / 3600)
    app = create_app(settings)
    client = app.test_client()
    doc = upload(client, "a.txt", SUMMARY_A).get_json()["id"]
    try:
        deadline = time.monotonic() + 15
        while client.get(f"/api/documents/{doc}").status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert client.get(f"/api/documents/{doc}").status_code == 404
        assert list(settings.uploads_dir.iterdir()) == []
        expired = [e for e in app.extensions["audit"].entries() if e["action"] == "expire"]
        assert [e["document_id"] for e in expired] == [doc]
    finally:
        app.extensions["retention_stop"].set()


def test_retention_cannot_be_negative_and_zero_keeps_everything(tmp_path):
    with pytest.raises(ValueError):
        Settings(retention_hours=-1)
    assert retention_rules(Settings(retention_hours=0, key_retention_hours=0)) == []


def backdate(rag, record, hours: float) -> None:
    when = (datetime.now(timezone.utc) - timedelta(hours=hours)).isoformat(timespec="seconds")
    rag.documents.update(ids=[record.id], metadatas=[{**record.metadata(), "uploaded_at": when}])


def test_by_default_a_day_old_browser_document_is_deleted_and_api_key_documents_are_kept(rag, settings, tmp_path):
    browser = rag.ingest(SUMMARY_A, "mum.txt", "session:3f2a")
    fresh = rag.ingest(SUMMARY_B, "dad.txt", "session:3f2a")
    by_key = rag.ingest(SUMMARY_A, "clinic.txt", "key:9c1d")
    by_cli = rag.ingest(SUMMARY_B, "batch.txt", "cli")
    for old in (browser, by_key, by_cli):
        backdate(rag, old, 25)
    trail = AuditLog(tmp_path / "audit.log")

    assert purge_by_rules(rag, trail, retention_rules(Settings())) == 1

    assert [r.id for r in rag.list_documents("session:3f2a")] == [fresh.id]
    assert [r.id for r in rag.list_documents("key:9c1d")] == [by_key.id]
    assert [r.id for r in rag.list_documents("cli")] == [by_cli.id]
    assert [e["document_id"] for e in trail.entries()] == [browser.id]


def test_key_retention_hours_expires_api_key_and_command_line_documents(rag, tmp_path):
    by_key = rag.ingest(SUMMARY_A, "clinic.txt", "key:9c1d")
    by_cli = rag.ingest(SUMMARY_B, "batch.txt", "cli")
    backdate(rag, by_key, 80)
    backdate(rag, by_cli, 10)

    rules = retention_rules(Settings(key_retention_hours=72))
    assert purge_by_rules(rag, AuditLog(tmp_path / "audit.log"), rules) == 1
    assert rag.list_documents("key:9c1d") == [] and [r.id for r in rag.list_documents("cli")] == [by_cli.id]


def test_the_session_cookie_lasts_as_long_as_the_documents(tmp_path):
    client = create_app(Settings(data_dir=tmp_path / "data", llm_backend="extractive")).test_client()
    response = upload(client, "a.txt", SUMMARY_A)
    cookie = response.headers["Set-Cookie"]
    expires = datetime.strptime(cookie.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT")
    left = expires.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)
    assert timedelta(hours=23, minutes=55) < left <= timedelta(hours=24)


def test_the_page_says_where_the_file_is_kept_and_for_how_long(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data", llm_backend="extractive"))
    local = app.test_client().get("/").get_data(as_text=True)
    assert "kept on this computer for 24 hours, then deleted" in local
    shared = app.test_client().get("/", base_url="https://clinic.example.org").get_data(as_text=True)
    assert "kept on the computer that runs this app (clinic.example.org) for 24 hours" in shared
    assert "on this computer" not in shared

    keeping = create_app(Settings(data_dir=tmp_path / "kept", llm_backend="extractive", retention_hours=0))
    assert "kept on this computer until you remove it" in keeping.test_client().get("/").get_data(as_text=True)
