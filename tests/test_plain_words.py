"""Plain words next to the quote, never instead of it: the glossary, plain readings, "what does BD mean?",
the daily timetable and the readability of the app's own sentences."""
from __future__ import annotations

from pathlib import Path

import pytest

from discharge_plan import Medication
from document_processor import load_document
from mediassist.llm.figures import figures
from mediassist.plain.define import asked_term
from mediassist.plain.glossary import AS_NEEDED, KINDS, SLOTS, glossary
from mediassist.plain.reading import plain_reading, terms_in
from mediassist.plain.schedule import daily_schedule
from tests.conftest import ask, upload
from tests.test_api import SUMMARY
from training.readability import TARGET_GRADE, app_messages, glossary_grade, grade

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


# ------------------------------------------------------------------ the glossary

def test_the_glossary_is_large_and_every_entry_names_its_source():
    entries = glossary().entries
    assert len(entries) >= 200
    for entry in entries:
        assert entry.kind in KINDS and entry.plain.strip() and entry.source.strip(), entry.term
        if entry.kind == "frequency":
            assert entry.slots == AS_NEEDED or set(entry.slots) <= set(SLOTS), entry.term


def test_every_form_of_every_entry_round_trips():
    """Each way a term is written is found in a sentence as itself and leads back to its own entry."""
    terms = glossary()
    for entry in terms.entries:
        for form in entry.forms:
            found = terms.find(f"Take this {form} today")
            assert [(hit.text, hit.entry.term) for hit in found if hit.text == form] == [(form, entry.term)], form
            assert terms.lookup(form) == entry


def test_no_two_entries_share_a_written_form():
    seen = {}
    for entry in glossary().entries:
        for form in entry.forms:
            key = form if entry.case_sensitive else form.lower()
            assert key not in seen, f"{form!r} is in {seen.get(key)} and {entry.term}"
            seen[key] = entry.term


def test_short_capitals_only_match_as_capitals():
    terms = glossary()
    assert not [hit for hit in terms.find("the pt went od the road") if hit.entry.case_sensitive]


def test_a_roman_numeral_is_not_a_route():
    assert [hit.text for hit in glossary().find("CKD stage IV; gentamicin IV")] == ["CKD", "IV"]
    assert glossary().find("CKD stage IV; gentamicin IV")[1].start > 15


# ------------------------------------------------------------------ plain readings

@pytest.mark.parametrize("line, expected", [
    ("Amoxicillin-Clavulanate 625mg PO BD x 5 days", ["625 mg", "by mouth", "twice a day", "for 5 days"]),
    ("Salbutamol 100mcg inhaler PRN", ["100", "when needed"]),
    ("Tab. Metformin 500 mg 1-0-1 after food", ["500 mg", "morning", "night"]),
    ("Paracetamol 1 g QDS", ["1 gram four times a day"]),
    ("Ancef 2 g IV every 8 hours", ["2 grams into a vein"]),
    ("placed on vancomycin 1 g q.12h after surgery", ["1 gram every 12 hours"]),   # US transcription style
    ("Salbutamol 1 puff BD, then 2 puffs PRN", ["1 puff from an inhaler", "2 puffs from an inhaler"]),
    ("Repeat HbA1c at 3 months", ["HbA1c (", "3 months"]),
    ("Patient had dyspnea on exertion", ["dyspnea (", "breath"]),
    ("Ibuprofen 400 mg every 6 hours PRN pain", ["only when needed for pain"]),   # what it is needed for
    ("Morphine 5 mg PRN q4h", ["only when needed every 4 hours"]),                # not "needed for every"
    ("Intubated in ED, extubated day 3", ["breathing tube", "day 3"]),            # procedures and care words
    ("Dermatology review in 3 months", ["skin doctor", "3 months"]),              # whom the patient is sent to
])
def test_a_line_reads_in_plain_words_with_the_line_kept_whole(line, expected):
    reading = plain_reading(line)
    assert reading is not None
    for part in expected:
        assert part.lower() in reading.lower(), (part, reading)


def test_a_line_without_shorthand_has_no_reading():
    assert plain_reading("Drink plenty of water and rest at home.") is None


def test_a_reading_never_loses_or_changes_a_figure():
    lines = ["Azithromycin 250 mg PO OD x 3 days", "Insulin glargine 14 units SQ QHS", "Furosemide 40mg IV BD",
             "Prednisolone 40 mg OD for 5/7 then stop", "Salbutamol 2 puffs q4-6h PRN"]
    for line in lines:
        reading = plain_reading(line)
        assert reading is None or figures(line) <= figures(reading), (line, reading)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus")
def test_readings_of_every_corpus_line_keep_every_figure():
    checked = 0
    for path in sorted((CORPUS / "text").glob("*.txt")):
        for line in load_document(path.read_bytes(), path.name).text.splitlines():
            reading = plain_reading(line)
            if reading:
                checked += 1
                assert figures(line) <= figures(reading), (path.name, line, reading)
    assert checked > 100


def test_the_answer_quotes_the_line_as_written_and_its_reading_under_it(client):
    text = SUMMARY.replace("1. Azithromycin 250 mg by mouth once daily for 3 more days.",
                           "1. Amoxicillin-Clavulanate 625mg PO BD x 5 days")
    upload(client, "uk.txt", text.encode())
    body = ask(client, "How long do I take the amoxicillin?").get_json()
    lines = body["answer"].splitlines()
    quoted = lines.index("- Amoxicillin-Clavulanate 625mg PO BD x 5 days")
    assert lines[quoted + 1].startswith("  In plain words: ") and "twice a day" in lines[quoted + 1]
    assert {"text": "BD", "term": "BD"}.items() <= next(t for t in body["terms"] if t["text"] == "BD").items()


def test_the_plan_gives_each_medicine_a_plain_string(client):
    text = SUMMARY.replace("1. Azithromycin 250 mg by mouth once daily for 3 more days.",
                           "1. Amoxicillin-Clavulanate 625mg PO BD x 5 days")
    doc = upload(client, "uk.txt", text.encode()).get_json()
    plan = client.get(f"/api/documents/{doc['id']}/plan").get_json()
    amoxicillin = next(m for m in plan["medications"] if "Amoxicillin" in m["name"])
    assert amoxicillin["text"] == "Amoxicillin-Clavulanate 625mg PO BD x 5 days"   # the line, as written
    assert "twice a day" in amoxicillin["plain"] and "625 mg" in amoxicillin["plain"]
    assert all(isinstance(m["plain"], str) and m["plain"] for m in plan["medications"])
    assert any(t["text"] == "PO" for t in plan["terms"])


# ------------------------------------------------------------------ "what does BD mean?"

@pytest.mark.parametrize("question, term", [
    ("What does BD mean?", "BD"), ("what does 'prn' stand for", "prn"), ("What is dyspnea?", "dyspnea"),
    ("meaning of SOS", "SOS"), ("What's HbA1c", "HbA1c")])
def test_a_meaning_question_names_its_term(question, term):
    asked = asked_term(question)
    assert asked is not None and asked[0] == term


@pytest.mark.parametrize("question", ["What is my HbA1c?", "What does the doctor want me to eat?",
                                      "When do I take the BD tablets?", "What is metformin for?"])
def test_other_questions_are_not_meaning_questions(question):
    assert asked_term(question) is None


def test_what_does_bd_mean_answers_from_the_glossary_and_says_so(client):
    text = SUMMARY.replace("1. Azithromycin 250 mg by mouth once daily for 3 more days.",
                           "1. Amoxicillin-Clavulanate 625mg PO BD x 5 days")
    upload(client, "uk.txt", text.encode())
    body = ask(client, "What does BD mean?").get_json()
    assert body["backend"] == "glossary" and body["found"] is True
    assert "twice a day" in body["answer"] and "not something your summary says" in body["answer"]
    assert "- Amoxicillin-Clavulanate 625mg PO BD x 5 days" in body["answer"]   # where the summary uses it
    assert body["sources"] and "Amoxicillin" in body["sources"][0]["text"]


def test_a_term_the_summary_does_not_use_still_gets_its_general_meaning(client):
    upload(client, "pneumonia.txt", SUMMARY.encode())
    body = ask(client, "What does TDS mean?").get_json()
    assert "three times a day" in body["answer"] and 'does not use "TDS"' in body["answer"]


# ------------------------------------------------------------------ the daily timetable

def med(name, frequency, dose="10 mg", status=None, as_written=False):
    return Medication(name=name, dose=dose, route=None, frequency=frequency, duration=None, status=status,
                      text=f"{name} {dose} {frequency}", section="Medications", page=1, as_written=as_written)


def test_the_timetable_places_each_medicine_at_its_times():
    schedule = daily_schedule([med("Metformin", "1-0-1"), med("Amlodipine", "mane"), med("Atorvastatin", "nocte"),
                               med("Paracetamol", "QDS"), med("Salbutamol", "PRN"), med("Amoxicillin", "TDS")])
    names = {slot: [item["name"] for item in items] for slot, items in schedule.items()}
    assert names["morning"] == ["Metformin", "Amlodipine", "Paracetamol", "Amoxicillin"]
    assert names["midday"] == ["Paracetamol", "Amoxicillin"]
    assert "Metformin" in names["evening"] and "Amoxicillin" in names["evening"]
    assert names["bedtime"] == ["Atorvastatin", "Paracetamol"]
    assert names["as_needed"] == ["Salbutamol"] and names["unclear"] == []
    assert schedule["morning"][0] == {"name": "Metformin", "dose": "10 mg", "how_often": "1-0-1"}


def test_a_frequency_without_its_times_is_unclear_never_guessed():
    schedule = daily_schedule([med("Aspirin", "once daily"), med("Ciprofloxacin", "every 12 hours"),
                               med("Warfarin", None), med("Morphine", "BD PRN")])
    assert [item["name"] for item in schedule["unclear"]] == ["Aspirin", "Ciprofloxacin", "Warfarin"]
    assert [item["name"] for item in schedule["as_needed"]] == ["Morphine"]
    assert not any(schedule[slot] for slot in SLOTS)


def test_stopped_and_held_medicines_are_not_in_the_timetable():
    schedule = daily_schedule([med("Ibuprofen", "TDS", status="stopped"), med("Lisinopril", "OD", status="held")])
    assert not any(items for items in schedule.values())


def test_the_plan_returns_the_timetable_with_a_note_to_check_it(client):
    doc = upload(client, "pneumonia.txt", SUMMARY.encode()).get_json()
    schedule = client.get(f"/api/documents/{doc['id']}/plan").get_json()["schedule"]
    assert set(schedule) == {*SLOTS, AS_NEEDED, "unclear", "note"} and "pharmacist" in schedule["note"]
    assert {item["name"] for item in schedule[AS_NEEDED]} >= {"Albuterol inhaler", "Acetaminophen"}
    assert "Azithromycin" in [item["name"] for item in schedule["unclear"]]   # "once daily": no time given


# ------------------------------------------------------------------ readability

def test_the_apps_own_messages_read_at_or_below_grade_8():
    grades = {name: grade(text) for name, text in app_messages().items()}
    assert max(grades.values()) <= TARGET_GRADE, grades


def test_the_glossary_meanings_read_at_or_below_grade_8():
    assert glossary_grade() <= TARGET_GRADE


def test_terms_in_names_each_term_once():
    terms = terms_in("Take PO BD. Then PO again.")
    assert [t["text"] for t in terms] == ["PO", "BD"]
