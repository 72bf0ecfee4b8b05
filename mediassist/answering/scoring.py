"""How strongly each line answers the question: one logistic score over a few signals that generalise.

Signals: the sentence-level similarity of the line to the question (the embedding model already loaded),
its chunk's similarity, the question's own words found in the line (exactly or fuzzily: "metropolol"), the
drug it names (drug vocabulary: brand, generic or kind), the sections the question is about, the topic's
evidence words, whether the line gives the detail asked for (a dose, a time), and how much nearer the question
the line comes with its medical words explained (the glossary's plain reading: "intubated" speaks of a breathing
tube, "Dermatology" of a skin doctor). The weights and the two thresholds (a line is quoted; the summary answers
at all) are fitted on the training questions by training/fit_answers.py and kept in data/calibration.json.
Whether the summary answers at all also weighs how often summaries answer a question worded like this one (a
probe on the question's embedding): they nearly always list the medicines, and seldom say whether one may drink
alcohol.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from rapidfuzz import fuzz

from mediassist.bounded_cache import BoundedCache
from mediassist.plain.reading import plain_reading
from mediassist.plan.drugs import vocabulary
from patient_language import MEDS, QuestionAnalysis, content_stems, matched_share, mentions_topic, names_a_drug, \
    passage_matches

from .asks import asked_details, gives
from .lines import Line

CALIBRATION_PATH = Path(__file__).parent / "data" / "calibration.json"
FEATURES = ("similarity", "relative_similarity", "chunk_similarity", "specific", "focus", "fuzzy_words", "topic",
            "named_drug", "same_drug", "primary_section", "topic_section", "gives_detail", "lead_in", "plain_gain",
            "plain_words_gain")
# The question-level signals that decide whether the summary answers at all (from the line probabilities and
# the best line's own signals): a question about driving needs a line that is about driving.
ANSWER_FEATURES = ("best", "second", "quoted_lines", "best_focus", "best_specific", "best_fuzzy_words",
                   "best_similarity", "best_topic", "topic_found", "topic_absent", "words_absent", "focus_uncovered",
                   "specific_absent", "plan_lacks_topic", "question_prior")
# The sections a question is about (patient_language) that are parts of the discharge plan, by the plan's name.
PLAN_CATEGORY = {"Follow-up": "follow_up", "Diet": "diet", "Activity": "activity", "Wound Care": "wound_care",
                 "Warning Signs": "warning_signs", **{section: "medications" for section in MEDS}}
CACHE_LINES = 20_000
FUZZY_WORD = 85

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Calibration:
    weights: dict[str, float]
    bias: float
    quote_threshold: float     # a line at or above this probability is quoted
    answer_weights: dict[str, float]
    answer_bias: float
    answer_threshold: float    # below this the summary does not answer clearly
    closest_threshold: float   # below this too, it does not say; between the two its closest lines are shown
    prior_weights: np.ndarray | None = None   # the question prior's probe over the question's embedding
    prior_bias: float = 0.0
    near_best_lines: int = 1      # of the best lines, those scoring near_best_share of the best one are quoted too
    near_best_share: float = 1.0

    @classmethod
    def load(cls, path: Path = CALIBRATION_PATH) -> "Calibration":
        data = json.loads(path.read_text(encoding="utf-8"))
        answer, prior, near = data["answer"], data["answer"].get("question_prior"), data.get("near_best", {})
        return cls(weights=data["weights"], bias=data["bias"], quote_threshold=data["quote_threshold"],
                   answer_weights=answer["weights"], answer_bias=answer["bias"], answer_threshold=answer["threshold"],
                   closest_threshold=answer.get("closest_threshold", answer["threshold"]),
                   prior_weights=np.asarray(prior["weights"], dtype=np.float32) if prior else None,
                   prior_bias=prior["bias"] if prior else 0.0,
                   near_best_lines=near.get("lines", 1), near_best_share=near.get("share", 1.0))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        z = features @ np.array([self.weights[name] for name in FEATURES]) + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def quoted(self, probabilities: np.ndarray, most: int) -> list[int]:
        """The lines quoted, best first: those at or above the quote threshold, and of the best few those that
        score near the best one (a summary whose lines all score low still has its best two or three quoted)."""
        order = np.argsort(-probabilities)
        chosen = [int(i) for i in order[:most] if probabilities[i] >= self.quote_threshold]
        near = self.near_best_share * probabilities[order[0]]
        return chosen + [int(i) for i in order[:self.near_best_lines] if i not in chosen and probabilities[i] >= near]

    def question_prior(self, question_vector: np.ndarray) -> float:
        """The log-odds that a summary answers a question worded like this one, read from its embedding alone."""
        if self.prior_weights is None:
            return 0.0
        return float(self.prior_weights @ question_vector + self.prior_bias)

    def support(self, signals: dict[str, float]) -> float:
        """The calibrated probability that the summary answers the question."""
        z = self.answer_bias + sum(self.answer_weights[name] * signals[name] for name in ANSWER_FEATURES)
        return 1.0 / (1.0 + math.exp(-z))


def answer_signals(features: np.ndarray, probabilities: np.ndarray, quote_threshold: float,
                   topic_found: bool, uncovered: float = 0.0, specific_asked: bool = False,
                   plan_lacks_topic: bool = False, question_prior: float = 0.0) -> dict[str, float]:
    order = np.argsort(-probabilities)
    best = features[order[0]]
    column = {name: i for i, name in enumerate(FEATURES)}
    return {"best": float(probabilities[order[0]]),
            "second": float(probabilities[order[1]]) if len(order) > 1 else 0.0,
            "quoted_lines": float(min((probabilities >= quote_threshold).sum(), 5)),
            "best_focus": float(features[:, column["focus"]].max()),
            "best_specific": float(features[:, column["specific"]].max()),
            "best_fuzzy_words": float(features[:, column["fuzzy_words"]].max()),
            "best_similarity": float(best[column["similarity"]]),
            "best_topic": float(features[:, column["topic"]].max()),
            "topic_found": float(topic_found),
            # the question's topic is recognised, yet no line carries its words ("can I drive?", no "driv")
            "topic_absent": float(topic_found and features[:, column["topic"]].max() == 0
                                  and features[:, column["specific"]].max() == 0),
            # none of the question's own words is in any line, not even misspelt
            "words_absent": float(features[:, column["fuzzy_words"]].max() == 0),
            # the share of the question's own (unexplained) words that no line of the summary has at all
            "focus_uncovered": uncovered,
            # a question on a specific matter (driving, work, sex, alcohol) that no line speaks of
            "specific_absent": float(specific_asked and features[:, column["specific"]].max() == 0),
            # a question about a part of the plan (follow-ups, medicines, diet, ...) whose plan has none (plans.py)
            "plan_lacks_topic": float(plan_lacks_topic),
            "question_prior": question_prior}


def ruled_out(signals: dict[str, float], quote_threshold: float) -> bool:
    """Not in the summary, whatever the decision's score: a question on a specific matter (driving, alcohol) that
    no line names, and no line the line model is sure answers it. A sure line stays with the decision: "can I get
    the dressing wet in the shower?" is answered by "keep dressing dry and intact", which names no bath."""
    return bool(signals["specific_absent"]) and signals["best"] < quote_threshold


def plan_lacks_the_topic(analysis: QuestionAnalysis, planned: frozenset[str] | None) -> bool:
    """The question is about a part of the plan (by the sections it is about) and the summary's plan has nothing
    in it. planned: the plan's categories with items (plans.py); None: not known, and nothing is said."""
    asked = {PLAN_CATEGORY[section] for section in analysis.primary_sections if section in PLAN_CATEGORY}
    return planned is not None and bool(asked) and not (asked & planned)


class LineScorer:
    def __init__(self, embed: Embed, calibration: Calibration | None = None):
        self.embed = embed
        self.calibration = calibration
        self._vectors: BoundedCache[str, np.ndarray] = BoundedCache(CACHE_LINES)
        self._readings: BoundedCache[str, str] = BoundedCache(CACHE_LINES)

    def features(self, analysis: QuestionAnalysis, lines: list[Line]) -> np.ndarray:
        if not lines:
            return np.zeros((0, len(FEATURES)))
        question = self.question_vector(analysis)
        similarity = self.line_vectors([line.text for line in lines]) @ question
        readings = [self.reading(line.text) for line in lines]
        plain_similarity = self.line_vectors(readings) @ question
        context = _QuestionContext.of(analysis)
        rows = [_line_features(analysis, context, line, float(sim), float(similarity.max()), reading, float(plain))
                for line, sim, reading, plain in zip(lines, similarity, readings, plain_similarity)]
        return np.array([[row[name] for name in FEATURES] for row in rows])

    def question_vector(self, analysis: QuestionAnalysis) -> np.ndarray:
        return self.line_vectors([analysis.search_text])[0]   # cached like a line: asked for twice per question

    def question_prior(self, analysis: QuestionAnalysis) -> float:
        return self.calibration.question_prior(self.question_vector(analysis)) if self.calibration else 0.0

    def uncovered(self, analysis: QuestionAnalysis, lines: list[Line]) -> float:
        """The share of the question's focus words (those no topic explains) found in no line at all."""
        if not analysis.focus_stems:
            return 0.0
        everything = " ".join(self.reading(line.text) for line in lines)
        words = set(re.findall(r"[a-z]{4,}", everything.lower()))
        missing = [s for s in analysis.focus_stems
                   if not matched_share(everything, frozenset({s})) and not any(fuzz.ratio(s, w) >= FUZZY_WORD
                                                                              for w in words)]
        return len(missing) / len(analysis.focus_stems)

    def reading(self, text: str) -> str:
        """The line with its medical words explained (the glossary's plain meanings), or the line itself: a
        question in everyday words ("a breathing tube") then meets the line that names it ("intubated")."""
        reading = self._readings.get(text)
        if reading is None:
            reading = plain_reading(text) or text
            self._readings.put(text, reading)
        return reading

    def warm(self, passages: list) -> None:
        from .lines import lines_of
        texts = [line.text for passage in passages for line in lines_of(passage)]
        self.line_vectors(texts + [self.reading(text) for text in texts])

    def line_vectors(self, texts: list[str]) -> np.ndarray:
        """Embeddings of lines, cached by their text: a summary's lines are embedded once per process."""
        missing = self._vectors.missing(texts)
        if missing:
            self._vectors.put_many(zip(missing, self.embed(missing)))
        return np.stack(self._vectors.get_many(texts))


@dataclass(frozen=True)
class _QuestionContext:
    words: tuple[str, ...]          # the question's content words, for fuzzy matching
    drugs: frozenset[str]           # generics of the drugs the question names
    details: tuple[str, ...]        # what it asks for

    @classmethod
    def of(cls, analysis: QuestionAnalysis) -> "_QuestionContext":
        words = tuple(w for w in content_stems(analysis.question) if len(w) >= 4)
        drugs = frozenset(m.generic for m in vocabulary().mentions(analysis.question))
        return cls(words=words, drugs=drugs, details=asked_details(analysis.question))


def _line_features(analysis: QuestionAnalysis, context: _QuestionContext, line: Line, similarity: float,
                   best: float, reading: str, plain_similarity: float) -> dict[str, float]:
    text, passage = line.text, line.passage
    line_drugs = {m.generic for m in vocabulary().mentions(text)} if context.drugs else set()
    fuzzy_words = _fuzzy_share(context.words, text)
    return {
        "similarity": similarity,
        "relative_similarity": similarity - best,
        "chunk_similarity": passage.score,
        "specific": float(passage_matches(text, analysis.specific_stems)),
        "focus": matched_share(text, analysis.focus_stems),
        "fuzzy_words": fuzzy_words,
        "topic": float(mentions_topic(analysis, text)),
        "named_drug": float(names_a_drug(analysis, text)),
        "same_drug": float(bool(context.drugs & line_drugs)),
        "primary_section": float(passage.section in analysis.primary_sections),
        "topic_section": float(passage.section in analysis.sections),
        "gives_detail": float(any(gives(text, d) for d in context.details)) if context.details else 0.0,
        "lead_in": float(line.lead_in),
        # how much nearer the question the line comes once its medical words are explained
        "plain_gain": max(0.0, plain_similarity - similarity),
        "plain_words_gain": max(0.0, _fuzzy_share(context.words, reading) - fuzzy_words) if reading != text else 0.0,
    }


def _fuzzy_share(words: tuple[str, ...], text: str) -> float:
    if not words:
        return 0.0
    line_words = set(re.findall(r"[a-z]{4,}", text.lower()))
    return sum(any(w == lw or fuzz.ratio(w, lw) >= FUZZY_WORD for lw in line_words) for w in words) / len(words)
