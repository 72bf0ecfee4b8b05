"""The discharge plan's data model: medications, follow-up appointments and the other items, as dataclasses."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Medication:
    name: str
    dose: str | None
    route: str | None
    frequency: str | None
    duration: str | None
    status: str | None      # "new" | "changed" | "stopped" | "held" | "continued" | None
    text: str               # the source line (or its part, for a run-on list of drugs), tidied
    section: str
    page: int
    as_written: bool = False   # a line about medicines that could not be read as one: shown as written


@dataclass(frozen=True)
class Appointment:
    who: str | None
    when: str | None
    purpose: str | None
    text: str
    section: str
    page: int
    where: str | None = None   # the address or phone number printed under it, if any


@dataclass(frozen=True)
class PlanItem:
    text: str
    section: str
    page: int


@dataclass(frozen=True)
class DischargePlan:
    medications: tuple[Medication, ...]
    follow_up: tuple[Appointment, ...]
    tests: tuple[PlanItem, ...]
    diet: tuple[PlanItem, ...]
    activity: tuple[PlanItem, ...]
    wound_care: tuple[PlanItem, ...]
    warning_signs: tuple[PlanItem, ...]

    def to_json(self) -> dict:
        """Plain dicts and lists (JSON-ready); the keys are the field names."""
        return {
            "medications": [asdict(item) for item in self.medications],
            "follow_up": [asdict(item) for item in self.follow_up],
            "tests": [asdict(item) for item in self.tests],
            "diet": [asdict(item) for item in self.diet],
            "activity": [asdict(item) for item in self.activity],
            "wound_care": [asdict(item) for item in self.wound_care],
            "warning_signs": [asdict(item) for item in self.warning_signs],
        }

    @property
    def is_empty(self) -> bool:
        return not any(self.to_json().values())


CATEGORIES = ("follow_up", "tests", "diet", "activity", "wound_care", "warning_signs")
