"""Follow-up questions: the conversation so far is validated, and a question that refers back ("how long do
I take it?") is answered about the earlier subject by the no-LLM engine."""
from __future__ import annotations

import pytest

from mediassist.answering.followup import Turn, own_subject, refers_back, speaks_of, standalone_question
from tests.conftest import ask, upload
from tests.test_api import SUMMARY


@pytest.fixture
def uploaded(client):
    assert upload(client, "pneumonia.txt", SUMMARY.encode()).status_code == 201
    return client


def test_a_question_that_stands_alone_is_searched_as_it_is():
    history = [Turn("What dose of azithromycin?", "250 mg")]
    assert standalone_question("When should I go back to the emergency room if my breathing gets worse?",
                               history) == "When should I go back to the emergency room if my breathing gets worse?"
    assert standalone_question("how long do I take it?", []) == "how long do I take it?"


def test_a_pronoun_takes_the_subject_of_the_turn_before():
    question = standalone_question("how long do I take it?", [Turn("What dose of azithromycin?", "250 mg")])
    assert "how long do I take it?" in question and "azithromycin" in question


def test_a_new_medicine_keeps_the_earlier_ask_without_the_earlier_medicine():
    question = standalone_question("and the acetaminophen?", [Turn("How much azithromycin do I take?", "250 mg")])
    assert "acetaminophen" in question and "How much" in question and "azithromycin" not in question


def test_turns_chain_back_through_the_conversation():
    history = [Turn("What dose of azithromycin?", "250 mg"), Turn("how often?", "once daily")]
    assert "azithromycin" in standalone_question("for how long?", history)


def test_refers_back_reads_pronouns_openings_and_ellipsis():
    assert refers_back("is it every day?") and refers_back("And what about after that") and refers_back("who with?")
    assert refers_back("how many times a day?")   # asking words only: its subject is the earlier one
    assert not refers_back("What should I do if my wound starts bleeding through the dressing")


@pytest.mark.parametrize("earlier, answer, follow_up, line", [
    ("What dose of azithromycin do I take?", "Azithromycin 250 mg by mouth once daily for 3 more days.",
     "and how long do I take it for?", "Azithromycin 250 mg by mouth once daily for 3 more days."),
    # a subject of its own: answered about that, not the earlier medicine
    ("How often can I use the albuterol inhaler?", "Albuterol inhaler 2 puffs every 6 hours as needed for wheezing.",
     "and for the fever?", "Acetaminophen 650 mg by mouth every 6 hours as needed for fever."),
], ids=["points back to the earlier medicine", "names something else"])
def test_a_follow_up_is_answered_about_the_subject_it_means(uploaded, earlier, answer, follow_up, line):
    body = ask(uploaded, follow_up, history=[{"question": earlier, "answer": answer}]).get_json()
    assert body["found"] is True
    assert line in body["answer"]


def test_a_follow_up_about_an_appointment_gets_the_earlier_subject(uploaded):
    history = [{"question": "When is my follow-up appointment?",
                "answer": "See Dr. Rivera at the Lakeside Clinic on March 13, 2026 at 10:30 am."}]
    body = ask(uploaded, "who is it with?", history=history).get_json()
    assert "Dr. Rivera" in body["answer"]


@pytest.mark.parametrize("history, message", [
    ("not a list", "'history' must be a list"),
    ([{"question": "x"}], "Turn 1 of 'history'"),
    ([{"question": 3, "answer": "y"}], "Turn 1 of 'history'"),
    (["just text"], "Turn 1 of 'history'"),
    ([{"question": "q", "answer": "a"}] * 21, "at most 20"),
    ([{"question": "q" * 2001, "answer": "a"}], "too long"),
    ([{"question": "q", "answer": "a" * 20_001}], "too long"),
    ([{"question": "q", "answer": "bad \ud800 text"}], "not valid text"),
])
def test_a_malformed_history_is_a_clear_400(uploaded, history, message):
    response = ask(uploaded, "how long?", history=history)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_a_long_thread_is_accepted_and_only_its_last_turns_are_used(uploaded):
    history = [{"question": "What can I eat?", "answer": "Regular diet."}] * 10 + [
        {"question": "What dose of azithromycin do I take?", "answer": "250 mg"}]
    body = ask(uploaded, "how long do I take it for?", history=history).get_json()
    assert "for 3 more days" in body["answer"]


def test_a_follow_up_with_a_subject_of_its_own_names_it_unless_it_points_back():
    assert own_subject("and for her stuffy nose?") >= {"nose"}
    assert own_subject("and the powder?") == {"powder"}
    assert own_subject("how much of that one?") == frozenset()
    assert own_subject("what time of day?") == frozenset()   # asks for a detail, names no subject
    assert speaks_of(own_subject("and the powder?"), ("Miralax powder 17 g daily",))
    assert not speaks_of(own_subject("and the powder?"), ("Heparin 5000 units twice daily",))

