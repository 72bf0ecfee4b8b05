"""Word (.docx) uploads: paragraphs, lists and tables as lines of text, in reading order; zip bombs refused.

Tables keep their sense as text: a form's heading row over its value row becomes heading, value lines; a row
of 'Label:' | value cells becomes 'Label: value' lines; other rows are joined with ' | '.
"""
from __future__ import annotations

import io
import re
import weakref
import zipfile

from errors import QAError, TooLarge, UnreadableDocument
from mediassist.structure.headings import canonical_section_name

MAX_DOCX_XML_BYTES = 50 * 1024 * 1024
MAX_DOCX_UNPACKED_BYTES = 200 * 1024 * 1024


def docx_text(data: bytes, name: str) -> str:
    _check_unpacked_size(data, name)
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        lines = _block_lines(document.element.body, document)
    except QAError:
        raise
    except Exception as error:
        raise UnreadableDocument(f"{name} could not be read as a Word document (the file is damaged). "
                                 "Open it in Word and save it as .docx again, or upload a PDF.") from error
    text = "\n".join(line.replace("\xa0", " ").rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _check_unpacked_size(data: bytes, name: str) -> None:
    """Refuse zip bombs from the zip directory alone, before anything is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except Exception as error:
        raise UnreadableDocument(f"{name} is damaged: it is not a complete Word document.") from error
    body = next((entry for entry in entries if entry.filename == "word/document.xml"), None)
    too_big = body is not None and body.file_size > MAX_DOCX_XML_BYTES
    if too_big or sum(entry.file_size for entry in entries) > MAX_DOCX_UNPACKED_BYTES:
        raise TooLarge(f"{name} unpacks to far more data than a discharge summary holds. "
                       "Save a copy with only the summary and upload that.")


def _block_lines(element, parent) -> list[str]:
    """Lines of paragraphs and tables in reading order (body, table cell or content control)."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(_paragraph_text(Paragraph(child, parent)))
        elif child.tag == qn("w:tbl"):
            lines.extend(["", *_table_lines(Table(child, parent)), ""])
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                lines.extend(_block_lines(content, parent))
    return lines


def _paragraph_text(paragraph) -> str:
    """Word draws list bullets and numbers itself; write a bullet so the list survives as text."""
    text = paragraph.text
    return "• " + text if text.strip() and _is_list_paragraph(paragraph) else text


def _is_list_paragraph(paragraph) -> bool:
    properties = paragraph._p.pPr
    if properties is not None and properties.numPr is not None:
        return True
    # Looking a style up scans every style in the file, so remember the answer per style of this document:
    # otherwise a small .docx with many thousands of paragraphs takes minutes to read.
    try:
        known = _LIST_STYLES.setdefault(paragraph.part, {})
    except TypeError:
        known = {}
    style_id = properties.style if properties is not None else None
    if style_id not in known:
        known[style_id] = _has_list_style(paragraph)
    return known[style_id]


_LIST_STYLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # document part -> {style id: is a list}


def _has_list_style(paragraph) -> bool:
    try:
        style = paragraph.style
        style_properties = style.element.pPr if style is not None else None
        return (style_properties is not None and style_properties.numPr is not None) \
            or (style is not None and (style.name or "").startswith("List"))
    except Exception:   # a broken style reference is not worth failing the upload for
        return False


def _table_lines(table) -> list[str]:
    rows, lines, index = _table_grid(table), [], 0
    while index < len(rows):
        row = rows[index]
        following = rows[index + 1] if index + 1 < len(rows) else None
        if following is not None and _is_heading_row(row) and not _is_heading_row(following):
            lines.extend(_heading_value_lines(row, following))   # two-column forms: headings over values
            index += 2
        else:
            lines.extend(_row_lines(row))
            index += 1
    return lines


def _table_grid(table) -> list[list[list[str]]]:
    """Rows of cells, each cell a list of lines; a merged cell's repeats are left empty."""
    seen, grid = set(), []
    for row in table.rows:
        cells: list[list[str]] = [[] for _ in range(row.grid_cols_before)]
        for cell in row.cells:
            if cell._tc in seen:
                cells.append([])
                continue
            seen.add(cell._tc)
            cells.append([line.strip() for line in _block_lines(cell._tc, cell) if line.strip()])
        grid.append(cells)
    return grid


def _is_heading_row(cells: list[list[str]]) -> bool:
    filled = [cell for cell in cells if cell]
    if len(filled) < 2 or any(len(cell) != 1 or not _is_short_label(cell[0]) for cell in filled):
        return False
    return all(canonical_section_name(cell[0]) for cell in filled)


def _is_short_label(line: str) -> bool:
    return len(line) <= 80 and len(line.split()) <= 8 and not line.rstrip().endswith(".")


def _heading_value_lines(headings: list[list[str]], values: list[list[str]]) -> list[str]:
    lines = []
    for column in range(max(len(headings), len(values))):
        lines.extend(headings[column] if column < len(headings) else [])
        lines.extend(values[column] if column < len(values) else [])
    return lines


def _row_lines(cells: list[list[str]]) -> list[str]:
    filled = [cell for cell in cells if cell]
    if len(filled) <= 1:
        return filled[0] if filled else []
    if any(len(cell) > 1 and canonical_section_name(cell[0]) for cell in filled):
        return [line for cell in filled for line in cell]   # cells that open with their own heading
    if any(_is_colon_label(cell) for cell in filled):
        return _label_value_lines(filled)
    return [" | ".join(" ".join(cell) for cell in filled)]


def _is_colon_label(cell: list[str]) -> bool:
    return len(cell) == 1 and cell[0].endswith(":") and len(cell[0]) <= 40


def _label_value_lines(cells: list[list[str]]) -> list[str]:
    """'Ward:' | 'Hestercombe' | 'GP:' | 'Dr X'  ->  one 'label value' line per pair."""
    lines, index = [], 0
    while index < len(cells):
        cell = cells[index]
        if _is_colon_label(cell) and index + 1 < len(cells) and not _is_colon_label(cells[index + 1]):
            lines.append(f"{cell[0]} {' '.join(cells[index + 1])}")
            index += 2
        else:
            lines.append(" ".join(cell))
            index += 1
    return lines
