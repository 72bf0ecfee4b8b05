"""The audit trail of requests: which action, whose, on which document, with what status and how long."""
from __future__ import annotations

import re
import time

from flask import Flask, Response, g

from .context import get_audit

AUDITED_ID = re.compile(r"[0-9a-f]{32}")


def audit(action: str, document_id: str | None = None) -> None:
    """Mark this request for the audit trail; the entry is written once the response status is known."""
    g.audit = {"action": action}
    if document_id is not None:   # an id from the URL is logged only if it is shaped like one of ours
        g.audit["document_id"] = document_id if AUDITED_ID.fullmatch(document_id) else "(not an id)"


def start_timer() -> None:
    g.started = time.perf_counter()


def write_audit_entry(response: Response) -> Response:
    entry = g.pop("audit", None)
    if entry is not None:
        action = entry.pop("action")
        elapsed_ms = round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000)
        get_audit().record(action, g.get("owner"), status=response.status_code, ms=elapsed_ms, **entry)
    return response


def init_app(app: Flask) -> None:
    app.before_request(start_timer)
    app.after_request(write_audit_entry)
