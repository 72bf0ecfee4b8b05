"""Is an LLM's answer supported by the passages it was given?

Two cheap checks, no model: the share of the answer's content words that occur in the passages, and the
figures (doses, dates, counts) in the answer that occur nowhere in them.
"""
from __future__ import annotations

import re

from patient_language import content_stems, matched_share
from prompting import Passage

NUMBER = re.compile(r"\d+(?:[.,/:]\d+)*")
# Words an answer adds around the facts ("your summary says you should ..."), never evidence of anything.
ANSWER_WORDS = frozenset(content_stems(
    "summary discharge says say said mention mentions mentioned according listed list states instructions "
    "advised advise recommend recommends recommended should please ask care team doctor nurse pharmacist "
    "contact call help understand clear unclear information also including include"))


def grounded_share(answer: str, passages: list[Passage]) -> float:
    words = frozenset(content_stems(answer) - ANSWER_WORDS)
    if not words:
        return 1.0
    return matched_share(" ".join(p.text for p in passages), words)


def ungrounded_numbers(answer: str, passages: list[Passage]) -> list[str]:
    known = set(NUMBER.findall(" ".join(p.text for p in passages)))
    return [n for n in dict.fromkeys(NUMBER.findall(answer)) if n not in known]
