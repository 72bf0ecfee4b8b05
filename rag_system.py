"""The door to the index and the answers: RagSystem builds their parts once from Settings and hands each call on.

file bytes -> document_processor (text, pages, sections, chunks) -> mediassist.index (embed, store in Chroma)
question -> mediassist.index.retrieval (passages) -> mediassist.answering.pipeline (model or quotes) -> events

All state lives in Chroma (chunk vectors, document records with their extracted text) and in the uploads
folder, so it survives restarts and is shared by every worker that opens the same store.
"""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Callable, Iterable, Iterator, Sequence

from backends import Backend, answering_status, make_llm_backend
from mediassist.answering.pipeline import Answerer, Turn
from mediassist.index import (CHARS_PER_TOKEN, INDEX_UNREACHABLE, BulkResult, DocumentLibrary, DocumentRecord,
                              Embedder, Ingester, Retriever, Store, UploadFolder,
                              default_embedding_model, embedding_text, open_chroma)
from mediassist.plan.card import plan_calendar, plan_card
from settings import Settings

# Names other code and the training scripts import from here.
__all__ = ["RagSystem", "DocumentRecord", "BulkResult", "CHARS_PER_TOKEN", "INDEX_UNREACHABLE", "embedding_text"]


class RagSystem:
    def __init__(self, settings: Settings, client, embedder: Embedder, llm: Backend | None):
        """client: a Chroma client, or a function that opens one (opened on first use)."""
        self.settings = settings
        self.embedder = embedder
        self.llm = llm
        self.store = Store(client)
        self.library = DocumentLibrary(self.store, UploadFolder(settings.uploads_dir))
        self.retriever = Retriever(settings, self.library, embedder)
        self.answerer = Answerer(settings, self.library, self.retriever, embedder, llm)
        self.ingester = Ingester(settings, self.library, embedder, on_indexed=self.answerer.warm_in_background)

    @classmethod
    def from_settings(cls, settings: Settings) -> "RagSystem":
        embedder = Embedder(settings.embedding_model or default_embedding_model(), settings.embedding_dtype)
        system = cls(settings, functools.partial(open_chroma, settings), embedder, make_llm_backend(settings))
        server = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else None
        system.library.reconcile_at_start(server)
        return system

    @property
    def chunks(self):
        return self.store.chunks

    @property
    def documents(self):
        return self.store.documents

    @property
    def lines(self):
        """The no-LLM answer's line scorer (training scripts compose answers with it)."""
        return self.answerer.lines

    # ------------------------------------------------------------ documents

    def ingest(self, data: bytes, filename: str, owner: str) -> DocumentRecord:
        """Index a file completely or not at all."""
        return self.ingester.ingest(data, filename, owner)

    def ingest_many(self, files: Iterable[tuple[str, bytes]], owner: str) -> Iterator[BulkResult]:
        return self.ingester.ingest_many(files, owner)

    def find_copy(self, owner: str, sha256: str) -> DocumentRecord | None:
        return self.library.find_copy(owner, sha256)

    def list_documents(self, owner: str) -> list[DocumentRecord]:
        return self.library.list_documents(owner)

    def get_document(self, owner: str, doc_id: str) -> DocumentRecord:
        return self.library.get_document(owner, doc_id)

    def scope(self, owner: str, doc_ids: list[str] | None) -> list[DocumentRecord]:
        return self.library.scope(owner, doc_ids)

    def stored_document(self, owner: str, doc_id: str):
        return self.library.stored_document(owner, doc_id)

    def delete_document(self, owner: str, doc_id: str) -> None:
        self.library.delete_document(owner, doc_id)
        self.answerer.forget([doc_id])

    def delete_all_documents(self, owner: str) -> list[DocumentRecord]:
        return self._forgotten(self.library.delete_all_documents(owner))

    def purge_expired(self, hours: float, now: datetime | None = None,
                      owners: Callable[[str], bool] = lambda owner: True) -> list[DocumentRecord]:
        return self._forgotten(self.library.purge_expired(hours, now, owners))

    def _forgotten(self, deleted: list[DocumentRecord]) -> list[DocumentRecord]:
        self.answerer.forget([record.id for record in deleted])
        return deleted

    def reconcile(self, grace_s: float = 0) -> None:
        self.library.reconcile(grace_s)

    def plan(self, owner: str, doc_id: str) -> dict:
        record = self.get_document(owner, doc_id)
        card = plan_card(self.library.document_of(record), record.added)
        return {"document_id": record.id, "filename": record.filename, **card}

    def plan_calendar(self, owner: str, doc_id: str) -> str | None:
        record = self.get_document(owner, doc_id)
        return plan_calendar(self.library.document_of(record), record.added, f"Follow-ups: {record.filename}")

    # ------------------------------------------------------------ questions

    def retrieve(self, question: str, owner: str, doc_ids: list[str] | None = None):
        """The passages a question retrieves, best first, and how the question was read."""
        return self.retriever.retrieve(question, owner, doc_ids)

    def answer_stream(self, question: str, owner: str, doc_ids: list[str] | None = None,
                      history: Sequence[Turn] = ()) -> Iterator[dict]:
        """Events: [emergency], sources, [group], token..., done | error (README, API section)."""
        return self.answerer.answer_stream(question, owner, doc_ids, history)

    def answer(self, question: str, owner: str, doc_ids: list[str] | None = None,
               history: Sequence[Turn] = ()) -> dict:
        return self.answerer.answer(question, owner, doc_ids, history)

    def health(self) -> dict:
        index = self.library.health()
        return {**index, "llm": answering_status(self.llm)}
