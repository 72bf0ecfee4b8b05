"""What the store keeps about one uploaded document (its record), and the chunk rows beside it."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime

from mediassist.structure.model import Chunk

_ID = re.compile(r"[0-9a-f]{32}")
# Chroma metadata holds no lists: these are stored as JSON.
_LIST_FIELDS = ("sections", "page_spans", "ocr_pages", "unreadable_pages", "section_spans")


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
    # (name, title, start, end) of each section as found at upload; empty in records stored before they were kept
    section_spans: tuple[tuple[str, str, int, int], ...] = ()

    def public(self) -> dict:
        return {"id": self.id, "filename": self.filename, "uploaded_at": self.uploaded_at,
                "pages": self.pages, "chunks": self.chunks, "sections": list(self.sections),
                "ocr_pages": list(self.ocr_pages), "unreadable_pages": list(self.unreadable_pages)}

    @property
    def added(self) -> date:
        return datetime.fromisoformat(self.uploaded_at).date()

    def metadata(self) -> dict:
        fields = {k: v for k, v in self.__dict__.items() if k != "id"}
        return {**fields, **{name: json.dumps(list(fields[name])) for name in _LIST_FIELDS}}

    @classmethod
    def from_metadata(cls, doc_id: str, meta: dict) -> "DocumentRecord":
        return cls(id=doc_id, owner=meta["owner"], filename=meta["filename"], uploaded_at=meta["uploaded_at"],
                   pages=int(meta["pages"]), chunks=int(meta["chunks"]),
                   sections=tuple(json.loads(meta["sections"])), kind=meta["kind"], size=int(meta["size"]),
                   sha256=meta["sha256"], stored_name=meta["stored_name"],
                   page_spans=tuple(tuple(span) for span in json.loads(meta["page_spans"])),
                   indexed_chars=int(meta["indexed_chars"]),
                   ocr_pages=tuple(json.loads(meta.get("ocr_pages", "[]"))),
                   unreadable_pages=tuple(json.loads(meta.get("unreadable_pages", "[]"))),
                   section_spans=tuple(tuple(span) for span in json.loads(meta.get("section_spans", "[]"))))


def records_of(found: dict) -> list[DocumentRecord]:
    """The records in a `documents.get(include=["metadatas"])` result."""
    return [DocumentRecord.from_metadata(i, m) for i, m in zip(found["ids"], found["metadatas"])]


def looks_like_id(value: str) -> bool:
    return bool(_ID.fullmatch(value or ""))


def embedding_text(chunk: Chunk) -> str:
    """The section name travels with the text: 'Discharge Medications: 1. Lisinopril ...'."""
    return f"{chunk.section}: {chunk.text}"


def chunk_metadata(chunk: Chunk, owner: str, created: int) -> dict:
    """created (epoch seconds) lets reconcile() tell an abandoned upload from one being committed."""
    return {"owner": owner, "doc_id": chunk.doc_id, "index": chunk.index, "section": chunk.section,
            "page": chunk.page, "start": chunk.start, "end": chunk.end, "created": created}
