"""Errors as JSON {"error": ...} with their status, never a stack trace; security headers on every response."""
from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from errors import QAError

from .context import get_settings

log = logging.getLogger("mediassist.app")

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")


def too_large_message() -> str:
    return (f"The file is larger than the {get_settings().max_upload_mb:g} MB limit; "
            "upload the discharge summary alone, or a smaller export of it.")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(QAError)
    def qa_error(error: QAError):
        return {"error": str(error)}, error.status

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        return {"error": too_large_message()}, 413

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return {"error": error.description}, error.code

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return {"error": "Something went wrong on our side; please try again."}, 500


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def init_app(app: Flask) -> None:
    register_error_handlers(app)
    app.after_request(add_security_headers)
