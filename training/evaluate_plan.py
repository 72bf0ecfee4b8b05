"""How well the discharge plan finds what the annotated summaries say, on the train and test documents.

    .venv/bin/python training/evaluate_plan.py [--corpus ../shared/corpus] [--show train]

Two sets, each with its own table: the corpus summaries, with ground truth in training/data/plan/*.json (home
medicines with status, hospital-only drugs, follow-ups, warning signs; written by annotators who had not read
the extractor), and the whole documents written for the plan in training/data/written/ (plan_labels_*.jsonl
beside them, which also list the drugs stopped or held), which need no corpus. Documents are split by
training/splits.py. Medicines match by name (fuzzy, so "Lasix 40 mg" finds "Lasix"); follow-ups match when
most of the annotated words are in a plan row, or most of the row's words are in the annotation.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from training.splits import document_split  # noqa: E402

TRUTH = ROOT / "training" / "data" / "plan"
CORPUS = ROOT.parent / "shared" / "corpus"
WRITTEN = ROOT / "training" / "data" / "written"   # documents written by people who had not read the app, labelled
NAME_MATCH = 88      # rapidfuzz partial ratio for drug names
ROW_OVERLAP = 0.6    # share of words for a follow-up row to match an annotated one


def load_truth(folder: Path = TRUTH) -> dict[str, dict]:
    truth = {}
    for path in sorted(folder.glob("*.json")):
        truth.update(json.loads(path.read_text(encoding="utf-8")))
    return truth


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]{3,}", text.lower()))


def name_matches(truth_name: str, plan_name: str) -> bool:
    from rapidfuzz import fuzz
    a, b = truth_name.lower().strip(), plan_name.lower().strip()
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    return fuzz.partial_ratio(short, long) >= NAME_MATCH and len(short) >= 3


def rows_match(truth_text: str, plan_text: str) -> bool:
    t, p = words(truth_text), words(plan_text)
    if not t or not p:
        return False
    shared = len(t & p)
    return shared / len(t) >= ROW_OVERLAP or shared / len(p) >= ROW_OVERLAP


def score_document(truth: dict, plan: dict) -> dict:
    meds = [m for m in plan["medications"] if not m.get("as_written")]   # lines shown as written claim no drug
    home = truth["home_medications"]
    hospital = truth["hospital_only"]
    found = [any(name_matches(h["name"], m["name"]) for m in meds) for h in home]
    ended = truth.get("stopped_or_held", [])     # only the written documents' labels have this list
    correct = [any(name_matches(h["name"], m["name"]) for h in home)
               or (m.get("status") in ("stopped", "held") and any(name_matches(h["name"], m["name"]) for h in ended))
               for m in meds]    # a drug shown as stopped or held that is, is right too
    hospital_shown = [m["name"] for m, ok in zip(meds, correct) if not ok and m.get("status") not in ("stopped",)
                      and any(name_matches(h["name"], m["name"]) for h in hospital)]
    ended_shown = [m["name"] for m, ok in zip(meds, correct) if not ok and m.get("status") not in ("stopped", "held")
                   and any(name_matches(h["name"], m["name"]) for h in ended)]
    follow = plan["follow_up"]
    follow_found = [any(rows_match(f["evidence"], row["text"]) for row in follow) for f in truth["follow_up"]]
    follow_correct = [any(rows_match(f["evidence"], row["text"]) for f in truth["follow_up"]) for row in follow]
    return {
        "home": len(home), "home_found": sum(found), "plan_meds": len(meds), "plan_meds_correct": sum(correct),
        "empty_list": bool(home) and not plan["medications"], "hospital_shown": hospital_shown,
        "ended": len(ended), "ended_shown": ended_shown,
        "follow": len(truth["follow_up"]), "follow_found": sum(follow_found),
        "plan_follow": len(follow), "plan_follow_correct": sum(follow_correct),
        "warning_missed": bool(truth["warning_signs"]) and not plan["warning_signs"],
        "missed_meds": [h["name"] for h, ok in zip(home, found) if not ok],
        "junk_meds": [m["name"] for m, ok in zip(meds, correct) if not ok],
        "missed_follow": [f["evidence"] for f, ok in zip(truth["follow_up"], follow_found) if not ok],
        "junk_follow": [row["text"] for row, ok in zip(follow, follow_correct) if not ok],
    }


def summarise(scores: list[dict]) -> dict:
    total = defaultdict(int)
    for s in scores:
        for key in ("home", "home_found", "plan_meds", "plan_meds_correct", "follow", "follow_found", "plan_follow",
                    "plan_follow_correct"):
            total[key] += s[key]
        total["empty_lists"] += s["empty_list"]
        total["hospital_shown"] += len(s["hospital_shown"])
        total["ended_shown"] += len(s["ended_shown"])
        total["warning_missed"] += s["warning_missed"]
    total["documents"] = len(scores)
    total["with_home"] = sum(s["home"] > 0 for s in scores)
    total["with_ended"] = sum(s["ended"] > 0 for s in scores)
    total["with_warnings"] = sum(1 for s in scores if s.get("has_warnings"))
    return dict(total)


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


def print_table(summaries: dict[str, dict], latency: dict) -> None:
    print(f"{'':38}{'train':>12}{'test':>12}")
    rows = [
        ("documents", lambda t: str(t["documents"])),
        ("home-medicine recall", lambda t: ratio(t["home_found"], t["home"])),
        ("home-medicine precision", lambda t: ratio(t["plan_meds_correct"], t["plan_meds"])),
        ("lists home medicines, plan list EMPTY", lambda t: f"{t['empty_lists']} of {t['with_home']}"),
        ("hospital-only drugs shown to take", lambda t: str(t["hospital_shown"])),
        ("stopped or held drugs shown to take", lambda t: str(t["ended_shown"]) if t["with_ended"] else "-"),
        ("follow-up recall", lambda t: ratio(t["follow_found"], t["follow"])),
        ("follow-up precision", lambda t: ratio(t["plan_follow_correct"], t["plan_follow"])),
        ("has warning signs, plan shows none", lambda t: f"{t['warning_missed']} of {t['with_warnings']}"),
    ]
    for label, cell in rows:
        print(f"{label:38}" + "".join(f"{cell(summaries[s]):>12}" for s in ("train", "test")))
    print(f"plan extraction per summary: p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--show", choices=("train",), help="print the misses of the training documents")
    args = parser.parse_args(argv)
    if args.corpus.is_dir():
        print("corpus summaries")
        evaluate({name: (args.corpus / name, expected) for name, expected in load_truth().items()}, args.show)
    else:
        print(f"no corpus at {args.corpus}: its summaries are not evaluated")
    written = load_written()
    if written:
        print("\nwritten documents (training/data/written)")
        evaluate(written, args.show)
    return 0


def load_written(folder: Path = WRITTEN) -> dict[str, tuple[Path, dict]]:
    """The documents written for the plan, each with its labels: {name: (file, truth)}."""
    written = {}
    for labels in sorted(folder.glob("plan_labels_*.jsonl")):
        for line in labels.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                written[row["document"]] = (folder / row["document"], row)
    return written


def evaluate(documents: dict[str, tuple[Path, dict]], show_split: str | None) -> None:
    from document_processor import load_document
    from mediassist.plan import extract_plan
    scores, times = defaultdict(list), []
    for name, (path, expected) in sorted(documents.items()):
        document = load_document(path.read_bytes(), name)
        started = time.perf_counter()
        plan = extract_plan(document).to_json()
        times.append((time.perf_counter() - started) * 1000)
        score = {**score_document(expected, plan), "has_warnings": bool(expected["warning_signs"])}
        split = document_split(name)
        scores[split].append(score)
        if show_split == split:
            show(name, score)
    times.sort()
    latency = {"p50_ms": round(times[len(times) // 2], 1), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1)}
    print_table({s: summarise(scores[s]) for s in ("train", "test")}, latency)


def show(name: str, score: dict) -> None:
    kinds = ("missed_meds", "junk_meds", "hospital_shown", "ended_shown", "missed_follow", "junk_follow")
    problems = {k: score[k] for k in kinds if score[k]}
    if problems or score["warning_missed"] or score["empty_list"]:
        print(f"== {name}" + ("  [WARNING SIGNS MISSED]" if score["warning_missed"] else "")
              + ("  [HOME MEDICINES, EMPTY LIST]" if score["empty_list"] else ""))
        for key, values in problems.items():
            print(f"   {key}: {values}")


if __name__ == "__main__":
    sys.exit(main())
