"""Hybrid retrieval: a question's nearest chunks (vector), the chunks of the sections it is about, and a lexical
bonus, ranked and cut to the context budget; every passage stays inside the caller's own documents."""
from __future__ import annotations

import numpy as np

from mediassist.structure.model import chunk_id
from patient_language import QuestionAnalysis, analyse, content_stems, passage_matches
from prompting import Passage
from settings import Settings

from .embedder import Embedder
from .library import DocumentLibrary
from .question_kinds import QuestionKinds
from .records import DocumentRecord

PRIMARY_SECTION_BOOST = 0.30
SECONDARY_SECTION_BOOST = 0.12
LEXICAL_WEIGHT = 0.20
CHARS_PER_TOKEN = 4        # for the extractive engine's passages; the LLM's prompt is counted in real tokens
SECTION_FETCH_LIMIT = 60
EXACT_SEARCH_LIMIT = 3000   # a caller with up to this many chunks is searched exactly (see Retriever.candidates)


class Retriever:
    def __init__(self, settings: Settings, library: DocumentLibrary, embedder: Embedder):
        self.settings = settings
        self.library = library
        self.store = library.store
        self.embedder = embedder
        kinds = QuestionKinds.load()
        self.kinds = kinds if kinds.fits(embedder.model_path) else None   # fitted on the packaged model only

    def retrieve(self, question: str, owner: str, doc_ids: list[str] | None = None
                 ) -> tuple[list[Passage], QuestionAnalysis]:
        analysis, query = self.analysis(question)
        records = self.library.scope(owner, doc_ids)
        if not records:
            return [], analysis
        where = scope_filter(owner, [r.id for r in records] if doc_ids else None)
        ids = [chunk_id(r.id, i) for r in records for i in range(r.chunks)]
        if sum(r.indexed_chars for r in records) <= self.budget_chars():
            candidates = self._chunks_by_id(query, ids, where)  # the whole summary fits: send all of it
        else:
            candidates = self.candidates(query, where, ids, analysis)
        names = {r.id: r.filename for r in records}
        passages = [self._passage(cid, text, meta, sim, analysis, names)
                    for cid, (text, meta, sim) in candidates.items()]
        return self._within_budget(sorted(passages, key=lambda p: -p.score)), analysis

    def analysis(self, question: str) -> tuple[QuestionAnalysis, np.ndarray]:
        """What the question is about, and the vector it is searched by. A question whose words name no topic is
        given the kind the embedding model reads it as, when it reads it surely (question_kinds.py)."""
        analysis = analyse(question)
        query = self.embedder.embed([analysis.search_text])[0]
        if analysis.topic_found or not self.kinds:
            return analysis, query
        kind = self.kinds.kind_of(query)   # no topic: the search text is the question itself
        if kind is None:
            return analysis, query
        analysis = analyse(question, kind)
        return analysis, self.embedder.embed([analysis.search_text])[0]

    def candidates(self, query: np.ndarray, where: dict, ids: list[str], analysis: QuestionAnalysis) -> dict:
        """The chunks nearest the question, plus the chunks of the sections it is about, among `ids` (the
        caller's chunks; `where` keeps the owner filter inside the store). A caller's chunks are few: up to
        EXACT_SEARCH_LIMIT they are fetched by id and compared exactly, which is faster than an owner-filtered
        HNSW search over a large shared index, and exact."""
        if len(ids) > EXACT_SEARCH_LIMIT:
            found = self._vector_candidates(query, where, len(ids))
            if analysis.sections:
                found.update(self._section_candidates(query, where, analysis.sections))
            return found
        every = self._chunks_by_id(query, ids, where)
        by_similarity = sorted(every, key=lambda cid: -every[cid][2])
        in_sections = [cid for cid in by_similarity if every[cid][1]["section"] in analysis.sections]
        return {cid: every[cid] for cid in by_similarity[:self.settings.top_k * 3] + in_sections[:SECTION_FETCH_LIMIT]}

    def every_chunk(self, ranked: list[Passage], records: list[DocumentRecord], owner: str) -> list[Passage] | None:
        """Every chunk of these documents as passages (scored as in `ranked`, else 0), or None past
        EXACT_SEARCH_LIMIT chunks (too many to fetch for one question)."""
        if sum(r.chunks for r in records) > EXACT_SEARCH_LIMIT:
            return None
        ids = [chunk_id(r.id, i) for r in records for i in range(r.chunks)]
        found = self.store.call(self.store.chunks.get, ids=ids, where=scope_filter(owner, [r.id for r in records]),
                                include=["documents", "metadatas"])
        names = {r.id: r.filename for r in records}
        score = {p.chunk_id: p.score for p in ranked}
        return [_passage_at(cid, text, meta, names, score.get(cid, 0.0))
                for cid, text, meta in zip(found["ids"], found["documents"], found["metadatas"])]

    def budget_chars(self) -> int:
        return self.settings.context_tokens * CHARS_PER_TOKEN

    def _vector_candidates(self, query: np.ndarray, where: dict, available: int) -> dict:
        n = max(1, min(self.settings.top_k * 3, available))
        found = self.store.call(self.store.chunks.query, query_embeddings=[query], n_results=n, where=where,
                                include=["documents", "metadatas", "distances"])
        return {cid: (text, meta, 1.0 - dist) for cid, text, meta, dist in
                zip(found["ids"][0], found["documents"][0], found["metadatas"][0], found["distances"][0])}

    def _chunks_by_id(self, query: np.ndarray, ids: list[str], where: dict) -> dict:
        found = self.store.call(self.store.chunks.get, ids=ids, where=where,
                                include=["documents", "metadatas", "embeddings"])
        return _with_similarity(found, query)

    def _section_candidates(self, query: np.ndarray, where: dict, sections: tuple[str, ...]) -> dict:
        """Every chunk of the sections the question is about, even when its wording is far from the question."""
        in_sections = {"$and": [where, {"section": {"$in": list(sections)}}]}
        found = self.store.call(self.store.chunks.get, where=in_sections, limit=SECTION_FETCH_LIMIT,
                                include=["documents", "metadatas", "embeddings"])
        return _with_similarity(found, query)

    def _passage(self, cid, text, meta, similarity, analysis: QuestionAnalysis, names) -> Passage:
        section = meta["section"]
        boost = (PRIMARY_SECTION_BOOST if section in analysis.primary_sections else
                 SECONDARY_SECTION_BOOST if section in analysis.sections else 0.0)
        return _passage_at(cid, text, meta, names,
                           similarity + boost + LEXICAL_WEIGHT * lexical_overlap(analysis, text))

    def _within_budget(self, ranked: list[Passage]) -> list[Passage]:
        """The best passages that fit the context budget (the best one always)."""
        budget = self.budget_chars()
        chosen: list[Passage] = []
        for passage in ranked:
            if chosen and len(passage.text) > budget:
                continue
            chosen.append(passage)
            budget -= len(passage.text)
        return chosen


def lexical_overlap(analysis: QuestionAnalysis, text: str) -> float:
    terms = content_stems(analysis.question)
    if not terms:
        return 0.0
    return sum(passage_matches(text, frozenset([t])) for t in terms) / len(terms)


def scope_filter(owner: str, doc_ids: list[str] | None) -> dict:
    if not doc_ids:
        return {"owner": owner}
    return {"$and": [{"owner": owner}, {"doc_id": {"$in": doc_ids}}]}


def _passage_at(cid: str, text: str, meta: dict, names: dict, score: float) -> Passage:
    return Passage(chunk_id=cid, document_id=meta["doc_id"], filename=names.get(meta["doc_id"], ""),
                   section=meta["section"], page=int(meta["page"]), start=int(meta["start"]), end=int(meta["end"]),
                   text=text, score=score)


def _with_similarity(found: dict, query: np.ndarray) -> dict:
    sims = np.asarray(found["embeddings"]) @ query if len(found["ids"]) else []
    return {cid: (text, meta, float(sim)) for cid, text, meta, sim in
            zip(found["ids"], found["documents"], found["metadatas"], sims)}
