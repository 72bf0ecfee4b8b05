"""A real gunicorn (gthread) process: serves the page and API, and keeps documents across restarts."""
from __future__ import annotations

import httpx
import pytest

from tests.conftest import free_port
from tests.servers import Gunicorn
from tests.test_api import SUMMARY

pytestmark = pytest.mark.slow


@pytest.fixture
def start_server(tmp_path):
    servers = []
    port = free_port()

    def start() -> Gunicorn:
        data = tmp_path / "data"
        server = Gunicorn(f"app-{len(servers)}", tmp_path / "logs", port,
                          {"DATA_DIR": str(data), "UPLOAD_DIR": str(data / "uploads"), "LLM_BACKEND": "extractive"})
        servers.append(server)
        server.wait_ready()
        return server
    yield start
    for server in servers:
        if server.process.poll() is None:
            server.stop()


def test_gunicorn_serves_and_documents_survive_a_restart(start_server, tmp_path):
    server = start_server()
    with httpx.Client(base_url=server.url, timeout=60) as http:
        assert "MediReportAssist" in http.get("/").text
        created = http.post("/api/documents", files={"file": ("pneumonia.txt", SUMMARY.encode(), "text/plain")})
        assert created.status_code == 201, created.text
        doc_id = created.json()["id"]
        with http.stream("POST", "/api/query", json={"question": "What pills do I take?", "stream": True}) as resp:
            assert resp.headers["content-type"].startswith("text/event-stream")
            body = "".join(resp.iter_text())
        assert "event: done" in body and "Azithromycin" in body
        cookies = dict(http.cookies)
    server.stop()
    assert "Azithromycin" not in server.log() and "pills" not in server.log(), "patient text reached the log"

    server = start_server()
    with httpx.Client(base_url=server.url, timeout=60, cookies=cookies) as http:
        listed = http.get("/api/documents").json()["documents"]
        assert [d["id"] for d in listed] == [doc_id]
        answer = http.post("/api/query", json={"question": "When is my follow-up?"}).json()
        assert "Dr. Rivera" in answer["answer"]
        assert http.delete(f"/api/documents/{doc_id}").status_code == 204
    server.stop()

    server = start_server()
    with httpx.Client(base_url=server.url, timeout=60, cookies=cookies) as http:
        assert http.get("/api/documents").json()["documents"] == []
        assert http.get(f"/api/documents/{doc_id}").status_code == 404
    assert not list((tmp_path / "data" / "uploads").iterdir())
