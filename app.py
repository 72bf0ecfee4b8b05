"""The Flask app: the upload-and-ask page, the JSON API and the `flask` CLI commands.

This module only converts HTTP (and command lines) to and from rag_system calls.
Run: gunicorn -k gthread "app:create_app()"   or   flask --app app run
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Callable

import click
import httpx
from flask import Blueprint, Flask, Response, current_app, g, render_template, request, session, stream_with_context
from flask.cli import with_appcontext
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from audit import AuditLog
from mediassist.answering.followup import Turn
from errors import BadRequest, InvalidQuestion, NothingToExport, QAError, TooLarge, Unauthorized
from rag_system import RagSystem
from settings import Settings

log = logging.getLogger("mediassist.app")

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")
MULTIPART_OVERHEAD_BYTES = 64 * 1024
MAX_HISTORY_TURNS = 20          # a page may send the whole thread; more than this is not a conversation
USED_HISTORY_TURNS = 4          # the last few turns are what a follow-up can refer back to
MAX_HISTORY_ANSWER_CHARS = 20_000
BROWSER_OWNER_PREFIX = "session:"
DEFAULT_COOKIE_HOURS = 31 * 24  # Flask's own default, when browser documents are kept until deleted

bp = Blueprint("mediassist", __name__)


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
    register_error_handlers(app)
    register_cli(app)
    app.before_request(start_timer)
    app.after_request(write_audit_entry)
    app.after_request(add_security_headers)
    start_retention_sweeper(app)
    return app


def get_rag() -> RagSystem:
    return current_app.extensions["rag"]


def get_settings() -> Settings:
    return current_app.extensions["settings"]


def get_audit() -> AuditLog:
    return current_app.extensions["audit"]


def configure_logging(level: str) -> None:
    # Ids, sizes and timings only: no document text, question or answer is ever logged.
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("mediassist").setLevel(level)
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLevelName(level)))  # a line per Chroma call


def stored_secret_key(data_dir: Path) -> str:
    """Generated once and kept under DATA_DIR, so sessions survive restarts and are shared by workers.
    Written whole to a private temporary file, then linked into place: a worker starting at the same
    moment sees either no key file or the complete one, never an empty one."""
    path = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        draft = data_dir / f".secret_key.{uuid.uuid4().hex}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_hex(32).encode("ascii"))
        finally:
            os.close(fd)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another worker's key won
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()


# ---------------------------------------------------------------- who is asking

def current_owner() -> str:
    """Documents belong to an API key (when keys are configured) or else to a browser session."""
    keys = get_settings().api_keys
    if keys:
        header = request.headers.get("Authorization", "")
        token = header[len("Bearer "):].strip() if header.startswith("Bearer ") else ""
        if not any(secrets.compare_digest(token, key) for key in keys):
            raise Unauthorized("A valid API key is required: send 'Authorization: Bearer <key>'.")
        g.owner = owner_for_key(token)
        return g.owner
    if "owner" not in session:
        session["owner"] = uuid.uuid4().hex
        session.permanent = True
    g.owner = BROWSER_OWNER_PREFIX + session["owner"]
    return g.owner


def owner_for_key(key: str) -> str:
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:32]


# ---------------------------------------------------------------- routes

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


def read_query() -> tuple[str, list[str] | None, bool, list[Turn]]:
    try:
        body = request.get_json(silent=True)
    except RecursionError:   # nested thousands deep: silent=True only covers ValueError
        body = None
    if body is None:
        raise BadRequest('Send a JSON body like {"question": "When is my follow-up appointment?"}.')
    if not isinstance(body, dict):
        raise BadRequest("The JSON body must be an object with a 'question' field.")
    question = body.get("question")
    if not isinstance(question, str):
        raise BadRequest("'question' must be a string.")
    if has_lone_surrogate(question):
        raise BadRequest("'question' is not valid text (it holds an unpaired UTF-16 surrogate escape).")
    question = question.strip()
    if not question:
        raise InvalidQuestion("The question is empty: type what you want to know about your summary.")
    limit = get_settings().max_question_chars
    if len(question) > limit:
        raise InvalidQuestion(f"The question is too long ({len(question)} characters; the limit is {limit}).")
    doc_ids = body.get("document_ids")
    if doc_ids is not None and (not isinstance(doc_ids, list) or not all(isinstance(d, str) for d in doc_ids)):
        raise BadRequest("'document_ids' must be a list of document id strings.")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequest("'stream' must be true or false.")
    return question, doc_ids or None, stream, read_history(body.get("history"))


def read_history(history) -> list[Turn]:
    """The conversation so far, oldest first: at most MAX_HISTORY_TURNS turns are sent, the last few are used."""
    if history is None:
        return []
    if not isinstance(history, list) or len(history) > MAX_HISTORY_TURNS:
        raise BadRequest(f"'history' must be a list of at most {MAX_HISTORY_TURNS} earlier turns, "
                         'each {"question": "...", "answer": "..."}.')
    turns = []
    for n, turn in enumerate(history, start=1):
        if not isinstance(turn, dict) or not all(isinstance(turn.get(k), str) for k in ("question", "answer")):
            raise BadRequest(f'Turn {n} of \'history\' must be {{"question": "...", "answer": "..."}} '
                             'with text values.')
        if len(turn["question"]) > get_settings().max_question_chars or len(turn["answer"]) > MAX_HISTORY_ANSWER_CHARS:
            raise BadRequest(f"Turn {n} of 'history' is too long.")
        if has_lone_surrogate(turn["question"]) or has_lone_surrogate(turn["answer"]):
            raise BadRequest(f"Turn {n} of 'history' is not valid text.")
        turns.append(Turn(turn["question"].strip(), turn["answer"].strip()))
    return turns[-USED_HISTORY_TURNS:]


def has_lone_surrogate(text: str) -> bool:
    return not text.isascii() and any("\ud800" <= char <= "\udfff" for char in text)


def server_sent_events(events):
    try:
        for event in events:
            data = {key: value for key, value in event.items() if key != "type"}
            yield f"event: {event['type']}\ndata: {json.dumps(data)}\n\n"
    except QAError as error:
        yield f"event: error\ndata: {json.dumps({'error': str(error)})}\n\n"
    except Exception:
        log.exception("query stream failed")
        yield (f"event: error\ndata: "
               f"{json.dumps({'error': 'Something went wrong while answering; please try again.'})}\n\n")


def too_large_message() -> str:
    return (f"The file is larger than the {get_settings().max_upload_mb:g} MB limit; "
            "upload the discharge summary alone, or a smaller export of it.")


# ---------------------------------------------------------------- audit trail and retention

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


def is_browser_owner(owner: str) -> bool:
    return owner.startswith(BROWSER_OWNER_PREFIX)


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


# ---------------------------------------------------------------- errors and headers

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


# ---------------------------------------------------------------- command line

def register_cli(app: Flask) -> None:
    app.cli.add_command(create_model_command)
    app.cli.add_command(ingest_command)
    app.cli.add_command(ask_command)
    app.cli.add_command(documents_command)
    app.cli.add_command(purge_expired_command)


def cli_owner(api_key: str | None) -> str:
    return owner_for_key(api_key) if api_key else "cli"


api_key_option = click.option("--api-key", envvar="MEDIASSIST_CLI_KEY", default=None,
                              help="Act for this API key's owner (default: the local command-line owner).")


@click.command("create-model")
@with_appcontext
@click.option("--modelfile", default="Modelfile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="Model name (default: LLM_MODEL, i.e. mediassist).")
def create_model_command(modelfile: Path, name: str | None):
    """Create the mediassist model on Ollama (OLLAMA_HOST) from the Modelfile."""
    import ollama
    from modelfile import ModelfileError, create_arguments, read_modelfile
    settings = get_settings()
    name = name or settings.llm_model
    spec = read_modelfile(modelfile)
    client = ollama.Client(host=settings.ollama_host, timeout=settings.llm_timeout)
    try:
        arguments = create_arguments(spec, client, modelfile.parent)
        for progress in client.create(model=name, stream=True, **arguments):
            click.echo(progress.status)
    except (ConnectionError, httpx.HTTPError, ollama.ResponseError, ModelfileError) as error:
        raise click.ClickException(f"Could not create {name} on {settings.ollama_host}: {error}") from error
    click.echo(f"Created {name} from {spec.from_}. Try: ollama run {name}")


@click.command("ingest")
@with_appcontext
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@api_key_option
def ingest_command(paths: tuple[Path, ...], api_key: str | None):
    """Index discharge summaries (files or folders, recursively) for an owner, with a progress bar.

    Resumable: a file whose content is already indexed for that owner is skipped, so an interrupted run
    can simply be started again. Ends with what failed and why."""
    owner = cli_owner(api_key)
    files = [p for path in paths for p in (sorted(path.rglob("*")) if path.is_dir() else [path])
             if p.is_file() and not p.name.startswith(".")]
    counts = {"indexed": 0, "already indexed": 0, "failed": 0}
    failures: list[str] = []
    with click.progressbar(length=len(files), label="Indexing", file=click.get_text_stream("stderr"),
                           show_pos=True, show_eta=True) as bar:
        for result in get_rag().ingest_many(((str(p), p.read_bytes()) for p in files), owner):
            bar.update(1)
            if result.error:
                counts["failed"] += 1
                failures.append(f"{result.name}: {result.error}")
            elif result.already_indexed:
                counts["already indexed"] += 1
            else:
                counts["indexed"] += 1
                get_audit().record("upload", owner, document_id=result.record.id, bytes=result.record.size, via="cli")
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))
    for failure in failures:
        click.echo(f"failed: {failure}", err=True)
    if counts["failed"]:
        raise SystemExit(1)


@click.command("ask")
@with_appcontext
@click.argument("question")
@click.option("--document", "doc_ids", multiple=True, help="Limit to these document ids.")
@api_key_option
def ask_command(question: str, doc_ids: tuple[str, ...], api_key: str | None):
    """Ask a question about the indexed summaries; the answer streams to the terminal."""
    get_audit().record("query", cli_owner(api_key), document_ids=list(doc_ids), via="cli")
    pending = ""   # a line is printed once whole, so markup split across tokens is still removed
    try:
        for event in get_rag().answer_stream(question, cli_owner(api_key), list(doc_ids) or None):
            if event["type"] == "token":
                *lines, pending = (pending + event["text"]).split("\n")
                for line in lines:
                    click.echo(terminal_line(line))
            elif event["type"] == "error":
                click.echo(f"{terminal_line(pending)}\n{event['error']}", err=True)
                pending = ""
            elif event["type"] == "done":
                click.echo(terminal_line(pending))
                click.echo("Sources:")
                for source in event["sources"]:
                    click.echo(f"  {source['filename']}, {source['section']}, page {source['page']}")
    except QAError as error:
        raise click.ClickException(str(error)) from error


MARKUP = re.compile(r"\*\*|__|^#{1,6}\s+")


def terminal_line(line: str) -> str:
    """An answer line as plain text: no bold or heading marks ("**Medications**" -> "Medications")."""
    return MARKUP.sub("", line)


@click.command("documents")
@with_appcontext
@api_key_option
def documents_command(api_key: str | None):
    """List the indexed documents."""
    for record in get_rag().list_documents(cli_owner(api_key)):
        click.echo(f"{record.id}  {record.uploaded_at}  {record.pages}p  {record.chunks} chunks  {record.filename}")


@click.command("purge-expired")
@with_appcontext
@click.option("--hours", type=float, default=None,
              help="Delete every owner's documents older than this (default: RETENTION_HOURS and KEY_RETENTION_HOURS).")
def purge_expired_command(hours: float | None):
    """Delete expired documents (for a cron job; the app also does it itself)."""
    rules = [(hours, lambda owner: True)] if hours else retention_rules(get_settings())
    if not rules:
        raise click.ClickException("Give --hours, or set RETENTION_HOURS or KEY_RETENTION_HOURS above 0.")
    deleted = purge_by_rules(get_rag(), get_audit(), rules, via="cli")
    click.echo(f"{deleted} expired document(s) deleted")
