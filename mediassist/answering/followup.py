"""A follow-up question made whole with the conversation before it, for retrieval and the no-LLM answer.

"How long do I take it?" after "What dose of amoxicillin?" is searched as "How long do I take it? (about:
amoxicillin)": the detail asked comes from the new question, the subject from the turn before. A follow-up
that names a medicine of its own ("and the metformin?") keeps the earlier question's ask with the new
medicine. The signals are of form: a pronoun, an opening "and / what about", or a question too short to
have a subject or made only of asking words; the subject is the medicines the earlier turn named, else its
question without the asking words. The caller (Answerer.retrieve_in_conversation) also searches the
question as asked and keeps the reading the summary answers more surely; when the follow-up names a subject
of its own and does not point back ("and for her stuffy nose?", "and the powder?"), first the reading whose
lines speak of that subject.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from mediassist.plan.drugs import vocabulary
from patient_language import QUESTION_FILLERS, canonical_word, content_stems, stem

from .asks import ASKS

# "he", "she", "his" name the patient in a caregiver's question, not the earlier subject
_POINTS_BACK = re.compile(r"\b(?:it|its|it's|that|this|these|those|them|they|their|one|ones|same|other|another)\b",
                          re.IGNORECASE)
_CARRIES_ON = re.compile(r"^\s*(?:and|also|plus|so|but|or|what about|how about|and what about|ok(?:ay)?|what if)\b",
                         re.IGNORECASE)
SHORT_QUESTION_WORDS = 4   # "who with?", "for how long?", "how many days?" have no subject of their own
# Words that ask for a detail rather than name a subject: "what time of day?", "how many days?", "which dose?"
_DETAIL_WORDS = ("time", "times", "day", "days", "daily", "week", "weeks", "month", "months", "hour", "hours",
                 "minute", "minutes", "morning", "afternoon", "evening", "night", "bedtime", "today", "tomorrow",
                 "dose", "doses", "amount", "strength", "often", "long", "date")
_NOT_A_SUBJECT = frozenset(canonical_word(stem(word)) for word in (*QUESTION_FILLERS, *_DETAIL_WORDS))


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


def standalone_question(question: str, history: list[Turn]) -> str:
    """The question to search with: the question itself, or it joined to the subject of the turn before."""
    if not history:
        return question
    earlier = history[:-1]
    previous = Turn(standalone_question(history[-1].question, earlier), history[-1].answer)
    if not refers_back(question):
        return question
    own_drugs = _drugs(question)
    if own_drugs:
        return f"{question} (as in: {_without_drugs(previous.question)})"
    return f"{question} (about: {_subject(previous)})"


def refers_back(question: str) -> bool:
    """A pronoun, an opening "and / what about", a question too short to have a subject, or one made only of
    asking words ("how many times a day?")."""
    words = re.findall(r"[\w']+", question)
    return bool(_POINTS_BACK.search(question) or _CARRIES_ON.search(question) or len(words) <= SHORT_QUESTION_WORDS
                or not (own_subject(question) or _drugs(question)))


def own_subject(question: str) -> frozenset[str]:
    """The content stems of what a follow-up names of its own ("stuffi", "nose" of "and for her stuffy nose?"),
    without its asking words; none when it points back ("how much of that one?"): its subject is the earlier."""
    if _POINTS_BACK.search(question):
        return frozenset()
    return frozenset(s for s in content_stems(_without_asks(question)) if s not in _NOT_A_SUBJECT)


def speaks_of(subject: frozenset[str], texts: tuple[str, ...]) -> bool:
    """Whether the lines name any of the subject's stems (by prefix, as patient_language matches words)."""
    words = content_stems(" ".join(texts))
    return any(word.startswith(s) for s in subject for word in words)


def _subject(turn: Turn) -> str:
    """What the earlier turn was about, without what it asked: its medicines, else its question with the
    asking words ("how much", "when is") taken out, so the new question alone says which detail is wanted."""
    drugs = _drugs(turn.question)
    if drugs:
        return " ".join(dict.fromkeys(drugs))
    return _without_asks(turn.question)


def _without_asks(text: str) -> str:
    for pattern in ASKS.values():
        text = pattern.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip(" ?")


def _drugs(text: str) -> list[str]:
    drugs = vocabulary()
    return [m.text for m in drugs.mentions(text) if m.generic not in drugs.classes]


def _without_drugs(text: str) -> str:
    for name in sorted(_drugs(text), key=len, reverse=True):
        text = re.sub(re.escape(name), "", text, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", text).strip()
