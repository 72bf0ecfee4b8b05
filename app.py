"""The Flask app: the upload-and-ask page, the JSON API and the `flask` CLI commands.

This module only converts HTTP (and command lines) to and from rag_system calls.
Run: gunicorn -k gthread "app:create_app()"   or   flask --app app run
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid
from pathlib import Path

import click
import httpx
from flask import Blueprint, Flask, Response, current_app, render_template, request, session, stream_with_context
from flask.cli import with_appcontext
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from errors import BadRequest, InvalidQuestion, QAError, TooLarge, Unauthorized
from rag_system import RagSystem
from settings import Settings

log = logging.getLogger("mediassist.app")

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")
MULTIPART_OVERHEAD_BYTES = 64 * 1024

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
    )
    app.extensions["settings"] = settings
    app.extensions["rag"] = RagSystem.from_settings(settings)
    app.register_blueprint(bp)
    register_error_handlers(app)
    register_cli(app)
    app.after_request(add_security_headers)
    return app


def get_rag() -> RagSystem:
    return current_app.extensions["rag"]


def get_settings() -> Settings:
    return current_app.extensions["settings"]


def configure_logging(level: str) -> None:
    # Ids, sizes and timings only: no document text, question or answer is ever logged.
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("mediassist").setLevel(level)


def stored_secret_key(data_dir: Path) -> str:
    """Generated once and kept under DATA_DIR, so sessions survive restarts and are shared by workers."""
    path = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        try:
            with open(path, "x", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32))
            path.chmod(0o600)
        except FileExistsError:
            pass  # another worker wrote it first
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
        return owner_for_key(token)
    if "owner" not in session:
        session["owner"] = uuid.uuid4().hex
        session.permanent = True
    return "session:" + session["owner"]


def owner_for_key(key: str) -> str:
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:32]


# ---------------------------------------------------------------- routes

@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/health")
def health():
    return get_rag().health()


@bp.post("/api/documents")
def upload_document():
    owner = current_owner()
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("Send the discharge summary as multipart/form-data in the field 'file'.")
    data = upload.read()
    if len(data) > get_settings().max_upload_bytes:
        raise TooLarge(too_large_message())
    record = get_rag().ingest(data, upload.filename or "document", owner)
    return record.public(), 201


@bp.get("/api/documents")
def list_documents():
    return {"documents": [r.public() for r in get_rag().list_documents(current_owner())]}


@bp.get("/api/documents/<doc_id>")
def get_document(doc_id: str):
    return get_rag().get_document(current_owner(), doc_id).public()


@bp.get("/api/documents/<doc_id>/plan")
def document_plan(doc_id: str):
    return get_rag().plan(current_owner(), doc_id)


@bp.delete("/api/documents/<doc_id>")
def delete_document(doc_id: str):
    get_rag().delete_document(current_owner(), doc_id)
    return "", 204


@bp.post("/api/query")
def query():
    owner = current_owner()
    question, doc_ids, stream = read_query()
    rag = get_rag()
    # Checked before any byte is streamed, so these errors still get their 4xx status.
    if not rag.scope(owner, doc_ids):
        raise BadRequest("You have no documents yet: upload a discharge summary first, then ask.")
    if not stream:
        return rag.answer(question, owner, doc_ids)
    events = rag.answer_stream(question, owner, doc_ids)
    return Response(stream_with_context(server_sent_events(events)), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def read_query() -> tuple[str, list[str] | None, bool]:
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest('Send a JSON body like {"question": "When is my follow-up appointment?"}.')
    if not isinstance(body, dict):
        raise BadRequest("The JSON body must be an object with a 'question' field.")
    question = body.get("question")
    if not isinstance(question, str):
        raise BadRequest("'question' must be a string.")
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
    return question, doc_ids or None, stream


def server_sent_events(events):
    try:
        for event in events:
            kind = event.pop("type")
            yield f"event: {kind}\ndata: {json.dumps(event)}\n\n"
    except QAError as error:
        yield f"event: error\ndata: {json.dumps({'error': str(error)})}\n\n"
    except Exception:
        log.exception("query stream failed")
        yield f"event: error\ndata: {json.dumps({'error': 'Something went wrong while answering; please try again.'})}\n\n"


def too_large_message() -> str:
    return (f"The file is larger than the {get_settings().max_upload_mb:g} MB limit; "
            "upload the discharge summary alone, or a smaller export of it.")


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
    from modelfile import read_modelfile
    settings = get_settings()
    name = name or settings.llm_model
    spec = read_modelfile(modelfile)
    client = ollama.Client(host=settings.ollama_host, timeout=settings.llm_timeout)
    try:
        for progress in client.create(model=name, stream=True, **spec.create_kwargs()):
            click.echo(progress.status)
    except (ConnectionError, httpx.HTTPError, ollama.ResponseError) as error:
        raise click.ClickException(f"Could not create {name} on {settings.ollama_host}: {error}") from error
    click.echo(f"Created {name} from {spec.from_}. Try: ollama run {name}")


@click.command("ingest")
@with_appcontext
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@api_key_option
def ingest_command(paths: tuple[Path, ...], api_key: str | None):
    """Index discharge summaries (files or folders) from the command line."""
    files = [p for path in paths for p in (sorted(path.rglob("*")) if path.is_dir() else [path]) if p.is_file()]
    failed = 0
    for path in files:
        try:
            record = get_rag().ingest(path.read_bytes(), path.name, cli_owner(api_key))
            click.echo(f"{path}: {record.id} ({record.chunks} chunks; {', '.join(record.sections)})")
        except QAError as error:
            failed += 1
            click.echo(f"{path}: skipped: {error}", err=True)
    click.echo(f"{len(files) - failed} indexed, {failed} failed")


@click.command("ask")
@with_appcontext
@click.argument("question")
@click.option("--document", "doc_ids", multiple=True, help="Limit to these document ids.")
@api_key_option
def ask_command(question: str, doc_ids: tuple[str, ...], api_key: str | None):
    """Ask a question about the indexed summaries; the answer streams to the terminal."""
    try:
        for event in get_rag().answer_stream(question, cli_owner(api_key), list(doc_ids) or None):
            if event["type"] == "token":
                click.echo(event["text"], nl=False)
            elif event["type"] == "error":
                click.echo(f"\n{event['error']}", err=True)
            elif event["type"] == "done":
                click.echo("")
                for source in event["sources"]:
                    click.echo(f"  [{source['filename']} · {source['section']} · page {source['page']}]")
    except QAError as error:
        raise click.ClickException(str(error)) from error


@click.command("documents")
@with_appcontext
@api_key_option
def documents_command(api_key: str | None):
    """List the indexed documents."""
    for record in get_rag().list_documents(cli_owner(api_key)):
        click.echo(f"{record.id}  {record.uploaded_at}  {record.pages}p  {record.chunks} chunks  {record.filename}")
