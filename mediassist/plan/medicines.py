"""Completing the medicine list: drugs named in sentences, drugs given only in hospital taken out, and lines
shown as written rather than a list that says "not in your summary" about a summary that has medicines.
(medication_lines.py reads the lines of the medication lists themselves, before this.)"""
from __future__ import annotations

import re
from dataclasses import replace

from mediassist.structure.model import Document

from .dosing import DURATION, ROUTE, clean_field, explicit_status, find_dose, find_frequency, first_match, \
    read_status, without_relative_clauses
from .drugs import DrugVocabulary, Mention, vocabulary
from .leads import names_no_medicine
from .medication_lines import stops_the_one_before
from .model import DischargePlan, Medication
from .prose import DISCHARGE, DOSES_OF_IT, HISTORY, LISTS, UNNAMED_HOME_MEDICINES, ProseMedicine, \
    given_in_hospital_only, medicines_in_sentence, prescription_form, taken_before_only
from .sections import is_discharge_list
from .units import Unit, units_of

NOT_A_LINE = re.compile(r"^(?:none|nil|n/?a|no (?:new )?(?:medications?|meds)|see (?:above|below)|as above)\W*$", re.I)


def complete_medications(plan: DischargePlan, document: Document) -> DischargePlan:
    drugs = vocabulary()
    units = units_of(document)
    before_admission = {i for i, s in enumerate(document.sections)
                        if s.name == "Medications" and not is_discharge_list(document, i)}
    # A stopped one is kept even when given in hospital: no sentence of the summary then brings it back to take.
    medications = [_as_read(m, drugs) for m in plan.medications if m.status in ("stopped", "held")
                   or not (given_in_hospital_only(m.text, m.section) or taken_before_only(m.text, m.section))]
    medications = [m for m in medications if m is not None]
    listed_mentions = [drugs.mentions(medication.name) for medication in medications]
    known = _known_names(medications, listed_mentions)
    short_forms = _short_forms(listed_mentions, drugs)
    kinds_alone: list[Medication] = []
    for number, unit in enumerate(units):
        if names_no_medicine(unit.text):
            continue
        section = "Admission Medications" if unit.index in before_admission else unit.section.name
        near_discharge = any(DISCHARGE.search(earlier.text) for earlier in units[max(0, number - 2):number])
        text = _with_the_drug_meant(unit, units[number - 1] if number else None, drugs)
        after = units[number + 1] if number + 1 < len(units) else None
        for found in _fullest_of_each_drug(medicines_in_sentence(text, section, drugs, unit.is_item or unit.is_row,
                                                                 near_discharge)):
            names = {found.mention.generic, found.mention.text.lower()}
            if names & known or _a_listed_one_named_short(found, unit, short_forms):
                if _stops_its_subject(found, unit.text, drugs):
                    medications = _stopped_later(medications, _medication(found, unit), drugs)
                continue
            medication = _stopped_by_the_next(_medication(found, unit), unit, after, drugs)
            if _only_mentioned(found, medication, unit, plan.medications, drugs):
                continue
            known |= names
            (kinds_alone if _a_kind_alone(found, medication, drugs) else medications).append(medication)
    medications += _unnamed_home_medicines(units)
    if not medications:
        medications = kinds_alone   # "managed with some antihistamine over the counter": all the summary names
    if not medications:
        medications = _as_written(units, LISTS)
    if not medications or all(m.as_written for m in medications):
        # a summary that lists only the medicines taken before ("Regular medications:", maybe with "continue all
        # regular medications") has medicines: shown as written, never "not in your summary"
        admission = {"Admission Medications"}
        medications += _as_written([u for u in units if u.index in before_admission or u.section.name in admission],
                                   None)
    if not medications:
        # no list where the reader knows to look (a heading in another language, taken into the section before
        # it): the lines written as prescriptions are shown as written, never "not in your summary"
        medications = _as_written([u for u in units if u.is_item and prescription_form(u.text)
                                   and u.section.name not in ("Hospital Course", "Admission Medications")], None)
    return replace(plan, medications=tuple(_switched_from(m, drugs) for m in medications))


def _its_one_drug(found: ProseMedicine, text: str) -> bool:
    return {mention.generic for mention in vocabulary().mentions(text)} == {found.mention.generic}


def _stops_its_subject(found: ProseMedicine, sentence: str, drugs: DrugVocabulary) -> bool:
    """A stop or hold said plainly of the drug its sentence is about ("Labetalol - STOPPED (switched to
    enalapril)"), not of a drug named after it ("... must not be taken with Entresto") nor on a condition."""
    if found.status not in ("stopped", "held") or read_status(found.said_in or found.clause, None) not in (
            "stopped", "held"):
        return False
    first = min(drugs.mentions(sentence), key=lambda mention: mention.start, default=None)
    return first is not None and first.generic == found.mention.generic


def _stopped_later(medications: list[Medication], stop: Medication, drugs: DrugVocabulary) -> list[Medication]:
    """A drug read first where the summary tells of it ("on labetalol 200mg TDS" in the antenatal history) and
    later stopped or held ("Labetalol - STOPPED"): the stop is what the patient must see. A drug of the discharge
    list keeps what its own line says."""
    stopped = {mention.generic for mention in drugs.mentions(stop.name)}
    return [replace(stop, page=m.page) if m.status is None and m.section not in LISTS and not m.as_written
            and stopped & {mention.generic for mention in drugs.mentions(m.name)} else m for m in medications]


def _only_mentioned(found: ProseMedicine, medication: Medication, unit: Unit, listed: tuple[Medication, ...],
                    drugs: DrugVocabulary) -> bool:
    """A drug named, without a dose or frequency of its own, in a table row the medication list read as another
    medicine ("Tetracycline 500 mg | Not with milk, antacids or iron"), or after that medicine's dose in the same
    clause ("Dolutegravir 50 mg OD until 2 weeks after rifampicin ends"): a reason or a caution about it, not one
    more to take. One the line says to stop or hold stays: the patient must see it."""
    if medication.dose or medication.frequency or medication.status in ("stopped", "held"):
        return False
    of_this_line = [m for m in listed if m.text.startswith(unit.text)]
    if unit.is_row or not of_this_line:
        return bool(of_this_line)
    before = found.clause[:_named_at(found.mention.text, found.clause)[0]]
    generics_before = {mention.generic for mention in drugs.mentions(before)}
    return any(m.dose and {n.generic for n in drugs.mentions(m.name)} & generics_before and find_dose(before)
               for m in of_this_line)


def _a_kind_alone(found: ProseMedicine, medication: Medication, drugs: DrugVocabulary) -> bool:
    """A kind of drug named in a sentence without a dose or how often ("will complete a 7-day course of
    antibiotics", "avoid all NSAIDs", "given the anticholinergic burden"): beside the drugs the summary names, a
    reason or advice, not one more medicine to take; the drug itself is named where it is prescribed."""
    return found.mention.generic in drugs.classes and not (medication.dose or medication.frequency)


def _named_at(name: str, clause: str) -> tuple[int, int]:
    """Where the clause names the drug as a word of its own: not "statin" in "Atorvastatin"."""
    found = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", clause) or re.search(re.escape(name), clause)
    return found.span() if found else (0, 0)


def _fullest_of_each_drug(found: list[ProseMedicine]) -> list[ProseMedicine]:
    """A drug named twice in one sentence under two names ("IV amiodarone run over a day on the ward; home on
    Cordarone 200 mg once daily") is kept once, as the mention written as a prescription (a dose and how often) when
    only the later one is. The same name twice ("IV metronidazole changed to oral metronidazole") is left as read."""
    kept: list[ProseMedicine] = []
    for medicine in found:
        earlier = next((k for k in kept if k.mention.generic == medicine.mention.generic), None)
        if earlier is None:
            kept.append(medicine)
        elif earlier.mention.text.lower() != medicine.mention.text.lower() and \
                not prescription_form(earlier.clause) and prescription_form(medicine.clause):
            kept[kept.index(earlier)] = medicine
    return kept


def _with_the_drug_meant(unit: Unit, before: Unit | None, drugs: DrugVocabulary) -> str:
    """A sentence that orders doses of a drug it does not name ("Give yourself one shot every 12 hours") is read
    after the sentence before it in the same section, which names the drug."""
    if before is None or before.index != unit.index or not DOSES_OF_IT.search(unit.text) or drugs.mentions(unit.text):
        return unit.text
    return f"{before.text.rstrip()} {unit.text}"


def _stopped_by_the_next(medication: Medication, unit: Unit, after: Unit | None, drugs: DrugVocabulary) -> Medication:
    """The one drug of a sentence, stopped by the sentence after it without naming it ("You sometimes take Nurofen
    for your knees." / "Please stop this")."""
    if after is None or after.index != unit.index or not stops_the_one_before(after.text) \
            or len({mention.generic for mention in drugs.mentions(unit.text)}) != 1:
        return medication
    return replace(medication, status="stopped", text=f"{medication.text} {after.text}")


# "Simvastatin switched to atorvastatin", "lisinopril was changed to losartan": the first drug is stopped. Only
# when a drug follows the "to" ("furosemide changed to 20 mg" is a new dose of the same drug).
SWITCHED = re.compile(r"(?:\s+(?:was|has been|is|been))?[\s(]+(?:switched|changed|converted|swapped)\s+(?:over\s+)?"
                      r"(?:to|for)\s+(?P<to>.{1,40})", re.IGNORECASE)


def _switched_from(medication: Medication, drugs: DrugVocabulary) -> Medication:
    if medication.as_written or medication.status in ("stopped", "held"):
        return medication
    own = drugs.mentions(medication.name)
    switch = SWITCHED.search(medication.text)
    switched_to = drugs.mentions(switch.group("to")) if switch else []
    if not own or not switched_to or switched_to[0].generic == own[0].generic:
        return medication   # "IV co-amoxiclav switched to oral co-amoxiclav": the same drug by mouth
    before = drugs.mentions(medication.text[:switch.start()])   # "Rivaroxaban 20 mg OD changed to edoxaban"
    if not before or before[-1].generic != own[0].generic:
        return medication
    return replace(medication, name=own[0].text, status="stopped")


def _as_read(medication: Medication, drugs: DrugVocabulary) -> Medication | None:
    """A listed medicine is one when it names a drug or gives a dose, route or frequency; a bare line of the
    discharge list that names no drug we know is shown as written."""
    if medication.dose or medication.route or medication.frequency or drugs.mentions(medication.name):
        return medication
    return replace(medication, as_written=True, name=medication.text)


def _known_names(medications: list[Medication], listed_mentions: list[list[Mention]]) -> set[str]:
    known = set()
    for medication, mentions in zip(medications, listed_mentions):
        known.add(medication.name.lower())
        known |= {mention.text.lower() for mention in mentions}
        # a combination product listed ("fluticasone/salmeterol") is each of its drugs too, read again from its line
        known |= {generic for mention in mentions for generic in (mention.generic, *mention.generic.split("/"))}
    return known


def _short_forms(listed_mentions: list[list[Mention]], drugs: DrugVocabulary) -> set[str]:
    """The first word of a drug name as the list writes it, when that word is a drug name itself: "Trelegy" of
    "Trelegy Ellipta", which the vocabulary may give another spelling of the same generic."""
    written = {mention.text.lower() for mentions in listed_mentions for mention in mentions}
    return {name.split()[0] for name in written if " " in name and drugs.generic(name.split()[0])}


def _a_listed_one_named_short(found: ProseMedicine, unit: Unit, short_forms: set[str]) -> bool:
    """"replaced by Trelegy (do not use both)" after "Trelegy Ellipta 100/62.5/25 mcg" is listed: the same
    inhaler named short, not one more medicine (nor one to stop). With a dose of its own it may be another."""
    return found.mention.text.lower() in short_forms and not _medication(found, unit).dose


def _medication(found: ProseMedicine, unit: Unit) -> Medication:
    clause = found.clause
    after = clause[_named_at(found.mention.text, clause)[1]:]
    after = re.split(r",\s|\s+and\s+(?=[A-Z])", after, maxsplit=1)[0] if not find_dose(after[:30]) else after
    dose, route, frequency = find_dose(after), first_match(ROUTE, clause), find_frequency(after, 0)
    duration = DURATION.search(after)
    others = [m.end for m in vocabulary().mentions(clause) if m.text != found.mention.text]
    status = {"stopped": "stopped", "held": "held"}.get(found.status) or \
        read_status(found.said_in or without_relative_clauses(clause, others), None)
    if status is None and _its_one_drug(found, unit.text):   # "Cataflam (Diclofenac): STOP": said of its one drug
        status = explicit_status(unit.text)
    return Medication(name=found.mention.text, dose=dose[2] if dose else None,
                      route=clean_field(route.group()) if route else None,
                      frequency=frequency[1] if frequency else None,
                      duration=clean_field(duration.group()) if duration else None,
                      status=status, text=unit.text, section=unit.section.name, page=unit.page)


def _unnamed_home_medicines(units: list[Unit]) -> list[Medication]:
    """"Resume her other home medications": the patient must see it even though it names no drug."""
    return [_written(unit) for unit in units
            if unit.section.name not in HISTORY and UNNAMED_HOME_MEDICINES.search(unit.text)]


def _as_written(units: list[Unit], sections: frozenset[str] | None) -> list[Medication]:
    """The lines of the given medication sections (None: of any) that could not be read as medicines, as written."""
    return [_written(unit) for unit in units
            if (sections is None or unit.section.name in sections) and not NOT_A_LINE.match(unit.text)]


def _written(unit: Unit) -> Medication:
    return Medication(name=unit.text if len(unit.text) <= 80 else unit.text[:77] + "...", dose=None, route=None,
                      frequency=None, duration=None, status=None, text=unit.text, section=unit.section.name,
                      page=unit.page, as_written=True)
