"""The patient's discharge plan: the top-level door to mediassist.plan.

extract_plan(document) -> DischargePlan: the medications, follow-up, tests, diet, activity, wound care and
warning signs the summary's sections list (mediassist/plan/listing.py), its medicines completed from the
summary's sentences (mediassist/plan/medicines.py) and its follow-ups read again by the embedding model
(mediassist/plan/follow_up_probe.py). The code lives in mediassist/plan/.
"""
from mediassist.plan import Appointment, DischargePlan, Medication, PlanItem, extract_plan, listed_plan

__all__ = ["Medication", "Appointment", "PlanItem", "DischargePlan", "extract_plan", "listed_plan"]
