"""One question, answered: the emergency check first, then the glossary, the summary (or each of several
summaries) retrieved in the light of the conversation, and the answer from the model or quoted from the summary."""
from __future__ import annotations

import itertools
import logging
import threading
import time
from typing import Iterator, Sequence

from backends import Backend
from errors import QAError
from mediassist.emergency import emergency_notice, shared_detector, stated_numbers
from mediassist.index.embedder import Embedder
from mediassist.index.ingest import PreparedUpload
from mediassist.index.library import DocumentLibrary
from mediassist.index.records import DocumentRecord
from mediassist.index.retrieval import Retriever
from mediassist.llm.answer import ModelAnswers
from mediassist.llm.excerpts import reading_order
from mediassist.plain.define import GENERAL_MEANING, asked_term, meaning_answer, uses
from mediassist.plain.glossary import Entry
from patient_language import QuestionAnalysis
from prompting import Passage
from settings import Settings

from .composer import OFFLINE_NOTICE, ExtractiveAnswer, compose
from .events import emergency_only, grouped_by_document, last_event, with_emergency_notice, with_terms, without_type
from .followup import Turn, own_subject, speaks_of, standalone_question
from .lines import lines_of, passages_of
from .plans import PlanCategories
from .scoring import Calibration, LineScorer

log = logging.getLogger("mediassist.rag")

# A family's summaries asked about together are answered one file at a time; past this many (an archive) the
# question is searched across all of them at once, and each source still names its file.
MAX_GROUPED_DOCUMENTS = 6


class Answerer:
    def __init__(self, settings: Settings, library: DocumentLibrary, retriever: Retriever, embedder: Embedder,
                 llm: Backend | None):
        self.settings = settings
        self.library = library
        self.retriever = retriever
        self.emergencies = shared_detector()
        self.lines = LineScorer(embedder.embed, Calibration.load())
        self.plans = PlanCategories(library)
        self.model = ModelAnswers(settings, llm, self.lines, embedder.count_tokens, self._every_chunk,
                                  self._quoted_events) if llm else None

    def answer_stream(self, question: str, owner: str, doc_ids: list[str] | None = None,
                      history: Sequence[Turn] = ()) -> Iterator[dict]:
        """Events: [emergency], sources, token..., done | error. The caller has validated the question;
        `history` is the conversation so far, oldest first."""
        started = time.perf_counter()
        notice = self._emergency_notice(question, owner, doc_ids)
        if notice:
            yield {"type": "emergency", "notice": notice}
        try:
            meaning = asked_term(question)
            if meaning:
                yield from with_emergency_notice(self._meaning_events(*meaning, owner, doc_ids), notice)
                return
            records = self.library.scope(owner, doc_ids)
            if answered_file_by_file(records):
                events = grouped_by_document(records, lambda ids: self._document_events(question, owner, ids, history))
            else:
                events = self._document_events(question, owner, doc_ids, history)
            first = next(events)   # retrieval happens here, so an index error is still caught below
        except QAError as error:
            if not notice:
                raise
            yield from emergency_only(notice, error)  # the number must reach the patient even when the index cannot
            return
        yield from with_terms(with_emergency_notice(itertools.chain([first], events), notice))
        log.info("answered query documents=%d turns=%d emergency=%s ms=%d", len(records), len(history),
                 notice is not None, (time.perf_counter() - started) * 1000)

    def answer(self, question: str, owner: str, doc_ids: list[str] | None = None,
               history: Sequence[Turn] = ()) -> dict:
        """The whole answer at once. A model that drops out mid-answer is replaced by the extractive answer."""
        emergency = None
        for event in self.answer_stream(question, owner, doc_ids, history):
            if event["type"] == "emergency":
                emergency = event["notice"]
            elif event["type"] == "done":
                return without_type(event)
            elif event["type"] == "error":
                fallback = f"{event['error']} Here is what your summary says, quoted word for word."

                def quotes(ids, fallback=fallback):
                    planned = self.planned(owner, ids)
                    passages, analysis = self.retrieve_in_conversation(question, history, owner, ids, planned)
                    return self._quoted_events(analysis, passages, fallback, planned=planned)
                records = self.library.scope(owner, doc_ids)
                events = grouped_by_document(records, quotes) if answered_file_by_file(records) else quotes(doc_ids)
                return without_type(last_event(with_terms(with_emergency_notice(events, emergency))))
        raise RuntimeError("answer stream ended without a result")

    def retrieve_in_conversation(self, question: str, history: Sequence[Turn], owner: str,
                                 doc_ids: list[str] | None, planned: frozenset[str] | None = None
                                 ) -> tuple[list[Passage], QuestionAnalysis]:
        """A follow-up is searched as itself and joined to the earlier subject (followup.py); the reading the
        summary answers (rather than one it only names without the detail asked), and of those the one it answers
        more surely (the no-LLM engine's calibrated support), is the one used. A follow-up with a subject of its
        own ("and for her stuffy nose?") first wants lines that speak of it."""
        joined_question = standalone_question(question, list(history))
        joined = self.retriever.retrieve(joined_question, owner, doc_ids)
        if joined_question == question:
            return joined
        alone = self.retriever.retrieve(question, owner, doc_ids)
        subject = own_subject(question)
        return max((joined, alone),
                   key=lambda found: _how_surely(compose(found[1], found[0], self.lines, planned=planned), subject))

    def warm_in_background(self, uploads: list[PreparedUpload]) -> None:
        """Embed the new summaries' lines and read their plans in the background, so the first question on one is
        as quick as the next (the no-LLM answer scores every line and asks what the plan has)."""
        passages = [Passage(c.id, u.record.id, u.record.filename, c.section, c.page, c.start, c.end, c.text, 0.0)
                    for u in uploads for c in u.chunks]
        threading.Thread(target=self._warm, args=(passages, [u.record for u in uploads]), daemon=True,
                         name="warm-lines").start()

    def _warm(self, passages: list[Passage], records: list[DocumentRecord]) -> None:
        self.lines.warm(passages)
        try:
            self.plans.of(records)
        except Exception:   # best effort (deleted meanwhile, the store busy): the first question reads it instead
            log.debug("plan warm-up skipped")

    def _document_events(self, question: str, owner: str, doc_ids: list[str] | None,
                         history: Sequence[Turn]) -> Iterator[dict]:
        """The answer from one summary (or from every summary in scope, for a caller that asks so)."""
        planned = self.planned(owner, doc_ids)
        passages, analysis = self.retrieve_in_conversation(question, history, owner, doc_ids, planned)
        if self.model is None:
            yield from self._quoted_events(analysis, passages, OFFLINE_NOTICE, planned=planned)
        else:
            yield from self.model.events(question, analysis, passages, owner, doc_ids, history, planned)

    def planned(self, owner: str, doc_ids: list[str] | None) -> frozenset[str]:
        """The parts of the discharge plan that have items, over the summaries asked about."""
        return self.plans.of(self.library.scope(owner, doc_ids))

    def forget(self, record_ids: list[str]) -> None:
        """Deleted summaries: nothing of them is kept."""
        self.plans.forget(record_ids)

    def _meaning_events(self, written: str, entry: Entry, owner: str, doc_ids: list[str] | None) -> Iterator[dict]:
        """"What does BD mean?": the glossary's general meaning, then the summary's lines that use the term."""
        lines = [line for p in self._every_chunk([], owner, doc_ids) for line in lines_of(p) if uses(line.text, entry)]
        lines = sorted(lines, key=lambda line: (line.passage.document_id, line.passage.start, line.index))
        texts = list(dict.fromkeys(line.text for line in lines))
        answer = meaning_answer(written, entry, texts)
        sources = [p.source_json() for p in passages_of(lines)]
        yield {"type": "sources", "sources": sources}
        for part in answer.splitlines(keepends=True):
            yield {"type": "token", "text": part}
        yield {"type": "done", "answer": answer, "found": True, "sources": sources, "backend": "glossary",
               "model": None, "notice": GENERAL_MEANING, "terms": [{"text": written, **entry.to_json()}]}

    def _quoted_events(self, analysis: QuestionAnalysis, passages: list[Passage], notice: str,
                       details: str | None = None, planned: frozenset[str] | None = None) -> Iterator[dict]:
        """The no-LLM answer. `details`: why the model could not answer, for whoever runs the app; kept out of
        the patient's answer."""
        result = compose(analysis, passages, self.lines, notice, planned)
        sources = [p.source_json() for p in result.passages]
        yield {"type": "sources", "sources": sources}
        for line in result.text.splitlines(keepends=True):
            yield {"type": "token", "text": line}
        yield {"type": "done", "answer": result.text, "found": result.found, "sources": sources,
               "backend": "extractive", "model": None, "notice": notice, "details": details}

    def _emergency_notice(self, question: str, owner: str, doc_ids: list[str] | None) -> str | None:
        emergency = self.emergencies.detect(question)
        if emergency is None:
            return None
        log.info("emergency detected kind=%s self_harm=%s", emergency.kind, emergency.self_harm)
        return emergency_notice(emergency.self_harm, self.settings.emergency_number, self.settings.crisis_line,
                                stated_numbers(self._texts_in_scope(owner, doc_ids)))

    def _texts_in_scope(self, owner: str, doc_ids: list[str] | None) -> str:
        """The summaries the question is about, for the emergency numbers they give. Only read in an emergency."""
        try:
            return "\n".join(self.library.texts([r.id for r in self.library.scope(owner, doc_ids)]))
        except QAError:
            return ""  # the notice must go out even when the index is down or an id is wrong

    def _every_chunk(self, ranked: list[Passage], owner: str, doc_ids: list[str] | None) -> list[Passage]:
        every = self.retriever.every_chunk(ranked, self.library.scope(owner, doc_ids), owner)
        return sorted(ranked, key=reading_order) if every is None else every


def answered_file_by_file(records: list[DocumentRecord]) -> bool:
    return 1 < len(records) <= MAX_GROUPED_DOCUMENTS


def _how_surely(answer: ExtractiveAnswer, subject: frozenset[str]) -> tuple[bool, bool, float]:
    return not subject or speaks_of(subject, answer.shown), answer.found, answer.support
