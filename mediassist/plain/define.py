"""Questions that ask what a term means ("What does BD mean?"), answered from the glossary.

The meaning is general, not something the summary says, and the answer says so; the summary's own lines that
use the term follow, as written, so the patient sees it where it matters to them.
"""
from __future__ import annotations

import re

from .glossary import Entry, Glossary, glossary
from .reading import quoted_line

_QUOTE = "[\"'“”‘’`]?"
_TERM = rf"{_QUOTE}(?P<term>[^?\"“”]{{1,40}}?){_QUOTE}"
# Patterns of form: the term is the whole object of a "what does X mean" / "meaning of X" question.
_ASKS_MEANING = [
    re.compile(rf"^(?:what|wat|wht)\s*(?:does|do|dose|is|are|'s|’s|s)\s+(?:the\s+)?(?:word\s+|term\s+|abbreviation\s+|"
               rf"letters\s+)?{_TERM}\s+(?:mean|means|stand\s+for|short\s+for)\b", re.IGNORECASE),
    re.compile(rf"^(?:what\s+is\s+(?:meant\s+by|the\s+meaning\s+of)|meaning\s+of|define|definition\s+of|"
               rf"explain(?:\s+the\s+(?:word|term))?)\s+{_TERM}\s*$", re.IGNORECASE),
    re.compile(rf"^(?:what|wat)\s*(?:is|are|'s|’s)\s+(?:an?\s+)?{_TERM}\s*$", re.IGNORECASE),
    re.compile(rf"^{_TERM}\s*(?:=|means|meaning)\s*$", re.IGNORECASE),
]
MAX_LINES_SHOWN = 5
GENERAL_MEANING = "This meaning comes from the app's list of medical words. It is not from your summary."


def asked_term(question: str, terms: Glossary | None = None) -> tuple[str, Entry] | None:
    """(the term as asked, its entry) when the question only asks what a glossary term means."""
    terms = terms or glossary()
    text = re.sub(r"[\s?.!]+$", "", question.strip())
    for pattern in _ASKS_MEANING:
        match = pattern.match(text)
        if match:
            written = match.group("term").strip()
            entry = terms.lookup(written)
            if entry is not None:
                return written, entry
    return None


def uses(line: str, entry: Entry, terms: Glossary | None = None) -> bool:
    return any(hit.entry == entry for hit in (terms or glossary()).find(line))


def meaning_answer(written: str, entry: Entry, lines_in_summary: list[str]) -> str:
    text = (f"**{written}** usually means: {entry.plain}.\n\n"
            "This is the general meaning of the term, not something your summary says. "
            "Ask your pharmacist or care team if you are not sure what it means for you.")
    if not lines_in_summary:
        return text + f"\n\nYour summary does not use \"{written}\"."
    shown = [quoted_line(line) for line in lines_in_summary[:MAX_LINES_SHOWN]]
    return text + "\n\n**Where your summary uses it**\n" + "\n".join(shown)
