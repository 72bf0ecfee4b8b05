"""The emergency notice, and the emergency numbers a patient's own summary gives.

The configured numbers (EMERGENCY_NUMBER, CRISIS_LINE) are always given. A summary written for another country
may name its own ("call 999", "ring 000", "Samaritans on 116 123"); the notice then also says what the summary
says, so a UK patient whose app is set up with 911 still reads 999.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Public emergency numbers, by where they are used (ITU list of national emergency numbers).
EMERGENCY_NUMBERS = {"911": "US/Canada", "999": "UK/Ireland/India", "112": "EU/India/mobile", "000": "Australia",
                     "108": "India (ambulance)", "102": "India (ambulance)",
                     "10177": "South Africa (ambulance)", "119": "Japan/Korea", "120": "China (ambulance)"}
CRISIS_LINE_NAMES = {"988": "the Suicide & Crisis Lifeline"}

_CALL = r"(?:call|dial|ring|phone|contact|telephone)"
STATED_EMERGENCY = re.compile(rf"\b{_CALL}\s+(?:\w+\s+){{0,2}}?\(?({'|'.join(EMERGENCY_NUMBERS)})\)?(?!\s*\d)",
                              re.IGNORECASE)

PHONE = r"\+?\d[\d\s\-]{1,12}\d"
STATED_CRISIS = re.compile(rf"\b(?:crisis|suicide|samaritans|lifeline|helpline|mental health (?:line|team)|"
                           rf"tele ?manas|kiran)\b[^.\n]{{0,40}}?({PHONE})", re.IGNORECASE)


@dataclass(frozen=True)
class StatedNumbers:
    emergency: tuple[str, ...] = ()
    crisis: tuple[str, ...] = ()


def stated_numbers(text: str) -> StatedNumbers:
    """Emergency numbers and crisis lines a summary tells the patient to call, in order of first mention."""
    emergency = [m.group(1) for m in STATED_EMERGENCY.finditer(text or "")]
    crisis = [re.sub(r"\s+", " ", m.group(1)).strip() for m in STATED_CRISIS.finditer(text or "")]
    return StatedNumbers(emergency=tuple(dict.fromkeys(emergency)), crisis=tuple(dict.fromkeys(crisis)))


def emergency_notice(self_harm: bool, emergency_number: str, crisis_line: str,
                     stated: StatedNumbers = StatedNumbers()) -> str:
    """Plain text to show before any answer: call the emergency number now; for self-harm, the crisis line."""
    number = emergency_number.strip()
    lines = [f"This sounds like it could be an emergency. Call {number} (your local emergency number) now, "
             "or have someone take you to the nearest emergency department. Please don't wait for an answer here."]
    other = [n for n in stated.emergency if n != number]
    if other:
        lines.append(f"Your summary says to call {' or '.join(other)} in an emergency.")
    if self_harm:
        crisis = crisis_line.strip()
        name = CRISIS_LINE_NAMES.get(crisis, "a crisis line")
        lines.append(f"You are not alone. You can call or text {crisis} ({name}) at any time, day or night, "
                     f"to talk with someone now. If you are in immediate danger, call {number}.")
        if stated.crisis:
            lines.append(f"Your summary also gives this crisis line: {', '.join(stated.crisis)}.")
    return "\n".join(lines)
