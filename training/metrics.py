"""Answer-overlap metrics against a reference answer: token F1 and ROUGE-L (F-measure).

Both work on lower-cased word tokens with punctuation dropped, so "Aspirin 81 mg daily." and
"aspirin 81 mg, daily" match fully. Pure Python: no extra packages.
"""
from __future__ import annotations

import re
from collections import Counter

_TOKEN = re.compile(r"[a-z0-9]+(?:[.'/][a-z0-9]+)*")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def token_f1(answer: str, reference: str) -> float:
    """Harmonic mean of precision and recall of the answer's words against the reference's (as a bag)."""
    answer_tokens, reference_tokens = tokens(answer), tokens(reference)
    if not answer_tokens or not reference_tokens:
        return float(answer_tokens == reference_tokens)
    common = sum((Counter(answer_tokens) & Counter(reference_tokens)).values())
    return _f1(common / len(answer_tokens), common / len(reference_tokens))


def rouge_l(answer: str, reference: str) -> float:
    """F-measure of the longest common subsequence of words: order matters, gaps are allowed."""
    answer_tokens, reference_tokens = tokens(answer), tokens(reference)
    if not answer_tokens or not reference_tokens:
        return float(answer_tokens == reference_tokens)
    common = longest_common_subsequence(answer_tokens, reference_tokens)
    return _f1(common / len(answer_tokens), common / len(reference_tokens))


def longest_common_subsequence(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
