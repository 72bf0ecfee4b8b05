"""Shared fixtures: a real app (real Chroma, real embedding model) on a temporary data folder."""
from __future__ import annotations

import io
import json
import socket
import threading
from pathlib import Path

import pytest

from app import create_app
from settings import Settings
from tests.ollama_stub import OllamaStub

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
