"""The plan being gathered: each medication and item kept once, in its category, with its section and page."""
from __future__ import annotations

import re
from dataclasses import replace

from .appointments import read_appointment
from .categories import (CONSENT, NONE_ITEM, SIGNATURE, conditional_warning, free_text_items, not_an_appointment,
                         attended_test)
from .medication_lines import MedFields
from .model import CATEGORIES, Appointment, DischargePlan, Medication, PlanItem
from .units import Unit


class Collector:
    def __init__(self) -> None:
        self.medications: list[Medication] = []
        self.items: dict[str, list] = {category: [] for category in CATEGORIES}
        self._seen: set[tuple[str, str]] = set()

    def medication(self, fields: MedFields, unit: Unit) -> bool:
        """Add the medication unless it is listed already; whether it was added."""
        key = ("med", f"{fields.name.lower()}|{(fields.dose or '').lower()}|{fields.text.lower()}")
        if key in self._seen or self._named_again(fields):
            return False
        self._seen.add(key)
        self.medications.append(Medication(
            name=fields.name, dose=fields.dose, route=fields.route, frequency=fields.frequency,
            duration=fields.duration, status=fields.status, text=fields.text,
            section=unit.section.name, page=unit.page))
        return True

    def directions(self, fields: MedFields) -> None:
        """How to take the medicine listed last, printed under its name: what its own line left out."""
        last = self.medications[-1]
        self.medications[-1] = replace(
            last, dose=last.dose or fields.dose, route=last.route or fields.route,
            frequency=last.frequency or fields.frequency, duration=last.duration or fields.duration,
            text=f"{last.text}: {fields.text}")

    def stopped_last(self, text: str) -> None:
        """The medicine listed last is stopped, as the line after it says without naming it ("Please stop this")."""
        last = self.medications[-1]
        self.medications[-1] = replace(last, status="stopped", text=f"{last.text} {text}")

    def _named_again(self, fields: MedFields) -> bool:
        """A bare name ("Metformin") of a medicine already listed with the same status adds nothing."""
        return not (fields.dose or fields.frequency) and any(
            m.name.lower() == fields.name.lower() and m.status == fields.status for m in self.medications)

    def form(self, finished: tuple[MedFields, Unit] | None) -> None:
        """The medication of a form read to its end (forms.MedicationForm.finish); None: no form was open."""
        if finished:
            self.medication(*finished)

    def item(self, category: str | None, text: str, unit: Unit, where: str | None = None) -> None:
        """where: the address or phone number printed under an appointment (listing._appointment_blocks)."""
        text = text.strip()
        if category is None or (category == "follow_up" and (text.endswith(":") or not_an_appointment(text))):
            return   # belongs to no part of the plan, only introduces what follows, or says there is none
        if not re.search(r"[A-Za-z]{2}", text) or NONE_ITEM.match(text) or CONSENT.search(text) \
                or SIGNATURE.search(text):
            return
        if not self._first_time(category, text):
            return
        if category == "follow_up":
            self._appointment(text, unit, where)
            if conditional_warning(text):   # "return to clinic in 5 days if the fever comes back": both
                self.warning(unit, text)
        else:
            self.items[category].append(PlanItem(text=text, section=unit.section.name, page=unit.page))
            if category == "tests" and attended_test(text) and self._first_time("follow_up", text):
                self._appointment(text, unit, where)   # "Bloods at the GP on Monday": a test, and a day to go

    def _appointment(self, text: str, unit: Unit, where: str | None) -> None:
        who, when, purpose = read_appointment(text)
        self.items["follow_up"].append(Appointment(who=who, when=when, purpose=purpose, text=text,
                                                   section=unit.section.name, page=unit.page, where=where))

    def warning(self, unit: Unit, text: str | None = None) -> None:
        """A sentence that says when to seek care, wherever it is and whoever it was taught to ("the parents
        know to bring her back if she stops drinking"); text: the part of the unit that says it."""
        text = (text or unit.text).strip()
        if self._first_time("warning_signs", text):
            self.items["warning_signs"].append(PlanItem(text=text, section=unit.section.name, page=unit.page))

    def _first_time(self, category: str, text: str) -> bool:
        """Each item once in its category, however many readings of the summary find it."""
        key = (category, text.lower())
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def free_text(self, unit: Unit) -> None:
        for category, text in free_text_items(unit.text):
            self.item(category, text, unit)

    def plan(self) -> DischargePlan:
        items = self.items
        return DischargePlan(
            medications=tuple(self.medications),
            follow_up=tuple(items["follow_up"]),
            tests=tuple(items["tests"]),
            diet=tuple(items["diet"]),
            activity=tuple(items["activity"]),
            wound_care=tuple(items["wound_care"]),
            warning_signs=tuple(items["warning_signs"]),
        )
