"""What kind of question this is (medicines, follow-up, diagnosis, ...), read by the embedding model.

A linear probe on the question's embedding, fitted on the training questions' categories by
training/fit_question_kinds.py (data/question_kinds.json). Retrieval asks it only when no trigger word of
patient_language names the question's topic, and takes its answer only when it is sure.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embedder import default_embedding_model

KINDS_PATH = Path(__file__).parent / "data" / "question_kinds.json"


@dataclass(frozen=True)
class QuestionKinds:
    kinds: tuple[str, ...]
    weights: np.ndarray      # kinds x embedding dimensions
    bias: np.ndarray
    threshold: float         # the probability a kind needs to count

    @classmethod
    def load(cls, path: Path = KINDS_PATH) -> "QuestionKinds":
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(kinds=tuple(data["kinds"]), weights=np.asarray(data["weights"], dtype=np.float32),
                   bias=np.asarray(data["bias"], dtype=np.float32), threshold=data["threshold"])

    def probabilities(self, vector: np.ndarray) -> np.ndarray:
        z = self.weights @ vector + self.bias
        z = np.exp(z - z.max())
        return z / z.sum()

    def kind_of(self, vector: np.ndarray) -> str | None:
        p = self.probabilities(vector)
        best = int(np.argmax(p))
        return self.kinds[best] if p[best] >= self.threshold else None

    def fits(self, model_path: str) -> bool:
        """Fitted on the packaged model's embeddings, it reads no other model's (a fine-tuned one among them)."""
        return Path(model_path).resolve() == Path(default_embedding_model()).resolve()
