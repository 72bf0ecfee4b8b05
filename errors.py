"""One exception family. Each carries the HTTP status the API answers with.

Messages say what is wrong and what to do; they name files or fields, never patient text.
"""


class QAError(Exception):
    status = 400


class EmptyFile(QAError):
    status = 400


class UnsupportedFile(QAError):
    status = 415


class UnreadableDocument(QAError):
    """Corrupt, truncated, encrypted, or otherwise impossible to read."""
    status = 422


class NoTextFound(QAError):
    """The file has no text layer (a scan) or no text at all."""
    status = 422


class TooLarge(QAError):
    status = 413


class BadRequest(QAError):
    status = 400


class InvalidQuestion(QAError):
    status = 422


class DocumentNotFound(QAError):
    status = 404


class NothingToExport(QAError):
    """The document exists but holds nothing of the kind asked for (a calendar file with no dated follow-up)."""
    status = 404


class Unauthorized(QAError):
    status = 401


class ServiceUnavailable(QAError):
    status = 503
