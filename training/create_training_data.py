"""Build instruction data (Alpaca-style JSONL) from a folder of discharge summaries.

    make train-data
    .venv/bin/python training/create_training_data.py [--corpus DIR] [--out training/out/data] [--seed 13]

Each summary (PDF, DOCX or TXT) goes through the app's own pipeline: document_processor, the index, the
retrieval that picks the excerpts a model would read, and the extractive answerer that quotes the lines
that answer. For every summary it asks the questions patients ask (medicines, each discharge medicine by
name, follow-up, diet, activity, warning signs, diagnosis) in several wordings, plus questions the summary
is not expected to answer (alcohol, flying, medicines it never names). A row is

    {"instruction": question, "input": the excerpts as the model reads them, "output": grounded answer,
     "document": file, "category": ..., "answerable": bool, "passages": [indexed text of each quoted chunk]}

The output quotes only lines of the excerpts; when nothing answers, it is the app's own "does not mention"
answer. Rows are validated (schema, empty values, duplicates, length limits, every quoted line present in
the input) and split 80/10/10 by document with a fixed seed, so no summary is in two splits.
Writes train.jsonl, validation.jsonl, test.jsonl and stats.json to --out and prints the counts.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from errors import QAError  # noqa: E402
from mediassist.answering.composer import compose  # noqa: E402
from prompting import NOT_IN_SUMMARY, format_excerpts  # noqa: E402
from rag_system import CHARS_PER_TOKEN, RagSystem, embedding_text  # noqa: E402
from settings import Settings  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_OUT = ROOT / "training" / "out" / "data"
SUMMARY_SUFFIXES = {".pdf", ".docx", ".txt"}
OWNER = "training"
SPLITS = (("train", 0.8), ("validation", 0.1), ("test", 0.1))
FIELDS = {"instruction": str, "input": str, "output": str, "document": str, "category": str,
          "answerable": bool, "passages": list}
MAX_INSTRUCTION_CHARS = 300
MAX_OUTPUT_CHARS = 4000
INPUT_SLACK_CHARS = 2000   # excerpt tags and headings on top of the context budget

QUESTIONS: dict[str, tuple[str, ...]] = {
    "medications": ("Which medicines do I keep taking now that I'm home?",
                    "What pills am I supposed to take and how much?",
                    "What are my discharge medications?", "Which of my medicines are new?"),
    "follow_up": ("When is my follow-up appointment?", "Who do I need to see after I leave the hospital, and when?",
                  "Do I need to book a check-up with my doctor?"),
    "diet": ("What can I eat now?", "Is there a special diet I should follow?", "Are there foods I should avoid?"),
    "activity": ("Can I drive?", "When can I go back to my normal activities?", "Can I lift heavy things?",
                 "Can I take a shower?"),
    "warning_signs": ("When should I go back to the emergency room?", "What symptoms mean I should call my doctor?",
                      "What warning signs should I watch for at home?"),
    "diagnosis": ("Why was I in the hospital?", "What was my diagnosis?", "What did the doctors find was wrong?"),
}
DRUG_QUESTIONS = ("How much {drug} do I take?", "How often should I take my {drug}?",
                  "Am I still supposed to take {drug}?")
# Topics discharge summaries seldom cover; the answerer decides, so a summary that does cover one
# yields an answered row instead.
RARELY_COVERED = ("Can I drink alcohol?", "Is it OK to fly on a plane next week?", "When can I go back to work?",
                  "Can I get my flu shot?", "Can I use a hot tub?", "Can I have sex again?",
                  "Can I take my usual vitamins?", "When can I mow the lawn?")
OTHER_DRUGS = ("warfarin", "metformin", "prednisone", "amoxicillin", "lisinopril", "atorvastatin", "insulin",
               "furosemide", "levothyroxine", "sertraline", "gabapentin", "omeprazole")
LEAD_INS = {
    "medications": "Here is what your discharge summary says about your medicines:",
    "drug": "Here is what your discharge summary says about {drug}:",
    "follow_up": "Here is what your discharge summary says about your follow-up:",
    "diet": "Here is what your discharge summary says about eating and drinking:",
    "activity": "Here is what your discharge summary says about this:",
    "warning_signs": "Your discharge summary lists these warning signs. Call your doctor or go to the emergency "
                     "room if you have them:",
    "diagnosis": "Here is what your discharge summary says about why you were in the hospital:",
    "other": "Here is what your discharge summary says about this:",
}


@dataclass(frozen=True)
class Ask:
    question: str
    category: str
    lead_in: str


# ---------------------------------------------------------------- questions for one summary

def questions_for(text: str, medication_names: list[str], rng: random.Random) -> list[Ask]:
    asks = [Ask(q, category, LEAD_INS[category])
            for category, wordings in QUESTIONS.items() for q in rng.sample(wordings, 2)]
    for name in medication_names[:4]:
        template = rng.choice(DRUG_QUESTIONS)
        asks.append(Ask(template.format(drug=name), "medications", LEAD_INS["drug"].format(drug=name)))
    asks += [Ask(q, "other", LEAD_INS["other"]) for q in rng.sample(RARELY_COVERED, 3)]
    absent = [d for d in OTHER_DRUGS if d not in text.lower()]
    for drug in rng.sample(absent, min(2, len(absent))):
        template = rng.choice(DRUG_QUESTIONS)
        asks.append(Ask(template.format(drug=drug), "medications", LEAD_INS["drug"].format(drug=drug)))
    return asks


def drug_name(medication: dict) -> str | None:
    """The plain name a patient would use ("metoprolol" from "Metoprolol tartrate"), or None for noise."""
    words = re.findall(r"[A-Za-z][A-Za-z-]{3,}", medication.get("name") or "")
    return words[0].lower() if words and words[0].lower() not in {"none", "take", "continue", "resume"} else None


# ---------------------------------------------------------------- rows

def rows_for_document(rag: RagSystem, name: str, data: bytes, rng: random.Random) -> list[dict]:
    record = rag.ingest(data, Path(name).name, OWNER)
    text = rag.stored_document(OWNER, record.id).text
    medications = [n for n in dict.fromkeys(drug_name(m) for m in rag.plan(OWNER, record.id)["medications"]) if n]
    return [row_for(rag, name, record.id, ask) for ask in questions_for(text, medications, rng)]


def row_for(rag: RagSystem, name: str, doc_id: str, ask: Ask) -> dict:
    passages, analysis = rag.retrieve(ask.question, OWNER, [doc_id])
    answer = compose(analysis, passages, rag.lines, notice="")
    in_reading_order = sorted(passages, key=lambda p: p.start)
    output = f"{ask.lead_in}\n\n{answer.text.strip()}" if answer.found else NOT_IN_SUMMARY
    return {"instruction": ask.question, "input": format_excerpts(in_reading_order), "output": output,
            "document": name, "category": ask.category, "answerable": answer.found,
            "passages": [embedding_text(p) for p in answer.passages]}


# ---------------------------------------------------------------- validation

def problem_with(row: dict, max_input_chars: int) -> str | None:
    """Why a row cannot be used, or None."""
    for field, kind in FIELDS.items():
        if row.get(field) is None:
            return f"null {field}"
        if not isinstance(row[field], kind):
            return f"{field} is not {kind.__name__}"
    if not all(row[f].strip() for f in ("instruction", "input", "output")):
        return "empty field"
    if len(row["instruction"]) > MAX_INSTRUCTION_CHARS or len(row["output"]) > MAX_OUTPUT_CHARS \
            or len(row["input"]) > max_input_chars:
        return "too long"
    if row["answerable"] != (row["output"] != NOT_IN_SUMMARY) or (row["answerable"] and not row["passages"]):
        return "answer and answerable disagree"
    if row["answerable"] and not quotes_are_in_input(row["output"], row["input"]):
        return "quotes a line not in the input"
    return None


def quotes_are_in_input(output: str, excerpts: str) -> bool:
    source = comparable(excerpts)
    quoted = quoted_lines(output)
    return bool(quoted) and all(comparable(line) in source for line in quoted)


def quoted_lines(output: str) -> list[str]:
    """The summary lines an answer quotes (the extractive answerer lists them as "- line")."""
    return [line[2:] for line in output.splitlines() if line.startswith("- ")]


def comparable(text: str) -> str:
    """Whitespace and markdown marks aside: the answerer tidies those when it quotes."""
    return " ".join(re.sub(r"[*_\\#]", "", text).split()).lower()


def validate(rows: list[dict], max_input_chars: int) -> tuple[list[dict], Counter]:
    kept, rejected, seen = [], Counter(), set()
    for row in rows:
        problem = problem_with(row, max_input_chars)
        key = (row.get("document"), " ".join(str(row.get("instruction")).lower().split()))
        if problem is None and key in seen:
            problem = "duplicate"
        if problem:
            rejected[problem] += 1
            continue
        seen.add(key)
        kept.append(row)
    return kept, rejected


# ---------------------------------------------------------------- split

def split_by_document(rows: list[dict], seed: int) -> dict[str, list[dict]]:
    """About 80/10/10 of the rows, whole summaries at a time (shuffled with the seed): test and validation
    each take summaries until they hold their share, at least one each; train keeps the rest."""
    documents = sorted({r["document"] for r in rows})
    random.Random(seed).shuffle(documents)
    per_document = Counter(r["document"] for r in rows)
    assignment: dict[str, str] = {}
    for split, share in SPLITS[:0:-1]:
        target, filled = share * len(rows), 0
        while len(documents) > 1 and (filled == 0 or filled + per_document[documents[-1]] / 2 <= target):
            document = documents.pop()
            assignment[document] = split
            filled += per_document[document]
    return {split: [r for r in rows if assignment.get(r["document"], "train") == split] for split, _ in SPLITS}


# ---------------------------------------------------------------- main

def summary_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUMMARY_SUFFIXES)


def build(corpus: Path, seed: int, settings: Settings, progress: bool = True) -> tuple[list[dict], list[str]]:
    from tqdm import tqdm
    rng = random.Random(seed)
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as tmp:
        rag = RagSystem.from_settings(replace(settings, data_dir=Path(tmp), upload_dir=None,
                                              llm_backend="extractive"))
        for path in tqdm(summary_files(corpus), desc="Summaries", unit="file", disable=not progress):
            name = path.relative_to(corpus).as_posix()
            try:
                rows += rows_for_document(rag, name, path.read_bytes(), rng)
            except QAError as error:
                failures.append(f"{name}: {error}")
    return rows, failures


def write_splits(splits: dict[str, list[dict]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for split, rows in splits.items():
        with (out / f"{split}.jsonl").open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def statistics(splits: dict[str, list[dict]], rejected: Counter, failures: list[str], seed: int) -> dict:
    every = [r for rows in splits.values() for r in rows]
    return {
        "seed": seed,
        "rows": len(every),
        "documents": len({r["document"] for r in every}),
        "answerable": sum(r["answerable"] for r in every),
        "not_in_summary": sum(not r["answerable"] for r in every),
        "by_category": dict(sorted(Counter(r["category"] for r in every).items())),
        "splits": {split: {"rows": len(rows), "documents": sorted({r["document"] for r in rows}),
                           "not_in_summary": sum(not r["answerable"] for r in rows)}
                   for split, rows in splits.items()},
        "rejected": dict(rejected),
        "unreadable_files": failures,
    }


def report(stats: dict, out: Path) -> str:
    lines = [f"{stats['rows']} rows from {stats['documents']} summaries "
             f"({stats['answerable']} answered from the summary, {stats['not_in_summary']} 'not in the summary')"]
    lines += [f"  {split:<10} {s['rows']:>5} rows  {len(s['documents']):>3} summaries  "
              f"{s['not_in_summary']:>4} not in summary" for split, s in stats["splits"].items()]
    lines.append("  by category: " + ", ".join(f"{k} {v}" for k, v in stats["by_category"].items()))
    lines.append("  rejected: " + (", ".join(f"{k} {v}" for k, v in stats["rejected"].items()) or "none"))
    lines += [f"  could not read {failure}" for failure in stats["unreadable_files"]]
    lines.append(f"wrote {out}/train.jsonl, validation.jsonl, test.jsonl, stats.json")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="folder of summaries (searched recursively)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir() or not summary_files(args.corpus):
        print(f"No summaries (PDF, DOCX, TXT) under {args.corpus}: nothing to build.", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    rows, failures = build(args.corpus, args.seed, settings, progress=not args.quiet)
    kept, rejected = validate(rows, settings.context_tokens * CHARS_PER_TOKEN + INPUT_SLACK_CHARS)
    if len({r["document"] for r in kept}) < 3:
        print("At least 3 readable summaries are needed for a train/validation/test split.", file=sys.stderr)
        return 2
    splits = split_by_document(kept, args.seed)
    write_splits(splits, args.out)
    stats = statistics(splits, rejected, failures, args.seed)
    (args.out / "stats.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")
    print(report(stats, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
