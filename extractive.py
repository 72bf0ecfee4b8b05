"""The no-LLM answer: the exact lines of the summary that answer the question, grouped by section.

A line is quoted only when there is evidence it answers the question:
- a question with specific terms ("can I drive?", "metoprolol") quotes only lines containing them;
- a broad question ("what pills do I take?") quotes the whole section that answers it (Discharge
  Medications), and from looser sections (Discharge Instructions) only the lines on its topic;
- a question about a kind of drug ("which antibiotic?") quotes, outside the medication list, only the
  lines that name a drug of that kind (Levaquin);
- a sentence that carries an answering instruction on ("She must be off narcotics first.") comes with it.
Nothing qualifying means the summary does not say, and we answer exactly that.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from document_processor import split_units
from patient_language import DRUG_NAMES, QuestionAnalysis, matched_share, mentions_topic, names_a_drug, passage_matches
from prompting import NOT_IN_SUMMARY, Passage

OFFLINE_NOTICE = ("The AI model is offline, so this answer quotes your discharge summary word for word. "
                  "Ask your care team if anything is unclear.")
MAX_LINES = 14
REQUIRED_FOCUS_SHARE = 0.6   # with no recognised topic, a line must carry this share of the question's words

_CARRY_ON = re.compile(r"(he|she|they|you|the patient|patient)\s+(must|should|needs? to|has to|have to|is to|are to|"
                       r"will need|may not|can ?not|can't|should not)\b", re.IGNORECASE)
_LEADING_HEADING = re.compile(r"^[\s#*_]*([A-Z][A-Za-z/&,()' -]{2,60}):[\s*_]*")
_LIST_MARKER = re.compile(r"^\s*(?:[-*•·▪]|\d{1,2}[.)])\s+")
_MARKDOWN = re.compile(r"\*\*|__|\\(?=[+<>*_#-])")


@dataclass(frozen=True)
class ExtractiveAnswer:
    text: str
    found: bool
    passages: list[Passage]


def compose(analysis: QuestionAnalysis, passages: list[Passage], notice: str = OFFLINE_NOTICE) -> ExtractiveAnswer:
    candidates = [(score, passage, line) for passage in passages for line, score in _answering_lines(analysis, passage)]
    if analysis.drugs_are_the_subject:   # outside the medication list, only lines naming those drugs
        candidates = [c for c in candidates
                      if c[1].section in analysis.primary_sections or names_a_drug(analysis, c[2])]
    best = sorted(candidates, key=lambda c: -c[0])[:MAX_LINES]
    if not best:
        return ExtractiveAnswer(f"{notice}\n\n{NOT_IN_SUMMARY}", False, [])
    quoted: dict[str, tuple[Passage, list[str]]] = {}
    for _, passage, line in sorted(best, key=lambda c: (c[1].document_id, c[1].start)):
        quoted.setdefault(passage.chunk_id, (passage, []))[1].append(line)
    ordered = _topic_sections_first(analysis, [p for p, _ in quoted.values()])
    return ExtractiveAnswer(f"{notice}\n\n{_format([quoted[p.chunk_id] for p in ordered])}", True, ordered)


def _topic_sections_first(analysis: QuestionAnalysis, passages: list[Passage]) -> list[Passage]:
    rank = {name: i for i, name in enumerate(analysis.sections)}
    return sorted(passages, key=lambda p: (rank.get(p.section, len(rank)), p.document_id, p.start))


def _answering_lines(analysis: QuestionAnalysis, passage: Passage) -> list[tuple[str, float]]:
    """The lines of a passage that answer the question, each with how strongly it does, and the
    sentences that carry an answering instruction on ("No driving for 2 weeks. She must be off narcotics.")."""
    units = [(a, b, _tidy(passage.text[a:b])) for a, b in split_units(passage.text)]
    units = [unit for unit in units if unit[2]]
    strengths = [_strength(analysis, passage, line) for _, _, line in units]
    answering = []
    for i, (start, end, line) in enumerate(units):
        if strengths[i] is not None:
            answering.append((line, strengths[i]))
        elif i and strengths[i - 1] is not None and _carries_on(passage.text, units[i - 1][1], start, line):
            answering.append((line, strengths[i - 1] - 0.1))
    return answering


def _carries_on(text: str, previous_end: int, start: int, line: str) -> bool:
    """The sentence goes on with the same instruction: same paragraph, and it starts 'She must/needs to...'."""
    return "\n" not in text[previous_end:start] and _CARRY_ON.match(line) is not None


def _strength(analysis: QuestionAnalysis, passage: Passage, line: str) -> float | None:
    """How strongly a line answers the question; None for a line that does not."""
    primary = passage.section in analysis.primary_sections
    in_topic_section = passage.section in analysis.sections
    specific = passage_matches(line, analysis.specific_stems)
    focus = matched_share(line, analysis.focus_stems)
    named_drug = names_a_drug(analysis, line)
    topical = mentions_topic(analysis, line) or named_drug
    if analysis.specific_stems and not (specific or _has_every_identifying_word(analysis, focus)):
        return None
    if analysis.focus_required and focus < REQUIRED_FOCUS_SHARE:
        return None
    if not (specific or primary or analysis.focus_required
            or _topical_here(in_topic_section, topical, focus, analysis)):
        return None
    return (2.0 * specific + 1.5 * focus + topical + 2.0 * named_drug + primary + 0.5 * in_topic_section
            + passage.score)


def _has_every_identifying_word(analysis: QuestionAnalysis, focus: float) -> bool:
    """'How much of the 70/30 insulin?' is answered by the line with 70/30 even if it never says insulin;
    'alcohol with my prednisone and keflex?' is not answered by the line that lists prednisone and keflex."""
    words = analysis.focus_stems
    return focus == 1.0 and len(words) > 1 and not any(word in DRUG_NAMES for word in words)


def _topical_here(in_topic_section: bool, topical: bool, focus: float, analysis: QuestionAnalysis) -> bool:
    """Topic words count fully in the sections the question is about; elsewhere the line must also carry
    the question's own words (a lab 'sodium 137' does not answer 'low fat or low salt diet?')."""
    return topical and (in_topic_section or focus > 0 or not analysis.focus_stems)


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
    """Lines grouped under their section and page, in the order given."""
    several_files = len({p.document_id for p, _ in quoted}) > 1
    blocks: dict[tuple, list[str]] = {}
    for passage, lines in quoted:
        where = f"{passage.section} (page {passage.page}" + (f", {passage.filename})" if several_files else ")")
        block = blocks.setdefault((passage.document_id, passage.section, where), [])
        block += [line for line in lines if line not in block]
    return "\n\n".join(f"**{key[2]}**\n" + "\n".join(f"- {line}" for line in lines)
                       for key, lines in blocks.items())
