"""mediassist.index.embedder: a question or two take the short way through the transformer and get the same
unit vectors as sentence-transformers' encode()."""
from __future__ import annotations

import numpy as np

from mediassist.index.embedder import FEW, Embedder, default_embedding_model


def test_the_short_way_gives_the_same_vectors_as_encode():
    embedder = Embedder(default_embedding_model(), "auto")
    texts = ["my husband has crushing chest pain", "When is my follow-up?", "Metoprolol 25 mg twice daily " * 30]
    assert embedder._mean_pooled and len(texts) <= FEW
    fast = embedder.embed(texts)
    slow = embedder.model.encode(texts, convert_to_tensor=True).float().numpy()
    slow /= np.linalg.norm(slow, axis=1, keepdims=True)
    assert fast.shape == (3, 384) and np.allclose(np.linalg.norm(fast, axis=1), 1, atol=1e-5)
    assert (fast * slow).sum(axis=1).min() > 0.9999


def test_many_texts_and_no_text():
    embedder = Embedder(default_embedding_model(), "auto")
    assert embedder.embed([]).shape == (0, 384)
    many = embedder.embed([f"line {n} of the summary" for n in range(FEW + 3)])
    assert many.shape == (FEW + 3, 384)
