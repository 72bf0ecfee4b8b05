"""Measure retrieval and answers on the question set over ../shared/corpus, beside a naive baseline.

    make eval
    .venv/bin/python training/evaluate.py [--backend extractive [--backend ollama]] [--corpus DIR] [--out DIR]

For each backend it reports, overall and by category: evidence recall of the context sent to the model,
context size in tokens, key-fact recall of the answer, ROUGE-L and token F1 of the answer against the
evidence (the summary's own words), refusal rate on unanswerable questions, wrong-refusal rate on
answerable ones, and latency p50/p95. The naive baseline (500-character word chunks with ~10 words
of overlap, top-3 by MiniLM cosine, always answering with those chunks) runs on the same questions.
Writes a table to the terminal, eval_results.json and eval_chart.png to --out. Skips cleanly without a corpus.

    .venv/bin/python training/evaluate.py --split training/out/data/test.jsonl \
        --embedding-model base --embedding-model training/out/embeddings

ranks chunks for the answered questions of a held-out training-data split with each embedding model (before
and after fine-tuning). With no --split, --embedding-model PATH runs the pipeline on that model instead.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from document_processor import load_document  # noqa: E402
from settings import Settings  # noqa: E402
from training.metrics import rouge_l, token_f1  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
QUESTION_FILES = (ROOT / "training" / "data" / "eval_questions.jsonl",
                  *sorted((ROOT / "training" / "data" / "questions").glob("*.jsonl")))
OWNER = "evaluation"
SPAN_COVERED = 0.9   # an evidence span counts as retrieved when this share of its characters was sent


@dataclass(frozen=True)
class Question:
    id: str
    document: str
    question: str
    category: str
    answerable: bool
    evidence: tuple[str, ...]
    key_facts: tuple[str, ...]
    split: str = "train"            # training/splits.py: by document
    detail_missing: bool = False    # the thing asked about is there, the detail asked for is not


@dataclass
class Result:
    question: Question
    evidence_recall: float | None = None      # None for unanswerable questions
    evidence_in_sources: float | None = None  # the evidence among the passages the answer quotes
    context_tokens: int = 0
    facts_found: float | None = None          # share of key facts in the answer
    rouge_l: float | None = None              # against the evidence, the summary's own words
    token_f1: float | None = None
    refused: bool = False
    latency_ms: float = 0.0
    extra: dict = field(default_factory=dict)


def load_questions(paths=QUESTION_FILES) -> list[Question]:
    """Single-turn questions of every question file (a follow-up that needs the turn before it is left out)."""
    from training.splits import document_split
    rows = [json.loads(line) for path in paths for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [Question(r["id"], r["document"], r["question"], r["category"], bool(r["answerable"]),
                     tuple(r.get("evidence") or ()), tuple(r.get("key_facts") or ()),
                     document_split(r["document"]), bool(r.get("detail_missing")))
            for r in rows if not r.get("followup_of")]


def normalise(text: str) -> str:
    text = text.lower().replace("’", "'").replace("–", "-").replace("—", "-").replace("\u00a0", " ")
    return " ".join(text.split())


def contains_fact(answer: str, fact: str) -> bool:
    return normalise(fact) in normalise(answer)


def span_offsets(text: str, span: str) -> tuple[int, int] | None:
    start = text.find(span)
    if start < 0:
        match = re.search(r"\s+".join(map(re.escape, span.split())), text)
        return (match.start(), match.end()) if match else None
    return start, start + len(span)


def evidence_recall(text: str, spans: tuple[str, ...], sent: list[tuple[int, int]]) -> float:
    covered = 0
    for span in spans:
        where = span_offsets(text, span)
        if where is None:
            continue
        start, end = where
        overlap = sum(max(0, min(end, b) - max(start, a)) for a, b in merge(sent))
        covered += overlap >= SPAN_COVERED * (end - start)
    return covered / len(spans) if spans else 1.0


def merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for a, b in sorted(ranges):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


# ---------------------------------------------------------------- the two pipelines

class AppPipeline:
    """The real pipeline: document_processor, Chroma, retrieval, and the chosen backend."""

    def __init__(self, backend: str, data_dir: Path, **overrides):
        from rag_system import RagSystem
        self.rag = RagSystem.from_settings(Settings(data_dir=data_dir, llm_backend=backend, **overrides))
        self.name = backend
        self.ids: dict[str, str] = {}

    def add(self, name: str, data: bytes) -> None:
        self.ids[name] = self.rag.ingest(data, Path(name).name, OWNER).id

    def run(self, q: Question, text: str, count_tokens) -> Result:
        doc = [self.ids[q.document]]
        passages, _ = self.rag.retrieve(q.question, OWNER, doc)
        if self.rag.llm is not None:   # what the model reads, not what the quotes are chosen from
            passages = self.rag.answerer.model.excerpts_for_model(q.question, passages, OWNER, doc)
        started = time.perf_counter()
        answer = self.rag.answer(q.question, OWNER, doc)
        latency = (time.perf_counter() - started) * 1000
        checked = answer.get("checked")
        result = score(q, text, [(p.start, p.end) for p in passages], [p.text for p in passages],
                       answer["answer"], not answer["found"], latency, count_tokens,
                       backend_used=answer["backend"], flat_refusal=not answer["found"] and not answer["sources"],
                       intervened=bool(checked["left_out"] or checked["quoted_instead"]) if checked else None)
        if q.answerable and q.evidence:
            quoted = normalise(" ".join(source["text"] for source in answer["sources"]))
            result.evidence_in_sources = sum(normalise(span) in quoted for span in q.evidence) / len(q.evidence)
        return result


class NaiveBaseline:
    """500-character word chunks, ~10 words of overlap, top-3 by cosine; always answers with the chunks."""
    name = "naive"

    def __init__(self, embedder):
        self.embedder = embedder
        self.chunks: dict[str, list[tuple[int, int, str]]] = {}
        self.vectors: dict = {}

    def add(self, name: str, text: str) -> None:
        chunks = naive_chunks(text)
        self.chunks[name] = chunks
        self.vectors[name] = self.embedder.embed([c[2] for c in chunks])

    def run(self, q: Question, text: str, count_tokens) -> Result:
        started = time.perf_counter()
        query = self.embedder.embed([q.question])[0]
        top = (self.vectors[q.document] @ query).argsort()[::-1][:3]
        chosen = [self.chunks[q.document][i] for i in sorted(top)]
        latency = (time.perf_counter() - started) * 1000
        answer = "\n\n".join(c[2] for c in chosen)
        result = score(q, text, [(a, b) for a, b, _ in chosen], [c[2] for c in chosen], answer, False, latency,
                       count_tokens)
        result.evidence_in_sources = result.evidence_recall
        return result


def naive_chunks(text: str, size: int = 500, overlap_words: int = 10) -> list[tuple[int, int, str]]:
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    chunks, i = [], 0
    while i < len(words):
        j = i
        while j < len(words) and words[j][1] - words[i][0] <= size:
            j += 1
        j = max(j, i + 1)
        chunks.append((words[i][0], words[j - 1][1], text[words[i][0]:words[j - 1][1]]))
        if j >= len(words):
            break
        i = max(i + 1, j - overlap_words)
    return chunks


def score(q: Question, text: str, sent: list[tuple[int, int]], sent_texts: list[str], answer: str,
          refused: bool, latency: float, count_tokens, **extra) -> Result:
    result = Result(q, context_tokens=sum(count_tokens(t) for t in sent_texts), refused=refused,
                    latency_ms=latency, extra=extra)
    if q.answerable:
        result.evidence_recall = evidence_recall(text, q.evidence, sent)
        facts = [contains_fact(answer, f) for f in q.key_facts] or [True]
        result.facts_found = sum(facts) / len(facts)
        reference = "\n".join(q.evidence)
        result.rouge_l, result.token_f1 = rouge_l(answer, reference), token_f1(answer, reference)
    return result


# ---------------------------------------------------------------- report

def summarise(results: list[Result]) -> dict:
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    def mean(values):
        values = [v for v in values if v is not None]   # e.g. no evidence spans to look for among the sources
        return round(statistics.fmean(values), 4) if values else None
    return {
        "questions": len(results),
        "evidence_recall": mean([r.evidence_recall for r in answerable]),
        "evidence_in_sources": mean([r.evidence_in_sources for r in answerable]),
        "context_tokens": mean([r.context_tokens for r in results]),
        "key_fact_recall": mean([r.facts_found == 1.0 for r in answerable]),
        "key_fact_share": mean([r.facts_found for r in answerable]),
        "rouge_l": mean([r.rouge_l for r in answerable]),
        "token_f1": mean([r.token_f1 for r in answerable]),
        "refusal_rate_unanswerable": mean([r.refused for r in unanswerable]),
        "wrong_refusal_rate": mean([r.refused for r in answerable]),
        # "not in your summary" with no line shown, said of a question the summary answers
        "flat_wrong_refusal_rate": mean([r.extra.get("flat_refusal") for r in answerable]),
        # of the model's answers, the share the grounding check cut or replaced by the summary's quotes
        "grounding_intervened": mean([r.extra.get("intervened") for r in results]),
        "latency_p50_ms": round(percentile([r.latency_ms for r in results], 0.5), 1),
        "latency_p95_ms": round(percentile([r.latency_ms for r in results], 0.95), 1),
    }


def by_category(results: list[Result]) -> dict:
    groups: dict[str, list[Result]] = {}
    for r in results:
        groups.setdefault(r.question.category if r.question.answerable else "unanswerable", []).append(r)
    return {name: summarise(rs) for name, rs in sorted(groups.items())}


COLUMNS = (("evidence_recall", "evid.rec"), ("evidence_in_sources", "in sources"), ("context_tokens", "ctx tok"),
           ("key_fact_recall", "facts"),
           ("rouge_l", "ROUGE-L"), ("token_f1", "token F1"),
           ("refusal_rate_unanswerable", "refuse(U)"), ("wrong_refusal_rate", "wrong ref"),
           ("flat_wrong_refusal_rate", "flat w.ref"), ("grounding_intervened", "checked"),
           ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms"))


def table(rows: dict[str, dict]) -> str:
    head = f"{'':26}{'n':>5}" + "".join(f"{label:>11}" for _, label in COLUMNS)
    lines = [head, "-" * len(head)]
    for name, row in rows.items():
        cells = "".join(f"{cell(row[key]):>11}" for key, _ in COLUMNS)
        lines.append(f"{name[:26]:26}{row['questions']:>5}{cells}")
    return "\n".join(lines)


def cell(value) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) and value <= 1 else f"{value:.0f}"


def chart(report: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    metrics = [("evidence_recall", "evidence recall"), ("key_fact_recall", "key-fact recall"),
               ("refusal_rate_unanswerable", "refusal (unanswerable)"), ("wrong_refusal_rate", "wrong refusal")]
    names = list(report["overall"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [report["overall"][name][key] or 0 for key, _ in metrics]
        left.bar([x + i * width for x in range(len(metrics))], values, width, label=name)
    left.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(metrics))], [m[1] for m in metrics],
                    fontsize=8)
    left.set_ylim(0, 1.05)
    left.legend(fontsize=8)
    left.set_title("Overall")
    category_names = list(report["by_category"])
    categories = [c for c in report["by_category"][category_names[0]] if c != "unanswerable"]
    for i, name in enumerate(category_names):
        values = [report["by_category"][name][c]["evidence_recall"] or 0 for c in categories]
        right.bar([x + i * width for x in range(len(categories))], values, width, label=name)
    right.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(categories))], categories,
                     rotation=40, ha="right", fontsize=8)
    right.set_ylim(0, 1.05)
    right.set_title("Evidence recall by category")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------- retrieval on a held-out split

@dataclass(frozen=True)
class SplitQuestion:
    document: str
    question: str
    positives: frozenset[str]   # indexed text of the chunks the reference answer quotes


def load_split(path: Path) -> list[SplitQuestion]:
    """The answered rows of a create_training_data.py split (train/validation/test.jsonl)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [SplitQuestion(r["document"], r["instruction"], frozenset(r["passages"]))
            for r in rows if r.get("answerable") and r.get("passages")]


def indexed_chunks(corpus: Path, names: set[str]) -> dict[str, list[str]]:
    """Each summary's chunks exactly as the app indexes them (same chunker, section name in front)."""
    from document_processor import chunk_document
    from rag_system import embedding_text
    return {name: [embedding_text(c) for c in chunk_document(load_document((corpus / name).read_bytes(), name), "d")]
            for name in sorted(names)}


def split_retrieval(questions: list[SplitQuestion], chunks: dict[str, list[str]], embedder) -> dict:
    """Where the quoted chunks rank by embedding similarity alone: among the chunks of the question's own
    summary (recall@1, recall@3, MRR), and among the chunks of every summary in the split (recall@5)."""
    import numpy as np
    from patient_language import analyse
    names = sorted(chunks)
    pool = [(name, text) for name in names for text in chunks[name]]
    vectors = embedder.embed([text for _, text in pool])
    queries = embedder.embed([analyse(q.question).search_text for q in questions])
    reciprocal, first, top3, pooled5, usable = [], 0, 0, 0, 0
    for q, query in zip(questions, queries):
        similarity = vectors @ query
        own = [i for i, (name, _) in enumerate(pool) if name == q.document]
        own_ranked = [pool[i][1] for i in sorted(own, key=lambda i: -similarity[i])]
        hits = [rank for rank, text in enumerate(own_ranked) if text in q.positives]
        if not hits:
            continue   # the reference quotes text the chunker no longer yields
        usable += 1
        reciprocal.append(1 / (hits[0] + 1))
        first += hits[0] == 0
        top3 += hits[0] < 3
        pooled5 += any(pool[i][1] in q.positives and pool[i][0] == q.document
                       for i in np.argsort(-similarity)[:5])
    share = lambda n: round(n / usable, 4) if usable else None  # noqa: E731
    return {"questions": usable, "recall@1": share(first), "recall@3": share(top3),
            "mrr": round(statistics.fmean(reciprocal), 4) if reciprocal else None, "pooled recall@5": share(pooled5)}


def compare_embedding_models(split: Path, corpus: Path, models: list[str], dtype: str = "float32") -> dict[str, dict]:
    from mediassist.index.embedder import Embedder, default_embedding_model
    questions = load_split(split)
    chunks = indexed_chunks(corpus, {q.document for q in questions})
    folder = lambda model: default_embedding_model() if model == "base" else model  # noqa: E731
    return {model: split_retrieval(questions, chunks, Embedder(folder(model), dtype)) for model in models}


def retrieval_table(results: dict[str, dict]) -> str:
    keys = ("recall@1", "recall@3", "mrr", "pooled recall@5")
    lines = [f"{'embedding model':40}{'n':>5}" + "".join(f"{k:>17}" for k in keys)]
    for model, row in results.items():
        lines.append(f"{model[-40:]:40}{row['questions']:>5}" + "".join(f"{cell(row[k]):>17}" for k in keys))
    return "\n".join(lines)


def pipeline_model(args) -> str | None:
    chosen = (args.embedding_model or ["base"])[0]
    return None if chosen == "base" else chosen


def split_main(args) -> int:
    if not args.split.is_file():
        print(f"No split at {args.split}: run `make train-data` first.", file=sys.stderr)
        return 2
    results = compare_embedding_models(args.split, args.corpus, args.embedding_model or ["base"],
                                       args.embedding_dtype)
    print(f"retrieval on {args.split} (answered questions, ranked by embedding similarity alone)\n")
    print(retrieval_table(results))
    return 0


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--questions", type=Path, action="append",
                        help="a question file (repeatable; default: every file under training/data)")
    parser.add_argument("--backend", action="append", choices=["extractive", "ollama", "openai"])
    parser.add_argument("--out", type=Path, default=ROOT / "training" / "out")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions (for a quick look)")
    parser.add_argument("--part", choices=["all", "train", "test"], default="all",
                        help="only the questions of one part of the document split (a slow model: --part test)")
    parser.add_argument("--llm-url", help="with --backend openai: the server's /v1 address (tests/llama_server.py)")
    parser.add_argument("--llm-model", default=Settings().llm_model, help="the model name the server serves")
    parser.add_argument("--llm-max-tokens", type=int, default=Settings().llm_max_tokens)
    parser.add_argument("--context-tokens", type=int, default=Settings().context_tokens,
                        help="the context budget (lower it to measure retrieval on summaries that do not fit whole)")
    parser.add_argument("--embedding-dtype", default=Settings().embedding_dtype,
                        choices=["auto", "float32", "bfloat16"],
                        help="precision of the embedding model (auto: bfloat16 where the CPU has it)")
    parser.add_argument("--split", type=Path,
                        help="instead: rank chunks for the answered questions of this training-data split")
    parser.add_argument("--embedding-model", action="append",
                        help="'base' or a fine-tuned model folder; with --split repeat it to compare, "
                             "without --split the pipeline runs on the first one")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"No corpus at {args.corpus}: evaluation skipped.")
        return 0
    if args.split:
        return split_main(args)
    questions = [q for q in load_questions(args.questions or QUESTION_FILES)
                 if args.part in ("all", q.split)][: args.limit or None]
    texts = {name: load_document((args.corpus / name).read_bytes(), name).text
             for name in sorted({q.document for q in questions})}
    report: dict = {"overall": {}, "by_category": {}, "questions": len(questions), "documents": len(texts)}
    per_question: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        pipelines = []
        for i, backend in enumerate(args.backend or ["extractive"]):
            llm = {"llm_api_url": args.llm_url, "llm_model": args.llm_model, "llm_max_tokens": args.llm_max_tokens,
                   "llm_timeout": 600} if backend == "openai" else {}
            pipeline = AppPipeline(backend, Path(tmp) / f"app{i}", context_tokens=args.context_tokens,
                                   embedding_dtype=args.embedding_dtype, embedding_model=pipeline_model(args), **llm)
            for name in texts:
                pipeline.add(name, (args.corpus / name).read_bytes())
            pipelines.append(pipeline)
        naive = NaiveBaseline(pipelines[0].rag.embedder)
        for name, text in texts.items():
            naive.add(name, text)
        tokenizer = pipelines[0].rag.embedder.model.tokenizer
        count_tokens = lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])  # noqa: E731
        for runner in [*pipelines, naive]:
            results = [runner.run(q, texts[q.document], count_tokens) for q in questions]
            label = f"pipeline:{runner.name}" if runner is not naive else "naive top-3"
            for split in ("train", "test"):
                part = [r for r in results if r.question.split == split]
                if not part:
                    continue
                report["overall"][f"{label} {split}"] = summarise(part)
                if runner is not naive and split == ("train" if args.part == "train" else "test"):
                    report["by_category"][f"{label} {split}"] = by_category(part)
            per_question[label] = [{"id": r.question.id, "evidence_recall": r.evidence_recall,
                                    "facts": r.facts_found, "rouge_l": r.rouge_l, "token_f1": r.token_f1,
                                    "refused": r.refused,
                                    "context_tokens": r.context_tokens, **r.extra} for r in results]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "eval_results.json").write_text(json.dumps({**report, "per_question": per_question}, indent=2))
    if report["by_category"]:   # none when the chosen part has no questions
        chart(report, args.out / "eval_chart.png")
    print(f"{report['questions']} questions over {report['documents']} documents\n")
    print(table(report["overall"]))
    for label, categories in report["by_category"].items():
        print(f"\n{label}, by category\n{table(categories)}")
    drawn = f" and {args.out / 'eval_chart.png'}" if report["by_category"] else ""
    print(f"\nwrote {args.out / 'eval_results.json'}{drawn}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
