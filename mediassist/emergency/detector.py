"""Is this message an emergency happening now?

The packaged embedding model reads the message, and its last two layers, tuned (tuned.py), say how much it reads
like an emergency and like self-harm. They are tuned on the bank of emergency descriptions by sign and of
ordinary patient questions (data/bank.toml) together with the training part of a labelled set. How the message
is framed (framing.py: hypothetical, about the record, past), whether it says the thing is happening now, and
dangerous readings (vitals.py) are then combined with the tuned score in one logistic score with a handful of
weights, one of them how near the message comes to labelled emergencies (neighbours.py), which also tell
self-harm beside its tuned score. training/fit_emergency.py fits all of it and writes data/calibration.json,
data/neighbours.npz and data/tuned_layers.safetensors. Explicit self-harm language (self_harm.py) always wins.
"""
from __future__ import annotations

import json
import math
import re
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from rapidfuzz import fuzz, process

from ..index.embedder import known_words, packaged_embedder
from .framing import Clause, Framing, frame, normalise, split_clauses
from .neighbours import Neighbours
from .self_harm import ABOUT_THE_RECORD, FIRST_PERSON, explicit_self_harm, without_denied_self_harm
from .tuned import TunedReader
from .vitals import dangerous_readings

DATA = Path(__file__).parent / "data"
BANK_PATH = DATA / "bank.toml"
CALIBRATION_PATH = DATA / "calibration.json"
NEIGHBOURS_PATH = DATA / "neighbours.npz"
SELF_HARM = "self_harm"
SELF_HARM_NEIGHBOURS = {SELF_HARM, "overdose_poisoning"}
MAX_SENTENCES = 2        # a long message's longest sentences are read one by one too (MiniLM's time grows with
                         # the words it reads: each costs about as much again)
MAX_PARTS = 3            # parts of a message read on their own when the whole reads as ordinary
SPELLING_CUTOFF = 80     # rapidfuzz ratio: "presure" -> "pressure", "sezure" -> "seizure"

STACK_FEATURES = ("tuned", "sentence_tuned", "present", "hypothetical", "about_record", "past", "mild", "severe",
                  "dangerous_reading", "only_asks", "bank_margin", "neighbour_margin")

# per text: the packaged embedding (unit length) and the tuned emergency and self-harm logits (tuned.TunedReader)
ReadTexts = Callable[[list[str]], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Emergency:
    kind: str          # the nearest sign of the bank ("chest_pain", "stroke", ..., "self_harm")
    self_harm: bool    # suicidal or self-harm language: the notice adds the crisis line
    score: float       # the calibrated probability that this is an emergency


@dataclass(frozen=True)
class Bank:
    emergency: tuple[str, ...]
    signs: tuple[str, ...]        # the sign of each emergency description
    ordinary: tuple[str, ...]

    @classmethod
    def load(cls, path: Path = BANK_PATH) -> "Bank":
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        pairs = [(normalise(text), sign) for sign, entry in data["signs"].items() for text in entry["descriptions"]]
        return cls(emergency=tuple(t for t, _ in pairs), signs=tuple(s for _, s in pairs),
                   ordinary=tuple(normalise(t) for t in data["ordinary"]["descriptions"]))

    def words(self) -> set[str]:
        return {w for text in self.emergency + self.ordinary for w in re.findall(r"[a-z]{4,}", text)}


@dataclass(frozen=True)
class Calibration:
    stack_weights: dict[str, float]
    stack_bias: float
    threshold: float                    # on the stacked probability
    self_harm_threshold: float          # self-harm score (tuned + neighbours) that counts alone
    self_harm_with_emergency: float     # lower self-harm score that counts when there is an emergency
    sign_names: tuple[str, ...]
    sign_centroids: np.ndarray          # the mean embedding of each sign's descriptions
    part_threshold: float = 1.0         # on a part's own probability (EmergencyDetector.in_a_part); 1: off
    neighbours: Neighbours | None = None
    # A sentence's own self-harm reading counts only when the whole message reads at least this much like
    # self-harm: "when does he see Dr H? i need to tell the van people" has a first-person fragment that reads
    # like a plea, in a message that reads like none. Fitted to lose no self-harm training message.
    self_harm_sentence_floor: float = -math.inf

    @classmethod
    def load(cls, path: Path = CALIBRATION_PATH) -> "Calibration":
        data = json.loads(path.read_text(encoding="utf-8"))
        neighbours = data.get("neighbours")
        return cls.from_json(data, Neighbours.load(path.parent / neighbours) if neighbours else None)

    @classmethod
    def from_json(cls, data: dict, neighbours: Neighbours | None = None) -> "Calibration":
        return cls(stack_weights=data["stack"]["weights"], stack_bias=data["stack"]["bias"],
                   threshold=data["threshold"], self_harm_threshold=data["self_harm_threshold"],
                   self_harm_with_emergency=data["self_harm_with_emergency"],
                   sign_names=tuple(data["signs"]["names"]),
                   sign_centroids=np.asarray(data["signs"]["centroids"], dtype=np.float32),
                   part_threshold=data.get("part_threshold", 1.0), neighbours=neighbours,
                   self_harm_sentence_floor=data.get("self_harm_sentence_floor", -math.inf))

    def probability(self, features: dict[str, float]) -> float:
        z = self.stack_bias + sum(self.stack_weights[name] * features[name] for name in STACK_FEATURES)
        return 1.0 / (1.0 + math.exp(-z))

    def neighbour_margins(self, vectors: np.ndarray) -> tuple[float, np.ndarray]:
        """Neighbours.margins, or none without neighbours."""
        if self.neighbours is None:
            return 0.0, np.zeros(len(vectors))
        return self.neighbours.margins(vectors)

    def self_harm_scores(self, tuned_scores: np.ndarray, self_harm_margins: np.ndarray) -> np.ndarray:
        """Per row: the tuned self-harm score, plus its neighbours' say."""
        return tuned_scores if self.neighbours is None else \
            self.neighbours.self_harm_scores(tuned_scores, self_harm_margins)


@dataclass(frozen=True)
class Reading:
    """What the detector measured in one message. Row 0 of `vectors` is the whole message; when it has more
    than one sentence, the next rows are its longest sentences, so an emergency told in the middle of a long
    polite message is not diluted by the rest. `texts` and `scores` (the tuned emergency and self-harm logits)
    are per row too."""
    texts: tuple[str, ...]
    vectors: np.ndarray
    scores: np.ndarray
    sentence_counts: tuple[bool, ...]    # per sentence row: not framed as past, hypothetical, record or denied
    self_harm_counts: tuple[bool, ...]   # per row: no denial, past or record framing rules self-harm out
    framing: Framing
    dangerous_readings: tuple[str, ...]
    explicit_self_harm: bool
    bank_margin: float = 0.0   # nearest emergency description of the bank, less the nearest ordinary one

    def features(self, scores: np.ndarray, neighbour_margin: float) -> dict[str, float]:
        """scores: the tuned emergency score of each row; neighbour_margin: how much nearer the
        labelled emergencies are than the ordinary messages (Neighbours.margins)."""
        sentences = [score for score, counts in zip(scores[1:], self.sentence_counts) if counts]
        return {"tuned": float(scores[0]), "sentence_tuned": float(max(sentences, default=scores[0])),
                "present": float(self.framing.present), "hypothetical": float(self.framing.any_hypothetical),
                "about_record": float(self.framing.any_about_record), "past": float(self.framing.any_past),
                "mild": float(self.framing.mild), "severe": float(self.framing.severe),
                "dangerous_reading": float(bool(self.dangerous_readings)), "only_asks": float(self.framing.only_asks),
                "bank_margin": self.bank_margin, "neighbour_margin": neighbour_margin}


class SpellingFixer:
    """Puts right words the tokenizer does not know that are close to a word of the bank: "presure", "sezure"."""

    def __init__(self, bank_words: set[str], known_words: set[str]):
        self.choices = sorted(bank_words)
        self.known = known_words | bank_words

    def fix(self, text: str) -> str:
        return re.sub(r"[a-z]{4,}", self._fix_word, text)

    def _fix_word(self, match: re.Match) -> str:
        word = match.group(0)
        if word in self.known:
            return word
        best = process.extractOne(word, self.choices, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
        return best[0] if best else word


class EmergencyDetector:
    def __init__(self, read_texts: ReadTexts, known_words: set[str], bank: Bank | None = None,
                 calibration: Calibration | None = None):
        self.read_texts = read_texts
        self.bank = bank or Bank.load()
        self.calibration = calibration or Calibration.load()
        self.spelling = SpellingFixer(self.bank.words(), known_words)
        # the bank's descriptions, embedded once: a message's nearest of them is a signal of its own
        self.bank_emergency = read_texts(list(self.bank.emergency))[0]
        self.bank_ordinary = read_texts(list(self.bank.ordinary))[0]
        is_self_harm = np.array([sign == SELF_HARM for sign in self.bank.signs])
        self.bank_self_harm = self.bank_emergency[is_self_harm]
        self.bank_not_self_harm = np.vstack([self.bank_emergency[~is_self_harm], self.bank_ordinary])

    def detect(self, message: str) -> Emergency | None:
        if not isinstance(message, str) or not re.search(r"[^\W\d_]", message):
            return None
        text = self.told(message)
        if not text:
            return None   # it only denies self-harm: "I'm not suicidal."
        sentences, clauses, parts = split_sentences(text), clauses_to_weigh(frame(text)), message_parts(text)
        # one pass for all (the clauses' scores go unused: reading them costs less than a second pass)
        vectors, scores = self.read_texts([text, *sentences, *clauses, *parts])
        rows, clause_rows = 1 + len(sentences), 1 + len(sentences) + len(clauses)
        whole = self.decide(self.reading(text, sentences, vectors[:rows], scores[:rows], vectors[rows:clause_rows]))
        return whole or self.in_a_part(parts, vectors[clause_rows:], scores[clause_rows:])

    def told(self, message: str) -> str:
        """The message as the detector reads it: normalised, misspellings put right, denials of self-harm left out."""
        return without_denied_self_harm(self.spelling.fix(normalise(message)))

    def in_a_part(self, parts: list[str], vectors: np.ndarray, scores: np.ndarray) -> Emergency | None:
        """An emergency told in one part of a message whose other part asks something ordinary ("my chest is
        crushing and my arm is numb, which pills do i take"): each part is read as a message of its own, and
        flagged only above a stricter threshold, fitted so that few ordinary questions are flagged this way."""
        for part, vector, score in zip(parts, vectors, scores):
            found = self.decide(self.reading(part, [], vector[None, :], score[None, :]))
            if found and not found.self_harm and found.score >= self.calibration.part_threshold:
                return found
        return None

    def decide(self, reading: Reading) -> Emergency | None:
        c = self.calibration
        emergency_margin, self_harm_margins = c.neighbour_margins(reading.vectors)
        probability = c.probability(reading.features(reading.scores[:, 0], emergency_margin))
        self_harm_scores = c.self_harm_scores(reading.scores[:, 1], self_harm_margins)
        self_harm_score = counted_self_harm(self_harm_scores, reading.self_harm_counts, c.self_harm_sentence_floor)
        emergency = probability >= c.threshold
        sign = self.nearest_sign(reading.vectors[0])
        # Once the message is an emergency happening now, its framing has had its say: any row may add the line.
        self_harm = reading.explicit_self_harm or self_harm_score >= c.self_harm_threshold or (
            emergency and (max(self_harm_scores) >= c.self_harm_with_emergency or sign in SELF_HARM_NEIGHBOURS))
        if self_harm:
            return Emergency(kind=sign if emergency else SELF_HARM, self_harm=True, score=probability)
        return Emergency(kind=sign, self_harm=False, score=probability) if emergency else None

    def read(self, message: str) -> Reading:
        """The whole message's reading (for fitting)."""
        text = self.told(message) or self.spelling.fix(normalise(message))   # a denial alone is read as written
        sentences, clauses = split_sentences(text), clauses_to_weigh(frame(text))
        vectors, scores = self.read_texts([text, *sentences, *clauses])
        rows = 1 + len(sentences)
        return self.reading(text, sentences, vectors[:rows], scores[:rows], vectors[rows:])

    def part_readings(self, message: str) -> list[Reading]:
        """Each part's own reading, as detect() makes it (for fitting the part threshold)."""
        parts = message_parts(self.told(message))
        if not parts:
            return []
        return [self.reading(part, [], vector[None, :], score[None, :])
                for part, vector, score in zip(parts, *self.read_texts(parts))]

    def reading(self, text: str, sentences: list[str], vectors: np.ndarray, scores: np.ndarray,
                clause_vectors: np.ndarray | None = None) -> Reading:
        """vectors and scores: row 0 the whole text, then its longest sentences; clause_vectors: those of
        clauses_to_weigh(frame(text)), if any."""
        framing = frame(text)
        sentence_framings = [frame(sentence) for sentence in sentences]
        whole_counts = _self_harm_can_count(framing) or self.said_in_an_open_clause(framing, clause_vectors)
        return Reading(texts=(text, *sentences), vectors=vectors, scores=scores,
                       sentence_counts=tuple(not all(c.framed for c in f.clauses) for f in sentence_framings),
                       self_harm_counts=(whole_counts, *map(_self_harm_can_count, sentence_framings)),
                       framing=framing, dangerous_readings=tuple(dangerous_readings(text)),
                       explicit_self_harm=any(explicit_self_harm(c, framing) for c in framing.clauses),
                       bank_margin=self.bank_margin(vectors))

    def said_in_an_open_clause(self, framing: Framing, clause_vectors: np.ndarray | None) -> bool:
        """A clause that rules self-harm out ("she's not answering", "he was only discharged last week", "my
        letter") rules it out of the whole message only when it is the clause that reads most like self-harm (by
        the bank's descriptions): "he texted goodbye and took his pills, he's not answering" still counts."""
        if clause_vectors is None or len(clause_vectors) < 2:
            return False
        likeness = (clause_vectors @ self.bank_self_harm.T).max(axis=1) - \
            (clause_vectors @ self.bank_not_self_harm.T).max(axis=1)
        return not _rules_out_self_harm(framing.clauses[int(np.argmax(likeness))])

    def bank_margin(self, vectors: np.ndarray) -> float:
        """How much nearer the message (or one of its sentences) comes to an emergency description of the bank
        than the whole message comes to an ordinary one: a neighbour's say, beside the tuned layers'."""
        return float((vectors @ self.bank_emergency.T).max() - (vectors[:1] @ self.bank_ordinary.T).max())

    def nearest_sign(self, vector: np.ndarray) -> str:
        c = self.calibration
        return c.sign_names[int(np.argmax(c.sign_centroids @ vector))]


def counted_self_harm(scores, counts: tuple[bool, ...], sentence_floor: float) -> float:
    """The highest self-harm score of the rows that count (row 0 the whole message, then its sentences): a
    sentence's only when the whole message reaches sentence_floor."""
    whole_reaches = float(scores[0]) >= sentence_floor
    return max((float(score) for row, (score, count) in enumerate(zip(scores, counts))
                if count and (row == 0 or whole_reaches)), default=-math.inf)


def split_sentences(text: str) -> list[str]:
    """The longest sentences (of three words or more) of a message that has more than one."""
    sentences = [part.strip() for part in re.split(r"[.!?\n]+(?:\s+|$)", text) if len(part.split()) >= 3]
    if len(sentences) < 2:
        return []
    return sorted(sentences, key=len, reverse=True)[:MAX_SENTENCES]


def message_parts(text: str) -> list[str]:
    """The clauses of four words or more (the longest MAX_PARTS) of a message of two clauses or more: "i have
    crushing chest pain" of "i have crushing chest pain, which pills do i take"; and what a question tells inside
    its frame: "his lips are blue" of "is it normal that his lips are blue"."""
    clauses = split_clauses(text)
    parts = [part for part in clauses if len(part.split()) >= 4] if len(clauses) >= 2 else []
    told = [part for part in map(told_in_a_question, clauses) if part]
    return list(dict.fromkeys(sorted(parts, key=len, reverse=True)[:MAX_PARTS] + told))


# "is it normal that ...", "should i be worried that ...", "do we need to call an ambulance if ...": a question's
# frame, after which the message tells what is happening
QUESTION_FRAME = re.compile(r"^(?:is (?:it|this|that)|isnt (?:it|that)|should (?:i|we) be|do (?:i|we) need to)\s+"
                            r"(?:\w+\s+)?(?:normal|ok|okay|fine|bad|serious|worrying|worried|concerned|dangerous|"
                            r"an emergency|call an ambulance|call \d{3}|go to (?:a&e|the er|hospital))\s*"
                            r"(?:that|if|when|for|,)\s+")


def told_in_a_question(clause: str) -> str | None:
    match = QUESTION_FRAME.match(clause)
    told = clause[match.end():] if match else ""
    return told if len(told.split()) >= 3 else None


def clauses_to_weigh(framing: Framing) -> list[str]:
    """The clauses whose self-harm likeness decides whether the whole message counts as self-harm: those of a
    message that some clause rules out, unless it is a "what if" about someone else."""
    if len(framing.clauses) < 2 or _self_harm_can_count(framing) or _what_if_about_another(framing):
        return []
    return [clause.text for clause in framing.clauses]


def _self_harm_can_count(framing: Framing) -> bool:
    """Not denied, past or about the record, and not a "what if" about someone else."""
    return not any(map(_rules_out_self_harm, framing.clauses)) and not _what_if_about_another(framing)


def _rules_out_self_harm(clause: Clause) -> bool:
    return clause.denies_having or clause.past_time or bool(ABOUT_THE_RECORD.search(clause.text))


def _what_if_about_another(framing: Framing) -> bool:
    return framing.any_hypothetical and not any(FIRST_PERSON.search(c.text) for c in framing.clauses)


_DETECTOR: EmergencyDetector | None = None
_LOCK = threading.Lock()


def shared_detector() -> EmergencyDetector:
    """The detector on the packaged MiniLM (its layers were tuned on that model, whatever EMBEDDING_MODEL is)."""
    global _DETECTOR
    with _LOCK:
        if _DETECTOR is None:
            _DETECTOR = EmergencyDetector(TunedReader.load(packaged_embedder()), set(known_words()))
        return _DETECTOR

