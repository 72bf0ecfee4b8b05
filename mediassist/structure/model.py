"""The data model of a read summary: Page, Section, Document and Chunk, all offsets into Document.text."""
from __future__ import annotations

import bisect
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    number: int   # 1-based
    start: int
    end: int


@dataclass(frozen=True)
class Section:
    name: str    # one of headings.CANONICAL_SECTION_NAMES
    title: str   # the heading as written ("" for the Overview before the first heading)
    start: int   # heading included
    end: int


@dataclass(frozen=True)
class Document:
    text: str
    kind: str    # "pdf" | "docx" | "txt"
    pages: tuple[Page, ...]
    sections: tuple[Section, ...]
    ocr_pages: tuple[int, ...] = ()          # pages whose text was read from the page image (OCR)
    unreadable_pages: tuple[int, ...] = ()   # pages with no text layer that OCR could not read either

    def page_at(self, offset: int) -> int:
        """Number of the page that contains offset (the first or last page when out of range)."""
        if not self.pages:
            return 1
        index = bisect.bisect_right([page.start for page in self.pages], offset) - 1
        return self.pages[max(index, 0)].number

    def section_at(self, offset: int) -> Section | None:
        index = bisect.bisect_right([section.start for section in self.sections], offset) - 1
        if index < 0 or offset >= self.sections[index].end:
            return None
        return self.sections[index]

    @property
    def section_names(self) -> list[str]:
        return list(dict.fromkeys(section.name for section in self.sections))


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    index: int
    section: str
    page: int
    start: int
    end: int
    text: str    # == document.text[start:end]

    @property
    def id(self) -> str:
        return chunk_id(self.doc_id, self.index)


def chunk_id(doc_id: str, index: int) -> str:
    return f"{doc_id}:{index}"
