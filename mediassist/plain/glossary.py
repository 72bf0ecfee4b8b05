"""The glossary: medical shorthand and words a patient meets in a discharge summary, with their plain meaning.

The entries are data (data/glossary.json, each with the reference its meaning agrees with); this module finds
them in text. A term matches as a whole word, in its written forms ("BD", "b.d."); short capitals that collide
with English or other meanings ("OD", "PT") match only as written in capitals.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

GLOSSARY_FILE = Path(__file__).with_name("data") / "glossary.json"
KINDS = ("frequency", "route", "unit", "form", "timing", "duration", "abbreviation", "word")
SLOTS = ("morning", "midday", "evening", "bedtime")
AS_NEEDED = "as_needed"


@dataclass(frozen=True)
class Entry:
    term: str
    plain: str
    kind: str
    source: str
    variants: tuple[str, ...] = ()
    case_sensitive: bool = False
    slots: tuple[str, ...] | str | None = None    # frequency only: times of day, or AS_NEEDED
    times_per_day: float | None = None

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.term, *self.variants)

    def to_json(self) -> dict:
        return {"term": self.term, "plain": self.plain, "kind": self.kind, "source": self.source}


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    text: str
    entry: Entry


@dataclass
class Glossary:
    entries: list[Entry]
    _by_form: dict[str, Entry] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_form = {}
        for entry in self.entries:
            for form in entry.forms:
                self._by_form[form if entry.case_sensitive else form.lower()] = entry
        self._exact = _pattern([f for e in self.entries if e.case_sensitive for f in e.forms], 0)
        self._folded = _pattern([f for e in self.entries if not e.case_sensitive for f in e.forms], re.IGNORECASE)

    @classmethod
    def from_json(cls, data: dict) -> "Glossary":
        return cls([_entry(raw) for raw in data["entries"]])

    def lookup(self, written: str) -> Entry | None:
        """The entry a term as written names: exact case first, then any case for ordinary words."""
        written = written.strip()
        return self._by_form.get(written) or self._by_form.get(written.lower())

    def find(self, text: str) -> list[Found]:
        """Every glossary term in the text, left to right; where two overlap, the longer wins."""
        hits = [Found(m.start(), m.end(), m.group(), self.lookup(m.group())) for pattern in (self._exact, self._folded)
                if pattern is not None for m in pattern.finditer(text)]
        hits = [hit for hit in hits if hit.entry is not None and not _roman_numeral(text, hit)]
        chosen: list[Found] = []
        for hit in sorted(hits, key=lambda h: (-(h.end - h.start), h.start)):
            if all(hit.end <= other.start or hit.start >= other.end for other in chosen):
                chosen.append(hit)
        return sorted(chosen, key=lambda h: h.start)


_NUMBERED_BEFORE = re.compile(r"\b(?:stage|grade|class|type|phase|level|part|step|NYHA|CKD|cranial nerves?|"
                              r"factor)\s*$", re.IGNORECASE)


def _roman_numeral(text: str, hit: Found) -> bool:
    """"CKD stage IV", "grade II": a number, not "IV" (into a vein)."""
    return (re.fullmatch(r"[IVXL]+", hit.text) is not None
            and _NUMBERED_BEFORE.search(text[max(0, hit.start - 20):hit.start]) is not None)


def _entry(raw: dict) -> Entry:
    slots = raw.get("slots")
    return Entry(term=raw["term"], plain=raw["plain"], kind=raw["kind"], source=raw["source"],
                 variants=tuple(raw.get("variants", ())), case_sensitive=bool(raw.get("case_sensitive")),
                 slots=tuple(slots) if isinstance(slots, list) else slots, times_per_day=raw.get("times_per_day"))


def _pattern(forms: list[str], flags: int) -> re.Pattern | None:
    """Whole-word alternatives, longest first. A form may end in a dot ("b.i.d."), so word edges are written out."""
    if not forms:
        return None
    alternatives = "|".join(re.escape(f) for f in sorted(set(forms), key=len, reverse=True))
    return re.compile(rf"(?<![\w./-])(?:{alternatives})(?![\w/]|-\w|\.\w)", flags)


@lru_cache(maxsize=1)
def glossary() -> Glossary:
    return Glossary.from_json(json.loads(GLOSSARY_FILE.read_text(encoding="utf-8")))
