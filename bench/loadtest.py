"""Bounded load test: concurrent patients against a real gunicorn (gthread) serving the app.

    .venv/bin/python -m bench.loadtest [--clients 20] [--seconds 120] [--auth cookie|key] [--threads 8]

Starts its own gunicorn on 127.0.0.1 (a free port, a fresh temporary DATA_DIR and UPLOAD_DIR,
LLM_BACKEND=extractive, the worker class of `make run`), waits for /health, then runs --clients
concurrent clients for --seconds. Each client is its own patient (its own session cookie jar, or with
--auth key its own API key): it uploads a discharge summary (tests/data/*.txt, and a PDF made from one
of them with fpdf2), then mostly asks questions (plain and streamed), and now and then uploads another
summary, lists its documents, fetches a plan, deletes an old document, or probes another patient's
document (which must answer 404 and must not be touched).

Every response is checked: status, JSON shape, that a client sees only its own documents (the list is
exactly what it uploaded and has not deleted; every source comes from one of its documents), and that
answers, plans and chunk counts are those of the summary it asked about. At the end, every client's
list, /health's document count, the uploads folder and the server log are checked too.

Prints a table (count, p50, p95, max per operation) and writes bench/loadtest_results.json.
Exits 1 when there was any error, 130 when interrupted.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]

from tests.builders import latin1_safe, make_pdf  # noqa: E402
from tests.servers import has_control_socket, stop_process, wait_until_ok  # noqa: E402

FIXTURES = ROOT / "tests" / "data"
PDF_FROM = "heart_failure.txt"       # the fixture also uploaded as a two-page PDF
MAX_DOCS = 3                         # per client: an upload beyond this becomes a delete of the oldest
DOC_ID = re.compile(r"[0-9a-f]{32}")

# (question, does each fixture summary answer it?)
QUESTIONS = (
    ("Which pills do I keep taking, and how much?", True),
    ("What medicines do I take at home and how often?", True),
    ("When is my follow-up appointment?", True),
    ("What can I eat?", True),
    ("Can I drive?", True),
    ("When should I go back to the emergency room?", True),
    ("What warning signs should I watch for?", True),
    ("What is my blood type?", False),
)

# Operation weights for each step of a client's loop.
WEIGHTS = {"query": 50, "query-stream": 25, "list": 7, "plan": 7, "upload": 5, "delete": 3, "probe": 3}
REPORT_ROWS = ("upload", "query", "query-stream ttfe", "query-stream total", "list", "plan", "delete", "probe")

ANSWER_KEYS = {"answer", "found", "sources", "backend", "model", "emergency"}
SOURCE_KEYS = {"document_id", "filename", "section", "page", "text", "score"}
PLAN_LISTS = ("medications", "follow_up", "tests", "diet", "activity", "wound_care", "warning_signs")
SERVER_TROUBLE = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b|WORKER TIMEOUT")


def normalise(text: str) -> str:
    return " ".join(latin1_safe(text).split())


def load_fixtures() -> dict[str, tuple[bytes, str]]:
    """name -> (file bytes, normalised text the sources must come from)."""
    files = {}
    for path in sorted(FIXTURES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        files[path.name] = (text.encode("utf-8"), normalise(text))
    text = (FIXTURES / PDF_FROM).read_text(encoding="utf-8")
    paragraphs = text.split("\n\n")
    half = len(paragraphs) // 2
    pdf = make_pdf(["\n\n".join(paragraphs[:half]), "\n\n".join(paragraphs[half:])])
    files[Path(PDF_FROM).with_suffix(".pdf").name] = (pdf, normalise(text))
    return files


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- the server

class Server:
    """gunicorn with the gthread worker, as `make run` starts it, on a fresh data folder."""

    def __init__(self, data_dir: Path, port: int, threads: int, timeout: int, api_keys: list[str]):
        self.url = f"http://127.0.0.1:{port}"
        self.data_dir = data_dir
        self.log_path = data_dir.parent / "gunicorn.log"
        env = {**os.environ, "DATA_DIR": str(data_dir), "UPLOAD_DIR": str(data_dir / "uploads"),
               "LLM_BACKEND": "extractive", "LOG_LEVEL": "INFO"}
        for name in ("CHROMA_HOST", "AUDIT_LOG", "RETENTION_HOURS"):
            env.pop(name, None)                 # the embedded store, audit log and no expiry, all in the fresh DATA_DIR
        env.pop("MEDIASSIST_API_KEYS", None)
        if api_keys:
            env["MEDIASSIST_API_KEYS"] = ",".join(api_keys)
        self.command = [str(Path(sys.executable).with_name("gunicorn")), "--worker-class", "gthread",
                        "--workers", "1", "--threads", str(threads), "--timeout", str(timeout),
                        "--graceful-timeout", "30", "--bind", f"127.0.0.1:{port}"]
        if has_control_socket():
            # gunicorn >= 27 opens ~/.gunicorn/gunicorn.ctl by default; keep off another instance's socket.
            self.command.append("--no-control-socket")
        self.command.append("app:create_app()")
        self.log = open(self.log_path, "wb")
        # Its own session: Ctrl-C reaches only this script, which then stops gunicorn gracefully.
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 180) -> None:
        wait_until_ok(self.url + "/health", self.process, timeout, "gunicorn", self.log_text)

    def stop(self) -> int | None:
        code = stop_process(self.process, timeout=40)
        self.log.close()
        return code

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")


# ---------------------------------------------------------------- what was seen

@dataclass
class Stats:
    timings: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    load_requests: int | None = None                 # requests until the clients stopped (final checks not counted)
    baselines: dict = field(default_factory=dict)   # (fixture, what) -> the first value seen

    def timing(self, op: str, ms: float) -> None:
        self.timings.setdefault(op, []).append(ms)

    def error(self, text: str) -> None:
        self.errors.append(text)

    def same_as_first(self, key: tuple, value) -> bool:
        """Deterministic results (chunk counts, plans, found) must be the same for every copy of a summary."""
        return self.baselines.setdefault(key, value) == value


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def short(response: httpx.Response) -> str:
    return f"HTTP {response.status_code} {response.text[:200]!r}"


# ---------------------------------------------------------------- one patient

class Patient:
    def __init__(self, number: int, base_url: str, api_key: str | None, fixtures: dict, registry: dict,
                 stats: Stats, rng: random.Random, request_timeout: float, think: float):
        self.number = number
        self.fixtures = fixtures
        self.registry = registry                  # patient number -> its live document ids (shared)
        self.docs: dict[str, str] = {}            # live document id -> fixture name, in upload order
        self.deleted: list[str] = []
        self.stats = stats
        self.rng = rng
        self.think = think
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.AsyncClient(
            base_url=base_url, headers=headers, timeout=request_timeout,
            # One connection, dropped before gunicorn's 2 s keep-alive would close it under us.
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=1.0))
        registry[number] = []

    async def run(self, deadline: float) -> None:
        try:
            await self.step("upload")
            while time.monotonic() < deadline:
                await self.step(self.pick())
                if self.think:
                    await asyncio.sleep(self.rng.uniform(0, self.think))
        finally:
            await self.http.aclose()

    def pick(self) -> str:
        op = self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        if not self.docs and op in ("query", "query-stream", "plan", "delete"):
            return "upload"
        if op == "upload" and len(self.docs) >= MAX_DOCS:
            return "delete"
        if op == "delete" and len(self.docs) < 2:
            return "query"
        return op

    async def step(self, op: str) -> None:
        try:
            await getattr(self, "op_" + op.replace("-", "_"))()
        except Exception as error:  # noqa: BLE001 - any failure is an error of this request, and the run goes on
            kind = "" if isinstance(error, CheckFailed) else f"{type(error).__name__}: "
            self.stats.error(f"patient {self.number} {op}: {kind}{error}")
            await self.resync()

    async def request(self, op: str, method: str, url: str, **kwargs) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self.http.request(method, url, **kwargs)
        finally:
            self.stats.requests += 1
        self.stats.timing(op, (time.perf_counter() - started) * 1000)
        return response

    async def resync(self) -> None:
        """After an error the client's idea of its documents may be wrong: take the server's, once."""
        try:
            response = await self.http.get("/api/documents")
            self.stats.requests += 1
            live = {d["id"]: d["filename"] for d in response.json()["documents"]}
            self.docs = {i: name for i, name in live.items() if name in self.fixtures}
            self.registry[self.number] = list(self.docs)
        except Exception:  # noqa: BLE001 - the error that led here is already counted
            pass

    # ------------------------------------------------------------ operations

    async def op_upload(self) -> None:
        name = self.rng.choice(sorted(self.fixtures)) if self.docs else \
            sorted(self.fixtures)[self.number % len(self.fixtures)]
        data = self.fixtures[name][0]
        mime = "application/pdf" if name.endswith(".pdf") else "text/plain"
        response = await self.request("upload", "POST", "/api/documents", files={"file": (name, data, mime)})
        held = [doc_id for doc_id, held_name in self.docs.items() if held_name == name]
        if held:   # the same file again is the document this patient already has, not a second one
            expect(response.status_code == 200, f"expected 200 (duplicate), got {short(response)}")
            body = response.json()
            expect(body.get("duplicate") is True and body.get("id") == held[0], f"duplicate answer {body}")
            return
        expect(response.status_code == 201, f"expected 201, got {short(response)}")
        body = response.json()
        expect(body.get("duplicate") is False, f"a first upload marked duplicate: {body}")
        expect(isinstance(body.get("id"), str) and DOC_ID.fullmatch(body["id"]) is not None, f"bad id in {body}")
        expect(body.get("filename") == name, f"filename {body.get('filename')!r} for {name}")
        expect(isinstance(body.get("chunks"), int) and body["chunks"] > 0, f"chunks {body.get('chunks')!r}")
        expect(body.get("pages") == (2 if name.endswith(".pdf") else 1), f"pages {body.get('pages')!r} for {name}")
        expect(isinstance(body.get("sections"), list) and body["sections"], f"sections {body.get('sections')!r}")
        expect(body["id"] not in self.docs and body["id"] not in self.deleted, f"id {body['id']} reused")
        self.docs[body["id"]] = name
        self.registry[self.number] = list(self.docs)
        expect(self.stats.same_as_first((name, "upload"), (body["chunks"], body["sections"])),
               f"{name}: chunks/sections {body['chunks']} {body['sections']} differ from an earlier upload "
               f"{self.stats.baselines[(name, 'upload')]}")

    def question(self) -> tuple[dict, str | None, bool]:
        question, answerable = self.rng.choice(QUESTIONS)
        payload = {"question": question}
        scope = None
        if self.rng.random() < 0.5:
            scope = self.rng.choice(list(self.docs))
            payload["document_ids"] = [scope]
        return payload, scope, answerable

    def check_answer(self, answer: dict, scope: str | None, answerable: bool) -> None:
        expect(isinstance(answer, dict) and ANSWER_KEYS <= set(answer), f"answer keys {sorted(answer)}")
        expect(isinstance(answer["answer"], str) and answer["answer"], "empty answer")
        expect(answer["found"] is answerable, f"found={answer['found']!r}, expected {answerable} "
                                              f"(scope {self.describe(scope)})")
        expect(answer["backend"] == "extractive" and answer["model"] is None,
               f"backend {answer['backend']!r} model {answer['model']!r}")
        expect(answer["emergency"] is False, "emergency notice for a question that is not one")
        expect(isinstance(answer["sources"], list), "sources is not a list")
        expect(bool(answer["sources"]) == answerable, f"{len(answer['sources'])} sources; found={answer['found']}")
        allowed = [scope] if scope else list(self.docs)
        for source in answer["sources"]:
            expect(isinstance(source, dict) and SOURCE_KEYS <= set(source), f"source keys {sorted(source)}")
            doc = source["document_id"]
            expect(doc in allowed, f"source from document {doc}, which is not "
                                   f"{'the one asked about' if scope else 'one of mine'} ({self.whose(doc)})")
            expect(source["filename"] == self.docs[doc], f"source filename {source['filename']!r} "
                                                          f"for my {self.docs[doc]}")
            expect(normalise(source["text"]) in self.fixtures[self.docs[doc]][1],
                   f"source text {source['text'][:60]!r} is not in my {self.docs[doc]}")

    def describe(self, scope: str | None) -> str:
        return self.docs[scope] if scope else "+".join(sorted(self.docs.values()))

    def whose(self, doc_id: str) -> str:
        owners = [n for n, docs in self.registry.items() if doc_id in docs]
        return f"live document of patient {owners[0]}" if owners else \
            "one of my deleted documents" if doc_id in self.deleted else "unknown"

    async def op_query(self) -> None:
        payload, scope, answerable = self.question()
        response = await self.request("query", "POST", "/api/query", json=payload)
        expect(response.status_code == 200, f"expected 200, got {short(response)}")
        self.check_answer(response.json(), scope, answerable)

    async def op_query_stream(self) -> None:
        payload, scope, answerable = self.question()
        payload["stream"] = True
        events: list[tuple[str, dict]] = []
        started = time.perf_counter()
        first_event = None
        try:
            async with self.http.stream("POST", "/api/query", json=payload) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise CheckFailed(f"expected 200, got {short(response)}")
                expect(response.headers.get("content-type", "").startswith("text/event-stream"),
                       f"content-type {response.headers.get('content-type')!r}")
                kind, data = None, None
                async for line in response.aiter_lines():
                    if line.startswith("event: "):
                        kind = line[len("event: "):]
                    elif line.startswith("data: "):
                        data = json.loads(line[len("data: "):])
                    elif not line and kind is not None:
                        if first_event is None:
                            first_event = time.perf_counter()
                        events.append((kind, data))
                        kind, data = None, None
                if kind is not None:
                    events.append((kind, data))
        finally:
            self.stats.requests += 1
        ended = time.perf_counter()
        if first_event is not None:
            self.stats.timing("query-stream ttfe", (first_event - started) * 1000)
        self.stats.timing("query-stream total", (ended - started) * 1000)
        kinds = [k for k, _ in events]
        expect(kinds and kinds[0] == "sources" and kinds[-1] == "done", f"event sequence {kinds[:3]}...{kinds[-2:]}")
        expect(set(kinds[1:-1]) <= {"token"}, f"unexpected events {sorted(set(kinds[1:-1]) - {'token'})}: "
                                              f"{[d for k, d in events if k == 'error'][:1]}")
        done = events[-1][1]
        self.check_answer(done, scope, answerable)
        expect(events[0][1].get("sources") == done["sources"], "the sources event differs from done's sources")
        expect("".join(d["text"] for k, d in events if k == "token") == done["answer"],
               "the streamed tokens do not add up to done's answer")

    async def op_list(self) -> None:
        response = await self.request("list", "GET", "/api/documents")
        expect(response.status_code == 200, f"expected 200, got {short(response)}")
        self.check_list(response.json())

    def check_list(self, body: dict) -> None:
        documents = body["documents"]
        expect(isinstance(documents, list), "documents is not a list")
        listed = {d["id"]: d["filename"] for d in documents}
        expect(len(listed) == len(documents), "a document is listed twice")
        extra, missing = set(listed) - set(self.docs), set(self.docs) - set(listed)
        expect(not extra and not missing,
               f"list mismatch: not mine {[(i, self.whose(i)) for i in extra]}, missing {sorted(missing)}")
        wrong = {i: n for i, n in listed.items() if n != self.docs[i]}
        expect(not wrong, f"listed filenames {wrong} differ from what was uploaded")

    async def op_plan(self) -> None:
        doc = self.rng.choice(list(self.docs))
        response = await self.request("plan", "GET", f"/api/documents/{doc}/plan")
        expect(response.status_code == 200, f"expected 200, got {short(response)}")
        plan = response.json()
        expect(plan.get("document_id") == doc and plan.get("filename") == self.docs[doc],
               f"plan of {plan.get('document_id')} {plan.get('filename')!r}, asked for {doc} {self.docs[doc]!r}")
        expect(all(isinstance(plan.get(k), list) for k in PLAN_LISTS), f"plan keys {sorted(plan)}")
        expect(plan["medications"], f"no medications in the plan of {self.docs[doc]}")
        content = {k: v for k, v in plan.items() if k not in ("document_id", "filename")}
        expect(self.stats.same_as_first((self.docs[doc], "plan"), content),
               f"the plan of {self.docs[doc]} differs from the one of an earlier copy")

    async def op_delete(self) -> None:
        doc = next(iter(self.docs))   # the oldest
        response = await self.request("delete", "DELETE", f"/api/documents/{doc}")
        expect(response.status_code == 204, f"expected 204, got {short(response)}")
        del self.docs[doc]
        self.deleted.append(doc)
        self.registry[self.number] = list(self.docs)

    async def op_probe(self) -> None:
        """Another patient's live document (or one of my deleted ones) must answer 404, and stay untouched."""
        others = [d for n, docs in self.registry.items() if n != self.number for d in docs]
        target = self.rng.choice(others) if others else \
            self.rng.choice(self.deleted) if self.deleted else uuid.uuid4().hex
        method, url, kwargs = self.rng.choice((
            ("GET", f"/api/documents/{target}", {}),
            ("GET", f"/api/documents/{target}/plan", {}),
            ("DELETE", f"/api/documents/{target}", {}),
            ("POST", "/api/query", {"json": {"question": QUESTIONS[0][0], "document_ids": [target]}}),
        ))
        response = await self.request("probe", method, url, **kwargs)
        expect(response.status_code == 404, f"{method} {url} of {self.whose(target)}: expected 404, "
                                             f"got {short(response)}")
        expect(isinstance(response.json().get("error"), str), f"404 without an error message: {response.text!r}")

    async def final_check(self) -> None:
        try:
            async with httpx.AsyncClient(base_url=str(self.http.base_url), headers=dict(self.http.headers),
                                         cookies=self.http.cookies, timeout=self.http.timeout) as http:
                response = await http.get("/api/documents")
                self.stats.requests += 1
                expect(response.status_code == 200, f"expected 200, got {short(response)}")
                self.check_list(response.json())
        except Exception as error:  # noqa: BLE001
            kind = "" if isinstance(error, CheckFailed) else f"{type(error).__name__}: "
            self.stats.error(f"patient {self.number} final list: {kind}{error}")


# ---------------------------------------------------------------- the run

async def run_clients(args, server: Server, api_keys: list[str], fixtures: dict, stats: Stats,
                      registry: dict) -> tuple[float, list[Patient]]:
    rng = random.Random(args.seed)
    patients = [Patient(n, server.url, api_keys[n] if api_keys else None, fixtures, registry, stats,
                        random.Random(rng.random()), args.request_timeout, args.think)
                for n in range(args.clients)]
    started = time.monotonic()
    deadline = started + args.seconds
    await asyncio.gather(*(p.run(deadline) for p in patients))
    elapsed = time.monotonic() - started
    stats.load_requests = stats.requests
    await asyncio.gather(*(p.final_check() for p in patients))
    return elapsed, patients


def check_server_state(server: Server, registry: dict, stats: Stats) -> None:
    live = sum(len(docs) for docs in registry.values())
    try:
        health = httpx.get(server.url + "/health", timeout=60)
        stats.requests += 1
        if health.status_code != 200 or health.json().get("documents") != live:
            stats.error(f"/health: {short(health)}, expected documents={live}")
    except httpx.HTTPError as error:
        stats.error(f"/health: {type(error).__name__}: {error}")
    stored = [p.name for p in (server.data_dir / "uploads").iterdir()]
    if len(stored) != live:
        stats.error(f"uploads folder holds {len(stored)} files for {live} live documents")


def check_server_log(text: str, fixtures: dict, stats: Stats) -> list[str]:
    trouble = [line for line in text.splitlines() if SERVER_TROUBLE.search(line)]
    for line in trouble[:5]:
        stats.error(f"server log: {line[:300]}")
    if len(trouble) > 5:
        stats.error(f"server log: {len(trouble) - 5} more lines like these")
    leaked = [q for q, _ in QUESTIONS if q in text] + [w for w in ("Furosemide", "Apixaban", "Levaquin") if w in text]
    if leaked:
        stats.error(f"server log carries patient text: {leaked[:3]}")
    return trouble


def report(args, stats: Stats, elapsed: float, server: Server, interrupted: bool) -> dict:
    rows = {}
    for op in REPORT_ROWS:
        times = stats.timings.get(op, [])
        rows[op] = {"count": len(times),
                    "p50_ms": round(percentile(times, 0.5), 1) if times else None,
                    "p95_ms": round(percentile(times, 0.95), 1) if times else None,
                    "max_ms": round(max(times), 1) if times else None}
    requests = stats.requests if stats.load_requests is None else stats.load_requests
    rate = requests / elapsed if elapsed else 0.0
    print()
    print(f"load test: {args.clients} clients, {args.seconds:g} s, auth={args.auth}, "
          f"gunicorn gthread 1 worker x {args.threads} threads{' (INTERRUPTED)' if interrupted else ''}")
    print(f"requests: {requests} in {elapsed:.1f} s = {rate:.1f} req/s (+{stats.requests - requests} final checks)"
          f"    errors: {len(stats.errors)}")
    print()
    print(f"{'operation':<20}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for op, row in rows.items():
        cells = [f"{row[k]:>10.1f}" if row[k] is not None else f"{'-':>10}" for k in ("p50_ms", "p95_ms", "max_ms")]
        print(f"{op:<20}{row['count']:>8}{''.join(cells)}")
    print("(ttfe: time to the first server-sent event; probe: another patient's document, must answer 404)")
    if stats.errors:
        print()
        print(f"first errors ({min(10, len(stats.errors))} of {len(stats.errors)}):")
        for text in stats.errors[:10]:
            print(f"  - {text}")
    return {
        "clients": args.clients, "seconds": args.seconds, "auth": args.auth, "threads": args.threads,
        "seed": args.seed, "interrupted": interrupted, "gunicorn": server.command[1:],
        "elapsed_s": round(elapsed, 2), "requests": requests, "requests_per_s": round(rate, 2),
        "final_check_requests": stats.requests - requests,
        "errors": len(stats.errors), "first_errors": stats.errors[:20], "operations": rows,
        "cpu_count": os.cpu_count(),
    }


def interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent patients (default 20)")
    parser.add_argument("--seconds", type=float, default=120, help="how long they keep asking (default 120)")
    parser.add_argument("--auth", choices=("cookie", "key"), default="cookie",
                        help="each patient is a session cookie jar, or its own MEDIASSIST_API_KEYS key")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn gthread threads (default 8, as make run)")
    parser.add_argument("--timeout", type=int, default=300, help="gunicorn worker timeout (default 300, as make run)")
    parser.add_argument("--request-timeout", type=float, default=120, help="client timeout per request, s")
    parser.add_argument("--think", type=float, default=0.2, help="most seconds a patient waits between requests")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "loadtest_results.json")
    parser.add_argument("--keep-data", action="store_true", help="keep the data folder and gunicorn.log")
    args = parser.parse_args()
    if args.clients < 1 or args.seconds <= 0:
        parser.error("--clients and --seconds must be positive")

    # SIGTERM (e.g. a killed make) ends the run like Ctrl-C: clients stop, gunicorn is stopped, partial report.
    signal.signal(signal.SIGTERM, interrupt)
    fixtures = load_fixtures()
    api_keys = [f"loadtest-{n}-{uuid.uuid4().hex}" for n in range(args.clients)] if args.auth == "key" else []
    tmp = Path(tempfile.mkdtemp(prefix="mediassist-loadtest-"))
    stats, registry = Stats(), {}
    server = Server(tmp / "data", free_port(), args.threads, args.timeout, api_keys)
    elapsed, interrupted = 0.0, False
    try:
        print(f"gunicorn on {server.url}, data in {tmp}; waiting for /health ...", flush=True)
        started = time.monotonic()
        server.wait_ready()
        print(f"ready after {time.monotonic() - started:.1f} s; {args.clients} patients for {args.seconds:g} s ...",
              flush=True)
        run_started = time.monotonic()
        try:
            elapsed, _ = asyncio.run(run_clients(args, server, api_keys, fixtures, stats, registry))
            check_server_state(server, registry, stats)
        except KeyboardInterrupt:
            interrupted = True
            elapsed = time.monotonic() - run_started
            print("\ninterrupted: stopping gunicorn", flush=True)
    except KeyboardInterrupt:
        interrupted = True
    except Exception as error:  # noqa: BLE001 - reported, counted, and gunicorn still stopped below
        stats.error(f"load test aborted: {type(error).__name__}: {error}")
    finally:
        code = server.stop()
        if code not in (0, None) and not interrupted:
            stats.error(f"gunicorn exited with {code} when stopped")
        check_server_log(server.log_path.read_text(encoding="utf-8", errors="replace"), fixtures, stats)
        if args.keep_data:
            print(f"kept {tmp} (gunicorn.log, data/)")
        else:
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)

    results = report(args, stats, elapsed, server, interrupted)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.results.relative_to(ROOT) if args.results.is_relative_to(ROOT) else args.results}")
    if interrupted:
        return 130
    return 1 if stats.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
