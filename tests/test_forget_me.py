"""Forget me: on a shared computer one request removes every summary of the caller (files, chunks, records)
and ends the browser session; nobody else's documents are touched."""
from __future__ import annotations

import json

from tests.conftest import ask, upload
from tests.test_api import SUMMARY


def test_forget_me_deletes_all_of_the_callers_documents_and_ends_the_session(app, rag, settings):
    alice, bob = app.test_client(), app.test_client()
    mine = [upload(alice, name, SUMMARY.replace("Test Patient", name).encode()).get_json()["id"]
            for name in ("mum.txt", "dad.txt")]
    theirs = upload(bob, "bob.txt", SUMMARY.encode()).get_json()["id"]
    alice_cookie = alice.get_cookie("mediassist_session").value

    assert alice.delete("/api/documents").status_code == 204

    assert alice.get("/api/documents").get_json()["documents"] == []
    assert (alice.get_cookie("mediassist_session") is None
            or alice.get_cookie("mediassist_session").value != alice_cookie)
    for doc in mine:
        assert rag.documents.get(ids=[doc])["ids"] == []
        assert rag.chunks.get(where={"doc_id": doc})["ids"] == []
    assert sorted(p.name for p in settings.uploads_dir.iterdir()) == [f"{theirs}.txt"]
    assert [d["id"] for d in bob.get("/api/documents").get_json()["documents"]] == [theirs]
    assert ask(bob, "When is my follow-up?").get_json()["found"] is True

    entries = [json.loads(line) for line in settings.audit_log_path.read_text().splitlines()]
    forget = next(e for e in entries if e["action"] == "delete_all")
    assert forget["status"] == 204 and sorted(forget["document_ids"]) == sorted(mine)


def test_forget_me_with_nothing_uploaded_is_fine(client):
    assert client.delete("/api/documents").status_code == 204
