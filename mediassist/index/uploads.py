"""The uploads folder: each indexed file kept under its document id, written whole or not at all."""
from __future__ import annotations

import re
from pathlib import Path

STORED_NAME = re.compile(r"([0-9a-f]{32})\.(pdf|docx|txt)(\.part)?")  # what save() writes; nothing else is touched


class UploadFolder:
    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)

    def save(self, stored_name: str, data: bytes) -> None:
        final = self.path / stored_name
        partial = final.with_suffix(final.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(final)

    def remove(self, stored_name: str) -> None:
        for path in (self.path / stored_name, self.path / (stored_name + ".part")):
            path.unlink(missing_ok=True)

    def orphans(self, known_ids: set[str], cutoff: float) -> list[Path]:
        """Stored files of no known document, last written before `cutoff` (epoch seconds)."""
        found = []
        for path in self.path.iterdir():
            stored = STORED_NAME.fullmatch(path.name)
            if stored and stored.group(1) not in known_ids and path.stat().st_mtime <= cutoff:
                found.append(path)
        return found
