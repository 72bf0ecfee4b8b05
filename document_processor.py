"""The door to reading a discharge summary (PDF, DOCX or TXT): bytes -> text, pages, sections -> chunks.

    load_document(bytes, name)           mediassist/reading: detect_kind (kinds.py), then the text of a TXT
                                         (text.py), a PDF (pdf.py; ocr.py for pages without a text layer) or
                                         a DOCX (docx.py), and the sections (structure/headings.py)
    split_units(text)                    mediassist/structure/units.py: sentences and list items, for quoting
    chunk_document(document, doc_id)     mediassist/structure/chunks.py: chunks along sections, for the index

Every offset is a character offset into Document.text, so a chunk, a section or a quoted sentence always
points back at the exact words of the summary. The code lives in those packages (which never import this
module); this module only names what the rest of the app uses.
"""
from __future__ import annotations

from mediassist.reading.docx import MAX_DOCX_XML_BYTES
from mediassist.reading.kinds import detect_kind
from mediassist.reading.load import load_document
from mediassist.reading.names import ALLOWED_EXTENSIONS, SUPPORTED_HINT, TEXT_EXTENSIONS, display_name
from mediassist.reading.ocr import OcrOptions, tesseract_command
from mediassist.reading.pdf import pdf_page_texts
from mediassist.structure.chunks import chunk_document
from mediassist.structure.headings import CANONICAL_SECTION_NAMES, canonical_section_name, split_sections
from mediassist.structure.model import Chunk, Document, Page, Section, chunk_id
from mediassist.structure.units import split_units

__all__ = [
    "load_document", "chunk_document", "chunk_id", "split_sections", "split_units", "canonical_section_name",
    "CANONICAL_SECTION_NAMES", "detect_kind", "display_name", "pdf_page_texts", "tesseract_command",
    "OcrOptions", "Document", "Page", "Section", "Chunk", "MAX_DOCX_XML_BYTES", "ALLOWED_EXTENSIONS",
    "TEXT_EXTENSIONS", "SUPPORTED_HINT",
]
