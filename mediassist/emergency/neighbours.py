"""Self-harm told by its nearest neighbours: how much nearer a message comes to messages known to be self-harm
than to messages known not to be. The linear probe (detector.Probe) draws one straight line through the
embedding; indirect wording ("my notes to everyone are on the table", "I won't need the refills") sits in small
pockets the line cuts through, and its neighbours still know them.

training/fit_emergency.py writes the neighbours: the bank's self-harm descriptions and the training part's
self-harm messages, and of the rest the ones that come nearest to those. Stored as float16 (about 1 MB).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

NEAREST = 3   # neighbours averaged on each side: one alone is too easily a near twin of the wrong kind


@dataclass(frozen=True)
class Neighbours:
    self_harm: np.ndarray   # unit embeddings of self-harm messages
    other: np.ndarray       # unit embeddings of other messages, the ones nearest to self-harm
    weight: float           # how much the margin counts beside the probe's score

    def margin(self, vectors: np.ndarray) -> np.ndarray:
        """Per row: the mean cosine of its NEAREST self-harm neighbours less that of its NEAREST others."""
        return _nearest_mean(vectors @ self.self_harm.T) - _nearest_mean(vectors @ self.other.T)

    def save(self, path: Path) -> None:
        with path.open("wb") as f:
            np.savez_compressed(f, self_harm=self.self_harm.astype(np.float16), other=self.other.astype(np.float16),
                                weight=np.float32(self.weight))

    @classmethod
    def load(cls, path: Path) -> "Neighbours":
        with np.load(path) as data:
            return cls(self_harm=data["self_harm"].astype(np.float32), other=data["other"].astype(np.float32),
                       weight=float(data["weight"]))

    @classmethod
    def chosen(cls, self_harm: np.ndarray, other: np.ndarray, keep_other: int, weight: float) -> "Neighbours":
        """Of `other`, only the `keep_other` nearest to any self-harm message are kept: far ones are never
        anyone's nearest neighbour where it matters."""
        nearness = (other @ self_harm.T).max(axis=1)
        return cls(self_harm=self_harm, other=other[np.argsort(-nearness, kind="stable")[:keep_other]], weight=weight)


def _nearest_mean(similarities: np.ndarray) -> np.ndarray:
    k = min(NEAREST, similarities.shape[1])
    return np.sort(similarities, axis=1)[:, -k:].mean(axis=1)
