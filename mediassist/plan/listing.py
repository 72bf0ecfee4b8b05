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
  "... continue these medications:" there. A list under a heading that says what to do with its medicines
  ("Medications on hold:", "Medicines to take:", "Medicines you should NOT take:") is read wherever it stands
  outside the history, with that heading's status, as are EHR forms ("Medication: X" over "Dose:"); see
  headed_lists.py and leads.py. Only when nothing gives any medicine, a list introduced by "medications on
  discharge:" anywhere else is used.
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
  belongs to another one (a lab test listed under Follow-up goes to tests, and to the follow-ups as well
  when it is to be done at a time). The list items after a lead-in
  such as "Call your doctor or return to the ER for any of the following:" take the lead-in's category.
  An instruction sentence about two things ("Regular diet, bedrest for 1 week") is cut at the comma
  into one item per category; otherwise an item is the whole sentence or list item. Reports of teaching
  ("Family counseled on diabetes care") and of agreement ("He understands and agreed") are left out.
- Follow-up appointments carry who / when / purpose where the words say so ("Dr. Lee (cardiology): March
  21, 2025 at 2:15 PM", "PCP in 3-5 days for post-hospital follow-up"), else None; the text is always there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from mediassist.structure.headings import canonical_section_name
from mediassist.structure.model import Document, Section
from mediassist.structure.units import run_on_sentences

from .appointments import is_appointment_detail, is_date_alone
from .categories import PLAN_MOOD, WARNING, category_of, conditional_warning, free_text_items, planned_follow_up, \
    seeks_care_if
from .collector import Collector
from .dosing import find_dose
from .drugs import vocabulary
from .forms import FORM_STARTS, OTHER_FORM_LINE, MedicationForm, form_field
from .headed_lists import headed_lists
from .leads import GROUP_HEADING, after_inline_lead, closes_a_group, is_a_list_line, lead_of_items, says_not_to_take
from .medication_lines import MedFields, directions, medications_in, parse_medication, stops_the_one_before
from .model import DischargePlan
from .prose import HISTORY as NOT_THE_PLAN
from .prose import NARRATED
from .sections import MED_WORD, STATUS_HEADING, heading_status, is_discharge_list, lead_in, section_status
from .units import Unit, units_of
from .words import DEDICATED_SECTIONS, HISTORY_SECTIONS, NARRATIVE_SECTIONS, STATUS_WORDS


# A label line of capitals that names no known section ("PATIENT COUNSELED ON:") ends a dedicated section's topic.
OTHER_LABEL = re.compile(r"[A-Z][A-Z /&'()-]{2,50}:")
# Directions may follow their drug's line after a line or two of its own ("Commonly known as: LANTUS").
DIRECTIONS_REACH = 3


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
            lists, units = headed_lists(units, document.text)   # not in a list of the medicines before admission
            for listed, status in lists:
                _medication_list(listed, status, collector, default=None)
        _read_section(section, units, index in med_sections, collector)
        _warnings(by_section.get(index, []), section.name in NOT_THE_PLAN, collector)
    if not collector.medications:   # last resort: "His medication on discharge was:" followed by a list
        for index, section in enumerate(document.sections):
            if section.name in HISTORY_SECTIONS or index in med_sections:
                continue
            _lead_in_lists(by_section.get(index, []), collector, require_discharge=True)
    return collector.plan()


def _warnings(units: list[Unit], in_history: bool, collector: Collector) -> None:
    """Advice to seek care, and the listed signs a lead-in to it introduces ("Go to A&E if you have:" / "- severe
    headache" / "- a fit"). Under a history heading only advice said now, not told of ("she was told to return
    if ...")."""
    lead_in = False
    for unit in units:
        if lead_in and unit.is_item:
            collector.warning(unit)
            continue
        lead_in = False
        if seeks_care_if(unit.text) and not (in_history and NARRATED.search(unit.text)):
            collector.warning(unit)
            lead_in = unit.text.rstrip().endswith(":")


def _medication_sections(document: Document) -> set[int]:
    """The positions of the discharge medication lists among the document's sections."""
    return {index for index, section in enumerate(document.sections)
            if section.name == "Discharge Medications"
            or (section.name == "Medications" and is_discharge_list(document, index))}


# "follow up with Dr. Whitaker in 10 days", "see your GP next week": an order to the patient, in the story too.
_AN_ORDER = re.compile(r"^\W*(?:please\s+)?(?:follow[\s-]*up\s+(?:with|in|at|on)|see|return|attend|book|arrange|"
                       r"contact)\b", re.IGNORECASE)


def _read_section(section: Section, units: list[Unit], is_medication_list: bool, collector: Collector) -> None:
    if is_medication_list:
        _medication_section(section, units, collector)
    elif section.name in DEDICATED_SECTIONS:
        origin: str | None = DEDICATED_SECTIONS[section.name]
        lines = _appointment_blocks(units) if origin == "follow_up" else [(unit, unit.text, None) for unit in units]
        for unit, text, where in lines:
            if text.endswith(":") and MED_WORD.search(text) and not WARNING.search(text):
                continue
            if OTHER_LABEL.fullmatch(text):
                origin = None   # "PATIENT COUNSELED ON:": what follows is another topic, read as instructions
                continue
            collector.item(category_of(text, origin), text, unit, where)
    elif section.name == "Discharge Instructions":
        _instruction_section(units, collector)
    elif section.name == "Hospital Course":
        for unit in units:
            planned = [s for s in run_on_sentences(unit.text)
                       if (PLAN_MOOD.search(s) or _AN_ORDER.match(s)) and not find_dose(s)]
            for sentence in planned:   # "... torsemide 40 mg daily. he will follow up with his pcp in 7 days."
                for category, text in free_text_items(sentence):
                    collector.item(category, text, unit)
            if not planned and conditional_warning(unit.text):
                collector.item("warning_signs", unit.text, unit)
    elif section.name in NARRATIVE_SECTIONS:
        for unit in units:
            if conditional_warning(unit.text):
                collector.item("warning_signs", unit.text, unit)
                continue
            for sentence in run_on_sentences(unit.text):
                labelled = _labelled_part_of_the_plan(sentence)
                if labelled:
                    collector.item(labelled, sentence, unit)
                elif planned_follow_up(sentence):
                    collector.item("follow_up", sentence, unit)


_INLINE_LABEL = re.compile(r"(?P<label>[A-Z][A-Za-z /&-]{2,30}):\s+\S")


def _labelled_part_of_the_plan(sentence: str) -> str | None:
    """A sentence of a narrative paragraph that a heading of the plan labels ("DISPOSITION: Home with spouse. Diet:
    consistent carbohydrate. Activity: as tolerated."): the plan's category that heading names, or None."""
    found = _INLINE_LABEL.match(sentence)
    section = canonical_section_name(found.group("label"), labelled=True) if found else None
    return DEDICATED_SECTIONS.get(section) if section else None


def _appointment_blocks(units: list[Unit]) -> list[tuple[Unit, str, str | None]]:
    """The lines of a follow-up section as (unit, text, where): in a block of lines with no blank line between,
    an address or phone number says where the appointment line above it is, and a date alone heads the one below
    ("Thursday Mar 19, 2026" / "10:40 AM Hospital follow up with Dr Raman" / "2200 Shoreline Dr" / "Holland MI
    49423"), so the patient sees one appointment and where it is, not four."""
    lines: list[tuple[Unit, str, list[str]]] = []
    heading: Unit | None = None   # a date alone, waiting for the line it heads
    for unit in units:
        if heading is not None and unit.after_blank:
            lines.append((heading, heading.text, []))
            heading = None
        if lines and heading is None and not unit.after_blank and is_appointment_detail(unit.text):
            if not unit.text.endswith(":"):   # "Contact information:" only introduces the address
                lines[-1][2].append(unit.text)
        elif heading is None and is_date_alone(unit.text):
            heading = unit
        elif heading is not None:
            lines.append((heading, f"{heading.text.rstrip(' .:')}: {unit.text}", []))
            heading = None
        else:
            lines.append((unit, unit.text, []))
    if heading is not None:
        lines.append((heading, heading.text, []))
    return [(unit, text, ", ".join(where) or None) for unit, text, where in lines]


_NONE = re.compile(r"^[-–—(\s]*(?:none|nil|n/?a|not applicable|no changes?|nil \w+|none \w+(?: \w+)?)?[-–—).\s]*$",
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
    avoiding: bool = False       # the group is of drugs to avoid ("Drugs to avoid:")
    avoided_bare: bool | None = None   # its first drug was named without a dose

    def heading(self, status: str | None, closed_later: bool = False, avoiding: bool = False) -> None:
        self.status, self.lines, self.subheaded = status or self.status, 0, False
        self.closed_later, self.avoiding, self.avoided_bare = closed_later, avoiding, None

    def avoided(self, unit: Unit) -> None:
        """Drugs to avoid are one block in one form: a blank line after them, or a line with a dose after drugs
        named bare ("Ibuprofen" / "Naproxen" / "Paracetamol ... 1 g four times a day"), is the list again."""
        if not self.avoiding:
            return
        dosed = bool(find_dose(unit.text))
        if self.avoided_bare is None:
            self.avoided_bare = not dosed
        elif unit.after_blank or (self.avoided_bare and dosed):
            self.status, self.avoiding = self.default, False

    def other_heading(self, text: str) -> None:
        if self.status == self.default:
            return
        if closes_a_group(text):
            self.status = self.default
        elif _NONE.match(text):   # "None": an empty group (or, among sub-headings, an empty sub-group)
            if not self.subheaded:
                self.status = self.default
        elif GROUP_HEADING.match(text):
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
    units = [piece for unit in units for piece in _heading_run_in(unit)]
    headings = [_status_heading(unit) for unit in units]
    closing = [bool(heading) or closes_a_group(unit.text) for heading, unit in zip(headings, units)]
    last_drug_line = None   # the number of the last line that gave one medicine, which directions may follow
    for number, (unit, heading) in enumerate(zip(units, headings)):
        text = unit.text
        if heading:
            last_drug_line = None
            collector.form(form.finish(group.status))
            group.heading(heading[0], any(closing[number + 1:]), avoiding=heading[1])
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
        group.avoided(unit)
        if unit.is_row:
            _table_row(unit, group.status, collector)
            group.lines += 1
            continue
        how = directions(text) if last_drug_line is not None and number - last_drug_line <= DIRECTIONS_REACH else None
        if how:
            collector.directions(how)
            last_drug_line = None
            continue
        if last_drug_line == number - 1 and stops_the_one_before(text):
            collector.stopped_last(text)   # "You sometimes take Nurofen for your knees." / "Please stop this."
            last_drug_line = None
            continue
        meds = after_inline_lead(text, group.status)
        if meds is None:   # a line that starts with a drug's name ("Ramipril") is one as much as an item is
            meds = medications_in(text, strict=False, status_default=group.status,
                                  is_item=unit.is_item or is_a_list_line(text))
        if meds:
            added = [collector.medication(fields, unit) for fields in meds]
            group.lines += 1
            last_drug_line = number if added == [True] else None   # its directions go to the medicine just added
        else:
            collector.free_text(unit)
    collector.form(form.finish(group.status))


def _heading_run_in(unit: Unit) -> list[Unit]:
    """A status heading with no colon run into the drug under it ("STOP taking these medications" / "metoprolol
    tartrate 25 MG tablet" read as one sentence): the heading and the drug's line, apart."""
    mentions = vocabulary().mentions(unit.text)
    start = mentions[0].start if mentions else 0
    head = unit.text[:start].strip()
    if not start or unit.is_row or not STATUS_HEADING.fullmatch(head) or not MED_WORD.search(head):
        return [unit]
    return [replace(unit, text=head, is_item=False), replace(unit, text=unit.text[start:])]


def _status_heading(unit: Unit) -> tuple[str | None, bool] | None:
    """A heading inside a list that gives the lines after it a status: (its status, whether it names drugs to
    avoid), or None."""
    text = unit.text
    heading = STATUS_HEADING.fullmatch(text.rstrip(".")) if len(text) <= 60 else None
    if heading and (text.endswith(":") or not (unit.is_item or "(" in text)):   # not "Held (AKI)"
        return heading_status(heading), False
    if text.endswith(":") and len(text) <= 80 and says_not_to_take(text):   # "Medicines you should NOT take:"
        return "stopped", True
    return None


def _table_row(unit: Unit, status: str | None, collector: Collector) -> None:
    """A table row ("Aspirin 75 mg | oral | daily"): the drug of the first cell that starts with a word and has a
    dose; the row is its text."""
    cells = [cell.strip(" |") for cell in unit.text.split(" | ")]
    cell = _at_discharge(c for c in cells if find_dose(c) and re.match(r"[A-Za-z]", c))
    named = next((number for number, c in enumerate(cells) if re.match(r"[A-Za-z]", c)), None)
    if cell is None and named is not None and any(find_dose(c) for c in cells[named + 1:]):
        cell = " ".join(cells[named:])   # "| Diclofenac | 50 mg | twice a day |": the name and its dose apart
    said = next((_status_cell(c) for c in cells if c is not cell and _status_cell(c)), None)
    if cell is None and named is not None and said:
        fields = _named_in_a_cell(cells[named], said)   # "| naproxen (Aleve) OTC | STOP - avoid all NSAIDs |"
        if fields:
            fields.text = unit.text
            collector.medication(fields, unit)
        return
    if cell:
        fields = parse_medication(cell, strict=False, status_default=status, name_only_ok=False)
        if fields and said and (fields.status is None or said == "stopped"):
            fields.status = said   # a status column: "| Ramipril | 5 mg | OD | Withheld |"
        if fields:
            fields.text = unit.text
            collector.medication(fields, unit)


def _at_discharge(cells_with_a_dose) -> str | None:
    """The cell that gives the drug's dose: the first, or a later one that names the same drug again, as a
    reconciliation table does ("Atorvastatin 20 mg | CHANGE | Atorvastatin 80 mg"), whose columns run from before
    the admission to the discharge."""
    cells = list(cells_with_a_dose)
    if not cells:
        return None
    first = vocabulary().mentions(cells[0])
    again = [c for c in cells[1:] if first and any(m.generic == first[0].generic for m in vocabulary().mentions(c))]
    return again[-1] if again else cells[0]


def _named_in_a_cell(cell: str, status: str) -> MedFields | None:
    """A row with no dose whose first cell opens with a drug the vocabulary knows and whose status a cell says."""
    mentions = vocabulary().mentions(cell)
    if not mentions or cell[:mentions[0].start].strip():
        return None
    return MedFields(name=mentions[0].text, status=status)


# A table cell that says a status as its first word ("Withheld - AKI", "Suspended pending level", "CHANGE", "Hold
# until GP review"), not a note that only mentions one ("5 days then stop", "hold for bleeding", "Stop 12/2025"). The
# words are the plan's status words, longest first so that "stopped" is read whole; "avoid" opens advice in a notes
# cell ("Avoid alcohol"), not the row's status.
_CELL_STATUS_WORDS = sorted((word for word in STATUS_WORDS if word != "avoid"), key=len, reverse=True)
_STATUS_CELL = re.compile(r"\W*(?P<word>on hold|" + "|".join(_CELL_STATUS_WORDS) + r")\b"
                          r"(?!\s*(?:for|if|when|while|unless|with|during|on|in|before|after|at|below|above|\d))",
                          re.IGNORECASE)


def _status_cell(cell: str) -> str | None:
    found = _STATUS_CELL.match(cell)
    if not found:
        return None
    word = found.group("word").lower()
    return "stopped" if word == "on hold" else STATUS_WORDS[word]


def _instruction_section(units: list[Unit], collector: Collector) -> None:
    """The Discharge Instructions: clear prescriptions, the items of a lead-in's list, and instructions."""
    lead: str | None = None          # a medication list lead-in ("continue these medications:")
    topic: str | None = None         # a category lead-in ("Call your doctor or go to the ER for:")
    for unit in units:
        text = unit.text
        found = lead_of_items(text)
        if found:
            lead, topic = found, None
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
