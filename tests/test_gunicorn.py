"""A real gunicorn (gthread) process: serves the page and API, and keeps documents across restarts."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.test_api import SUMMARY

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


class Gunicorn:
    def __init__(self, data_dir: Path, port: int):
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATA_DIR": str(data_dir), "UPLOAD_DIR": str(data_dir / "uploads"),
               "LLM_BACKEND": "extractive"}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "--worker-class", "gthread", "--workers", "1", "--threads", "4",
             "--bind", f"127.0.0.1:{port}", "app:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.log = b""

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {self.process.stdout.read().decode(errors='replace')}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise AssertionError("gunicorn did not answer /health in time")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log += self.process.stdout.read()


@pytest.fixture
def start_server(tmp_path):
    servers = []
    port = free_port()

    def start() -> Gunicorn:
        server = Gunicorn(tmp_path / "data", port)
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
    assert b"Azithromycin" not in server.log and b"pills" not in server.log, "patient text reached the log"

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
