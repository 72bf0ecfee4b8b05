"""Two-turn conversations: key facts of the second answer with the first turn as history, beside the same
question asked alone, and a control (two unrelated questions in a row must not hurt the second).

    .venv/bin/python training/evaluate_followups.py [--part train|test|all] [--backend openai --llm-url URL]

Pairs come from training/data/followup_questions.jsonl ({"turns": [first, follow-up]}) and from the rows of
the question files that name the question they follow ("followup_of"). Reported by document split.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from mediassist.answering.followup import Turn  # noqa: E402
from settings import Settings  # noqa: E402
from training.evaluate import DEFAULT_CORPUS, OWNER, QUESTION_FILES, contains_fact  # noqa: E402
from training.splits import document_split  # noqa: E402

FOLLOWUP_FILE = ROOT / "training" / "data" / "followup_questions.jsonl"


@dataclass(frozen=True)
class Ask:
    question: str
    answerable: bool
    key_facts: tuple[str, ...]


@dataclass(frozen=True)
class Pair:
    id: str
    document: str
    first: Ask
    second: Ask

    @property
    def split(self) -> str:
        return document_split(self.document)


def _ask(row: dict) -> Ask:
    return Ask(row["question"], bool(row["answerable"]), tuple(row.get("key_facts") or ()))


def load_pairs(followups: Path = FOLLOWUP_FILE, question_files=QUESTION_FILES) -> list[Pair]:
    pairs = []
    if followups.exists():
        for line in followups.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                pairs.append(Pair(row["id"], row["document"], _ask(row["turns"][0]), _ask(row["turns"][1])))
    rows = {r["id"]: r for path in question_files for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip() for r in [json.loads(line)]}
    for row in rows.values():
        first = rows.get(row.get("followup_of"))
        if first:
            pairs.append(Pair(row["id"], row["document"], _ask(first), _ask(row)))
    return pairs


def unrelated_pairs(question_files=QUESTION_FILES) -> list[Pair]:
    """Control: each single-turn question after the one before it on the same summary (mostly another topic)."""
    rows = [json.loads(line) for path in question_files for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip()]
    rows = [r for r in rows if not r.get("followup_of")]
    return [Pair(f"{a['id']}>{b['id']}", b["document"], _ask(a), _ask(b))
            for a, b in zip(rows, rows[1:]) if a["document"] == b["document"] and b["id"] != a["id"]]


def outcome(ask: Ask, answer: dict) -> dict:
    refused = not answer["found"]
    if not ask.answerable:
        return {"answerable": False, "refused": refused}
    facts = [contains_fact(answer["answer"], fact) for fact in ask.key_facts] or [True]
    return {"answerable": True, "refused": refused, "all_facts": all(facts)}


def run(rag, doc_id: str, pair: Pair) -> tuple[dict, dict]:
    first = rag.answer(pair.first.question, OWNER, [doc_id])
    history = [Turn(pair.first.question, first["answer"])]
    with_history = rag.answer(pair.second.question, OWNER, [doc_id], history)
    alone = rag.answer(pair.second.question, OWNER, [doc_id])
    return outcome(pair.second, with_history), outcome(pair.second, alone)


def summary(outcomes: list[dict]) -> dict:
    answerable = [o for o in outcomes if o["answerable"]]
    unanswerable = [o for o in outcomes if not o["answerable"]]
    mean = lambda values: round(statistics.fmean(values), 3) if values else None  # noqa: E731
    return {"pairs": len(outcomes), "key_facts": mean([o["all_facts"] for o in answerable]),
            "wrongly_refused": mean([o["refused"] for o in answerable]),
            "unanswerable_refused": mean([o["refused"] for o in unanswerable])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--part", choices=["all", "train", "test"], default="all")
    parser.add_argument("--backend", default="extractive", choices=["extractive", "ollama", "openai"])
    parser.add_argument("--llm-url")
    parser.add_argument("--llm-model", default=Settings().llm_model)
    parser.add_argument("--control", action="store_true", help="also run the unrelated-pairs control")
    parser.add_argument("--out", type=Path, default=ROOT / "training" / "out" / "followup_results.json")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"No corpus at {args.corpus}: evaluation skipped.")
        return 0
    sets = {"follow-ups": load_pairs()}
    if args.control:
        sets["control (unrelated)"] = unrelated_pairs()
    from rag_system import RagSystem
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        llm = {"llm_api_url": args.llm_url, "llm_model": args.llm_model, "llm_timeout": 600} \
            if args.backend == "openai" else {}
        rag = RagSystem.from_settings(Settings(data_dir=Path(tmp), llm_backend=args.backend, **llm))
        ids: dict[str, str] = {}
        for name, pairs in sets.items():
            pairs = [p for p in pairs if args.part in ("all", p.split)]
            for pair in pairs:
                if pair.document not in ids:
                    ids[pair.document] = rag.ingest((args.corpus / pair.document).read_bytes(),
                                                    Path(pair.document).name, OWNER).id
            results = [(pair, *run(rag, ids[pair.document], pair)) for pair in pairs]
            for split in ("train", "test"):
                part = [r for r in results if r[0].split == split]
                if part:
                    report[f"{name} {split}"] = {"with history": summary([r[1] for r in part]),
                                                 "asked alone": summary([r[2] for r in part])}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"{'set':32} {'':13} {'pairs':>5} {'key facts':>9} {'wrong ref':>9} {'unans ref':>9}")
    for label, rows in report.items():
        for how, row in rows.items():
            print(f"{label:32} {how:13} {row['pairs']:5d} {row['key_facts']!s:>9} {row['wrongly_refused']!s:>9} "
                  f"{row['unanswerable_refused']!s:>9}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
