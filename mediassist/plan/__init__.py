"""The discharge plan: medicines, follow-ups, tests and instructions, read without a language model.

extract_plan is the plan as the summary lists it (listing.listed_plan) with its medicines completed from the
sentences of the summary (medicines.complete_medications). The top-level discharge_plan module is its door.
"""
from mediassist.structure.model import Document

from .listing import listed_plan
from .medicines import complete_medications
from .model import Appointment, DischargePlan, Medication, PlanItem

__all__ = ["Medication", "Appointment", "PlanItem", "DischargePlan", "extract_plan", "listed_plan"]


def extract_plan(document: Document) -> DischargePlan:
    """The listed plan, its medicines completed from the sentences of the summary."""
    return complete_medications(listed_plan(document), document)
