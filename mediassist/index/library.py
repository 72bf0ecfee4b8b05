"""A caller's documents: finding, listing, deleting and expiring them, and cleaning up after a crash."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Callable

from errors import DocumentNotFound, ServiceUnavailable
from mediassist.structure.headings import split_sections
from mediassist.structure.model import Document, Page, Section

from .records import DocumentRecord, looks_like_id, records_of
from .store import Store, chroma_errors
from .uploads import UploadFolder

log = logging.getLogger("mediassist.rag")

ORPHAN_GRACE_S = 3600     # with a shared Chroma server: far longer than any upload (gunicorn kills at 300 s)


class DocumentLibrary:
    def __init__(self, store: Store, uploads: UploadFolder):
        self.store = store
        self.uploads = uploads

    def find_copy(self, owner: str, sha256: str) -> DocumentRecord | None:
        """This owner's document whose content has this sha256, if there is one."""
        found = self.store.call(self.store.documents.get, include=["metadatas"], limit=1,
                                where={"$and": [{"owner": owner}, {"sha256": sha256}]})
        return records_of(found)[0] if found["ids"] else None

    def list_documents(self, owner: str) -> list[DocumentRecord]:
        found = self.store.call(self.store.documents.get, where={"owner": owner}, include=["metadatas"])
        return sorted(records_of(found), key=lambda r: r.uploaded_at)

    def get_document(self, owner: str, doc_id: str) -> DocumentRecord:
        found = self.store.call(self.store.documents.get, ids=[doc_id], include=["metadatas"]) \
            if looks_like_id(doc_id) else None
        if not found or not found["ids"] or found["metadatas"][0].get("owner") != owner:
            raise DocumentNotFound(f"No document with id {doc_id[:64]!r} among your documents.")
        return records_of(found)[0]

    def scope(self, owner: str, doc_ids: list[str] | None) -> list[DocumentRecord]:
        """The documents a question is about: those named (each must be the caller's), else all of the caller's."""
        if doc_ids:
            return [self.get_document(owner, d) for d in dict.fromkeys(doc_ids)]
        return self.list_documents(owner)

    def texts(self, doc_ids: list[str]) -> list[str]:
        """The whole extracted text of each document."""
        if not doc_ids:
            return []
        return self.store.call(self.store.documents.get, ids=doc_ids, include=["documents"])["documents"]

    def stored_document(self, owner: str, doc_id: str) -> Document:
        """The extracted document as it was indexed, rebuilt from the store (no re-reading of the file)."""
        return self.document_of(self.get_document(owner, doc_id))

    def document_of(self, record: DocumentRecord) -> Document:
        """The extracted document of a record already read (and its owner checked); DocumentNotFound if it was
        deleted since it was read (a question racing a delete)."""
        texts = self.texts([record.id])
        if not texts:
            raise DocumentNotFound(f"No document with id {record.id[:64]!r} among your documents.")
        text = texts[0]
        pages = tuple(Page(n, start, end) for n, (start, end) in enumerate(record.page_spans, start=1))
        sections = tuple(Section(*span) for span in record.section_spans) or split_sections(text)
        return Document(text=text, kind=record.kind, pages=pages, sections=sections,
                        ocr_pages=record.ocr_pages, unreadable_pages=record.unreadable_pages)

    def count_documents(self) -> int:
        return self.store.call(self.store.documents.count)

    def delete_document(self, owner: str, doc_id: str) -> None:
        record = self.get_document(owner, doc_id)
        self.remove(record)
        log.info("deleted document=%s", record.id)

    def delete_all_documents(self, owner: str) -> list[DocumentRecord]:
        records = self.list_documents(owner)
        for record in records:
            self.remove(record)
        log.info("deleted all documents of an owner count=%d", len(records))
        return records

    def purge_expired(self, hours: float, now: datetime | None = None,
                      owners: Callable[[str], bool] = lambda owner: True) -> list[DocumentRecord]:
        """Delete every document of the `owners` chosen uploaded more than `hours` ago; returns what was deleted."""
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(hours=hours)
        every = records_of(self.store.call(self.store.documents.get, include=["metadatas"]))
        expired = [r for r in every if datetime.fromisoformat(r.uploaded_at) < cutoff and owners(r.owner)]
        for record in expired:
            self.remove(record)
            log.info("retention: deleted document=%s", record.id)
        return expired

    def remove(self, record: DocumentRecord) -> None:
        # The record goes first, so a crash part-way leaves orphans that reconcile() removes at start-up.
        with chroma_errors():
            self.store.documents.delete(ids=[record.id])
            self.store.chunks.delete(where={"doc_id": record.id})
        self.uploads.remove(record.stored_name)

    def discard_unfinished(self, record: DocumentRecord) -> None:
        """Undo a failed ingest. If the index is what failed, what reached it waits for reconcile() (it has no
        record, so no one sees it); the stored file goes in any case: a failed upload leaves no file behind."""
        try:
            self.remove(record)
        except ServiceUnavailable:
            log.warning("index unreachable: unfinished upload %s is left to reconcile() at the next start", record.id)
            self.uploads.remove(record.stored_name)

    def reconcile(self, grace_s: float = 0) -> None:
        """After a crash: drop chunks and files that belong to no document record and are older than grace_s."""
        cutoff = time.time() - grace_s
        with chroma_errors():
            known = set(self.store.documents.get(include=[])["ids"])
            chunk_docs = {m["doc_id"] for m in self.store.chunks.get(include=["metadatas"])["metadatas"]
                          if m.get("created", 0) <= cutoff}
            for orphan in chunk_docs - known:
                self.store.chunks.delete(where={"doc_id": orphan})
                log.warning("removed orphan chunks of unfinished upload %s", orphan)
        for path in self.uploads.orphans(known, cutoff):
            path.unlink(missing_ok=True)
            log.warning("removed orphan upload file %s", path.name)

    def health(self) -> dict:
        """"unavailable" (the app answers 503): nothing can be uploaded or asked until the index is back."""
        try:
            return {"status": "ok", "documents": self.count_documents()}
        except ServiceUnavailable as error:
            return {"status": "unavailable", "error": str(error), "documents": None}

    def reconcile_at_start(self, server: str | None) -> None:
        """With a shared Chroma server another worker may be committing an upload right now: only what is clearly
        abandoned is an orphan. The embedded store (server None) has no other writer. A server that is down is
        not an error: the app starts without it and health says so."""
        try:
            self.reconcile(grace_s=ORPHAN_GRACE_S if server else 0)
        except ServiceUnavailable:
            log.warning("Chroma server %s not reachable at start-up; starting without it (no reconcile)", server)
