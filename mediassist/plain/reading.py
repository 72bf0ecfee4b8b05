"""A summary line read in plain words: "625mg PO BD x 5 days" -> "625 mg by mouth twice a day for 5 days".

The reading goes under the line as written, never instead of it. Dosing shorthand (how often, how, for how
long, units, forms) is replaced by its plain meaning; other medical words and abbreviations keep their place
and get their meaning in brackets. A reading that would lose or change a figure of the line is not given.
"""
from __future__ import annotations

import re

from mediassist.llm.figures import UNITS, figures

from .glossary import Found, Glossary, glossary

PLAIN_WORDS = "In plain words: "   # how a reading is introduced under its line, in answers and on the page
REPLACED_KINDS = frozenset({"frequency", "route", "form", "timing", "duration", "unit"})
_GLUED_UNIT = re.compile(r"(\d)(" + "|".join(sorted((re.escape(u) for u in UNITS if u.isalpha() and len(u) > 1),
                                                    key=len, reverse=True)) + r")\b", re.IGNORECASE)
# "x 5 days", "x5d", "x 2/52" (UK weeks): a course length, not "times"
_COURSE = re.compile(r"(?<![\w.])[xX×]\s*(\d+)\s*(?:(days?|d|weeks?|wks?|months?)\b|/(52|7)\b)")
_COURSE_UNITS = {"d": "days", "wk": "weeks", "wks": "weeks", "52": "weeks", "7": "days"}


def plain_reading(line: str, terms: Glossary | None = None) -> str | None:
    """The line in plain words, or None when there is nothing to explain (or the reading would alter a figure)."""
    terms = terms or glossary()
    text = _COURSE.sub(_course, _GLUED_UNIT.sub(r"\1 \2", line))
    found = terms.find(text)
    if not found and text == line:
        return None
    reading = _rewrite(text, found)
    reading = re.sub(r"\s+", " ", reading).strip()
    if _same(reading, line) or not figures(line) <= figures(reading):
        return None
    return reading


def quoted_line(text: str) -> str:
    """A bullet with the line as written; under it, when it uses shorthand or medical words, its plain reading."""
    reading = plain_reading(text)
    return f"- {text}" + (f"\n  {PLAIN_WORDS}{reading}" if reading else "")


def terms_in(text: str, terms: Glossary | None = None) -> list[dict]:
    """The glossary terms a text uses, once each, as {"text", "term", "plain", "kind", "source"} for the page."""
    terms = terms or glossary()
    seen: dict[str, dict] = {}
    for hit in terms.find(text):
        seen.setdefault(hit.text, {"text": hit.text, **hit.entry.to_json()})
    return list(seen.values())


def _course(match: re.Match) -> str:
    unit = match.group(2) or match.group(3)
    unit = _COURSE_UNITS.get(unit.lower(), unit)
    return f"for {match.group(1)} {unit}"


def _rewrite(text: str, found: list[Found]) -> str:
    parts, last = [], 0
    for hit, after in zip(found, [h.start for h in found[1:]] + [len(text)]):
        parts.append(text[last:hit.start])
        replaced = hit.entry.kind in REPLACED_KINDS
        plain = _short(hit.entry.plain)
        if replaced:   # "1 gram", "2 puffs": the unit agrees with its number
            plain = _singular(plain) if _ONE_BEFORE.search(text[:hit.start]) else plain.replace("(s)", "s")
        if replaced and plain.endswith("when needed") and _WHAT_FOR.match(text[hit.end:after]):
            plain += " for"   # "PRN pain" -> "only when needed for pain"
        parts.append(plain if replaced else f"{hit.text} ({hit.entry.plain})")
        last = hit.end
    parts.append(text[last:])
    return "".join(parts)


# What an "as needed" is for, when it follows: "PRN severe pain", "SOS for fever" already says it
_WHAT_FOR = re.compile(r"\s+(?!(?:for|to|up|as|and|or|if|when|while|with|every|each|at|in|on|during|until|till|"
                       r"only|max|maximum|not|no|dose|doses|times?|daily)\b)[A-Za-z][a-z-]*\b")


_ONE_BEFORE = re.compile(r"(?<![\d.,/])\b(?:1|one)\s*$", re.IGNORECASE)


def _singular(plain: str) -> str:
    """"1 gram", "1 puff from an inhaler": the plain words of a unit or form after the number one."""
    first, _, rest = plain.partition(" ")
    first = first.replace("(s)", "")
    if first.endswith("s") and not first.endswith("ss"):
        first = first[:-1]
    return f"{first} {rest}".strip()


def _short(plain: str) -> str:
    """"once a day (in eye care, OD means right eye)" -> "once a day": a reading reads as a sentence; the
    whole meaning is a tap away on the page."""
    return re.sub(r"\s+\([^()]*\)$", "", plain)   # a remark in brackets, not the "(s)" of "week(s)"


def _same(a: str, b: str) -> bool:
    return re.sub(r"\W+", "", a).lower() == re.sub(r"\W+", "", b).lower()
