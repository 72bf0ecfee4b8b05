"""mediassist.index.embedder: a question or two take the short way through the transformer and get the same
unit vectors as sentence-transformers' encode()."""
from __future__ import annotations

import numpy as np
import pytest

from mediassist.index.embedder import FEW, Embedder, default_embedding_model


@pytest.mark.parametrize("dtype", ["float32", "auto"])
def test_the_short_way_gives_the_same_vectors_as_encode(dtype):
    """The short way runs the transformer traced once (on two texts); padded batches, a text alone, and texts
    longer than the traced ones must all come out as encode() gives them."""
    embedder = Embedder(default_embedding_model(), dtype)
    texts = ["my husband has crushing chest pain", "When is my follow-up?", "Metoprolol 25 mg twice daily " * 30]
    assert embedder._mean_pooled and len(texts) <= FEW and embedder._traced is not None
    for batch in (texts, texts[:1], texts[2:]):
        fast = embedder.embed(batch)
        slow = embedder.model.encode(batch, convert_to_tensor=True).float().numpy()
        slow /= np.linalg.norm(slow, axis=1, keepdims=True)
        assert fast.shape == (len(batch), 384) and np.allclose(np.linalg.norm(fast, axis=1), 1, atol=1e-5)
        assert (fast * slow).sum(axis=1).min() > 0.9999


def test_many_texts_in_batches_keep_their_order_and_vectors():
    """More than FEW texts are sorted by length into batches; each vector must still be its own text's."""
    embedder = Embedder(default_embedding_model(), "auto")
    assert embedder.embed([]).shape == (0, 384)
    texts = [f"line {n} of the summary" + " with more words" * (n % 5) for n in range(FEW * 2 + 3)]
    many = embedder.embed(texts)
    assert many.shape == (len(texts), 384)
    slow = embedder.model.encode(texts, convert_to_tensor=True).float().numpy()
    slow /= np.linalg.norm(slow, axis=1, keepdims=True)
    assert (many * slow).sum(axis=1).min() > 0.999
