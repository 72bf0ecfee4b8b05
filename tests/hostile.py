"""Shared helpers of the hostile-input tests: the app that must never index anything, and the refusal checks.

Used by test_hostile_files.py and test_hostile_requests.py, which import the two fixtures by name.
"""
from __future__ import annotations

import threading
import time

import pytest

from app import create_app
from settings import Settings

PROMPT_DEADLINE_S = 30   # generous: the machine running the suite may be small and busy


# --------------------------------------------------------------------------- helpers

@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """One app for the refused uploads: nothing may ever be indexed in it, so every test can check for zero."""
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("hostile") / "data", llm_backend="extractive"))


@pytest.fixture
def hostile_client(hostile_app):
    return hostile_app.test_client()


def within(seconds: float, call):
    """call(), failing (instead of hanging the suite) when it runs longer than seconds."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = call()
        except BaseException as error:   # handed to the test thread below
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    started = time.perf_counter()
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"], time.perf_counter() - started


def assert_refused(app, client, response, statuses=range(400, 500), mentions: tuple[str, ...] = ()):
    """A clear 4xx JSON error, nothing indexed anywhere, and the server still serving."""
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.is_json, response.mimetype
    error = response.get_json()["error"]
    assert isinstance(error, str) and len(error) > 15
    for mention in mentions:
        assert mention.lower() in error.lower(), error
    assert_nothing_indexed(app, client)
    return error


def assert_nothing_indexed(app, client):
    rag, settings = app.extensions["rag"], app.extensions["settings"]
    assert rag.chunks.count() == 0 and rag.documents.count() == 0
    assert list(settings.uploads_dir.iterdir()) == []
    assert client.get("/api/documents").get_json()["documents"] == []
    assert client.get("/health").status_code == 200
