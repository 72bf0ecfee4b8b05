"""The listed discharge plan: what each section of a summary gives to it, read without a language model.

listed_plan(document) reads the sections that document_processor found and returns a DischargePlan:
the discharge medications (name, dose, route, how often, how long, NEW/CHANGED/STOPPED/CONTINUED),
follow-up appointments (who, when, what for), tests to do after discharge, diet, activity, wound care
and warning signs. It is rule-based and deterministic, and every item quotes the words of the summary
(list markers, markdown and extra whitespace removed), with the section and page it came from.
mediassist.plan.extract_plan then completes the medicines from the sentences of the summary (medicines.py).

Where the items come from
- Medications: the "Discharge Medications" sections, and a "Medications" section when it is the
  discharge list (it says so, or it follows the hospital course / the instructions rather than the
  history). Admission / home medication lists and the Hospital Course are never read for medications.
  Medication lines inside the Discharge Instructions count when they clearly are prescriptions (a drug
  name with a dose and a route or frequency), as do the items of a list introduced by
  "... continue these medications:" there. Only when no such section gives anything, a list introduced by
  "medications on discharge:" anywhere else is used.
  A run-on sentence ("Vicodin 1 tablet p.o. q.4-6 h. p.r.n. pain, multiple vitamin 1 tab p.o. daily, ...")
  is split into one medication per drug; each medication's `text` is then its own part of the sentence.
  Bare drug names in a list ("Zofran, Phenergan, and Vicodin", "Glucagon emergency kit") become
  medications with only a name. A supplies line ("Supplies: glucose monitor, test strips") is kept as one
  item whose name is the whole line. "None", "As previously mentioned" and other non-drug lines are skipped.
- Follow-up, tests, diet, activity, wound care, warning signs: the items of those sections, plus the
  matching sentences of the Discharge Instructions (and of lines left over in a medication section).
  Sentences of the Hospital Course count only when they are plainly about after discharge ("She is to
  follow up with Dr. X in one week", "He is instructed not to drive"). Each item is placed once, in the
  most specific category: a warning sign before a follow-up appointment before a test before wound care
  before diet before activity; an item under a heading keeps that heading's category unless it plainly
  belongs to another one (a lab test listed under Follow-up goes to tests). The list items after a lead-in
  such as "Call your doctor or return to the ER for any of the following:" take the lead-in's category.
  An instruction sentence about two things ("Regular diet, bedrest for 1 week") is cut at the comma
  into one item per category; otherwise an item is the whole sentence or list item. Reports of teaching
  ("Family counseled on diabetes care") and of agreement ("He understands and agreed") are left out.
- Follow-up appointments carry who / when / purpose where the words say so ("Dr. Lee (cardiology): March
  21, 2025 at 2:15 PM", "PCP in 3-5 days for post-hospital follow-up"), else None; the text is always there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from mediassist.structure.model import Document, Section

from .categories import PLAN_MOOD, WARNING, category_of, conditional_warning, planned_follow_up, seeks_care_if
from .collector import Collector
from .dosing import find_dose, read_status
from .drugs import vocabulary
from .forms import FORM_STARTS, OTHER_FORM_LINE, MedicationForm, form_field
from .medication_lines import medications_in, parse_medication
from .model import DischargePlan
from .prose import HISTORY as NOT_THE_PLAN
from .sections import MED_WORD, STATUS_HEADING, heading_status, is_discharge_list, lead_in, section_status
from .units import Unit, units_of
from .words import DEDICATED_SECTIONS, HISTORY_SECTIONS, NARRATIVE_SECTIONS


# A label line of capitals that names no known section ("PATIENT COUNSELED ON:") ends a dedicated section's topic.
OTHER_LABEL = re.compile(r"[A-Z][A-Z /&'()-]{2,50}:")


def listed_plan(document: Document) -> DischargePlan:
    """The discharge plan as the summary lists it (see the module docstring for where each part comes from)."""
    collector = Collector()
    med_sections = _medication_sections(document)
    by_section: dict[int, list[Unit]] = {}
    for unit in units_of(document):
        by_section.setdefault(unit.index, []).append(unit)
    for index, section in enumerate(document.sections):
        units = by_section.get(index, [])
        if index not in med_sections and section.name not in NOT_THE_PLAN and section.name != "Medications":
            units = _headed_lists(units, document.text, collector)   # not in a list of the medicines before admission
        _read_section(section, units, index in med_sections, collector)
        if section.name not in NOT_THE_PLAN:
            for unit in by_section.get(index, []):
                if seeks_care_if(unit.text):
                    collector.warning(unit)
    if not collector.medications:   # last resort: "His medication on discharge was:" followed by a list
        for index, section in enumerate(document.sections):
            if section.name in HISTORY_SECTIONS or index in med_sections:
                continue
            _lead_in_lists(by_section.get(index, []), collector, require_discharge=True)
    return collector.plan()


def _medication_sections(document: Document) -> set[int]:
    """The positions of the discharge medication lists among the document's sections."""
    return {index for index, section in enumerate(document.sections)
            if section.name == "Discharge Medications"
            or (section.name == "Medications" and is_discharge_list(document, index))}


def _read_section(section: Section, units: list[Unit], is_medication_list: bool, collector: Collector) -> None:
    if is_medication_list:
        _medication_section(section, units, collector)
    elif section.name in DEDICATED_SECTIONS:
        origin: str | None = DEDICATED_SECTIONS[section.name]
        for unit in units:
            if unit.text.endswith(":") and MED_WORD.search(unit.text) and not WARNING.search(unit.text):
                continue
            if OTHER_LABEL.fullmatch(unit.text):
                origin = None   # "PATIENT COUNSELED ON:": what follows is another topic, read as instructions
                continue
            collector.item(category_of(unit.text, origin), unit.text, unit)
    elif section.name == "Discharge Instructions":
        _instruction_section(units, collector)
    elif section.name == "Hospital Course":
        for unit in units:
            if PLAN_MOOD.search(unit.text) and not find_dose(unit.text):
                collector.free_text(unit)
            elif conditional_warning(unit.text):
                collector.item("warning_signs", unit.text, unit)
    elif section.name in NARRATIVE_SECTIONS:
        for unit in units:
            if conditional_warning(unit.text):
                collector.item("warning_signs", unit.text, unit)
            elif planned_follow_up(unit.text):
                collector.item("follow_up", unit.text, unit)


_STOPPING = r"stop\w*|hold|held|omit\w*|discontinu\w*|withh\w*|suspend\w*|ceas\w*"
# A heading-like line inside a list ("Inhalers:", "Cardiac:"), but not a note or a word of stopping ("Do not take
# these medications:", "Reason stopped:", "Note:", "On hold:") nor a form's label ("Dose:").
_GROUP_HEADING = re.compile(
    rf"^(?!.*\b(?:{_STOPPING}|not|don'?t|never|no longer|paus\w*|avoid\w*|reason|why|note|comment|indication|date|"
    r"following|previously|temporarily|permanently|until)\b)"
    r"(?!(?:dose|route|frequency|quantity|form|status|amendment|directions|medication(?: name)?)\s*:$)"
    r"[A-Za-z][A-Za-z /&,()'-]{0,50}:$", re.IGNORECASE)
_NONE = re.compile(r"^[-–—(\s]*(?:none|nil|n/?a|not applicable|no changes?|nil \w+|none \w+(?: \w+)?)?[-–—).\s]*$",
                   re.IGNORECASE)
# A heading that tells the patient to take what follows ("Continue these:", "Keep taking:", "Rx:", "Advised to
# continue:") always ends a stop group.
_TAKE_HEADING = re.compile(rf"^(?!.*\b(?:{_STOPPING}|not|don'?t|never|previously|before|prior|admission|last)\b)"
                           r".{0,50}\b(?:continue|continuing|keep|carry on|take|taking|start|starting|still|your|"
                           r"active|prescribed|dispensed|rx|discharge|advised)\b.{0,40}:$", re.IGNORECASE)
# A heading for the whole rest of the list, which always ends a status group.
_WHOLE_LIST = re.compile(rf"^(?!.*\b(?:{_STOPPING})\b)"
                         r"(?:all\s+)?(?:other|remaining|regular|current|usual|home|ongoing|continuing|daily)\s+"
                         r"(?:medications?|medicines?|meds|tablets|drugs)\b|^(?:discharge prescriptions?|tto)\s*:?$",
                         re.IGNORECASE)


@dataclass
class _Group:
    """The status a list gives its next lines, and whether the status heading's group is split by sub-headings
    ("Stopped medications:" / "Cardiac:" / amlodipine / "Diabetes:" / metformin: all stopped)."""
    status: str | None
    default: str | None
    lines: int = 0
    subheaded: bool = False
    closed_later: bool = False   # a heading further down ends the group ("CONTINUE taking these medications:")

    def heading(self, status: str | None, closed_later: bool = False) -> None:
        self.status, self.lines, self.subheaded = status or self.status, 0, False
        self.closed_later = closed_later

    def other_heading(self, text: str) -> None:
        if self.status == self.default:
            return
        if _closes_a_group(text):
            self.status = self.default
        elif _NONE.match(text):   # "None": an empty group (or, among sub-headings, an empty sub-group)
            if not self.subheaded:
                self.status = self.default
        elif _GROUP_HEADING.match(text):
            if self.lines == 0 or self.closed_later:
                self.subheaded = True        # the status heading's own sub-heading
            elif not self.subheaded:
                self.status = self.default   # "Ceased: montelukast" then "Inhalers:": another group


def _medication_section(section: Section, units: list[Unit], collector: Collector) -> None:
    _medication_list(units, section_status(section), collector, default=section_status(section))


def _medication_list(units: list[Unit], status: str | None, collector: Collector, default: str | None) -> None:
    """A discharge medication list whose heading gives its lines `status` (and `default` once a later heading
    ends that group): status headings, PRSB forms, table rows, lines of drugs; other lines are read as
    instructions."""
    group = _Group(status, default)
    form = MedicationForm()
    headings = [_status_heading(unit) for unit in units]
    closing = [bool(heading) or _closes_a_group(unit.text) for heading, unit in zip(headings, units)]
    for number, (unit, heading) in enumerate(zip(units, headings)):
        text = unit.text
        if heading:
            collector.form(form.finish(group.status))
            group.heading(heading_status(heading), any(closing[number + 1:]))
            continue
        field = form_field(text)
        if text.endswith(":") and field and field[1].endswith(":"):
            field = None   # "Dose changes:" is a heading, not a form's dose
        if field:
            if field[0] in FORM_STARTS:
                collector.form(form.finish(group.status))
            form.add(*field, unit)
            continue
        if form.is_open:
            if OTHER_FORM_LINE.match(text):
                continue
            collector.form(form.finish(group.status))
        group.other_heading(text)
        if unit.is_row:
            _table_row(unit, group.status, collector)
            group.lines += 1
            continue
        meds = _after_inline_lead(text, group.status)
        if meds is None:
            meds = medications_in(text, strict=False, status_default=group.status, is_item=unit.is_item)
        if meds:
            for fields in meds:
                collector.medication(fields, unit)
            group.lines += 1
        else:
            collector.free_text(unit)
    collector.form(form.finish(group.status))


def _headed_lists(units: list[Unit], text: str, collector: Collector) -> list[Unit]:
    """Medicine lists under their own heading inside another section ("Medications stopped:", "Daily medicines
    to take:" in a letter with no medication section), read as medication lists with the heading's status,
    and EHR medication forms ("Medication: X" over "Dose: 25 mg"). Returns the other units."""
    rest: list[Unit] = []
    number = 0
    while number < len(units):
        if _starts_a_form(units, number) and units[number].section.name not in _STAY_SECTIONS:
            end = number + 1
            while end < len(units) and form_field(units[end].text) and not _blank_line_before(units, end, text):
                end += 1
            _medication_list(units[number:end], None, collector, default=None)
            number = end
            continue
        status = _list_status(units[number].text) if _list_heading(units[number].text) else None
        if status is None:
            rest.append(units[number])
            number += 1
            continue
        end = number + 1
        while end < len(units) and _continues_list(units, end, units[number + 1]) \
                and not _new_block(units, end, number + 1, text):
            end += 1
        _medication_list(units[number + 1:end], None if status == "take" else status, collector, default=None)
        number = end
    return rest


# Sections of the stay, where a medication form is an order given in hospital.
_STAY_SECTIONS = frozenset({"Hospital Course", "Procedures", "Consultations", "Complications"})


def _starts_a_form(units: list[Unit], number: int) -> bool:
    field = form_field(units[number].text)
    return bool(field and field[0] in FORM_STARTS and number + 1 < len(units) and form_field(units[number + 1].text))


def _blank_line_before(units: list[Unit], number: int, text: str) -> bool:
    return number > 0 and bool(re.search(r"\n[ \t]*\n", text[units[number - 1].end:units[number].start]))


def _new_block(units: list[Unit], number: int, first: int, text: str) -> bool:
    """Does a blank line before this unit start another list (whose first line is units[first])? Yes between
    blocks of lines ("Medications stopped:" / ibuprofen / naproxen / blank / lisinopril / insulin); no in a list
    spaced out line by line."""
    if number == first or not _blank_line_before(units, number, text):
        return False
    block_before = number - 2 >= first and not _blank_line_before(units, number - 1, text)
    block_after = number + 1 < len(units) and not _blank_line_before(units, number + 1, text)
    return block_before or block_after


def _list_heading(text: str) -> bool:
    """A line that heads medicines: short, ending in ':', with a word for medicines, and no warning ("Stop your
    medicines and call if you have:")."""
    return len(text) <= 60 and text.endswith(":") and bool(MED_WORD.search(text)) and not WARNING.search(text)


# A lead-in that denies its list or places it in the past: "Medicines you do NOT need at home:", "Medications tried
# previously:". One that places it in hospital ("Medicines held in ICU:") says nothing of after discharge.
_NOT_TO_TAKE_LEAD = re.compile(r"\b(?:not|n't|no longer)\s+(?:\w+\s+)?(?:need\w*|required|necessary)\b|"
                               r"\b(?:no longer|given|tried|previous\w*)\b", re.IGNORECASE)
# A whole lead-in that says not to take its drugs, not one about how to take them ("Do not take these medicines on
# an empty stomach:", "Avoid missing these medicines:").
# "Medicines you should NOT take:": the negated verb ends the heading.
_AVOID_LEAD = re.compile(r"^(?:.{0,40}\b(?:not|n't|never)\s+(?:to\s+)?(?:take|use|restart|resume|continue)"
                         r"(?:\s+(?:any\s*more|at home|after discharge|for now))?"
                         r"|(?:please\s+)?(?:(?:medications?|medicines?|meds|drugs|tablets)\s+to\s+avoid"
                         r"(?:\s+(?:while|when|with|if|during|until|after|before)\b[^:]*)?"
                         r"|avoid\s+(?:taking\s+)?(?:these|the following|any of these)\s+(?:medications?|medicines?|"
                         r"meds|drugs|tablets)|(?:do\s+not|don'?t|never)\s+(?:take|use|restart|resume)\s+(?:these|"
                         r"the following|any of these)\s+(?:medications?|medicines?|meds|drugs|tablets)"
                         r"(?:\s+(?:any\s*more|at home|after discharge|for now|until\b[^:]*))?))\s*:?\s*$",
                         re.IGNORECASE)
_NEGATED_LEAD = re.compile(r"\b(?:do not|don'?t|never|avoid\w*)\b", re.IGNORECASE)
_IN_HOSPITAL_LEAD = re.compile(r"\b(?:hospital|inpatient|ward|icu|itu|during|admission|stay|theatre|emergency)\b"
                               r"|\b(?-i:ED|A&E|ER)\b", re.IGNORECASE)


def _lead_in(text: str) -> str | None:
    """sections.lead_in, with a negation read as a whole: "Do not take these medicines until you see your
    surgeon:" stops them, "Do not take these medicines on an empty stomach:" says how to take them."""
    found = lead_in(text)
    if found and _AVOID_LEAD.match(text):
        return "stopped"
    if found in ("stopped", "held") and _NEGATED_LEAD.search(text):
        return "discharge"   # medicines to take, and how
    return found


def _list_status(lead: str) -> str | None:
    """What a lead-in ending in ":" says of the medicines after it: a status ("stopped", "new"), "take", or None
    when it says nothing of taking them (a plain "Medications:", the medicines before admission or in hospital)."""
    found = _lead_in(lead)
    if found is None or _IN_HOSPITAL_LEAD.search(lead):
        return None
    if found == "admission" or (found == "list" and not _closes_a_group(lead)):
        return None
    if found not in ("stopped", "held") and _NOT_TO_TAKE_LEAD.search(lead):
        return None
    return found if found in ("new", "changed", "stopped", "held", "continued") else "take"


def _continues_list(units: list[Unit], number: int, first: Unit) -> bool:
    """Is this unit still part of the medicine list that starts with `first`, in its form: an item among items,
    a table row of a drug (or the table's header, first) among rows, a line that starts with a drug or a
    lead-in to drugs among such lines, or a sub-heading ("Cardiac:") followed by one of them? A heading of
    medicines ends it: it heads a list of its own."""
    unit, text = units[number], units[number].text
    if text.endswith(":") and MED_WORD.search(text):
        return False
    if unit.is_row:
        return unit is first or bool(find_dose(text) or vocabulary().mentions(text) or re.fullmatch(r"[|\s:-]*", text))
    if _in_form_of(unit, first):
        return True
    following = units[number + 1] if number + 1 < len(units) else None
    return bool(_GROUP_HEADING.match(text) and following and _in_form_of(following, first))


def _in_form_of(unit: Unit, first: Unit) -> bool:
    """A line of the list's own form: items after an item, lines of drugs after such a line."""
    if first.is_item:
        return unit.is_item
    return not unit.is_row and (_starts_with_drug(unit.text) or _after_inline_lead(unit.text, None) is not None)


_FORM_WORD = re.compile(r"(?:tab|tabs|cap|caps|inj|syp|syr|tablet|capsule)\.?\s+", re.IGNORECASE)


def _starts_with_drug(text: str) -> bool:
    """"Omeprazole 20 mg daily", "Tab. Telma 40 mg": a line of a list, not a sentence that names a drug ("Take
    clopidogrel ...", "No more heparin injections")."""
    text = text[_FORM_WORD.match(text).end():] if _FORM_WORD.match(text) else text
    mentions = vocabulary().mentions(text)
    return bool(mentions) and mentions[0].start == 0


_INLINE_LEAD = re.compile(r"(?P<lead>[A-Za-z][^:\n]{2,80}):\s+(?P<rest>\S.*)")


def _after_inline_lead(text: str, status: str | None) -> list | None:
    """The drugs after a lead-in on their own line ("KEEP TAKING these medicines the same way: Synthroid,
    vitamin B12", "CHANGED medicine: metoprolol - now 50 mg twice a day"), with the lead-in's status; none
    after a lead-in that says not to take them; None: the line has no lead-in."""
    found = _INLINE_LEAD.fullmatch(text)
    if not found:
        return None
    lead = _lead_in(found.group("lead") + ":")   # in a list already: a plain lead-in will do
    if lead is None:   # a label before a drug ("Changes: furosemide increased to 80 mg"), not "Aspirin: 81 mg"
        if vocabulary().mentions(found.group("lead")) or not _starts_with_drug(found.group("rest")):
            return None
        lead = read_status(found.group("lead"), None) or "list"   # "Stopped: naproxen 500 mg BD"
    if lead == "admission" or (lead not in ("stopped", "held") and _NOT_TO_TAKE_LEAD.search(found.group("lead"))):
        return []
    own = lead if lead in ("new", "changed", "stopped", "held", "continued") else status
    meds = medications_in(found.group("rest").rstrip("."), strict=False, status_default=own, is_item=True)
    for fields in meds:
        fields.text = text
    return meds


def _status_heading(unit: Unit) -> re.Match | None:
    text = unit.text
    heading = STATUS_HEADING.fullmatch(text.rstrip(".")) if len(text) <= 60 else None
    return heading if heading and (text.endswith(":") or not (unit.is_item or "(" in text)) else None   # "Held (AKI)"


def _closes_a_group(text: str) -> bool:
    return bool(_WHOLE_LIST.match(text) or _TAKE_HEADING.match(text))


def _table_row(unit: Unit, status: str | None, collector: Collector) -> None:
    """A table row ("Aspirin 75 mg | oral | daily"): the drug of the first cell that starts with a word and has a
    dose; the row is its text."""
    cells = [cell.strip(" |") for cell in unit.text.split(" | ")]
    cell = next((c for c in cells if find_dose(c) and re.match(r"[A-Za-z]", c)), None)
    named = next((number for number, c in enumerate(cells) if re.match(r"[A-Za-z]", c)), None)
    if cell is None and named is not None and any(find_dose(c) for c in cells[named + 1:]):
        cell = " ".join(cells[named:])   # "| Diclofenac | 50 mg | twice a day |": the name and its dose apart
    if cell:
        fields = parse_medication(cell, strict=False, status_default=status, name_only_ok=False)
        if fields:
            fields.text = unit.text
            collector.medication(fields, unit)


def _instruction_section(units: list[Unit], collector: Collector) -> None:
    """The Discharge Instructions: clear prescriptions, the items of a lead-in's list, and instructions."""
    lead: str | None = None          # a medication list lead-in ("continue these medications:")
    topic: str | None = None         # a category lead-in ("Call your doctor or go to the ER for:")
    for unit in units:
        text = unit.text
        found = _lead_in(text)
        if found:
            not_taken = found not in ("stopped", "held") and (_IN_HOSPITAL_LEAD.search(text)   # "given in ED:"
                                                              or _NOT_TO_TAKE_LEAD.search(text))
            lead, topic = ("admission" if not_taken else found), None
            continue
        if lead and unit.is_item:
            if lead != "admission":
                default = lead if lead in ("new", "changed", "stopped", "continued") else None
                for fields in medications_in(text, strict=False, status_default=default, is_item=True):
                    collector.medication(fields, unit)
            continue
        lead = None
        if topic and unit.is_item:
            collector.item(category_of(text, topic), text, unit)
            continue
        topic = None
        meds = medications_in(text, strict=True, status_default=None, is_item=unit.is_item)
        if meds:
            for fields in meds:
                collector.medication(fields, unit)
            continue
        if text.endswith(":"):
            topic = category_of(text, None)
        collector.free_text(unit)


def _lead_in_lists(units: list[Unit], collector: Collector, require_discharge: bool) -> None:
    """The items of lists introduced by "medications on discharge:" (require_discharge) or any such lead-in."""
    lead: str | None = None
    for unit in units:
        found = lead_in(unit.text)
        if found:
            lead = found
            continue
        if lead and unit.is_item:
            if lead == "discharge" or (not require_discharge and lead != "admission"):
                for fields in medications_in(unit.text, strict=False, status_default=None, is_item=True):
                    collector.medication(fields, unit)
            continue
        lead = None
