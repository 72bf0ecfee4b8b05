"""Chunks for the index: each section cut into pieces of at most max_chars, never across sections or items."""
from __future__ import annotations

from mediassist.structure.headings import heading_end
from mediassist.structure.model import Chunk, Document, Section
from mediassist.structure.units import Block, has_letters, sentence_spans, split_blocks, strip_span


def chunk_document(document: Document, doc_id: str, max_chars: int = 900) -> list[Chunk]:
    """Chunks that follow the sections; a long section is cut between list items, lines, then sentences."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    chunks: list[Chunk] = []
    for section in document.sections:
        for start, end in _section_chunk_spans(document.text, section, max_chars):
            chunks.append(Chunk(doc_id=doc_id, index=len(chunks), section=section.name,
                                page=document.page_at(start), start=start, end=end,
                                text=document.text[start:end]))
    return chunks


def _section_chunk_spans(text: str, section: Section, max_chars: int) -> list[tuple[int, int]]:
    body_start = heading_end(text, section)
    if not has_letters(text[body_start:section.end]):
        return []   # a heading with nothing under it
    blocks = split_blocks(text, body_start, section.end)
    if not blocks:
        return []
    # The heading joins the first block so that the first chunk reads "DISCHARGE MEDICATIONS: 1. ..."
    first_start = strip_span(text, section.start, section.end)[0]
    blocks[0] = Block(first_start, blocks[0].end, blocks[0].is_item)
    pieces: list[tuple[int, int]] = []
    for block in blocks:
        if block.end - block.start <= max_chars:
            pieces.append((block.start, block.end))
        else:
            pieces.extend(_fit(text, block.start, block.end, max_chars))
    return [span for span in _pack(pieces, max_chars) if has_letters(text[span[0]:span[1]])]


def _fit(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Sentences of an oversized block; a sentence longer than max_chars is cut at spaces."""
    pieces = []
    for sentence_start, sentence_end in sentence_spans(text, start, end):
        while sentence_end - sentence_start > max_chars:
            window = text[sentence_start:sentence_start + max_chars]
            space = max(window.rfind(" "), window.rfind("\n"))
            cut = sentence_start + (space if space > 0 else max_chars)
            pieces.append(strip_span(text, sentence_start, cut))
            sentence_start = strip_span(text, cut, sentence_end)[0]
        pieces.append((sentence_start, sentence_end))
    return pieces


def _pack(pieces: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for start, end in pieces:
        if spans and end - spans[-1][0] <= max_chars:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans
