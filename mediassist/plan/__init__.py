"""The discharge plan: medicines, follow-ups, tests and instructions, read without a language model."""
from discharge_plan import DischargePlan
from document_processor import Document

from .medicines import complete_medications


def extract_plan(document: Document) -> DischargePlan:
    from discharge_plan import extract_plan as listed_plan
    return complete_medications(listed_plan(document), document)
