"""The packaged MiniLM's last two layers, tuned to tell an emergency and self-harm.

A straight line through the frozen sentence embedding (a linear probe) read the writers it was fitted on well
and new writers badly: their ordinary questions about serious symptoms sat on the wrong side of it. Tuning the
model's last two layers on the same labelled messages lets it weigh words in their context ("my chest pain last
week" against "my chest is crushing"): with four training writers held out of a tuning on the others, it
flagged a quarter as many of their ordinary messages at the same share of their emergencies flagged (see the
emergency note in the README).

The first four layers stay the packaged model's, shared with everything else that embeds; the tuned copies of
the last two read their output, mean-pool it, and a linear head gives two logits per text: emergency and
self-harm. The detector needs each text's packaged embedding too, so TunedReader gives both from one pass: the
first four layers run once, then the packaged last two (the embedding) and the tuned copies (the logits).
training/fit_emergency.py tunes them (training/tune_layers.py) and writes data/tuned_layers.safetensors.
"""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from ..index.embedder import TRACED_INPUTS, in_length_batches, mean_pooled, tokenise, traced_graph

DATA = Path(__file__).parent / "data"
TUNED_PATH = DATA / "tuned_layers.safetensors"
FIRST_TUNED_LAYER = 4      # of MiniLM-L6's six: the last two are tuned
OUTPUTS = ("emergency", "self_harm")
POOLED_SCALE = 10.0        # the unit-length pooled vector is scaled before the head, as cosine logits are


def base_model(embedder):
    """The packaged embedder's transformer (shared, never changed here)."""
    return embedder.model[0].auto_model


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
    return torch.nn.functional.normalize(mean_pooled(run_layers(layers, hidden, mask), mask), dim=-1)


def run_layers(layers, hidden, mask):
    """Transformer layers run in turn on hidden states (n, tokens, width), padding masked out."""
    import torch
    additive = (1.0 - mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
    for layer in layers:
        out = layer(hidden, attention_mask=additive)
        hidden = out[0] if isinstance(out, tuple) else out
    return hidden


def shared_layers(transformer, input_ids, attention_mask, token_type_ids):
    """The hidden states entering the tuned layers: the packaged embeddings and layers before them."""
    hidden = transformer.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
    return run_layers(transformer.encoder.layer[:FIRST_TUNED_LAYER], hidden, attention_mask)


def hidden_before_tuned(embedder, texts: list[str]):
    """The hidden states entering the tuned layers, in float32, and the attention mask, for a batch (tuning)."""
    import torch
    features = tokenise(embedder.model, texts)
    with torch.inference_mode():
        hidden = shared_layers(base_model(embedder), features["input_ids"], features["attention_mask"],
                               features.get("token_type_ids"))
    return hidden.float(), features["attention_mask"]   # the tuned layers are float32 whatever the model's type


def one_pass(transformer, tuned, input_ids, attention_mask, token_type_ids):
    """Each text's packaged embedding (unit length, float32) and its tuned logits: the shared layers run once."""
    import torch
    hidden = shared_layers(transformer, input_ids, attention_mask, token_type_ids)
    packaged = run_layers(transformer.encoder.layer[FIRST_TUNED_LAYER:], hidden, attention_mask)
    vectors = torch.nn.functional.normalize(mean_pooled(packaged, attention_mask).float(), dim=-1)
    return vectors, run_tuned(tuned, hidden.float(), attention_mask)


def _one_pass_module(transformer, tuned):
    """one_pass as a module, as the tracer wants it (it keeps a module's weights as weights)."""
    import torch

    class OnePass(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer, self.tuned = transformer, tuned

        def forward(self, input_ids, attention_mask, token_type_ids):
            return one_pass(self.transformer, self.tuned, input_ids, attention_mask, token_type_ids)
    return OnePass().eval()


class TunedReader:
    """Per text, the packaged embedding and the two tuned logits (emergency, self-harm), from one pass."""

    def __init__(self, embedder, tuned):
        self.model = embedder.model
        self.transformer, self.tuned = base_model(embedder), tuned.eval()
        self.graph = self._traced()

    def __call__(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        if not texts:
            return (np.zeros((0, self.transformer.config.hidden_size), dtype=np.float32),
                    np.zeros((0, len(OUTPUTS)), dtype=np.float32))
        return in_length_batches(texts, self._forward)

    def _forward(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        import torch
        with torch.inference_mode():
            features = tokenise(self.model, texts)
            if self.graph is not None and all(name in features for name in TRACED_INPUTS):
                vectors, scores = self.graph(*(features[name] for name in TRACED_INPUTS))
            else:
                vectors, scores = one_pass(self.transformer, self.tuned, features["input_ids"],
                                           features["attention_mask"], features.get("token_type_ids"))
            return vectors.numpy(), scores.numpy()

    def _traced(self):
        """one_pass as a TorchScript graph, as the embedder's own (a third of a short message's time on two
        cores); None if it cannot be traced (the eager pass is used then)."""
        return traced_graph(_one_pass_module(self.transformer, self.tuned), self.model)

    @classmethod
    def load(cls, embedder, path: Path = TUNED_PATH) -> "TunedReader":
        from safetensors.torch import load_file
        tuned = new_tuned_layers(base_model(embedder))
        tuned.load_state_dict({name: tensor.float() for name, tensor in load_file(str(path)).items()})
        return cls(embedder, tuned)


def save_tuned(tuned, path: Path = TUNED_PATH) -> None:
    """float16 on disk (half the size; the logits move by less than 0.01)."""
    import torch
    from safetensors.torch import save_file
    save_file({name: tensor.detach().to(torch.float16).contiguous() for name, tensor in tuned.state_dict().items()},
              str(path))
