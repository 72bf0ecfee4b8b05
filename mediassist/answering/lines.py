"""The lines of the retrieved passages: sentences, list items and table rows, each with where it came from."""
from __future__ import annotations

import re
from dataclasses import dataclass

from mediassist.structure.headings import canonical_section_name
from mediassist.structure.markers import tidy_line
from mediassist.structure.units import split_units
from prompting import Passage

_GLUED_ITEM_NUMBER = re.compile(r"\s*1[.)]?\s*$")
_LEADING_HEADING = re.compile(r"^[\s#*_]*([A-Z][A-Za-z/&,()' -]{2,60}):[\s*_]*")


@dataclass(frozen=True)
class Line:
    passage: Passage
    index: int           # position among the passage's lines
    text: str            # tidied: no list marker, heading prefix or markdown
    lead_in: bool        # introduces the items after it: "Call your doctor if you have:", or a heading alone


def lines_of(passage: Passage) -> list[Line]:
    tidied = [tidy(passage.text[a:b], passage.section) for a, b in split_units(passage.text)]
    tidied = [text for text in tidied if text]
    return [Line(passage, i, text, text.endswith(":") or _heading_alone(text)) for i, text in enumerate(tidied)]


def _heading_alone(text: str) -> bool:
    """A section's name with nothing after it but, in a run-together transcription, the number of the first item
    ("ALLERGIES1."): the items follow it as they would a colon."""
    return canonical_section_name(_GLUED_ITEM_NUMBER.sub("", text), fuzzy=False) is not None


def passages_of(lines: list[Line]) -> list[Passage]:
    """The passages the lines come from, each once, in the lines' order."""
    return list({line.passage.chunk_id: line.passage for line in lines}.values())


def tidy(unit: str, section: str) -> str:
    """One quoted line: no list marker or markdown, whitespace folded, and no label that only repeats the section
    the line is quoted under. Any other label stays: "Acetaminophen: 500 mg every 6 hours" must not lose its
    drug, "Duration: 7 days" what its number means, "Previous medications: warfarin" that it was before, nor
    "Discharge medications (stopped):" what became of them."""
    text = unit.strip()
    heading = _LEADING_HEADING.match(text)
    if heading and "(" not in heading.group(1) and canonical_section_name(heading.group(1), fuzzy=False) == section \
            and text[heading.end():].strip():
        text = text[heading.end():]
    text = tidy_line(text)
    return text if re.search(r"[A-Za-z]{2}", text) else ""


def with_items(chosen: list[Line], every: list[Line]) -> list[Line]:
    """A chosen lead-in brings the items it introduces (up to the next lead-in): a list never loses its heading,
    and a heading never comes without its list."""
    by_passage: dict[str, list[Line]] = {}
    for line in every:
        by_passage.setdefault(line.passage.chunk_id, []).append(line)
    result = list(chosen)
    for line in chosen:
        if not line.lead_in:
            continue
        for following in by_passage[line.passage.chunk_id][line.index + 1:]:
            if following.lead_in:
                break
            if following not in result:
                result.append(following)
    return result
