"""List markers and markdown: the one rule for what starts a list item, and for a line's text without them.

Sections and units (headings.py, units.py), the plan's lines and the quoted answer's lines all use it, so a
bullet the splitter takes for a list item is also the bullet every reader removes."""
from __future__ import annotations

import re

BULLET = r"[*•·▪●◦○‣⁃–—+-]"   # a bullet before a list item, or before the capital label of one (headings.py)
# A list item ("1.", "2)", "a.", "*", "-", "•"), which is content even when it reads like a label.
LIST_MARKER = re.compile(rf"[ \t]*(?:(?P<number>\d{{1,2}})[.)](?=[ \t]|[A-Za-z(])|{BULLET}(?=[ \t])"
                         r"|[a-z][.)](?=[ \t]))")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")
_MARKDOWN_EMPHASIS = re.compile(r"(?<![\w*\[])(\*{1,3}|_{2,3})(?=[^\s*])(.+?)(?<=[^\s*])\1(?![\w*\]])")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
_STRAY_EMPHASIS = re.compile(r"^[*_]{2,3}|[*_]{2,3}$")


def is_list_item(line: str) -> bool:
    """A bulleted or numbered line (a table row drawn with "|" is not one)."""
    stripped = line.lstrip()
    return bool(LIST_MARKER.match(stripped)) and not stripped.startswith("|")


def tidy_line(raw: str) -> str:
    """A line as a reader sees it: markdown escapes and emphasis undone, no list marker or "#" heading mark,
    whitespace folded."""
    text = _MARKDOWN_ESCAPE.sub(r"\1", raw).lstrip()
    marker = LIST_MARKER.match(text)
    if marker:
        text = text[marker.end():]
    text = _MARKDOWN_EMPHASIS.sub(r"\2", text)
    text = _MARKDOWN_HEADING.sub("", text.strip())
    text = _STRAY_EMPHASIS.sub("", text.strip())
    return " ".join(text.split())
