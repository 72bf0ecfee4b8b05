"""The plan on passages written for it by people who had not read the extractor, split by family.

    .venv/bin/python training/evaluate_plan_sentences.py [--show train]

- training/data/plan/drug_status_sentences.jsonl: a sentence or two under a heading, each drug named with what
  the patient should understand of it (home, hospital_only, stopped, held, before_admission). Scored: home drugs
  the plan lists to take, and drugs the plan lists to take that are not to be taken.
- training/data/plan/warning_sign_snippets.jsonl: excerpts with or without warning signs. Scored: excerpts with
  warning signs whose plan shows none, and excerpts without any whose plan shows some.
- training/data/plan/followup_snippets.jsonl: excerpts with each follow-up appointment marked. Scored: the
  appointments found among the plan's follow-up rows, and the rows that are appointments.

No corpus is needed: the passages are the data. Families are split by training/splits.py, so a phrasing
pattern is either tuned on or reported, never both.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from training.evaluate_plan import name_matches, ratio, rows_match  # noqa: E402
from training.splits import document_split  # noqa: E402

DATA = ROOT / "training" / "data" / "plan"
# Each kind of passage may come in several files, one per writer: drug_status_sentences.jsonl, ..._2.jsonl.
DRUG_SENTENCES = "drug_status_sentences*.jsonl"
WARNING_SNIPPETS = "warning_sign_snippets*.jsonl"
FOLLOWUP_SNIPPETS = "followup_snippets*.jsonl"
NOT_TO_TAKE = ("hospital_only", "before_admission", "stopped", "held")
SHOWN_AS_NOT_TAKEN = ("stopped", "held")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_passages(pattern: str) -> list[dict]:
    return [row for path in sorted(DATA.glob(pattern)) for row in read_jsonl(path)]


def plan_of(text: str) -> dict:
    from document_processor import load_document
    from mediassist.plan import extract_plan
    return extract_plan(load_document(text.encode(), "passage.txt")).to_json()


def to_take(plan: dict) -> list[dict]:
    return [m for m in plan["medications"] if not m.get("as_written") and m.get("status") not in SHOWN_AS_NOT_TAKEN]


def score_drug_sentence(row: dict) -> dict:
    heading = row.get("section")
    plan = plan_of(f"{heading}:\n{row['text']}\n" if heading else row["text"])
    taken = to_take(plan)
    score = defaultdict(int)
    score["missed"], score["wrongly_taken"] = [], []
    for drug in row["drugs"]:
        shown = any(name_matches(drug["name"], m["name"]) for m in taken)
        if drug["status"] == "home":
            score["home"] += 1
            score["home_found"] += shown
            if not shown:
                score["missed"].append(drug["name"])
        else:
            score["not_to_take"] += 1
            score["shown_to_take"] += shown
            if shown:
                score["wrongly_taken"].append(f"{drug['name']} ({drug['status']})")
    return score


def score_warning_snippet(row: dict) -> dict:
    shown = bool(plan_of(row["text"])["warning_signs"])
    positive = bool(row["has_warning_signs"])
    return {"positive": int(positive), "missed": int(positive and not shown),
            "negative": int(not positive), "false": int(shown and not positive)}


def score_followup_snippet(row: dict) -> dict:
    rows = [item["text"] for item in plan_of(row["text"])["follow_up"]]
    marked = row["appointments"]
    found = [any(rows_match(a, r) for r in rows) for a in marked]
    right = [any(rows_match(a, r) for a in marked) for r in rows]
    return {"appointments": len(marked), "appointments_found": sum(found), "rows": len(rows),
            "rows_right": sum(right), "missed_rows": [a for a, ok in zip(marked, found) if not ok],
            "wrong_rows": [r for r, ok in zip(rows, right) if not ok]}


def evaluate(show: str | None = None) -> dict[str, dict]:
    totals: dict[str, dict] = {"train": defaultdict(int), "test": defaultdict(int)}
    for row in read_passages(DRUG_SENTENCES):
        split, score = document_split(row["family"]), score_drug_sentence(row)
        for key in ("home", "home_found", "not_to_take", "shown_to_take"):
            totals[split][key] += score[key]
        if show == split and (score["missed"] or score["wrongly_taken"]):
            print(f"== [{row.get('section')}] {row['text']}\n   missed {score['missed']} "
                  f"taken {score['wrongly_taken']}")
    for row in read_passages(WARNING_SNIPPETS):
        split, score = document_split(row["family"]), score_warning_snippet(row)
        for key, value in score.items():
            totals[split][key] += value
        if show == split and (score["missed"] or score["false"]):
            print(f"== warning signs {'MISSED' if score['missed'] else 'FALSE'}:\n{row['text']}\n")
    for row in read_passages(FOLLOWUP_SNIPPETS):
        split, score = document_split(row["family"]), score_followup_snippet(row)
        for key in ("appointments", "appointments_found", "rows", "rows_right"):
            totals[split][key] += score[key]
        if show == split and (score["missed_rows"] or score["wrong_rows"]):
            print(f"== follow-up: missed {score['missed_rows']} wrong {score['wrong_rows']}\n{row['text']}\n")
    return totals


def print_table(totals: dict[str, dict]) -> None:
    rows = [
        ("home drugs listed to take", lambda t: ratio(t["home_found"], t["home"])),
        ("drugs not to take, listed to take", lambda t: f"{t['shown_to_take']} of {t['not_to_take']}"),
        ("has warning signs, plan shows none", lambda t: f"{t['missed']} of {t['positive']}"),
        ("no warning signs, plan shows some", lambda t: f"{t['false']} of {t['negative']}"),
        ("follow-up appointments found", lambda t: ratio(t["appointments_found"], t["appointments"])),
        ("follow-up rows that are appointments", lambda t: ratio(t["rows_right"], t["rows"])),
    ]
    print(f"{'written passages':38}{'train':>12}{'test':>12}")
    for label, cell in rows:
        print(f"{label:38}" + "".join(f"{cell(totals[s]):>12}" for s in ("train", "test")))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", choices=("train",), help="print the misses of the training families")
    args = parser.parse_args(argv)
    print_table(evaluate(args.show))
    return 0


if __name__ == "__main__":
    sys.exit(main())
