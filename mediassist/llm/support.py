"""Is each sentence of a model's answer said by the summary it was given?

A sentence is judged on its own: a figure or number the excerpts do not state, or a medicine they do not name,
makes it unsupported outright; otherwise it needs lines of the excerpts that the calibrated line scorer of
the answer engine rates as answering it and that hold most of its words (a line about drinking fluids does not
support "two glasses of wine every evening"). Sentences that only frame the answer ("Here is what your summary
says:") or say that the summary is silent are told apart, so that the caller can read the answer as a whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from mediassist.answering.lines import Line
from mediassist.answering.scoring import LineScorer
from mediassist.plan.drugs import vocabulary
from patient_language import analyse, content_stems, matched_share
from prompting import NOT_IN_SUMMARY

from .figures import unconfirmed

MIN_WORDS_COVERED = 0.5   # of the sentence's own words, found in the lines that support it

# Phrases that say the summary is silent on the matter.
REFUSAL = re.compile(r"\b(?:does(?: not|n[’']t)|did(?: not|n[’']t)) (?:mention|say|include|contain|specify|state|"
                     r"list|give|provide)|\bnot (?:mentioned|stated|specified|listed|included|in (?:your|the) "
                     r"(?:discharge )?summary)|\bno (?:information|mention|details?)\b|\bis(?: not|n[’']t) "
                     r"(?:mentioned|stated|specified|clear)", re.IGNORECASE)
# Words an answer puts around the facts, never evidence of anything.
FRAMING_WORDS = frozenset(content_stems(
    "summary discharge says say said mention mentions mentioned according listed list states stated instructions "
    "instruction advised advise recommend recommends recommended should please ask care team doctor nurse "
    "pharmacist contact call help understand clear unclear information also including include here following "
    "answer question patient document excerpt excerpts your you note important remember"))
SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*[ \t]+(?=[A-Z0-9\"'(*-])|\n+")
# Full stops that do not end a sentence: titles and dotted abbreviations ("Dr. Rivera", "b.i.d. With food").
LIST_NUMBER_ONLY = re.compile(r"\s*\(?\d{1,2}[.)]")
ABBREVIATION = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|St|vs|No|approx)|\b[a-z]\.[a-z](?:\.[a-z])?)\.$", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    kind: str                        # framing | refusal | supported | unsupported
    reason: str = ""                 # why a sentence is unsupported, for the log and the tests
    lines: tuple[Line, ...] = ()     # the summary lines that support it


def sentences(text: str) -> list[str]:
    """The answer cut into sentences and list items, each with its trailing space or newline."""
    pieces, start = [], 0
    for boundary in SENTENCE_END.finditer(text):
        ending = text[start:boundary.start() + 1]
        if ABBREVIATION.search(ending) or LIST_NUMBER_ONLY.fullmatch(ending):
            continue
        pieces.append(text[start:boundary.end()])
        start = boundary.end()
    if start < len(text):
        pieces.append(text[start:])
    return [p for p in pieces if p]


def complete_sentences(buffer: str) -> tuple[list[str], str]:
    """The sentences a streamed buffer has finished (a boundary with text after it) and the rest."""
    done = sentences(buffer)
    if not done:
        return [], buffer
    return done[:-1], done[-1]


class SupportChecker:
    def __init__(self, scorer: LineScorer):
        self.scorer = scorer

    def judge(self, sentence: str, lines: list[Line]) -> Verdict:
        words_only = folded(sentence)
        if REFUSAL.search(sentence) or (words_only and words_only in folded(NOT_IN_SUMMARY)):   # the wording we ask for
            return Verdict("refusal")
        words = frozenset(content_stems(sentence) - FRAMING_WORDS)
        if not words and not re.search(r"\d", sentence):
            return Verdict("framing")
        summary = "\n".join(line.text for line in lines)
        stray = self._unnamed_drugs(sentence, summary)
        if stray:
            return Verdict("unsupported", f"medicines not in the summary: {', '.join(stray)}")
        missing = unconfirmed(sentence, summary)
        if missing:
            return Verdict("unsupported", f"figures not in the summary: {', '.join(missing)}")
        calibration = self.scorer.calibration
        probabilities = calibration.probabilities(self.scorer.features(analyse(sentence), lines)) if lines else []
        supporting = tuple(line for line, p in zip(lines, probabilities) if p >= calibration.quote_threshold)
        if not supporting:
            return Verdict("unsupported", "no line of the summary says it")
        # A dose or a duration borrowed from another line ("650 mg ... for 6 weeks") is not what the lines say.
        borrowed = unconfirmed(sentence, "\n".join(line.text for line in supporting))
        if borrowed:
            return Verdict("unsupported", f"figures from other lines: {', '.join(borrowed)}")
        covered = matched_share(" ".join(line.text for line in supporting), words) if words else 1.0
        if covered < MIN_WORDS_COVERED:
            return Verdict("unsupported", f"most of its words are not in the lines about it ({covered:.2f})")
        return Verdict("supported", lines=supporting)

    @staticmethod
    def _unnamed_drugs(sentence: str, summary: str) -> list[str]:
        drugs = vocabulary()
        named = {m.generic for m in drugs.mentions(summary)}
        lowered = summary.lower()
        return [m.text for m in drugs.mentions(sentence) if m.generic not in named and m.text.lower() not in lowered]


def folded(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))
