"""Shared fixtures: a real app (real Chroma, real embedding model) on a temporary data folder."""
from __future__ import annotations

import io
import json
import shutil
import socket
import threading
from pathlib import Path

import pytest

from app import create_app
from settings import Settings
from tests.builders import make_docx, make_pdf
from tests.ollama_stub import OllamaStub

pytest_plugins = ["tests.hostile"]   # hostile_app / hostile_client fixtures for the hostile input tests

DATA = Path(__file__).parent / "data"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", llm_backend="extractive")


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def rag(app):
    return app.extensions["rag"]


@pytest.fixture
def ollama_stub():
    with OllamaStub(models=("mediassist:latest", "llama3.2:latest")) as stub:
        yield stub


@pytest.fixture
def ollama_app(tmp_path, ollama_stub):
    return create_app(Settings(data_dir=tmp_path / "data", llm_backend="ollama", ollama_host=ollama_stub.url,
                               llm_timeout=5, llm_temperature=0.05, llm_max_tokens=300))


@pytest.fixture
def ollama_client(ollama_app):
    return ollama_app.test_client()


def upload(client, name: str, data: bytes | None = None, headers=None):
    """POST a file the way the page does; data defaults to tests/data/<name>."""
    if data is None:
        data = (DATA / name).read_bytes()
    return client.post("/api/documents", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers=headers or {})


def ask(client, question: str, headers=None, **extra):
    return client.post("/api/query", json={"question": question, **extra}, headers=headers or {})


def parse_sse(body: str) -> list[tuple[str, dict]]:
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_threads(target, count: int) -> list:
    """Runs target(i) in `count` threads started together; re-raises the first failure."""
    results, errors = [None] * count, []
    barrier = threading.Barrier(count)

    def run(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except BaseException as error:   # noqa: BLE001 - handed to the test thread
            errors.append(error)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


# ---------------------------------------------------------------- training data

STROKE = """DISCHARGE SUMMARY
Diagnosis: Minor ischemic stroke (left arm weakness), resolved.
Discharge Medications:
1. Clopidogrel 75 mg by mouth once daily.
2. Atorvastatin 80 mg by mouth at bedtime.
Follow-up: Neurology clinic with Dr. Amara Osei in 4 weeks.
Activity: No driving for 4 weeks.
Return to the emergency room for new weakness, trouble speaking or a drooping face.
"""


@pytest.fixture(scope="session")
def training_corpus(tmp_path_factory) -> Path:
    """Five summaries of our own: three TXT, a PDF and a DOCX (and a file that is not a summary)."""
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "text").mkdir()
    for name in ("heart_failure.txt", "knee_replacement.txt", "run_together.txt"):
        shutil.copy(DATA / name, folder / "text" / name)
    (folder / "stroke.pdf").write_bytes(make_pdf([STROKE]))
    (folder / "stroke_letter.docx").write_bytes(make_docx(STROKE.replace("Clopidogrel", "Aspirin").splitlines()))
    (folder / "notes.md").write_text("not a summary format: ignored")
    return folder


@pytest.fixture(scope="session")
def training_data(training_corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("data")
    from training.create_training_data import main
    assert main(["--corpus", str(training_corpus), "--out", str(out), "--quiet"]) == 0
    return out
