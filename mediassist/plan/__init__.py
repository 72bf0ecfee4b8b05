"""The discharge plan: medicines, follow-ups, tests and instructions.

extract_plan is the plan as the summary lists it (listing.listed_plan, rule-based), with its medicines completed
from the sentences of the summary (medicines.complete_medications) and its follow-up appointments and warning signs
read a second time by the embedding model (follow_up_probe.complete_follow_up, warning_probe.complete_warnings).
The top-level discharge_plan module is its door.
"""
import numpy as np

from mediassist.index.embedder import packaged_embedder
from mediassist.structure.model import Document

from .follow_up_probe import complete_follow_up
from .listing import listed_plan
from .medicines import complete_medications
from .model import Appointment, DischargePlan, Medication, PlanItem
from .warning_probe import complete_warnings

__all__ = ["Medication", "Appointment", "PlanItem", "DischargePlan", "extract_plan", "listed_plan"]


def extract_plan(document: Document) -> DischargePlan:
    """The listed plan, its medicines completed from the sentences of the summary and its follow-ups and warning
    signs from the packaged MiniLM's reading."""
    embed = _embedded_once(packaged_embedder().embed)
    # in the order the probes were fitted: each on the plan as the ones before it leave it
    plan = complete_follow_up(listed_plan(document), document, embed)
    plan = complete_warnings(plan, document, embed)
    return complete_medications(plan, document)


def _embedded_once(embed):
    """embed, remembering each text's vector for this summary: both probes read most of its sentences."""
    vectors: dict[str, np.ndarray] = {}

    def embed_new(texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in vectors))
        if missing:
            vectors.update(zip(missing, embed(missing)))
        return np.stack([vectors[t] for t in texts])
    return embed_new
