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

Layout: this module holds ``OllamaStub`` (knobs, request log, lifecycle) and
the command line; ``ollama_models`` the model registry and the endpoints that
manage models; ``ollama_protocol`` the HTTP handler, its encoding, and
/api/chat and /api/generate.

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
import socket
import sys
import threading
from typing import Callable, Iterable

if __package__:
    from .ollama_models import ModelRegistry, normalize_name
    from .ollama_protocol import STUB_VERSION, StubHandler, StubServer, split_tokens
else:  # run as a script (python tests/ollama_stub.py) or imported with tests/ on sys.path
    from ollama_models import ModelRegistry, normalize_name
    from ollama_protocol import STUB_VERSION, StubHandler, StubServer, split_tokens

__all__ = ["DEFAULT_REPLY", "STUB_VERSION", "OllamaStub", "main", "normalize_name", "split_tokens"]

DEFAULT_REPLY = (
    "Based on your discharge summary, you were treated and are now well enough "
    "to go home. Please take your medicines as listed and contact your care team "
    "if you have any questions or your symptoms get worse."
)


class OllamaStub(ModelRegistry):
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

    def __init__(self, models: Iterable[str] = ("mediassist:latest",),
                 reply: str | Callable[[dict], str] = DEFAULT_REPLY, chunk_words: int = 1, *,
                 host: str = "127.0.0.1", port: int = 0, verbose: bool = False):
        super().__init__(models)
        self.reply: str | Callable[[dict], str] = reply
        self.chunk_words = chunk_words
        self.drop_after_tokens: int | None = None
        self.delay_s: float = 0.0
        self.token_delay_s: float = 0.0
        self.fail_status: int | None = None
        self.requests: list[tuple[str, dict]] = []
        self.verbose = verbose
        self.host = host
        self.port = port
        self.url: str = ""
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: StubServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------

    def _bind(self) -> StubServer:
        self._stopping.clear()
        server = StubServer((self.host, self.port), StubHandler, self)
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

    # -- helpers for tests (and ``has_model``, from ModelRegistry) -------

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
