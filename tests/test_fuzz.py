"""A bounded mutation fuzz run of document_processor, for CI.

The seeds are the repository's own summaries (tests/data/*.txt) and a PDF and a DOCX made from them here.
Each round mutates a seed (bit flips, interesting bytes, truncation, splicing, repeats, deletions), loads it
with load_document and chunks what loads. Every result must be a Document or a QAError, and every call must
finish within FUZZ_CALL_SECONDS. The run is reproducible: FUZZ_SEED fixes the inputs, FUZZ_SECONDS the length
(default 15 s; 0 skips it). A failing input is written to FUZZ_ARTIFACTS (default: the test's tmp folder).
"""
from __future__ import annotations

import collections
import concurrent.futures
import io
import os
import random
import time
import zipfile
from pathlib import Path

import pytest

from document_processor import Document, OcrOptions, chunk_document, load_document
from errors import QAError
from tests.builders import make_docx, make_pdf

DATA = Path(__file__).parent / "data"
NO_OCR = OcrOptions(max_pages=0)   # a scan is refused at once instead of waiting on tesseract
FUZZ_SECONDS = float(os.environ.get("FUZZ_SECONDS", "15"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20260301"))
FUZZ_CALL_SECONDS = float(os.environ.get("FUZZ_CALL_SECONDS", "10"))   # generous: CI machines are small and busy
INTERESTING = [0x00, 0x01, 0x0A, 0x0D, 0x20, 0x25, 0x28, 0x29, 0x2F, 0x3C, 0x3E, 0x5B, 0x5D, 0x7F, 0x80, 0xFE, 0xFF]
TOKENS = [b"%%EOF", b"endobj", b"obj", b"stream", b"endstream", b"/Kids", b"/Pages", b"/Count 999999999",
          b" 0 R", b"<<", b">>", b"[", b"]", b"/FlateDecode", b"/Length 99999999", b"xref", b"trailer",
          b"PK\x03\x04", b"PK\x01\x02", b"<w:p>", b"</w:p>", b"<w:t>", b"&lt;", b"\r\n", b"\xef\xbb\xbf",
          b"DISCHARGE MEDICATIONS:", b"1. ", b"\x00\x00"]


def seeds() -> list[tuple[str, bytes]]:
    texts = {path.name: path.read_bytes() for path in sorted(DATA.glob("*.txt"))}
    first = next(iter(texts.values())).decode()
    pages = [first[: len(first) // 2], first[len(first) // 2:]]
    docx = make_docx([*first.splitlines()[:20], [["Medicine", "Dose"], ["Aspirin", "81 mg daily"]]])
    return [*texts.items(), ("summary.pdf", make_pdf(pages)), ("plain.pdf", uncompressed_pdf(pages)),
            ("summary.docx", docx)]


def uncompressed_pdf(pages: list[str]) -> bytes:
    """Content streams in the clear, so that mutations hit the drawing operators rather than zlib data."""
    from fpdf import FPDF

    from tests.builders import latin1_safe

    pdf = FPDF(format="A4")
    pdf.set_compression(False)
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 5, latin1_safe(text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def mutate_docx_part(rng: random.Random, data: bytes, others: list[bytes]) -> bytes:
    """Mutate one XML part inside the package and zip it again, so that the XML reaches the parser."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    target = "word/document.xml" if rng.random() < 0.7 else rng.choice(sorted(parts))
    parts[target] = mutate(rng, parts[target], others)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for filename, body in parts.items():
            archive.writestr(filename, body)
    return buffer.getvalue()


def mutate(rng: random.Random, data: bytes, others: list[bytes]) -> bytes:
    data = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 8))):
        if not data:
            data += rng.randbytes(rng.randint(1, 64))
        choice = rng.randrange(9)
        at = rng.randrange(len(data))
        if choice == 0:                                   # flip bits
            for _ in range(rng.randint(1, 8)):
                spot = rng.randrange(len(data))
                data[spot] ^= 1 << rng.randrange(8)
        elif choice == 1:                                 # interesting byte values
            data[at] = rng.choice(INTERESTING)
        elif choice == 2:                                 # truncate
            del data[rng.randint(0, len(data)):]
        elif choice == 3:                                 # cut off the start
            del data[: rng.randint(1, max(1, len(data) // 4))]
        elif choice == 4:                                 # delete a range
            del data[at: at + rng.randint(1, 256)]
        elif choice == 5:                                 # insert random bytes
            data[at:at] = rng.randbytes(rng.randint(1, 32))
        elif choice == 6:                                 # repeat a range
            piece = data[at: at + rng.randint(1, 512)]
            data[at:at] = piece * rng.randint(2, 20)
        elif choice == 7:                                 # splice with another seed
            other = rng.choice(others)
            cut = rng.randrange(len(other) + 1)
            data = data[:at] + other[cut: cut + rng.randint(1, 4096)]
        else:                                             # insert a token that means something to a parser
            data[at:at] = rng.choice(TOKENS)
    return bytes(data)


def load_and_chunk(data: bytes, name: str) -> str:
    """'ok' or the QAError's class name; anything else is raised to the test."""
    try:
        document = load_document(data, name, max_pages=50, ocr=NO_OCR)
    except QAError as error:
        assert str(error)
        return type(error).__name__
    assert isinstance(document, Document)
    for chunk in chunk_document(document, "fuzz"):
        assert document.text[chunk.start:chunk.end] == chunk.text
    return "ok"


@pytest.mark.skipif(FUZZ_SECONDS <= 0, reason="FUZZ_SECONDS=0")
def test_mutated_summaries_give_a_document_or_a_clear_error(tmp_path):
    artifacts = Path(os.environ.get("FUZZ_ARTIFACTS") or tmp_path)
    rng = random.Random(FUZZ_SEED)
    corpus = seeds()
    others = [data for _, data in corpus]
    for name, data in corpus:   # the seeds themselves load
        assert load_and_chunk(data, name) == "ok", name
    outcomes: collections.Counter = collections.Counter()
    by_kind: collections.Counter = collections.Counter()   # seed type: outcome
    slowest = (0.0, "")
    deadline = time.monotonic() + FUZZ_SECONDS
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        runs = 0
        while time.monotonic() < deadline:
            name, seed = rng.choice(corpus)
            kind = Path(name).suffix
            if rng.random() < 0.1:   # now and then under another extension: the bytes decide the type
                name = rng.choice(["summary.txt", "summary.pdf", "summary.docx", "summary"])
            if kind == ".docx" and rng.random() < 0.6:
                data = mutate_docx_part(rng, seed, others)
            else:
                data = mutate(rng, seed, others)
            runs += 1
            started = time.monotonic()
            future = pool.submit(load_and_chunk, data, name)
            try:
                outcome = future.result(timeout=FUZZ_CALL_SECONDS)
            except concurrent.futures.TimeoutError:
                path = artifacts / f"slow-{runs}-{name}"
                path.write_bytes(data)
                pool.shutdown(wait=False, cancel_futures=True)
                pytest.fail(f"load_document ran over {FUZZ_CALL_SECONDS} s on run {runs} (seed {FUZZ_SEED}); "
                            f"input saved to {path}")
            except Exception as error:
                path = artifacts / f"crash-{runs}-{name}"
                path.write_bytes(data)
                raise AssertionError(f"{type(error).__name__} on run {runs} (seed {FUZZ_SEED}), not a QAError; "
                                     f"input saved to {path}") from error
            seconds = time.monotonic() - started
            slowest = max(slowest, (seconds, f"run {runs} {name}"))
            outcomes[outcome] += 1
            by_kind[f"{kind}:{outcome}"] += 1
    print(f"\nfuzz: {runs} inputs in {FUZZ_SECONDS:g} s (seed {FUZZ_SEED}); slowest {slowest[0]:.2f} s ({slowest[1]}); "
          f"outcomes {dict(sorted(by_kind.items()))}")
    assert runs > 0 and outcomes["ok"] > 0, "no mutated input loaded at all: the mutations are too destructive"
    if runs > 300:
        assert by_kind[".pdf:ok"] and by_kind[".docx:ok"], \
            "mutated PDFs or DOCX never load: the parsers are not reached"
    assert len(outcomes) > 2, "every input failed the same way: the mutations do not reach the parsers"
