"""Speed and memory, measured side by side with a naive pipeline: `make bench`.

    .venv/bin/python -m bench.benchmark [--docs 1000] [--sizes 1000,10000,100000] [--parts retrieval,run]

- ingest throughput (documents/s, chunks/s) over the corpus repeated to --docs documents: this pipeline's
  bulk path (RagSystem.ingest_many) against the naive reference (plain sentence-transformers encode at
  batch 32 in float32, 500-character chunks with ~10 words of overlap, one Chroma add per document);
- upload-to-ready latency of single uploads through the app (p50/p95, PDF and TXT);
- retrieval latency, filtered to one owner's documents, with 1k/10k/100k chunks indexed (other owners' chunks
  are synthetic: perturbed copies of real chunk vectors), and everything before the first LLM token
  (question analysis and embedding, retrieval, prompt);
- time from `make run` to the first answered /health, and the peak RSS of the app process serving uploads
  and questions;
- time to the first token of a real llama.cpp server, first question vs follow-ups, prompt built for the
  prefix cache vs the old way (bench/prompt_cache.py; needs `make test-llm`'s packages).
Uses ../shared/corpus when present, else the repo's own test summaries. Writes bench/results.json.
"""
from __future__ import annotations

import argparse
import io
import json
import logging
import math
import os
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from app import create_app  # noqa: E402
from document_processor import chunk_id, load_document  # noqa: E402
from patient_language import analyse  # noqa: E402
from prompting import build_user_message  # noqa: E402
from mediassist.index.embedder import default_embedding_model  # noqa: E402
from rag_system import RagSystem  # noqa: E402
from settings import Settings  # noqa: E402
from training.evaluate import naive_chunks, percentile  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
QUESTIONS = ("What pills do I take at home and how often?", "When is my follow-up appointment?",
             "What can I eat?", "Can I drive?", "When should I go back to the ER?", "Why was I in the hospital?",
             "How much metoprolol do I take?", "Can I take a shower?")
ALL_PARTS = ("ingest", "uploads", "retrieval", "run", "emergency", "plan", "llm")
ADD_BATCH = 5000   # under Chroma's largest batch


def summaries(corpus: Path) -> list[tuple[str, bytes]]:
    files = sorted(p for p in corpus.rglob("*") if p.suffix.lower() in {".txt", ".pdf", ".docx"})
    if files:
        return [(p.name, p.read_bytes()) for p in files]
    from tests.builders import make_pdf
    own = sorted((ROOT / "tests" / "data").glob("*.txt"))
    return [(p.name, p.read_bytes()) for p in own] + [(p.stem + ".pdf", make_pdf([p.read_text()])) for p in own]


def timings(values_s: list[float]) -> dict:
    ms = [v * 1000 for v in values_s]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 0.5), 1), "p95_ms": round(percentile(ms, 0.95), 1),
            "max_ms": round(max(ms), 1)}


# ---------------------------------------------------------------- ingest throughput

def bench_ingest(files: list[tuple[str, bytes]], target_docs: int, tmp: Path) -> dict:
    repeats = math.ceil(target_docs / len(files))
    ours = ingest_ours(files, repeats, tmp / "ours")
    naive = ingest_naive(files, repeats, tmp / "naive")
    return {"documents": repeats * len(files), "ours": ours, "naive": naive,
            "speedup_documents_per_s": round(ours["documents_per_s"] / naive["documents_per_s"], 2),
            "speedup_chunks_per_s": round(ours["chunks_per_s"] / naive["chunks_per_s"], 2)}


def ingest_ours(files, repeats: int, data_dir: Path) -> dict:
    rag = RagSystem.from_settings(Settings(data_dir=data_dir, upload_dir=data_dir / "uploads",
                                           llm_backend="extractive"))
    documents = chunks = 0
    started = time.perf_counter()
    for repeat in range(repeats):   # one owner per pass: the same file for another owner is a new document
        for result in rag.ingest_many(files, f"bench-{repeat}"):
            assert result.record and not result.already_indexed, (result.name, result.error)
            documents += 1
            chunks += result.record.chunks
    return throughput(documents, chunks, time.perf_counter() - started, embedding_dtype=rag.embedder.dtype)


def ingest_naive(files, repeats: int, data_dir: Path) -> dict:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from sentence_transformers import SentenceTransformer
    model = SentenceTransformer(default_embedding_model(), device="cpu")
    model.encode(["warm-up"])
    collection = chromadb.PersistentClient(str(data_dir), ChromaSettings(anonymized_telemetry=False)) \
        .get_or_create_collection("naive", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)
    documents = chunks = 0
    started = time.perf_counter()
    for repeat in range(repeats):
        for name, data in files:
            pieces = [text for _, _, text in naive_chunks(load_document(data, name).text)]
            vectors = model.encode(pieces, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
            doc_id = uuid.uuid4().hex
            collection.add(ids=[f"{doc_id}:{i}" for i in range(len(pieces))], embeddings=vectors, documents=pieces,
                           metadatas=[{"owner": f"bench-{repeat}", "doc_id": doc_id}] * len(pieces))
            documents += 1
            chunks += len(pieces)
    return throughput(documents, chunks, time.perf_counter() - started, embedding_dtype="float32")


def throughput(documents: int, chunks: int, seconds: float, **extra) -> dict:
    return {"documents": documents, "chunks": chunks, "seconds": round(seconds, 1),
            "documents_per_s": round(documents / seconds, 2), "chunks_per_s": round(chunks / seconds, 1), **extra}


# ---------------------------------------------------------------- single uploads through the app

def bench_uploads(files: list[tuple[str, bytes]], tmp: Path, repeats: int = 3) -> dict:
    app = create_app(Settings(data_dir=tmp, upload_dir=tmp / "uploads", llm_backend="extractive"))
    by_kind: dict[str, list[float]] = {}
    for _ in range(repeats):
        client = app.test_client()   # a new session each pass, so no upload is a duplicate
        for name, data in files:
            started = time.perf_counter()
            response = client.post("/api/documents", data={"file": (io.BytesIO(data), name)},
                                   content_type="multipart/form-data")
            by_kind.setdefault(Path(name).suffix.lower().lstrip("."), []).append(time.perf_counter() - started)
            assert response.status_code == 201, (name, response.get_json())
    return {kind: timings(values) for kind, values in sorted(by_kind.items())}


# ---------------------------------------------------------------- retrieval at scale

def bench_retrieval(files: list[tuple[str, bytes]], sizes: list[int], tmp: Path) -> dict:
    rag = RagSystem.from_settings(Settings(data_dir=tmp, upload_dir=tmp / "uploads", llm_backend="extractive"))
    owner = "patient"
    for result in rag.ingest_many(files[:6], owner):   # more than fits the context: the vector search runs
        assert result.record, result.error
    real = rag.chunks.get(where={"owner": owner}, include=["embeddings"])["embeddings"]
    rng = np.random.default_rng(7)
    results = {}
    for size in sizes:
        add_synthetic_chunks(rag, np.asarray(real), size - rag.chunks.count(), rng)
        results[str(size)] = measure_retrieval(rag, owner)
    return {"owner_chunks": len(real), "sizes": results}


def add_synthetic_chunks(rag: RagSystem, real: np.ndarray, count: int, rng) -> None:
    """Other owners' chunks near the real ones in vector space, 100 per owner."""
    start = rag.chunks.count()
    for offset in range(0, max(0, count), ADD_BATCH):
        n = min(ADD_BATCH, count - offset)
        vectors = real[rng.integers(0, len(real), n)] + rng.normal(0, 0.03, (n, real.shape[1]))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        numbers = range(start + offset, start + offset + n)
        rag.chunks.add(ids=[f"synthetic:{i}" for i in numbers], embeddings=vectors,
                       documents=["Synthetic passage for scale testing."] * n,
                       metadatas=[{"owner": f"other-{i // 100}", "doc_id": f"{i // 10:032x}", "index": i % 10,
                                   "section": "Hospital Course", "page": 1, "start": 0, "end": 36} for i in numbers])


def measure_retrieval(rag: RagSystem, owner: str, rounds: int = 12) -> dict:
    """search: the owner-filtered candidate search (nearest chunks + the question's sections) for an embedded
    question; before_first_token: analysis, embedding, scope, search, budget and prompt, as a query does."""
    vector_search, before_first_token = [], []
    ids = [chunk_id(record.id, i) for record in rag.list_documents(owner) for i in range(record.chunks)]
    for _ in range(rounds):
        for question in QUESTIONS:
            analysis = analyse(question)
            query = rag.embedder.embed([analysis.search_text])[0]
            started = time.perf_counter()
            rag.retriever.candidates(query, {"owner": owner}, ids, analysis)
            vector_search.append(time.perf_counter() - started)
            started = time.perf_counter()
            passages, _ = rag.retrieve(question, owner)
            build_user_message(question, passages)
            before_first_token.append(time.perf_counter() - started)
    return {"chunks": rag.chunks.count(), "vector_search": timings(vector_search),
            "before_first_token": timings(before_first_token)}


# ---------------------------------------------------------------- make run: start-up and memory

def bench_make_run(files: list[tuple[str, bytes]], tmp: Path) -> dict:
    import httpx
    from tests.conftest import free_port
    port = free_port()
    env = {**os.environ, "PORT": str(port), "DATA_DIR": str(tmp), "UPLOAD_DIR": str(tmp / "uploads"),
           "LLM_BACKEND": "extractive", "AUDIT_LOG": str(tmp / "audit.log")}
    started = time.perf_counter()
    server = subprocess.Popen(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        ready = wait_for_health(f"http://127.0.0.1:{port}/health", started)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for name, data in files:
                doc = client.post("/api/documents", files={"file": (name, data)}).json()
                for question in QUESTIONS[:4]:
                    client.post("/api/query", json={"question": question, "document_ids": [doc["id"]]})
        peak = max(peak_rss_mb(pid) for pid in session_pids(server.pid))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return {"seconds_to_health": round(ready, 1), "peak_rss_mb": round(peak, 1),
            "workload": f"{len(files)} uploads and {4 * len(files)} questions"}


def wait_for_health(url: str, started: float, limit_s: float = 600) -> float:
    import httpx
    while time.perf_counter() - started < limit_s:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {limit_s} s")


def session_pids(session_id: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == session_id:
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# ---------------------------------------------------------------- per-question checks

def bench_emergency() -> dict:
    """What emergency detection adds to each question, timed one at a time: on the patient questions of the
    evaluation set (what patients ask) and on the labelled emergency messages (longer, many of them urgent)."""
    from mediassist.emergency import shared_detector
    from training.evaluate import QUESTION_FILES
    from training.evaluate_followups import FOLLOWUP_FILE
    from training.fit_emergency import load_examples
    detector = shared_detector()
    rows = [json.loads(line) for path in (*QUESTION_FILES, FOLLOWUP_FILE)
            for line in path.read_text().splitlines() if line.strip()]
    questions = [turn["question"] for row in rows for turn in row.get("turns", [row])]   # two-turn rows: both
    result = {}
    for label, messages in (("patient_questions", questions or list(QUESTIONS)),
                            ("emergency_messages", [e.text for e in load_examples()])):
        times = []
        for message in messages:
            started = time.perf_counter()
            detector.detect(message)
            times.append(time.perf_counter() - started)
        result[label] = timings(times)
    return result


def bench_plan(files: list[tuple[str, bytes]]) -> dict:
    """Extracting the discharge plan of each summary (the document already read), three rounds."""
    from mediassist.plan import extract_plan
    documents = [load_document(data, name) for name, data in files]
    extract_plan(documents[0])   # loads the drug vocabulary once, as the app does at its first plan
    times = []
    for _ in range(3):
        for document in documents:
            started = time.perf_counter()
            extract_plan(document)
            times.append(time.perf_counter() - started)
    return timings(times)


# ---------------------------------------------------------------- report

def report(results: dict) -> str:
    if not {"ingest", "uploads", "retrieval"} <= results.keys():
        return json.dumps(results, indent=2)
    return "\n".join([pipeline_report(results), *per_question_report(results)])


def per_question_report(results: dict) -> list[str]:
    lines = []
    if "emergency" in results:
        for label, row in results["emergency"].items():
            lines.append(f"emergency detection, {label.replace('_', ' ')}: n={row['n']} p50 {row['p50_ms']} ms   "
                         f"p95 {row['p95_ms']} ms")
    if "plan" in results:
        row = results["plan"]
        lines.append(f"discharge plan per summary: n={row['n']} p50 {row['p50_ms']} ms   p95 {row['p95_ms']} ms")
    if "llm" in results:
        from bench.prompt_cache import report as cache_report
        lines += cache_report(results["llm"])
    return lines


def pipeline_report(results: dict) -> str:
    ingest = results["ingest"]
    lines = [f"ingest: {ingest['documents']} documents", f"{'':34}{'docs/s':>9}{'chunks/s':>10}{'chunks':>8}{'s':>8}"]
    for label, key in (("this pipeline (ingest_many)", "ours"), ("naive reference", "naive")):
        row = ingest[key]
        lines.append(f"{label + ' [' + row['embedding_dtype'] + ']':34}{row['documents_per_s']:>9}"
                     f"{row['chunks_per_s']:>10}{row['chunks']:>8}{row['seconds']:>8}")
    lines.append(f"{'speed-up':34}{ingest['speedup_documents_per_s']:>8}x{ingest['speedup_chunks_per_s']:>9}x")
    lines.append("\nupload-to-ready (single uploads through the app)")
    for kind, row in results["uploads"].items():
        lines.append(f"  {kind:6} n={row['n']:<4} p50 {row['p50_ms']:8.1f} ms   p95 {row['p95_ms']:8.1f} ms")
    lines.append(f"\nretrieval, filtered to one owner ({results['retrieval']['owner_chunks']} chunks of its own)")
    lines.append(f"{'chunks indexed':>16}{'search p50':>12}{'p95':>8}{'before 1st token p50':>22}{'p95':>8}")
    for size, row in results["retrieval"]["sizes"].items():
        search, first = row["vector_search"], row["before_first_token"]
        lines.append(f"{row['chunks']:>16}{search['p50_ms']:>10} ms{search['p95_ms']:>6} ms"
                     f"{first['p50_ms']:>20} ms{first['p95_ms']:>6} ms")
    if "make_run" in results:
        run = results["make_run"]
        lines.append(f"\nmake run -> first /health: {run['seconds_to_health']} s;   peak RSS of the app process: "
                     f"{run['peak_rss_mb']} MB ({run['workload']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--docs", type=int, default=1000, help="documents for the ingest throughput run")
    parser.add_argument("--sizes", default="1000,10000,100000", help="chunk counts for the retrieval run")
    parser.add_argument("--parts", default=",".join(ALL_PARTS),
                        help="which measurements to run; the others are kept from an earlier results file")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)   # one line per indexed document would bury the table
    files = summaries(args.corpus)
    print(f"{len(files)} summaries from {args.corpus if args.corpus.is_dir() else 'tests/data (no corpus)'}")
    parts = set(args.parts.split(","))
    earlier = json.loads(args.out.read_text()) if args.out.exists() and parts != set(ALL_PARTS) else {}
    results: dict = {**earlier, "machine": {"cpus": os.cpu_count()}, "summaries": len(files)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if "ingest" in parts:
            results["ingest"] = bench_ingest(files, args.docs, tmp / "ingest")
        if "uploads" in parts:
            results["uploads"] = bench_uploads(files, tmp / "uploads")
        if "retrieval" in parts:
            results["retrieval"] = bench_retrieval(files, [int(s) for s in args.sizes.split(",")], tmp / "retrieval")
        if "run" in parts:
            results["make_run"] = bench_make_run(files, tmp / "run")
        if "emergency" in parts:
            results["emergency"] = bench_emergency()
        if "plan" in parts:
            results["plan"] = bench_plan(files)
        if "llm" in parts:
            from bench.prompt_cache import bench_prompt_cache
            results["llm"] = bench_prompt_cache(files, tmp)
    args.out.write_text(json.dumps(results, indent=2))
    print(report(results))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
