"""The listed plan (discharge_plan.listed_plan): medications, follow-up, tests, diet, activity, wound care,
warning signs, as the summary's sections list them (tests/test_plan_medicines.py covers the completed plan).

The fixtures in tests/data and the inline summaries below are synthetic. The corpus test at the end runs
only where ../shared/corpus (real summaries) exists, and checks invariants, not exact output.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from discharge_plan import Appointment, DischargePlan, Medication, PlanItem, listed_plan
from document_processor import Document, Page, load_document, split_sections

DATA = Path(__file__).parent / "data"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"   # ../shared/corpus beside the repo
FIELDS = ("medications", "follow_up", "tests", "diet", "activity", "wound_care", "warning_signs")


def plan_of(text: str) -> DischargePlan:
    return listed_plan(load_document(text.encode("utf-8"), "summary.txt"))


def fixture_plan(name: str) -> DischargePlan:
    return listed_plan(load_document((DATA / name).read_bytes(), name))


def meds_by_name(plan: DischargePlan) -> dict[str, Medication]:
    return {med.name: med for med in plan.medications}


def texts(items) -> list[str]:
    return [item.text for item in items]


# --------------------------------------------------------------------------- heart_failure.txt

@pytest.fixture(scope="module")
def heart() -> DischargePlan:
    return fixture_plan("heart_failure.txt")


def test_every_discharge_medication_with_name_and_dose(heart):
    assert [(m.name, m.dose) for m in heart.medications] == [
        ("Furosemide", "40 mg"),
        ("Sacubitril/valsartan", "24/26 mg"),
        ("Metoprolol succinate", "50 mg"),
        ("Spironolactone", "12.5 mg"),
        ("Potassium chloride", "20 mEq"),
        ("Atorvastatin", "40 mg"),
        ("Metformin", "500 mg"),
        ("Aspirin", "81 mg"),
        ("Lisinopril", "10 mg"),
    ]
    assert all(m.route == "by mouth" for m in heart.medications)
    assert all(m.section == "Discharge Medications" and m.page == 1 for m in heart.medications)


def test_route_frequency_and_source_line(heart):
    meds = meds_by_name(heart)
    assert meds["Furosemide"].frequency == "twice daily"
    assert meds["Atorvastatin"].frequency == "at bedtime"
    assert meds["Metformin"].frequency == "twice daily with meals"
    assert meds["Aspirin"].frequency == "once daily"
    assert meds["Furosemide"].text == \
        "Furosemide 40 mg by mouth twice daily (CHANGED: dose increased from 20 mg once daily)."


def test_new_changed_and_stop_statuses(heart):
    statuses = {m.name: m.status for m in heart.medications}
    assert statuses["Furosemide"] == "changed"
    assert statuses["Sacubitril/valsartan"] == "new"
    assert statuses["Spironolactone"] == "new"
    assert statuses["Lisinopril"] == "stopped"
    # No status where the summary gives none.
    assert statuses["Aspirin"] is None and statuses["Metoprolol succinate"] is None


def test_hospital_course_does_not_leak_into_medications(heart):
    assert [m.name for m in heart.medications].count("Furosemide") == 1
    assert not any("intravenous" in m.text.lower() or m.route == "IV" for m in heart.medications)
    assert not any(m.section == "Hospital Course" for m in heart.medications)


def test_follow_up_who_and_when(heart):
    assert len(heart.follow_up) == 3
    first, second, _ = heart.follow_up
    assert "Dr. Maria Okafor" in first.who and "Cardiology" in first.who
    assert "March 18, 2025" in first.when and "10:30 AM" in first.when
    assert "Dr. Samuel Lee" in second.who
    assert "March 21, 2025" in second.when and "2:15 PM" in second.when
    assert all(isinstance(a, Appointment) and a.section == "Follow-up" for a in heart.follow_up)


def test_lab_test_under_follow_up_is_a_test_and_a_visit_on_its_day(heart):
    lab = "Blood tests for potassium and creatinine at the hospital lab on Wednesday, March 12, 2025."
    assert texts(heart.tests) == [lab]
    visit = heart.follow_up[-1]
    assert visit.text == lab and visit.when == "Wednesday, March 12, 2025"


def test_a_test_follows_up_only_when_it_is_to_be_done_at_a_time():
    plan = plan_of("Follow-up:\n"
                   "- LAB: BMP at the VA clinic in 1 wk\n"
                   "- CT chest in 8 wks to document resolution\n"
                   "- Repeat U&E at the GP practice in 1 week.\n"
                   "- INR monitoring as per anticoagulation service\n"
                   "- Repeat CXR if the cough has not settled\n"
                   "- CT on 3/2 was done and showed no clot\n"
                   "- Chest x-ray before the clinic visit.\n"
                   "- Check your blood sugar 3 times a week and keep a record\n")
    assert texts(plan.follow_up) == ["LAB: BMP at the VA clinic in 1 wk", "CT chest in 8 wks to document resolution",
                                     "Repeat U&E at the GP practice in 1 week."]
    assert [visit.when for visit in plan.follow_up] == ["in 1 wk", "in 8 wks", "in 1 week"]
    assert len(plan.tests) == 8   # and every line is still listed among the tests


def test_warning_signs_are_the_listed_items(heart):
    warnings = texts(heart.warning_signs)
    for item in ("Weight gain of more than 1 kg (2 lb) in one day or 2 kg (5 lb) in one week.",
                 "Shortness of breath at rest, or you cannot lie flat to sleep.",
                 "Chest pain, fainting, or a very fast or irregular heartbeat.",
                 "New or worse swelling of the legs, ankles or belly.",
                 "Dizziness or light-headedness when you stand up."):
        assert item in warnings
    assert all(item.section == "Warning Signs" for item in heart.warning_signs)


def test_diet_and_activity_sentences(heart):
    assert "Follow a 2 g sodium (low salt) diet." in texts(heart.diet)
    assert "Limit all fluids to 1.5 L per day." in texts(heart.diet)
    assert "No driving for 1 week after discharge." in texts(heart.activity)
    assert "No lifting more than 10 lb (4.5 kg) for 2 weeks." in texts(heart.activity)
    assert heart.wound_care == ()


def test_each_item_in_one_category_only_but_a_test_on_its_day_is_a_visit_too(heart):
    seen = [item.text for field in FIELDS[2:] for item in getattr(heart, field)]
    assert len(seen) == len(set(seen))
    assert {visit.text for visit in heart.follow_up} & set(seen) == {
        "Blood tests for potassium and creatinine at the hospital lab on Wednesday, March 12, 2025."}


# --------------------------------------------------------------------------- knee_replacement.txt (markdown)

@pytest.fixture(scope="module")
def knee() -> DischargePlan:
    return fixture_plan("knee_replacement.txt")


def test_markdown_bullets_and_statuses(knee):
    meds = meds_by_name(knee)
    assert list(meds) == ["Apixaban", "Oxycodone", "Acetaminophen", "Celecoxib", "Senna", "Amlodipine",
                          "Ibuprofen"]
    assert meds["Apixaban"].dose == "2.5 mg" and meds["Apixaban"].duration == "for 14 days"
    assert meds["Celecoxib"].duration == "for 2 weeks"
    assert meds["Acetaminophen"].dose == "1,000 mg"
    assert meds["Oxycodone"].frequency.startswith("every 4 to 6 hours as needed")
    assert {name: m.status for name, m in meds.items()} == {
        "Apixaban": "new", "Oxycodone": "new", "Acetaminophen": "new", "Celecoxib": "new", "Senna": "new",
        "Amlodipine": "continued", "Ibuprofen": "stopped"}
    # Quoted without the markdown bullet.
    assert meds["Amlodipine"].text == "Amlodipine 5 mg by mouth once daily (CONTINUED)"


def test_knee_follow_up_wound_care_and_warnings(knee):
    surgeon = knee.follow_up[0]
    assert surgeon.who.startswith("Dr. Elena Marsh")
    assert surgeon.when == "05/27/2025 at 9:45 AM"
    assert "staple removal" in surgeon.purpose
    primary = [a for a in knee.follow_up if a.who and "Primary care" in a.who]
    assert primary and primary[0].when == "in 2 to 4 weeks"
    assert len(knee.wound_care) == 3
    assert "Do not put creams or powders on the incision." in texts(knee.wound_care)
    assert "Temperature above 101.5°F (38.6°C)" in texts(knee.warning_signs)
    assert "No driving for 4 weeks after surgery, and never while taking oxycodone." in texts(knee.activity)
    assert "Resume your regular diet." in texts(knee.diet)
    for item in [*knee.wound_care, *knee.activity, *knee.diet, *knee.warning_signs]:
        assert not item.text.startswith(("*", "-", "#")) and "**" not in item.text


# --------------------------------------------------------------------------- run_together.txt (lost line breaks)

@pytest.fixture(scope="module")
def run_together() -> DischargePlan:
    return fixture_plan("run_together.txt")


def test_run_together_numbered_list_is_split(run_together):
    assert [(m.name, m.dose) for m in run_together.medications] == [
        ("Lisinopril", "10 mg"),
        ("Levaquin", "500 mg"),
        ("Albuterol inhaler", "2 puffs"),
        ("Tiotropium", "18 mcg"),
        ("Acetaminophen", "650 mg"),
        ("Guaifenesin", "600 mg"),
    ]
    meds = meds_by_name(run_together)
    assert meds["Levaquin"].duration == "for 5 days"
    assert meds["Acetaminophen"].route == "p.o."
    assert meds["Tiotropium"].route == "inhaled"
    assert meds["Guaifenesin"].frequency == "b.i.d. as needed for cough"
    assert meds["Lisinopril"].text == "Lisinopril 10 mg daily."


def test_run_together_keeps_hospital_course_drugs_out(run_together):
    names = " ".join(m.name.lower() for m in run_together.medications)
    assert "ceftriaxone" not in names and "azithromycin" not in names


def test_run_together_plan_items(run_together):
    visit, x_ray = run_together.follow_up
    assert visit.who == "Dr. X" and visit.when == "04/13/2024 at 9:00 a.m."
    assert x_ray.when == "in 6 weeks" and x_ray.text in texts(run_together.tests)
    assert texts(run_together.tests) == ["Repeat chest x-ray in 6 weeks to make sure the pneumonia has cleared."]
    assert any("return to the emergency room" in t for t in texts(run_together.warning_signs))
    assert "Regular diet as tolerated." in texts(run_together.diet)
    assert "Drink plenty of fluids." in texts(run_together.diet)
    assert any("not to drive" in t for t in texts(run_together.activity))


# --------------------------------------------------------------------------- inline summaries

RUN_ON_INSTRUCTIONS = """\
HOSPITAL COURSE: She was given cefazolin 2 g IV every 8 hours and did well.
DISCHARGE INSTRUCTIONS: Regular diet, bedrest for 3 days with a slow return to normal activities.
Norco tablets 1 tablet p.o. q.4-6 h. p.r.n. pain, prenatal vitamin 1 tab p.o. daily, docusate sodium 100 mg \
p.o. b.i.d. Keep the incision dry. The patient is to return to see Dr. Quill on Tuesday, 7/14/2031 for a wound \
check. Call the office for fever over 101 or heavy bleeding.
"""


def test_run_on_sentence_of_drugs_becomes_three_medications():
    plan = plan_of(RUN_ON_INSTRUCTIONS)
    assert [(m.name, m.dose, m.route) for m in plan.medications] == [
        ("Norco", "1 tablet", "p.o."), ("prenatal vitamin", "1 tab", "p.o."), ("docusate sodium", "100 mg", "p.o.")]
    norco = plan.medications[0]
    assert norco.frequency == "q.4-6 h. p.r.n. pain"
    assert norco.text == "Norco tablets 1 tablet p.o. q.4-6 h. p.r.n. pain"
    assert all(m.section == "Discharge Instructions" for m in plan.medications)
    assert "cefazolin" not in " ".join(m.name for m in plan.medications)


def test_instruction_sentences_are_sorted_into_categories():
    plan = plan_of(RUN_ON_INSTRUCTIONS)
    assert texts(plan.diet) == ["Regular diet"]
    assert texts(plan.activity) == ["bedrest for 3 days with a slow return to normal activities."]
    assert texts(plan.wound_care) == ["Keep the incision dry."]
    (visit,) = plan.follow_up
    assert visit.who == "Dr. Quill" and visit.when == "Tuesday, 7/14/2031" and visit.purpose == "a wound check"
    assert texts(plan.warning_signs) == ["Call the office for fever over 101 or heavy bleeding."]


def test_a_list_inside_a_sentence_is_not_cut_into_items():
    plan = plan_of("Discharge Instructions:\nAdvised on a low-salt diet, exercise, and weight loss.\n")
    assert texts(plan.diet) == ["Advised on a low-salt diet, exercise, and weight loss."]
    assert plan.activity == ()


def test_comma_separated_drug_names():
    plan = plan_of("Hospital Course:\nUneventful.\n\nDischarge Medications: Zofran, Keppra, and Colace\n")
    assert [(m.name, m.dose) for m in plan.medications] == [("Zofran", None), ("Keppra", None), ("Colace", None)]


def test_comma_separated_run_on_list_with_doses():
    plan = plan_of("DISCHARGE MEDICATIONS: Prednisone 40 mg orally once daily, albuterol 2.5 mg nebulized every "
                   "4 hours, Flovent 110 mcg 2 puffs twice daily, magnesium oxide 400 mg orally once daily.\n")
    assert [(m.name, m.dose) for m in plan.medications] == [
        ("Prednisone", "40 mg"), ("albuterol", "2.5 mg"), ("Flovent", "110 mcg"), ("magnesium oxide", "400 mg")]
    assert plan.medications[1].route == "nebulized"
    assert plan.medications[1].text == "albuterol 2.5 mg nebulized every 4 hours"


STATUS_HEADINGS = """\
Discharge Medications:
New:
* Insulin glargine 12 units SQ at bedtime
* Insulin lispro 1 unit per 10 g carbohydrate with meals
* Glucose meter kit
* Supplies: test strips, lancets
Changed:
* Carvedilol 12.5 mg by mouth twice daily (was 6.25 mg)
Stopped:
* Glipizide 5 mg daily
Continued:
* None
"""


def test_status_headings_and_non_drug_lines():
    plan = plan_of(STATUS_HEADINGS)
    meds = meds_by_name(plan)
    assert meds["Insulin glargine"].status == "new" and meds["Insulin glargine"].dose == "12 units"
    assert meds["Insulin glargine"].route == "SQ" and meds["Insulin glargine"].frequency == "at bedtime"
    assert meds["Insulin lispro"].dose == "1 unit per 10 g carbohydrate"
    assert meds["Insulin lispro"].frequency == "with meals"
    assert meds["Glucose meter kit"].dose is None and meds["Glucose meter kit"].status == "new"
    assert meds["Supplies: test strips, lancets"].dose is None   # kept whole, name only
    assert meds["Carvedilol"].status == "changed"
    assert meds["Glipizide"].status == "stopped"
    assert "None" not in meds
    assert len(plan.medications) == 6


def test_epic_style_start_stop_continue_headings():
    plan = plan_of("Discharge Medications:\nSTOP taking these medications:\n- Naproxen 500 mg twice daily\n"
                   "START taking these medications:\n- Pantoprazole 40 mg by mouth every morning\n"
                   "CONTINUE taking these medications:\n- Levothyroxine 75 mcg by mouth daily\n")
    assert {m.name: m.status for m in plan.medications} == {
        "Naproxen": "stopped", "Pantoprazole": "new", "Levothyroxine": "continued"}


MIMIC_STYLE = """\
Medications on Admission:
1. Lisinopril 10 mg Tablet Sig: One (1) Tablet PO DAILY (Daily).

Discharge Medications:
1. Docusate Sodium 100 mg Capsule Sig: One (1) Capsule PO BID (2 times a day).
2. Oxycodone 5 mg Tablet Sig: 1-2 Tablets PO Q4H (every 4 hours) as needed for pain.
Disp:*30 Tablet(s)* Refills:*0*
3. Aspirin 81 mg Tablet, Chewable Sig: One (1) Tablet, Chewable PO DAILY (Daily).

Discharge Instructions:
Please call your doctor or return to the ER for any of the following:
* New chest pain, pressure or tightness.
* If you are vomiting and cannot keep down fluids.
Do not lift more than 10 pounds for 2 weeks.

Followup Instructions:
Please follow up with your PCP in 1-2 weeks.
"""


def test_mimic_style_sig_lines_are_one_drug_each():
    plan = plan_of(MIMIC_STYLE)
    assert [(m.name, m.dose, m.route) for m in plan.medications] == [
        ("Docusate Sodium", "100 mg", "PO"), ("Oxycodone", "5 mg", "PO"), ("Aspirin", "81 mg", "PO")]
    meds = meds_by_name(plan)
    assert meds["Docusate Sodium"].frequency == "BID (2 times a day)"
    assert meds["Oxycodone"].frequency == "Q4H (every 4 hours) as needed for pain"
    assert meds["Aspirin"].frequency == "DAILY (Daily)"


def test_items_under_a_warning_lead_in_are_warning_signs():
    plan = plan_of(MIMIC_STYLE)
    assert texts(plan.warning_signs) == [
        "Please call your doctor or return to the ER for any of the following:",
        "New chest pain, pressure or tightness.",
        "If you are vomiting and cannot keep down fluids."]
    assert texts(plan.activity) == ["Do not lift more than 10 pounds for 2 weeks."]
    assert plan.diet == ()
    (visit,) = plan.follow_up
    assert (visit.who, visit.when) == ("your PCP", "in 1-2 weeks")


def test_status_words_in_the_line():
    plan = plan_of("Discharge Medications:\n1. Lasix 20 mg daily - HOLD until seen in clinic.\n"
                   "2. Warfarin 5 mg daily: resume tomorrow.\n3. Amlodipine increased to 10 mg daily.\n"
                   "4. Ramipril 5 mg daily. Discontinue.\n5. Metoprolol 25 mg twice daily (continue for 6 months).\n")
    meds = meds_by_name(plan)
    assert meds["Lasix"].status == "stopped"
    assert meds["Warfarin"].status == "continued"
    assert meds["Amlodipine"].status == "changed" and meds["Amlodipine"].dose == "10 mg"
    assert meds["Ramipril"].status == "stopped"
    assert meds["Metoprolol"].status is None and meds["Metoprolol"].duration == "for 6 months"


ADMISSION_AND_COURSE = """\
History of Present Illness:
Mr. Tern takes warfarin 5 mg daily.

Medications:
1. Warfarin 5 mg daily
2. Simvastatin 40 mg at bedtime

Admission Medications:
1. Digoxin 0.125 mg daily

Hospital Course:
He received vancomycin 1 g IV every 12 hours and heparin 5,000 units subcutaneously every 8 hours.

Discharge Medications:
1. Apixaban 5 mg by mouth twice daily (NEW)
2. Simvastatin 40 mg by mouth at bedtime
"""


def test_admission_home_lists_and_hospital_course_never_become_medications():
    plan = plan_of(ADMISSION_AND_COURSE)
    assert [m.name for m in plan.medications] == ["Apixaban", "Simvastatin"]
    assert {m.section for m in plan.medications} == {"Discharge Medications"}


def test_medications_section_after_the_hospital_course_is_the_discharge_list():
    plan = plan_of("History:\nA fall at home.\n\nHospital Course:\nHe recovered well.\n\n"
                   "Medications:\n- Alendronate 70 mg by mouth weekly\n- Vitamin D3 1000 IU daily\n")
    assert [(m.name, m.dose, m.frequency) for m in plan.medications] == [
        ("Alendronate", "70 mg", "weekly"), ("Vitamin D3", "1000 IU", "daily")]


def test_medication_table_rows():
    plan = plan_of("Discharge Medications\nDates | Drug\n"
                   "prescribed | 1 May 2031 | paracetamol — 500 mg — tablets DOSE 1 g — oral — 4 times / day\n")
    (med,) = plan.medications
    assert (med.name, med.dose, med.route, med.frequency) == ("paracetamol", "1 g", "oral", "4 times / day")


def test_follow_up_forms():
    plan = plan_of("Follow-up:\n- Endocrinology clinic in 1 week for insulin titration\n"
                   "- PCP in 3-5 days\n- Dr. Ngata (Urology): June 2, 2031 at 8:15 AM\n"
                   "- Recommend to follow up with Cardiology Dr. Hale's office in a week.\n"
                   "- Potassium level in 1 week\n")
    visits = plan.follow_up
    assert [(a.who, a.when, a.purpose) for a in visits] == [
        ("Endocrinology clinic", "in 1 week", "insulin titration"),
        ("PCP", "in 3-5 days", None),
        ("Dr. Ngata (Urology)", "June 2, 2031 at 8:15 AM", None),
        ("Cardiology Dr. Hale's office", "in a week", None),
        (None, "in 1 week", None),
    ]
    assert texts(plan.tests) == ["Potassium level in 1 week"] == [visits[-1].text]


def test_warning_signs_from_instructions_and_section():
    plan = plan_of("Discharge Instructions:\nWalk daily. Return to the emergency room if you have chest pain.\n\n"
                   "When to call your doctor:\n- Fever over 101\n- Bleeding that does not stop\n")
    assert texts(plan.warning_signs) == ["Return to the emergency room if you have chest pain.", "Fever over 101",
                                         "Bleeding that does not stop"]
    assert texts(plan.activity) == ["Walk daily."]


@pytest.mark.parametrize("summary, sign", [
    ("Plan:\nIbuprofen as needed.\nCome back for any trouble passing urine, fever or new weakness.\n",
     "Come back for any trouble passing urine, fever or new weakness."),
    ("Disposition:\nHome with mother, who knows to bring him back if he stops feeding.\n",
     "Home with mother, who knows to bring him back if he stops feeding."),
    ("Nursing note:\nPatient verbalized understanding to phone the ward for bleeding or fever.\n",
     "Patient verbalized understanding to phone the ward for bleeding or fever."),
    ("Impression: migraine.\nRTED worst headache, stiff neck.\n", "RTED worst headache, stiff neck."),
    ("| Advice | Detail |\n|---|---|\n| When to return | Sudden loss of vision |\n", "When to return"),
    ("Plan:\nd/c home. retrun to ED if vomitting or fevr.\n", "retrun to ED if vomitting or fevr."),
    ("Instructions:\nCome back for bleeding or fainting in the next 2 days.\n",
     "Come back for bleeding or fainting in the next 2 days."),
    ("Advice:\nSyp. Ambrodil 5 ml TDS.\nReview SOS if breathing is fast.\n", "Review SOS if breathing is fast."),
    ("Nursing note:\nWent over the signs of a wound infection to report with his wife.\n",
     "Went over the signs of a wound infection to report with his wife."),
    ("Stoma care\nIf the stoma turns dark purple or black, ring the colorectal nurses the same day.\n",
     "If the stoma turns dark purple or black, ring the colorectal nurses the same day."),
    ("Should the swelling spread to the eyelid, we request an urgent re-presentation to eye casualty.\n",
     "Should the swelling spread to the eyelid, we request an urgent re-presentation to eye casualty."),
    ("Baby checks\n- Floppy or hard to wake - call 999\n- Fewer than 4 wet nappies a day = phone the midwife\n",
     "Floppy or hard to wake - call 999"),
    ("Chemotherapy advice\nA temperature of 37.8 or more must be reported to the chemotherapy hotline at once.\n",
     "A temperature of 37.8 or more must be reported to the chemotherapy hotline at once."),
    ("Presenting complaint: wheeze.\nSalbutamol given.\nMother to bring her back if she cannot finish sentences.\n",
     "Mother to bring her back if she cannot finish sentences."),
    ("Shingles\nSee your GP if the rash spreads near your eye.\n", "See your GP if the rash spreads near your eye."),
    ("Chemo card\nVomiting more than 3 times a day → call the hotline\n",
     "Vomiting more than 3 times a day → call the hotline"),
    ("Escalation\n| Sign | Action |\n| Drowsy or new confusion | Ring the GP the same day |\n",
     "| Drowsy or new confusion | Ring the GP the same day |"),
    ("Advice\nWhen the bleeding soaks a pad in an hour, come to the labour ward straight away.\n",
     "When the bleeding soaks a pad in an hour, come to the labour ward straight away."),
    ("Discharge advice\nReturn to casualty immediately for: severe headache, neck stiffness, rash.\n",
     "Return to casualty immediately for: severe headache, neck stiffness, rash."),
    ("Asthma\nIf she cannot talk in sentences or her lips look blue, dial 999.\n",
     "If she cannot talk in sentences or her lips look blue, dial 999."),
    ("After the biopsy\nBleeding that soaks the dressing or a fever: go to the ER and say you had a biopsy.\n",
     "Bleeding that soaks the dressing or a fever: go to the ER and say you had a biopsy."),
    ("Haemoptysis plan\nA cupful of fresh blood → 999.\n", "A cupful of fresh blood → 999."),
    ("Day case\nAny bleeding through the dressing or fever tonight, phone the day unit.\n",
     "Any bleeding through the dressing or fever tonight, phone the day unit."),
    ("Stent advice\nCall the urology nurses, or out of hours attend the ED, for: fever, no urine, clots.\n",
     "Call the urology nurses, or out of hours attend the ED, for: fever, no urine, clots."),
])
def test_advice_to_seek_care_is_a_warning_sign_under_any_heading(summary, sign):
    assert any(sign in item.text for item in plan_of(summary).warning_signs)


def test_the_signs_listed_under_a_lead_in_to_seek_care_are_warning_signs_under_any_heading():
    plan = plan_of("After your stay\nCome straight back to the ward if you have:\n- a temperature over 38\n"
                   "- bleeding from the wound\nEat a balanced diet.\n")
    assert texts(plan.warning_signs) == ["Come straight back to the ward if you have:", "a temperature over 38",
                                         "bleeding from the wound"]


@pytest.mark.parametrize("summary", [
    "Follow-up:\nReturn to the ward on Monday at 9:00 for removal of the drain.\n",
    "History of Present Illness:\nShe was told to return if the fever came back, and it did.\n",
    "Plan:\nTake paracetamol if in pain. Call the clinic to book a review in 2 weeks.\n",
    "Hospital Course:\nShe was placed on contact precautions for MRSA or VRE.\n",
    "Hospital Course:\nA cardiology consult for palpitations or syncope was obtained.\n",
    "Activity:\nMay return to work for half days or as tolerated.\n",
    "Follow-up:\nReturn to fracture clinic in 1 week for cast check or removal.\n",
    "Instructions:\nGo to the pharmacy for your tablets, which should be ready tomorrow.\n",
    "Instructions:\nThe GP will contact you if your blood results are abnormal.\n",
    "Findings:\nCallus forming at the fracture site.\n",
    "GP actions:\nPlease review her renal function and stop ramipril if the creatinine rises.\n",
    "Plan:\nIf her blood pressure settles, see the GP in 2 weeks to reduce the amlodipine.\n",
    "History of Present Illness:\nHe had been told to ring the ward if the wound leaked, which he did on Sunday.\n",
    "Medications:\nTab. Dolo 650 - take 1 tablet SOS for fever\n",
    "Letter\nPlease call the fracture clinic if you have any questions about your cast.\n",
    "Letter\nPlease ring the secretary if the appointment has not arrived within 3 weeks.\n",
    "Opinion\nRed flags (weight loss, night sweats) were absent on review.\n",
    "Medicines\nPlease call the pharmacy if your prescription is not ready by Friday.\n",
    "Letter\nShe knows to contact the team if she has concerns about her medication.\n",
])
def test_a_planned_visit_a_history_or_a_pill_if_needed_is_no_warning_sign(summary):
    assert plan_of(summary).warning_signs == ()


def test_a_signature_under_the_follow_up_is_no_appointment():
    plan = plan_of("FOLLOW-UP:\n- Neurology clinic in 4 weeks\n- Dr. B. Okafor, MD\n"
                   "Electronically signed by C. Lin, RN\n")
    assert texts(plan.follow_up) == ["Neurology clinic in 4 weeks"]


@pytest.mark.parametrize("signature", ["Anika Brandt, NP 04/03/2026 15:05", "/es/ ANIKA BRANDT, NP",
                                       "Cosigned: 04/03/2026 17:41"])
def test_a_signature_with_the_time_it_was_signed_is_no_appointment(signature):
    plan = plan_of(f"FOLLOW-UP:\nGP in 1 week to recheck the potassium.\n\n{signature}\n")
    assert texts(plan.follow_up) == ["GP in 1 week to recheck the potassium."]


@pytest.mark.parametrize("signature", ["Discharging Nurse: J. Kowalski, RN 03/14/2025 10:20",
                                       "Physician: Electronically signed by Helen Osei, MD on 03/13/2025 17:02",
                                       "Cosigned by Rebecca Lindqvist, MD on 6/8/2024 2:03 PM",
                                       "Dr Priya Natarajan, RMO (for Dr S Raman, VMO) 09/06/2025 15:42"])
def test_a_signature_led_by_the_signer_s_role_is_no_appointment(signature):
    plan = plan_of(f"FOLLOW-UP:\nGP in 1 week to recheck the potassium.\n{signature}\n")
    assert texts(plan.follow_up) == ["GP in 1 week to recheck the potassium."]


def test_the_header_row_of_a_table_of_appointments_is_no_appointment():
    plan = plan_of("FOLLOW UP\n|Clinic|Doctor|Date|Time|\n|---|---|---|---|\n"
                   "|Internal Medicine OPD|Dr. Samer Haddad|18-Mar-2025|10:30 AM|\n")
    assert texts(plan.follow_up) == ["|Internal Medicine OPD|Dr. Samer Haddad|18-Mar-2025|10:30 AM|"]


def test_a_heading_in_capitals_with_a_gloss_in_brackets_opens_its_section():
    plan = plan_of("MEDICATIONS TO CONTINUE\n1. Tab Aspirin 100mg OM\n\nTCU (To Come Up) APPOINTMENTS\n"
                   "* Podiatry Clinic (POD2)   TCU 15/07/2025 (Tue) 02:15 PM - wound review\n"
                   "* Polyclinic - Bedok Ridge   in 1-2 wks for CBG charting review & BP\n")
    assert [m.name for m in plan.medications] == ["Tab Aspirin"]
    assert len(plan.follow_up) == 2


def test_a_label_of_notes_in_capitals_ends_the_follow_up():
    plan = plan_of("PLAN / FOLLOW UP\n1. R/V at CHC in 2/52 (31/03/2025) - adherence, side effects.\n\n"
                   "CLINIC CARD NOTES\nTB Rx start 05/03/25 (new case). ART restart 15/03/25 - TLD + DTG 50 nocte.\n")
    assert texts(plan.follow_up) == ["R/V at CHC in 2/52 (31/03/2025) - adherence, side effects."]


@pytest.mark.parametrize("header", ["DICTATION DATE: APR 3, 2026   ENTRY DATE: APR 3, 2026@14:52:07",
                                    "Case Manager: Jolene Marsh, RN, BSN", "Primary Care Provider: Dr. Ana Ruiz, MD",
                                    "Summary of Care - Northshore Medical Center Generated: 04/03/2026 08:14"])
def test_a_field_of_the_letter_s_header_is_no_appointment(header):
    plan = plan_of(f"{header}\n\nFollow-up:\nGP in 1 week to recheck the potassium.\n")
    assert texts(plan.follow_up) == ["GP in 1 week to recheck the potassium."]


EHR_FOLLOW_UP = ("Northshore Medical Center   4/1/2026 - 4/3/2026   Printed 4/3/2026 3:05 PM\n\n"
                 "Follow-up Information\n\n"
                 "Monday Apr 6, 2026\n  9:15 AM  NEW PATIENT VISIT with Tomas Lindqvist, MD\n"
                 "  41 Harbor View Rd Suite 12\n  Duluth MN 55802\n\n"
                 "  Northshore Physical Therapy   Call to schedule a visit in 1 week(s)\n  Contact information:\n"
                 "  7 Lake Ave\n\n"
                 "Gunflint Cardiology in 3 weeks\nPCP in 1 week\n")


def test_an_appointment_block_is_one_appointment_that_says_where_it_is():
    """An EHR prints the date, the visit, then the address on lines of their own: one appointment, with its
    place; the paper's own dates at the top (the stay, when it was printed) are no appointment."""
    rows = plan_of(EHR_FOLLOW_UP).follow_up
    assert [row.text for row in rows] == [
        "Monday Apr 6, 2026: 9:15 AM NEW PATIENT VISIT with Tomas Lindqvist, MD",
        "Northshore Physical Therapy Call to schedule a visit in 1 week(s)",
        "Gunflint Cardiology in 3 weeks", "PCP in 1 week"]
    assert "Apr 6, 2026" in rows[0].when and rows[0].where == "41 Harbor View Rd Suite 12, Duluth MN 55802"
    assert rows[1].where == "7 Lake Ave" and rows[2].where is None and rows[3].where is None


@pytest.mark.parametrize("summary, appointment", [
    ("Disposition:\nHome with his wife. He will follow up with Dr. Osei in 10 days.\n",
     "He will follow up with Dr. Osei in 10 days."),
    ("Plan:\n- Home on oral antibiotics\n- Review in Surgery OPD after 5 days\n", "Review in Surgery OPD after 5 days"),
    ("Follow up:\nReturn to the ED in 2 days for a wound check.\n", "Return to the ED in 2 days for a wound check."),
    ("Follow-up:\nFollow up with Dr. Lee in 1 week, do not miss this appointment.\n",
     "Follow up with Dr. Lee in 1 week, do not miss this appointment."),
    ("Plan:\nIf not improving, follow up with GP in 1 week.\n", "If not improving, follow up with GP in 1 week."),
    ("Follow-up:\nFollow up with cardiology PA\n", "Follow up with cardiology PA"),
    ("Disposition:\nthe patient went home with his son. he will follow up with dr. ansah in two weeks. questions were "
     "answered.\n", "he will follow up with dr. ansah in two weeks."),
    ("Follow-up arrangements:\nTelephone review by the heart failure nurse on Friday.\n",
     "Telephone review by the heart failure nurse on Friday."),
    ("Actions for GP:\nPlease review her potassium in 5 days and adjust the spironolactone as needed.\n",
     "Please review her potassium in 5 days and adjust the spironolactone as needed."),
    ("GP actions:\n1. Please review BP in 2 weeks and titrate amlodipine if needed.\n",
     "Please review BP in 2 weeks and titrate amlodipine if needed."),
    ("IBD CNS to telephone patient on Tuesday with biopsy results.\nContinue mesalazine.\n",
     "IBD CNS to telephone patient on Tuesday with biopsy results."),
    ("Plan:\nDiscussed with the family; to be seen in the memory clinic on 12 May.\n",
     "to be seen in the memory clinic on 12 May."),
])
def test_an_appointment_is_found_in_narrative_uk_and_indian_forms(summary, appointment):
    assert appointment in texts(plan_of(summary).follow_up)


@pytest.mark.parametrize("summary, appointment", [
    ("Going home:\nThe stoma nurse will ring you on Thursday.\n", "The stoma nurse will ring you on Thursday."),
    ("Community care:\n- Midwife home visit on day 5\n", "Midwife home visit on day 5"),
    ("Notes:\nPodiatry to review the foot ulcer within 10 working days.\n",
     "Podiatry to review the foot ulcer within 10 working days."),
    ("Arrangements:\nWound check with the practice nurse in 72 hours.\n",
     "Wound check with the practice nurse in 72 hours."),
    ("Plan:\n- Anticoagulation clinic 2/52 for INR\n", "Anticoagulation clinic 2/52 for INR"),
    ("Plan:\nPhysiotherapist to visit at home twice weekly.\n", "Physiotherapist to visit at home twice weekly."),
    ("Follow-up:\nSee Dr Lee at the hand clinic - please do not miss this appointment.\n",
     "See Dr Lee at the hand clinic - please do not miss this appointment."),
    ("Plan:\nHand clinic in 6 weeks, sooner if needed.\n", "Hand clinic in 6 weeks, sooner if needed."),
    ("GP actions:\nPlease could the practice see him in 2 weeks to recheck his potassium.\n",
     "Please could the practice see him in 2 weeks to recheck his potassium."),
    ("GP actions:\nPlease arrange a foot check with podiatry.\n", "Please arrange a foot check with podiatry."),
    ("Disposition:\nPractice nurse for removal of sutures in 10 days.\n",
     "Practice nurse for removal of sutures in 10 days."),
    ("Follow-up:\nDischarged home, follow up with Dr. Ray.\n", "Discharged home, follow up with Dr. Ray."),
    ("Wrist fracture.\nHand clinic 3 weeks (Mr Pillai) for a check X-ray.\n",
     "Hand clinic 3 weeks (Mr Pillai) for a check X-ray."),
    ("Leg ulcer.\nCommunity nurses to visit three times a week for dressings.\n",
     "Community nurses to visit three times a week for dressings."),
    ("Plan: home. GP r/v 1/52 for BP.\n", "GP r/v 1/52 for BP."),
    ("Clinic appointments\nUrology OPD | 14.07.31 | 11:15\n", "Urology OPD | 14.07.31 | 11:15"),
    ("Plan:\nhe was told to follow up with his cardiologist in 2 weeks.\n",
     "he was told to follow up with his cardiologist in 2 weeks."),
    ("Plan:\nthe patient was given written instructions. she will see the hand surgeon in 10 days.\n",
     "she will see the hand surgeon in 10 days."),
    ("Plan:\n- TCA KK Seri Kembangan 2/52 for BP review\n", "TCA KK Seri Kembangan 2/52 for BP review"),
    ("Discharge ticket\nClinic: Medical clinic (Clinic No. 3) 2031.04.07, bring clinic book\n",
     "Clinic: Medical clinic (Clinic No. 3) 2031.04.07, bring clinic book"),
    ("Your appointments\nPrimary Care: Dr. Ito, 04/09/2031 10:40 AM, Building 2\n",
     "Primary Care: Dr. Ito, 04/09/2031 10:40 AM, Building 2"),
    ("Mental health\nThe crisis team coordinator will contact her by phone within 72 hours.\n",
     "The crisis team coordinator will contact her by phone within 72 hours."),
    ("Renal\nHaemodialysis Tue/Thu/Sat 07:00 at the Eastgate Renal Unit.\n",
     "Haemodialysis Tue/Thu/Sat 07:00 at the Eastgate Renal Unit."),
    ("Oncology\nCycle 2 of FOLFOX due 14/05 at the Chemo Day Unit.\n",
     "Cycle 2 of FOLFOX due 14/05 at the Chemo Day Unit."),
    ("Follow-up\nDr. L. Moss (CT Surgery) | 3 weeks | wound check\n",
     "Dr. L. Moss (CT Surgery) | 3 weeks | wound check"),
    ("HOSPITAL COURSE:\nhe was diuresed with iv lasix.\ntransitioned to oral bumetanide 1 mg daily.\nhe will follow "
     "up with his cardiologist dr. amin in 1 week.\n", "he will follow up with his cardiologist dr. amin in 1 week."),
])
def test_an_appointment_is_found_by_its_form_under_any_heading(summary, appointment):
    """Someone who cares for the patient and a time, or their promise to make contact: an appointment, whatever
    the heading above it is called."""
    assert appointment in texts(plan_of(summary).follow_up)


@pytest.mark.parametrize("line", [
    "Seen by physiotherapy, to be reviewed by outpatient physio", "Dressing changes to be done by the district nurse",
    "Fracture clinic appointment - hospital transport not needed",
    "Discharged back to GP - please review blood pressure",
    "Seen by diabetes team, follow up in diabetes clinic.",
    "Neurology follow-up not arranged yet, clinic will send appointment letter.",
    "Attend the emergency department tomorrow at 9am for IV antibiotics.",
])
def test_a_row_with_a_visit_still_to_come_stays_an_appointment(line):
    assert texts(plan_of(f"Follow-up:\n{line}\n").follow_up) == [line]


@pytest.mark.parametrize("summary", [
    "Plan:\nSeen by the diabetes team on day 3 of the admission.\n",
    "Plan:\nHip replacement performed on 02/05/2031 by the orthopaedic team.\n",
    "Plan:\nCall the clinic if the swelling gets worse in the next 2 days.\n",
    "Plan:\nDietitian referral declined by the patient.\n",
    "Plan:\nInsulin glargine 12 units nightly, the diabetes nurse adjusts the dose.\n",
    "Discharge Instructions:\nAvoid heavy lifting for a 6-week period after surgery.\n",
    "Plan:\nComplete a 7-day course of antibiotics as advised by the GP.\n",
    "Plan:\nAlendronic acid once weekly, as advised by the endocrinology team.\n",
    "Plan:\nBP 120/52, cardiology happy.\n",
    "Instructions:\nYour GP practice is open Mon 08:00 to Fri 18:00.\n",
    "Instructions:\nThe nurse will teach you to inject insulin before you leave today.\n",
])
def test_what_was_done_declined_or_conditional_is_no_appointment(summary):
    assert plan_of(summary).follow_up == ()


@pytest.mark.parametrize("line", ["Call 999 for chest pain in the next 24 hours.",
                                  "Any bleeding within 24 hours: go to A&E."])
def test_a_time_in_a_warning_under_the_follow_up_does_not_make_it_a_visit(line):
    plan = plan_of(f"Follow-up:\n{line}\n")
    assert texts(plan.warning_signs) == [line] and plan.follow_up == ()


@pytest.mark.parametrize("line", [
    "No hospital follow-up required.", "Follow up as needed.", "Patient declined a follow-up appointment.",
    "Consultant: Dr. V. Rao, MD, DM", "Seen by the diabetes team during this admission.",
    "Discharged to the care of her GP.", "Directly observed therapy not required.",
    "Clinic | Date | Time", "Who When Where",
    "Memory clinic assessment offered but refused by the patient.",
    "Dermatology appointment 12/07 cancelled by the patient.", "No cardiology OPD follow-up required.",
    "Did not attend the previous fracture clinic appointment on 2/3.",
    "Date Time Provider Department", "Clinic Date/Time",
    "Chest x-ray before the clinic visit.", "No further cardiology f/u.", "Discharged by: P. Ruiz, NP",
])
def test_a_line_that_names_no_appointment_is_no_follow_up_row(line):
    assert plan_of(f"Follow-up:\n{line}\n").follow_up == ()


def test_an_unknown_label_ends_the_follow_up_topic():
    plan = plan_of("FOLLOW-UP:\n- Neurology clinic in 4 weeks\n\nPATIENT COUNSELED ON:\n- Stroke prevention\n"
                   "- Continued rehabilitation\n")
    assert texts(plan.follow_up) == ["Neurology clinic in 4 weeks"]


def test_a_conditional_follow_up_is_one_appointment_and_one_warning_sign():
    plan = plan_of("Follow-up:\nReturn to clinic in 5 days if the fever comes back.\n")
    assert len(plan.follow_up) == 1
    assert texts(plan.warning_signs) == ["Return to clinic in 5 days if the fever comes back."]


def test_summary_without_plan_content_gives_empty_lists():
    plan = plan_of("Chief Complaint:\nCough.\n\nHistory of Present Illness:\nThree days of cough and fever.\n\n"
                   "Physical Examination:\nCrackles at the right base.\n")
    assert plan.to_json() == {field: [] for field in FIELDS}
    assert plan.is_empty


def test_empty_sections_and_none_items_give_nothing():
    plan = plan_of("Discharge Medications:\nNone\n\nFollow-up:\nNone arranged.\n\nTests:\nNo tests requested\n")
    assert plan.is_empty


AFTER_VISIT_SUMMARY = """After Visit Summary

Medication List

START taking these medications

  cefuroxime 500 mg tablet
  Commonly known as: CEFTIN
  Take 1 tablet (500 mg total) by mouth 2 (two) times a day for 5 days.

CONTINUE taking these medications

  insulin detemir 100 unit/mL injection
  Commonly known as: LEVEMIR
  Inject 20 Units under the skin every evening.

  ipratropium 17 mcg/actuation inhaler
  Inhale 2 puffs every 6 (six) hours as needed for wheezing.

STOP taking these:
  * Diclofenac 50 mg. It can harm your kidneys.

Keep taking these the SAME as before:
  * Amlodipine 5 mg - once a day

Follow-up:
See your family doctor in 1 week.

Signed: Dr R. Quinlan ST3 GMC 6611029 Pharmacist check: T. Byrne 14/05/2026
"""


def test_directions_printed_under_a_drug_are_how_to_take_it_not_another_drug():
    plan = plan_of(AFTER_VISIT_SUMMARY)
    meds = meds_by_name(plan)
    assert not {"Take", "Inject", "Inhale", "1 tablet", "2 puffs"} & set(meds), list(meds)
    assert meds["cefuroxime"].frequency.startswith("2 (two) times a day")
    assert meds["cefuroxime"].route == "by mouth" and meds["cefuroxime"].duration == "for 5 days"
    assert "Take 1 tablet (500 mg total)" in meds["cefuroxime"].text
    assert meds["insulin detemir"].frequency == "every evening" and meds["insulin detemir"].status == "continued"
    assert meds["ipratropium"].frequency.startswith("every 6 (six) hours")
    twice = plan_of("Discharge medications:\nMetformin 500 mg tablet\nTake 1 tablet by mouth twice a day.\n" * 2)
    assert [med.text for med in twice.medications] == ["Metformin 500 mg tablet: Take 1 tablet by mouth twice a day."]


def test_stop_taking_these_and_keep_taking_these_are_status_headings():
    meds = meds_by_name(plan_of(AFTER_VISIT_SUMMARY))
    assert meds["Diclofenac"].status == "stopped"
    assert meds["Amlodipine"].status == "continued"


def test_a_signature_line_is_no_follow_up():
    rows = [row.text for row in plan_of(AFTER_VISIT_SUMMARY).follow_up]
    assert rows == ["See your family doctor in 1 week."]


def test_advice_sentences_in_a_medicines_section_are_not_medicines():
    plan = plan_of("""Discharge medications:
- Paracetamol 500 mg, 2 tablets four times a day for pain.
- No more than 8 tablets in 24 hours.
- Drink 6 to 8 glasses of water a day.
- Keep salt under 2,000 mg a day.
- Laxido 1 sachet at night while on codeine.
- Glucose meter kit
""")
    names = [med.name for med in plan.medications]
    assert "Paracetamol" in names and "Laxido" in names   # a brand the vocabulary may not know still counts
    assert any("meter kit" in name for name in names)      # so does a supply
    assert not [name for name in names if name.lower().startswith(("no more", "drink", "salt", "keep"))], names


def test_a_markdown_table_row_is_one_medicine_and_its_status_cell_counts_without_a_dose():
    plan = plan_of("""Discharge medications
| Medication | Directions | Qty |
|---|---|---|
| doxycycline 100 mg cap | 1 cap PO BID x 7 days. Not with milk or antacids | 14 |

Stopped medications
| Medication | Reason |
|---|---|
| ibuprofen OTC | STOP - kidney injury |
""")
    meds = meds_by_name(plan)
    assert meds["doxycycline"].text.startswith("| doxycycline 100 mg cap | 1 cap PO BID x 7 days. Not with milk")
    assert meds["ibuprofen"].status == "stopped"


# --------------------------------------------------------------------------- JSON, pages, determinism

def test_to_json_round_trips_to_plain_json(heart, knee):
    for plan in (heart, knee):
        data = plan.to_json()
        assert list(data) == list(FIELDS)
        assert json.loads(json.dumps(data)) == data
        rebuilt = DischargePlan(
            medications=tuple(Medication(**m) for m in data["medications"]),
            follow_up=tuple(Appointment(**a) for a in data["follow_up"]),
            **{field: tuple(PlanItem(**i) for i in data[field]) for field in FIELDS[2:]})
        assert rebuilt == plan
    med = heart.to_json()["medications"][0]
    assert set(med) == {f.name for f in dataclasses.fields(Medication)}
    assert set(heart.to_json()["follow_up"][0]) == {"who", "when", "purpose", "text", "section", "page", "where"}
    assert set(heart.to_json()["diet"][0]) == {"text", "section", "page"}


def test_page_numbers_follow_the_document_pages():
    page_one = "Hospital Course:\nShe did well.\n"
    page_two = "Discharge Medications:\n1. Cephalexin 500 mg by mouth four times daily for 7 days\n"
    text = page_one + "\n" + page_two
    pages = (Page(1, 0, len(page_one)), Page(2, len(page_one) + 1, len(text)))
    document = Document(text=text, kind="pdf", pages=pages, sections=split_sections(text))
    (med,) = listed_plan(document).medications
    assert med.page == 2 and med.duration == "for 7 days" and med.frequency == "four times daily"


def test_extraction_is_deterministic(heart):
    assert fixture_plan("heart_failure.txt") == heart


# --------------------------------------------------------------------------- real summaries (when present)

def corpus_documents() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in (".txt", ".pdf", ".docx")
                  and p.name.lower() != "readme.md")


@pytest.mark.skipif(not corpus_documents(), reason=f"{CORPUS} is not available")
@pytest.mark.parametrize("path", corpus_documents(), ids=lambda p: p.name)
def test_corpus_document_is_well_formed(path):
    """Its speed is measured by training/evaluate_plan.py (p50/p95 per summary), not asserted here."""
    document = load_document(path.read_bytes(), path.name)
    plan = listed_plan(document)
    json.dumps(plan.to_json())
    for med in plan.medications:
        assert med.name.strip() and med.text.strip()
        assert med.section not in ("Hospital Course", "Admission Medications", "History of Present Illness")
        assert med.status in (None, "new", "changed", "stopped", "continued")
        assert 1 <= med.page <= len(document.pages)
    for field in FIELDS[1:]:
        for item in getattr(plan, field):
            assert item.text.strip() and "  " not in item.text



@pytest.mark.parametrize("summary, sign, is_sign", [
    ("Cast care\nToes that turn blue or go numb under the plaster need checking. Go straight to A&E now.\n",
     "Go straight to A&E now.", True),
    ("Cast care\nPain in the calf with swelling after the operation is an emergency.\n",
     "Pain in the calf with swelling after the operation is an emergency.", True),
    ("Course\nHe went to the ED immediately after the fall and was admitted.\n", "He went to the ED", False),
])
def test_an_order_to_go_to_emergency_care_now_is_a_warning_sign_without_an_if(summary, sign, is_sign):
    assert any(sign in item.text for item in plan_of(summary).warning_signs) == is_sign


@pytest.mark.parametrize("summary, sign, is_sign", [
    ("Instructions\nShe was told to present at the Labour Ward at once in the event of bleeding or severe headache.\n",
     "in the event of bleeding", True),
    ("Teaching\nSigns to report: fever >38.3, calf pain, SOB → call surgeon's office or go to ED.\n",
     "calf pain", True),
    ("Eyes\nNew flashes or a curtain across the vision — attend Eye Casualty the same day.\n", "flashes", True),
    ("After your scope\nHeavy bleeding or a fever mean you need to go to the Emergency Department.\n",
     "Heavy bleeding", True),
    ("Follow-up\nFracture clinic – attend clinic in 2 weeks with the letter.\n", "Fracture clinic", False),
    ("Follow-up\nThe letter comes by post. If you have not heard within 5 working days, call 0161 555 0142.\n",
     "If you have not heard", False),
    ("Diagnosis\nDengue fever without warning signs. Afebrile for 48 hours.\n", "Dengue", False),
])
def test_warning_signs_said_by_an_arrow_a_consequence_or_in_the_event_of(summary, sign, is_sign):
    """What happens, then the act ("→ call", "— attend Eye Casualty", "mean you need to go"), counts as a warning;
    an appointment letter's "if you have not heard" and "without warning signs" do not."""
    assert any(sign in item.text for item in plan_of(summary).warning_signs) == is_sign


def test_labelled_parts_of_the_plan_inside_a_narrative_paragraph_are_plan_items():
    plan = plan_of("DISPOSITION: Home with his daughter by car. Condition improved. Diet: low salt, 1.5 L fluid a "
                   "day. Activity: as tolerated, no lifting over 5 kg.\n")
    assert texts(plan.diet) == ["Diet: low salt, 1.5 L fluid a day."]
    assert texts(plan.activity) == ["Activity: as tolerated, no lifting over 5 kg."]


def test_each_sentence_of_a_list_item_goes_to_its_own_part_of_the_plan():
    plan = plan_of("Advice on discharge:\n* Low-fat diet as advised by the dietitian. Breathing exercises with the "
                   "spirometer 10 times every hour.\n* Check blood sugars daily.\n")
    assert texts(plan.diet) == ["Low-fat diet as advised by the dietitian."]
    assert texts(plan.activity) == ["Breathing exercises with the spirometer 10 times every hour."]
