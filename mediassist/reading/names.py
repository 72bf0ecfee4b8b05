"""File names as the user sees them in messages, and the file extensions that can be uploaded."""
from __future__ import annotations

import re
from pathlib import PurePath

TEXT_EXTENSIONS = (".txt", ".text", ".md")
ALLOWED_EXTENSIONS = (".pdf", ".docx") + TEXT_EXTENSIONS
SUPPORTED_HINT = "Upload the discharge summary as a PDF, Word (.docx) or plain text (.txt) file."


def display_name(filename: str, default: str = "document") -> str:
    """The name as the user knows it, minus any path and control characters: it is only ever displayed."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:200]
    return name if name.strip(".") else default   # "", "." and ".." are no names


def name_in_messages(filename: str) -> str:
    return display_name(filename, "The file")


def file_extension(filename: str) -> str:
    return PurePath(filename or "").suffix.lower()
