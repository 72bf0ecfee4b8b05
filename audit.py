"""The audit trail: who uploaded, asked about, viewed and deleted which document, by id only.

One JSON object per line in AUDIT_LOG (default DATA_DIR/audit.log). Entries carry the owner id (a random
session id or a hash of the API key), the action, document ids, the HTTP status and a duration; never a
file name, question, answer or any document text. Each entry is one append of one line, so several threads
and workers can share the file.
"""
from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path


class AuditLog:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def record(self, action: str, owner: str | None, **details) -> None:
        entry = {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "action": action,
                 "owner": owner, **details}
        line = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
