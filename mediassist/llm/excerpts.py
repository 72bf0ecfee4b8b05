"""Which parts of the summary the model reads, in an order built for the server's prompt cache.

llama.cpp and Ollama reuse the work done on a prompt's longest identical prefix, so every question about the
same summary should share as long a prefix as possible. A summary that fits the budget goes in whole, in
document order: only the question differs. A longer one goes in as a stable part that does not depend on the
question (its sections in the order patients' questions are answered from them: data/section_priority.json,
fitted on the training questions), then the passages retrieved for this question that the stable part lacks,
each part in document order.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Callable

from prompting import Passage, format_excerpts

PRIORITY_PATH = Path(__file__).parent / "data" / "section_priority.json"
STABLE_SHARE = 0.8   # of the budget, for the part every question shares


def choose_excerpts(ranked: list[Passage], every: list[Passage], budget: int,
                    count: Callable[[str], int]) -> list[Passage]:
    """ranked: this question's passages, best first; every: all chunks in scope. The best passage always goes."""
    size = {p.chunk_id: count(format_excerpts([p])) for p in [*every, *ranked]}
    if sum(size[p.chunk_id] for p in every) <= budget:
        return sorted(every, key=reading_order)
    stable = _fill(sorted(every, key=_stable_order), size, int(budget * STABLE_SHARE))
    chosen = {p.chunk_id for p in stable}
    room = budget - sum(size[p.chunk_id] for p in stable)
    extra = _fill([p for p in ranked if p.chunk_id not in chosen], size, room)
    if ranked and ranked[0].chunk_id not in chosen | {p.chunk_id for p in extra}:
        extra = [ranked[0]]   # nothing else fits beside the best passage: it goes alone, after the stable part
        stable = _fill(stable, size, budget - size[ranked[0].chunk_id])
    return sorted(stable, key=reading_order) + sorted(extra, key=reading_order)


def reading_order(passage: Passage) -> tuple:
    return passage.document_id, passage.start


def _fill(candidates: list[Passage], size: dict[str, int], room: int) -> list[Passage]:
    chosen = []
    for passage in candidates:
        if size[passage.chunk_id] <= room:
            chosen.append(passage)
            room -= size[passage.chunk_id]
    return chosen


def _stable_order(passage: Passage) -> tuple:
    return -section_priority().get(passage.section, 0.0), passage.document_id, passage.start


@functools.lru_cache(maxsize=1)
def section_priority() -> dict[str, float]:
    return json.loads(PRIORITY_PATH.read_text(encoding="utf-8"))["evidence_per_1000_chars"]
