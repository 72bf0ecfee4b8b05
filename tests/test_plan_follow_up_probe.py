"""The plan's follow-ups, read a second time by the embedding model: appointments written without the words the
rules look for are shown, in the order of the summary, and instructions and the story of the stay are not."""
from __future__ import annotations

import numpy as np
import pytest

from document_processor import load_document
from mediassist.index.embedder import packaged_embedder
from mediassist.plan import extract_plan, listed_plan
from mediassist.plan.categories import says_no_visit
from mediassist.plan.follow_up_probe import shared_probe

SUMMARY = """Hospital Course:
He was admitted with an exacerbation of COPD. He was seen by physiotherapy on the ward and mobilised well.
Plan on discharge:
- Outpatient physiotherapy at Riverside Rehab, twice weekly for 4 weeks, starting 3/12.
- Anticoagulation nurse home visit Friday.
- Pulmonary rehabilitation programme, they will contact him with a start date.
- Eat a soft diet for a week.
- Walk short distances three times a day.
"""
NOT_WORDED_AS_A_VISIT = ("Outpatient physiotherapy at Riverside Rehab", "Pulmonary rehabilitation programme")


def rows(plan) -> list[str]:
    return [row.text for row in plan.follow_up]


def test_appointments_the_rules_miss_are_shown_in_the_order_of_the_summary():
    document = load_document(SUMMARY.encode(), "summary.txt")
    assert not any(visit in row for row in rows(listed_plan(document)) for visit in NOT_WORDED_AS_A_VISIT)
    shown = rows(extract_plan(document))
    in_order = ("Outpatient physiotherapy at Riverside Rehab", "Anticoagulation nurse home visit Friday",
                "Pulmonary rehabilitation programme")
    positions = [next((n for n, row in enumerate(shown) if visit in row), None) for visit in in_order]
    assert None not in positions and positions == sorted(positions), shown


def test_instructions_and_the_story_of_the_stay_are_not_appointments():
    shown = " ".join(rows(extract_plan(load_document(SUMMARY.encode(), "summary.txt"))))
    for not_a_visit in ("soft diet", "Walk short distances", "seen by physiotherapy on the ward"):
        assert not_a_visit in SUMMARY and not_a_visit not in shown


def test_a_summary_with_no_sentences_to_read_keeps_its_plan():
    document = load_document(b"Past Medical History:\nAsthma since childhood.\n", "history.txt")
    assert extract_plan(document).follow_up == ()


@pytest.mark.parametrize("sentence", ["Wheelchair referral completed; chair delivered 03/07.",
                                      "Seen by the stoma nurse before discharge.",
                                      "No further cardiology follow-up; care returned to the GP.",
                                      "Dietitian referral declined by the patient.",
                                      "?dietician referral to be considered at clinic re: DM",
                                      "Bone health: consider referral to endocrinology for osteoporosis treatment."])
def test_a_sentence_whose_form_says_no_visit_is_to_come_is_read_so(sentence):
    assert says_no_visit(sentence)


@pytest.mark.parametrize("sentence", ["Bloods to be done at the GP surgery in 1 week.",
                                      "Cardiology clinic with Dr Mensah in 6 weeks.",
                                      "Heart failure nurse will phone on day 3, then weekly."])
def test_an_appointment_still_to_come_is_not(sentence):
    assert not says_no_visit(sentence)


def test_the_probe_counts_against_a_sentence_that_says_no_visit_is_to_come():
    vector = packaged_embedder().embed(["Occupational therapy home visit completed 10/05."])
    rule_row, no_warning = np.array([True]), np.array([False])
    said_done = shared_probe().probabilities(vector, rule_row, no_warning, np.array([True]))[0]
    not_said = shared_probe().probabilities(vector, rule_row, no_warning, np.array([False]))[0]
    log_odds = [np.log(p / (1 - p)) for p in (said_done, not_said)]
    assert log_odds[0] < log_odds[1] - 1   # the odds that it is an appointment fall by more than e times
