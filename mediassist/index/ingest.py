"""Indexing uploads: read and chunk each file, embed its chunks, then store it completely or not at all."""
from __future__ import annotations

import hashlib
import itertools
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator

import numpy as np

from errors import EmptyFile, NoTextFound, QAError
from mediassist.reading.load import load_document
from mediassist.reading.names import display_name
from mediassist.reading.ocr import OcrOptions
from mediassist.structure.chunks import chunk_document
from mediassist.structure.model import Chunk
from settings import Settings

from .embedder import Embedder
from .library import DocumentLibrary
from .records import DocumentRecord, chunk_metadata, embedding_text
from .store import chroma_errors

log = logging.getLogger("mediassist.rag")

BULK_GROUP = 16   # files whose chunks are embedded together by ingest_many
CHROMA_ADD_BATCH = 4000   # under Chroma's largest batch


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


class Ingester:
    def __init__(self, settings: Settings, library: DocumentLibrary, embedder: Embedder,
                 on_indexed: Callable[[list[PreparedUpload]], None] = lambda uploads: None):
        """on_indexed: told of each committed group of uploads (the answer engine warms its line cache)."""
        self.settings = settings
        self.library = library
        self.embedder = embedder
        self.on_indexed = on_indexed
        self.ocr = OcrOptions(max_pages=settings.max_ocr_pages, tesseract=settings.tesseract_cmd)

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
                copy = self.library.find_copy(owner, sha)
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

    def _prepare(self, data: bytes, filename: str, owner: str) -> PreparedUpload:
        """Read and chunk a file; nothing is stored yet."""
        if not data:
            raise EmptyFile("The file is empty: choose a discharge summary (PDF, DOCX or TXT).")
        document = load_document(data, filename, max_pages=self.settings.max_pages, ocr=self.ocr)
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
            ocr_pages=document.ocr_pages, unreadable_pages=document.unreadable_pages,
            section_spans=tuple((s.name, s.title, s.start, s.end) for s in document.sections))
        return PreparedUpload(record, document.text, chunks, data, time.perf_counter())

    def _commit(self, uploads: list[PreparedUpload], embeddings: list[np.ndarray]) -> list[DocumentRecord]:
        """Store the files, then every chunk (batched adds), then the records (one add). The record is what makes
        a document exist: a crash before it leaves only orphans, which reconcile() removes at start-up."""
        store = self.library.store
        chunks = [(chunk, upload.record.owner) for upload in uploads for chunk in upload.chunks]
        vectors, created = np.vstack(embeddings), int(time.time())
        try:
            for upload in uploads:
                self.library.uploads.save(upload.record.stored_name, upload.data)
            with chroma_errors():
                for at in range(0, len(chunks), CHROMA_ADD_BATCH):
                    part = chunks[at:at + CHROMA_ADD_BATCH]
                    store.chunks.add(ids=[c.id for c, _ in part], embeddings=vectors[at:at + CHROMA_ADD_BATCH],
                                     documents=[c.text for c, _ in part],
                                     metadatas=[chunk_metadata(c, owner, created) for c, owner in part])
                store.documents.add(ids=[u.record.id for u in uploads], embeddings=[e.mean(axis=0) for e in embeddings],
                                    documents=[u.text for u in uploads],
                                    metadatas=[u.record.metadata() for u in uploads])
        except Exception:
            for upload in uploads:
                self.library.discard_unfinished(upload.record)
            raise
        for upload in uploads:
            record = upload.record
            log.info("indexed document=%s kind=%s bytes=%d pages=%d chunks=%d ms=%d", record.id, record.kind,
                     record.size, record.pages, record.chunks, (time.perf_counter() - upload.started) * 1000)
        self.on_indexed(uploads)
        return [upload.record for upload in uploads]
