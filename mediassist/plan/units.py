"""The plan's units of text: the sentences and list items of a summary, tidied, with their section and page."""
from __future__ import annotations

import re
from dataclasses import dataclass

from mediassist.structure.headings import heading_end
from mediassist.structure.markers import is_list_item, tidy_line
from mediassist.structure.model import Document, Section
from mediassist.structure.units import split_units


@dataclass
class Unit:
    start: int
    end: int
    text: str        # tidied
    section: Section
    index: int       # the section's position in document.sections
    is_item: bool    # a bulleted or numbered list item
    is_row: bool     # a table row ("cell | cell")
    page: int
    after_blank: bool = False   # a blank line comes between this unit and the one before


# Sentence breaks that split_units leaves alone after a dotted abbreviation ("9:00 a.m. Repeat", "b.i.d. Keep").
_AM_PM_BREAK = re.compile(
    r"(?<=\b[aApP]\.[mM]\.)\s+(?=[A-Z][a-z])"
    r"|(?<=[a-z]\.)\s+(?=(?:Keep|Take|Do|Don't|Call|Return|Follow|Walk|Avoid|No|Resume|Use|Please|Eat|Drink|"
    r"Limit|See|Continue|Stop|Check|Make|Weigh|Wear|Shower|Apply|Change|Remove|Go|Ambulate|Rest|Elevate|"
    r"Seek|Notify|Contact|Start|Finish|Restart|Schedule|Have|Get|Bring|Monitor|Diet|Activity)\b)")


def units_of(document: Document) -> list[Unit]:
    """Every sentence and list item under a section heading, in the order of the text."""
    text = document.text
    sections = list(document.sections)
    starts = {section.start: number for number, section in enumerate(sections)}
    bodies = [heading_end(text, section) for section in sections]
    units: list[Unit] = []
    previous_end = 0
    for start, end in split_units(text):
        section = document.section_at(start)
        if section is None:
            continue
        index = starts.get(section.start, 0)
        for piece_start, piece_end in _pieces(text, max(start, bodies[index]), end):
            unit = _unit(document, piece_start, piece_end, section, index)
            if unit is not None:
                unit.after_blank = bool(units) and bool(re.search(r"\n[ \t]*\n", text[previous_end:unit.start]))
                previous_end = unit.end
                units.append(unit)
    return units


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A unit cut where a sentence starts after a dotted abbreviation ("at 9:00 a.m. Repeat chest x-ray")."""
    pieces, cursor = [], start
    for brk in _AM_PM_BREAK.finditer(text, start, end):
        pieces.append((cursor, brk.start()))
        cursor = brk.end()
    pieces.append((cursor, end))
    return pieces


def _unit(document: Document, start: int, end: int, section: Section, index: int) -> Unit | None:
    raw = document.text[start:end]
    tidy = tidy_line(raw)
    if not re.search(r"[A-Za-z]{2}", tidy):
        return None
    return Unit(start, end, tidy, section, index,
                is_item=is_list_item(raw),
                is_row=" | " in raw, page=document.page_at(start))
