"""Which part of the evaluation a summary belongs to: "train" (tune on it) or "test" (report only).

The split is by document and stable: a summary is always in the same part, for the answers, the plan and any
other evaluation, so nothing tuned on one summary is ever scored on it.
"""
from __future__ import annotations

import hashlib

TEST_SHARE = 0.3


def document_split(document: str) -> str:
    bucket = int(hashlib.sha256(document.encode()).hexdigest(), 16) % 1000
    return "test" if bucket < TEST_SHARE * 1000 else "train"
