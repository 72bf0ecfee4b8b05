"""mediassist.plan: medicines written as prose, misspelt headings, drugs given only in hospital, and the
invariant that the medicine list never says "not in your summary" about a summary that has medicines."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from document_processor import load_document
from mediassist.plan import extract_plan
from mediassist.plan.drugs import DATA as DRUG_DATA
from mediassist.plan.drugs import vocabulary

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
ANNOTATIONS = ROOT / "training" / "data" / "plan"


def plan_of(text: str):
    return extract_plan(load_document(text.encode("utf-8"), "summary.txt"))


def listed_to_take(summary: str, drug: str) -> bool:
    """The plan lists a medicine whose name contains drug, with a status other than stopped or held."""
    taken = {name.lower() for name, status in names(plan_of(summary)).items() if status not in ("stopped", "held")}
    return any(drug in name for name in taken)


def names(plan) -> dict[str, str | None]:
    return {m.name: m.status for m in plan.medications if not m.as_written}


# ---------------------------------------------------------------- prose prescriptions

def test_prescriptions_written_as_prose_are_medicines():
    plan = plan_of("HOSPITAL COURSE: Improved with fluids.\nDISPOSITION: She was given a prescription for Keflex "
                   "and Zofran to take home. Discharged home on oral Cipro.\n")
    assert {"Keflex", "Zofran", "Cipro"} <= set(names(plan))


def test_continue_and_hold_in_one_sentence_keep_their_own_status():
    plan = plan_of("PLAN: Continue his Zantac, Lasix and lisinopril as before; hold his Coumadin until the "
                   "INR is rechecked.\n")
    found = names(plan)
    assert {"Zantac", "Lasix", "lisinopril"} <= set(found)
    assert found["Coumadin"] == "held" and found["Lasix"] != "held"


def test_a_drug_that_only_times_a_precaution_is_not_a_medicine_to_take():
    plan = plan_of("DISCHARGE INSTRUCTIONS: Take Keflex 500 mg four times a day for 7 days. No driving while "
                   "taking cough syrup with codeine. Avoid alcohol when you are on metronidazole.\n")
    assert set(names(plan)) == {"Keflex"}


def test_a_medication_plan_in_european_notation_is_read_with_its_decimal_commas():
    plan = plan_of("Course\nThe patient was loaded with prasugrel 60 mg p.o. and discharged home.\n\n"
                   "Recommended medication (morning-noon-evening-night):\n"
                   "Bisoprolol 2,5 mg               1-0-1-0   new\n"
                   "Ramipril 5 mg                   1-0-0-0   new\n"
                   "Nitroglycerin spray 0,4 mg      1-2 puffs as required for chest pain\n\n"
                   "Further procedure:\n- LDL target < 55 mg/dl, control of lipids in 6-8 weeks.\n")
    doses = {m.name: m.dose for m in plan.medications if not m.as_written}
    assert doses == {"Bisoprolol": "2,5 mg", "Ramipril": "5 mg", "Nitroglycerin spray": "0,4 mg"}


def test_a_combination_product_keeps_both_drugs_in_its_name_and_both_strengths_in_its_dose():
    """Each drug's strength after its name, the unit once at the end: the first strength is not part of the name,
    and the dose is not the second drug's alone. Two strengths of one drug stay one dose."""
    plan = plan_of("DISCHARGE MEDICATIONS:\n"
                   "1) FLUTICASONE 250/SALMETEROL 50MCG INHL DISKUS 60   ACTIVE\n"
                   "   SIG: INHALE 1 PUFF BY MOUTH TWICE A DAY\n"
                   "2) budesonide 160/formoterol 4.5 mcg 2 puffs twice daily\n"
                   "3) Co-codamol 30/500 mg two tablets four times a day when needed\n")
    doses = {m.name: m.dose for m in plan.medications if not m.as_written}
    assert doses == {"FLUTICASONE/SALMETEROL": "250/50MCG", "budesonide/formoterol": "160/4.5 mcg",
                     "Co-codamol": "30/500 mg"}


def test_the_later_steps_of_a_taper_are_no_drugs_of_their_own():
    plan = plan_of("DISCHARGE MEDICATIONS:\n2. OXYCODONE 5 MG TAB - TAPER AS FOLLOWS:\n"
                   "   DAYS 1-4 AFTER DISCHARGE: 1-2 TABS PO Q4H PRN SEVERE PAIN\n"
                   "   DAYS 5-8: 1 TAB PO Q6H PRN\n   DAYS 9-12: 1 TAB PO Q12H PRN, THEN STOP.\n"
                   "3. ACETAMINOPHEN 1000 MG PO Q8H SCHEDULED X 2 WEEKS THEN PRN.\n")
    assert set(names(plan)) == {"OXYCODONE", "ACETAMINOPHEN"}


@pytest.mark.parametrize("line, drug", [("T. Gliclazide - OFF.", "gliclazide"), ("Off aspirin", "aspirin"),
                                        ("Tab. Metformin - off till next follow up (S. creatinine raised).",
                                         "metformin"),
                                        ("Cataflam (Diclofenac): STOP, not to be taken with the antiplatelet.",
                                         "diclofenac"),
                                        ("Buscopan - no longer required.", "buscopan")])
def test_a_drug_marked_off_or_stop_on_its_own_line_is_not_to_take(line, drug):
    summary = f"Discharge medications:\nT. Amlodipine 5mg OD\n{line}\n"
    assert listed_to_take(summary, "amlodipine") and not listed_to_take(summary, drug)


def test_a_stop_said_later_wins_over_a_drug_told_of_in_the_history():
    summary = ("G2 P1 -> P2. Rubella immune.\nAntenatal: gest HTN from 34/40, on labetalol 200mg TDS. PET bloods "
               "NAD.\nPN course: BPs up to 152/98, no sx.\n\nMeds on D/C (TTO):\n- Enalapril 5mg OD - NEW\n"
               "- Paracetamol 1g QDS PRN\n- Labetalol - STOPPED (switched to enalapril)\n")
    assert not listed_to_take(summary, "labetalol") and listed_to_take(summary, "enalapril")
    assert "stopped" in {status for name, status in names(plan_of(summary)).items() if name.lower() == "labetalol"}


def test_units_written_u_are_a_dose_but_an_enzyme_level_is_not():
    plan = plan_of("Discharge medications:\n3. S/C Insulatard 16u ON\n4. T. Metformin 500mg BD\n"
                   "Labs: ALT 45 U/L, Cr 96.\n")
    doses = {m.name: m.dose for m in plan.medications if not m.as_written}
    assert len(doses) == 2 and {dose for name, dose in doses.items() if "Insulatard" in name} == {"16u"}


def test_an_order_to_check_the_sugar_is_no_medicine():
    plan = plan_of("Discharge medications:\nGliclazide 40mg OM on prednisolone days only.\n"
                   "Check CBG before breakfast and evening meal, call if >20 or <4.\n"
                   "5. Check BSR before breakfast, lunch, dinner and at bedtime - write in diary.\n")
    assert set(names(plan)) == {"Gliclazide"}


def test_a_drug_the_patient_will_not_go_home_on_is_not_to_take():
    summary = ("HOSPITAL COURSE: On steroids, covered with insulin lispro sliding scale; prednisone now done so "
               "will not go home on insulin.\nDISCHARGE MEDICATIONS:\nOndansetron 8 mg PO q8h PRN nausea\n")
    assert listed_to_take(summary, "ondansetron") and not listed_to_take(summary, "insulin")


def test_prescriptions_under_a_heading_the_reader_does_not_know_are_shown_as_written_never_missing():
    """The invariant: a summary with prescriptions never gets an empty medicine list, even when its headings are in
    another language and its list is taken into the section before it (here the allergies)."""
    plan = plan_of("Allergies : Sulfa (rash)\n\nMédicaments au congé\n\nNOUVEAU\n"
                   "- Prednisone 40 mg PO die with breakfast x 3 more days, then stop\n"
                   "- Lévothyroxine (Synthroid) 88 mcg PO die, empty stomach\n\n"
                   "Suivi\n- Dre Nathalie Roy in 7-10 days\n")
    shown = [m.text for m in plan.medications]
    assert any("Prednisone 40 mg" in line for line in shown) and any("88 mcg" in line for line in shown)


def test_the_first_drug_of_a_run_on_list_is_kept():
    plan = plan_of("DISCHARGE INSTRUCTIONS: Discharge medications are Zoloft 50 mg p.o. daily, Ativan 1 mg p.o. "
                   "b.i.d. p.r.n. anxiety.\n")
    assert {"Zoloft", "Ativan"} <= set(names(plan))


def test_a_misspelt_heading_still_opens_the_medicine_list():
    plan = plan_of("Discharge Medicaitons:\n- Metoprolol 25 mg twice daily\n- Atorvastatin 40 mg at night\n\n"
                   "Follwo up:\nCardiology clinic in 2 weeks.\n")
    assert {"Metoprolol", "Atorvastatin"} <= set(names(plan))
    assert any("Cardiology" in a.text for a in plan.follow_up)


QUEBEC_RECONCILED_LIST = """Résumé de l'hospitalisation
Ramipril held from admission because of AKI.

Médicaments au congé

NOUVEAU
- Prednisone 40 mg PO die with breakfast x 3 more days, then stop

MODIFIÉ
- Métoprolol 25 mg PO BID (was 50 mg BID - bradycardia)

INCHANGÉ
- Atorvastatine 20 mg PO HS

SUSPENDU
- Ramipril 5 mg PO die until seen by the family MD

CESSÉ
- Zopiclone (Imovane) 7.5 mg HS PRN

Suivi
- Dre Nathalie Roy (GMF des Tilleuls) in 7-10 days

Quand consulter
- fever above 38.5 °C after 48 h on the antibiotic
- Signé électroniquement 2025-01-27 11:02
"""


def test_a_list_headed_in_french_gives_each_medicine_its_status():
    plan = plan_of(QUEBEC_RECONCILED_LIST)
    assert [(m.name, m.status) for m in plan.medications] == [
        ("Prednisone", "new"), ("Métoprolol", "changed"), ("Atorvastatine", "continued"), ("Ramipril", "stopped"),
        ("Zopiclone (Imovane)", "stopped")]
    assert [a.when for a in plan.follow_up] == ["in 7-10 days"]
    assert [w.text for w in plan.warning_signs] == ["fever above 38.5 °C after 48 h on the antibiotic"]


def test_an_inhaler_named_short_after_its_listed_name_is_not_one_more_to_stop():
    plan = plan_of("Discharge medications\n\nNEW\n- Trelegy Ellipta 100/62.5/25 mcg 1 inhalation daily\n\n"
                   "STOPPED\n- Spiriva Respimat 2.5 mcg 2 inh daily - replaced by Trelegy (do not use both)\n")
    assert [(m.name, m.status) for m in plan.medications] == [("Trelegy Ellipta", "new"),
                                                               ("Spiriva Respimat", "stopped")]


def test_a_misspelt_drug_is_recognised_but_a_condition_is_not():
    drugs = vocabulary()
    assert [m.generic for m in drugs.mentions("take metropolol 25 mg")] == ["metoprolol"]
    assert drugs.mentions("treating hypoglycemia") == []


def test_abbreviations_and_english_brand_names_count_only_as_written():
    drugs = vocabulary()
    assert drugs.mentions("Mom says he is better") == []
    assert [m.text for m in drugs.mentions("MOM 30 mL at night")] == ["MOM"]
    assert drugs.mentions("ensure you rest") == []


# ---------------------------------------------------------------- hospital only

@pytest.mark.parametrize("line", [
    "Cefazolin 1 g IV given post-op, course completed.",
    "He received Toradol 30 mg IM in the emergency department.",
    "We will admit him for continued Toradol and observation.",
])
def test_drugs_given_only_in_hospital_are_not_medicines_to_take(line):
    plan = plan_of(f"DISCHARGE INSTRUCTIONS:\n{line}\nTake acetaminophen 500 mg every 6 hours as needed.\n")
    found = set(names(plan))
    assert not found & {"Cefazolin", "Toradol"}
    assert any("acetaminophen" in name for name in found)


def test_a_discharge_list_may_send_a_patient_home_on_iv_antibiotics():
    plan = plan_of("DISCHARGE MEDICATIONS:\n1. Ceftriaxone 2 g IV daily via PICC for 4 weeks\n")
    assert "Ceftriaxone" in names(plan)


@pytest.mark.parametrize("said", [
    "HOSPITAL COURSE:\nShe went home on cephalexin and will complete a total 7-day course of antibiotics.",
    "MEDICATION CHANGES:\nNifedipine 30 mg daily | STOP | -- | pressure controlled on BB/ACEi",
    "MEDICATION CHANGES:\nSTOP: Naproxen 250 mg PRN (bought OTC) - avoid all anti-inflammatories on chemotherapy.",
])
def test_a_kind_of_drug_beside_the_drugs_named_is_no_medicine_of_its_own(said):
    """"Stopped: ACE inhibitors" on the card of a patient who takes ramipril is worse than nothing."""
    plan = plan_of(f"DISCHARGE MEDICATIONS:\n1. Cephalexin 500 mg twice daily for 3 days.\n2. Ramipril 5 mg daily."
                   f"\n\n{said}\n")
    kinds = {"antibiotics", "acei", "anti-inflammatories"}
    assert {"cephalexin", "ramipril"} <= {name.lower() for name in names(plan)}
    assert not kinds & {name.lower() for name in names(plan)}


def test_a_kind_of_drug_is_listed_when_it_is_all_the_summary_names():
    plan = plan_of("ASSESSMENT AND PLAN: Allergic reaction. I think he can be managed with some antihistamine "
                   "over-the-counter. Return if any swelling of the lips or tongue.\n")
    assert "antihistamine" in names(plan)


def test_kinds_of_drug_are_generated_from_the_source_not_typed():
    kinds = vocabulary().classes
    assert len(kinds) > 500
    assert {"anti-bacterial agents", "antiemetics", "angiotensin-converting enzyme inhibitors"} <= kinds
    assert not {"ibuprofen", "insulin", "sennosides"} & kinds


# ---------------------------------------------------------------- the invariant

def test_an_injection_counted_in_doses_is_a_ward_order_even_in_the_discharge_list():
    plan = plan_of("DISCHARGE MEDICATIONS:\n1. Aspirin 81 mg daily.\n"
                   "2. The patient will finish cefazolin 1 g IV every 6 hours, total 5 doses.\n"
                   "3. Azithromycin 250 mg by mouth daily, total 5 doses.\n")
    assert {"Aspirin", "Azithromycin"} <= set(names(plan))
    assert "cefazolin" not in {name.lower() for name in names(plan)}


def test_an_instruction_to_the_patient_counts_under_a_treatment_heading():
    plan = plan_of("TREATMENT:\nHe was given ibuprofen in the department.\n"
                   "Use saline nose drops if the nose is blocked.\n")
    assert any("saline" in name.lower() for name in names(plan))
    assert "ibuprofen" not in {name.lower() for name in names(plan)}


@pytest.mark.parametrize("summary, home, not_home", [
    ("HOSPITAL COURSE:\nShe had IV methylprednisolone, then was transitioned to oral prednisone to finish at home.\n",
     "prednisone", "methylprednisolone"),
    ("TREATMENT:\nNebulised ipratropium given twice, discharged on a tiotropium inhaler once daily.\n",
     "tiotropium", "ipratropium"),
    ("HOSPITAL COURSE:\nShe was treated with IV heparin and transitioned to apixaban 5 mg twice daily at discharge.\n",
     "apixaban", "heparin"),
    ("DISCHARGE INSTRUCTIONS:\nStop the nitrofurantoin and start cefalexin 500 mg three times a day.\n",
     "cefalexin", "nitrofurantoin"),
])
def test_a_sentence_that_turns_from_one_drug_to_the_next_gives_each_its_own_status(summary, home, not_home):
    assert listed_to_take(summary, home)
    assert not listed_to_take(summary, not_home)


def test_a_line_in_prescription_form_under_discharge_advice_is_a_medicine_to_take():
    plan = plan_of("ADVICE ON DISCHARGE:\nTab. Cefixime 200 mg 1-0-1 x 7 days\n")
    assert any("cefixime" in name.lower() for name in names(plan))


@pytest.mark.parametrize("summary, drug", [
    ("PLAN:\nShe has been taking naproxen for the back pain and takes sertraline 50 mg daily.\n", "naproxen"),
    ("PLAN:\nLorazepam was used on the ward at night; not prescribed at discharge.\n", "lorazepam"),
    ("MEDICATION CHANGES:\nLisinopril withheld because of the kidney injury.\n", "lisinopril"),
])
def test_what_was_taken_before_not_prescribed_or_withheld_is_not_a_medicine_to_take(summary, drug):
    assert not listed_to_take(summary, drug)


@pytest.mark.parametrize("line, drug", [
    ("Tab. Razo 20 1-0-0 before breakfast x 10 days", "razo"),
    ("Cefalexin 500 QDS x 7/7", "cefalexin"),
    ("Amlodipine 5mg OM", "amlodipine"),
])
def test_indian_and_uk_prescription_shorthand_is_a_medicine_to_take(line, drug):
    plan = plan_of(f"ADVICE ON DISCHARGE:\n{line}\n")
    assert any(drug in name.lower() for name in names(plan))


def test_a_label_before_the_drug_is_not_its_name():
    """ "Anticoagulant: apixaban 5 mg BD" is apixaban; the card must never say "Anticoagulant 5 mg"."""
    plan = plan_of("DISCHARGE MEDICATIONS:\nAnticoagulant: apixaban 5 mg twice daily (new)\n"
                   "Antiplatelet - clopidogrel 75 mg OD\nPain relief: paracetamol 1 g QDS PRN\nAspirin: 75 mg OD\n")
    assert sorted(name.lower() for name in names(plan)) == ["apixaban", "aspirin", "clopidogrel", "paracetamol"]


def test_a_morning_noon_night_schedule_alone_is_how_often():
    """ "Tab. Ecosprin 75 mg 0-1-0": the schedule is the frequency, and every line of the list is a medicine."""
    plan = plan_of("ADVICE ON DISCHARGE:\n1. Tab. Ecosprin 75 mg 0-1-0\n2. Tab. Atorva 20 mg 0-0-1\n"
                   "3. Cap. Omez 20 mg 1-0-0\n")
    frequencies = {m.name.lower(): m.frequency for m in plan.medications}
    assert [f for name, f in frequencies.items() if "ecosprin" in name] == ["0-1-0"]
    assert any("atorva" in name for name in frequencies) and any("omez" in name for name in frequencies)


@pytest.mark.parametrize("summary, drug, to_take", [
    ("DISCHARGE INSTRUCTIONS:\nDo not resume warfarin until your INR is checked.\n", "warfarin", False),
    ("DISCHARGE INSTRUCTIONS:\nPlease do not start ibuprofen for the pain.\n", "ibuprofen", False),
    ("HOSPITAL COURSE:\nWe will hold her aspirin and start heparin 5000 units subcut every 8 hours.\n", "heparin",
     False),
    ("HOSPITAL COURSE:\nHe declined to take the nicotine patch during the stay.\n", "nicotine", False),
    ("DISCHARGE MEDICATIONS:\n1. Ertapenem 1 g IV daily x 5 more doses via PICC line.\n", "ertapenem", True),
    ("DISCHARGE MEDICATIONS:\n1. Vitamin B12 1000 mcg IM weekly x 4 doses at GP surgery.\n", "b12", True),
    ("DISCHARGE INSTRUCTIONS:\nBecause you were admitted with heart failure, take furosemide 40 mg every morning.\n",
     "furosemide", True),
])
def test_a_negation_stays_with_its_verb_and_home_injections_stay_on_the_list(summary, drug, to_take):
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, to_take", [
    ("HOSPITAL COURSE:\nHis lisinopril was held for low blood pressure and resumed at discharge.\n", "lisinopril",
     True),
    ("HOSPITAL COURSE:\nSertraline was paused on admission but restarted it before he went home.\n", "sertraline",
     True),
    ("HOSPITAL COURSE:\nGlargine was increased to 20 units nightly and she was discharged on this dose.\n",
     "glargine", True),
    ("DISCHARGE MEDICATIONS:\nClopidogrel was held for surgery and should be resumed only when the surgeons agree.\n",
     "clopidogrel", False),
    ("HOSPITAL COURSE:\nIV vancomycin was given for two days; discharged home in good condition.\n", "vancomycin",
     False),
    ("DISCHARGE INSTRUCTIONS:\nAmiodarone was held for bradycardia; please don't resume it.\n", "amiodarone", False),
    ("DISCHARGE INSTRUCTIONS:\nAvoid ibuprofen, continued use may harm the kidneys.\n", "ibuprofen", False),
    ("HOSPITAL COURSE:\nHome amlodipine was continued.\n", "amlodipine", True),
    ("HOSPITAL COURSE:\nIV labetalol given in ED; discharged on the new medications.\n", "labetalol", False),
    ("HOSPITAL COURSE:\nHeparin was stopped and warfarin started; restarted it at discharge.\n", "heparin", False),
    ("DISCHARGE INSTRUCTIONS:\nHold warfarin for 2 days, then resume at the same dose.\n", "warfarin", False),
    ("HOSPITAL COURSE:\nPlaced on a prednisone taper which she will complete at home.\n", "prednisone", True),
    ("HOSPITAL COURSE:\nShe was given IV Zosyn which she will not continue at home.\n", "zosyn", False),
    ("HOSPITAL COURSE:\nA heparin drip was started and she was discharged home.\n", "heparin", False),
    ("DISCHARGE INSTRUCTIONS:\nStop warfarin, will continue to monitor INR at clinic.\n", "warfarin", False),
    ("PLAN:\nIV heparin started.\n", "heparin", False),
    ("DISCHARGE INSTRUCTIONS:\nAspirin was held for the bleed, and resumed in 2 weeks by the GP.\n", "aspirin", False),
    ("PLAN:\nHeparin infusion was held for the procedure and restarted on the ward.\n", "heparin", False),
    ("DISCHARGE MEDICATIONS:\nSalbutamol inhaler 2 puffs PRN - not prescribed, patient has own supply\n", "salbutamol",
     True),
])
def test_a_clause_that_names_no_drug_speaks_of_the_drug_before_it(summary, drug, to_take):
    """ "... held, and resumed at discharge": the last word on a drug stands, even when the clause that says it
    only points back; a condition ("only when") or a clause about the patient does not."""
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, to_take", [
    ("HOSPITAL COURSE:\nHe was moved from IV ceftriaxone to oral cefuroxime, which he will finish at home.\n",
     "cefuroxime", True),
    ("HOSPITAL COURSE:\nThe oxycodone made him drowsy, so he will instead take tramadol 50 mg as needed.\n",
     "tramadol", True),
    ("HOSPITAL COURSE:\nHe had IV cefuroxime, which he will not continue after discharge.\n", "cefuroxime", False),
])
def test_what_a_relative_clause_says_of_its_drug_is_read_with_it(summary, drug, to_take):
    """ "..., which she will continue at home": the modal and its verb stay in the drug's clause."""
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, to_take", [
    ("DISCHARGE MEDICATIONS:\nMetronidazole course completed on the ward.\n", "metronidazole", False),
    ("DISCHARGE MEDICATIONS:\nCefuroxime given in the ED, first dose only.\n", "cefuroxime", False),
    ("DISCHARGE MEDICATIONS:\nErtapenem 1 g IV daily via PICC for 3 more weeks.\n", "ertapenem", True),
])
def test_a_discharge_list_line_that_places_its_drug_in_hospital_is_not_one_to_take(summary, drug, to_take):
    """A route may go home with the patient (IV antibiotics via PICC); a ward or an ended course does not."""
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, to_take", [
    ("DISCHARGE MEDICATIONS:\nCo-amoxiclav 625 mg TDS - course finished on the ward\nBisoprolol 5 mg OD\n",
     "co-amoxiclav", False),
    ("DISCHARGE MEDICATIONS:\nTinzaparin 4500 units SC OD - inpatient only\nBisoprolol 5 mg OD\n", "tinzaparin", False),
    ("TTO:\nMorphine sulfate 10 mg PO q4h PRN - used in hospital, not for TTO\nParacetamol 1 g QDS\n", "morphine",
     False),
    ("DISCHARGE MEDICATIONS:\nKetorolac 30 mg IM (given in A&E once)\nNaproxen 250 mg BD\n", "ketorolac", False),
    ("DISCHARGE MEDICATIONS:\nDoxycycline 100 mg BD x 7 days (2 days completed in hospital, 5 more at home)\n",
     "doxycycline", True),
    ("DISCHARGE MEDICATIONS:\nCefalexin 500 mg QID x 7 days (last dose 21/03)\n", "cefalexin", True),
])
def test_a_list_line_whose_own_note_ends_it_in_hospital_is_not_one_to_take(summary, drug, to_take):
    """A note on the line ("inpatient only", "course finished on the ward", "not for TTO") ends the drug there,
    dose and frequency notwithstanding; a note that the course goes on, or when it ends, does not."""
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, status", [
    ("Discharge Medications:\nDrug\tDose\tFrequency\tChange\nGliclazide\t80 mg\tBD\twithheld (hypos)\n", "Gliclazide",
     "stopped"),
    ("Discharge Medications:\nDrug | Dose | Change\nFurosemide | 40 mg OD | increased\n", "Furosemide", "changed"),
    ("Discharge medications:\nTab. Stamlo 5 0-0-1\nTab. Glycomet 500 — STOP\n", "Glycomet", "stopped"),
])
def test_the_status_in_the_last_cell_of_a_row_is_the_drugs_status(summary, drug, status):
    assert names(plan_of(summary)).get(drug) == status


@pytest.mark.parametrize("summary, drug, to_take", [
    ("Rx:\nTab. Bisocor 5mg 1+0+0\nCap. Omepra 20mg 1+0+1 x 14 days\n", "bisocor", True),
    ("Insulin:\nLevemir 14 units at 21:00\n", "levemir", True),
    ("Plan:\nShe goes home on Tab Metformin 500mg BD and Tab Gliclazide 40mg OD.\n", "gliclazide", True),
    ("Plan:\nTabs Enalapril discontinued due to cough; replaced with Tabs Valsartan 80mg dly.\n", "valsartan", True),
    ("Plan:\nTabs Enalapril discontinued due to cough; replaced with Tabs Valsartan 80mg dly.\n", "enalapril", False),
    ("Anticoagulation:\nDabigatran 150 mg BD changed to apixaban 5 mg BD due to dyspepsia.\n", "dabigatran", False),
    ("Drugs before admission:\nTab. Losartan 50mg OD\nTab. Simvastatin 40mg ON\n", "losartan", False),
    ("Medications given during admission:\nTinzaparin 4500 units SC OD\nOramorph 5 mg PRN\n", "tinzaparin", False),
    ("Discharge medication:\nMebendazole 100 mg stat given on the ward\nAmoxicillin 250 mg TDS x 5 days\n",
     "mebendazole", False),
])
def test_schedules_switches_and_headings_written_in_other_styles(summary, drug, to_take):
    """ "1+0+1" and "at 21:00" say how often; "and Tab X" starts a new drug; "replaced with" and a dose before
    "changed to" are switches; a heading of the medicines before admission or given in hospital lists none to take."""
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("line, drug, status", [
    ("Prednisolone 30 mg OD x 5 days, then 20 mg OD x 5 days, then stop", "Prednisolone", None),
    ("IV metronidazole changed to oral metronidazole 400 mg TDS for 5 more days", "metronidazole", None),
    ("Restart home losartan 50 mg OD (withheld on admission for AKI)", "losartan", "continued"),
    ("Gliclazide 80 mg BD - held on admission, restarted on discharge", "Gliclazide", "continued"),
    ("Warfarin 3 mg OD - restart when INR below 3", "Warfarin", "held"),
    ("Apixaban 5 mg BD - restart after the endoscopy", "Apixaban", "held"),
    ("Naproxen 500 mg BD - do not restart", "Naproxen", "stopped"),
    ("Ibuprofen 400 mg - NOT to be given (AKI)", "Ibuprofen", "stopped"),
])
def test_a_course_that_ends_a_route_change_and_a_restart_now_are_still_taken(line, drug, status):
    """ "then stop" ends a taper; IV to oral of the same drug is no switch; "restart ... on discharge" undoes a hold
    in hospital, but a restart later, a denied one, or "not to be given" does not."""
    assert names(plan_of(f"Discharge medications:\n{line}\n")).get(drug) == status


@pytest.mark.parametrize("summary", [
    "Plan:\nTCA 2/52 to the medical clinic\n",
    "Plan:\nIV meropenem completed on the ward.\nNo antibiotics on discharge.\n",
])
def test_a_kind_of_drug_that_names_no_medicine_to_take_is_not_listed(summary):
    assert names(plan_of(summary)) == {}


@pytest.mark.parametrize("summary, drug, to_take", [
    ("Discharge medications:\nGliclazide 80 mg BD - omit if not eating and restart when eating normally\n",
     "gliclazide", True),
    ("Plan:\nHis bisoprolol was continued and his doxazosin was stopped for dizziness.\n", "bisoprolol", True),
    ("Plan:\nHis bisoprolol was continued and his doxazosin was stopped for dizziness.\n", "doxazosin", False),
    ("Plan:\nshe had iv furosemide in the er, she should go back to her usual bumetanide 1 mg every morning\n",
     "bumetanide", True),
])
def test_a_rule_for_bad_days_and_each_subject_with_its_own_verb(summary, drug, to_take):
    assert listed_to_take(summary, drug) == to_take


def test_a_summary_with_only_the_medicines_before_admission_shows_them_as_written():
    """Never "not in your summary" about a summary that lists medicines, even only the regular ones."""
    plan = plan_of("Regular medications:\nBisoprolol 2.5 mg OD\nSertraline 50 mg OD\n\nPlan:\nHome.\n")
    assert [(m.name, m.as_written) for m in plan.medications] == [("Bisoprolol 2.5 mg OD", True),
                                                                   ("Sertraline 50 mg OD", True)]


@pytest.mark.parametrize("summary, drug, to_take", [
    ("Pre-admission home medications:\nJanuvia 100 mg daily\nImdur 30 mg daily\n", "januvia", False),
    ("Chronic meds (clinic card):\nMetformin 850mg tds, Glibenclamide 5mg bd\n", "metformin", False),
    ("Current medications (per GP record):\nAmlodipine 5 mg od; Levothyroxine 75 mcg od\n", "amlodipine", False),
    ("Own medications brought in:\nLosartan 50 mg OD, Gabapentin 300 mg TDS\n", "gabapentin", False),
    ("Medicines administered in the day unit:\nParacetamol 1g PO and Diclofenac 100mg PR at 11:30\n", "diclofenac",
     False),
    ("Medication changes:\nSlow-K ceased and spironolactone commenced 25 mg daily.\n", "spironolactone", True),
    ("Hospital course:\nHe had IV paracetamol post-op, weaned to oral Panadol 1 g q6h PRN on discharge.\n",
     "panadol", True),
    ("Community nurses:\nTo give enoxaparin 40 mg s/c daily until 3/5 and to apply hydrocortisone 1% cream BD.\n",
     "hydrocortisone", True),
    ("Hospital course:\nHe had IV paracetamol post-op, weaned to oral Panadol 1 g q6h PRN on discharge.\n",
     "paracetamol", False),
    ("Management:\nReceived Inj. Ceftriaxone 1g stat then 1g daily x 2/7. Discharged on Tab. Cefixime 200mg BD.\n",
     "ceftriaxone", False),
])
def test_headings_of_another_time_and_verbs_of_starting_and_stepping_down(summary, drug, to_take):
    assert listed_to_take(summary, drug) == to_take


def test_a_lower_case_list_of_dosed_lines_is_one_medicine_a_line():
    plan = plan_of("Medication Reconciliation:\nsimvastatin 20 mg tablet - Continue\nibuprofen 400 mg tablet - Stop\n")
    assert names(plan) == {"simvastatin": "continued", "ibuprofen": "stopped"}


@pytest.mark.parametrize("summary, drug, to_take", [
    ("Thyroid:\nCarbimazole 20 mg OD and propranolol 10 mg TDS. TFTs in 6 weeks.\n", "carbimazole", True),
    ("Gout:\nFebuxostat stopped. Allopurinol continue 300 mg OD.\n", "allopurinol", True),
    ("Epilepsy:\nLevetiracetam 500 mg BD. Lamotrigine continue.\n", "lamotrigine", True),
    ("Heart failure:\nSpironolactone 25 mg added.\n", "spironolactone", True),
    ("Renal:\nShe was on lithium 400 mg nocte for 10 years until her AKI.\n", "lithium", False),
    ("Opioids:\nBuprenorphine patch removed on admission and not to be restarted.\n", "buprenorphine", False),
    ("Background:\nCOPD on Trelegy 1 puff OD, hypertension on amlodipine 5 mg OD.\n", "amlodipine", False),
    ("Advice:\nTab. Telma 40 to be stopped, start Tab. Cilacar 10 1-0-0.\n", "cilacar", True),
])
def test_under_a_heading_we_do_not_know_a_prescription_is_a_medicine_and_a_story_is_not(summary, drug, to_take):
    """ "Thyroid:", "Gout:": an unknown heading may hold the plan; a line written as a prescription, or a drug with
    its order after it ("Allopurinol continue"), is one to take; what the clause narrates, a past or a stop is not."""
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, to_take", [
    ("HOSPITAL COURSE:\nAfter 48 hours she was changed from IV cefuroxime to oral cefalexin 500 mg QDS.\n",
     "cefalexin", True),
    ("HOSPITAL COURSE:\nHe was converted from an insulin infusion to subcutaneous Levemir 16 units at night.\n",
     "levemir", True),
    ("HOSPITAL COURSE:\nThe esomeprazole infusion was stepped down to oral esomeprazole, and he will take 40 mg daily "
     "for 8 weeks.\n", "esomeprazole", True),
    ("HOSPITAL COURSE:\nOn day 4 he was changed to oral clarithromycin; this was stopped on day 6 for QT "
     "prolongation.\n", "clarithromycin", False),
    ("HOSPITAL COURSE:\nShe was moved to oral amoxicillin on day 3; the course was completed on the ward.\n",
     "amoxicillin", False),
    ("HOSPITAL COURSE:\nHe was switched to IV vancomycin after the cultures grew MRSA.\n", "vancomycin", False),
])
def test_a_step_down_to_a_route_taken_at_home_is_made_for_going_home(summary, drug, to_take):
    """In the story of the stay, a change from a drip to tablets or to injections under the skin is the plan for
    home, unless the story then ends it on the ward."""
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, to_take", [
    ("DISCHARGE INSTRUCTIONS:\nYou had your first injection of dalteparin on the ward. Give yourself one injection "
     "under the skin each evening at home.\n", "dalteparin", True),
    ("YOUR ANTIBIOTICS:\nYou had three days of doxycycline in hospital. Please take the remaining capsules twice a "
     "day until they are finished.\n", "doxycycline", True),
    ("YOUR ANTIBIOTICS:\nYou had three days of doxycycline in hospital. Do not take the remaining capsules.\n",
     "doxycycline", False),
])
def test_an_order_to_take_doses_that_names_no_drug_is_about_the_one_before(summary, drug, to_take):
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, to_take", [
    ("HOSPITAL COURSE:\nWe switched her to piperacillin-tazobactam 4.5 g q6h and she completed 5 days.\n",
     "piperacillin", False),
    ("INSTRUCTIONS:\nWe stopped the cefalexin and switched her to co-trimoxazole.\n", "co-trimoxazole", True),
    ("HOSPITAL COURSE:\nHe was switched to meropenem on day 3 for a resistant organism.\n", "meropenem", False),
    ("HOSPITAL COURSE:\nShe was switched to IV vancomycin after the cultures grew MRSA.\n", "vancomycin", False),
    ("TREATMENT:\nGiven morphine 5 mg IV in the ED; advised regular ibuprofen 400 mg TDS for 5 days.\n",
     "ibuprofen", True),
    ("PLAN:\nHe was advised not to take ibuprofen because of his ulcer.\n", "ibuprofen", False),
    ("PLAN:\nThe team advised a trial of gabapentin but the patient declined.\n", "gabapentin", False),
    ("HOSPITAL COURSE:\nHe was started on apixaban, which he will continue at home, and his aspirin was stopped.\n",
     "apixaban", True),
    ("DISCHARGE MEDICATIONS:\nOndansetron 4 mg PO q8h PRN nausea (first dose given in the ED)\n", "ondansetron",
     True),
    ("INSTRUCTIONS FOR PARENTS:\nYou may give paracetamol every 4-6 hours for pain.\n", "paracetamol", True),
    ("PLAN:\nI will give him ondansetron 4 mg IV now and then send him home.\n", "ondansetron", False),
])
def test_what_a_sentence_moves_the_patient_onto_is_a_medicine_to_take(summary, drug, to_take):
    """A switch, advice or a carer's "you may give" puts the drug in the plan; not a switch in the story of the stay
    (the ward's), advice not to, a declined trial, nor a clinician's own "I will give"."""
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug", [
    ("PLAN:\nOral antibiotics: amoxicillin 500 mg TDS for 5 days.\n", "amoxicillin"),
    ("PLAN:\nStart a statin (simvastatin 40 mg at night).\n", "simvastatin"),
])
def test_a_kind_of_drug_then_the_drug_itself_lists_the_drug(summary, drug):
    assert listed_to_take(summary, drug)


@pytest.mark.parametrize("summary", [
    "DISCHARGE INSTRUCTIONS:\nDo not stop taking clopidogrel unless your heart doctor tells you to.\n",
    "DISCHARGE MEDICATIONS:\n1. Clopidogrel 75 mg daily - do not stop\n",
    "DISCHARGE INSTRUCTIONS:\nNever miss a dose of clopidogrel.\n",
])
def test_do_not_stop_means_keep_taking_it(summary):
    found = names(plan_of(summary))
    assert [status for name, status in found.items() if "clopidogrel" in name.lower()] == ["continued"]


def test_a_do_not_of_something_else_leaves_a_stop_alone():
    assert names(plan_of("DISCHARGE MEDICATIONS:\n1. Metoprolol 25 mg BID - STOPPED due to a slow pulse, do not skip "
                         "your follow-up\n")) == {"Metoprolol": "stopped"}
    both = names(plan_of("DISCHARGE INSTRUCTIONS:\nStop clopidogrel 5 days before surgery, do not stop aspirin.\n"))
    assert both == {"clopidogrel": "stopped", "aspirin": "continued"}


@pytest.mark.parametrize("note", ["has not been restarted, review in clinic", "not restarted (GI bleed)",
                                  "not yet resumed", "withheld till creatinine rechecked at clinic",
                                  "held pending renal function"])
def test_a_drug_not_restarted_or_held_until_later_is_not_one_to_take(note):
    found = names(plan_of(f"DISCHARGE MEDICATIONS:\n1. Warfarin 5 mg daily - {note}\n2. Bisoprolol 2.5 mg OD\n"))
    assert found["Warfarin"] == "stopped" and found["Bisoprolol"] != "stopped"


def test_a_drug_on_hold_in_a_sentence_of_the_list_is_not_one_to_take():
    found = names(plan_of("DISCHARGE MEDICATIONS:\nMetformin 500 mg BD\nGliclazide on hold until review in Diabetes "
                          "Clinic.\n"))
    assert found["Gliclazide"] == "held" and found["Metformin"] not in ("held", "stopped")


def test_a_drug_switched_to_another_is_stopped_but_a_new_dose_is_not():
    switched = names(plan_of("MEDICATION CHANGES:\nPravastatin switched to rosuvastatin 10mg ON.\n"))
    assert switched["Pravastatin"] == "stopped"
    assert names(plan_of("DISCHARGE MEDICATIONS:\nFurosemide changed to 20 mg daily.\n"))["Furosemide"] != "stopped"


def test_an_over_the_counter_medicine_is_one_to_take():
    plan = plan_of("DISCHARGE INSTRUCTIONS:\nHe can be managed with some antihistamine over-the-counter.\n")
    assert any("antihistamine" in name.lower() for name in names(plan))


def test_unreadable_lines_of_a_medicine_list_are_shown_as_written():
    plan = plan_of("DISCHARGE MEDICATIONS:\nAs per the GP letter attached, blister pack from community pharmacy\n")
    assert plan.medications and all(m.as_written for m in plan.medications)
    assert "blister pack" in plan.medications[0].text


def test_resume_your_home_medicines_is_never_hidden():
    plan = plan_of("HOSPITAL COURSE: Uneventful.\nDISCHARGE INSTRUCTIONS: Resume all of your usual home "
                   "medications. Walk daily.\n")
    assert any(m.as_written and "usual home medications" in m.text for m in plan.medications)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_almost_no_annotated_summary_with_home_medicines_gets_an_empty_list():
    truth = {}
    for path in ANNOTATIONS.glob("*.json"):
        truth.update(json.loads(path.read_text()))
    empty = []
    for name, expected in truth.items():
        if expected["home_medications"]:
            plan = extract_plan(load_document((CORPUS / name).read_bytes(), name))
            if not plan.medications:
                empty.append(name)
    assert len(empty) <= 2, empty   # measured: 2 of 57


def test_no_before_a_drug_says_not_to_take_it():
    summary = """Discharge medications:
- Amoxicillin 500 mg three times a day for 5 days.
- NO ibuprofen or naproxen for pain - your kidneys.

Hospital course: No tPA or thrombectomy required.
"""
    assert listed_to_take(summary, "amoxicillin")
    assert not listed_to_take(summary, "ibuprofen") and not listed_to_take(summary, "naproxen")
    assert names(plan_of(summary)).get("ibuprofen") == "stopped"
    assert "tPA" not in names(plan_of(summary))   # a report of the stay, not an order


# ---------------------------------------------------------------- the vocabulary data

def test_the_supplement_is_reviewed_data_with_sources():
    entries = tomllib.loads((DRUG_DATA / "drugs_supplement.toml").read_text())["drug"]
    assert len(entries) >= 300
    assert len({e["name"].lower() for e in entries}) == len(entries)
    assert all(e["generic"].strip() and e["source"].strip() for e in entries)
    assert {e["kind"] for e in entries} <= {"brand", "combination", "supplement", "otc", "abbreviation", "class"}


def test_the_generated_vocabulary_knows_brands_and_generics():
    drugs = vocabulary()
    assert len(drugs.names) > 50_000
    for written, generic in (("Lasix", "furosemide"), ("Keflex", "cephalexin"), ("paracetamol", "acetaminophen"),
                             ("Pepto Bismol", "bismuth subsalicylate")):
        assert drugs.generic(written) == generic, written


@pytest.mark.parametrize("heading", ["Suspended medications:", "Medications held:", "Omitted medications:",
                                     "Withheld medicines:", "Medications temporarily suspended:",
                                     "Suspended medications (GP to review):", "Stopped / suspended medicines:",
                                     "Medications on hold:", "MEDICATION CEASED"])
def test_a_heading_that_suspends_its_medicines_does_not_list_them_to_take(heading):
    summary = f"Discharge Medications:\nAmlodipine 5 mg OD\n\n{heading}\nRamipril 10 mg OD - due to AKI"
    assert listed_to_take(summary, "amlodipine") and not listed_to_take(summary, "ramipril")


def test_a_heading_that_only_mentions_a_hold_is_no_group_status():
    summary = ("Discharge Medications:\nAmlodipine 5 mg OD\n\nMedications held on admission, restarted on discharge:\n"
               "Ramipril 10 mg OD\nAtorvastatin 40 mg ON\nSuspended\nBisoprolol 2.5 mg OD")
    assert all(listed_to_take(summary, drug) for drug in ("ramipril", "atorvastatin", "bisoprolol"))


def test_an_order_about_a_dose_does_not_stop_the_drug():
    """"Doses must not be omitted", "withheld for pulse < 60", "suspended in water": the drug is still taken."""
    summary = ("Discharge Medications:\nLevetiracetam 500 mg BD - doses must not be omitted\n"
               "Digoxin 125 mcg OD (withheld for pulse < 60)\n"
               "Movicol 1 sachet twice daily suspended in half a glass of water")
    assert all(listed_to_take(summary, drug) for drug in ("levetiracetam", "digoxin", "movicol"))


def test_a_blood_result_is_not_a_medicine():
    plan = plan_of("Discharge Medications:\n1. Metformin 500 mg twice daily.\n\nHospital Course:\n"
                   "Creatinine was 1.4 on discharge. Triglycerides 2.1. Cortisol was low.")
    assert set(names(plan)) == {"Metformin"}


@pytest.mark.parametrize(("summary", "drug", "to_take"), [
    ("Discharge Instructions:\nResume all home medications except metformin until your kidney test.", "metformin",
     False),
    ("Discharge Instructions:\nContinue your usual medicines apart from ibuprofen and naproxen.", "naproxen", False),
    ("Discharge Instructions:\nStop all your tablets except aspirin.", "aspirin", True),
    ("Discharge Instructions:\nContinue metformin and lisinopril, except on the day of your scan.", "lisinopril",
     True),
])
def test_a_drug_named_after_except_gets_the_other_status(summary, drug, to_take):
    assert listed_to_take(summary, drug) is to_take


@pytest.mark.parametrize("section", ["Discharge Medications", "Discharge Instructions"])
def test_each_drug_of_a_sentence_keeps_what_is_said_of_it(section):
    """"Aspirin will be stopped, clopidogrel will continue": the stop is aspirin's, not clopidogrel's."""
    plan = plan_of(f"{section}:\nAspirin will be stopped, clopidogrel will continue at 75 mg daily.")
    assert names(plan) == {"Aspirin": "stopped", "clopidogrel": "continued"}


@pytest.mark.parametrize(("summary", "stopped", "taken"), [
    ("Medicines withheld:\nMetformin 1 g BD\nMedicines unchanged:\nAspirin 75 mg OD", "metformin", "aspirin"),
    ("Ceased medications:\nMontelukast 10 mg\nInhalers:\nSymbicort 200/6 2 puffs BD", "montelukast", "symbicort"),
    ("Suspended medicines:\nRamipril 5 mg OD\nMedicines to review with GP:\nBisoprolol 2.5 mg OD", "ramipril",
     "bisoprolol"),
    ("Ramipril 5 mg OD\nHeld (AKI)\nAspirin 75 mg OD", None, "aspirin"),
    ("Medications ceased:\nOmeprazole 20 mg\nMedications commenced:\nPantoprazole 40 mg OD", "omeprazole",
     "pantoprazole"),
    ("Stopped / suspended medicines:\nRamipril 5 mg\nOther medicines:\nParacetamol 1 g QDS", "ramipril",
     "paracetamol"),
])
def test_a_stop_heading_ends_where_the_next_group_begins(summary, stopped, taken):
    """...but not at a note inside its own group ("Do not take these medications:"); and a status word with a
    reason in brackets ("Held (AKI)") is a note on the drug above, not a heading."""
    summary = f"Discharge Medications:\n{summary}"
    assert (stopped is None or not listed_to_take(summary, stopped)) and listed_to_take(summary, taken)


@pytest.mark.parametrize("note", ["Do not take these medications:", "Reason for change:", "Reason stopped:", "Note:",
                                  "Cardiac:", "On hold:"])
def test_a_note_inside_a_stopped_group_keeps_it_stopped(note):
    assert not listed_to_take(f"Discharge Medications:\nStopped medications:\n{note}\nTramadol 50 mg q6h prn",
                              "tramadol")


@pytest.mark.parametrize(("sentence", "drug", "to_take"), [
    ("Except on dialysis days, take metformin 500 mg BD.", "metformin", True),
    ("Continue all meds except lisinopril, which has been increased to 20 mg.", "lisinopril", True),
    ("Continue all previous medications except: metformin, gliclazide.", "gliclazide", False),
])
def test_only_the_drugs_an_exception_lists_are_excepted(sentence, drug, to_take):
    assert listed_to_take(f"Discharge Instructions:\n{sentence}", drug) is to_take


def test_a_person_or_a_blood_result_before_a_dose_is_not_a_medicine():
    plan = plan_of("Discharge Medications:\nDr Patel will restart ramipril 2.5 mg OD\n"
                   "Cortisol low; start hydrocortisone 10 mg mane.\nUrea 10% cream apply twice daily\n"
                   "Magic mouthwash is 10 mL swish and spit QID")
    assert {name.lower() for name in names(plan)} == {"ramipril", "hydrocortisone", "urea", "magic mouthwash"}


@pytest.mark.parametrize(("summary", "stopped", "taken"), [
    ("Discharge Medications:\nDo not continue ibuprofen 400 mg TDS", "ibuprofen", None),
    ("Plan:\nContinue warfarin 3 mg; to be withheld before colonoscopy as advised.", None, "warfarin"),
    ("Plan:\nRamipril was omitted for one dose because of low BP, please continue ramipril 2.5 mg daily.", None,
     "ramipril"),
    ("Plan:\nAspirin and clopidogrel continued, atorvastatin should be increased to 80 mg.", None, "atorvastatin"),
    ("Discharge Instructions:\nContinue all home medications except increase furosemide to 40 mg daily.", None,
     "furosemide"),
    ("Discharge Instructions:\nAvoid all painkillers except paracetamol, especially ibuprofen and naproxen.",
     "naproxen", "paracetamol"),
    ("Discharge Instructions:\nMetformin, gliclazide should be held until review.", "metformin", None),
    ("Discharge Instructions:\nContinue aspirin 75 mg, atorvastatin will be increased to 80 mg.", None, "atorvastatin"),
    ("Discharge Medications:\n- Metformin is withheld\n- Ramipril is suspended\n- Aspirin 75 mg OD", "ramipril",
     "aspirin"),
    ("Discharge Medications:\nMedications on hold (restarted today):\nRamipril 5 mg OD", None, "ramipril"),
])
def test_what_a_sentence_says_of_each_drug_is_kept(summary, stopped, taken):
    assert stopped is None or not listed_to_take(summary, stopped)
    assert taken is None or listed_to_take(summary, taken)


def test_a_stop_group_split_by_sub_headings_stays_stopped_to_its_end():
    summary = ("Discharge Medications:\nStopped medications:\nCardiac:\nAmlodipine 5 mg OD\nDiabetes:\n"
               "Metformin 500 mg BD\nOther medicines:\nAspirin 75 mg OD")
    assert not listed_to_take(summary, "amlodipine") and not listed_to_take(summary, "metformin")
    assert listed_to_take(summary, "aspirin")


@pytest.mark.parametrize(("summary", "stopped", "taken"), [
    ("STOP taking these medications:\nlisinopril 10 mg daily\nOver-the-counter:\nibuprofen 200 mg as needed\n"
     "CONTINUE taking these medications:\naspirin 81 mg daily", "ibuprofen", "aspirin"),
    ("Stopped medications:\nN/A\nContinue these:\nAspirin 75 mg OD", None, "aspirin"),
    ("Medications on hold:\nRamipril 5 mg OD\nTake the following:\nBisoprolol 2.5 mg OD", "ramipril", "bisoprolol"),
    ("Stopped medications:\nPreviously taking:\nNaproxen 500 mg BD\nContinue:\nAspirin 75 mg OD", "naproxen",
     "aspirin"),
])
def test_a_stop_group_runs_to_the_heading_that_says_what_to_take(summary, stopped, taken):
    summary = f"Discharge Medications:\n{summary}"
    assert (stopped is None or not listed_to_take(summary, stopped)) and listed_to_take(summary, taken)


@pytest.mark.parametrize(("summary", "stopped", "taken"), [
    ("Medications on hold:\nAspirin 75 mg daily - hold until after endoscopy\n\nDaily medicines:\n"
     "Omeprazole 20 mg daily\nLevothyroxine 50 mcg each morning\n", "aspirin", "levothyroxine"),
    ("Medications to take:\n| Medicine | Dose | How often |\n|---|---|---|\n| Paracetamol | 1 g | four times a day |\n"
     "\nMedications stopped:\n| Medicine | Dose | Reason |\n|---|---|---|\n| Diclofenac | 50 mg | kidney function |\n",
     "diclofenac", "paracetamol"),
    ("What medicines to take:\nKEEP TAKING these medicines the same way: Synthroid, vitamin B12.\n", None, "synthroid"),
])
def test_a_medicine_list_under_its_own_heading_is_read_outside_a_medication_section(summary, stopped, taken):
    assert (stopped is None or not listed_to_take(summary, stopped)) and listed_to_take(summary, taken)


def test_a_stopped_table_row_keeps_its_heading_status():
    summary = ("Discharge medications:\nAspirin 75 mg OD\nMedications stopped:\n| Medicine | Dose | Reason |\n"
               "| Diclofenac | 50 mg | kidney function |\n")
    assert names(plan_of(summary)).get("Diclofenac") == "stopped"


@pytest.mark.parametrize("heading", ["Please STOP the following medications:", "Do not take these medicines:",
                                     "Stop taking these medications:"])
def test_a_heading_that_tells_the_patient_to_stop_stops_its_list(heading):
    summary = f"Discharge Medications:\nLisinopril 10 mg once daily\n{heading}\nIbuprofen 400 mg three times a day\n"
    assert not listed_to_take(summary, "ibuprofen") and listed_to_take(summary, "lisinopril")


def test_a_lead_in_that_says_the_drugs_were_for_hospital_lists_none_to_take():
    summary = ("What medicines to take:\nMedicines you got in the hospital that you do NOT need at home: heparin "
               "shots, Protonix IV.\nKeep taking: metoprolol 25 mg twice a day.\n")
    assert not listed_to_take(summary, "protonix") and not listed_to_take(summary, "heparin")
    assert listed_to_take(summary, "metoprolol")


def test_an_ehr_medication_form_gives_each_medicine_its_status():
    summary = ("Discharge Medication List\nMedication: Metoprolol succinate\nDose: 25 mg\nFrequency: daily\n"
               "Status: Continue\n\nMedication: Clopidogrel\nDose: 75 mg\nFrequency: daily\nStatus: Discontinued\n")
    meds = {m.name: m for m in plan_of(summary).medications}
    assert meds["Metoprolol succinate"].dose == "25 mg" and meds["Metoprolol succinate"].status == "continued"
    assert meds["Clopidogrel"].status == "stopped"


@pytest.mark.parametrize(("summary", "stopped", "taken"), [
    ("Plan\nMedicines stopped:\n- Diclofenac 50 mg TDS\nFor your heart:\n- Aspirin 75 mg daily\n", "diclofenac",
     "aspirin"),
    ("Plan\nMedications on hold:\n- Apixaban 5 mg BD\nApixaban to restart 48 hours after the procedure.\n"
     "Paracetamol 1 g QDS as needed for pain.\n", None, "paracetamol"),
    ("Plan\nMedications to take:\n- Lithium 400 mg at night\nMedicines to avoid:\n- Ibuprofen\n", "ibuprofen",
     "lithium"),
    ("Plan\nMedications stopped:\n- Aspirin 75 mg\nTake clopidogrel 75 mg once daily for 12 months.\n", "aspirin",
     "clopidogrel"),
])
def test_a_headed_list_ends_where_its_form_or_its_heading_ends(summary, stopped, taken):
    assert (stopped is None or not listed_to_take(summary, stopped)) and listed_to_take(summary, taken)


def test_a_list_headed_as_held_in_hospital_says_nothing_of_after_discharge():
    summary = ("HOSPITAL COURSE:\nMedicines held in ICU:\n- Metoprolol 50 mg BID\nBoth restarted before discharge.\n"
               "Discharge medications:\n- Metoprolol 50 mg BID\n")
    assert listed_to_take(summary, "metoprolol")


@pytest.mark.parametrize("status", ["On hold", "Paused", "Not taking", "Completed in hospital"])
def test_a_form_status_that_means_not_now_is_not_a_medicine_to_take(status):
    summary = (f"Discharge Medications\nMedication: Warfarin\nDose: 5 mg\nStatus: {status}\n\n"
               "Medication: Bisoprolol\nDose: 2.5 mg\nStatus: Continue\n")
    assert not listed_to_take(summary, "warfarin") and listed_to_take(summary, "bisoprolol")


def test_a_single_medication_label_without_form_fields_is_still_read():
    summary = "Diagnosis: UTI\nMedication: Nitrofurantoin 100 mg twice daily for 3 days\n"
    assert listed_to_take(summary, "nitrofurantoin")


def test_a_drug_history_is_what_was_taken_before_admission():
    summary = "Drug history:\nSertraline 100mg OD, zopiclone 7.5mg PRN.\n\nPlan:\nHome today.\n"
    assert not listed_to_take(summary, "sertraline")


@pytest.mark.parametrize("heading", ["Do not take these medicines on an empty stomach:",
                                     "Do not take the following medicines with alcohol:",
                                     "Avoid missing these medicines:"])
def test_a_heading_on_how_to_take_medicines_does_not_stop_them(heading):
    summary = f"Plan\n{heading}\nClopidogrel 75 mg once daily\nAspirin 81 mg once daily\n"
    assert not any(status in ("stopped", "held") for status in names(plan_of(summary)).values())


@pytest.mark.parametrize("heading", ["Medicines you should NOT take:", "Please do not take these medications at home:",
                                     "Medications to avoid while on warfarin:"])
def test_a_heading_that_says_not_to_take_its_list_stops_it(heading):
    summary = f"Plan\nMedicines to take:\n- Warfarin 3 mg daily\n{heading}\n- Ibuprofen 400 mg\n- Naproxen 250 mg\n"
    assert not listed_to_take(summary, "ibuprofen") and not listed_to_take(summary, "naproxen")
    assert listed_to_take(summary, "warfarin")


def test_a_list_spaced_out_line_by_line_keeps_its_heading_to_the_end():
    summary = ("Plan\nSTOP taking these medications:\n\n- Warfarin 5 mg daily\n\n- Aspirin 81 mg daily\n\n"
               "- Naproxen 500 mg\n\nFollow up with GP.\n")
    assert not any(listed_to_take(summary, drug) for drug in ("warfarin", "aspirin", "naproxen"))


def test_a_blank_line_ends_a_stop_list():
    summary = ("Plan\nMedications stopped:\n- Ibuprofen 400 mg three times a day\n\n- Lisinopril 10 mg once daily\n"
               "- Insulin glargine 20 units at bedtime\n")
    assert not listed_to_take(summary, "ibuprofen")
    assert listed_to_take(summary, "lisinopril") and listed_to_take(summary, "insulin")


def test_an_ehr_form_outside_any_medication_section_is_read():
    summary = "Medication: Lisinopril 10 mg\nStatus: Held\nMedication: Amlodipine 5 mg\nStatus: Continue\n"
    meds = names(plan_of(summary))
    assert meds.get("Lisinopril") == "stopped" and meds.get("Amlodipine") == "continued"


@pytest.mark.parametrize("label", ["Withheld", "Ceased", "Suspended", "Paused", "Withhold", "Avoid"])
def test_a_stop_label_before_a_drug_stops_it(label):
    summary = f"Discharge Medications:\nAmlodipine 5 mg daily\n{label}: warfarin 5 mg daily\n"
    assert not listed_to_take(summary, "warfarin") and listed_to_take(summary, "amlodipine")


@pytest.mark.parametrize("status", ["Withheld", "Ceased", "Withhold until GP review", "STOP"])
def test_a_status_column_of_a_table_gives_the_drug_its_status(status):
    summary = ("TTO:\n| Drug | Dose | Frequency | Status |\n| Bisoprolol | 2.5 mg | OD | Continue |\n"
               f"| Ramipril | 5 mg | OD | {status} |\n")
    assert not listed_to_take(summary, "ramipril") and listed_to_take(summary, "bisoprolol")


def test_a_status_led_to_by_dots_is_read():
    summary = ("Discharge Medications:\nAmlodipine 5mg OD ........... unchanged\n"
               "Doxazosin 4mg OD ............ STOPPED (postural hypotension)\n"
               "Ramipril 5mg OD ............. WITHHELD (AKI, low BP) - GP to review at 1 week\n")
    assert names(plan_of(summary)) == {"Amlodipine": "continued", "Doxazosin": "stopped", "Ramipril": "stopped"}


def test_a_reconciliation_table_gives_the_dose_at_discharge_not_the_one_before():
    summary = ("Medication reconciliation\nBefore admission          | Action   | At discharge              | Note\n"
               "Simvastatin 20 mg nightly | CHANGE   | Simvastatin 40 mg nightly | lipids above target\n"
               "Ramipril 5 mg daily       | STOP     | --                        | low blood pressure\n"
               "--                        | START    | Bisoprolol 2.5 mg daily   | new heart rhythm\n")
    meds = {m.name.lower(): m for m in plan_of(summary).medications}
    assert meds["simvastatin"].dose == "40 mg" and meds["simvastatin"].status == "changed"
    assert meds["ramipril"].status == "stopped" and meds["bisoprolol"].status == "new"


@pytest.mark.parametrize("note", ["Avoid alcohol while taking it", "AVOID grapefruit juice"])
def test_a_note_cell_that_opens_with_advice_does_not_stop_the_row_s_drug(note):
    summary = f"TTO:\n| Drug | Dose | Frequency | Notes |\n| Metronidazole | 400 mg | TDS | {note} |\n"
    assert listed_to_take(summary, "metronidazole")


@pytest.mark.parametrize("line", [
    "| Doxycycline 100 mg cap | 1 cap twice a day for 7 days. Not with milk, antacids or iron |",
    "| Naproxen 250 mg | STOP - avoid all anti-inflammatories (ibuprofen, Advil, diclofenac) |",
    "Dolutegravir 50 mg once daily in the evening until 2 weeks after rifampicin ends",
])
def test_a_drug_only_mentioned_in_another_medicine_s_line_is_not_one_more_to_take(line):
    listed = names(plan_of(f"Discharge Medications:\n{line}\n"))
    row_drug = line.strip("| ").split()[0]
    assert row_drug in listed
    assert all(status in ("stopped", "held") for name, status in listed.items() if name != row_drug), listed


def test_a_second_drug_in_a_list_line_with_its_own_timing_is_still_listed():
    summary = ("Discharge Medications:\n- Keep taking your levothyroxine 75 micrograms every morning and your "
               "Xalatan eye drops at night, the same as before.\n")
    assert listed_to_take(summary, "levothyroxine") and listed_to_take(summary, "xalatan")


def test_an_epic_list_reads_its_headings_without_colons_and_not_the_brand_names_as_more_drugs():
    summary = ("Discharge Medications\nSTOP taking these medications\nmetoprolol tartrate 25 MG tablet\n"
               "Commonly known as: LOPRESSOR\nCONTINUE taking these medications\nmetoprolol succinate 50 MG tablet\n"
               "Commonly known as: TOPROL-XL\n")
    meds = names(plan_of(summary))
    assert meds == {"metoprolol tartrate": "stopped", "metoprolol succinate": "continued"}


@pytest.mark.parametrize(("heading", "stops"), [
    ("Drugs to avoid:", True), ("Medicines you should NOT take:", True),
    ("Medicines to avoid if you become dehydrated:", False),
])
def test_a_heading_inside_the_medication_list_stops_what_it_says_not_to_take(heading, stops):
    summary = f"Discharge Medications:\nLevothyroxine 100 mcg each morning\n{heading}\nIbuprofen\nTab. Brufen\n"
    assert listed_to_take(summary, "ibuprofen") is not stops and listed_to_take(summary, "brufen") is not stops
    assert listed_to_take(summary, "levothyroxine")


def test_a_line_that_names_a_drug_and_says_it_is_withheld_is_not_a_medicine_to_take():
    summary = ("Medications on discharge:\nFurosemide 80 mg OM (increased)\n"
               "Spironolactone - withheld due to hyperkalaemia\n")
    assert not listed_to_take(summary, "spironolactone") and listed_to_take(summary, "furosemide")


def test_a_gp_records_removal_from_repeats_is_a_stop():
    summary = "Medication review:\nZopiclone 7.5 mg removed from repeats. Sertraline 50 mg remains on repeat.\n"
    assert not listed_to_take(summary, "zopiclone")
    assert "Sertraline" in names(plan_of(summary)) and listed_to_take(summary, "sertraline")


def test_a_drug_the_gp_is_asked_to_review_is_still_taken():
    """"Please review the need for ongoing omeprazole": the patient takes it until the GP says otherwise."""
    summary = "Actions for GP:\nPlease review the need for ongoing omeprazole in 8 weeks.\n"
    assert listed_to_take(summary, "omeprazole")


def test_at_discharge_after_and_opens_a_clause_of_its_own():
    """The ward drugs of the first half are not what the patient goes home on."""
    summary = ("Hospital course:\nShe was managed with IV ceftriaxone 2 g OD and IV furosemide 40 mg BD, and at "
               "discharge was put on oral torsemide 20 mg OD.\n")
    assert listed_to_take(summary, "torsemide")
    assert not listed_to_take(summary, "ceftriaxone") and not listed_to_take(summary, "furosemide")


def test_back_on_a_drug_after_a_stop_is_a_clause_of_its_own():
    summary = ("Nursing handover:\nHeparin infusion stopped this morning, back on her usual Levemir 18 units at night "
               "with Humalog at meals.\n")
    assert listed_to_take(summary, "levemir") and listed_to_take(summary, "humalog")
    assert not listed_to_take(summary, "heparin")


@pytest.mark.parametrize("line", ["Tranexamic acid 1 g IV stat given in resus.",
                                  "Dexamethasone 10 mg given at 09:15, then reviewed.",
                                  "Vitamin K 10 mg given on admission."])
def test_one_dose_given_during_the_stay_is_not_to_take(line):
    summary = f"Discharge Medications:\nBisoprolol 2.5 mg OD\n{line}\n"
    drug = line.split()[0].lower()
    assert not listed_to_take(summary, drug) and listed_to_take(summary, "bisoprolol")


@pytest.mark.parametrize(("line", "stopped", "taken"), [
    ("Sitagliptin 100 mg OD ceased because of pancreatitis.", "sitagliptin", None),
    ("Nifedipine LA 30 mg withheld as BP low on the ward.", "nifedipine", None),
    ("Pregabalin suspended due to drowsiness and duloxetine commenced 30 mg daily.", "pregabalin", "duloxetine"),
    ("Bendroflumethiazide ceased and indapamide started 2.5 mg mane.", "bendroflumethiazide", "indapamide"),
])
def test_a_stop_written_after_the_drug_is_its_own(line, stopped, taken):
    """UK and Australian letters write the stop after the drug ("... 100 mg OD ceased because of ..."); a second
    drug started in the same sentence is still one to take."""
    summary = f"Discharge Medications:\nAmlodipine 5 mg OD\n{line}\n"
    assert not listed_to_take(summary, stopped) and listed_to_take(summary, "amlodipine")
    assert taken is None or listed_to_take(summary, taken)


@pytest.mark.parametrize("line", [
    "Clopidogrel 75 mg OD - do not withhold until cardiology review",
    "Apixaban 5 mg BD - withheld 2/7 for procedure, recommenced 12/3",
    "Digoxin 125 mcg OD - withhold: pulse < 60",
    "Bisoprolol 2.5 mg OD; if HR < 50 withhold until reviewed by GP",
    "Metformin 500 mg BD - withhold during vomiting",
    "Macrogol 1 sachet BD - suspended in 125 ml water",
    "Levetiracetam 500 mg BD - doses must not be omitted",
])
def test_a_note_on_when_to_withhold_a_dose_does_not_stop_the_drug(line):
    drug = line.split()[0].lower()
    assert listed_to_take(f"Discharge Medications:\n{line}\nAspirin 75 mg OD\n", drug)


@pytest.mark.parametrize("cell", ["hold for bleeding, contact team", "Avoid grapefruit", "Complete course",
                                  "New, hold if HR < 50"])
def test_a_note_in_a_table_cell_does_not_stop_the_drug(cell):
    summary = f"Discharge Medications:\n| Drug | Dose | Frequency | Comments |\n| Aspirin | 75 mg | OD | {cell} |\n"
    assert listed_to_take(summary, "aspirin")


def test_a_line_with_a_dose_and_how_often_ends_a_list_of_drugs_to_avoid():
    summary = ("Discharge Medications:\nAspirin 75 mg OD\nDrugs to avoid:\nIbuprofen\nDiclofenac\n\n"
               "Atorvastatin 80 mg ON\n")
    assert not listed_to_take(summary, "ibuprofen") and listed_to_take(summary, "atorvastatin")


@pytest.mark.parametrize(("status", "stopped"), [
    ("Active - on hold (INR 5.8)", True), ("New - withheld until haemoglobin stable", True),
    ("Continue - do not stop suddenly", False), ("Continued (was held during admission)", False),
    ("Continued until 12/2025 then stop", False), ("Active (previously ceased, now restarted)", False),
])
def test_a_form_status_stops_the_drug_only_when_it_stops_it_now(status, stopped):
    summary = f"Discharge Medications\nMedication: Warfarin\nDose: 5 mg\nStatus: {status}\n"
    assert listed_to_take(summary, "warfarin") is not stopped


def test_a_line_with_a_dose_after_drugs_to_avoid_named_bare_is_one_to_take():
    summary = ("Discharge Medications:\nBisoprolol 2.5 mg OD\nMedicines to avoid:\nIbuprofen\nNaproxen\n"
               "Paracetamol 1 g four times a day for pain\n")
    assert not listed_to_take(summary, "ibuprofen") and listed_to_take(summary, "paracetamol")


def test_a_drug_named_twice_under_two_names_is_kept_as_the_prescription():
    """The ward's infusion and the brand taken home are one generic: the line shows the brand with its dose."""
    plan = plan_of("Discharge medications:\nIV amiodarone run over a day on the ward; home on Cordarone 200 mg once "
                   "daily.\n")
    assert [(m.name, m.dose, m.frequency) for m in plan.medications] == [("Cordarone", "200 mg", "once daily")]


def test_a_dictated_list_without_commas_gives_each_drug_its_own_status():
    """A transcription runs drugs together ("amlodipine 5 daily furosemide 20 twice daily"): how often one drug
    is taken ends it, and a new subject with its verb ("he is to hold") opens a clause of its own."""
    plan = plan_of("DISCHARGE MEDICATIONS: discharge medications are amlodipine 5 daily furosemide 20 twice daily and "
                   "pantoprazole 40 every morning he is to hold his metformin until his kidney tests are rechecked\n")
    found = {name.lower(): status for name, status in names(plan).items()}
    assert {"amlodipine", "furosemide", "pantoprazole"} <= set(found)
    assert found["metformin"] == "held"
    assert all(found[drug] not in ("stopped", "held") for drug in ("amlodipine", "furosemide", "pantoprazole"))


@pytest.mark.parametrize("line, drug", [
    ("T. Rabekind-DSR 1-0-0 before breakfast x 10 days", "rabekind-dsr"),
    ("T. Montair-LC 0-0-1 x 5 days", "montair-lc"),
])
def test_a_local_brand_written_after_t_dot_is_a_medicine(line, drug):
    """Indian prescriptions write "T." for tablet before brands no vocabulary holds."""
    assert listed_to_take(f"Treatment advised:\n1) {line}\n", drug)


def test_a_t_that_is_not_a_tablet_names_no_medicine():
    plan = plan_of("Observations:\nT 38.2, HR 96. Seen by Dr. T. Okafor on the ward round.\n")
    assert names(plan) == {}


def test_an_order_to_give_a_medicine_under_a_heading_of_home_medicines_is_one_to_take():
    """ "Medicines at home" may head what was taken before or what to give now; an order says which."""
    summary = ("Medicines at home:\nGive cetirizine 5 mg by mouth once a day for 5 more days.\n"
               "Do not give him ibuprofen until the kidney test is back.\n")
    assert listed_to_take(summary, "cetirizine") and not listed_to_take(summary, "ibuprofen")


@pytest.mark.parametrize("summary, drug, to_take", [
    ("Medication changes:\nPhenytoin loading dose 1 g given; continue 100 mg three times a day.\n", "phenytoin", True),
    ("PLAN:\nLevetiracetam continue at 500 mg twice daily - do not stop suddenly.\n", "levetiracetam", True),
    ("PLAN:\nA vancomycin infusion was given and restarted on the ward.\n", "vancomycin", False),
])
def test_a_later_clause_that_continues_a_drug_given_in_hospital_sends_it_home(summary, drug, to_take):
    """ "... given; continue 100 mg three times a day": the maintenance dose goes home; a restart on the ward does
    not, and "do not stop" denies nothing."""
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, to_take", [
    ("HOSPITAL COURSE:\nLow mood was noted and sertraline 50 mg once daily was started.\n", "sertraline", True),
    ("HOSPITAL COURSE:\nThe insulin infusion was weaned and she was transitioned to glargine 20 units at bedtime.\n",
     "glargine", True),
    ("HOSPITAL COURSE:\nShe was started on IV ceftriaxone 1 g daily for the pneumonia.\n", "ceftriaxone", False),
    ("HOSPITAL COURSE:\nPrednisolone 30 mg daily was started on day 2 and stopped on day 5.\n", "prednisolone", False),
])
def test_a_drug_begun_in_hospital_with_a_dose_and_how_often_goes_home_unless_placed_there(summary, drug, to_take):
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, to_take", [
    ("Medicines at home:\nKeep giving her usual lamotrigine 25 mg twice a day.\n", "lamotrigine", True),
    ("Summary:\nShe had two doses of IV cefazolin on the ward followed by oral cephalexin 500 mg four times a day for "
     "5 days at home.\n", "cefazolin", False),
    ("Summary:\nShe had two doses of IV cefazolin on the ward followed by oral cephalexin 500 mg four times a day for "
     "5 days at home.\n", "cephalexin", True),
    ("Medications:\nGlucose gel (Dextrogel) tube supplied with instructions. Ferrous fumarate 210 mg BD to continue.\n",
     "glucose gel", True),
])
def test_keep_giving_followed_by_and_supplied_speak_of_going_home(summary, drug, to_take):
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, to_take", [
    ("Pain relief:\nStop naproxen as it can upset your stomach along with your prednisolone, which you must keep "
     "taking.\n", "prednisolone", True),
    ("Pain relief:\nStop naproxen as it can upset your stomach along with your prednisolone, which you must keep "
     "taking.\n", "naproxen", False),
    ("Plan:\nContinue amlodipine 5 mg daily as well as the atenolol, which should be stopped.\n", "atenolol", False),
])
def test_a_relative_clause_right_after_a_drug_says_what_becomes_of_it(summary, drug, to_take):
    assert listed_to_take(summary, drug) == to_take


def test_a_stop_said_in_a_relative_clause_stops_only_its_own_drug():
    plan = plan_of("HOSPITAL COURSE:\nShe was on citalopram, which was discontinued, and mirtazapine 15 mg at night "
                   "was started.\n")
    found = {name.lower(): status for name, status in names(plan).items()}
    assert found["citalopram"] == "stopped" and found["mirtazapine"] not in ("stopped", "held")
    assert listed_to_take("PLAN:\nContinue amlodipine 5 mg daily as well as the atenolol, which should be stopped.\n",
                          "amlodipine")


@pytest.mark.parametrize("summary, drug, to_take", [
    ("Medications:\nHaloperidol was used as needed on the ward; not prescribed at discharge.\n", "haloperidol", False),
    ("Medications:\nContinue lisinopril 10 mg daily; dose change not needed.\n", "lisinopril", True),
])
def test_a_note_alone_that_the_drug_just_named_is_not_for_home_takes_it_off(summary, drug, to_take):
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, to_take", [
    ("ED course:\nShe has been taking naproxen for the knee pain at home.\n", "naproxen", False),
    ("ED course:\nShe has been taking naproxen at home and will continue it after discharge.\n", "naproxen", True),
    ("ED course:\nShe had taken three co-codamol tablets at home before the ambulance came.\n",
     "co-codamol", False),
    ("ED course:\nHe took ibuprofen 400 mg twice at home with no relief.\n", "ibuprofen", False),
    ("ED course:\nHe took ibuprofen 400 mg at home and should continue it for pain after discharge.\n",
     "ibuprofen", True),
])
def test_at_home_in_what_the_patient_took_before_says_where_not_when(summary, drug, to_take):
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, to_take", [
    ("Medication review:\nDeprescribed: oxybutynin (confusion) and diazepam (falls).\n", "oxybutynin", False),
    ("Medication review:\nDeprescribed: oxybutynin (confusion) and diazepam (falls).\n", "diazepam", False),
    ("Changes:\nCitalopram was stopped for QT prolongation and cross-tapered to sertraline, now 50 mg daily.\n",
     "sertraline", True),
    ("Changes:\nCitalopram was stopped for QT prolongation and cross-tapered to sertraline, now 50 mg daily.\n",
     "citalopram", False),
    ("HOSPITAL COURSE:\nZopiclone 7.5 mg at night was given in hospital but is not being prescribed at discharge.\n",
     "zopiclone", False),
])
def test_deprescribing_a_cross_taper_and_a_drug_not_being_prescribed(summary, drug, to_take):
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("summary, drug, to_take", [
    ("Letter:\nWe have stopped her bendroflumethiazide and reduced her amlodipine to 5 mg once daily.\n",
     "amlodipine", True),
    ("Letter:\nWe have stopped her bendroflumethiazide and reduced her amlodipine to 5 mg once daily.\n",
     "bendroflumethiazide", False),
    ("Rhythm:\nAmiodarone loading completed; now on 200 mg once daily.\n", "amiodarone", True),
    ("Anticoagulation:\nDalteparin 5000 units subcutaneously once daily for 28 days post-op.\n", "dalteparin", True),
    ("Anticoagulation:\nDalteparin 5000 units subcutaneously once daily post-op on the ward.\n", "dalteparin", False),
])
def test_another_act_a_dose_now_and_a_course_counted_after_surgery(summary, drug, to_take):
    assert listed_to_take(summary, drug) == to_take


@pytest.mark.parametrize("heading", ["Treatment in ED:", "Management in A&E:", "Course in the emergency department:",
                                     "Medications given in ED:"])
def test_what_a_heading_places_in_the_emergency_department_is_not_a_medicine_to_take(heading):
    summary = (f"{heading}\nGiven paracetamol 1g PO and ibuprofen 400mg PO at 14:20 with good effect.\n\n"
               "Discharge medications:\nAmoxicillin 500 mg TDS for 5 days\n")
    assert listed_to_take(summary, "amoxicillin")
    assert not listed_to_take(summary, "paracetamol") and not listed_to_take(summary, "ibuprofen")


# ---------------------------------------------------------------- EHR forms, status columns, stops said after

EHR_MEDICATION_FORMS = (
    "Patient Summary   Printed 03/02/2026\n\nProblems\nProblem: Cellulitis of left leg   Status: Active\n\n"
    "Allergies\nAllergen: Penicillin   Reaction: Hives\n\n"
    "Medications\n"
    "Medication: cephalexin (KEFLEX) 500 MG capsule\n"
    "Instructions: Take 1 capsule (500 mg total) by mouth 4 (four) times a day for 7 days.\n"
    "Status: Active\nStart date: 03/02/2026   End date: 03/09/2026\nPrescriber: Dana Whitlock, MD\n\n"
    "Medication: losartan (COZAAR) 50 MG tablet\n"
    "Instructions: Take 1 tablet (50 mg total) by mouth daily.\n"
    "Status: Active\nStart date: 06/14/2021\nPrescriber: Omar Velez, MD\n\n"
    "Medication: clindamycin (CLEOCIN) 300 MG capsule\n"
    "Instructions: Take 1 capsule (300 mg total) by mouth 3 (three) times a day.\n"
    "Status: Discontinued\nEnd date: 03/01/2026\nDiscontinue reason: Rash\n\n"
    "Patient Instructions:\nKeep the leg raised when sitting.\n")


def test_an_ehr_medication_form_is_one_medicine_with_its_instructions_and_its_status():
    """"Medication:" over "Instructions:" and "Status:" is one medicine of the list, not three sections: its
    directions give the dose and how often, and "Status: Discontinued" stops it."""
    plan = plan_of(EHR_MEDICATION_FORMS)
    by_name = {m.name.split()[0].lower(): m for m in plan.medications if not m.as_written}
    assert {"cephalexin", "losartan", "clindamycin"} <= set(by_name)
    assert by_name["cephalexin"].frequency == "4 (four) times a day" and by_name["cephalexin"].duration == "for 7 days"
    assert by_name["cephalexin"].route == "by mouth"
    assert by_name["clindamycin"].status == "stopped"
    assert by_name["losartan"].status not in ("stopped", "held")


def test_a_va_list_after_the_hospital_course_is_the_list_to_go_home_with():
    """An "Outpatient medications" list placed after the hospital course is the current one; its status column
    says which ended ("EXPIRED", "DISCONTINUED"), and a limit ("DO NOT TAKE MORE THAN ...") stops nothing."""
    summary = ("HISTORY OF PRESENT ILLNESS:\n68 y/o with cough and fever for 3 days.\n\n"
               "HOSPITAL COURSE:\nTreated for pneumonia with IV antibiotics, improved.\n\n"
               "OUTPATIENT MEDICATIONS:\n"
               "     Active Outpatient Medications                          Status\n"
               "1)   NAPROXEN 250MG TAB                                      ACTIVE\n"
               "       SIG: TAKE ONE TABLET BY MOUTH TWICE A DAY AS NEEDED. DO NOT TAKE MORE THAN 2 TABLETS\n"
               "2)   AMLODIPINE 5MG TAB                                      ACTIVE\n"
               "       SIG: TAKE ONE TABLET BY MOUTH EVERY DAY\n"
               "     Expired Outpatient Medications                         Status\n"
               "1)   PRAVASTATIN 40MG TAB                                    EXPIRED\n"
               "       SIG: TAKE ONE TABLET BY MOUTH AT BEDTIME\n")
    assert listed_to_take(summary, "naproxen") and listed_to_take(summary, "amlodipine")
    assert not listed_to_take(summary, "pravastatin")


def test_a_form_counted_as_a_dose_is_no_drug_written_after_its_form():
    """"Tab. Ecosprin" names a drug after its form; "TAKE ONE CAPSULE BY MOUTH" and "THEN 2 TABS X2 DAYS" count
    doses."""
    drugs = vocabulary()
    assert [m.text for m in drugs.mentions("Tab. Ecosprin 75 mg 0-1-0")] == ["Ecosprin"]
    assert drugs.mentions("SIG: INHALE CONTENTS OF ONE CAPSULE BY MOUTH EVERY DAY") == []
    assert drugs.mentions("THEN 2 TABS X2 DAYS, THEN 1 TAB X2 DAYS THEN STOP") == []


@pytest.mark.parametrize("summary", [
    "Your medicines:\n- Amlodipine 5 mg once a day.\n- You said you sometimes take Advil for your back. "
    "Please stop this - it can raise your blood pressure.\n",
    "Medications:\nAmlodipine 5 mg once a day.\nAdvil 200 mg when needed for back pain.\nStop taking it.\n",
])
def test_a_stop_said_in_the_next_sentence_without_the_name_stops_the_drug_before(summary):
    assert listed_to_take(summary, "amlodipine") and not listed_to_take(summary, "advil")


def test_a_drug_listed_again_with_its_dose_after_a_precaution_is_still_to_take():
    """"... omeprazole 20mg once daily while on the naproxen, and paracetamol 1g ..." lists paracetamol; the drug
    that only times a precaution ("while taking codeine") is none."""
    summary = ("Letter:\nHe has been discharged on naproxen 500mg twice a day for five days, omeprazole 20mg once "
               "daily while on the naproxen, and paracetamol 1g four times a day when required. No driving while "
               "taking codeine.\n")
    assert listed_to_take(summary, "paracetamol") and listed_to_take(summary, "omeprazole")
    assert not listed_to_take(summary, "codeine")


def test_a_carer_told_not_to_give_a_drug_sees_it_among_those_not_to_give():
    summary = ("Medicines at home:\nGive amoxicillin 250 mg (5 mL) three times a day for 5 more days. "
               "Do not give him cetirizine until the rash clinic has seen him.\n")
    statuses = {name.lower(): status for name, status in names(plan_of(summary)).items()}
    assert statuses["amoxicillin"] not in ("stopped", "held") and statuses["cetirizine"] in ("stopped", "held")
