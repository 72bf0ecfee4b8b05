"""The Flask app: the upload-and-ask page, the JSON API and the `flask` CLI commands (mediassist/web/).

create_app builds everything once from Settings: the RagSystem, the audit log, the routes, and each web part
through its init_app. Run: gunicorn -k gthread "app:create_app()"   or   flask --app app run
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask

from audit import AuditLog
from mediassist.web import cli, protection, retention, trail
from mediassist.web.cli import terminal_line
from mediassist.web.owners import BROWSER_OWNER_PREFIX, is_browser_owner, stored_secret_key
from mediassist.web.retention import purge_by_rules, retention_rules
from mediassist.web.routes import bp
from rag_system import RagSystem
from settings import Settings

# Names the tests and scripts import from the app.
__all__ = ["create_app", "stored_secret_key", "retention_rules", "purge_by_rules", "is_browser_owner",
           "BROWSER_OWNER_PREFIX", "terminal_line"]

MULTIPART_OVERHEAD_BYTES = 64 * 1024
DEFAULT_COOKIE_HOURS = 31 * 24  # Flask's own default, when browser documents are kept until deleted


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key or stored_secret_key(settings.data_dir),
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="mediassist_session",
        # the cookie lasts as long as the documents it opens
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.retention_hours or DEFAULT_COOKIE_HOURS),
    )
    app.extensions["settings"] = settings
    app.extensions["rag"] = RagSystem.from_settings(settings)
    app.extensions["audit"] = AuditLog(settings.audit_log_path)
    app.register_blueprint(bp)
    trail.init_app(app)
    protection.init_app(app)
    cli.init_app(app)
    retention.init_app(app)
    return app


def configure_logging(level: str) -> None:
    # Ids, sizes and timings only: no document text, question or answer is ever logged.
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("mediassist").setLevel(level)
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLevelName(level)))  # a line per Chroma call
