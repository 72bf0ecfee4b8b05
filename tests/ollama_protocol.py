"""HTTP side of the Ollama stand-in: the request handler that parses, routes and answers each request.

``StubHandler`` reads each request (plain or chunked body), records it on the ``OllamaStub``, routes it, and
answers in Ollama's shapes: one JSON object, or ``application/x-ndjson`` sent as HTTP/1.1 chunks, one chunk per
line, flushed as each token is "generated".  /api/chat and /api/generate live here (with the stub's failure
knobs); the model-management endpoints come from ``RegistryEndpoints`` in ollama_models.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if __package__:
    from .ollama_models import RegistryEndpoints, StubError, normalize_name, now_iso
else:  # tests/ is on sys.path (python tests/ollama_stub.py)
    from ollama_models import RegistryEndpoints, StubError, normalize_name, now_iso

if TYPE_CHECKING:
    from tests.ollama_stub import OllamaStub

STUB_VERSION = "0.0.0-stub"


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


class Dropped(Exception):
    """The connection was closed on purpose (drop_after_tokens)."""


class StubServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, stub: "OllamaStub"):
        self.stub = stub
        super().__init__(address, handler)


class StubHandler(RegistryEndpoints, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stalls between header and body writes
    server_version = "OllamaStub/" + STUB_VERSION
    sys_version = ""
    server: StubServer

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
        raise Dropped()

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
                raise StubError(400, parse_error)
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
                raise StubError(404, "not found")
            route(body, method)
        except StubError as err:
            self._send_json(err.status, {"error": err.message}, head_only=(method == "HEAD"))
        except Dropped:
            pass
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- simple endpoints ------------------------------------------------

    def _root(self, body, method):
        self._send_text(200, "Ollama is running", head_only=(method == "HEAD"))

    def _version(self, body, method):
        self._send_json(200, {"version": STUB_VERSION}, head_only=(method == "HEAD"))

    # -- generation ------------------------------------------------------

    def _check_generation(self, body) -> str:
        stub = self.server.stub
        if stub.fail_status:
            status = int(stub.fail_status)
            raise StubError(status, f"stub: simulated failure (status {status})")
        name = self._require_model_field(body)
        if not stub.has_model(name):
            raise StubError(404, f'model "{name}" not found, try pulling it first')
        return name

    def _chat(self, body, method):
        name = self._check_generation(body)
        messages = body.get("messages")
        if messages is not None and not isinstance(messages, list):
            raise StubError(400, "messages must be a list")
        self._generation(body, name, chat=True, empty=not messages)

    def _generate(self, body, method):
        name = self._check_generation(body)
        self._generation(body, name, chat=False, empty=not body.get("prompt"))

    def _frame(self, name: str, chat: bool, text: str, done: bool) -> dict:
        frame: dict[str, Any] = {"model": name, "created_at": now_iso()}
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
