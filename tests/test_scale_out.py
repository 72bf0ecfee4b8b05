"""Scale-out: one Chroma server (`chroma run`) shared by two app machines, each a gunicorn with two workers, all
on one DATA_DIR and UPLOAD_DIR (the shared volume). Browser sessions use one machine, API-key callers the other
(MEDIASSIST_API_KEYS is all or nothing per deployment).

Each test holds one keep-alive connection to each worker of its machine (found by asking /health until both
worker pids have answered; which pid served a request is read from gunicorn's access log), so it can upload
through one worker and list, read, ask about and delete through the other, and then check in the access log
that every request was served by the worker it was sent to."""
from __future__ import annotations

import collections
import itertools
import re
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, parse_sse, run_threads
from tests.servers import ChromaServer, Gunicorn
from tests.test_faults import summary

pytestmark = pytest.mark.slow

API_KEYS = ("k-north-5c1e9a", "k-south-77b02f")
SERVER_TROUBLE = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b|WORKER TIMEOUT")
SEQ = itertools.count(1)   # every request's X-Test-Seq, unique across the module


@dataclass
class Cluster:
    chroma: ChromaServer
    sessions: Gunicorn     # no API keys: callers are browser sessions
    keys: Gunicorn         # MEDIASSIST_API_KEYS set
    data_dir: Path
    upload_dir: Path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scale-out")
    shared = tmp / "shared"                 # the volume every app machine mounts
    chroma = ChromaServer(tmp / "chroma-server", free_port())
    machines: list[Gunicorn] = []
    try:
        chroma.start()
        env = {"DATA_DIR": str(shared / "data"), "UPLOAD_DIR": str(shared / "uploads"),
               "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma.port), "LLM_BACKEND": "extractive",
               "LOG_LEVEL": "INFO", "OMP_NUM_THREADS": "1",   # four workers on as few as 2 cores
               "SECRET_KEY": None, "MEDIASSIST_API_KEYS": None, "AUDIT_LOG": None, "RETENTION_HOURS": None}
        # Both machines start at once on an empty DATA_DIR: their four workers race to create the secret key.
        machines.append(Gunicorn("sessions", tmp / "logs", free_port(), env, workers=2))
        machines.append(Gunicorn("keys", tmp / "logs", free_port(), {**env, "MEDIASSIST_API_KEYS": ",".join(API_KEYS)},
                                 workers=2))
        for machine in machines:
            machine.wait_ready()
        yield Cluster(chroma, machines[0], machines[1], shared / "data", shared / "uploads")
    finally:
        for machine in machines:
            machine.process.terminate()   # both at once: a master takes a few seconds to wind down
        for machine in machines:
            machine.stop()
        chroma.stop()


# ---------------------------------------------------------------- talking to one worker at a time

class Worker:
    """One keep-alive connection, which stays with the gunicorn worker that accepted it."""

    def __init__(self, machine: Gunicorn, pid: int, client: httpx.Client):
        self.machine, self.pid, self.client = machine, pid, client
        self.sent: list[str] = []   # X-Test-Seq of every request sent through this connection

    def send(self, method: str, url: str, caller: "Caller", **kwargs) -> httpx.Response:
        seq = str(next(SEQ))
        headers = {"X-Test-Seq": seq, **({"Authorization": f"Bearer {caller.key}"} if caller.key else {})}
        self.client.cookies.clear()   # the connection is shared by callers: only this caller's cookies go out
        request = self.client.build_request(method, url, headers=headers, **kwargs)
        caller.cookies.set_cookie_header(request)
        response = self.client.send(request)
        caller.cookies.extract_cookies(response)
        self.sent.append(seq)
        return response

    def __repr__(self) -> str:
        return f"<{self.machine.name} worker {self.pid}>"


def pin_workers(machine: Gunicorn, timeout: float = 90) -> tuple[Worker, Worker]:
    """A connection to each of the machine's two workers. New connections go to whichever worker accepts
    first; one that lands on a worker already held is closed and another is tried (the second worker may
    still be loading the embedding model when the first already answers)."""
    workers: dict[int, Worker] = {}
    deadline = time.monotonic() + timeout
    while len(workers) < 2:
        assert time.monotonic() < deadline, f"only workers {sorted(workers)} of {machine.name} ever answered"
        client = httpx.Client(base_url=machine.url, timeout=60,
                              limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
        seq = str(next(SEQ))
        assert client.get("/health", headers={"X-Test-Seq": seq}).status_code == 200
        pid = machine.served_by(seq)
        if pid in workers:
            client.close()
            time.sleep(0.05)
        else:
            workers[pid] = Worker(machine, pid, client)
    assert set(workers) == machine.worker_pids(), "the pids that answered are not the machine's two workers"
    return tuple(workers.values())


@pytest.fixture
def workers(request, cluster):
    """The two workers of the machine a test names: @pytest.mark.parametrize("workers", ["sessions"], indirect=True)."""
    machine = getattr(cluster, request.param)
    pinned = pin_workers(machine)
    yield pinned
    for worker in pinned:
        worker.client.close()


class Caller:
    """A patient: a browser session (its own cookie jar) or an API client (its key)."""

    def __init__(self, name: str, key: str | None = None):
        self.name, self.key, self.cookies = name, key, httpx.Cookies()

    def upload(self, via: Worker, name: str, text: str) -> httpx.Response:
        return via.send("POST", "/api/documents", self, files={"file": (name, text.encode(), "text/plain")})

    def list(self, via: Worker) -> list[str]:
        response = via.send("GET", "/api/documents", self)
        assert response.status_code == 200, (self.name, via, response.text)
        return [d["id"] for d in response.json()["documents"]]

    def get(self, via: Worker, doc_id: str) -> httpx.Response:
        return via.send("GET", f"/api/documents/{doc_id}", self)

    def plan(self, via: Worker, doc_id: str) -> httpx.Response:
        return via.send("GET", f"/api/documents/{doc_id}/plan", self)

    def ask(self, via: Worker, question: str, **extra) -> httpx.Response:
        return via.send("POST", "/api/query", self, json={"question": question, **extra})

    def ask_streamed(self, via: Worker, question: str, **extra) -> list[tuple[str, dict]]:
        response = self.ask(via, question, stream=True, **extra)
        assert response.status_code == 200, (self.name, via, response.text)
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-accel-buffering"] == "no"
        return parse_sse(response.text)

    def delete(self, via: Worker, doc_id: str) -> httpx.Response:
        return via.send("DELETE", f"/api/documents/{doc_id}", self)

    def __repr__(self) -> str:
        return self.name


@dataclass
class Upload:
    owner: Caller
    via: Worker        # the worker that indexed it
    other: Worker      # the one that did not
    text: str
    drug: str
    doctor: str
    id: str = ""


# ---------------------------------------------------------------- the flow, through both workers

def upload_everywhere(uploads: list[Upload]) -> None:
    for up in uploads:
        created = up.owner.upload(up.via, f"{up.owner.name}-{up.drug.split()[0].lower()}.txt", up.text)
        assert created.status_code == 201, (up.owner, up.via, created.text)
        assert created.json()["duplicate"] is False
        up.id = created.json()["id"]


def check_reads_through_the_other_worker(up: Upload, everyone: list[Caller], uploads: list[Upload]) -> None:
    """What one worker indexed, the other lists, shows, plans and answers from, for its owner only."""
    own = {u.id for u in uploads if u.owner is up.owner}
    for worker in (up.other, up.via):
        assert sorted(up.owner.list(worker)) == sorted(own), (up.owner, worker)
    got = up.owner.get(up.other, up.id)
    assert got.status_code == 200 and got.json()["id"] == up.id, got.text
    plan = up.owner.plan(up.other, up.id)
    assert plan.status_code == 200, plan.text
    assert [m["name"] for m in plan.json()["medications"]] == [up.drug.split()[0]], plan.json()["medications"]

    answer = up.owner.ask(up.other, "What pills do I take?", document_ids=[up.id])
    assert answer.status_code == 200, answer.text
    assert up.drug in answer.json()["answer"] and {s["document_id"] for s in answer.json()["sources"]} == {up.id}
    events = up.owner.ask_streamed(up.other, "When is my follow-up?", document_ids=[up.id])
    assert [kind for kind, _ in events][0] == "sources" and events[-1][0] == "done", events
    assert up.doctor in events[-1][1]["answer"] and {s["document_id"] for s in events[-1][1]["sources"]} == {up.id}
    everything = up.owner.ask(up.via, "What pills do I take?")   # all of the owner's documents
    assert everything.status_code == 200 and {s["document_id"] for s in everything.json()["sources"]} <= own

    again = up.owner.upload(up.other, "same-file-again.txt", up.text)   # the same bytes, through the other worker
    assert again.status_code == 200 and again.json()["duplicate"] is True and again.json()["id"] == up.id, again.text

    for stranger in (c for c in everyone if c is not up.owner):
        for worker in (up.via, up.other):
            assert up.id not in stranger.list(worker)
            for response in (stranger.get(worker, up.id), stranger.plan(worker, up.id),
                             stranger.ask(worker, "What pills do I take?", document_ids=[up.id])):
                assert response.status_code == 404, (stranger, worker, response.text)
        assert stranger.delete(up.other, up.id).status_code == 404


def ask_all_at_once(machine: Gunicorn, callers: list[Caller], uploads: list[Upload]) -> collections.Counter:
    """Every caller asks about each of its documents three times, all callers at once, each request on a new
    connection (whichever worker accepts it answers). Returns how many of these requests each worker served."""
    sent: list[str] = []

    def patient(caller: Caller) -> None:
        own = {u.id: u.drug for u in uploads if u.owner is caller}
        headers = {"Authorization": f"Bearer {caller.key}"} if caller.key else {}
        with httpx.Client(base_url=machine.url, timeout=60, cookies=caller.cookies, headers=headers,
                          limits=httpx.Limits(max_keepalive_connections=0)) as http:
            for doc_id, drug in [*own.items()] * 3:
                sent.append(str(next(SEQ)))
                response = http.post("/api/query", json={"question": "What pills do I take?",
                                                         "document_ids": [doc_id]},
                                     headers={"X-Test-Seq": sent[-1]})
                assert response.status_code == 200, response.text
                assert drug in response.json()["answer"]

    run_threads(lambda i: patient(callers[i]), len(callers))
    machine.served_by(max(sent, key=int))
    served = machine.served()
    return collections.Counter(served[seq][0] for seq in sent if seq in served)


def delete_through_the_other_worker(uploads: list[Upload]) -> None:
    for up in uploads:
        assert up.owner.delete(up.other, up.id).status_code == 204
        for worker in (up.via, up.other):
            assert up.id not in up.owner.list(worker)
            assert up.owner.get(worker, up.id).status_code == 404
        assert up.owner.ask(up.via, "What pills do I take?", document_ids=[up.id]).status_code == 404
        assert up.owner.delete(up.via, up.id).status_code == 404


def assert_nothing_left(cluster: Cluster, uploads: list[Upload]) -> None:
    """Straight from the Chroma server and the shared folder: no record, chunk or file of any deleted document."""
    ids = [up.id for up in uploads]
    client = cluster.chroma.client()
    documents = client.get_collection("documents", embedding_function=None)
    chunks = client.get_collection("chunks", embedding_function=None)
    assert documents.get(ids=ids)["ids"] == []
    assert chunks.get(where={"doc_id": {"$in": ids}}, include=[])["ids"] == []
    left = [p.name for p in cluster.upload_dir.iterdir() if p.name.split(".")[0] in ids or p.suffix == ".part"]
    assert left == [], f"files of deleted documents are still in UPLOAD_DIR: {left}"


def assert_each_worker_served_what_it_was_sent(machine: Gunicorn, workers: tuple[Worker, Worker]) -> None:
    """The proof that both workers served this test: the access log names, for every request, the pid of the
    worker that answered it."""
    for worker in workers:
        machine.served_by(worker.sent[-1])   # the last line may be a few ms behind the last response
        served = machine.served()
        elsewhere = {seq: served.get(seq) for seq in worker.sent if served.get(seq, (None,))[0] != worker.pid}
        assert not elsewhere, f"requests sent to {worker} were served elsewhere: {elsewhere}"
        assert len(worker.sent) >= 20, f"{worker} served only {len(worker.sent)} requests"
        print(f"{worker} served all {len(worker.sent)} requests sent to it")
    assert {w.pid for w in workers} == machine.worker_pids(), "a worker was restarted during the test"
    trouble = SERVER_TROUBLE.findall(machine.log())
    assert not trouble, f"{machine.name} logged {trouble}:\n{machine.log()[-3000:]}"


def health_counts(cluster: Cluster) -> set[int]:
    """/health's document count as each machine sees it (a few times each, new connections: any worker)."""
    return {httpx.get(machine.url + "/health", timeout=30).json()["documents"]
            for machine in (cluster.sessions, cluster.keys) for _ in range(4)}


def test_the_secret_key_is_generated_once_under_data_dir(cluster):
    key = cluster.data_dir / "secret_key"
    assert re.fullmatch(r"[0-9a-f]{64}", key.read_text().strip())
    assert key.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("workers", ["sessions"], indirect=True)
def test_browser_sessions_see_the_same_state_on_every_worker(cluster, workers):
    w1, w2 = workers
    alice, bob, carol = Caller("alice"), Caller("bob"), Caller("carol")
    everyone = [alice, bob, carol]
    # Each session's first request is its upload: the worker that serves it issues the session cookie, and
    # the other worker must accept it (the secret key is shared through DATA_DIR).
    uploads = [Upload(alice, w1, w2, summary("Warfarin 5 mg", "Dr. Hale", "Atrial fibrillation"),
                      "Warfarin 5 mg", "Dr. Hale"),
               Upload(bob, w2, w1, summary("Metformin 500 mg", "Dr. Lund", "Type 2 diabetes"),
                      "Metformin 500 mg", "Dr. Lund"),
               Upload(carol, w1, w2, summary("Furosemide 40 mg", "Dr. Dube", "Heart failure"),
                      "Furosemide 40 mg", "Dr. Dube"),
               Upload(carol, w2, w1, summary("Sertraline 50 mg", "Dr. Berg", "Depression"),
                      "Sertraline 50 mg", "Dr. Berg")]
    upload_everywhere(uploads)
    assert sorted(p.name for p in cluster.upload_dir.iterdir()) == sorted(f"{up.id}.txt" for up in uploads)
    for up in uploads:
        check_reads_through_the_other_worker(up, everyone, uploads)

    # The same file from another session is that session's own document, not a duplicate of alice's.
    bobs_copy = bob.upload(w1, "alice-warfarin.txt", uploads[0].text)
    assert bobs_copy.status_code == 201 and bobs_copy.json()["id"] != uploads[0].id, bobs_copy.text
    uploads.append(Upload(bob, w1, w2, uploads[0].text, "Warfarin 5 mg", "Dr. Hale", bobs_copy.json()["id"]))
    newcomer = Caller("newcomer")
    assert newcomer.list(w2) == [] and newcomer.get(w1, uploads[0].id).status_code == 404
    print("concurrent questions served per worker pid:", dict(ask_all_at_once(cluster.sessions, everyone, uploads)))

    delete_through_the_other_worker(uploads)
    for caller in everyone:
        assert caller.list(w1) == caller.list(w2) == []
    assert_nothing_left(cluster, uploads)
    assert_each_worker_served_what_it_was_sent(cluster.sessions, workers)


@pytest.mark.parametrize("workers", ["keys"], indirect=True)
def test_api_key_callers_see_the_same_state_on_every_worker(cluster, workers):
    w1, w2 = workers
    north, south = Caller("north", API_KEYS[0]), Caller("south", API_KEYS[1])
    for worker in workers:
        for nobody in (Caller("no key"), Caller("wrong key", "k-not-configured")):
            response = worker.send("GET", "/api/documents", nobody)
            assert response.status_code == 401, response.text
            assert "mediassist_session" not in response.headers.get("set-cookie", "")
    uploads = [Upload(north, w1, w2, summary("Apixaban 5 mg", "Dr. Brandt", "Pulmonary embolism"),
                      "Apixaban 5 mg", "Dr. Brandt"),
               Upload(south, w2, w1, summary("Levothyroxine 50 mcg", "Dr. Eriksen", "Hypothyroidism"),
                      "Levothyroxine 50 mcg", "Dr. Eriksen"),
               Upload(north, w2, w1, summary("Amlodipine 5 mg", "Dr. Grieve", "Hypertension"),
                      "Amlodipine 5 mg", "Dr. Grieve")]
    before = health_counts(cluster)
    upload_everywhere(uploads)
    # Both app machines read the same Chroma: the sessions machine counts the documents uploaded here.
    assert len(before) == 1 and health_counts(cluster) == {before.pop() + len(uploads)}
    for up in uploads:
        check_reads_through_the_other_worker(up, [north, south], uploads)
    print("concurrent questions served per worker pid:", dict(ask_all_at_once(cluster.keys, [north, south], uploads)))

    delete_through_the_other_worker(uploads)
    assert north.list(w1) == south.list(w2) == []
    assert_nothing_left(cluster, uploads)
    assert_each_worker_served_what_it_was_sent(cluster.keys, workers)
