"""The plan's warning signs, read a second time by the embedding model: a sign written without an act of seeking
care ("Signs of a blocked shunt: vomiting, drowsiness") is shown, in the order of the summary, and everyday advice
and the story of the stay are not."""
from __future__ import annotations

from document_processor import load_document
from mediassist.plan import extract_plan, listed_plan

SUMMARY = """Discharge Advice:
- Return to the emergency department if he has a fit.
- Signs of a blocked shunt: vomiting, drowsiness, a headache that gets worse when lying down.
- Walk short distances three times a day.
- Eat a soft diet for a week.
- Keep the dressing dry for 48 hours.
Hospital Course:
He had a fever of 39 on admission which settled with antibiotics.
"""
UNWORDED_SIGN = "Signs of a blocked shunt"


def signs(plan) -> list[str]:
    return [item.text for item in plan.warning_signs]


def test_a_warning_sign_the_rules_miss_is_shown_after_the_one_before_it():
    document = load_document(SUMMARY.encode(), "summary.txt")
    assert not any(UNWORDED_SIGN in sign for sign in signs(listed_plan(document)))
    shown = signs(extract_plan(document))
    assert [n for n, sign in enumerate(shown) if "has a fit" in sign] == [0], shown
    assert UNWORDED_SIGN in shown[1], shown


def test_everyday_advice_and_the_story_of_the_stay_are_no_warning_signs():
    plan = extract_plan(load_document(SUMMARY.encode(), "summary.txt"))
    shown = " ".join(signs(plan))
    for not_a_sign in ("Walk short distances", "soft diet", "dressing dry", "fever of 39 on admission"):
        assert not_a_sign in SUMMARY and not_a_sign not in shown
    assert any("soft diet" in item.text for item in plan.diet)


def test_a_summary_with_no_sentences_to_read_keeps_its_plan():
    document = load_document(b"Past Medical History:\nAsthma since childhood.\n", "history.txt")
    assert extract_plan(document).warning_signs == ()
