"""The language model's answer: the excerpts and the earlier turns that fit its window, its tokens streamed,
each sentence checked against the summary (hybrid.py); the quoted answer when the model cannot answer at all."""
from __future__ import annotations

import itertools
import logging
from typing import Callable, Iterator, Sequence

from backends import EMPTY_ANSWER, Backend, BackendInterrupted, BackendUnavailable
from mediassist.answering.composer import compose
from mediassist.answering.followup import Turn
from mediassist.answering.lines import lines_of
from mediassist.answering.scoring import LineScorer
from patient_language import QuestionAnalysis
from prompting import Passage, build_user_message, conversation
from settings import Settings

from .excerpts import choose_excerpts
from .hybrid import SentenceGate, grounded_events
from .support import SupportChecker
from .tokens import TokenCounter

log = logging.getLogger("mediassist.rag")

MODEL_UNAVAILABLE = "The AI model is not available right now, so this answer quotes your summary word for word."
PROMPT_SLACK_TOKENS = 48   # the chat template's own tokens around the system and user turns
TURN_SLACK_TOKENS = 16     # the template's tokens around one earlier turn, and its "Patient's question: "
# Of what the window leaves for the summary and the conversation, the share kept for the conversation whatever
# the excerpts take, so that a follow-up's excerpts are those of a first question (the server's prompt cache) and
# the turn before still fits; at most HISTORY_TOKENS, also where the window is not known.
HISTORY_SHARE = 0.2
HISTORY_TOKENS = 256

EveryChunk = Callable[[list[Passage], str, "list[str] | None"], list[Passage]]
Quoted = Callable[..., Iterator[dict]]


class ModelAnswers:
    def __init__(self, settings: Settings, llm: Backend, lines: LineScorer, count_estimate: Callable[[str], int],
                 every_chunk: EveryChunk, quoted: Quoted):
        """every_chunk(ranked, owner, doc_ids): the summaries' chunks in reading order, for the excerpts;
        quoted(analysis, passages, notice, details=, planned=): the no-LLM answer's events, used when the model
        fails."""
        self.settings = settings
        self.llm = llm
        self.lines = lines
        self.tokens = TokenCounter(llm.count_tokens, count_estimate)
        self.every_chunk = every_chunk
        self.quoted = quoted

    def events(self, question: str, analysis: QuestionAnalysis, passages: list[Passage], owner: str,
               doc_ids: list[str] | None, history: Sequence[Turn] = (),
               planned: frozenset[str] | None = None) -> Iterator[dict]:
        excerpts = self.excerpts_for_model(question, passages, owner, doc_ids)
        earlier = self.earlier_turns_that_fit(question, excerpts, history)
        tokens = self.llm.stream(conversation(question, excerpts, earlier))
        try:
            first = next(tokens, None)
            if first is None:
                raise BackendUnavailable(EMPTY_ANSWER)
        except BackendUnavailable as error:
            log.warning("LLM backend %s unavailable, answering extractively", self.llm.name)
            yield from self.quoted(analysis, passages, MODEL_UNAVAILABLE, details=str(error), planned=planned)
            return
        extractive = compose(analysis, passages, self.lines, planned=planned)
        gate = SentenceGate(SupportChecker(self.lines), [line for p in excerpts for line in lines_of(p)])
        yield {"type": "sources", "sources": [p.source_json() for p in excerpts]}
        try:
            for event in grounded_events(itertools.chain([first], tokens), gate, extractive, excerpts,
                                         self.llm.name, self.llm.model):
                if event["type"] == "done":
                    log.info("LLM answer checked kept=%d left_out=%d refusals=%d quoted_instead=%s",
                             *(event["checked"][k] for k in ("kept", "left_out", "refusals", "quoted_instead")))
                yield event
        except BackendInterrupted as error:
            log.warning("LLM backend %s stopped mid-answer", self.llm.name)
            yield {"type": "error", "error": f"{error} The answer above may be incomplete."}

    def excerpts_for_model(self, question: str, ranked: list[Passage], owner: str,
                           doc_ids: list[str] | None) -> list[Passage]:
        """What fits the model's context window, ordered for its prompt cache (excerpts.py)."""
        if not ranked:
            return []
        every = self.every_chunk(ranked, owner, doc_ids)
        return choose_excerpts(ranked, every, self._prompt_budget(question), self.tokens.count)

    def earlier_turns_that_fit(self, question: str, excerpts: list[Passage],
                               history: Sequence[Turn]) -> list[tuple[str, str]]:
        """The newest earlier turns that fit beside the excerpts, oldest first. The newest is kept, its answer
        cut short, even when it alone is too long: a follow-up refers to it."""
        room = self._history_room(question, excerpts)
        kept: list[tuple[str, str]] = []
        for turn in reversed(history):
            size = self.tokens.count(turn.question) + self.tokens.count(turn.answer) + TURN_SLACK_TOKENS
            if size <= room:
                kept.insert(0, (turn.question, turn.answer))
                room -= size
                continue
            if not kept:
                answer_room = room - self.tokens.count(turn.question) - TURN_SLACK_TOKENS
                answer = self._cut_to(turn.answer, answer_room)
                if answer:
                    kept.insert(0, (turn.question, answer))
            break
        return kept

    def _history_room(self, question: str, excerpts: list[Passage]) -> int:
        window = self.llm.context_window()
        if not window:
            return HISTORY_TOKENS
        used = self._fixed_tokens() + self.tokens.count(build_user_message(question, excerpts))
        return max(window - self.settings.llm_max_tokens - used, 0)

    def _cut_to(self, text: str, tokens: int) -> str:
        """The start of `text` that counts at most `tokens`, ending at a word, with an ellipsis."""
        words = text.split()
        while words:
            shortened = " ".join(words) + (" …" if len(words) < len(text.split()) else "")
            if self.tokens.count(shortened) <= tokens:
                return shortened
            words = words[:len(words) * 3 // 4]
        return ""

    def _prompt_budget(self, question: str) -> int:
        """Tokens of summary the prompt may carry: CONTEXT_TOKENS, and never more than the model's window
        leaves once the instructions, the question, the conversation's share and the answer's own tokens are
        counted."""
        budget = self.settings.context_tokens
        window = self.llm.context_window()
        if window:
            fixed = self._fixed_tokens() + self.tokens.count(build_user_message(question, []))
            space = window - self.settings.llm_max_tokens - fixed
            budget = min(budget, space - min(HISTORY_TOKENS, int(space * HISTORY_SHARE)))
        return max(budget, 0)

    def _fixed_tokens(self) -> int:
        """The system prompt and the chat template's own tokens."""
        return self.tokens.count(self.llm.system or "") + PROMPT_SLACK_TOKENS
