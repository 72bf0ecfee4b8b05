"""The figures an answer states, as (value, unit) pairs a summary can be checked against.

"500 mg", "500mg" and "500 milligrams" are one figure; "three weeks" and "3 wks" are another. A figure is
compared with its unit, so "500 mcg" is not confirmed by a summary that says "500 mg", and "3 weeks" is not
confirmed by "1 week". List numbering ("4.") and figures inside words are not figures.
"""
from __future__ import annotations

import re

NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fourteen": "14",
                "half": "0.5", "a": "1", "an": "1", "single": "1"}
# unit as written (lower case) -> one name per unit
UNITS = {
    "mg": "mg", "milligram": "mg", "milligrams": "mg", "mgs": "mg",
    "mcg": "mcg", "µg": "mcg", "ug": "mcg", "microgram": "mcg", "micrograms": "mcg",
    "g": "g", "gm": "g", "gram": "g", "grams": "g", "kg": "kg", "kilograms": "kg", "kilogram": "kg",
    "ml": "ml", "milliliter": "ml", "milliliters": "ml", "millilitre": "ml", "millilitres": "ml", "cc": "ml",
    "l": "l", "liter": "l", "liters": "l", "litre": "l", "litres": "l",
    "unit": "unit", "units": "unit", "iu": "unit",
    "meq": "meq", "mmol": "mmol", "mmhg": "mmhg", "bpm": "bpm", "%": "%", "percent": "%",
    "lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb", "oz": "oz", "ounce": "oz", "ounces": "oz",
    "tablet": "tablet", "tablets": "tablet", "tab": "tablet", "tabs": "tablet", "pill": "tablet", "pills": "tablet",
    "capsule": "capsule", "capsules": "capsule", "cap": "capsule", "caps": "capsule",
    "puff": "puff", "puffs": "puff", "drop": "drop", "drops": "drop", "spray": "spray", "sprays": "spray",
    "patch": "patch", "patches": "patch",
    "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour", "h": "hour",
    "day": "day", "days": "day", "week": "week", "weeks": "week", "wk": "week", "wks": "week",
    "month": "month", "months": "month", "year": "year", "years": "year", "yr": "year", "yrs": "year",
    "time": "time", "times": "time",
}
_NUMBER = r"\d+(?:[.,]\d+)?(?:\s*/\s*\d+)?"
_UNIT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
_WORD_NUMBER = "|".join(w for w in NUMBER_WORDS if len(w) > 2)
FIGURE = re.compile(rf"(?<![\w.])({_NUMBER}|{_WORD_NUMBER})(?:\s*(?:-|to)\s*({_NUMBER}))?\s*-?\s*({_UNIT})(?![\w])",
                    re.IGNORECASE)
BARE_NUMBER = re.compile(r"(?<![\w.,/])\d+(?:[.,:/]\d+)*(?![\w])")
LIST_NUMBER = re.compile(r"(?:^|(?<=[.:;!?]\s))\s*\(?\d{1,2}[.)]\s+(?=[A-Za-z])", re.MULTILINE)


def figures(text: str) -> set[tuple[str, str]]:
    """Every (value, unit) the text states; a range "1-2 tablets" gives both ends."""
    found = set()
    for match in FIGURE.finditer(text):
        unit = UNITS[match.group(3).lower()]
        for value in (match.group(1), match.group(2)):
            if value:
                found.add((_value(value), unit))
    return found


def bare_numbers(text: str) -> set[str]:
    """Numbers that stand without a unit (dates, times, phone numbers, counts), list numbering left out."""
    text = LIST_NUMBER.sub(" ", text)
    unit_spans = [m.span() for m in FIGURE.finditer(text)]
    return {_value(m.group()) for m in BARE_NUMBER.finditer(text)
            if not any(a <= m.start() < b for a, b in unit_spans)}


def unconfirmed(answer: str, summary: str) -> list[str]:
    """The figures and numbers of the answer that the summary does not state, as the answer wrote them."""
    known_figures = figures(summary)
    known_numbers = bare_numbers(summary) | {value for value, _ in known_figures}
    missing = [f"{value} {unit}" for value, unit in sorted(figures(answer)) if (value, unit) not in known_figures]
    missing += [n for n in sorted(bare_numbers(answer)) if n not in known_numbers]
    return missing


def _value(written: str) -> str:
    """One spelling per value: "three" -> "3", "500.0" -> "500", "0,5" -> "0.5", "08" -> "8"."""
    value = written.lower().replace(" ", "")
    value = NUMBER_WORDS.get(value, value).replace(",", ".")
    if re.fullmatch(r"\d+(?:\.0+)?", value):
        return str(int(float(value)))
    return value
