"""Build real upload files in tests: text-layer PDFs, DOCX with tables, locked, scanned and mixed PDFs."""
from __future__ import annotations

import io

# The PDF core fonts only know Latin-1; map the usual typographic characters to plain ones.
_LATIN1_FALLBACKS = str.maketrans({
    "\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2022": "-", "\u2026": "...", "\u2264": "<=", "\u2265": ">=", "\u2192": "->", "\u2082": "2",
    "\u2083": "3", "\u00a0": " ",
})


def latin1_safe(text: str) -> str:
    text = text.translate(_LATIN1_FALLBACKS)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def make_pdf(pages: list[str]) -> bytes:
    """A PDF with a real text layer, one page per string; lines wrap as a word processor would."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    for page_text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 5, latin1_safe(page_text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_docx(blocks) -> bytes:
    """A .docx from blocks in reading order: a str is a paragraph, a list of rows is a table."""
    import docx

    document = docx.Document()
    for block in blocks:
        if isinstance(block, str):
            document.add_paragraph(block)
        else:
            _add_table(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_table(document, rows: list[list[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=max(len(row) for row in rows))
    for row, cells in zip(table.rows, rows):
        for cell, text in zip(row.cells, cells):
            cell.text = text


def make_encrypted_pdf(text: str, user_password: str = "secret") -> bytes:
    """A PDF locked with a user password ("" gives one that opens without asking)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([text]))))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_image_only_pdf(text: str) -> bytes:
    """A PDF that is only a picture of the text, like a scan: no text layer at all."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (850, 1100), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(text.splitlines() or [""]):
        draw.text((60, 60 + 24 * number), line, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=100.0)
    return buffer.getvalue()


_SCAN_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"   # Debian fonts-dejavu-core


def render_page_image(text: str, font_size: int = 40):
    """A white Letter-size page at 200 dpi with text printed on it in a font large enough for OCR."""
    from PIL import Image, ImageDraw, ImageFont

    try:
        font = ImageFont.truetype(_SCAN_FONT, font_size)
    except OSError:
        font = ImageFont.load_default(size=font_size)   # Pillow's bundled scalable font
    image = Image.new("L", (1700, 2200), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(text.splitlines()):
        draw.text((120, 120 + int(font_size * 1.5) * number), line, fill=0, font=font)
    return image


def make_scanned_pdf(pages: list[str], font_size: int = 40) -> bytes:
    """A multi-page image-only PDF (a scan), one page picture per string; "" gives a blank page."""
    images = [render_page_image(text, font_size) for text in pages]
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", resolution=200.0, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def make_mixed_pdf(pages: list) -> bytes:
    """A PDF mixing kinds of page: a str becomes a page with a text layer, a PIL image a page that is
    only that picture (a scanned page; see render_page_image)."""
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(auto=False)
    for page in pages:
        pdf.add_page()
        if isinstance(page, str):
            pdf.set_font("Helvetica", size=10)
            pdf.multi_cell(0, 5, latin1_safe(page), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.image(page, x=0, y=0, w=pdf.w, h=pdf.h)
    return bytes(pdf.output())


def truncated(data: bytes) -> bytes:
    """The first half of a file, as if the upload or download had stopped midway."""
    return data[: len(data) // 2]
