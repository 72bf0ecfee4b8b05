"""The packaged MiniLM's last two layers, tuned to tell an emergency and self-harm.

A straight line through the frozen sentence embedding (a linear probe) read the writers it was fitted on well
and new writers badly: their ordinary questions about serious symptoms sat on the wrong side of it. Tuning the
model's last two layers on the same labelled messages lets it weigh words in their context ("my chest pain last
week" against "my chest is crushing"): with four training writers held out of a tuning on the others, it
flagged a quarter as many of their ordinary messages at the same share of their emergencies flagged (see the
emergency note in the README).

The first four layers stay the packaged model's, shared with everything else that embeds; the tuned copies of
the last two read their output, mean-pool it, and a linear head gives two logits per text: emergency and
self-harm. training/fit_emergency.py tunes them (training/tune_layers.py) and writes data/tuned_layers.safetensors.
"""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
TUNED_PATH = DATA / "tuned_layers.safetensors"
FIRST_TUNED_LAYER = 4      # of MiniLM-L6's six: the last two are tuned
OUTPUTS = ("emergency", "self_harm")
POOLED_SCALE = 10.0        # the unit-length pooled vector is scaled before the head, as cosine logits are


def base_model(embedder):
    """The packaged embedder's transformer and tokenizer (shared, never changed here)."""
    return embedder.model[0].auto_model, embedder.model.tokenizer


def new_tuned_layers(transformer):
    """Fresh copies of the last layers and an untrained head, in float32 (to be tuned)."""
    import torch
    layers = copy.deepcopy(transformer.encoder.layer[FIRST_TUNED_LAYER:]).float()
    return torch.nn.ModuleDict({"layers": layers, "head": torch.nn.Linear(transformer.config.hidden_size,
                                                                           len(OUTPUTS))})


def run_tuned(tuned, hidden, mask):
    """Logits (n, 2) of the tuned layers on hidden states (n, tokens, width) from layer FIRST_TUNED_LAYER."""
    return tuned["head"](pooled_output(tuned["layers"], hidden, mask) * POOLED_SCALE)


def pooled_output(layers, hidden, mask):
    """The layers run on hidden states from layer FIRST_TUNED_LAYER, mean-pooled over the tokens, unit length."""
    import torch
    hidden = run_layers(layers, hidden, mask)
    weights = mask.unsqueeze(-1).float()
    pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
    return torch.nn.functional.normalize(pooled, dim=-1)


def run_layers(layers, hidden, mask):
    """Transformer layers run in turn on hidden states (n, tokens, width), padding masked out."""
    import torch
    additive = (1.0 - mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
    for layer in layers:
        out = layer(hidden, attention_mask=additive)
        hidden = out[0] if isinstance(out, tuple) else out
    return hidden


def hidden_before_tuned(transformer, tokenizer, texts: list[str]):
    """The base model's hidden states entering the tuned layers, and the attention mask, for a batch: only the
    layers before them are run."""
    import torch
    features = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
    mask = features["attention_mask"]
    with torch.inference_mode():
        hidden = transformer.embeddings(input_ids=features["input_ids"], token_type_ids=features.get("token_type_ids"))
        hidden = run_layers(transformer.encoder.layer[:FIRST_TUNED_LAYER], hidden, mask)
    return hidden.float(), mask   # the tuned layers are float32 whatever the packaged model's type


class TunedScorer:
    """Two logits per text, emergency and self-harm, from the packaged model with its tuned last layers."""

    def __init__(self, embedder, tuned):
        self.transformer, self.tokenizer = base_model(embedder)
        self.tuned = tuned.eval()

    def __call__(self, texts: list[str]) -> np.ndarray:
        import torch
        if not texts:
            return np.zeros((0, len(OUTPUTS)), dtype=np.float32)
        hidden, mask = hidden_before_tuned(self.transformer, self.tokenizer, texts)
        with torch.inference_mode():
            return run_tuned(self.tuned, hidden, mask).numpy()

    @classmethod
    def load(cls, embedder, path: Path = TUNED_PATH) -> "TunedScorer":
        from safetensors.torch import load_file
        transformer, _ = base_model(embedder)
        tuned = new_tuned_layers(transformer)
        tuned.load_state_dict({name: tensor.float() for name, tensor in load_file(str(path)).items()})
        return cls(embedder, tuned)


def save_tuned(tuned, path: Path = TUNED_PATH) -> None:
    """float16 on disk (half the size; the logits move by less than 0.01)."""
    import torch
    from safetensors.torch import save_file
    save_file({name: tensor.detach().to(torch.float16).contiguous() for name, tensor in tuned.state_dict().items()},
              str(path))
