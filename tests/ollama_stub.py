"""A small stand-in for the Ollama HTTP server, for tests and manual runs.

The real Ollama server cannot be installed everywhere the test-suite runs, so
this module serves the subset of Ollama's HTTP API that MediReportAssist uses,
with the same JSON shapes, well enough for the official ``ollama`` Python
client (0.6.x, which talks to the server through ``httpx``).  Standard library
only: ``http.server.ThreadingHTTPServer`` and ``json``.

Usage in a test::

    with OllamaStub(models={"llama3.2:latest", "mediassist:latest"}) as stub:
        client = ollama.Client(host=stub.url)
        stub.reply = lambda body: "You were discharged on 3 May."
        client.chat(model="mediassist", messages=[...])
        assert stub.requests[-1][0] == "/api/chat"

From a shell (foreground, Ctrl-C to stop)::

    python tests/ollama_stub.py --port 11434

Endpoints
---------
``GET /`` and ``HEAD /`` ("Ollama is running"), ``GET /api/version``,
``GET /api/tags``, ``GET /api/ps``, ``POST /api/show``, ``POST /api/chat``,
``POST /api/generate``, ``POST /api/create``, ``POST /api/pull``,
``POST /api/copy``, ``DELETE /api/delete``, ``HEAD``/``POST /api/blobs/<digest>``.
Any other path answers 404 ``{"error": "not found"}``; a body that is not a
JSON object answers 400 ``{"error": ...}``. A blob whose bytes do not hash to its
digest answers 400, and a create whose ``files`` or ``adapters`` name a digest
not uploaded first answers 400, as the real server does.

Streaming
---------
Streamed answers (``"stream"`` true, which is the server's default when the
field is absent; note the official client always sends it, ``False`` unless
asked) are ``application/x-ndjson`` sent with HTTP/1.1 chunked transfer
encoding, one chunk per JSON line, written to the socket as soon as each token
is "generated".  httpx therefore yields each line as it arrives.

What the official client raises (observed with ollama 0.6.3 / httpx 0.28)
-----------------------------------------------------------------------
* Unknown model, ``fail_status`` set, unknown ``from`` base in a
  non-streaming create, ``show``/``delete`` of an unknown model:
  ``ollama.ResponseError`` with ``.status_code`` equal to the HTTP status
  (404, 500, ...) and ``.error`` equal to the ``"error"`` text.  For
  ``stream=True`` calls the error is raised on the first iteration, not by
  the call itself.
* An ``{"error": ...}`` line inside a 200 stream (e.g. streaming create or
  pull from an unknown base): ``ollama.ResponseError`` with
  ``.status_code == -1``.
* ``drop_after_tokens`` on a streaming call: the tokens sent before the drop
  are yielded normally, then the next iteration raises
  ``httpx.RemoteProtocolError`` ("peer closed connection without sending
  complete message body: incomplete chunked read").  The client does not
  wrap it.  On a non-streaming call the connection is closed before any
  response is written and the call raises ``httpx.RemoteProtocolError``
  ("Server disconnected without sending a response.").
* Server not running (e.g. after ``stop()``): non-streaming calls raise the
  builtin ``ConnectionError`` (the client converts ``httpx.ConnectError``);
  streaming calls return a generator whose first ``next()`` raises
  ``httpx.ConnectError`` unconverted.
* ``delay_s`` longer than the client's timeout: ``httpx.ReadTimeout``
  (the client passes ``timeout=`` through to httpx and does not wrap it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import socket
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable

DEFAULT_REPLY = (
    "Based on your discharge summary, you were treated and are now well enough "
    "to go home. Please take your medicines as listed and contact your care team "
    "if you have any questions or your symptoms get worse."
)

STUB_VERSION = "0.0.0-stub"

_BASE_DETAILS = {
    "parent_model": "",
    "format": "gguf",
    "family": "llama",
    "families": ["llama"],
    "parameter_size": "3.2B",
    "quantization_level": "Q4_K_M",
}

_DEFAULT_TEMPLATE = (
    "{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n"
    "{{ .Content }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n"
)


def normalize_name(name: str) -> str:
    """Return ``name`` with the ``:latest`` tag added when it has no tag.

    A colon inside a host:port prefix (``host:5000/llama``) is not a tag.
    """
    name = (name or "").strip()
    last = name.rsplit("/", 1)[-1]
    if name and ":" not in last:
        return name + ":latest"
    return name


def split_tokens(text: str, chunk_words: int = 1) -> list[str]:
    """Split ``text`` into tokens of ``chunk_words`` words each.

    Whitespace stays attached (leading whitespace goes with the next word,
    trailing whitespace with the last token), so ``"".join(tokens) == text``.
    """
    if not text:
        return []
    words = re.findall(r"\s*\S+", text)
    tail = text[sum(len(w) for w in words):]
    if not words:
        return [text]
    if tail:
        words[-1] += tail
    n = max(1, int(chunk_words or 1))
    return ["".join(words[i:i + n]) for i in range(0, len(words), n)]


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def _format_param_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def _param_lines(parameters: dict | None) -> list[tuple[str, str]]:
    """(key, formatted value) pairs; list values give one pair per item."""
    pairs: list[tuple[str, str]] = []
    for key, value in (parameters or {}).items():
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            pairs.append((key, _format_param_value(item)))
    return pairs


class _StubError(Exception):
    """Answer the current request with ``status`` and ``{"error": message}``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class _Dropped(Exception):
    """The connection was closed on purpose (drop_after_tokens)."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, stub: "OllamaStub"):
        self.stub = stub
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stalls between header and body writes
    server_version = "OllamaStub/" + STUB_VERSION
    sys_version = ""
    server: _Server

    # -- plumbing --------------------------------------------------------

    def setup(self):
        super().setup()
        self.server.stub._track(self.connection, add=True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.stub._track(self.connection, add=False)

    def log_message(self, format, *args):  # noqa: A002 - signature from stdlib
        if self.server.stub.verbose:
            sys.stderr.write("ollama-stub: %s - %s\n" % (self.address_string(), format % args))

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts = []
            while True:
                size_line = self.rfile.readline()
                if not size_line:
                    break
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # trailers until blank line
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after chunk
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(self, status: int, obj: Any, *, head_only: bool = False):
        data = json.dumps(obj).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head_only:
            self.wfile.write(data)

    def _send_text(self, status: int, text: str, *, head_only: bool = False):
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head_only:
            self.wfile.write(data)

    def _send_empty(self, status: int):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _start_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def _stream_line(self, obj: Any):
        data = json.dumps(obj).encode("utf-8") + b"\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _end_stream(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _drop(self):
        """Close the connection abruptly, mid-response."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise _Dropped()

    # -- dispatch --------------------------------------------------------

    def do_HEAD(self):
        self._dispatch("HEAD")

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method: str):
        stub = self.server.stub
        path = self.path.split("?", 1)[0]
        raw = self._read_body()
        body: dict = {}
        parse_error = None
        if raw.strip() and not path.startswith("/api/blobs/"):
            try:
                body = json.loads(raw)
            except ValueError as exc:
                parse_error = f"invalid character in request body: {exc}"
                body = {}
            else:
                if not isinstance(body, dict):
                    parse_error = "json: cannot unmarshal into request object"
                    body = {}
        stub._record(path, body)
        self._raw = raw
        try:
            if parse_error is not None:
                raise _StubError(400, parse_error)
            route = {
                ("GET", "/"): self._root,
                ("HEAD", "/"): self._root,
                ("GET", "/api/version"): self._version,
                ("HEAD", "/api/version"): self._version,
                ("GET", "/api/tags"): self._tags,
                ("GET", "/api/ps"): self._ps,
                ("POST", "/api/show"): self._show,
                ("POST", "/api/chat"): self._chat,
                ("POST", "/api/generate"): self._generate,
                ("POST", "/api/create"): self._create,
                ("POST", "/api/pull"): self._pull,
                ("POST", "/api/copy"): self._copy,
                ("DELETE", "/api/delete"): self._delete,
            }.get((method, path))
            if route is None and path.startswith("/api/blobs/") and method in ("HEAD", "POST"):
                route = self._blob
            if route is None:
                raise _StubError(404, "not found")
            route(body, method)
        except _StubError as err:
            self._send_json(err.status, {"error": err.message}, head_only=(method == "HEAD"))
        except _Dropped:
            pass
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- simple endpoints ------------------------------------------------

    def _root(self, body, method):
        self._send_text(200, "Ollama is running", head_only=(method == "HEAD"))

    def _version(self, body, method):
        self._send_json(200, {"version": STUB_VERSION}, head_only=(method == "HEAD"))

    def _tags(self, body, method):
        stub = self.server.stub
        models = []
        for name in sorted(stub._known()):
            models.append({
                "name": name,
                "model": name,
                "modified_at": stub._modified_at(name),
                "size": 2019393189,
                "digest": _digest(name),
                "details": stub._details(name),
            })
        self._send_json(200, {"models": models})

    def _ps(self, body, method):
        stub = self.server.stub
        now = datetime.now(timezone.utc)
        models = []
        with stub._lock:
            loaded = dict(stub._loaded)
        for name, expires in sorted(loaded.items()):
            if expires < now or not stub.has_model(name):
                continue
            models.append({
                "name": name,
                "model": name,
                "size": 3617845248,
                "digest": _digest(name),
                "details": stub._details(name),
                "expires_at": expires.isoformat(),
                "size_vram": 3617845248,
                "context_length": 4096,
            })
        self._send_json(200, {"models": models})

    def _require_model_field(self, body) -> str:
        name = body.get("model") or body.get("name") or ""
        if not isinstance(name, str) or not name:
            raise _StubError(400, "model is required")
        return name

    def _show(self, body, method):
        stub = self.server.stub
        name = self._require_model_field(body)
        if not stub.has_model(name):
            raise _StubError(404, f"model '{name}' not found")
        self._send_json(200, stub._show_payload(normalize_name(name)))

    def _delete(self, body, method):
        stub = self.server.stub
        name = self._require_model_field(body)
        key = normalize_name(name)
        with stub._lock:
            found = [m for m in stub.models if normalize_name(m) == key]
            for m in found:
                stub.models.discard(m)
            stub.created.pop(key, None)
            stub._loaded.pop(key, None)
        if not found:
            raise _StubError(404, f"model '{name}' not found")
        self._send_empty(200)

    def _copy(self, body, method):
        stub = self.server.stub
        source = body.get("source") or ""
        dest = body.get("destination") or ""
        if not source or not dest:
            raise _StubError(400, "source and destination are required")
        if not stub.has_model(source):
            raise _StubError(404, f"model '{source}' not found")
        with stub._lock:
            stub.models.add(normalize_name(dest))
            if normalize_name(source) in stub.created:
                stub.created[normalize_name(dest)] = dict(stub.created[normalize_name(source)])
        self._send_empty(200)

    def _blob(self, body, method):
        stub = self.server.stub
        digest = self.path.split("?", 1)[0][len("/api/blobs/"):]
        if method == "HEAD":
            with stub._lock:
                exists = digest in stub._blobs
            self._send_empty(200 if exists else 404)
            return
        if digest != "sha256:" + hashlib.sha256(self._raw).hexdigest():
            raise _StubError(400, "digest mismatch")
        with stub._lock:
            stub._blobs.add(digest)
        self._send_empty(201)

    def _progress(self, body, lines: list[dict], error: str | None, error_status: int):
        """Answer create/pull: a status stream, or one object when not streaming."""
        if body.get("stream", True) is False:
            if error is not None:
                raise _StubError(error_status, error)
            self._send_json(200, {"status": "success"})
            return
        self._start_stream()
        for line in lines:
            self._stream_line(line)
        self._stream_line({"error": error} if error is not None else {"status": "success"})
        self._end_stream()

    def _pull(self, body, method):
        stub = self.server.stub
        name = self._require_model_field(body)
        if not stub.has_model(name):
            self._progress(body, [{"status": "pulling manifest"}],
                           "pull model manifest: file does not exist", 404)
            return
        digest = _digest(normalize_name(name))
        lines = [
            {"status": "pulling manifest"},
            {"status": f"pulling {digest[:12]}", "digest": f"sha256:{digest}",
             "total": 2019393189, "completed": 2019393189},
            {"status": "verifying sha256 digest"},
            {"status": "writing manifest"},
        ]
        self._progress(body, lines, None, 200)

    def _create(self, body, method):
        stub = self.server.stub
        name = self._require_model_field(body)
        base = body.get("from")
        if base and not stub.has_model(base):
            self._progress(body, [{"status": "pulling manifest"}],
                           f"pull model manifest: file does not exist (model '{base}' not found)",
                           404)
            return
        uploaded = {**(body.get("files") or {}), **(body.get("adapters") or {})}
        with stub._lock:
            missing = [name for name, digest in uploaded.items() if digest not in stub._blobs]
        if missing:
            raise _StubError(400, f"blob for {missing[0]} not found: upload it first")
        if not base and not body.get("files"):
            raise _StubError(400, "neither 'from' nor 'files' was specified")
        lines = []
        if base:
            lines.append({"status": f"using existing layer sha256:{_digest(normalize_name(base))}"})
        for field in ("template", "system", "parameters", "messages", "license"):
            if body.get(field):
                payload = json.dumps(body[field], sort_keys=True)
                lines.append({"status": f"creating new layer sha256:{_digest(field + payload)}"})
        lines.append({"status": "writing manifest"})
        key = normalize_name(name)
        with stub._lock:
            stub.created[key] = dict(body)
            stub.models.add(key)
            stub._modified[key] = _now_iso()
        self._progress(body, lines, None, 200)

    # -- generation ------------------------------------------------------

    def _check_generation(self, body) -> str:
        stub = self.server.stub
        if stub.fail_status:
            status = int(stub.fail_status)
            raise _StubError(status, f"stub: simulated failure (status {status})")
        name = self._require_model_field(body)
        if not stub.has_model(name):
            raise _StubError(404, f'model "{name}" not found, try pulling it first')
        return name

    def _chat(self, body, method):
        name = self._check_generation(body)
        messages = body.get("messages")
        if messages is not None and not isinstance(messages, list):
            raise _StubError(400, "messages must be a list")
        self._generation(body, name, chat=True, empty=not messages)

    def _generate(self, body, method):
        name = self._check_generation(body)
        self._generation(body, name, chat=False, empty=not body.get("prompt"))

    def _frame(self, name: str, chat: bool, text: str, done: bool) -> dict:
        frame: dict[str, Any] = {"model": name, "created_at": _now_iso()}
        if chat:
            frame["message"] = {"role": "assistant", "content": text}
        else:
            frame["response"] = text
        frame["done"] = done
        return frame

    def _generation(self, body, name: str, *, chat: bool, empty: bool):
        stub = self.server.stub
        started = time.monotonic_ns()
        stream = body.get("stream", True) is not False
        key = normalize_name(name)
        keep_alive = body.get("keep_alive")
        unload = keep_alive in (0, "0", "0s", "0m")

        with stub._lock:
            if unload:
                stub._loaded.pop(key, None)
            else:
                stub._loaded[key] = datetime.now(timezone.utc) + timedelta(minutes=5)

        if empty:
            # Real Ollama: an empty chat/prompt only loads (or unloads) the model.
            frame = self._frame(name, chat, "", True)
            frame["done_reason"] = "unload" if unload else "load"
            self._send_json(200, frame)
            return

        reply = stub.reply
        text = reply(body) if callable(reply) else reply
        text = "" if text is None else str(text)
        tokens = split_tokens(text, stub.chunk_words)
        done_reason = "stop"
        num_predict = (body.get("options") or {}).get("num_predict")
        if isinstance(num_predict, int) and num_predict >= 0 and len(tokens) > num_predict:
            tokens = tokens[:num_predict]
            done_reason = "length"
        drop_after = stub.drop_after_tokens
        delay = float(stub.delay_s or 0)
        token_delay = float(stub.token_delay_s or 0)

        if delay > 0 and stub._stopping.wait(delay):
            self._drop()

        if not stream:
            if drop_after is not None:
                self._drop()  # crash before any answer is written
            if token_delay > 0 and stub._stopping.wait(token_delay * len(tokens)):
                self._drop()
            frame = self._frame(name, chat, "".join(tokens), True)
            frame.update(self._stats(body, tokens, started, done_reason, chat))
            self._send_json(200, frame)
            return

        self._start_stream()
        for i, token in enumerate(tokens):
            if drop_after is not None and i >= drop_after:
                self._drop()
            if i and token_delay > 0 and stub._stopping.wait(token_delay):
                self._drop()
            self._stream_line(self._frame(name, chat, token, False))
        if drop_after is not None and len(tokens) >= drop_after:
            self._drop()
        if token_delay > 0 and tokens and stub._stopping.wait(token_delay):
            self._drop()
        final = self._frame(name, chat, "", True)
        final.update(self._stats(body, tokens, started, done_reason, chat))
        self._stream_line(final)
        self._end_stream()

    def _stats(self, body, tokens, started: int, done_reason: str, chat: bool) -> dict:
        if chat:
            prompt_text = " ".join(
                str(m.get("content") or "") for m in body.get("messages") or [] if isinstance(m, dict))
        else:
            prompt_text = f"{body.get('system') or ''} {body.get('prompt') or ''}"
        total = max(1, time.monotonic_ns() - started)
        stats = {
            "done_reason": done_reason,
            "total_duration": total,
            "load_duration": min(total, 1_000_000),
            "prompt_eval_count": max(1, len(prompt_text.split())),
            "prompt_eval_duration": 1_000_000,
            "eval_count": len(tokens),
            "eval_duration": max(1, total - 1_000_000),
        }
        if not chat and not body.get("raw"):
            stats["context"] = list(range(1, min(len(tokens), 8) + 1))
        return stats


class OllamaStub:
    """An in-process fake Ollama server on ``127.0.0.1``.

    Knobs (plain attributes; set them between requests):

    ``models``            set of model names the server knows; names without
                          a tag mean ``:latest``.
    ``reply``             the assistant text, or a callable that receives the
                          parsed request JSON and returns the text.
    ``chunk_words``       words per streamed token.
    ``drop_after_tokens`` stream this many tokens, then close the connection
                          without the final ``done`` line (``None``: off;
                          ``0``: headers only; a reply with fewer tokens
                          than this completes normally).  A non-streaming
                          request is cut before any response is written.
    ``delay_s``           sleep before the first token / the response.
    ``token_delay_s``     sleep between streamed tokens.
    ``fail_status``       answer every /api/chat and /api/generate with this
                          HTTP status and ``{"error": ...}`` (``None``: off).

    Records: ``requests`` — ``(path, parsed JSON body)`` for every request in
    arrival order (``{}`` for bodiless or unparseable ones); ``created`` —
    normalized model name -> the /api/create request body.
    """

    def __init__(self, models: Iterable[str] = ("mediassist:latest",), reply: str | Callable[[dict], str] = DEFAULT_REPLY,
                 chunk_words: int = 1, *, host: str = "127.0.0.1", port: int = 0, verbose: bool = False):
        self.models: set[str] = {normalize_name(m) for m in models}
        self.reply: str | Callable[[dict], str] = reply
        self.chunk_words = chunk_words
        self.drop_after_tokens: int | None = None
        self.delay_s: float = 0.0
        self.token_delay_s: float = 0.0
        self.fail_status: int | None = None
        self.requests: list[tuple[str, dict]] = []
        self.created: dict[str, dict] = {}
        self.verbose = verbose
        self.host = host
        self.port = port
        self.url: str = ""
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._loaded: dict[str, datetime] = {}
        self._modified: dict[str, str] = {}
        self._blobs: set[str] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._started_at = _now_iso()

    # -- lifecycle -------------------------------------------------------

    def _bind(self) -> _Server:
        self._stopping.clear()
        server = _Server((self.host, self.port), _Handler, self)
        self._server = server
        self.port = server.server_address[1]
        self.url = f"http://{self.host}:{self.port}"
        return server

    def start(self) -> "OllamaStub":
        """Bind a port (a free one unless ``port`` was given) and serve in a thread."""
        if self._server is not None:
            return self
        server = self._bind()
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"ollama-stub-{self.port}", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        """Serve in the calling thread until interrupted (used by the CLI)."""
        server = self._server or self._bind()
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            self._close_all()

    def stop(self):
        """Stop serving and cut every open connection (keep-alive ones included)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        self._close_all()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def _close_all(self):
        with self._lock:
            conns = list(self._connections)
            self._connections.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> "OllamaStub":
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- helpers for tests -----------------------------------------------

    def has_model(self, name: str) -> bool:
        key = normalize_name(name)
        with self._lock:
            return any(normalize_name(m) == key for m in self.models)

    def requests_to(self, path: str) -> list[dict]:
        """Bodies of the recorded requests to ``path``, oldest first."""
        with self._lock:
            return [body for p, body in self.requests if p == path]

    def reset(self):
        """Clear the failure knobs and the request log (models stay)."""
        with self._lock:
            self.drop_after_tokens = None
            self.delay_s = 0.0
            self.token_delay_s = 0.0
            self.fail_status = None
            self.requests.clear()

    # -- internals used by the handler -----------------------------------

    def _track(self, conn: socket.socket, add: bool):
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _record(self, path: str, body: dict):
        with self._lock:
            self.requests.append((path, body))

    def _known(self) -> set[str]:
        with self._lock:
            return {normalize_name(m) for m in self.models}

    def _modified_at(self, name: str) -> str:
        with self._lock:
            return self._modified.get(name, self._started_at)

    def _details(self, name: str) -> dict:
        details = dict(_BASE_DETAILS, families=list(_BASE_DETAILS["families"]))
        with self._lock:
            spec = self.created.get(normalize_name(name))
        if spec and spec.get("from"):
            details["parent_model"] = normalize_name(spec["from"])
        return details

    def _show_payload(self, name: str) -> dict:
        with self._lock:
            spec = dict(self.created.get(name) or {})
        base = normalize_name(spec["from"]) if spec.get("from") else name
        template = spec.get("template") or _DEFAULT_TEMPLATE
        system = spec.get("system")
        params = _param_lines(spec.get("parameters"))
        lines = [
            '# Modelfile generated by "ollama show"',
            "# To build a new Modelfile based on this, replace FROM with:",
            f"# FROM {name}",
            "",
            f"FROM {base}",
            f'TEMPLATE """{template}"""',
        ]
        if system:
            lines.append(f'SYSTEM """{system}"""')
        for key, value in params:
            lines.append(f"PARAMETER {key} {value}")
        for msg in spec.get("messages") or []:
            if isinstance(msg, dict):
                lines.append(f"MESSAGE {msg.get('role', 'user')} {msg.get('content', '')}")
        payload: dict[str, Any] = {
            "modelfile": "\n".join(lines) + "\n",
            "parameters": "\n".join(f"{k:<30} {v}" for k, v in params),
            "template": template,
            "details": self._details(name),
            "model_info": {
                "general.architecture": "llama",
                "general.parameter_count": 3212749888,
                "llama.context_length": 131072,
            },
            "capabilities": ["completion"],
            "modified_at": self._modified_at(name),
        }
        if system:
            payload["system"] = system
        if spec.get("license"):
            lic = spec["license"]
            payload["license"] = "\n".join(lic) if isinstance(lic, list) else lic
        if spec.get("messages"):
            payload["messages"] = spec["messages"]
        return payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Ollama stand-in server in the foreground.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11434)
    parser.add_argument("--models", default="llama3.2:latest,mediassist:latest",
                        help="comma-separated model names the server knows")
    parser.add_argument("--reply", default=DEFAULT_REPLY, help="assistant answer text")
    parser.add_argument("--chunk-words", type=int, default=1)
    parser.add_argument("--token-delay", type=float, default=0.03, help="seconds between streamed tokens")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before the first token")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    stub = OllamaStub(models=models, reply=args.reply, chunk_words=args.chunk_words,
                      host=args.host, port=args.port, verbose=not args.quiet)
    stub.token_delay_s = args.token_delay
    stub.delay_s = args.delay
    stub._bind()
    print(f"Ollama stub listening on {stub.url} (models: {', '.join(sorted(stub.models))})", flush=True)
    try:
        stub.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
