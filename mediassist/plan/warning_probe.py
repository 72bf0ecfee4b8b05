"""A second reading of the warning signs: the embedding model reads each sentence as a whole.

The rules (categories.seeks_care_if, listing._warnings) find a warning sign by the act of seeking care it names
("return to the ED if", "call 999", "seek medical attention for"). Many are written otherwise: "Safety-netting:
worsening redness spreading up the leg", "Red flags - numbness in the saddle area, loss of bladder control",
"Any bleeding that does not stop with 10 minutes of pressure needs urgent review". A linear probe on the packaged
MiniLM's embedding of each sentence scores how much it reads as a warning sign, without knowing what the rules
made of it. A sentence the rules missed is added when its score is high; a warning sign of the
rules is never taken out (a missed warning sign costs more than a sentence too many). training/fit_warning_probe.py
fits the probe and its threshold on the training part of the warning-sign excerpts and of the annotated corpus
(data/warning_probe.json).
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from mediassist.structure.model import Document

from .categories import CONSENT, NONE_ITEM, SIGNATURE
from .model import DischargePlan, PlanItem
from .prose import HISTORY
from .units import Unit, units_of

PROBE_PATH = Path(__file__).parent / "data" / "warning_probe.json"
MAX_WORDS = 60     # a longer unit is a paragraph of a transcription; the rules read it in parts
OTHER_ITEMS = ("tests", "diet", "activity", "wound_care")   # a warning sign is placed before these

EmbedTexts = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class WarningProbe:
    weights: np.ndarray      # on the embedding
    bias: float
    add_threshold: float     # a sentence the rules missed becomes a warning sign at this probability

    @classmethod
    def load(cls, path: Path = PROBE_PATH) -> "WarningProbe":
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(weights=np.asarray(data["weights"], dtype=np.float32),
                   bias=data["bias"], add_threshold=data["add_threshold"])

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        z = vectors @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class Reading:
    """The sentences the probe reads, with whether the rules made each a warning sign."""
    units: list[Unit]
    by_rule: np.ndarray


def sentences_to_read(plan: DischargePlan, document: Document) -> Reading:
    """Every sentence and list item outside the history sections, short enough to be one instruction, that is no
    medication line and no heading."""
    units, by_rule = [], []
    for unit in units_of(document):
        text = unit.text.strip()
        if unit.section.name in HISTORY or len(text.split()) > MAX_WORDS or text.endswith(":") \
                or any(text in m.text or m.text in text for m in plan.medications):
            continue
        units.append(unit)
        by_rule.append(_holds_any(text, plan.warning_signs))
    return Reading(units=units, by_rule=np.array(by_rule, dtype=bool))


def complete_warnings(plan: DischargePlan, document: Document, embed: EmbedTexts,
                      probe: WarningProbe | None = None) -> DischargePlan:
    probe = probe or shared_probe()
    reading = sentences_to_read(plan, document)
    if not reading.units:
        return plan
    p = probe.probabilities(embed([u.text for u in reading.units]))
    added = [u for u, by_rule, score in zip(reading.units, reading.by_rule, p)
             if not by_rule and score >= probe.add_threshold and _an_instruction(u.text)]
    if not added:
        return plan
    signs = [PlanItem(text=u.text.strip(), section=u.section.name, page=u.page) for u in added]
    others = {name: tuple(item for item in getattr(plan, name) if not _holds_any(item.text, signs))
              for name in OTHER_ITEMS}
    order = {u.text.strip(): n for n, u in enumerate(reading.units)}
    everything = sorted([*plan.warning_signs, *signs], key=lambda item: _position(item.text, order))
    return replace(plan, warning_signs=tuple(everything), **others)


def _an_instruction(text: str) -> bool:
    return not (NONE_ITEM.match(text) or CONSENT.search(text) or SIGNATURE.search(text))


def _holds_any(text: str, items) -> bool:
    return any(item.text in text or text in item.text for item in items)


def _position(text: str, order: dict[str, int]) -> int:
    return next((n for unit, n in order.items() if text in unit or unit in text), len(order))


@functools.lru_cache(maxsize=1)
def shared_probe() -> WarningProbe:
    return WarningProbe.load()
