"""Reading an upload: its bytes become text with pages (PDF text layer or OCR, DOCX, TXT).

names/kinds (which file it is) -> text, pdf + ocr, docx (its text) -> load.load_document (the Document,
sections included). Everything raises the errors.py family for what cannot be read.
"""
