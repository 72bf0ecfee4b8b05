"""Medication forms, PRSB eDischarge style: one labelled line per field ("Medication name X", "Route Oral",
"Dose amount 30mg", "Description of amendment Dose increased") read into one medication."""
from __future__ import annotations

import re

from .dosing import DURATION, clean_field, find_dose
from .medication_lines import MedFields, how_taken
from .units import Unit

_FORM_LABELS = (
    ("name", re.compile(r"^(?:medication|medicine|drug)(?:\s+name\b\s*:?|\s*:)\s*(?P<value>.+)$", re.IGNORECASE)),
    ("stopped", re.compile(r"^name of (?:discontinued|stopped) (?:medication|medicine|drug)\s*:?\s*(?P<value>.+)$",
                           re.IGNORECASE)),
    ("route", re.compile(r"^route\b\s*:?\s*(?P<value>.+)$", re.IGNORECASE)),
    ("frequency", re.compile(r"^(?:dose timing|timing|frequency)\b\s*:?\s*(?P<value>.+)$", re.IGNORECASE)),
    # the whole direction in words ("Instructions: Take 1 tablet (200 mg total) by mouth every 12 hours")
    ("directions", re.compile(r"^(?:directions\b\s*:?|(?:instructions?|sig)\s*:)\s*(?P<value>.+)$", re.IGNORECASE)),
    ("dose", re.compile(r"^(?:dose amount|dose|dosage|strength)\b\s*:?\s*(?P<value>.+)$", re.IGNORECASE)),
    ("duration", re.compile(r"^duration\b\s*:?\s*(?P<value>.+)$", re.IGNORECASE)),
    ("amendment", re.compile(r"^(?:description of amendment|amendment|change|status)\b\s*:?\s*(?P<value>.+)$",
                             re.IGNORECASE)),
)


def form_field(text: str) -> tuple[str, str] | None:
    """(label, value) of a form's labelled line ("Route Oral": ("route", "Oral")), or None."""
    for field, pattern in _FORM_LABELS:
        match = pattern.match(text)
        if match:
            return field, match.group("value").strip()
    return None


def amendment_status(value: str) -> str | None:
    """The status a form's amendment line gives ("Dose increased": changed), or None: any word of stopping not
    undone by a restart, else its first word ("Continued - avoid NSAIDs")."""
    lowered = value.lower()
    if any(_stops_now(lowered, found) for found in _FORM_STOPPED.finditer(lowered)):
        return "stopped"   # "Completed (in hospital)", "Allergy - vomiting", "Active - on hold (INR 5.8)"
    first = re.match(r"\W*(active|continu\w*|unchanged|no change|new|added|start\w*)\b", lowered)
    if first:   # "Active (previously ceased, now restarted)", "Continued - avoid NSAIDs"
        return "continued" if first.group(1) in ("active", "unchanged", "no change") or \
            first.group(1).startswith("continu") else "new"
    if re.search(r"\b(?:increas|decreas|reduc|chang|adjust|amend)", lowered):
        return "changed"
    if re.search(r"\b(?:added|new|start)", lowered):
        return "new"
    if re.search(r"\b(?:continu|unchanged|no change)", lowered):
        return "continued"
    return None



_FORM_STOPPED = re.compile(r"\b(?:stop|discontinu|withh|held|hold|suspend|paus|ceas|inactive|not taking|not started|"
                           r"completed|allerg)\w*")   # "completed", not "complete the course"


def _stops_now(value: str, found: re.Match) -> bool:
    """A word of stopping that says the drug is stopped now: not denied ("do not stop suddenly"), past ("was held
    during admission"), to come ("until 12/2025 then stop") or undone ("ceased, now restarted")."""
    before = " ".join(value[:found.start()].split()[-3:])
    if re.search(r"\b(?:not|don'?t|never)\b|\b(?:was|were|previously|had been|then)$", before):
        return False
    return not re.search(r"\b(?:restart|resum|recommenc)\w*", value[found.end():])


# The labels that start a form; the others fill the form that is open.
FORM_STARTS = ("name", "stopped")
# Other lines of the same form, skipped without closing it: PRSB's unlabelled fields, or any short label with a
# value ("Start date: 05/09/2024", "Prescriber: Priya Raman, MD", "Discontinue reason: Ineffective").
OTHER_FORM_LINE = re.compile(r"^(?:medication|indication|comment|date of|reason)|^[A-Za-z][A-Za-z /-]{1,30}:\s*\S",
                             re.IGNORECASE)


class MedicationForm:
    """The form being read in a medication section: its fields so far, the unit it starts at and its lines."""

    def __init__(self) -> None:
        self.fields: dict | None = None
        self.unit: Unit | None = None
        self.lines: list[str] = []

    @property
    def is_open(self) -> bool:
        return self.fields is not None

    def add(self, label: str, value: str, unit: Unit) -> None:
        """A labelled line: a name starts a new form (finish the open one first), another label fills it."""
        if label in FORM_STARTS:
            self.fields, self.unit, self.lines = {"name": value}, unit, [unit.text]
            if label == "stopped":
                self.fields["status"] = "stopped"
        elif self.fields is not None:
            self.lines.append(unit.text)
            if label == "amendment":
                self.fields["status"] = amendment_status(value) or self.fields.get("status")
            else:
                self.fields.setdefault(label, value)

    def finish(self, status: str | None) -> tuple[MedFields, Unit] | None:
        """The open form's medication and its first unit, or None; status is the section's, for a form
        that gives none. The form is closed either way."""
        fields, unit, lines = self.fields, self.unit, self.lines
        self.fields, self.unit, self.lines = None, None, []
        if not (fields and fields.get("name") and unit is not None):
            return None
        name, dose = fields["name"], fields.get("dose")
        in_name = find_dose(name) if not dose else None
        if in_name and in_name[0] > 0:   # "Medication: Lisinopril 10 mg" with no Dose: line
            name, dose = name[:in_name[0]].strip(" ,-"), in_name[2]
        directions = fields.get("directions") or ""
        how = how_taken(directions)   # "Take 1 tablet (200 mg total) by mouth every 12 (twelve) hours for 7 days"
        frequency_text = fields.get("frequency") or (how and how.frequency) or directions
        in_frequency = DURATION.search(frequency_text)
        frequency = frequency_text[:in_frequency.start()].strip(" ,;") if in_frequency else frequency_text
        return MedFields(
            name=name, dose=dose or (how and how.dose), route=fields.get("route") or (how and how.route),
            frequency=frequency or None,
            duration=fields.get("duration") or (clean_field(in_frequency.group()) if in_frequency else None)
            or (how and how.duration),
            status=fields.get("status") or status, text="; ".join(lines)), unit
