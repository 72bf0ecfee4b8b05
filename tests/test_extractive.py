"""The no-LLM answer: which lines of the summary it quotes, and when it says the summary does not say."""
from __future__ import annotations

from extractive import compose
from patient_language import analyse
from prompting import Passage


def passage(section: str, text: str, index: int = 0) -> Passage:
    return Passage(f"doc:{index}", "doc", "summary.txt", section, 1, 0, len(text), text, 0.3)


def quoted_lines(question: str, *passages: Passage) -> list[str]:
    answer = compose(analyse(question), list(passages))
    return [line[2:] for line in answer.text.splitlines() if line.startswith("- ")] if answer.found else []


COURSE = passage("Hospital Course", (
    "Hospital Course: She was admitted with pneumonia. She was placed on oral Levaquin 500 mg a day. "
    "Her blood pressure ran high, so lisinopril was increased to 20 mg daily. Plavix was started in addition "
    "to baby aspirin. She was seen by physical therapy."))
MEDS = passage("Discharge Medications", (
    "Discharge Medications:\n1. Levofloxacin 500 mg by mouth daily for 5 more days.\n"
    "2. Lisinopril 20 mg by mouth daily.\n3. Clopidogrel 75 mg by mouth daily.\n4. Aspirin 81 mg daily.\n"
    "5. Prednisone 40 mg daily for 3 days.\n6. Senna 8.6 mg at bedtime as needed."), 1)


def test_a_kind_of_drug_finds_the_drugs_of_that_kind_by_any_name():
    lines = quoted_lines("what antibiotic did they put her on?", COURSE)
    assert lines == ["She was placed on oral Levaquin 500 mg a day."]


def test_a_kind_of_drug_puts_those_drugs_first_in_the_medication_list():
    lines = quoted_lines("how many days do I take the steroid?", COURSE, MEDS)
    assert lines[0] == "Prednisone 40 mg daily for 3 days."
    lines = quoted_lines("did they change my blood pressure pill?", COURSE, MEDS)
    assert lines[0] == "Lisinopril 20 mg by mouth daily."
    assert "Her blood pressure ran high, so lisinopril was increased to 20 mg daily." in lines
    assert "She was placed on oral Levaquin 500 mg a day." not in lines   # outside the list: that kind only


def test_blood_thinners_include_antiplatelets():
    lines = quoted_lines("what new blood thinner did they add", COURSE)
    assert "Plavix was started in addition to baby aspirin." in lines


def test_a_kind_of_drug_does_not_answer_a_question_about_something_else():
    """'Beer while on the antibiotic?' is about alcohol: a line naming the antibiotic does not answer it."""
    assert quoted_lines("is it ok to have a couple beers while I'm on the antibiotic?", COURSE, MEDS) == []


def test_an_instruction_that_goes_on_in_the_next_sentence_is_quoted_whole():
    instructions = passage("Discharge Instructions", (
        "Discharge Instructions: She may shower. She needs to keep her wound clean and dry. No driving for "
        "1 to 2 weeks. She must be off narcotic pain medicine before she drives. She will see Dr. Ames in 2 weeks."))
    assert quoted_lines("when can I drive again?", instructions) == [
        "No driving for 1 to 2 weeks.", "She must be off narcotic pain medicine before she drives."]
    assert quoted_lines("is it ok to shower", instructions) == [
        "She may shower.", "She needs to keep her wound clean and dry."]


def test_what_to_check_at_home_finds_the_monitoring_instructions():
    instructions = passage("Discharge Instructions", (
        "Discharge Instructions: Weigh yourself every morning and write it down. Call the clinic if you gain "
        "more than 3 pounds in 2 days. Keep your legs raised when sitting."))
    lines = quoted_lines("what should I be checking at home every day?", instructions)
    assert lines[0] == "Weigh yourself every morning and write it down."
    assert "Keep your legs raised when sitting." not in lines


def test_narrative_before_the_first_heading_can_answer():
    """Letters (common in the UK) put the whole story before any heading."""
    letter = passage("Overview", (
        "Dear Dr Jones, Mr Smith was admitted with a COPD exacerbation. The community COPD nurse will visit him "
        "at home next week. His GP was asked to review his blood pressure a week after discharge."))
    lines = quoted_lines("is anybody coming to see me at home?", letter)
    assert "The community COPD nurse will visit him at home next week." in lines


def test_an_unrelated_question_gets_no_quote():
    assert quoted_lines("can I go swimming?", COURSE, MEDS) == []
