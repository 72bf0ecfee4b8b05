"""Faults with real components: a Chroma server that dies and comes back, an upload killed part-way, and many
users at once against a real gunicorn (including deleting a document while it is being asked about)."""
from __future__ import annotations

import collections
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import chromadb
import httpx
import pytest
from chromadb.config import Settings as ChromaSettings

from app import create_app
from rag_system import INDEX_UNREACHABLE
from settings import Settings
from tests.conftest import ask, free_port, parse_sse, run_threads, upload
from tests.servers import ChromaServer, Gunicorn

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROMPT = 5.0   # seconds: an outage must be answered at once, not after a hang


def summary(drug: str, doctor: str, diagnosis: str, course_days: int = 0) -> str:
    course = " ".join(f"On hospital day {n} the patient walked {n} laps of the ward and vital signs were stable."
                      for n in range(1, course_days + 1))
    return f"""DISCHARGE SUMMARY
Patient: Invented Person    Admitted: 01/10/2026    Discharged: 01/14/2026

Discharge Diagnosis:
{diagnosis}.

Hospital Course:
Treated and observed. {course}

Discharge Medications:
1. {drug} once daily by mouth.

Follow-up:
See {doctor} at the Harbor Clinic in 2 weeks.

When to return to the ER:
Return for chest pain, trouble breathing or fainting.
"""


# ---------------------------------------------------------------- what is on disk

def index_state(data_dir: Path) -> dict:
    """Document records, chunk counts per document and stored files, read straight from Chroma and the folder."""
    client = chromadb.PersistentClient(path=str(data_dir / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    documents = client.get_collection("documents", embedding_function=None).get(include=["metadatas"])
    chunks = client.get_collection("chunks", embedding_function=None).get(include=["metadatas"])
    uploads = data_dir / "uploads"
    return {"records": {i: int(m["chunks"]) for i, m in zip(documents["ids"], documents["metadatas"])},
            "chunks": dict(collections.Counter(m["doc_id"] for m in chunks["metadatas"])),
            "files": sorted(p.name for p in uploads.iterdir()) if uploads.is_dir() else []}


def assert_consistent(state: dict) -> None:
    """Every document is whole: a record, all of its chunks and its stored file; nothing else is there."""
    assert state["chunks"] == state["records"], f"chunks without a record, or a record without its chunks: {state}"
    assert sorted(f.split(".")[0] for f in state["files"]) == sorted(state["records"]), \
        f"stored files do not match the records: {state}"
    assert all(not f.endswith(".part") for f in state["files"]), state


# ---------------------------------------------------------------- 1. the Chroma server goes away

@pytest.fixture
def chroma_server(tmp_path):
    server = ChromaServer(tmp_path / "chroma-server", free_port())
    yield server
    server.kill()


def chroma_app(tmp_path, server: ChromaServer):
    settings = Settings(chroma_host="127.0.0.1", chroma_port=server.port, data_dir=tmp_path / "data",
                        llm_backend="extractive")
    return create_app(settings), settings


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def assert_unavailable(response, seconds: float) -> None:
    assert seconds < PROMPT, f"took {seconds:.1f} s"
    assert response.status_code == 503, (response.status_code, response.get_data(as_text=True))
    assert response.get_json()["error"] == INDEX_UNREACHABLE


def test_chroma_server_down_answers_503_everywhere_and_the_app_recovers(tmp_path, chroma_server):
    chroma_server.start()
    app, settings = chroma_app(tmp_path, chroma_server)
    client = app.test_client()
    angina = summary("Isosorbide mononitrate 30 mg", "Dr. Okafor", "Stable angina")
    created = upload(client, "angina.txt", angina.encode())
    assert created.status_code == 201, created.get_json()
    doc_id = created.get_json()["id"]
    assert "Isosorbide" in ask(client, "What pills do I take?").get_json()["answer"]

    chroma_server.kill()

    outage_upload = summary("Metformin 500 mg", "Dr. Lund", "Type 2 diabetes").encode()
    for call in (lambda: upload(client, "diabetes.txt", outage_upload),
                 lambda: client.get("/api/documents"),
                 lambda: client.get(f"/api/documents/{doc_id}"),
                 lambda: client.get(f"/api/documents/{doc_id}/plan"),
                 lambda: client.delete(f"/api/documents/{doc_id}"),
                 lambda: ask(client, "What pills do I take?"),
                 lambda: ask(client, "What pills do I take?", stream=True),
                 lambda: ask(client, "Can I drive?", document_ids=[doc_id], stream=True)):
        assert_unavailable(*timed(call))
    health, seconds = timed(lambda: client.get("/health"))
    assert_unavailable(health, seconds)
    body = health.get_json()
    assert body["status"] == "unavailable" and body["documents"] is None and body["llm"]["backend"] == "extractive"
    assert sorted(p.name for p in settings.uploads_dir.iterdir()) == [f"{doc_id}.txt"], "the failed upload left a file"

    chroma_server.start()  # same path, same port: the app was not restarted

    health = client.get("/health")
    assert health.status_code == 200 and health.get_json()["status"] == "ok" and health.get_json()["documents"] == 1
    assert [d["id"] for d in client.get("/api/documents").get_json()["documents"]] == [doc_id]
    assert "Dr. Okafor" in ask(client, "When is my follow-up?").get_json()["answer"]
    again = upload(client, "diabetes.txt", outage_upload)
    assert again.status_code == 201, again.get_json()
    assert "Metformin 500 mg" in ask(client, "What pills do I take?", document_ids=[again.get_json()["id"]]
                                     ).get_json()["answer"]
    assert client.delete(f"/api/documents/{doc_id}").status_code == 204
    assert sorted(p.name for p in settings.uploads_dir.iterdir()) == [f"{again.get_json()['id']}.txt"]


def test_app_starts_while_the_chroma_server_is_down_and_connects_when_it_is_up(tmp_path, chroma_server):
    app, settings = chroma_app(tmp_path, chroma_server)   # nothing listens on the port yet
    client = app.test_client()
    assert_unavailable(*timed(lambda: client.get("/health")))
    afib = summary("Warfarin 5 mg", "Dr. Hale", "Atrial fibrillation").encode()
    assert_unavailable(*timed(lambda: upload(client, "a.txt", afib)))
    assert not list(settings.uploads_dir.iterdir())

    chroma_server.start()

    assert client.get("/health").status_code == 200
    created = upload(client, "a.txt", afib)
    assert created.status_code == 201, created.get_json()
    assert "Warfarin 5 mg" in ask(client, "What pills do I take?").get_json()["answer"]


# ---------------------------------------------------------------- 2. an upload killed part-way

def store_counts(sqlite_path: Path) -> dict:
    """Rows each collection has in Chroma's write log, read without locking anything (0 before it exists)."""
    try:
        db = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True, timeout=0.05)
        try:
            rows = db.execute("SELECT c.name, COUNT(q.seq_id) FROM collections c LEFT JOIN embeddings_queue q "
                              "ON q.topic LIKE '%/' || c.id GROUP BY c.name").fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return {}
    return dict(rows)


def kill_ingest_at(data_dir: Path, path: Path, moment: str) -> None:
    """`flask ingest` in its own process, SIGKILLed as soon as 'file' (the stored file, or its .part, appeared),
    'chunks' (chunks are in Chroma's log) or 'record' (the document record is in) is seen."""
    env = {**os.environ, "DATA_DIR": str(data_dir), "UPLOAD_DIR": str(data_dir / "uploads"),
           "LLM_BACKEND": "extractive", "CHROMA_HOST": "", "RETENTION_HOURS": "",
           "OMP_NUM_THREADS": "1"}  # three of these run side by side on as few as 2 cores
    process = subprocess.Popen([str(BIN / "flask"), "--app", "app", "ingest", str(path)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    uploads, sqlite_path = data_dir / "uploads", data_dir / "chroma" / "chroma.sqlite3"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            stored = uploads.is_dir() and os.listdir(uploads)
            if stored and (moment == "file" or
                           store_counts(sqlite_path).get("chunks" if moment == "chunks" else "documents")):
                process.send_signal(signal.SIGKILL)
                return
            # The file comes a few ms before the chunks; the chunks tens of ms before the record.
            time.sleep(0.0005 if stored else 0.001 if moment == "file" else 0.005)
        if moment == "record" and process.poll() == 0:
            return   # it finished just before the kill
        raise AssertionError(f"the ingest ended before the kill: {process.stdout.read().decode(errors='replace')}")
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()


def stage(state: dict) -> str:
    """How far an upload got: 'file' (stored file only), 'chunks' (and its chunks, no record) or 'record'."""
    return "record" if state["records"] else "chunks" if state["chunks"] else "file" if state["files"] else "nothing"


def killed_ingest(tmp_path: Path, path: Path, moment: str, tries: int = 3) -> Path:
    """The data folder of an ingest killed at `moment`. A kill can land a stage late (the poll cannot read
    Chroma's database while it is being written), so a miss is tried again in a fresh folder."""
    for attempt in range(tries):
        data_dir = tmp_path / f"{moment}-{attempt}"
        kill_ingest_at(data_dir, path, moment)
        if stage(index_state(data_dir)) == moment:
            break
    return data_dir


def test_an_upload_killed_part_way_leaves_nothing_half_indexed(tmp_path):
    big = tmp_path / "long_stay.txt"
    big.write_text(summary("Apixaban 5 mg", "Dr. Brandt", "Pulmonary embolism", course_days=100))
    moments = ("file", "chunks", "record")
    # The three killed processes run side by side.
    data_dirs = dict(zip(moments, run_threads(lambda i: killed_ingest(tmp_path, big, moments[i]), len(moments))))

    left = {moment: index_state(data_dirs[moment]) for moment in moments}   # before anything cleans up
    assert {moment: stage(left[moment]) for moment in moments} == {m: m for m in moments}, f"the kills left {left}"
    assert len(left["file"]["files"]) == 1 and len(left["chunks"]["files"]) == 1
    assert_consistent(left["record"])

    for moment in moments:
        data_dir = data_dirs[moment]
        app = create_app(Settings(data_dir=data_dir, upload_dir=data_dir / "uploads", llm_backend="extractive"))
        rag = app.extensions["rag"]
        state = index_state(data_dir)
        assert_consistent(state)
        assert [r.id for r in rag.list_documents("cli")] == list(left[moment]["records"])
        result = app.test_cli_runner().invoke(args=["ingest", str(big)])
        # Run again, the ingest indexes the file, unless the killed one had finished it (then it is kept).
        finished = bool(left[moment]["records"])
        expected = "0 indexed, 1 already indexed" if finished else "1 indexed, 0 already indexed"
        assert result.exit_code == 0 and f"{expected}, 0 failed" in result.output, result.output
        assert len(rag.list_documents("cli")) == 1
        assert_consistent(index_state(data_dir))
        assert "Apixaban 5 mg" in rag.answer("What pills do I take?", "cli")["answer"]


# ---------------------------------------------------------------- 3. many users at once, and delete-while-asking

@pytest.fixture
def gunicorn(tmp_path):
    data = tmp_path / "data"
    server = Gunicorn("app", tmp_path / "logs", free_port(),
                      {"DATA_DIR": str(data), "UPLOAD_DIR": str(data / "uploads"), "LLM_BACKEND": "extractive",
                       "CHROMA_HOST": "", "RETENTION_HOURS": ""}, threads=8)
    server.wait_ready()
    yield server
    server.stop()


DRUGS = ("Lisinopril 10 mg", "Metformin 500 mg", "Warfarin 5 mg", "Furosemide 40 mg", "Levothyroxine 50 mcg",
         "Sertraline 50 mg", "Atorvastatin 40 mg", "Amlodipine 5 mg")
DOCTORS = ("Dr. Abara", "Dr. Berg", "Dr. Castellanos", "Dr. Dube", "Dr. Eriksen", "Dr. Fontaine", "Dr. Grieve",
           "Dr. Haddad")


def streamed_answer(http: httpx.Client, question: str, **extra) -> tuple[int, list]:
    response = http.post("/api/query", json={"question": question, "stream": True, **extra})
    if response.headers["content-type"].startswith("text/event-stream"):
        return response.status_code, parse_sse(response.text)
    return response.status_code, [("json", response.json())]


@pytest.mark.slow
def test_many_owners_at_once_and_deleting_while_asking(gunicorn, tmp_path):
    # Eight owners (browser sessions) upload and ask at the same time.
    def owner(i):
        with httpx.Client(base_url=gunicorn.url, timeout=120) as http:
            text = summary(DRUGS[i], DOCTORS[i], f"Condition number {i}")
            created = http.post("/api/documents", files={"file": (f"owner{i}.txt", text.encode(), "text/plain")})
            assert created.status_code == 201, created.text
            doc_id = created.json()["id"]
            for n in range(3):
                if n % 2:
                    status, events = streamed_answer(http, "What pills do I take?")
                    assert status == 200 and events[-1][0] == "done", events
                    answer = events[-1][1]
                else:
                    response = http.post("/api/query", json={"question": "What pills do I take?"})
                    assert response.status_code == 200, response.text
                    answer = response.json()
                assert {s["document_id"] for s in answer["sources"]} == {doc_id}
                assert DRUGS[i] in answer["answer"]
                assert not any(other in answer["answer"] for other in DRUGS if other != DRUGS[i])
            listed = http.get("/api/documents").json()["documents"]
            return doc_id, [d["id"] for d in listed], dict(http.cookies)

    results = run_threads(owner, len(DRUGS))
    doc_ids = [doc_id for doc_id, _, _ in results]
    assert len(set(doc_ids)) == len(DRUGS)
    for doc_id, listed, cookies in results:
        with httpx.Client(base_url=gunicorn.url, timeout=60, cookies=cookies) as http:
            assert http.get("/api/documents").json()["documents"] == [http.get(f"/api/documents/{doc_id}").json()]
            assert listed == [doc_id]
            others = [d for d in doc_ids if d != doc_id]
            assert http.get(f"/api/documents/{others[0]}").status_code == 404

    # One owner deletes a document while three other threads of the same owner keep asking about it.
    cookies = results[0][2]
    outcomes = collections.Counter()
    for round_ in range(3):
        with httpx.Client(base_url=gunicorn.url, timeout=60, cookies=cookies) as http:
            text = summary("Prednisone 20 mg", "Dr. Ito", "Asthma flare")
            created = http.post("/api/documents", files={"file": ("asthma.txt", text.encode(), "text/plain")})
            assert created.status_code == 201, created.text
            target = created.json()["id"]
        stop = threading.Event()

        def asker(i, target=target, stop=stop):
            # 0: asks about the document by id; 1: the same, streamed; 2: asks about all of the owner's documents
            scope = {"document_ids": [target]} if i < 2 else {}
            allowed_sources = {target, results[0][0]}
            with httpx.Client(base_url=gunicorn.url, timeout=60, cookies=cookies) as http:
                while not stop.is_set():
                    if i == 1:
                        status, events = streamed_answer(http, "What pills do I take?", **scope)
                        kind, last = events[-1]
                        assert status in (200, 400, 404) and (status == 200) == (kind != "json"), events
                        if kind == "error":   # deleted between the scope check and the retrieval
                            assert "No document with id" in last["error"], events
                        elif kind == "done":
                            assert {s["document_id"] for s in last["sources"]} <= allowed_sources
                        else:
                            assert kind == "json" and "error" in last, events
                        outcomes[f"stream {status} {kind}"] += 1
                        continue
                    response = http.post("/api/query", json={"question": "What pills do I take?", **scope})
                    assert response.status_code in (200, 400, 404), response.text
                    body = response.json()
                    if response.status_code == 200:
                        assert {s["document_id"] for s in body["sources"]} <= allowed_sources
                    else:
                        assert "error" in body
                    outcomes[f"query {response.status_code}"] += 1

        def deleter(i, target=target, stop=stop, round_=round_):
            if i < 3:
                return asker(i)
            try:
                time.sleep(0.3 + 0.2 * round_)
                with httpx.Client(base_url=gunicorn.url, timeout=60, cookies=cookies) as http:
                    assert http.delete(f"/api/documents/{target}").status_code == 204
                    assert http.get(f"/api/documents/{target}").status_code == 404
                time.sleep(0.5)
            finally:
                stop.set()

        run_threads(deleter, 4)

    assert outcomes["query 200"] and outcomes["query 404"], outcomes   # asked before and after the delete
    gunicorn.stop()
    log = gunicorn.log()
    assert "Traceback" not in log and "unexpected error" not in log and "query stream failed" not in log, log

    state = index_state(tmp_path / "data")
    assert_consistent(state)
    assert sorted(state["records"]) == sorted(doc_ids), "a document was lost, or a deleted one remains"
