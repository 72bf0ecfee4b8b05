"""Retention: documents older than RETENTION_HOURS (browser sessions) or KEY_RETENTION_HOURS (API keys and the
command line) are deleted by a sweeper thread, and by `flask purge-expired`."""
from __future__ import annotations

import logging
import threading
from typing import Callable

from flask import Flask

from audit import AuditLog
from rag_system import RagSystem
from settings import Settings

from .owners import is_browser_owner

log = logging.getLogger("mediassist.app")


def retention_rules(settings: Settings) -> list[tuple[float, Callable[[str], bool]]]:
    """(hours, whose documents): browser sessions by RETENTION_HOURS, API keys and the CLI by KEY_RETENTION_HOURS."""
    rules = [(settings.retention_hours, is_browser_owner),
             (settings.key_retention_hours, lambda owner: not is_browser_owner(owner))]
    return [(hours, owners) for hours, owners in rules if hours]


def purge_by_rules(rag: RagSystem, trail: AuditLog, rules, via: str | None = None) -> int:
    deleted = 0
    for hours, owners in rules:
        for record in rag.purge_expired(hours, owners=owners):
            trail.record("expire", record.owner, document_id=record.id, **({"via": via} if via else {}))
            deleted += 1
    return deleted


def start_retention_sweeper(app: Flask) -> threading.Event | None:
    """Delete expired documents now and then every so often (a daemon thread per process).
    Returns the event that stops it, or None when every document is kept."""
    settings, rag, trail = app.extensions["settings"], app.extensions["rag"], app.extensions["audit"]
    rules = retention_rules(settings)
    if not rules:
        return None
    interval = min(600.0, max(1.0, min(hours for hours, _ in rules) * 3600 / 4))
    stop = threading.Event()

    def sweep_until_stopped():
        while True:
            try:
                purge_by_rules(rag, trail, rules)
            except Exception:
                log.exception("retention sweep failed; will try again")
            if stop.wait(interval):
                return

    threading.Thread(target=sweep_until_stopped, name="retention-sweeper", daemon=True).start()
    app.extensions["retention_stop"] = stop
    return stop



def init_app(app: Flask) -> None:
    start_retention_sweeper(app)
