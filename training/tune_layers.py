"""Tune the packaged MiniLM's last two layers and a two-logit head (emergency, self-harm) on labelled messages
(mediassist/emergency/tuned.py reads them). Used by training/fit_emergency.py, for each cross-validation fold and
for the final fit.

The first four layers are frozen, so their output is computed once per text (HiddenStates) and each tuning pass
runs only the last two: on two cores about 50 s an epoch over 4,600 messages. Settings chosen on the training
part, with writers k, l, m and r held out: at 97% of emergencies flagged, 2.9% of ordinary messages flagged
against 12.8% for a linear probe on the frozen embedding; three tuned layers were slower for no gain, one did worse.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mediassist.emergency.tuned import hidden_before_tuned, new_tuned_layers, run_tuned

EPOCHS = 4
LEARNING_RATE = 3e-5
WEIGHT_DECAY = 0.01
BATCH = 32
SEED = 0
ENCODE_BATCH = 128


@dataclass
class HiddenStates:
    """Each text's hidden states entering the tuned layers, padded to one length, with the attention mask."""
    index: dict[str, int]
    hidden: object   # torch tensor (texts, tokens, width)
    mask: object     # torch tensor (texts, tokens)

    @classmethod
    def of(cls, embedder, texts: list[str]) -> "HiddenStates":
        import torch
        texts = list(dict.fromkeys(texts))
        batches = [hidden_before_tuned(embedder, texts[i:i + ENCODE_BATCH])
                   for i in range(0, len(texts), ENCODE_BATCH)]
        length = max(h.shape[1] for h, _ in batches)
        hidden = torch.cat([torch.nn.functional.pad(h, (0, 0, 0, length - h.shape[1])) for h, _ in batches])
        mask = torch.cat([torch.nn.functional.pad(m, (0, length - m.shape[1])) for _, m in batches])
        return cls({text: i for i, text in enumerate(texts)}, hidden, mask)

    def batch(self, rows):
        """The hidden states and mask of these rows, cut to the longest of them (the rest is padding)."""
        length = int(self.mask[rows].sum(dim=1).max())
        return self.hidden[rows, :length], self.mask[rows, :length]

    def rows(self, texts: list[str]):
        import torch
        return torch.tensor([self.index[t] for t in texts], dtype=torch.long)


def tune(transformer, states: HiddenStates, texts: list[str], targets: np.ndarray, weights: np.ndarray):
    """Tuned layers fitted on `texts` (targets: n x 2 of 0/1, emergency and self-harm; weights: per text). Each
    output's positives weigh as much as its negatives together (balanced classes)."""
    import torch
    torch.manual_seed(SEED)
    tuned = new_tuned_layers(transformer).train()
    optimiser = torch.optim.AdamW(tuned.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    rows = states.rows(texts)
    y = torch.tensor(targets, dtype=torch.float32)
    w = torch.tensor(weights, dtype=torch.float32)
    positives = y.sum(dim=0).clamp(min=1.0)
    balance = (len(y) - positives) / positives
    order = np.random.default_rng(SEED)
    for _ in range(EPOCHS):
        permutation = torch.tensor(order.permutation(len(rows)))
        for start in range(0, len(rows), BATCH):
            batch = permutation[start:start + BATCH]
            logits = run_tuned(tuned, *states.batch(rows[batch]))
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y[batch], pos_weight=balance,
                                                                        reduction="none").sum(dim=1)
            optimiser.zero_grad()
            (loss * w[batch]).mean().backward()
            optimiser.step()
    return tuned.eval()


def score(tuned, states: HiddenStates, texts: list[str]) -> np.ndarray:
    """The tuned logits (n x 2) of texts whose hidden states are in `states`."""
    import torch
    if not texts:
        return np.zeros((0, 2), dtype=np.float32)
    rows = states.rows(texts)
    with torch.inference_mode():
        return torch.cat([run_tuned(tuned, *states.batch(batch))
                          for batch in rows.split(ENCODE_BATCH)]).numpy()
