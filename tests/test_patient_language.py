"""From patient words to summary sections, and which lines may answer."""
import pytest

from patient_language import analyse, matched_share, passage_matches


@pytest.mark.parametrize("question, section", [
    ("what pills do I take at home and how often?", "Discharge Medications"),
    ("When do I see the heart doctor?", "Follow-up"),
    ("what can I eat?", "Diet"),
    ("when should I go to the ER?", "Warning Signs"),
    ("why was my mother in the hospital?", "Discharge Diagnosis"),
    ("does my brother have any drug allergies?", "Allergies"),
    ("what am i alergic to", "Allergies"),
])
def test_patient_words_point_at_the_right_section(question, section):
    analysis = analyse(question)
    assert analysis.sections[0] == section


def test_drug_allergies_are_not_a_medication_question():
    assert "Discharge Medications" not in analyse("does she have any drug allergies?").sections


def test_brand_and_generic_names_meet():
    assert matched_share("Clopidogrel 75 mg daily", analyse("how long do I stay on the plavix?").focus_stems) == 1
    assert matched_share("Synthroid 0.05 mg daily", analyse("what dose is her thyroid medicine").focus_stems) == 1


def test_who_is_asking_is_not_part_of_the_question():
    assert analyse("when does mom see the doctor again").focus_stems == frozenset()
    assert analyse("When's the follow up visit?").focus_stems == frozenset()


@pytest.mark.parametrize("question, line", [
    ("does she need the walker even just to go to the bathroom", "Shower daily and keep the incision dry."),
    ("can I go back to work?", "Social work assisted with insurance coverage."),
    ("can I drive?", "Family counseled on diabetes care."),
])
def test_false_friends_do_not_answer(question, line):
    analysis = analyse(question)
    assert not passage_matches(line, analysis.specific_stems)


def test_driving_is_a_specific_question_and_matches_its_word_forms():
    analysis = analyse("Is it ok to drive my car?")
    assert passage_matches("No driving for 1 week.", analysis.specific_stems)
    assert "Activity" in analysis.sections


def test_lay_words_find_clinical_words():
    assert matched_share("UA showed trace amounts of blood in the urine.",
                         analyse("Was there blood in her pee?").focus_stems) == 1
    assert analyse("how many percocets can he take?").focus_stems == frozenset({"oxycodone"})
