"""Readings a message gives that are dangerous on their own: a temperature of 39, oxygen at 84%, a pulse of 35,
a blood pressure of 70/40, a blood sugar of 1.8 mmol/L or 520 mg/dL.

The limits are those at which early-warning scores (NEWS2, the RCP's National Early Warning Score) and diabetes
guidance call for urgent review. This reads the form of a reading (a name, then a number), not a phrasing.
"""
from __future__ import annotations

import re

_IS = r"(?:\s*(?:is|was|of|at|=|:|reading|showing|shows|says|now|down to|up to|only|just|about|around|approx)\b\s*)*"


def _reading(names: str) -> re.Pattern:
    return re.compile(rf"\b(?:{names}){_IS}\s*(\d{{1,3}}(?:\.\d+)?)", re.IGNORECASE)


TEMPERATURE = _reading(r"temp(?:erature)?|fever|t|temps")
OXYGEN = _reading(r"sats?|spo2|o2 sats?|oxygen(?: sats?| saturation| level)?|saturation|pulse ox(?:imeter)?")
PULSE = _reading(r"hr|heart rate|pulse(?: rate)?|heartbeat")
BREATHING_RATE = _reading(r"rr|resps?|resp(?:iratory)? rate|breathing rate")
GCS = _reading(r"gcs")
SUGAR = _reading(r"(?:blood )?sugars?|glucose|bg|bm|bs|cbg|glucometer|meter|finger ?stick")
BLOOD_PRESSURE = re.compile(r"\b(?:bp|blood pressure|pressure)?\s*(?:is|of|:|=)?\s*(\d{2,3})\s*/\s*(\d{2,3})\b",
                            re.IGNORECASE)


def dangerous_readings(text: str) -> list[str]:
    """The names of the readings in the text that are past an urgent-review limit."""
    found = []
    if any(_fever(float(m.group(1))) for m in TEMPERATURE.finditer(text)):
        found.append("temperature")
    if any(50 <= float(m.group(1)) < 92 for m in OXYGEN.finditer(text)):
        found.append("oxygen")
    if any(_outside(float(m.group(1)), 20, 40, 130) for m in PULSE.finditer(text)):
        found.append("pulse")
    if any(_outside(float(m.group(1)), 3, 9, 25) for m in BREATHING_RATE.finditer(text)):
        found.append("breathing rate")
    if any(3 <= float(m.group(1)) <= 12 for m in GCS.finditer(text)):
        found.append("consciousness")
    if any(_sugar(float(m.group(1))) for m in SUGAR.finditer(text)):
        found.append("blood sugar")
    if any(60 <= int(m.group(1)) < 90 and int(m.group(2)) < int(m.group(1)) for m in BLOOD_PRESSURE.finditer(text)):
        found.append("blood pressure")
    return found


def _outside(value: float, floor: float, low: float, high: float) -> bool:
    """Below `low` or above `high`; values under `floor` are not this reading (a dose, a day)."""
    return floor <= value and (value < low or value > high)


def _fever(value: float) -> bool:
    if 30 <= value <= 45:
        return value >= 38.0          # Celsius
    return 100.4 <= value <= 110      # Fahrenheit


def _sugar(value: float) -> bool:
    if value < 35:
        return value < 3.5 or value >= 25     # mmol/L
    return value < 60 or value >= 400         # mg/dL
