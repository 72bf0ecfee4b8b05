"""The page and the JSON API: upload, list, view, plan, calendar, delete, forget me, ask, health."""
from __future__ import annotations

import hashlib

from flask import Blueprint, Response, g, render_template, request, session, stream_with_context

from errors import BadRequest, NothingToExport, TooLarge
from settings import Settings

from .context import get_rag, get_settings
from .owners import current_owner
from .protection import too_large_message
from .queries import read_query, server_sent_events
from .trail import audit

bp = Blueprint("mediassist", __name__)


@bp.get("/")
def index():
    settings = get_settings()
    return render_template("index.html", emergency_number=settings.emergency_number,
                           crisis_line=settings.crisis_line, max_question_chars=settings.max_question_chars,
                           kept_where=where_files_are_kept(), kept_for=how_long_files_are_kept(settings))


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def where_files_are_kept() -> str:
    """'this computer' only when the browser reached the app by a loopback address, i.e. runs on the same machine."""
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    return "on this computer" if host in LOOPBACK_HOSTS else f"on the computer that runs this app ({request.host})"


def how_long_files_are_kept(settings: Settings) -> str:
    hours = settings.retention_hours
    if not hours:
        return "until you remove it"
    span = f"{hours / 24:g} days" if hours >= 48 and hours % 24 == 0 else f"{hours:g} hour{'s' * (hours != 1)}"
    return f"for {span}, then deleted; you can remove it sooner"


@bp.get("/health")
def health():
    body = get_rag().health()
    return body, 200 if body["status"] == "ok" else 503  # 503: the document index is unreachable


@bp.post("/api/documents")
def upload_document():
    audit("upload")
    owner = current_owner()
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("Send the discharge summary as multipart/form-data in the field 'file'.")
    data = upload.read()
    if len(data) > get_settings().max_upload_bytes:
        raise TooLarge(too_large_message())
    copy = get_rag().find_copy(owner, hashlib.sha256(data).hexdigest())
    if copy:   # the same file again: the document it already is, not a second one
        g.audit.update(document_id=copy.id, bytes=copy.size, duplicate=True)
        return {**copy.public(), "duplicate": True}, 200
    record = get_rag().ingest(data, upload.filename or "document", owner)
    g.audit.update(document_id=record.id, bytes=record.size)
    return {**record.public(), "duplicate": False}, 201


@bp.get("/api/documents")
def list_documents():
    audit("list")
    return {"documents": [r.public() for r in get_rag().list_documents(current_owner())]}


@bp.get("/api/documents/<doc_id>")
def get_document(doc_id: str):
    audit("view", document_id=doc_id)
    return get_rag().get_document(current_owner(), doc_id).public()


@bp.get("/api/documents/<doc_id>/plan")
def document_plan(doc_id: str):
    audit("plan", document_id=doc_id)
    return get_rag().plan(current_owner(), doc_id)


@bp.get("/api/documents/<doc_id>/plan.ics")
def document_calendar(doc_id: str):
    audit("calendar", document_id=doc_id)
    calendar = get_rag().plan_calendar(current_owner(), doc_id)
    if calendar is None:
        raise NothingToExport("Your summary gives no follow-up appointment with a date, so there is nothing to add "
                               "to a calendar. Check the plan for when to book one.")
    return Response(calendar, mimetype="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="follow-up-appointments.ics"'})


@bp.delete("/api/documents")
def delete_all_documents():
    """Forget me: every document of the caller (files, chunks, records); a browser session also ends."""
    audit("delete_all")
    deleted = get_rag().delete_all_documents(current_owner())
    g.audit.update(document_ids=[record.id for record in deleted])
    if not get_settings().api_keys:
        session.clear()
    return "", 204


@bp.delete("/api/documents/<doc_id>")
def delete_document(doc_id: str):
    audit("delete", document_id=doc_id)
    get_rag().delete_document(current_owner(), doc_id)
    return "", 204


@bp.post("/api/query")
def query():
    audit("query")
    owner = current_owner()
    question, doc_ids, stream, history = read_query()
    rag = get_rag()
    # Checked before any byte is streamed, so these errors still get their 4xx status.
    scope = rag.scope(owner, doc_ids)
    if not scope:
        raise BadRequest("You have no documents yet: upload a discharge summary first, then ask.")
    g.audit.update(document_ids=[record.id for record in scope], stream=stream)
    if not stream:
        return rag.answer(question, owner, doc_ids, history)
    events = rag.answer_stream(question, owner, doc_ids, history)
    return Response(stream_with_context(server_sent_events(events)), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
