"""Write a few-shot Modelfile: the shipped mediassist Modelfile plus MESSAGE example turns from the training data.

    make fewshot
    .venv/bin/python training/build_modelfile.py [--data training/out/data/train.jsonl] [--examples 4]
                                                 [--out training/out/Modelfile.fewshot]
    then: flask --app app create-model --modelfile training/out/Modelfile.fewshot   (or ollama create -f ...)

The examples are short rows of the train split: one "not in the summary" answer and answered ones from
different categories, each user turn built as the app builds it (instructions, excerpts, question) but with
only the excerpts the answer quotes: every example costs context on every question (--max-chars each).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from modelfile import read_modelfile, render_modelfile  # noqa: E402
from prompting import user_turn  # noqa: E402
from training.create_training_data import comparable, quoted_lines  # noqa: E402

DEFAULT_DATA = ROOT / "training" / "out" / "data" / "train.jsonl"
DEFAULT_OUT = ROOT / "training" / "out" / "Modelfile.fewshot"
_EXCERPT = re.compile(r"<excerpt\b.*?</excerpt>", re.DOTALL)


def pick_examples(rows: list[dict], count: int, max_chars: int) -> list[dict]:
    """The shortest fitting row of each category in turn, a refusal first, so the few shots cover the
    answer shapes (a list of medicines, a date, warning signs, "the summary does not say")."""
    shortened = [{**r, "input": essential_excerpts(r)} for r in rows]
    fitting = sorted((r for r in shortened
                      if len(user_turn(r["instruction"], r["input"])) + len(r["output"]) <= max_chars),
                     key=lambda r: (len(r["input"]) + len(r["output"]), r["instruction"]))
    chosen = [r for r in fitting if not r["answerable"]][:1]
    categories: list[str] = []
    for row in fitting:
        if row["answerable"] and row["category"] not in categories + ["other"]:   # "other": rarely-covered topics
            categories.append(row["category"])
            chosen.append(row)
    return chosen[:count]


def essential_excerpts(row: dict) -> str:
    """Only the excerpts the answer quotes (for a "not in the summary" row, its shortest excerpt, which
    does not answer either): a whole summary per example would crowd out the patient's own."""
    blocks = _EXCERPT.findall(row["input"]) or [row["input"]]
    if not row["answerable"]:
        return min(blocks, key=len)
    quoted = [comparable(line) for line in quoted_lines(row["output"])]
    kept = [b for b in blocks if any(q in comparable(b) for q in quoted)]
    return "\n\n".join(kept or blocks)


def few_shot_messages(examples: list[dict]) -> list[dict]:
    return [turn for row in examples for turn in (
        {"role": "user", "content": user_turn(row["instruction"], row["input"])},
        {"role": "assistant", "content": row["output"]})]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--modelfile", type=Path, default=ROOT / "Modelfile", help="the Modelfile to extend")
    parser.add_argument("--examples", type=int, default=4)
    parser.add_argument("--max-chars", type=int, default=2500, help="longest example (user and answer together)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"No training data at {args.data}: run `make train-data` first.", file=sys.stderr)
        return 2
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    examples = pick_examples(rows, args.examples, args.max_chars)
    if not examples:
        print(f"No example in {args.data} is shorter than {args.max_chars} characters.", file=sys.stderr)
        return 2
    spec = read_modelfile(args.modelfile)
    spec.messages = few_shot_messages(examples)
    header = (f"Few-shot mediassist: {args.modelfile.name} plus {len(examples)} example questions from "
              f"{args.data.name}.\nBuild it: flask --app app create-model --modelfile {args.out} "
              f"(or ollama create mediassist -f {args.out})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_modelfile(spec, header), encoding="utf-8")
    print(f"wrote {args.out} with {len(examples)} examples: " +
          "; ".join(f"{r['category']}: {r['instruction']}" for r in examples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
