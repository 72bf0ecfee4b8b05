"""The structure of a discharge summary's text: sections, sentences and list items, and chunks.

model (Page, Section, Document, Chunk) <- headings (split_sections) <- units (split_units) <- chunks
(chunk_document). Every offset is a character offset into Document.text.
"""
