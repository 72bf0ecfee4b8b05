"""What a question asks for (a dose, how often, how long, when, who, yes or no), and whether a line gives it.

These are patterns of form: "how much" asks for an amount, and "500 mg", "2 puffs" are amounts, whatever the
drug. A line that names what was asked about but lacks the detail asked for lets the answer say so plainly.
"""
from __future__ import annotations

import re

_I = re.IGNORECASE
_N = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen|a|a few|several)"
_SPAN = rf"{_N}(?:\s*(?:-|to)\s*{_N})?\s*(?:more\s+)?(?:days?|weeks?|months?|doses?)"
# "When should I come back?" asks on what condition, not for a date.
ASKS_A_CONDITION = re.compile(r"\b(?:come|go|bring \w+|get \w+) (?:right |straight )?back\b|\bto the (?:er|ed|a&e|"
                              r"emergency)\b|\bserious\b|\bworr(?:y|ied)\b|\bcall\b|\bworse\b|\bemergency\b", _I)

ASKS = {
    "dose": re.compile(r"\bhow much\b|\bhow many\b(?! (?:times|days|weeks|months|hours|more days|more weeks)\b)|"
                       r"\bdose\b|\bdosage\b|\bstrength\b|\bwhat (?:amount|mg)\b|\bhow strong\b", _I),
    "frequency": re.compile(r"\bhow (?:often|many times)\b|\bwhat time|\bwhen (?:do|should) (?:i|we|he|she) "
                            r"(?:take|give|use)\b|\btimes a day\b|\bmorning or\b|\bat night\b", _I),
    "duration": re.compile(r"\bhow long\b|\bfor how many (?:days|weeks)\b|\buntil when\b|\bwhen (?:can|do|should) "
                           r"(?:i|we|he|she) stop\b|\bhow many (?:more )?days\b", _I),
    "date": re.compile(r"\bwhen (?:is|are|will|do|should|can)\b|\bwhat (?:day|date)\b|\bhow soon\b|\bwhich day\b", _I),
    "who": re.compile(r"\bwho\b|\bwhich (?:doctor|clinic|specialist)\b|\bwhat (?:doctor|clinic)\b", _I),
}

GIVES = {
    "dose": re.compile(r"\b\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|g|gm|grams?|ml|mL|cc|units?|iu|mmol|meq|%|"
                       r"tablets?|tabs?|capsules?|caps?|puffs?|drops?|sprays?|patch(?:es)?|sachets?|teaspoons?|tsp)\b"
                       r"|\b(?:one|two|three|half|1/2)\s+(?:tablets?|tabs?|capsules?|puffs?|drops?)\b", _I),
    "frequency": re.compile(r"\b(?:once|twice|three times|four times|\d+\s*times)\b|\b(?:daily|nightly|weekly|"
                            r"hourly|every|each)\b|\b(?:b\.?i\.?d|t\.?i\.?d|q\.?i\.?d|q\.?d|q\.?h\.?s|h\.?s|prn|"
                            r"p\.?r\.?n|od|bd|tds|qds|mane|nocte|sos|stat)\b|\bq\.?\s?\d+\s*h|\bat (?:bedtime|night)\b|"
                            r"\b\d-\d-\d\b|\bin the (?:morning|evening)\b|\bas needed\b|\bwith meals\b", _I),
    "duration": re.compile(rf"\b(?:for|over) (?:the (?:next|following) |another |a total of )?{_SPAN}\b"
                           r"|\bx\s*\d+\s*(?:days?|d|weeks?)\b"
                           r"|\buntil\b|\b(?:\d+|one|two|three|four|five|six|seven|ten)[- ]day course\b|\blifelong\b|"
                           r"\bindefinitely\b|\bcomplete the course\b|\btotal of\b", _I),
    "date": re.compile(rf"\b(?:in|within|after)\s+(?:the next\s+)?{_SPAN}\b"
                       r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d"
                       r"|\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|"
                       r"\btomorrow\b|\bnext week\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s*(?:am|pm)\b", _I),
    "who": re.compile(r"\b(?:dr|doctor)\b\.?|\bclinic\b|\b[a-z]+ology\b|\b(?:pcp|gp|surgeon|specialist|team|"
                      r"physician|nurse|dentist|therapist|cardiolog\w*|neurolog\w*|oncolog\w*|urolog\w*|orthop\w*|"
                      r"notify me|call me|tell me|let us know|(?-i:with [A-Z][A-Za-z]+))\b", _I),
}

DETAIL_WORDS = {"dose": "a dose", "frequency": "how often to take it", "duration": "how long to take it",
                "date": "a date or time", "who": "who to see"}


def asked_details(question: str) -> tuple[str, ...]:
    """The details a question asks for, most specific first ("how much and how often" -> dose, frequency)."""
    asked = [kind for kind, pattern in ASKS.items() if pattern.search(question)]
    if "date" in asked and ("frequency" in asked or "duration" in asked or ASKS_A_CONDITION.search(question)):
        asked.remove("date")   # "when should I take it" asks how often; "when should I come back" asks on what sign
    return tuple(asked)


def gives(line: str, detail: str) -> bool:
    return bool(GIVES[detail].search(line))
