"""Upload-to-ready and extractive query latency over ../shared/corpus (skipped when absent).

    .venv/bin/python bench/corpus_timing.py [--corpus ../shared/corpus] [--repeat 3]

Uses the real app in-process (Flask test client, real ChromaDB, real embedding model) with the
extractive backend, on a temporary data folder.
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from settings import Settings  # noqa: E402

QUESTIONS = ("What pills do I take at home and how often?", "When is my follow-up appointment?",
             "What can I eat?", "Can I drive?", "When should I go back to the ER?", "Why was I in the hospital?")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted(p for p in args.corpus.rglob("*") if p.suffix.lower() in {".txt", ".pdf", ".docx"})
    if not files:
        print(f"no corpus at {args.corpus}: skipped")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        app = create_app(Settings(data_dir=Path(tmp), llm_backend="extractive"))
        print(f"app start (model load + warm-up): {time.perf_counter() - started:.2f} s")
        client = app.test_client()
        uploads: dict[str, list[float]] = {}
        queries: list[float] = []
        for _ in range(args.repeat):
            for path in files:
                data = path.read_bytes()
                t0 = time.perf_counter()
                response = client.post("/api/documents", data={"file": (io.BytesIO(data), path.name)},
                                       content_type="multipart/form-data")
                uploads.setdefault(path.suffix.lower(), []).append(time.perf_counter() - t0)
                assert response.status_code == 201, (path.name, response.get_json())
                doc_id = response.get_json()["id"]
                for question in QUESTIONS:
                    t0 = time.perf_counter()
                    answer = client.post("/api/query", json={"question": question, "document_ids": [doc_id]})
                    queries.append(time.perf_counter() - t0)
                    assert answer.status_code == 200
        print(f"{len(files)} files x {args.repeat}")
        for kind, times in sorted(uploads.items()):
            ms = [t * 1000 for t in times]
            print(f"upload-to-ready {kind:6} n={len(ms):3}  p50 {statistics.median(ms):7.1f} ms  "
                  f"p95 {percentile(ms, 0.95):7.1f} ms  max {max(ms):7.1f} ms")
        ms = [t * 1000 for t in queries]
        print(f"query (extractive)  n={len(ms):3}  p50 {statistics.median(ms):7.1f} ms  "
              f"p95 {percentile(ms, 0.95):7.1f} ms  max {max(ms):7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
