"""Units of text: the blocks (list items, runs of lines) and sentences a summary can be quoted and cut by."""
from __future__ import annotations

import re
from dataclasses import dataclass

from mediassist.structure.headings import split_sections
from mediassist.structure.markers import LIST_MARKER
from mediassist.structure.model import Section

LONG_ITEM_CHARS = 500   # split_units keeps a list item whole up to this length

_INLINE_MARKER = re.compile(r"(?<=[A-Za-z)\]%'\"][.:;])[ \t]?(?P<number>\d{1,2})[.)][ \t]?(?=[A-Z])")
_JOINING_WORDS = frozenset(
    "a an the of to and or with in on at for by from as than that which who whose was were is are be been "
    "has have had his her their its our your my this these those per via into onto over under after before "
    "during within without not no but if then until while about plus".split())


@dataclass
class Block:
    start: int
    end: int
    is_item: bool
    number: int | None = None


def split_blocks(text: str, start: int, end: int) -> list[Block]:
    """List items and runs of lines in text[start:end]: the places a chunk may be cut.

    A list item runs on over wrapped lines until the next item, a blank line, or a line that
    plainly starts something new. Spans are stripped; spans without letters or digits are dropped.
    """
    lines = _line_spans(text, start, end)
    numbers = [_marker_number(text, line_start, line_end) for line_start, line_end in lines]
    blocks: list[Block] = []
    current: Block | None = None
    for index, (line_start, line_end) in enumerate(lines):
        line = text[line_start:line_end]
        previous_line = text[lines[index - 1][0]:lines[index - 1][1]] if index else ""
        if not line.strip():
            current = None
        elif numbers[index] is not None:
            number = numbers[index] or None
            current = Block(line_start, line_end, True, number)
            blocks.append(current)
        elif current is not None and (_item_runs_on(current, numbers, index, lines, text)
                                      or _continues(previous_line, line)):
            current.end = line_end
        else:
            current = Block(line_start, line_end, False)
            blocks.append(current)
    pieces = [piece for block in blocks for piece in _split_inline_items(text, block)]
    return [piece for piece in (_strip_block(text, piece) for piece in pieces) if piece]


def _line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    while True:
        newline = text.find("\n", start, end)
        if newline < 0:
            spans.append((start, end))
            return spans
        spans.append((start, newline))
        start = newline + 1


def _marker_number(text: str, start: int, end: int) -> int | None:
    """None: not a list item; 0: a bullet; n: item number n."""
    marker = LIST_MARKER.match(text, start, end)
    if not marker:
        return None
    return int(marker.group("number")) if marker.group("number") else 0


def _item_runs_on(block: Block, numbers: list, index: int, lines: list, text: str) -> bool:
    """A numbered item owns the lines up to the next number ('Sig: One (1)' / 'Injection TID')."""
    if not block.is_item or not block.number:
        return False
    for later in range(index, min(index + 12, len(numbers))):
        if not text[lines[later][0]:lines[later][1]].strip() or numbers[later] == 0:
            return False
        if numbers[later] is not None:
            return numbers[later] == block.number + 1
    return False


_A_DOSE = re.compile(r"\d\s*(?:mg|mcg|micrograms?|g|units?|ml|mL)\b")
_DOSED_LINE = re.compile(r"[a-z][\w-]+(?:\s+[A-Za-z][\w-]*){0,3}\s+\d+(?:\.\d+)?\s*"
                         r"(?:mg|mcg|micrograms?|g|units?|ml|mL)\b")


def _continues(previous: str, line: str) -> bool:
    """Is line the wrapped rest of previous (PDF text wraps mid-sentence)?"""
    previous, line = previous.rstrip(), line.lstrip()
    if not previous or not line or " | " in line or " | " in previous:
        return False   # table rows stand alone
    if previous[-1] == ":":
        return False   # a label or lead-in ("Diet:", "call if:"); the next line starts afresh
    if _DOSED_LINE.match(line) and _A_DOSE.search(previous):
        return False   # an EHR list in lower case: "atorvastatin 40 mg tablet" after "aspirin 81 mg daily"
    if line[0].islower() or line[0] in "([{/&+,;%":
        return True
    if previous[-1] in ".!?;":
        return False
    if previous[-1] in ",-/(&+":
        return True
    last_word = re.search(r"([A-Za-z]+)\W*$", previous)
    return bool(last_word) and last_word.group(1).lower() in _JOINING_WORDS


def _split_inline_items(text: str, block: Block) -> list[Block]:
    """'daily.2. Levaquin 500 mg daily.3. Albuterol' holds three items on one line."""
    cuts = [m.start("number") for m in _INLINE_MARKER.finditer(text, block.start, block.end)
            if m.start("number") > block.start]
    if not cuts:
        return [block]
    bounds = [block.start, *cuts, block.end]
    return [Block(a, b, block.is_item or i > 0) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]


def _strip_block(text: str, block: Block) -> Block | None:
    start, end = strip_span(text, block.start, block.end)
    if not any(char.isalnum() for char in text[start:end]):
        return None
    return Block(start, end, block.is_item, block.number)


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])|(?<=[a-z]{2})[.!?](?=[A-Z][a-z])")
_NEXT_WORD = re.compile(r"\s*([A-Za-z]+)")
_TITLE_ABBREVIATIONS = frozenset(
    "dr drs mr mrs ms mx prof st no nos vs approx fig jr sr dept inc ltd mt ft ext tab tabs cap caps inj syp syr susp "
    "oint gtt".split())
_SENTENCE_STARTERS = frozenset(
    "He She The They Patient His Her This It We I On In At There Please Continue Take Follow Return Call "
    "You Your No".split())


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, current = [], start
    for match in _SENTENCE_END.finditer(text, start, end):
        if text[match.start()] == "." and (_is_abbreviation(text, match.start(), match.end(), end)
                                           or _is_leader(text, match.start())):
            continue
        spans.append((current, match.end()))
        current = match.end()
    spans.append((current, end))
    stripped = (strip_span(text, a, b) for a, b in spans)
    return [(a, b) for a, b in stripped if any(char.isalnum() for char in text[a:b])]


# A dictated note's sentences may start in lower case ("... home with her husband. she will follow up with
# dr. mendez in one week."): a full stop after a word, then a space and a lower-case word, ends one too.
_RUN_ON_END = re.compile(r"(?<=[a-z)]{2})[.!?]\s+(?=[a-z])")


def run_on_sentences(text: str) -> list[str]:
    """The sentences of a unit, also those that start in lower case; "dr. mendez" ends none."""
    sentences, start = [], 0
    for end in _RUN_ON_END.finditer(text):
        word = re.search(r"[A-Za-z]+$", text[:end.start()])
        if word and word.group().lower() in _TITLE_ABBREVIATIONS:
            continue
        sentences.append(text[start:end.start() + 1])
        start = end.end()
    return sentences + [text[start:]]


def _is_leader(text: str, dot: int) -> bool:
    """Dots that lead the eye along a line to what is said of it ("Doxazosin 4mg OD ....... STOPPED"), not the
    end of a sentence: four or more, or three after a space."""
    dots = _DOTS.match(text, dot).end() - dot
    return dots >= 4 or (dots == 3 and dot > 0 and text[dot - 1].isspace())


_DOTS = re.compile(r"\.+")


def _is_abbreviation(text: str, dot: int, after: int, end: int) -> bool:
    """Does the '.' at dot belong to 'Dr.', 'D.' or 'p.o.' rather than end a sentence?"""
    word = re.search(r"[A-Za-z][A-Za-z.]*$", text[max(0, dot - 20):dot])
    if not word:
        return False
    token = word.group()
    if token.lower() in _TITLE_ABBREVIATIONS or (len(token) == 1 and token.isupper()):
        return True
    if "." in token:   # p.o. / b.i.d. / e.g.: a sentence goes on unless an obvious new one starts
        following = _NEXT_WORD.match(text, after, end)
        return not (following and following.group(1) in _SENTENCE_STARTERS)
    return False


def split_units(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences and list items in text, for quoting exact items in answers.

    A list item or a table row stays whole (unless it is very long: a row's cells are one medicine, one
    appointment, not sentences); headings on a line of their own are left out.
    """
    units = []
    for section in split_sections(text):
        for block in split_blocks(text, section.start, section.end):
            if (block.is_item or _is_table_row(text[block.start:block.end])) \
                    and block.end - block.start <= LONG_ITEM_CHARS:
                spans = [(block.start, block.end)]
            else:
                spans = sentence_spans(text, block.start, block.end)
            units.extend(span for span in spans if not _is_bare_heading(text[span[0]:span[1]], section))
    return units


def _is_table_row(block: str) -> bool:
    return " | " in block and "\n" not in block


def _is_bare_heading(unit: str, section: Section) -> bool:
    return bool(section.title) and unit.strip("#*_: \t\n") == section.title


def has_letters(text: str) -> bool:
    return any(char.isalpha() for char in text)
