"""What a request reaches through the running app: its settings, its RagSystem and its audit log."""
from __future__ import annotations

from flask import current_app

from audit import AuditLog
from rag_system import RagSystem
from settings import Settings


def get_rag() -> RagSystem:
    return current_app.extensions["rag"]


def get_settings() -> Settings:
    return current_app.extensions["settings"]


def get_audit() -> AuditLog:
    return current_app.extensions["audit"]
