"""The no-LLM answer: the exact lines of the summary that answer the question, grouped by section.

A line is quoted only when there is evidence it answers the question:
- a question with specific terms ("can I drive?", "metoprolol") quotes only lines containing them;
- a broad question ("what pills do I take?") quotes the whole section that answers it (Discharge
  Medications), and from looser sections (Discharge Instructions) only the lines on its topic.
Nothing qualifying means the summary does not say, and we answer exactly that.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from document_processor import split_units
from patient_language import QuestionAnalysis, mentions_topic, passage_matches
from prompting import NOT_IN_SUMMARY, Passage

OFFLINE_NOTICE = ("The AI model is offline, so this answer quotes your discharge summary word for word. "
                  "Ask your care team if anything is unclear.")
MAX_LINES = 14
# Below this similarity a passage must be on the question's topic to be quoted at all.
MIN_OFF_TOPIC_SCORE = 0.45

_LEADING_HEADING = re.compile(r"^[\s#*_]*([A-Z][A-Za-z/&,()' -]{2,60}):[\s*_]*")
_LIST_MARKER = re.compile(r"^\s*(?:[-*•·▪]|\d{1,2}[.)])\s+")
_MARKDOWN = re.compile(r"\*\*|__|\\(?=[+<>*_#-])")


@dataclass(frozen=True)
class ExtractiveAnswer:
    text: str
    found: bool
    passages: list[Passage]


def compose(analysis: QuestionAnalysis, passages: list[Passage], notice: str = OFFLINE_NOTICE) -> ExtractiveAnswer:
    quoted: list[tuple[Passage, list[str]]] = []
    budget = MAX_LINES
    for passage in _topic_sections_first(analysis, passages):
        lines = _answering_lines(analysis, passage)[:budget]
        if lines:
            quoted.append((passage, lines))
            budget -= len(lines)
        if budget <= 0:
            break
    if not quoted:
        return ExtractiveAnswer(f"{notice}\n\n{NOT_IN_SUMMARY}", False, [])
    return ExtractiveAnswer(f"{notice}\n\n{_format(quoted)}", True, [p for p, _ in quoted])


def _topic_sections_first(analysis: QuestionAnalysis, passages: list[Passage]) -> list[Passage]:
    rank = {name: i for i, name in enumerate(analysis.sections)}
    return sorted(passages, key=lambda p: (rank.get(p.section, len(rank)), -p.score))


def _answering_lines(analysis: QuestionAnalysis, passage: Passage) -> list[str]:
    lines = [line for line in (_tidy(passage.text[a:b]) for a, b in split_units(passage.text)) if line]
    on_topic = passage.section in analysis.sections
    if analysis.specific_stems:
        if not on_topic and passage.score < MIN_OFF_TOPIC_SCORE:
            return []
        return [line for line in lines if passage_matches(line, analysis.specific_stems)]
    if passage.section in analysis.primary_sections:
        focused = [line for line in lines if passage_matches(line, analysis.focus_stems)]
        return focused or lines
    if on_topic:
        return [line for line in lines if mentions_topic(analysis, line)]
    return []


def _tidy(unit: str) -> str:
    """One quoted line: no heading prefix, list marker or markdown, whitespace folded."""
    text = unit.strip()
    heading = _LEADING_HEADING.match(text)
    if heading and (heading.group(1).isupper() or len(heading.group(1).split()) <= 4):
        text = text[heading.end():]
    text = _MARKDOWN.sub("", _LIST_MARKER.sub("", text))
    text = " ".join(text.split())
    return text if re.search(r"[A-Za-z]{2}", text) else ""


def _format(quoted: list[tuple[Passage, list[str]]]) -> str:
    several_files = len({p.document_id for p, _ in quoted}) > 1
    blocks: dict[tuple, list[str]] = {}
    for passage, lines in quoted:
        where = f"{passage.section} (page {passage.page}" + (f", {passage.filename})" if several_files else ")")
        block = blocks.setdefault((passage.document_id, passage.section, where), [])
        block += [line for line in lines if line not in block]
    return "\n\n".join(f"**{key[2]}**\n" + "\n".join(f"- {line}" for line in lines)
                       for key, lines in blocks.items())
