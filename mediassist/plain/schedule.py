"""A daily timetable from the plan's medicines: which to take in the morning, at midday, in the evening, at
bedtime, which only when needed, and which the summary does not let us place.

The times come from the glossary's frequency entries ("BD" -> morning and evening, "1-0-1" -> morning and
night, "at bedtime"). A frequency that does not name its times ("once daily", "every 8 hours") or that we
cannot read goes to "unclear" as written: a timetable must never guess when a medicine is taken.
"""
from __future__ import annotations

from collections.abc import Iterable

from .glossary import AS_NEEDED, SLOTS, Glossary, glossary

NOT_TAKEN = frozenset({"stopped", "held"})
COLUMNS = (*SLOTS, AS_NEEDED, "unclear")
CHECK_NOTE = ("This timetable is read from your summary by a computer. Check it with your pharmacist or "
              "care team before you follow it.")


def daily_schedule(medications: Iterable, terms: Glossary | None = None) -> dict:
    """{"morning": [...], ..., "as_needed": [...], "unclear": [...]}; each item {"name", "dose", "how_often"}."""
    terms = terms or glossary()
    schedule: dict[str, list[dict]] = {column: [] for column in COLUMNS}
    for med in medications:
        if med.status in NOT_TAKEN or med.as_written:
            continue
        item = {"name": med.name, "dose": med.dose, "how_often": med.frequency}
        for column in _columns(med.frequency or "", terms):
            schedule[column].append(item)
    return schedule


def _columns(frequency: str, terms: Glossary) -> list[str]:
    slots: set[str] = set()
    as_needed = False
    for hit in terms.find(frequency):
        if hit.entry.kind not in ("frequency", "timing") or hit.entry.slots is None:
            continue
        if hit.entry.slots == AS_NEEDED:
            as_needed = True
        else:
            slots.update(hit.entry.slots)
    if as_needed:   # "BD PRN": at most twice a day, only when needed; never a fixed time
        return [AS_NEEDED]
    return [slot for slot in SLOTS if slot in slots] or ["unclear"]
