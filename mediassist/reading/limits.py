"""How much text one upload may hold: max_pages pages of MAX_CHARS_PER_PAGE characters."""
from __future__ import annotations

from errors import TooLarge

# A dense printed page; text beyond max_pages of these is refused (TXT and DOCX have no pages).
MAX_CHARS_PER_PAGE = 5_000


def check_text_length(length: int, name: str, max_pages: int) -> None:
    """A small compressed .docx (or a 20 MB .txt) can hold thousands of pages of text: minutes of indexing."""
    limit = max_pages * MAX_CHARS_PER_PAGE
    if length > limit:
        raise TooLarge(f"{name} holds about {length // MAX_CHARS_PER_PAGE:,} pages of text; the limit is "
                       f"{max_pages} pages ({limit:,} characters). Upload only the discharge summary.")
