"""Prompt sizes in the model's own tokens, so that the prompt fits the server's context window by design.

The server counts exactly where it can (llama.cpp's /tokenize); elsewhere (Ollama) the embedding model's
tokenizer stands in with a margin: over the chunks of the evaluation corpus it counts about 6% fewer tokens
than SmolLM2's tokenizer, and a single chunk up to 36% fewer (95th percentile).
"""
from __future__ import annotations

from typing import Callable

from mediassist.bounded_cache import BoundedCache

ESTIMATE_MARGIN = 1.4
CACHE_TEXTS = 5_000


class TokenCounter:
    def __init__(self, exact: Callable[[str], int | None], estimate: Callable[[str], int]):
        self.exact = exact
        self.estimate = estimate
        self._counts: BoundedCache[str, int] = BoundedCache(CACHE_TEXTS)

    def count(self, text: str) -> int:
        counted = self._counts.get(text)
        if counted is None:
            counted = self.exact(text)
            if counted is None:
                counted = int(self.estimate(text) * ESTIMATE_MARGIN) + 1
            self._counts.put(text, counted)
        return counted
