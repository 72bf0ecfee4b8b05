"""Medicine lists under their own heading inside another section ("Medications stopped:", "Daily medicines to
take:" in a letter with no medication section), and EHR medication forms ("Medication: X" over "Dose: 25 mg")
outside one: where each list starts and ends, and the status its heading gives it."""
from __future__ import annotations

import re

from .categories import WARNING
from .dosing import find_dose
from .drugs import vocabulary
from .forms import FORM_STARTS, form_field
from .leads import GROUP_HEADING, after_inline_lead, list_status, starts_with_drug
from .sections import MED_WORD
from .units import Unit


def headed_lists(units: list[Unit], text: str) -> tuple[list[tuple[list[Unit], str | None]], list[Unit]]:
    """The lists among these units of one section, each with its heading's status (None: to take), and the
    units that are in none. text: the document's, to see blank lines between units."""
    lists: list[tuple[list[Unit], str | None]] = []
    rest: list[Unit] = []
    number = 0
    while number < len(units):
        if _starts_a_form(units, number) and units[number].section.name not in _STAY_SECTIONS:
            end = number + 1
            while end < len(units) and form_field(units[end].text) and not units[end].after_blank:
                end += 1
            lists.append((units[number:end], None))
            number = end
            continue
        status = list_status(units[number].text) if _list_heading(units[number].text) else None
        if status is None:
            rest.append(units[number])
            number += 1
            continue
        end = number + 1
        while end < len(units) and _continues_list(units, end, units[number + 1]) \
                and not _new_block(units, end, number + 1, text):
            end += 1
        lists.append((units[number + 1:end], None if status == "take" else status))
        number = end
    return lists, rest


# Sections of the stay, where a medication form is an order given in hospital.
_STAY_SECTIONS = frozenset({"Hospital Course", "Procedures", "Consultations", "Complications"})


def _starts_a_form(units: list[Unit], number: int) -> bool:
    field = form_field(units[number].text)
    return bool(field and field[0] in FORM_STARTS and number + 1 < len(units) and form_field(units[number + 1].text))


def _new_block(units: list[Unit], number: int, first: int, text: str) -> bool:
    """Does a blank line before this unit start another list (whose first line is units[first])? Yes between
    blocks of lines ("Medications stopped:" / ibuprofen / naproxen / blank / lisinopril / insulin); no in a list
    spaced out line by line."""
    if number == first or not units[number].after_blank:
        return False
    block_before = _several_lines(units[number - 1], text) or (
        number - 2 >= first and not units[number - 1].after_blank)
    block_after = _several_lines(units[number], text) or (
        number + 1 < len(units) and not units[number + 1].after_blank)
    return block_before or block_after


def _several_lines(unit: Unit, text: str) -> bool:
    """A unit made of lines run together ("ibuprofen" / "naproxen" read as one sentence) is a block itself."""
    return "\n" in text[unit.start:unit.end].strip()


def _list_heading(text: str) -> bool:
    """A line that heads medicines: short, ending in ':', with a word for medicines, and no warning ("Stop your
    medicines and call if you have:")."""
    return len(text) <= 60 and text.endswith(":") and bool(MED_WORD.search(text)) and not WARNING.search(text)


def _continues_list(units: list[Unit], number: int, first: Unit) -> bool:
    """Is this unit still part of the medicine list that starts with `first`, in its form: an item among items,
    a table row of a drug (or the table's header, first) among rows, a line that starts with a drug or a
    lead-in to drugs among such lines, or a sub-heading ("Cardiac:") followed by one of them? A heading of
    medicines ends it: it heads a list of its own."""
    unit, text = units[number], units[number].text
    if text.endswith(":") and MED_WORD.search(text):
        return False
    if unit.is_row:
        return unit is first or bool(find_dose(text) or vocabulary().mentions(text) or re.fullmatch(r"[|\s:-]*", text))
    if _in_form_of(unit, first):
        return True
    following = units[number + 1] if number + 1 < len(units) else None
    return bool(GROUP_HEADING.match(text) and following and _in_form_of(following, first))


def _in_form_of(unit: Unit, first: Unit) -> bool:
    """A line of the list's own form: items after an item, lines of drugs after such a line."""
    if first.is_item:
        return unit.is_item
    return not unit.is_row and (starts_with_drug(unit.text) or after_inline_lead(unit.text, None) is not None)
