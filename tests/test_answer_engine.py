"""mediassist.answering: the no-LLM answer quotes the lines that answer, says plainly what the summary lacks
(the whole topic, a drug, or only the detail asked for), and never cuts a list from its heading."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from mediassist.answering.asks import asked_details, gives
from mediassist.answering.composer import NO_CLEAR_ANSWER, compose
from mediassist.answering.lines import lines_of
from mediassist.answering.scoring import ANSWER_FEATURES, CALIBRATION_PATH, FEATURES, Calibration, LineScorer, \
    ruled_out
from training.fit_answers import answer_threshold, training_questions
from mediassist.index.embedder import Embedder, default_embedding_model
from patient_language import analyse
from prompting import Passage


@pytest.fixture(scope="module")
def scorer():
    return LineScorer(Embedder(default_embedding_model(), "auto").embed, Calibration.load())


def passage(section: str, text: str, index: int = 0) -> Passage:
    return Passage(f"doc:{index}", "doc", "summary.txt", section, 1, 0, len(text), text, 0.3)


MEDS = passage("Discharge Medications", (
    "Discharge Medications:\n1. Cephalexin 500 mg p.o. q.i.d. x 7 days.\n2. Metoprolol 25 mg by mouth twice daily.\n"
    "3. Motrin as needed for pain.\n4. Dalteparin 5000 units subcutaneously daily for 4 weeks."))
WARNINGS = passage("Warning Signs", (
    "Warning signs - call or go to ER:\n- Fever over 38.5 C\n- Chest pain or trouble breathing\n"
    "- Bleeding that will not stop"), 1)
DIET = passage("Diet", "Diet:\nLow salt diet. Drink plenty of fluids.", 2)


def answer(scorer, question: str, *passages: Passage):
    return compose(analyse(question), list(passages), scorer, notice="")


def test_a_dose_and_duration_question_quotes_the_drug_line(scorer):
    result = answer(scorer, "How much of the antibiotic does she get and for how long?", MEDS, DIET)
    assert result.found and "Cephalexin 500 mg p.o. q.i.d. x 7 days." in result.text


def test_a_misspelt_drug_still_finds_its_line(scorer):
    result = answer(scorer, "how much metropolol do i take", MEDS, DIET)
    assert result.found and "Metoprolol 25 mg by mouth twice daily." in result.text


def test_a_missing_detail_is_said_plainly_with_the_line_as_source(scorer):
    result = answer(scorer, "What dose of Motrin should I take?", MEDS, DIET)
    assert not result.found and "does not give a dose" in result.text
    assert "Motrin as needed for pain." in result.text and result.passages


def test_a_drug_the_summary_never_names_is_not_answered_with_another_drug(scorer):
    result = answer(scorer, "How much insulin should I inject?", MEDS, DIET)
    assert not result.found and "does not name insulin" in result.text and not result.passages


def test_a_topic_the_summary_never_speaks_of_is_not_in_it(scorer):
    """Not answered: said flatly, or with the closest lines said to be no clear answer ("Drink plenty of fluids"
    reads like an answer to the line model, though it names no alcohol)."""
    result = answer(scorer, "Can I drink alcohol?", MEDS, WARNINGS, DIET)
    assert not result.found and ("does not mention this" in result.text or NO_CLEAR_ANSWER in result.text)


def test_a_specific_matter_no_line_names_is_still_answered_by_a_line_that_settles_it(scorer):
    """"Can I get the dressing wet in the shower?": no line names a shower or a bath, but "keep dressing dry" settles
    it. The patient sees that line, never a flat "your summary does not mention this"."""
    wound = passage("Discharge Instructions", "Discharge Instructions:\nThe patient to keep dressing dry and intact, "
                                              "left foot.\nFollow up with Dr. X in 1 week.", 3)
    result = answer(scorer, "can I get the dressing on my foot wet in the shower?", MEDS, wound, DIET)
    assert "keep dressing dry and intact" in result.text and "does not mention this" not in result.text


def test_only_a_specific_matter_with_no_sure_line_is_ruled_out_before_the_decision():
    signals = {"specific_absent": 1.0, "best": 0.3}
    assert ruled_out(signals, quote_threshold=0.8)
    assert not ruled_out({**signals, "best": 0.95}, quote_threshold=0.8)
    assert not ruled_out({**signals, "specific_absent": 0.0}, quote_threshold=0.8)


def test_a_heading_comes_with_the_list_under_it(scorer):
    result = answer(scorer, "When should I go to the ER?", MEDS, WARNINGS, DIET)
    assert result.found
    for item in ("Fever over 38.5 C", "Chest pain or trouble breathing", "Bleeding that will not stop"):
        assert item in result.text


def test_a_heading_run_into_its_first_item_comes_with_its_list(scorer):
    """A run-together transcription: "ALLERGIES1. PENICILLIN.2. SULFA." has no colon, yet the items follow it."""
    history = passage("Allergies", "...denies back pain.ALLERGIES1. PENICILLIN.2. SULFA.3. ACE INHIBITOR.", 6)
    assert lines_of(history)[1].lead_in
    result = answer(scorer, "what is she allergic to?", history, MEDS, DIET)
    assert result.found
    for item in ("PENICILLIN", "SULFA", "ACE INHIBITOR"):
        assert item in result.text


@pytest.mark.parametrize(("question", "details"), [
    ("how much metoprolol?", ("dose",)), ("how many times a day?", ("frequency",)),
    ("how long do I take it?", ("duration",)), ("when is my follow up?", ("date",)),
    ("when should I go back to the ER?", ()), ("who do I see?", ("who",)), ("can I drive?", ()),
    ("when should we take grandad back to emergency?", ()), ("when should I take the metformin?", ("frequency",)),
    ("when and where are her follow up appointments?", ("date", "place")),
    ("what's the exact date of my appointment with the surgeon?", ("date",)),
    ("how many more weeks of the antibiotic?", ("span",)), ("what's the phone number for the clinic?", ("phone",)),
    ("what temperature counts as a fever?", ("measure",)), ("where is mum bleeding from?", ()),
    ("where should I go if the pain gets worse?", ()), ("when she gets wheezy what do I do?", ()),
    # forms that look like these but ask something else: no "your summary does not give ..." for them
    ("When taking warfarin can I drink alcohol?", ()), ("Are her vaccines up to date?", ()),
    ("what number is her INR meant to be?", ()), ("where is my stent?", ()), ("How high should I keep my leg?", ()),
    ("how much longer does she take the macrodantin?", ("duration",)),
    ("how many physio sessions a week does he get?", ("frequency",)), ("how many tablets a day?", ("dose",)),
    ("when do we take her to the paediatrician?", ("date",)), ("when's her skin doctor appointment", ("date",)),
    ("what's the exact date and time of my appointment?", ("date",)), ("when does the rehab start?", ("date",)),
    ("what time is her appointment w the bone doctor", ("date",)), ("what time should I take the metformin?",
                                                                    ("frequency",)),
    ("the water tablet how many i take and what time of day", ("dose", "frequency")),
    ("how long till they take the staples out?", ("span",)),
])
def test_what_a_question_asks_for(question, details):
    assert asked_details(question) == details


def test_lines_that_give_a_detail_are_recognised_by_their_form():
    assert gives("Cephalexin 500 mg p.o. q.i.d.", "dose") and gives("2 puffs every 6 hours", "frequency")
    assert gives("continue over the next 10 to 14 days", "duration")
    assert gives("see the dentist in three to five days", "date") and not gives("Motrin as needed", "dose")
    assert gives("Clopidogrel: 75 mg, once daily, 12 months", "duration") and gives("Duration: 7 days", "duration")
    assert gives("Enoxaparin 40mg SC OD x 10/7", "duration") and gives("Pred 30 mg OD for 5/52", "duration")
    assert not gives("seen in clinic on 10/7/2025", "duration")
    assert gives("Neurology: 4 weeks", "date") and not gives("Onset: 3 days ago", "date")
    assert gives("Speech therapy 2x/week", "frequency") and gives("Oxygen 2 L by nasal cannula", "dose")
    assert gives("Ring the ward on 0161 234 5678", "phone") and gives("Poison Control: 1-800-222-1222", "phone")
    assert gives("Ward 5B on +91 98765 43210", "phone") and not gives("BP 120/80, pulse 72", "phone")
    assert gives("hip replacement on 03-Mar-2025", "date") and gives("Right hemicolectomy, 12th of March.", "date")
    assert gives("TAB AUGMENTIN 625 MG 1-0-1 X 5 DAYS", "span") and gives("Cefuroxime 500 mg BD for 5 Days", "span")
    assert gives("continue for 1 year", "span") and gives("aspirin for life", "span")
    assert gives("You may shower 48 hours after surgery.", "span")
    assert not gives("Amoxicillin 500 mg three times a day", "span") and not gives("every 6 hours", "span")
    assert not gives("Paracetamol, 1 g, 4 doses daily max", "duration")
    assert gives("Call 911 if you have chest pain", "phone") and gives("ward ext. 4521", "phone")
    assert gives("Review in OPD after 1 week", "place") and gives("District nurses to visit", "place")
    assert gives("Bedtime: Simvastatin 40 mg", "frequency")
    assert gives("Crutches - 2 wks", "span") and gives("| Clopidogrel | 75 mg | OD | 12 months |", "span")
    assert gives("complete a six-week course", "span") and not gives("a 3 month old baby", "span")
    assert gives("Apixaban 5 mg twice a day till review in clinic", "duration")
    assert gives("Return if fever over 38.5 C", "measure") and not gives("Return for a high fever", "measure")
    assert gives("Oxycodone 5 mg every 4 hours as needed for up to 3 days", "duration")
    assert gives("ejection fraction of approximately 30%", "dose") and gives("in 24-48 hours", "date")
    assert gives("Wound check 7-10 days", "date") and gives("Operation on 2024-07-22", "date")
    assert not gives("gravida 2 para 1-0-0-1", "date") and not gives("TSH was 1.7", "date")
    assert gives("seen on 12.03.2024", "date") and not gives("A 34-year-old woman", "date")
    assert gives("He has 2 more doses of Zithromax at home", "dose") and gives("Home on post-operative day 2", "span")
    assert gives("under observation for 6 hours", "duration") and gives("salt on her food for the next week", "span")
    assert gives("review in clinic today", "date") and not gives("Ramipril 2.5 mg in the morning", "date")
    assert gives("Ticagrelor 90 mg PO BID | x 12 months (to Jan 2026)", "duration")
    assert gives("** Continue through 04/05/2025 then STOP **", "duration") and not gives("walk through it", "duration")
    assert gives("drink plenty of fluids, 6-8 cups per day", "dose")
    assert gives("Inj. Insulin Glargine (Lantus Solostar) 12 units ON", "frequency")
    assert gives("Tab. Amlodipine 5mg OM", "frequency") and not gives("Tab. Amlodipine 5mg", "frequency")


def test_how_long_to_take_a_drug_is_read_from_the_line_under_it(scorer):
    """A table's note under the drug's row gives how long, though the other rows score higher."""
    meds = passage("Discharge Medications", (
        "DISCHARGE MEDICATIONS\nMEDICATION DOSE ROUTE FREQUENCY\n"
        "Apixaban (Eliquis) 2.5 mg tab         2.5 mg     PO     BID\n"
        "   ** Continue through 04/05/2025 then STOP (per Dr. Fenwick, ortho) **\n"
        "Acetaminophen 500 mg tab  1000 mg  PO  Q8H scheduled\nFerrous sulfate 325 mg tab 325 mg PO Daily w/ lunch\n"
        "Docusate 100 mg cap 100 mg PO BID\nSenna 8.6 mg tab 2 tabs PO HS PRN constipation"))
    result = answer(scorer, "how long is mom supposed to stay on the eliquis and what dose", meds, DIET)
    assert result.found and "Continue through 04/05/2025 then STOP" in result.text


def test_a_brand_of_a_drug_with_a_two_word_name_keeps_the_answer_to_that_drug_s_lines(scorer):
    """Lantus is insulin glargine: "how many units of Lantus?" is answered by the dose under its name, not only by
    the other drug the question names."""
    meds = passage("Discharge Medications", (
        "CHANGE how you take these medications\n  insulin glargine 100 unit/mL injection\n"
        "  Commonly known as: LANTUS\n  Inject 18 Units under the skin nightly.\n"
        "STOP taking these medications\n  glipiZIDE 5 mg tablet"))
    result = answer(scorer, "how many units of Lantus do I put in at night now? and am I done with the glipizide?",
                    meds, DIET)
    assert result.found and "Inject 18 Units under the skin nightly." in result.text


@pytest.mark.parametrize(("question", "told", "asked"), [
    ("when is Dolores's doctor appointment? I got to take off work to carry her over there", "work", None),
    ("can he go back to work? he drives a van", "driv", "work"),
])
def test_what_a_caller_tells_beside_the_question_is_not_what_the_summary_must_speak_of(question, told, asked):
    """A question with a topic of its own is about that topic: the work or driving told beside it is context, and
    an answer must not be refused because no line of the summary speaks of it."""
    specific = analyse(question).specific_stems
    assert told not in specific and (asked is None or asked in specific)


def test_a_question_for_a_medicine_s_name_is_not_answered_by_some_pill_of_another_kind(scorer):
    """"Lotensin and some water pill" names a blood pressure pill, not the water pill asked about."""
    meds = passage("Medications", "Medications: Lotensin and some water pill as well as an inhaler.")
    result = answer(scorer, "what's the name of the water pill he takes?", meds, DIET)
    assert not result.found and "does not give the name of the water pill" in result.text
    assert "Lotensin and some water pill" in result.text


def test_a_medicine_of_the_kind_asked_is_known_by_the_stem_of_its_name(scorer):
    """Flucloxacillin is on no list of antibiotics here; its "-cillin" says what it is."""
    meds = passage("Discharge Medications", "Discharge Medications:\n1. Flucloxacillin 500 mg four times a day.\n"
                                            "2. Bisoprolol 2.5 mg once daily.")
    result = answer(scorer, "which antibiotic is he on?", meds, DIET)
    assert result.found and "Flucloxacillin 500 mg" in result.text


def test_a_quoted_line_keeps_its_own_label_but_not_the_section_heading():
    """"Acetaminophen: 500 mg every 6 hours" quoted without its label would be a dose of no named drug."""
    text = "Discharge Medications: Aspirin 81 mg daily\n*   **Acetaminophen:** 500 mg every 6 hours\nDuration: 7 days"
    quoted = [line.text for line in lines_of(passage("Discharge Medications", text))]
    assert quoted == ["Aspirin 81 mg daily", "Acetaminophen: 500 mg every 6 hours", "Duration: 7 days"]
    earlier = lines_of(passage("Discharge Medications", "Previous medications: Warfarin 5 mg daily\n"
                                                        "Discharge medications (stopped): Bisoprolol 5 mg"))
    assert [line.text for line in earlier] == ["Previous medications: Warfarin 5 mg daily",
                                               "Discharge medications (stopped): Bisoprolol 5 mg"]


def test_a_brand_product_answers_for_the_drug_it_contains(scorer):
    insulin = passage("Discharge Medications", "Discharge Medications:\n1. Novolin 70/30, 15 units b.i.d.\n"
                                                "2. Metoprolol 25 mg by mouth twice daily.")
    result = answer(scorer, "how much of the 70/30 insulin does he take?", insulin, DIET)
    assert result.found and "15 units" in result.text


def test_a_combination_product_does_not_answer_for_one_of_its_drugs(scorer):
    """Excedrin contains aspirin, but its dose is no answer to how much aspirin to take for the heart."""
    meds = passage("Discharge Medications", "Discharge Medications:\n1. Clopidogrel 75 mg daily.\n"
                                            "2. Excedrin 2 tablets as needed for headache.")
    result = answer(scorer, "how much aspirin should he take for his heart?", meds, DIET)
    assert not result.found and "does not name aspirin on its own" in result.text
    assert "names Excedrin, which contains aspirin" in result.text and "Clopidogrel" not in result.text


@pytest.mark.parametrize(("question", "section", "line", "said"), [
    ("Can I take aspirin?", "Discharge Medications", "Excedrin 2 tablets as needed", "names Excedrin, which contains"),
    ("How often do I take amoxicillin?", "Allergies", "Augmentin - diarrhea", "lists Augmentin as an allergy"),
    ("Can I take amoxicillin?", "History of Present Illness", "Allergies: Augmentin (rash)",
     "lists Augmentin as an allergy"),
    ("How much Tylenol can I take?", "Discharge Medications", "Esgic 1-2 tablets every 4 hours as needed",
     "names Esgic, which contains"),
])
def test_taking_a_drug_that_is_only_inside_a_product_or_an_allergy_is_warned_of(scorer, question, section, line,
                                                                                said):
    result = answer(scorer, question, passage(section, f"{section}:\n{line}"), DIET)
    assert not result.found and said in result.text and line in result.text


def test_a_summary_that_names_a_drug_inside_a_product_is_never_said_not_to_mention_it(scorer):
    meds = passage("Discharge Medications", "Discharge Medications:\n1. Augmentin 625 mg three times a day for 5 days.")
    result = answer(scorer, "how long do I take amoxicillin?", meds, DIET)
    assert "does not mention" not in result.text and "Augmentin 625 mg" in result.text


@pytest.mark.parametrize(("question", "line"), [
    ("How often do I take Augmentin?", "Amoxicillin-clavulanate 875-125 mg twice daily for 7 days"),
    ("How much Percocet can I take?", "Oxycodone 5 mg / acetaminophen 325 mg, 1-2 tablets q6h PRN"),
    ("How many Percocet a day?", "Oxycodone-acetaminophen 5-325 mg 1 tablet q6h PRN pain"),
    ("How much vitamin D3 do I take?", "Vitamin D 50,000 units weekly"),
])
def test_a_product_named_by_its_drugs_is_the_product_asked_about(scorer, question, line):
    result = answer(scorer, question, passage("Discharge Medications", f"Discharge Medications:\n{line}"), DIET)
    assert "does not mention" not in result.text and "on its own" not in result.text and line in result.text


def test_a_where_question_gets_its_lines_never_a_claim_that_the_place_is_missing(scorer):
    wound = passage("Wound Care", "Wound Care:\nDressing change every 2 days at nearest PHC.")
    result = answer(scorer, "Where should I go for the dressing?", wound, DIET)
    assert "does not give where" not in result.text and "nearest PHC" in result.text


def test_a_drug_with_two_names_is_one_drug(scorer):
    meds = passage("Discharge Medications", "Discharge Medications:\nTab Dolo 650 1-1-1 x 3 days")
    result = answer(scorer, "how often can I take paracetamol?", meds, DIET)
    assert result.found and "Dolo 650 1-1-1" in result.text


def test_a_phone_number_is_never_claimed_missing(scorer):
    """Numbers are written in too many ways ("x4521", "13 14 50", "1-800-NURSE-4U") to say one is not there."""
    notes = passage("Discharge Instructions", "Discharge Instructions:\nIf worried, call the surgical ward on x4521.")
    result = answer(scorer, "what's the phone number for the surgical ward?", notes, DIET)
    assert "does not give a phone number" not in result.text and "x4521" in result.text


@pytest.mark.parametrize(("question", "about_stopping"), [
    ("im 8 weeks pregnant and couldnt stop throwing up, what did they say it was?", False),
    ("the wound won't stop bleeding through the dressing", False),
    ("should i stop taking the aspirin?", True), ("is she stopping the warfarin then?", True),
    ("when can I stop using the cream?", True),
])
def test_a_symptom_that_will_not_stop_is_no_question_about_stopping_a_medicine(question, about_stopping):
    """A question about stopping a medicine must find a line that says so or be told the summary does not;
    "couldn't stop throwing up" asks no such thing, and must not be refused for want of one."""
    assert ("stop" in analyse(question).specific_stems) is about_stopping


def test_carry_on_asks_whether_to_continue_not_about_lifting():
    assert not analyse("does she carry on with her preventer (the fluticasone)?").specific_stems
    assert "lift" in analyse("can she carry the shopping?").specific_stems


@pytest.mark.parametrize("question", ["what signs mean we must carry her back to A&E",
                                      "when do we carry him to the hospital again?",
                                      "what time should I carry her over there for the appointment"])
def test_carrying_someone_back_asks_when_to_return_not_about_lifting(question):
    """"Carry her back" is to bring her back: a question about lifting would be refused flatly where no line names a
    weight, though the summary's list of when to return answers it."""
    assert not analyse(question).specific_stems


def test_the_calibration_was_fitted_for_these_features():
    data = json.loads(CALIBRATION_PATH.read_text())
    assert set(data["weights"]) == set(FEATURES) and set(data["answer"]["weights"]) == set(ANSWER_FEATURES)
    assert 0 < data["answer"]["threshold"] < 1 and 0 < data["quote_threshold"] < 1
    assert data["weights"]["similarity"] > 0 and data["weights"]["focus"] > 0
    assert data["near_best"]["lines"] >= 1 and 0 < data["near_best"]["share"] <= 1


def test_lines_that_score_near_the_best_are_quoted_with_it():
    """The right line is the best one for two questions in three, and among the best three for five in six: a
    line that scores nearly as well as the best is quoted beside it, one far below is not."""
    calibration = replace(Calibration.load(), quote_threshold=0.9, near_best_lines=3, near_best_share=0.8)
    assert calibration.quoted(np.array([0.5, 0.45, 0.1, 0.42, 0.41]), 12) == [0, 1, 3]
    assert calibration.quoted(np.array([0.95, 0.3, 0.92]), 12) == [0, 2]


def test_an_uncertain_answer_shows_the_closest_lines_and_does_not_claim_the_summary_is_silent(scorer):
    """Between the closest-lines and answer thresholds the summary may say it in other words: the patient sees
    the closest lines, said to be no clear answer, never a flat "not in your summary"."""
    uncertain = LineScorer(scorer.embed, replace(scorer.calibration, closest_threshold=0.0, answer_threshold=1.0))
    result = answer(uncertain, "What should I eat?", MEDS, WARNINGS, DIET)
    assert not result.found and NO_CLEAR_ANSWER in result.text and "does not mention" not in result.text
    assert "Low salt diet." in result.text and DIET in result.passages
    silent = LineScorer(scorer.embed, replace(scorer.calibration, closest_threshold=1.0, answer_threshold=1.0))
    flat = answer(silent, "What should I eat?", MEDS, WARNINGS, DIET)
    assert not flat.found and "does not mention this" in flat.text and not flat.passages


def test_the_answer_threshold_counts_the_questions_the_rule_refuses_once():
    """Of 100 answerable training questions, 5% may be refused: those the rule refuses before any score is read use
    that budget, and are not among the scores the threshold is read from."""
    scored = np.linspace(0.01, 0.99, 98)   # the 98 the rule leaves to the decision
    assert (scored < answer_threshold(scored, by_rule=2)).sum() == 3
    assert (scored < answer_threshold(scored, by_rule=5)).sum() == 0
    assert (scored < answer_threshold(scored)).sum() == 4   # 5% of 98


def test_the_fit_reads_the_written_documents_training_questions_and_no_test_document(tmp_path):
    """Without a corpus the fit still has the documents written for evaluation: only their training part, each
    question with the file it is asked of."""
    questions, files = training_questions(tmp_path / "no corpus")
    written = {q.document for q in questions}
    assert written and all(files[name].is_file() for name in written)
    assert {q.split for q in questions} == {"train"}
    assert not any(name.startswith("text/") for name in written)   # corpus questions need the corpus


def test_the_closest_lines_threshold_lies_at_or_below_the_answer_threshold():
    answer_part = json.loads(CALIBRATION_PATH.read_text())["answer"]
    assert 0 <= answer_part["closest_threshold"] <= answer_part["threshold"]


def test_what_was_wrong_quotes_the_diagnosis_section_not_only_the_story(scorer):
    """The diagnosis line shares few words with "what was wrong with her?"; the hospital course shares many."""
    course = passage("Hospital Course", (
        "Hospital Course:\nShe was admitted to the ICU with severe abdominal pain and vomiting. She was kept nil by "
        "mouth and given IV fluids. Her pain settled over three days and she was eating by the time she went home."))
    diagnosis = passage("Discharge Diagnosis", "Discharge Diagnosis:\nAcute gallstone pancreatitis", 1)
    result = answer(scorer, "what was wrong with my mum?", course, diagnosis, DIET)
    assert result.found and "Acute gallstone pancreatitis" in result.text


def test_the_question_prior_reads_which_questions_summaries_usually_answer(scorer):
    """Learned from the training questions' embeddings: a summary nearly always says what was wrong and seldom
    whether one may drink. A calibration without a prior adds nothing to the decision."""
    prior = lambda question: scorer.question_prior(analyse(question))  # noqa: E731
    assert prior("What did they say was wrong with me?") > 0 > prior("Can I have a beer at the weekend?")
    assert LineScorer(scorer.embed, replace(scorer.calibration, prior_weights=None)).question_prior(
        analyse("Can I have a beer at the weekend?")) == 0.0


def test_a_question_summaries_seldom_answer_is_answered_when_this_one_does(scorer):
    alcohol = passage("Instructions", "Instructions:\nDo not drink alcohol while taking metronidazole.", 3)
    result = answer(scorer, "Can I have a beer at the weekend?", MEDS, alcohol, DIET)
    assert result.found and "Do not drink alcohol" in result.text


def test_every_kind_of_medicine_with_stems_is_a_kind_patients_ask_about():
    """A table of drug_kinds.toml under a name no question can ask would silently never be read."""
    import tomllib

    from mediassist.answering.drug_kinds import DATA
    from patient_language import DRUG_CLASSES
    asked = {triggers[0] for triggers, _ in DRUG_CLASSES}
    assert set(tomllib.loads(DATA.read_text(encoding="utf-8"))) <= asked


def test_a_drug_asked_to_be_taken_beside_one_the_summary_names_is_said_not_to_be_named(scorer):
    """The Motrin line is no answer about paracetamol: taking both is for the pharmacist to say."""
    result = answer(scorer, "Can I take paracetamol as well as the Motrin?", MEDS, DIET)
    assert not result.found and "does not name paracetamol" in result.text
    assert "Motrin as needed for pain." in result.text
    other = answer(scorer, "I used to be on warfarin, how much metoprolol do I take now?", MEDS, DIET)
    assert other.found and "Metoprolol 25 mg" in other.text


COURSE = passage("Hospital Course", (
    "Hospital Course:\nShe was admitted from the emergency department on the evening of the 3rd. "
    "On day 2 she underwent thoracentesis with 1.2 L removed. "
    "She required DC cardioversion for atrial fibrillation with a rapid rate. "
    "She was transfused 2 units for a haemoglobin of 68. "
    "She was reviewed by the medical team daily and her observations remained stable."), 4)


@pytest.mark.parametrize(("question", "line"), [
    ("did they drain the fluid from around her lung?", "underwent thoracentesis"),
    ("why did they give her the electric shock for her heart?", "DC cardioversion"),
    ("did mum need any donated blood?", "transfused 2 units"),
])
def test_a_question_in_everyday_words_finds_the_line_that_names_it_in_medical_words(scorer, question, line):
    """The line is read with its medical words explained (the glossary's plain meanings), so "drain the fluid
    from around her lung" meets "thoracentesis", which shares no word with it."""
    result = answer(scorer, question, COURSE, MEDS, DIET)
    assert result.found and line in result.text


FOLLOW_UP = passage("Follow-up", (
    "Follow-up:\n- Neurology clinic in 4 weeks with repeat MRI.\n- Dermatology review in 3 months for the rash.\n"
    "- Bloods with the practice nurse in 1 week."), 5)


def test_the_doctor_named_in_everyday_words_finds_the_specialty(scorer):
    result = answer(scorer, "when do I see the skin doctor?", FOLLOW_UP, MEDS, DIET)
    assert result.found and "Dermatology review in 3 months" in result.text


def test_a_line_is_compared_with_the_question_both_as_written_and_explained(scorer):
    lines = lines_of(COURSE)
    explained = [scorer.reading(line.text) for line in lines]
    assert any("fluid from around the lung" in text for text in explained)
    assert scorer.reading("She was reviewed daily.") == "She was reviewed daily."
    gains = scorer.features(analyse("did they drain the fluid from around her lung?"), lines)[
        :, FEATURES.index("plain_gain")]
    assert gains[[i for i, line in enumerate(lines) if "thoracentesis" in line.text][0]] == gains.max() > 0
