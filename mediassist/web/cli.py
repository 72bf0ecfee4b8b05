"""The `flask` commands: create-model, ingest, ask, documents and purge-expired."""
from __future__ import annotations

import re
from pathlib import Path

import click
import httpx
from flask import Flask
from flask.cli import with_appcontext

from errors import QAError

from .context import get_audit, get_rag, get_settings
from .owners import owner_for_key
from .retention import purge_by_rules, retention_rules


def init_app(app: Flask) -> None:
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
