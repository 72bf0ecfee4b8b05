"""The plan card as the patient gets it: the plan, each medicine in plain words, a daily timetable, the
terms its lines use, and which follow-ups have a date for the calendar."""
from __future__ import annotations

from datetime import date

from mediassist.structure.model import Document
from mediassist.plain.reading import plain_reading, terms_in
from mediassist.plain.schedule import CHECK_NOTE, daily_schedule

from . import extract_plan
from .calendar import calendar_events, to_ics


def plan_card(document: Document, added: date) -> dict:
    plan = extract_plan(document)
    card = plan.to_json()
    for medication in card["medications"]:
        medication["plain"] = plain_reading(medication["text"]) or medication["text"]
    for visit, appointment in zip(card["follow_up"], plan.follow_up):
        visit["calendar"] = bool(calendar_events([appointment], added))
    lines = [item["text"] for items in card.values() for item in items]
    card["schedule"] = {**daily_schedule(plan.medications), "note": CHECK_NOTE}
    card["terms"] = terms_in("\n".join(lines))
    return card


def plan_calendar(document: Document, added: date, calendar_name: str) -> str | None:
    """The follow-ups with a date as an .ics file; None when the summary dates none."""
    events = calendar_events(extract_plan(document).follow_up, added)
    return to_ics(events, calendar_name) if events else None
