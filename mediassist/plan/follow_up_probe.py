"""A second reading of the follow-up appointments: the embedding model reads each sentence as a whole.

The rules (categories.py, listing.py) find an appointment by its words: "follow up", "clinic", "review in".
Many are written otherwise: "Outpatient physiotherapy at Riverside Rehab, twice weekly for 4 weeks", "Pulmonary
rehabilitation programme, they will contact him with a start date". A linear probe on the packaged MiniLM's
embedding of each sentence, given also whether the rules made it a follow-up row, whether they made it a
warning sign and whether its form says no visit is to come ("referral completed", "no clinic follow-up"), scores
how much it reads as an appointment. A sentence the rules missed is added when its score is
high; a row the rules made is taken out only when its score is very low. training/fit_follow_up.py fits the probe
and both thresholds on the training part of the follow-up passages and of the annotated corpus
(data/follow_up_probe.json).
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from mediassist.structure.model import Document

from .appointments import read_appointment
from .categories import CONSENT, NONE_ITEM, SIGNATURE, not_an_appointment, says_no_visit
from .model import Appointment, DischargePlan
from .prose import HISTORY
from .units import Unit, units_of

PROBE_PATH = Path(__file__).parent / "data" / "follow_up_probe.json"
MAX_WORDS = 60     # a longer unit is a paragraph of a transcription, no row to show; the rules read it in parts

EmbedTexts = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class FollowUpProbe:
    weights: np.ndarray      # on the embedding
    rule_weight: float       # the rules made the sentence a follow-up row
    warning_weight: float    # the rules made it a warning sign
    no_visit_weight: float   # its form says no visit is to come of it (categories.says_no_visit)
    bias: float
    add_threshold: float     # a sentence the rules missed becomes a row at this probability
    keep_threshold: float    # a row of the rules stays down to this probability

    @classmethod
    def load(cls, path: Path = PROBE_PATH) -> "FollowUpProbe":
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(weights=np.asarray(data["weights"], dtype=np.float32), rule_weight=data["rule_weight"],
                   warning_weight=data["warning_weight"], no_visit_weight=data["no_visit_weight"], bias=data["bias"],
                   add_threshold=data["add_threshold"], keep_threshold=data["keep_threshold"])

    def probabilities(self, vectors: np.ndarray, by_rule: np.ndarray, warning: np.ndarray,
                      no_visit: np.ndarray) -> np.ndarray:
        z = (vectors @ self.weights + self.rule_weight * by_rule + self.warning_weight * warning
             + self.no_visit_weight * no_visit + self.bias)
        return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class Reading:
    """The sentences the probe reads, with what the rules made of each."""
    units: list[Unit]
    by_rule: np.ndarray     # bool per unit: one of the plan's follow-up rows is (part of) it
    warning: np.ndarray     # bool per unit: one of the plan's warning signs is (part of) it (then a row too)
    no_visit: np.ndarray    # bool per unit: its form says no visit is to come of it
    all_units: list[Unit]   # every unit of the summary, for the order of the rows


def sentences_to_read(plan: DischargePlan, document: Document) -> Reading:
    """Every sentence and list item outside the history sections, short enough to be a row, that the probe may
    change: a follow-up row of the rules, or a sentence the rules made neither a warning sign nor a medication
    line (each sentence read costs about a millisecond)."""
    every = units_of(document)
    units, by_rule, warning = [], [], []
    for unit in every:
        if unit.section.name in HISTORY or len(unit.text.split()) > MAX_WORDS:
            continue
        row = _holds_any(unit.text, plan.follow_up) or any(unit.text in (a.where or "") for a in plan.follow_up)
        sign = _holds_any(unit.text, plan.warning_signs)
        if row or not (sign or any(unit.text in m.text for m in plan.medications)):
            units.append(unit)
            by_rule.append(row)
            warning.append(sign)
    return Reading(units=units, by_rule=np.array(by_rule, dtype=bool), warning=np.array(warning, dtype=bool),
                   no_visit=np.array([says_no_visit(u.text) for u in units], dtype=bool), all_units=every)


def complete_follow_up(plan: DischargePlan, document: Document, embed: EmbedTexts,
                       probe: FollowUpProbe | None = None) -> DischargePlan:
    probe = probe or shared_probe()
    reading = sentences_to_read(plan, document)
    if not reading.units:
        return plan
    p = probe.probabilities(embed([u.text for u in reading.units]), reading.by_rule, reading.warning,
                            reading.no_visit)
    dropped = [u.text for u, by_rule, score in zip(reading.units, reading.by_rule, p)
               if by_rule and score < probe.keep_threshold]
    kept = [row for row in plan.follow_up if not any(row.text in text for text in dropped)]
    added = [_row(u) for u, by_rule, score in zip(reading.units, reading.by_rule, p)
             if not by_rule and score >= probe.add_threshold]
    rows = kept + [row for row in added if row is not None]
    return replace(plan, follow_up=tuple(sorted(rows, key=_order_in(reading.all_units))))


def _holds_any(text: str, items) -> bool:
    return any(item.text in text or text in item.text for item in items)


def _row(unit: Unit) -> Appointment | None:
    """The sentence as a follow-up row, unless it only says there is none or is no instruction at all."""
    text = unit.text.strip()
    if text.endswith(":") or not_an_appointment(text) or NONE_ITEM.match(text) or CONSENT.search(text) \
            or SIGNATURE.search(text):
        return None
    who, when, purpose = read_appointment(text)
    return Appointment(who=who, when=when, purpose=purpose, text=text, section=unit.section.name, page=unit.page)


def _order_in(units: list[Unit]) -> Callable[[Appointment], int]:
    """Rows in the order of the summary: each at the first sentence that holds it."""
    def position(row: Appointment) -> int:
        return next((n for n, u in enumerate(units) if row.text in u.text or u.text in row.text), len(units))
    return position


@functools.lru_cache(maxsize=1)
def shared_probe() -> FollowUpProbe:
    return FollowUpProbe.load()
