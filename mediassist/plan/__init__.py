"""The discharge plan: medicines, follow-ups, tests and instructions.

extract_plan is the plan as the summary lists it (listing.listed_plan, rule-based), with its medicines completed
from the sentences of the summary (medicines.complete_medications) and its follow-up appointments read a second
time by the embedding model (follow_up_probe.complete_follow_up). The top-level discharge_plan module is its door.
"""
from mediassist.index.embedder import packaged_embedder
from mediassist.structure.model import Document

from .follow_up_probe import complete_follow_up
from .listing import listed_plan
from .medicines import complete_medications
from .model import Appointment, DischargePlan, Medication, PlanItem

__all__ = ["Medication", "Appointment", "PlanItem", "DischargePlan", "extract_plan", "listed_plan"]


def extract_plan(document: Document) -> DischargePlan:
    """The listed plan, its medicines completed from the sentences of the summary and its follow-ups from the
    packaged MiniLM's reading."""
    # the follow-ups first: the probe was fitted on the listed plan, before the medicines of the sentences
    plan = complete_follow_up(listed_plan(document), document, packaged_embedder().embed)
    return complete_medications(plan, document)
