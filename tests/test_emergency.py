"""emergency.py: emergencies happening now are spotted; questions about the summary, the past or "what if" are not."""
from __future__ import annotations

import pytest

from emergency import KINDS, Emergency, detect_emergency, emergency_notice

# (question, expected kind, expected self_harm)
MUST_TRIGGER = [
    # chest pain
    ("I have crushing chest pain", "chest_pain", False),
    ("my chest hurts and my left arm is numb", "chest_pain", False),
    ("chest pain right now should i worry", "chest_pain", False),
    ("My husband has chest pressure and he is sweating", "chest_pain", False),
    ("im having chest pain", "chest_pain", False),
    ("tightness in my chest that won't go away", "chest_pain", False),
    ("my chest feels really tight", "chest_pain", False),
    ("I think I'm having a heart attack", "chest_pain", False),
    ("feels like an elephant is sitting on my chest", "chest_pain", False),
    ("chest pain spreading to my jaw", "chest_pain", False),
    ("Why does my chest hurt so much?", "chest_pain", False),
    # breathing
    ("I can't breathe", "breathing", False),
    ("I can't breathe what do I do", "breathing", False),
    ("my husband is struggling to breathe", "breathing", False),
    ("can't catch my breath and lips are blue", "breathing", False),
    ("i cant breath", "breathing", False),
    ("she's gasping for air", "breathing", False),
    ("Having a hard time breathing right now", "breathing", False),
    ("im so short of breath i can barely talk", "breathing", False),
    ("my dad's lips are turning blue", "breathing", False),
    ("why cant i breathe", "breathing", False),
    # stroke
    ("my face is drooping", "stroke", False),
    ("sudden weakness on one side", "stroke", False),
    ("slurred speech and can't move my arm", "stroke", False),
    ("My mom's speech is slurred and her face looks droopy", "stroke", False),
    ("I think my wife is having a stroke", "stroke", False),
    ("worst headache of my life", "stroke", False),
    ("I suddenly can't see out of my left eye", "stroke", False),
    # bleeding
    ("bleeding won't stop", "bleeding", False),
    ("soaking through pads every hour", "bleeding", False),
    ("blood gushing from my incision", "bleeding", False),
    ("My incision is bleeding a lot", "bleeding", False),
    ("my nose has been bleeding for an hour and it wont stop", "bleeding", False),
    ("I can't stop the bleeding from my leg", "bleeding", False),
    # fainting / unresponsive
    ("I fainted", "fainting", False),
    ("my dad just collapsed in the kitchen", "fainting", False),
    ("I feel like I'm going to pass out", "fainting", False),
    ("she passed out and won't wake up", "unresponsive", False),
    ("unresponsive", "unresponsive", False),
    ("he is unconcious and not breathing", "unresponsive", False),
    ("I can't wake my husband up", "unresponsive", False),
    # vomiting or coughing blood
    ("I'm throwing up blood", "blood_vomit_or_cough", False),
    ("coughing up blood", "blood_vomit_or_cough", False),
    ("my vomit looks like coffee grounds", "blood_vomit_or_cough", False),
    ("he keeps vomitting blood", "blood_vomit_or_cough", False),
    # black stools with dizziness
    ("black stools and I feel dizzy", "black_stool_dizzy", False),
    ("my poop is black and tarry and im lightheaded", "black_stool_dizzy", False),
    # severe allergic reaction
    ("my throat is closing", "anaphylaxis", False),
    ("lips and tongue swelling after the new pill", "anaphylaxis", False),
    ("hives and can't breathe", "anaphylaxis", False),
    ("My tongue is swollen and I can hardly swallow", "anaphylaxis", False),
    ("I think I'm having a severe allergic reaction to the antibiotic", "anaphylaxis", False),
    # seizure
    ("he is having a seizure", "seizure", False),
    ("she's seizing", "seizure", False),
    ("my son is having a siezure right now", "seizure", False),
    ("my wife is convulsing", "seizure", False),
    # overdose
    ("I took too many pills", "overdose", False),
    ("my son swallowed a bottle of my oxycodone", "overdose", False),
    ("i accidentally took double my warfarin and feel faint", "overdose", False),
    ("I think I overdosed on my pain meds", "overdose", False),
    ("my toddler got into my pills", "overdose", False),
    ("I took 20 tylenol", "overdose", False),
    # suicide / self-harm
    ("I want to kill myself", "self_harm", True),
    ("I don't want to live anymore", "self_harm", True),
    ("thinking of ending it", "self_harm", True),
    ("I want to hurt myself", "self_harm", True),
    ("i have thoughts of suicide", "self_harm", True),
    ("im suicidal", "self_harm", True),
    ("I just want to die", "self_harm", True),
    ("my son said he wants to kill himself", "self_harm", True),
    ("I've been cutting myself again", "self_harm", True),
    ("everyone would be better off without me", "self_harm", True),
    ("What should I do if I want to kill myself?", "self_harm", True),   # crisis line even in "what if"
    ("I took all my pills because I want to die", "overdose", True),      # physical kind first, crisis line too
    ("Im going to take all my pills tonight", "self_harm", True),
    ("whats the suicide hotline number", "self_harm", True),
    # regressions: uncertainty, "and now", a past that came back, caregiver voice, typos
    ("I'm not sure if I'm having a heart attack, my chest feels heavy", "chest_pain", False),
    ("I was discharged yesterday and I'm having chest pain", "chest_pain", False),
    ("I had chest pain last week and now it's back and worse", "chest_pain", False),
    ("he just had a seizure and is still shaking", "seizure", False),
    ("my son had a seizure and is still not waking up", "unresponsive", False),
    ("my 2 year old swallowed some of my blood pressure pills", "overdose", False),
    ("I took 3 times my dose of oxycodone and I feel very sleepy", "overdose", False),
    ("im dizzy and my poop is black", "black_stool_dizzy", False),
    ("i broke out in hives and my throat feels tight", "anaphylaxis", False),
    ("I'm bleeding through my pad every hour after my c-section", "bleeding", False),
]

MUST_NOT_TRIGGER = [
    "What warning signs should I watch for?",
    "When should I go to the ER?",
    "What should I do if I get chest pain?",
    "Why was I admitted?",
    "Was I treated for a stroke?",
    "What does the summary say about my bleeding risk?",
    "Can I take aspirin with warfarin?",
    "what are the side effects of my blood thinner",
    "I had chest pain last week but it's gone, when is my follow-up?",
    "No chest pain now, can I exercise?",
    "when do I call the doctor about shortness of breath?",
    "what is an overdose of tylenol?",
    "how do I know if I'm having a stroke?",
    "my discharge diagnosis was pulmonary embolism, what does that mean?",
    "Can I drive after fainting in the hospital?",
    "What medicine stops seizures?",
    # Borderline, decided: some blood on a dressing is common after surgery; only heavy bleeding triggers.
    "Is it normal to have some blood in the dressing?",
    "What pills do I take?",
    "I don't have any chest pain, can I go back to work?",
    "My stroke was 3 weeks ago, when can I drive?",
    "What should I do if I can't breathe?",
    "Should I call 911 if my lips turn blue?",
    "Is coughing up blood a side effect of my medicine?",
    "what are the signs of bleeding on warfarin",
    "How much tylenol is too much?",
    "The summary says I was unresponsive on arrival, what happened?",
    "I had a seizure, can I drive?",
    "I used to have seizures as a kid, is that in my report?",
    "What if I faint again?",
    "my chest pain went away after the stent, when do I follow up?",
    "Does the report mention suicidal thoughts?",
    "It says denies suicidal ideation, what does that mean?",
    "I'm not suicidal, I just want to know about my meds",
    "Can stress cause chest tightness?",
    "Black stools and dizziness are listed as warning signs, what else?",
    "What happens if I accidentally take a double dose of metoprolol?",
    "Why did they check me for a heart attack?",
    "How do I know if my incision is bleeding too much?",
    "Was the bleeding from my stomach?",
    "Can I take my pills with food?",
    "what should I do if my wife passes out",
    "I passed out in the hospital, is that in my summary?",
    "Should I worry about swelling in my ankles?",
    "the bleeding stopped, can I shower now?",
    "When can I have sex after my heart attack?",
    "I took my pills this morning, do I take them again tonight?",
    # Borderline, decided: an extra dose alone is for the pharmacist or poison centre, not 911;
    # with symptoms (faint, dizzy, sleepy, bleeding) it triggers.
    "I accidentally took my metoprolol twice today, what should I do?",
    # Borderline, decided: black stools alone (e.g. from iron pills) need a call to the doctor, not 911.
    "my stools are black since I started the iron pills, is that okay?",
    # regressions: words that look like signs but are not
    "I need to take myself to the ER tomorrow for a blood test, what time?",
    "I'm going to die of boredom in this bed, can I walk around?",
    "Can I take too much vitamin D?",
    "I took 10 mg of oxycodone, when is the next dose?",
    "I had a collapsed lung, can I fly?",
    "I have a handful of questions about my meds",
    "I have a stroke follow-up appointment next week",
    "I'm on seizure medicine, can I drink?",
    "I'm worried about having another stroke, what can I do to prevent it?",
    "i cut myself shaving and it bled a little, is that ok on warfarin?",
    "how much bleeding is normal after the D&C and when should I call?",
    "If my breathing gets worse again at home, when should I ring 999 or go to A&E?",
]


@pytest.mark.parametrize(("question", "kind", "self_harm"), MUST_TRIGGER)
def test_emergencies_happening_now_are_detected(question, kind, self_harm):
    assert detect_emergency(question) == Emergency(kind=kind, self_harm=self_harm)


@pytest.mark.parametrize("question", MUST_NOT_TRIGGER)
def test_questions_about_the_summary_past_or_what_if_are_not(question):
    assert detect_emergency(question) is None


def test_lists_are_large_enough_and_cover_every_kind():
    assert len(MUST_TRIGGER) >= 40 and len(MUST_NOT_TRIGGER) >= 35
    assert {kind for _, kind, _ in MUST_TRIGGER} == set(KINDS)


@pytest.mark.parametrize("question", ["", "   ", "?", None])
def test_empty_or_missing_question_is_not_an_emergency(question):
    assert detect_emergency(question) is None


def test_upper_case_and_curly_apostrophes_are_read_like_plain_text():
    assert detect_emergency("I CAN\u2019T BREATHE") == Emergency("breathing", False)


def test_notice_says_the_emergency_number_first_and_no_crisis_line_without_self_harm():
    notice = emergency_notice(Emergency("chest_pain", False))
    first_line = notice.splitlines()[0]
    assert "emergency" in first_line.lower() and "911" in first_line
    assert "988" not in notice and "crisis" not in notice.lower()


def test_notice_for_self_harm_adds_the_crisis_line():
    notice = emergency_notice(Emergency("self_harm", True))
    assert "911" in notice.splitlines()[0]
    assert "988" in notice and "Suicide & Crisis Lifeline" in notice


def test_notice_uses_the_configured_numbers():
    notice = emergency_notice(Emergency("self_harm", True), emergency_number="112", crisis_line="116 123")
    assert "112" in notice and "911" not in notice
    assert "116 123" in notice and "988" not in notice


def test_notice_with_emergency_number_112_never_says_911():
    notice = emergency_notice(Emergency("breathing", False), emergency_number="112")
    assert "112" in notice.splitlines()[0] and "911" not in notice


def test_notice_is_plain_short_text():
    notice = emergency_notice(Emergency("overdose", True))
    assert "<" not in notice and len(notice.splitlines()) == 2 and len(notice) < 500
