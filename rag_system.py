"""Index, retrieve, answer.

file bytes -> document_processor -> chunks -> embeddings -> Chroma ("chunks", "documents")
question -> analysis -> hybrid retrieval (vector + section + lexical) -> passages -> backend -> answer events

All state lives in Chroma (chunk vectors, document records with their extracted text) and in the
uploads folder, so it survives restarts and is shared by every worker that opens the same store.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import hashlib
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterable, Iterator, Sequence

import httpx
import numpy as np

from mediassist.index.embedder import Embedder, default_embedding_model
from backends import EMPTY_ANSWER, Backend, BackendInterrupted, BackendUnavailable, make_llm_backend
from mediassist.plan.card import plan_calendar, plan_card
from document_processor import (Chunk, Document, Page, chunk_document, chunk_id, display_name, load_document,
                                split_sections)
from mediassist.emergency import emergency_notice, shared_detector, stated_numbers
from errors import DocumentNotFound, EmptyFile, NoTextFound, QAError, ServiceUnavailable
from mediassist.answering.composer import OFFLINE_NOTICE, compose
from mediassist.answering.events import (emergency_only, grouped_by_document, last_event, with_emergency_notice,
                                         with_terms, without_type)
from mediassist.answering.scoring import Calibration as AnswerCalibration, LineScorer
from patient_language import QuestionAnalysis, analyse, content_stems, passage_matches
from mediassist.answering.followup import Turn, standalone_question
from mediassist.answering.lines import lines_of
from mediassist.plain.define import GENERAL_MEANING, asked_term, meaning_answer, uses
from mediassist.plain.glossary import Entry
from mediassist.llm.excerpts import choose_excerpts, reading_order
from mediassist.llm.hybrid import SentenceGate, grounded_events
from mediassist.llm.support import SupportChecker
from mediassist.llm.tokens import TokenCounter
from prompting import Passage, build_user_message
from settings import Settings

log = logging.getLogger("mediassist.rag")

PRIMARY_SECTION_BOOST = 0.30
SECONDARY_SECTION_BOOST = 0.12
LEXICAL_WEIGHT = 0.20
CHARS_PER_TOKEN = 4        # for the extractive engine's passages; the LLM's prompt is counted in real tokens
MODEL_UNAVAILABLE = "The AI model is not available right now, so this answer quotes your summary word for word."
PROMPT_SLACK_TOKENS = 48   # the chat template's own tokens around the system and user turns
SECTION_FETCH_LIMIT = 60
# A family's summaries asked about together are answered one file at a time; past this many (an archive) the
# question is searched across all of them at once, and each source still names its file.
MAX_GROUPED_DOCUMENTS = 6
EXACT_SEARCH_LIMIT = 3000   # a caller with up to this many chunks is searched exactly (see RagSystem.candidates)
BULK_GROUP = 16   # files whose chunks are embedded together by ingest_many
CHROMA_ADD_BATCH = 4000   # under Chroma's largest batch
ORPHAN_GRACE_S = 3600     # with a shared Chroma server: far longer than any upload (gunicorn kills at 300 s)
STORED_NAME = re.compile(r"([0-9a-f]{32})\.(pdf|docx|txt)(\.part)?")  # what _store_file writes; nothing else is touched
INDEX_UNREACHABLE = "The document index is not reachable right now; please try again in a minute."
CHROMA_TIMEOUT = httpx.Timeout(60.0, connect=5.0)  # a Chroma server that hangs must not hang a request for ever


# ---------------------------------------------------------------- the store

def open_chroma(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        with chroma_errors():
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
        session = getattr(getattr(client, "_server", None), "_session", None)  # chromadb's httpx client: no timeout
        if isinstance(session, httpx.Client):
            session.timeout = CHROMA_TIMEOUT
        return client
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


@contextlib.contextmanager
def chroma_errors():
    """A Chroma server that is down, restarting or unreachable becomes a clear 503, never a 500 or a stack trace."""
    try:
        yield
    except (httpx.TransportError, ConnectionError) as error:
        raise ServiceUnavailable(INDEX_UNREACHABLE) from error
    except ValueError as error:
        # chromadb.HttpClient() turns httpx.ConnectError into ValueError("Could not connect to a Chroma server ...")
        if isinstance(error.__context__, (httpx.TransportError, ConnectionError)):
            raise ServiceUnavailable(INDEX_UNREACHABLE) from error
        raise


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    owner: str
    filename: str
    uploaded_at: str
    pages: int
    chunks: int
    sections: tuple[str, ...]
    kind: str
    size: int
    sha256: str
    stored_name: str
    page_spans: tuple[tuple[int, int], ...]   # (start, end) of each page in the extracted text
    indexed_chars: int                         # total length of its chunks
    ocr_pages: tuple[int, ...] = ()            # pages read with OCR (a scan)
    unreadable_pages: tuple[int, ...] = ()     # pages with no text even after OCR: not indexed

    def public(self) -> dict:
        return {"id": self.id, "filename": self.filename, "uploaded_at": self.uploaded_at,
                "pages": self.pages, "chunks": self.chunks, "sections": list(self.sections),
                "ocr_pages": list(self.ocr_pages), "unreadable_pages": list(self.unreadable_pages)}

    @property
    def added(self) -> date:
        return datetime.fromisoformat(self.uploaded_at).date()

    def metadata(self) -> dict:
        fields = {k: v for k, v in self.__dict__.items() if k != "id"}
        return {**fields, **{name: json.dumps(list(fields[name]))
                             for name in ("sections", "page_spans", "ocr_pages", "unreadable_pages")}}

    @classmethod
    def from_metadata(cls, doc_id: str, meta: dict) -> "DocumentRecord":
        return cls(id=doc_id, owner=meta["owner"], filename=meta["filename"], uploaded_at=meta["uploaded_at"],
                   pages=int(meta["pages"]), chunks=int(meta["chunks"]),
                   sections=tuple(json.loads(meta["sections"])), kind=meta["kind"], size=int(meta["size"]),
                   sha256=meta["sha256"], stored_name=meta["stored_name"],
                   page_spans=tuple(tuple(span) for span in json.loads(meta["page_spans"])),
                   indexed_chars=int(meta["indexed_chars"]),
                   ocr_pages=tuple(json.loads(meta.get("ocr_pages", "[]"))),
                   unreadable_pages=tuple(json.loads(meta.get("unreadable_pages", "[]"))))


@dataclass(frozen=True)
class PreparedUpload:
    """A file read and chunked, not yet embedded or stored."""
    record: DocumentRecord
    text: str
    chunks: list[Chunk]
    data: bytes
    started: float   # perf_counter when reading began, for the log


@dataclass(frozen=True)
class BulkResult:
    """What became of one file of a bulk ingest: a record (new, or the copy already indexed) or an error."""
    name: str
    record: DocumentRecord | None
    error: QAError | None
    already_indexed: bool = False


# ---------------------------------------------------------------- the system

class RagSystem:
    def __init__(self, settings: Settings, client, embedder: Embedder, llm: Backend | None):
        """client: a Chroma client, or a function that opens one. The collections are opened on first use, so
        an app whose Chroma server is down starts anyway (health says so) and connects once the server is up."""
        self.settings = settings
        self.embedder = embedder
        self.llm = llm
        self._client = client
        self._collections = None
        self._opening = threading.Lock()
        self.emergencies = shared_detector()
        self.lines = LineScorer(embedder.embed, AnswerCalibration.load())
        self.tokens = TokenCounter(llm.count_tokens, embedder.count_tokens) if llm else None
        settings.uploads_dir.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> "RagSystem":
        embedder = Embedder(settings.embedding_model or default_embedding_model(), settings.embedding_dtype)
        system = cls(settings, functools.partial(open_chroma, settings), embedder, make_llm_backend(settings))
        try:
            # With a shared Chroma server another worker may be committing an upload right now: only what
            # is clearly abandoned is an orphan. The embedded store has no other writer.
            system.reconcile(grace_s=ORPHAN_GRACE_S if settings.chroma_host else 0)
        except ServiceUnavailable:
            log.warning("Chroma server %s:%s not reachable at start-up; starting without it (no reconcile)",
                        settings.chroma_host, settings.chroma_port)
        return system

    @property
    def chunks(self):
        return self._open()[0]

    @property
    def documents(self):
        return self._open()[1]

    def _open(self):
        if self._collections is None:
            with self._opening, chroma_errors():
                if self._collections is None:
                    client = self._client() if callable(self._client) else self._client
                    self._collections = (
                        client.get_or_create_collection(
                            "chunks", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None),
                        client.get_or_create_collection("documents", embedding_function=None))
        return self._collections

    # ------------------------------------------------------------ documents

    def ingest(self, data: bytes, filename: str, owner: str) -> DocumentRecord:
        """Index a file completely or not at all."""
        prepared = self._prepare(data, filename, owner)
        return self._commit([prepared], [self.embedder.embed([embedding_text(c) for c in prepared.chunks])])[0]

    def ingest_many(self, files: Iterable[tuple[str, bytes]], owner: str,
                    group: int = BULK_GROUP) -> Iterator[BulkResult]:
        """Bulk indexing, one result per file in order. A file this owner already has (same content) is not
        indexed again; the chunks of a group of files are embedded in one call (fuller batches of similar
        lengths); each file is still committed completely or not at all."""
        files = iter(files)
        while batch := list(itertools.islice(files, group)):
            yield from self._ingest_group(batch, owner)

    def _ingest_group(self, batch: list[tuple[str, bytes]], owner: str) -> list[BulkResult]:
        results: list[BulkResult | None] = [None] * len(batch)
        pending: dict[str, tuple[int, PreparedUpload]] = {}   # sha256 -> (its slot in results, the upload)
        repeats: list[tuple[int, str]] = []                   # a second copy of a file inside this group
        for slot, (name, data) in enumerate(batch):
            sha = hashlib.sha256(data).hexdigest()
            if sha in pending:
                repeats.append((slot, sha))
                continue
            try:
                copy = self.find_copy(owner, sha)
                if copy:
                    results[slot] = BulkResult(name, copy, None, already_indexed=True)
                else:
                    pending[sha] = (slot, self._prepare(data, name, owner))
            except QAError as error:
                results[slot] = BulkResult(name, None, error)
        self._embed_and_commit(list(pending.values()), batch, results)
        for slot, sha in repeats:
            first = results[pending[sha][0]]
            results[slot] = BulkResult(batch[slot][0], first.record, first.error, first.record is not None)
        return results

    def _embed_and_commit(self, pending: list[tuple[int, PreparedUpload]], batch: list[tuple[str, bytes]],
                          results: list[BulkResult | None]) -> None:
        """One embedding call and one commit for the whole group; if the commit fails, it fails for all of it."""
        if not pending:
            return
        uploads = [upload for _, upload in pending]
        vectors = self.embedder.embed([embedding_text(c) for upload in uploads for c in upload.chunks])
        bounds = np.cumsum([0] + [len(upload.chunks) for upload in uploads])
        try:
            records = self._commit(uploads, [vectors[a:b] for a, b in zip(bounds, bounds[1:])])
            outcomes = [(record, None) for record in records]
        except QAError as error:
            outcomes = [(None, error)] * len(uploads)
        for (slot, _), (record, error) in zip(pending, outcomes):
            results[slot] = BulkResult(batch[slot][0], record, error)

    def find_copy(self, owner: str, sha256: str) -> DocumentRecord | None:
        """This owner's document whose content has this sha256, if there is one."""
        found = self._call(self.documents.get, include=["metadatas"], limit=1,
                           where={"$and": [{"owner": owner}, {"sha256": sha256}]})
        return DocumentRecord.from_metadata(found["ids"][0], found["metadatas"][0]) if found["ids"] else None

    def _prepare(self, data: bytes, filename: str, owner: str) -> PreparedUpload:
        """Read and chunk a file; nothing is stored yet."""
        if not data:
            raise EmptyFile("The file is empty: choose a discharge summary (PDF, DOCX or TXT).")
        document = load_document(data, filename, max_pages=self.settings.max_pages,
                                 max_ocr=self.settings.max_ocr_pages)
        doc_id = uuid.uuid4().hex
        chunks = chunk_document(document, doc_id)
        if not chunks:
            raise NoTextFound("No readable text was found in this file, so there is nothing to ask about.")
        record = DocumentRecord(   # milliseconds: two uploads in one second still sort newest last
            id=doc_id, owner=owner, filename=display_name(filename),
            uploaded_at=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            pages=len(document.pages), chunks=len(chunks), sections=tuple(document.section_names),
            kind=document.kind, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
            stored_name=f"{doc_id}.{document.kind}",
            page_spans=tuple((page.start, page.end) for page in document.pages),
            indexed_chars=sum(len(c.text) for c in chunks),
            ocr_pages=document.ocr_pages, unreadable_pages=document.unreadable_pages)
        return PreparedUpload(record, document.text, chunks, data, time.perf_counter())

    def _commit(self, uploads: list[PreparedUpload], embeddings: list[np.ndarray]) -> list[DocumentRecord]:
        """Store the files, then every chunk (batched adds), then the records (one add). The record is what makes
        a document exist: a crash before it leaves only orphans, which reconcile() removes at start-up."""
        chunks = [(chunk, upload.record.owner) for upload in uploads for chunk in upload.chunks]
        vectors, created = np.vstack(embeddings), int(time.time())
        try:
            for upload in uploads:
                self._store_file(upload.record.stored_name, upload.data)
            with chroma_errors():
                for at in range(0, len(chunks), CHROMA_ADD_BATCH):
                    part = chunks[at:at + CHROMA_ADD_BATCH]
                    self.chunks.add(ids=[c.id for c, _ in part], embeddings=vectors[at:at + CHROMA_ADD_BATCH],
                                    documents=[c.text for c, _ in part],
                                    metadatas=[chunk_metadata(c, owner, created) for c, owner in part])
                self.documents.add(ids=[u.record.id for u in uploads], embeddings=[e.mean(axis=0) for e in embeddings],
                                   documents=[u.text for u in uploads], metadatas=[u.record.metadata() for u in uploads])
        except Exception:
            for upload in uploads:
                self._discard_unfinished(upload.record)
            raise
        for upload in uploads:
            record = upload.record
            log.info("indexed document=%s kind=%s bytes=%d pages=%d chunks=%d ms=%d", record.id, record.kind,
                     record.size, record.pages, record.chunks, (time.perf_counter() - upload.started) * 1000)
        self._warm_lines(uploads)
        return [upload.record for upload in uploads]

    def _warm_lines(self, uploads: list[PreparedUpload]) -> None:
        """Embed the new summaries' lines in the background, so the first question on one is as quick as the next
        (the no-LLM answer scores every line; see mediassist.answering)."""
        passages = [Passage(c.id, u.record.id, u.record.filename, c.section, c.page, c.start, c.end, c.text, 0.0)
                    for u in uploads for c in u.chunks]
        threading.Thread(target=self.lines.warm, args=(passages,), daemon=True, name="warm-lines").start()

    def list_documents(self, owner: str) -> list[DocumentRecord]:
        found = self._call(self.documents.get, where={"owner": owner}, include=["metadatas"])
        records = [DocumentRecord.from_metadata(i, m) for i, m in zip(found["ids"], found["metadatas"])]
        return sorted(records, key=lambda r: r.uploaded_at)

    def get_document(self, owner: str, doc_id: str) -> DocumentRecord:
        found = self._call(self.documents.get, ids=[doc_id], include=["metadatas"]) if _looks_like_id(doc_id) else None
        if not found or not found["ids"] or found["metadatas"][0].get("owner") != owner:
            raise DocumentNotFound(f"No document with id {doc_id[:64]!r} among your documents.")
        return DocumentRecord.from_metadata(found["ids"][0], found["metadatas"][0])

    def delete_document(self, owner: str, doc_id: str) -> None:
        record = self.get_document(owner, doc_id)
        self._remove_everywhere(record.id, record.stored_name)
        log.info("deleted document=%s", record.id)

    def delete_all_documents(self, owner: str) -> list[DocumentRecord]:
        records = self.list_documents(owner)
        for record in records:
            self._remove_everywhere(record.id, record.stored_name)
        log.info("deleted all documents of an owner count=%d", len(records))
        return records

    def purge_expired(self, hours: float, now: datetime | None = None,
                      owners: Callable[[str], bool] = lambda owner: True) -> list[DocumentRecord]:
        """Delete every document of the `owners` chosen uploaded more than `hours` ago; returns what was deleted."""
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(hours=hours)
        found = self._call(self.documents.get, include=["metadatas"])
        expired = [DocumentRecord.from_metadata(i, m) for i, m in zip(found["ids"], found["metadatas"])
                   if datetime.fromisoformat(m["uploaded_at"]) < cutoff and owners(m["owner"])]
        for record in expired:
            self._remove_everywhere(record.id, record.stored_name)
            log.info("retention: deleted document=%s", record.id)
        return expired

    def stored_document(self, owner: str, doc_id: str) -> Document:
        """The extracted document as it was indexed, rebuilt from the store (no re-reading of the file)."""
        record = self.get_document(owner, doc_id)
        text = self._call(self.documents.get, ids=[doc_id], include=["documents"])["documents"][0]
        pages = tuple(Page(n, start, end) for n, (start, end) in enumerate(record.page_spans, start=1))
        return Document(text=text, kind=record.kind, pages=pages, sections=split_sections(text))

    def plan(self, owner: str, doc_id: str) -> dict:
        record = self.get_document(owner, doc_id)
        card = plan_card(self.stored_document(owner, doc_id), record.added)
        return {"document_id": record.id, "filename": record.filename, **card}

    def plan_calendar(self, owner: str, doc_id: str) -> str | None:
        record = self.get_document(owner, doc_id)
        return plan_calendar(self.stored_document(owner, doc_id), record.added, f"Follow-ups: {record.filename}")

    def count_documents(self) -> int:
        return self._call(self.documents.count)

    def _store_file(self, stored_name: str, data: bytes) -> None:
        final = self.settings.uploads_dir / stored_name
        partial = final.with_suffix(final.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(final)

    def _remove_everywhere(self, doc_id: str, stored_name: str) -> None:
        # The record goes first, so a crash part-way leaves orphans that reconcile() removes at start-up.
        with chroma_errors():
            self.documents.delete(ids=[doc_id])
            self.chunks.delete(where={"doc_id": doc_id})
        self._remove_file(stored_name)

    def _remove_file(self, stored_name: str) -> None:
        for path in (self.settings.uploads_dir / stored_name, self.settings.uploads_dir / (stored_name + ".part")):
            path.unlink(missing_ok=True)

    def _discard_unfinished(self, record: DocumentRecord) -> None:
        """Undo a failed ingest. If the index is what failed, what reached it waits for reconcile() (it has no
        record, so no one sees it); the stored file goes in any case: a failed upload leaves no file behind."""
        try:
            self._remove_everywhere(record.id, record.stored_name)
        except ServiceUnavailable:
            log.warning("index unreachable: unfinished upload %s is left to reconcile() at the next start", record.id)
            self._remove_file(record.stored_name)

    def reconcile(self, grace_s: float = 0) -> None:
        """After a crash: drop chunks and files that belong to no document record and are older than grace_s."""
        cutoff = time.time() - grace_s
        with chroma_errors():
            known = set(self.documents.get(include=[])["ids"])
            chunk_docs = {m["doc_id"] for m in self.chunks.get(include=["metadatas"])["metadatas"]
                          if m.get("created", 0) <= cutoff}
            for orphan in chunk_docs - known:
                self.chunks.delete(where={"doc_id": orphan})
                log.warning("removed orphan chunks of unfinished upload %s", orphan)
        for path in self.settings.uploads_dir.iterdir():
            stored = STORED_NAME.fullmatch(path.name)
            if stored and stored.group(1) not in known and path.stat().st_mtime <= cutoff:
                path.unlink(missing_ok=True)
                log.warning("removed orphan upload file %s", path.name)

    # ------------------------------------------------------------ retrieval

    def retrieve(self, question: str, owner: str, doc_ids: list[str] | None = None
                 ) -> tuple[list[Passage], QuestionAnalysis]:
        analysis = analyse(question)
        records = self.scope(owner, doc_ids)
        if not records:
            return [], analysis
        where = _scope_filter(owner, [r.id for r in records] if doc_ids else None)
        query = self.embedder.embed([analysis.search_text])[0]
        ids = [chunk_id(r.id, i) for r in records for i in range(r.chunks)]
        if sum(r.indexed_chars for r in records) <= self._budget_chars():
            candidates = self._chunks_by_id(query, ids, where)  # the whole summary fits: send all of it
        else:
            candidates = self.candidates(query, where, ids, analysis)
        names = {r.id: r.filename for r in records}
        passages = [self._passage(cid, text, meta, sim, analysis, names)
                    for cid, (text, meta, sim) in candidates.items()]
        return self._within_budget(sorted(passages, key=lambda p: -p.score)), analysis

    def retrieve_in_conversation(self, question: str, history: Sequence[Turn], owner: str,
                                 doc_ids: list[str] | None) -> tuple[list[Passage], QuestionAnalysis]:
        """A follow-up is searched as itself and joined to the earlier subject (answering/followup.py); the
        reading the summary answers more surely (the no-LLM engine's calibrated support) is the one used."""
        joined_question = standalone_question(question, list(history))
        joined = self.retrieve(joined_question, owner, doc_ids)
        if joined_question == question:
            return joined
        alone = self.retrieve(question, owner, doc_ids)
        return max((joined, alone), key=lambda found: compose(found[1], found[0], self.lines).support)

    def scope(self, owner: str, doc_ids: list[str] | None) -> list[DocumentRecord]:
        if doc_ids:
            return [self.get_document(owner, d) for d in dict.fromkeys(doc_ids)]
        return self.list_documents(owner)

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

    def _vector_candidates(self, query: np.ndarray, where: dict, available: int) -> dict:
        n = max(1, min(self.settings.top_k * 3, available))
        found = self._call(self.chunks.query, query_embeddings=[query], n_results=n, where=where,
                           include=["documents", "metadatas", "distances"])
        return {cid: (text, meta, 1.0 - dist) for cid, text, meta, dist in
                zip(found["ids"][0], found["documents"][0], found["metadatas"][0], found["distances"][0])}

    def _chunks_by_id(self, query: np.ndarray, ids: list[str], where: dict) -> dict:
        found = self._call(self.chunks.get, ids=ids, where=where, include=["documents", "metadatas", "embeddings"])
        return _with_similarity(found, query)

    def _section_candidates(self, query: np.ndarray, where: dict, sections: tuple[str, ...]) -> dict:
        """Every chunk of the sections the question is about, even when its wording is far from the question."""
        in_sections = {"$and": [where, {"section": {"$in": list(sections)}}]}
        found = self._call(self.chunks.get, where=in_sections, limit=SECTION_FETCH_LIMIT,
                           include=["documents", "metadatas", "embeddings"])
        return _with_similarity(found, query)

    def _passage(self, chunk_id, text, meta, similarity, analysis: QuestionAnalysis, names) -> Passage:
        section = meta["section"]
        boost = (PRIMARY_SECTION_BOOST if section in analysis.primary_sections else
                 SECONDARY_SECTION_BOOST if section in analysis.sections else 0.0)
        return Passage(chunk_id=chunk_id, document_id=meta["doc_id"], filename=names.get(meta["doc_id"], ""),
                       section=section, page=int(meta["page"]), start=int(meta["start"]), end=int(meta["end"]),
                       text=text, score=similarity + boost + LEXICAL_WEIGHT * lexical_overlap(analysis, text))

    def _budget_chars(self) -> int:
        return self.settings.context_tokens * CHARS_PER_TOKEN

    def _within_budget(self, ranked: list[Passage]) -> list[Passage]:
        """The best passages that fit the context budget (the best one always)."""
        budget = self._budget_chars()
        chosen: list[Passage] = []
        for passage in ranked:
            if chosen and len(passage.text) > budget:
                continue
            chosen.append(passage)
            budget -= len(passage.text)
        return chosen

    # ------------------------------------------------------------ answers

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
            records = self.scope(owner, doc_ids)
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

    def _document_events(self, question: str, owner: str, doc_ids: list[str] | None,
                         history: Sequence[Turn]) -> Iterator[dict]:
        """The answer from one summary (or from every summary in scope, for a caller that asks so)."""
        passages, analysis = self.retrieve_in_conversation(question, history, owner, doc_ids)
        if self.llm is None:
            yield from self._extractive_events(analysis, passages, OFFLINE_NOTICE)
        else:
            yield from self._llm_events(question, analysis, passages, owner, doc_ids, history)

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

                def quotes(ids):
                    passages, analysis = self.retrieve_in_conversation(question, history, owner, ids)
                    return self._extractive_events(analysis, passages, fallback)
                records = self.scope(owner, doc_ids)
                events = grouped_by_document(records, quotes) if answered_file_by_file(records) else quotes(doc_ids)
                return without_type(last_event(with_terms(with_emergency_notice(events, emergency))))
        raise RuntimeError("answer stream ended without a result")

    def _meaning_events(self, written: str, entry: Entry, owner: str, doc_ids: list[str] | None) -> Iterator[dict]:
        """"What does BD mean?": the glossary's general meaning, then the summary's lines that use the term."""
        lines = [line for p in self._every_chunk([], owner, doc_ids) for line in lines_of(p) if uses(line.text, entry)]
        lines = sorted(lines, key=lambda line: (line.passage.document_id, line.passage.start, line.index))
        texts = list(dict.fromkeys(line.text for line in lines))
        answer = meaning_answer(written, entry, texts)
        sources = list({line.passage.chunk_id: line.passage.source_json() for line in lines}.values())
        yield {"type": "sources", "sources": sources}
        for part in answer.splitlines(keepends=True):
            yield {"type": "token", "text": part}
        yield {"type": "done", "answer": answer, "found": True, "sources": sources, "backend": "glossary",
               "model": None, "notice": GENERAL_MEANING, "terms": [{"text": written, **entry.to_json()}]}

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
            ids = [r.id for r in self.scope(owner, doc_ids)]
            found = self._call(self.documents.get, ids=ids, include=["documents"]) if ids else {"documents": []}
        except QAError:
            return ""  # the notice must go out even when the index is down or an id is wrong
        return "\n".join(found["documents"])

    def _extractive_events(self, analysis: QuestionAnalysis, passages: list[Passage], notice: str,
                           details: str | None = None) -> Iterator[dict]:
        """`details`: why the model could not answer, for whoever runs the app; kept out of the patient's answer."""
        result = compose(analysis, passages, self.lines, notice)
        sources = [p.source_json() for p in result.passages]
        yield {"type": "sources", "sources": sources}
        for line in result.text.splitlines(keepends=True):
            yield {"type": "token", "text": line}
        yield {"type": "done", "answer": result.text, "found": result.found, "sources": sources,
               "backend": "extractive", "model": None, "notice": notice, "details": details}

    def _llm_events(self, question: str, analysis: QuestionAnalysis, passages: list[Passage], owner: str,
                    doc_ids: list[str] | None, history: Sequence[Turn] = ()) -> Iterator[dict]:
        """The model's answer as far as the summary supports it (mediassist/llm/hybrid.py); the extractive
        answer, with a notice, when the model cannot answer at all."""
        excerpts = self._excerpts_for_model(question, passages, owner, doc_ids)
        earlier = [(turn.question, turn.answer) for turn in history]
        tokens = self.llm.stream(build_user_message(question, excerpts), earlier)
        try:
            first = next(tokens, None)
            if first is None:
                raise BackendUnavailable(EMPTY_ANSWER)
        except BackendUnavailable as error:
            log.warning("LLM backend %s unavailable, answering extractively", self.llm.name)
            yield from self._extractive_events(analysis, passages, MODEL_UNAVAILABLE, details=str(error))
            return
        extractive = compose(analysis, passages, self.lines)
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

    def _excerpts_for_model(self, question: str, ranked: list[Passage], owner: str,
                            doc_ids: list[str] | None) -> list[Passage]:
        """What fits the model's context window, ordered for its prompt cache (mediassist/llm/excerpts.py)."""
        if not ranked:
            return []
        every = self._every_chunk(ranked, owner, doc_ids)
        return choose_excerpts(ranked, every, self._prompt_budget(question), self.tokens.count)

    def _every_chunk(self, ranked: list[Passage], owner: str, doc_ids: list[str] | None) -> list[Passage]:
        records = self.scope(owner, doc_ids)
        if sum(r.chunks for r in records) > EXACT_SEARCH_LIMIT:
            return sorted(ranked, key=reading_order)
        ids = [chunk_id(r.id, i) for r in records for i in range(r.chunks)]
        found = self._call(self.chunks.get, ids=ids, where=_scope_filter(owner, [r.id for r in records]),
                           include=["documents", "metadatas"])
        names = {r.id: r.filename for r in records}
        score = {p.chunk_id: p.score for p in ranked}
        return [Passage(chunk_id=cid, document_id=meta["doc_id"], filename=names.get(meta["doc_id"], ""),
                        section=meta["section"], page=int(meta["page"]), start=int(meta["start"]),
                        end=int(meta["end"]), text=text, score=score.get(cid, 0.0))
                for cid, text, meta in zip(found["ids"], found["documents"], found["metadatas"])]

    def _prompt_budget(self, question: str) -> int:
        """Tokens of summary the prompt may carry: CONTEXT_TOKENS, and never more than the model's window
        leaves once the instructions, the question and the answer's own tokens are counted."""
        budget = self.settings.context_tokens
        window = self.llm.context_window()
        if window:
            fixed = self.tokens.count(build_user_message(question, [])) + PROMPT_SLACK_TOKENS
            fixed += self.tokens.count(self.llm.system or "")
            budget = min(budget, window - self.settings.llm_max_tokens - fixed)
        return max(budget, 0)

    # ------------------------------------------------------------ health

    def health(self) -> dict:
        if self.llm is None:
            llm = {"backend": "extractive", "model": None, "reachable": True, "fallback": False,
                   "message": "No AI model configured: answers quote the summary word for word."}
        else:
            status = self.llm.health()
            usable = status["reachable"] and status["model_available"]
            llm = {"backend": status["backend"], "model": status["model"], "reachable": status["reachable"],
                   "fallback": not usable,
                   "message": "" if usable else f"{status['message']} Answering by quoting the summary instead."}
        try:
            documents = self.count_documents()
        except ServiceUnavailable as error:
            # "unavailable" (the app answers 503): nothing can be uploaded or asked until the index is back.
            return {"status": "unavailable", "error": str(error), "llm": llm, "documents": None}
        return {"status": "ok", "llm": llm, "documents": documents}

    def _call(self, method, *args, **kwargs):
        with chroma_errors():
            return method(*args, **kwargs)


# ---------------------------------------------------------------- helpers

def embedding_text(chunk: Chunk) -> str:
    """The section name travels with the text: 'Discharge Medications: 1. Lisinopril ...'."""
    return f"{chunk.section}: {chunk.text}"


def chunk_metadata(chunk: Chunk, owner: str, created: int) -> dict:
    """created (epoch seconds) lets reconcile() tell an abandoned upload from one being committed."""
    return {"owner": owner, "doc_id": chunk.doc_id, "index": chunk.index, "section": chunk.section,
            "page": chunk.page, "start": chunk.start, "end": chunk.end, "created": created}


def lexical_overlap(analysis: QuestionAnalysis, text: str) -> float:
    terms = content_stems(analysis.question)
    if not terms:
        return 0.0
    return sum(passage_matches(text, frozenset([t])) for t in terms) / len(terms)


def _with_similarity(found: dict, query: np.ndarray) -> dict:
    sims = np.asarray(found["embeddings"]) @ query if len(found["ids"]) else []
    return {cid: (text, meta, float(sim)) for cid, text, meta, sim in
            zip(found["ids"], found["documents"], found["metadatas"], sims)}


def answered_file_by_file(records: list[DocumentRecord]) -> bool:
    return 1 < len(records) <= MAX_GROUPED_DOCUMENTS


def _scope_filter(owner: str, doc_ids: list[str] | None) -> dict:
    if not doc_ids:
        return {"owner": owner}
    return {"$and": [{"owner": owner}, {"doc_id": {"$in": doc_ids}}]}


def _looks_like_id(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{32}", value or ""))
