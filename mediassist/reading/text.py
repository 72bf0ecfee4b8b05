"""Plain-text uploads: bytes decoded by BOM, UTF-16 sniffing, UTF-8, cp1252 or Latin-1; binary data refused."""
from __future__ import annotations

import re

from errors import UnsupportedFile
from mediassist.reading.names import SUPPORTED_HINT


def decode_text(data: bytes, name: str) -> str:
    text = _decode_with_bom(data)
    if text is None:
        text = _decode_utf16_without_bom(data)
    if text is None:
        if b"\x00" in data:
            raise _binary_error(name)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:   # cp1252 leaves five bytes undefined
                text = data.decode("latin-1")
    if _looks_binary(text):
        raise _binary_error(name)
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _decode_with_bom(data: bytes) -> str | None:
    boms = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
            (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
    for bom, encoding in boms:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    return None


def _decode_utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text that is mostly ASCII has a zero in every other byte; that is hard to miss."""
    if len(data) < 8:
        return None
    even_zeros = data[0::2].count(0) / len(data[0::2])
    odd_zeros = data[1::2].count(0) / len(data[1::2])
    if odd_zeros > 0.3 and even_zeros < 0.05:
        encoding = "utf-16-le"
    elif even_zeros > 0.3 and odd_zeros < 0.05:
        encoding = "utf-16-be"
    else:
        return None
    try:
        return data[: len(data) // 2 * 2].decode(encoding)
    except UnicodeDecodeError:
        return None


_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")   # control characters text never needs


def _looks_binary(text: str) -> bool:
    return "\x00" in text or len(_BINARY_CONTROLS.findall(text)) > len(text) * 0.01


def _binary_error(name: str) -> UnsupportedFile:
    return UnsupportedFile(f"{name} is not a text file (it contains binary data). {SUPPORTED_HINT}")
