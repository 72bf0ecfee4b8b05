"""mediassist.emergency: emergencies happening now are flagged with the right numbers; questions about the
summary, the past or "what if" are not. The detector is statistical, so its recall and false alarms are held
to the figures measured on the labelled test part (families it was never fitted on)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from mediassist.emergency import emergency_notice, shared_detector, stated_numbers
from mediassist.emergency.detector import BANK_PATH, CALIBRATION_PATH, STACK_FEATURES, Bank, counted_self_harm
from mediassist.emergency.framing import frame, normalise
from mediassist.emergency.neighbours import Neighbours
from mediassist.emergency.tuned import (TunedReader, base_model, hidden_before_tuned, new_tuned_layers,
                                       pooled_output, run_tuned)
from mediassist.index.embedder import packaged_embedder
from mediassist.emergency.self_harm import without_denied_self_harm
from mediassist.emergency.vitals import dangerous_readings
from training.fit_emergency import load_examples, split_of


@pytest.fixture(scope="module")
def detector():
    return shared_detector()


@pytest.fixture(scope="module")
def test_part():
    """The test families of the writers the detector was fitted beside."""
    return [e for e in load_examples() if e.split == "test" and not e.held_out_writer]


# The writers whose floor the tests hold. Writers n and o, kept for testing too, wrote the hardest near-misses
# (self-harm said and denied, serious symptoms asked about); they are reported by fit_emergency.py, not guarded.
GUARDED_TEST_WRITERS = ("f", "g", "h", "i", "j")


@pytest.fixture(scope="module")
def held_out_writers():
    return [e for e in load_examples() if e.held_out_writer and e.writer in GUARDED_TEST_WRITERS]


# ---------------------------------------------------------------- held to the measured figures

def test_most_emergencies_in_unseen_families_are_flagged(detector, test_part):
    emergencies = [e for e in test_part if e.emergency]
    flagged = sum(detector.detect(e.text) is not None for e in emergencies)
    assert len(emergencies) >= 150
    assert flagged / len(emergencies) >= 0.95   # 0.970, then 0.979 with the neighbours (stop 39)


def test_few_ordinary_questions_in_unseen_families_raise_an_alarm(detector, test_part):
    ordinary = [e for e in test_part if not e.emergency]
    alarms = sum(detector.detect(e.text) is not None for e in ordinary)
    assert len(ordinary) >= 150
    # The target is 0.04; reading a message's parts on their own (mixed messages) brought the test part
    # to 0.042 with recall 0.956 (see the closing note). This guards against anything worse.
    assert alarms / len(ordinary) <= 0.05


def test_self_harm_in_unseen_families_gets_the_crisis_line(detector, test_part):
    self_harm = [e for e in test_part if e.self_harm]
    with_line = sum(bool((found := detector.detect(e.text)) and found.self_harm) for e in self_harm)
    assert len(self_harm) >= 15
    # 0.89 before the self-harm neighbours (stop 39), 0.93 with them
    assert with_line / len(self_harm) >= 0.9


def test_the_split_is_by_family_and_covers_twenty_signs():
    examples = load_examples()
    by_family = {}
    for e in examples:
        by_family.setdefault(e.family, set()).add(e.split)
    assert all(len(parts) == 1 for parts in by_family.values())
    test_signs = {e.sign for e in examples if e.emergency and e.split == "test"}
    assert len(test_signs) >= 20
    assert sum(e.emergency for e in examples) >= 300 and sum(not e.emergency for e in examples) >= 300
    assert split_of("a-f01") == split_of("a-f01")


def test_writers_the_detector_never_saw_are_still_mostly_read_right(detector, held_out_writers):
    """Five writers kept wholly for testing: two wrote the hard forms (emergencies told as a question or in a few
    words, ordinary messages of the same forms), three wrote as caregivers in everyday English, as nurses in
    shorthand and as patients who understate or catastrophise. Measured at 0.925 recall and 0.141 false alarms,
    0.942 and 0.129 since the neighbours and the crisis line's wider reach (stop 39), 0.966 and 0.141 with the
    tuned layers (stop 47: 19 more of 859 emergencies for 9 more of 828 false alarms); this guards both."""
    emergencies = [e for e in held_out_writers if e.emergency]
    ordinary = [e for e in held_out_writers if not e.emergency]
    assert len(emergencies) >= 300 and len(ordinary) >= 300
    assert sum(detector.detect(e.text) is not None for e in emergencies) / len(emergencies) >= 0.95
    assert sum(detector.detect(e.text) is not None for e in ordinary) / len(ordinary) <= 0.15


def test_plain_questions_about_unseen_summaries_rarely_raise_an_alarm(detector, test_part):
    """The questions of the answer evaluation, on summaries the detector was not fitted on: before they were part
    of the fitting, 8% of them ("what dose?", "and the powder?") were flagged, most with the crisis line."""
    questions = [e for e in test_part if e.about_a_summary and not e.emergency]
    assert len(questions) >= 150
    assert sum(detector.detect(e.text) is not None for e in questions) / len(questions) <= 0.03


@pytest.mark.parametrize("message", [
    "and the vitamin D?",
    "how many of the water tablets does he take a day?",
    "how much paracetamol can I have in a day",
    "is she still on the blood thinner",
    "how many oxycodone can he take at a time",
    "is it normal to have a bit of bruising round the drain site?",   # a question's frame around something mild
    "is it ok that I'm still a bit tired a week after getting home?",
    "should I be worried that the scar is itchy?",
])
def test_a_plain_question_about_medicines_or_mild_things_is_not_an_emergency(detector, message):
    assert detector.detect(message) is None


def test_now_still_and_going_in_a_question_only_date_it(detector):
    """"Is he still on metformin?" asks about the plan; "is he still bleeding?" is still a state said now."""
    for question in ("is he still on metformin", "what tablets is she going home on?", "what tablets is she on now"):
        framing = frame(normalise(question))
        assert framing.only_asks and framing.present, question
    for message in ("is it normal that my chest is still hurting", "is he turning blue", "my cough is getting worse"):
        assert not frame(normalise(message)).only_asks, message
    assert detector.detect("what pills is she going home with?") is None


@pytest.mark.parametrize("message", [
    "is it normal that her lips are blue and she is not making sense?",
    "should we be worried that the baby has gone floppy and won't feed?",
    "why won't he wake up?",
    "is it bad that i can't feel my legs?",
    "is it normal that his lips are blue and he can't get his breath?",
])
def test_an_emergency_asked_as_a_question_is_still_flagged(detector, message):
    assert detector.detect(message) is not None


# ---------------------------------------------------------------- an emergency beside an ordinary question

@pytest.mark.parametrize("message", [
    "I have crushing chest pain, which pills do I take?",
    "my dad collapsed and is not waking up, what is his metformin dose",
])
def test_an_emergency_told_beside_a_routine_question_is_still_flagged(detector, message):
    assert detector.detect(message) is not None


@pytest.mark.parametrize("message", [
    "what should I do if I get chest pain, and when do I take my pills?",
    "I had chest pain last week, which pills do I take now?",
])
def test_a_routine_question_about_a_past_or_possible_symptom_is_not(detector, message):
    assert detector.detect(message) is None


def test_the_mixed_messages_of_a_new_writer_are_mostly_flagged(detector, test_part):
    mixed = [e for e in test_part if e.family.startswith("e-") and e.emergency and not e.self_harm]   # writer_e.jsonl
    assert len(mixed) >= 20
    assert sum(detector.detect(e.text) is not None for e in mixed) / len(mixed) >= 0.8


# ---------------------------------------------------------------- self-harm always wins

@pytest.mark.parametrize("message", [
    "I want to kill myself",
    "im suicidal",
    "I've been cutting myself again",
    "What should I do if I want to kill myself?",
    "I took all my pills because I want to die",
    "my son said he wants to kill himself",
    "I've been stockpiling my oxycodone since I got home",
    "she swallowed a whole packet of paracetamol on purpose",
    "I DON\u2019T WANT TO LIVE ANYMORE",
    "I self harm every night and have scars everywhere, I want to die",
])
def test_self_harm_said_plainly_always_gets_the_crisis_line(detector, message):
    found = detector.detect(message)
    assert found is not None and found.self_harm


@pytest.mark.parametrize("message", [
    "Does the report mention suicidal thoughts?",
    "It says denies suicidal ideation, what does that mean?",
    "I'm not suicidal, I just want to know about my meds",
    "what does my summary say about my suicide risk?",
    "I tried to kill myself years ago, is that in my notes?",
    "what signs should I look for that my son might be thinking of hurting himself?",
    "what does my discharge letter say about self-harm?",
    "I have old self-harm scars on my wrist, can the nurse take blood from the other arm?",
    "will the scars from her past self harm fade if she uses bio-oil?",
])
def test_self_harm_as_a_topic_of_the_record_or_past_is_not_a_crisis(detector, message):
    found = detector.detect(message)
    assert found is None or not found.self_harm


@pytest.mark.parametrize("message", [
    "Should Dad keep taking all his usual tablets while he has the cold?",
    "do I still take all my regular medicines on the day of the scan",
    "can she continue taking all her morning pills with the new antibiotic?",
])
def test_taking_all_the_usual_medicines_is_no_overdose(detector, message):
    """Taking every medicine as prescribed is the most ordinary question there is; the crisis line would scare."""
    found = detector.detect(message)
    assert found is None or not found.self_harm


@pytest.mark.parametrize("message", ["I'm going to take all my heart tablets tonight",
                                     "he took the whole box of his sleeping pills"])
def test_taking_all_of_one_medicine_at_once_still_gets_the_crisis_line(detector, message):
    found = detector.detect(message)
    assert found is not None and found.self_harm


def test_a_dont_of_seeing_or_wishing_says_self_harm_while_a_dont_of_having_denies_it(detector):
    """"I don't see a reason to ..." is what someone in crisis says; "I don't feel ..." is a denial."""
    wish = detector.detect("I don't see any reason to keep living")
    assert wish is not None and wish.self_harm
    denial = detector.detect("I don't feel suicidal, just tired after the operation")
    assert denial is None or not denial.self_harm


def test_letters_written_to_the_family_are_a_farewell_not_the_record(detector):
    """Notes and letters are the record only when they are read from ("what does my letter say")."""
    found = detector.detect("I've written letters to my family and given the dog away. Can you tell me which of "
                            "my pills are strongest?")
    assert found is not None and found.self_harm


@pytest.mark.parametrize("message", ["", "   ", "?", "12345", None, 42])
def test_empty_or_odd_input_is_not_an_emergency(detector, message):
    assert detector.detect(message) is None


def test_misspelt_symptoms_are_read_as_meant(detector):
    assert detector.spelling.fix("crushing chest presure") == "crushing chest pressure"
    assert detector.spelling.fix("my breath smells") == "my breath smells"   # a real word is left alone


# ---------------------------------------------------------------- the parts

def test_now_that_im_home_and_helping_someone_are_no_urgency(detector):
    """"Now that he is home" is when, "help her in and out" is care: neither sharpens what is said, as "right now"
    and "please help" do; every question after discharge may say them."""
    for message in ("what can he eat now that he is home", "can I have wine now im home", "is that it for now",
                    "does someone need to help her in and out of the bath"):
        assert not frame(normalise(message)).severe, message
    for message in ("he is bleeding right now", "please help my dad cant breathe", "help!"):
        assert frame(normalise(message)).severe, message
    for question in ("what can he eat now that he is home", "who do I see first now that I'm out of hospital"):
        assert detector.detect(question) is None, question


def test_framing_keeps_past_hypothetical_and_present_apart():
    past = frame(normalise("I had chest pain last week but it's gone"))
    assert past.clauses[0].past
    hypothetical = frame(normalise("What should I do if I get chest pain?"))
    assert hypothetical.any_hypothetical
    now = frame(normalise("I have chest pain what do I do"))
    assert [c.text for c in now.clauses] == ["i have chest pain", "what do i do"]
    assert not now.clauses[0].framed and now.present
    assert frame(normalise("I had chest pain last week and now it's back")).still_going


@pytest.mark.parametrize(("text", "reading"), [
    ("temp 39.2 and shivering", "temperature"), ("fever of 102 F", "temperature"), ("sats 84%", "oxygen"),
    ("HR 35", "pulse"), ("GCS 8", "consciousness"), ("BM 1.8", "blood sugar"), ("sugar is 520", "blood sugar"),
    ("BP 70/40", "blood pressure"), ("RR 32", "breathing rate"),
])
def test_dangerous_readings_are_recognised_by_their_form(text, reading):
    assert reading in dangerous_readings(text)


@pytest.mark.parametrize("text", ["temp 37.2", "sats 97%", "HR 72", "BP 120/80", "sugar 6.4", "take 2 tablets",
                                  "follow up in 14 days", "metoprolol 25 mg"])
def test_ordinary_readings_and_doses_are_not_dangerous(text):
    assert dangerous_readings(text) == []


def test_calibration_matches_the_bank_and_the_features():
    data = json.loads(CALIBRATION_PATH.read_text())
    bank = Bank.load(BANK_PATH)
    assert set(data["signs"]["names"]) == set(bank.signs) and len(set(bank.signs)) >= 20
    assert set(data["stack"]["weights"]) == set(STACK_FEATURES)
    assert 0 < data["threshold"] < 1
    assert data["stack"]["weights"]["hypothetical"] < 0 < data["stack"]["weights"]["tuned"]
    assert (CALIBRATION_PATH.parent / data["neighbours"]).is_file()


def test_the_layers_before_tuning_give_the_packaged_embedding():
    """The tuned copies read the packaged model's fourth layer with the same mask and pooling as the model itself:
    untuned, they give the very vectors the index and the neighbours use."""
    embedder = packaged_embedder()
    texts = ["my chest is crushing", "which pills do I keep taking after the operation on my knee?"]
    hidden, mask = hidden_before_tuned(embedder, texts)
    with torch.inference_mode():
        pooled = pooled_output(new_tuned_layers(base_model(embedder))["layers"], hidden, mask).numpy()
    assert np.allclose(pooled, embedder.embed(texts), atol=1e-4)


def test_one_pass_gives_the_packaged_embedding_and_the_tuned_scores_in_the_order_asked():
    """The detector reads each text once for both its vector (the neighbours, the bank) and its tuned scores, in
    batches sorted by length and through a traced graph: neither may mix up rows or drift from the model."""
    embedder = packaged_embedder()
    reader = TunedReader.load(embedder)
    texts = [("my chest hurts " * n).strip() for n in (9, 1, 5, 2, 12, 3, 7, 1, 4, 6)] + ["can i drive?"]
    vectors, scores = reader(texts)
    hidden, mask = hidden_before_tuned(embedder, texts)
    with torch.inference_mode():
        tuned_alone = run_tuned(reader.tuned, hidden, mask).numpy()
    assert reader.graph is not None   # traced: the slower eager pass is only a fallback
    assert np.allclose(vectors, embedder.embed(texts), atol=1e-4)
    assert np.allclose(scores, tuned_alone, atol=1e-3)
    assert [a.shape for a in reader([])] == [(0, 384), (0, 2)]


def test_the_tuned_layers_tell_an_emergency_from_a_question_about_the_same_sign(detector):
    _, (emergency, question, self_harm) = detector.read_texts([
        "my chest is crushing and my left arm has gone numb", "does my summary say what caused the chest pain?",
        "i have saved up my tablets to end it tonight"])
    assert emergency[0] > 0 > question[0]
    assert self_harm[1] > 0 > max(emergency[1], question[1])


def test_bank_entries_are_unique_and_every_sign_has_a_source():
    import tomllib
    data = tomllib.loads(BANK_PATH.read_text())
    texts = [t.lower() for entry in data["signs"].values() for t in entry["descriptions"]]
    texts += [t.lower() for t in data["ordinary"]["descriptions"]]
    assert len(texts) == len(set(texts))
    assert all(entry["source"].strip() and len(entry["descriptions"]) >= 15 for entry in data["signs"].values())


# ---------------------------------------------------------------- the notice and its numbers

def test_notice_gives_the_configured_number_first_and_no_crisis_line_without_self_harm():
    notice = emergency_notice(False, "999", "116 123")
    assert "Call 999" in notice.splitlines()[0]
    assert "911" not in notice and "116 123" not in notice


def test_notice_for_self_harm_adds_the_configured_crisis_line():
    notice = emergency_notice(True, "911", "988")
    assert "988" in notice and "Suicide & Crisis Lifeline" in notice
    other = emergency_notice(True, "112", "116 123")
    assert "116 123" in other and "988" not in other and "911" not in other


def test_notice_adds_the_number_the_summary_gives():
    summary = "If you get chest pain call 999 straight away. Samaritans: 116 123, any time."
    stated = stated_numbers(summary)
    assert stated.emergency == ("999",) and stated.crisis == ("116 123",)
    notice = emergency_notice(True, "911", "988", stated)
    assert "Call 911" in notice.splitlines()[0]
    assert "Your summary says to call 999" in notice and "116 123" in notice


def test_the_configured_number_said_again_by_the_summary_is_not_repeated():
    notice = emergency_notice(False, "911", "988", stated_numbers("Call 911 for chest pain."))
    assert "Your summary says" not in notice


@pytest.mark.parametrize("text", ["Take 112 mg daily", "Room 999", "Follow up in 000 days", "dial 0800 111 222"])
def test_numbers_that_are_not_emergency_instructions_are_not_stated_numbers(text):
    assert stated_numbers(text).emergency == ()


@pytest.mark.parametrize("message, sign", [
    ("I'm not suicidal but I've just swallowed 30 of my paracetamol", "overdose_poisoning"),
    ("no thoughts of harming myself but my chest is crushing and I'm sweating", "chest_pain"),
])
def test_a_denial_of_self_harm_hides_no_emergency_told_beside_it(detector, message, sign):
    """The probes read the message less its denial of self-harm; what is told beside the denial still counts."""
    found = detector.detect(message)
    assert found is not None and found.kind == sign


def test_only_a_denial_of_self_harm_is_left_out_of_what_the_probes_read():
    assert without_denied_self_harm("im not suicidal, i just want to know about my meds") == \
        "i just want to know about my meds"
    for not_a_denial_of_self_harm in ("hes not breathing, his lips are blue", "i dont want to go on anymore",
                                      "i want to kill myself"):
        assert without_denied_self_harm(not_a_denial_of_self_harm) == not_a_denial_of_self_harm


def test_a_clause_that_rules_out_something_else_leaves_self_harm_told_beside_it(detector):
    """"He's not answering" denies nothing about the pills; "years ago" does date the cutting."""
    told_beside = detector.read("my brother sent a goodbye text and took all his tablets, he's not answering")
    assert told_beside.self_harm_counts[0]
    dated = detector.read("I cut myself years ago, now I want to know which cream to put on my new wound")
    assert not dated.self_harm_counts[0]


def test_neighbours_say_how_much_nearer_self_harm_and_emergencies_are_than_the_rest(tmp_path):
    axes = np.eye(4, dtype=np.float32)
    # three self-harm messages on axis 0, three other emergencies on axis 2, three ordinary ones on axis 1
    neighbours = Neighbours(vectors=axes[[0, 0, 0, 2, 2, 2, 1, 1, 1]],
                            emergency=np.array([True] * 6 + [False] * 3),
                            self_harm=np.array([True] * 3 + [False] * 6), self_harm_weight=2.0)
    rows = np.array([axes[0], axes[1], (axes[0] + axes[1]) / np.sqrt(2)])
    assert neighbours.margins(rows)[1] == pytest.approx([1.0, -1.0, 0.0], abs=1e-6)
    assert neighbours.margins(axes[[1]])[0] == pytest.approx(-1.0)
    # a sentence (a later row) may bring the message nearer an emergency than the whole came to an ordinary one
    assert neighbours.margins(axes[[3, 2]])[0] == pytest.approx(1.0)
    neighbours.save(tmp_path / "n.npz")
    loaded = Neighbours.load(tmp_path / "n.npz")
    assert loaded.self_harm_weight == 2.0 and loaded.self_harm.tolist() == neighbours.self_harm.tolist()
    assert loaded.margins(axes[:1])[1] == pytest.approx([1.0], abs=1e-3)


def test_a_sentence_reads_as_self_harm_only_in_a_message_that_reaches_the_floor():
    """Row 0 is the whole message, the rest its sentences: "when is his review? i need to tell the van people"
    must not get the crisis line for its fragment alone, "what time is it? i want to die" must."""
    counts = (True, True, True)
    assert counted_self_harm(np.array([-5.0, -6.0, 2.5]), counts, sentence_floor=-4.0) == -5.0
    assert counted_self_harm(np.array([-3.0, -6.0, 2.5]), counts, sentence_floor=-4.0) == 2.5
    assert counted_self_harm(np.array([-3.0, -6.0, 2.5]), (True, True, False), sentence_floor=-4.0) == -3.0
    assert counted_self_harm(np.array([-5.0]), (False,), sentence_floor=-4.0) == -np.inf


def test_the_sentence_floor_keeps_every_self_harm_message_only_a_sentence_finds():
    from training.fit_emergency import _sentence_floor
    rows = [np.array([-3.0, 2.0]), np.array([-1.0, 2.5]), np.array([-6.0, 3.0]), np.array([2.0, -1.0])]
    read = np.array([2.0, 2.5, 3.0, 2.0])
    is_self_harm = np.array([True, True, False, True])
    floor = _sentence_floor(rows, read, is_self_harm, threshold=1.5)
    assert -3.0 - 1e-3 < floor <= -3.0   # the lowest whole-message score of the first two; the ordinary third
    assert counted_self_harm(rows[2], (True, True), floor) < 1.5   # message is no longer flagged by its sentence
