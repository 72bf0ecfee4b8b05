"""Follow-up appointments with a date, as an iCalendar file (RFC 5545) the patient adds to their calendar.

Only an appointment whose date the summary writes out becomes an event: "in 2 weeks" has no date, and
"03/04/2026" (March 4 in the US, 3 April in the UK) is left out as ambiguous. A date without a year takes the
first such day on or after a month before the summary was added, and the event says the year was not written.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

MONTHS = {name: n for n, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_WRITTEN_DATES = [
    re.compile(rf"\b(?P<month>{_MONTH})\.?\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?", re.IGNORECASE),   # December 12, 2026
    re.compile(rf"\b{_DAY}(?:\s+of)?\s+(?P<month>{_MONTH})\.?(?:,?\s+{_YEAR}\b)?", re.IGNORECASE),   # 12 Dec 2026
]
_ISO_DATE = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b")
_NUMERIC_DATE = re.compile(r"(?<![\d/.-])(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<year>\d{4}|\d{2})(?![\d/.-])")
_TIME = re.compile(r"(?<![\d:])(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<half>[ap])\.?\s?m\b\.?"
                   r"|(?<![\d:])(?P<hour24>[01]?\d|2[0-3]):(?P<minute24>\d{2})(?![\d:])", re.IGNORECASE)
UNDATED_YEAR_LOOKBACK = timedelta(days=31)
APPOINTMENT_MINUTES = 60


@dataclass(frozen=True)
class CalendarEvent:
    day: date
    start: time | None          # None: an all-day event (the summary gives no time)
    summary: str
    description: str
    location: str | None = None   # the address the summary prints under the appointment


def calendar_events(appointments, added: date) -> list[CalendarEvent]:
    """One event per appointment whose date the summary writes out (see the module doc)."""
    events = []
    for visit in appointments:
        text = " ".join(part for part in (visit.when, visit.text) if part)
        found = written_date(text, added)
        if found is None:
            continue
        day, year_written = found
        title = "Follow-up" + (f": {visit.who}" if visit.who else "")
        note = f'From your discharge summary: "{visit.text}"'
        if not year_written:
            note += " The year was not written in your summary: check the date."
        events.append(CalendarEvent(day, written_time(text), title, note, visit.where))
    return events


def written_date(text: str, added: date) -> tuple[date, bool] | None:
    """(the date, whether its year was written), or None when there is none or it is ambiguous."""
    for pattern in _WRITTEN_DATES:
        for match in pattern.finditer(text):
            month = MONTHS[match.group("month").lower().rstrip(".")]
            found = _valid(match.group("year"), month, int(match.group("day")), added)
            if found:
                return found
    iso = _ISO_DATE.search(text)
    if iso:
        return _valid(iso.group("year"), int(iso.group("month")), int(iso.group("day")), added)
    numeric = _NUMERIC_DATE.search(text)
    if numeric:
        a, b = int(numeric.group("a")), int(numeric.group("b"))
        if a <= 12 and b <= 12 and a != b:
            return None   # 03/04: March 4 or 3 April; never guessed
        month, day = (a, b) if b > 12 or a == b else (b, a)
        year = numeric.group("year")
        return _valid(year if len(year) == 4 else f"20{year}", month, day, added)
    return None


def written_time(text: str) -> time | None:
    match = _TIME.search(text)
    if not match:
        return None
    if match.group("hour24"):
        return time(int(match.group("hour24")), int(match.group("minute24")))
    hour = int(match.group("hour"))
    if not 1 <= hour <= 12:
        return None
    hour = hour % 12 + (12 if match.group("half").lower() == "p" else 0)
    return time(hour, int(match.group("minute") or 0))


def _valid(year: str | None, month: int, day: int, added: date) -> tuple[date, bool] | None:
    try:
        if year:
            return date(int(year), month, day), True
        earliest = added - UNDATED_YEAR_LOOKBACK
        candidate = date(earliest.year, month, day)
        if candidate < earliest:
            candidate = date(earliest.year + 1, month, day)
        return candidate, False
    except ValueError:
        return None   # "February 30", "13/13/2026"


def to_ics(events: list[CalendarEvent], calendar_name: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//MediReportAssist//Discharge plan//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(calendar_name)}"]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{_uid(event)}@mediassist", f"DTSTAMP:{stamp}", *_when(event),
                  f"SUMMARY:{_escape(event.summary)}", f"DESCRIPTION:{_escape(event.description)}",
                  *([f"LOCATION:{_escape(event.location)}"] if event.location else []), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _when(event: CalendarEvent) -> list[str]:
    if event.start is None:
        return [f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}", f"DTEND;VALUE=DATE:{event.day + timedelta(days=1):%Y%m%d}"]
    start = datetime.combine(event.day, event.start)   # floating local time: the clinic's clock, as written
    end = start + timedelta(minutes=APPOINTMENT_MINUTES)
    return [f"DTSTART:{start:%Y%m%dT%H%M%S}", f"DTEND:{end:%Y%m%dT%H%M%S}"]


def _uid(event: CalendarEvent) -> str:
    return hashlib.sha256(f"{event.day}{event.start}{event.description}".encode()).hexdigest()[:32]


def _escape(text: str) -> str:
    text = "".join(c if c.isprintable() else " " for c in text)
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")


def _fold(line: str) -> str:
    """Content lines longer than 75 octets continue on lines that start with a space (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)
