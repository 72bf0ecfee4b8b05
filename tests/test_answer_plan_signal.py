"""The answer decision hears what the summary's discharge plan has: a question about a part of the plan that the
plan lacks ("when is my follow-up?" of a summary that arranges none) is answered less surely, and what is kept of
a summary's plan goes when the summary is deleted."""
from __future__ import annotations

import pytest

from errors import DocumentNotFound
from mediassist.answering.composer import compose
from mediassist.answering.scoring import plan_lacks_the_topic
from patient_language import analyse

SUMMARY = b"""Discharge Summary
Diagnosis: Community-acquired pneumonia.
Hospital Course: She was treated with oral amoxicillin and improved. Her oxygen levels returned to normal.
Discharge Medications:
- Amoxicillin 500 mg three times a day for 5 more days
- Paracetamol 1 g four times a day as needed
Diet: Normal diet. Drink plenty of fluids.
"""
WITH_FOLLOW_UP = SUMMARY + b"Follow-up:\n- GP review in 1 week to listen to her chest.\n"


def test_a_question_about_a_part_of_the_plan_the_plan_lacks():
    follow_up = analyse("when is my follow-up appointment?")
    assert plan_lacks_the_topic(follow_up, frozenset({"medications", "diet"}))
    assert not plan_lacks_the_topic(follow_up, frozenset({"follow_up"}))
    assert not plan_lacks_the_topic(follow_up, None)   # not known: nothing is said
    assert not plan_lacks_the_topic(analyse("what was I diagnosed with?"), frozenset())   # no part of the plan


def test_the_summary_answers_less_surely_when_its_plan_lacks_what_is_asked(rag):
    record = rag.ingest(SUMMARY, "summary.txt", "patient")
    passages, analysis = rag.retrieve("when is my follow-up appointment?", "patient", [record.id])
    planned = rag.answerer.planned("patient", [record.id])
    assert "follow_up" not in planned and "medications" in planned
    lacking = compose(analysis, passages, rag.answerer.lines, planned=planned)
    unknown = compose(analysis, passages, rag.answerer.lines, planned=None)
    assert lacking.support < unknown.support and not lacking.found


def test_the_plan_of_a_summary_with_follow_ups_has_them_and_is_forgotten_on_delete(rag):
    record = rag.ingest(WITH_FOLLOW_UP, "with.txt", "patient")
    assert "follow_up" in rag.answerer.planned("patient", [record.id])
    assert rag.answerer.plans.holds(record.id)
    rag.delete_document("patient", record.id)
    assert not rag.answerer.plans.holds(record.id)


def test_a_summary_deleted_while_a_question_reads_its_plan_is_not_found_not_a_crash(rag):
    """The question read the record, then a delete won the race: the plan's reading says "not found" (a 404),
    never an IndexError (a 500)."""
    record = rag.ingest(SUMMARY, "summary.txt", "patient")
    rag.delete_document("patient", record.id)
    with pytest.raises(DocumentNotFound):
        rag.answerer.plans.of([record])
