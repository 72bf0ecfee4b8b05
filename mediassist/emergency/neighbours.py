"""Messages told by their nearest neighbours: the bank's descriptions and the training part's labelled messages,
embedded, with what each was (an emergency, self-harm). The tuned layers (tuned.py) learn the common forms;
veiled or unusual wording ("my notes to everyone are on the table", "I won't need the refills") sits in small
pockets they may miss, and its neighbours still know them.

training/fit_emergency.py writes them (data/neighbours.npz, float16).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

NEAREST_SELF_HARM = 3   # neighbours averaged on each side for self-harm: one alone is too easily a near twin


@dataclass(frozen=True)
class Neighbours:
    vectors: np.ndarray     # unit embeddings
    emergency: np.ndarray   # per vector: an emergency happening now
    self_harm: np.ndarray   # per vector: self-harm
    self_harm_weight: float # how much the self-harm margin counts beside the tuned self-harm score

    def margins(self, rows: np.ndarray) -> tuple[float, np.ndarray]:
        """Both margins, from one product of the rows with every neighbour (the costly part):
        - emergency: how much nearer the message (or one of its sentences: rows after the first) comes to its
          nearest emergency than the whole message comes to its nearest ordinary message;
        - self-harm, per row: the mean cosine of its nearest self-harm messages less that of its nearest others."""
        similarity = rows @ self.vectors.T
        emergency = float(similarity[:, self.emergency].max() - similarity[:1, ~self.emergency].max())
        self_harm = _nearest_mean(similarity[:, self.self_harm]) - _nearest_mean(similarity[:, ~self.self_harm])
        return emergency, self_harm

    def self_harm_scores(self, tuned_scores: np.ndarray, self_harm_margins: np.ndarray) -> np.ndarray:
        """The tuned self-harm scores with the neighbours' say added."""
        return tuned_scores + self.self_harm_weight * self_harm_margins

    def save(self, path: Path) -> None:
        with path.open("wb") as f:
            np.savez_compressed(f, vectors=self.vectors.astype(np.float16), emergency=self.emergency,
                                self_harm=self.self_harm, self_harm_weight=np.float32(self.self_harm_weight))

    @classmethod
    def load(cls, path: Path) -> "Neighbours":
        with np.load(path) as data:
            return cls(vectors=data["vectors"].astype(np.float32), emergency=data["emergency"].astype(bool),
                       self_harm=data["self_harm"].astype(bool), self_harm_weight=float(data["self_harm_weight"]))


def _nearest_mean(similarity: np.ndarray) -> np.ndarray:
    k = min(NEAREST_SELF_HARM, similarity.shape[1])
    return np.partition(similarity, -k, axis=1)[:, -k:].mean(axis=1)
