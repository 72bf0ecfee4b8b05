"""Validate the question set and the plan annotations against the corpus in ../shared/corpus, and the labels of
the documents written for the plan (training/data/written) against those documents.

    .venv/bin/python training/data/check_eval_set.py [--corpus DIR]

Every document is read with the app's own document_processor.load_document(...).text, so TXT, PDF and
DOCX spans are checked against exactly the text the app sees. Prints counts; exits 1 on any problem,
0 when all is well or when the corpus is absent (skipped). Uses only the standard library itself; the
app's PDF/DOCX readers (pypdf, python-docx) come from its virtual environment, so when they are missing
from the running interpreter the script re-runs itself with ../../.venv/bin/python if that exists.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]                      # the app: document_processor.py lives here
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
QUESTION_FILES = (HERE / "eval_questions.jsonl", *sorted((HERE / "questions").glob("*.jsonl")))
PLAN_FOLDER = HERE / "plan"
WRITTEN_FOLDER = HERE / "written"
WRITTEN_LISTS = ("home_medications", "hospital_only", "stopped_or_held", "before_admission_unclear", "follow_up")
WRITTEN_FIELDS = {"document", "kind", *WRITTEN_LISTS, "warning_signs", "notes"}

CATEGORIES = {"medications", "follow_up", "diet", "activity", "wound_care", "warning_signs", "diagnosis",
              "procedures", "allergies", "tests", "hospital_course", "other"}
FIELDS = {"id", "document", "question", "category", "answerable", "evidence", "key_facts"}
OPTIONAL = {"note", "detail_missing", "named_in", "followup_of", "topic"}
MIN_QUESTIONS, MIN_DOCUMENTS, MIN_UNANSWERABLE = 400, 60, 80
PER_DOCUMENT = (3, 32)   # writer 9 asks the same eight topics of every summary
UNANSWERABLE_SHARE = (0.20, 0.40)   # writer 9 asks every summary about driving and work, which few answer
PLAN_FIELDS = {"home_medications", "hospital_only", "follow_up", "warning_signs", "notes"}
STATUSES = {"new", "changed", "continued", "stopped", "held", "unspecified"}
SPAN_CHARS = (20, 400)
MAX_SPANS, MAX_FACTS, MAX_FACT_WORDS = 3, 4, 4


def corpus_documents(corpus: Path) -> list[str]:
    return sorted(f"{sub}/{p.name}" for sub in ("text", "files") if (corpus / sub).is_dir()
                  for p in (corpus / sub).iterdir() if p.is_file())


def ensure_app_readers() -> None:
    """Re-run under the app's venv when this interpreter cannot read PDF/DOCX."""
    try:
        import docx  # noqa: F401
        import pypdf  # noqa: F401
        return
    except ImportError:
        pass
    venv_python = ROOT / ".venv" / "bin" / "python"
    in_venv = Path(sys.prefix).resolve() == (ROOT / ".venv").resolve()
    if venv_python.exists() and not in_venv and not os.environ.get("CHECK_EVAL_SET_REEXEC"):
        os.environ["CHECK_EVAL_SET_REEXEC"] = "1"
        os.execv(str(venv_python), [str(venv_python), str(Path(__file__).resolve()), *sys.argv[1:]])
    print("pypdf/python-docx not importable and no .venv found: run with the app's virtual environment "
          "(make run or make test creates it).", file=sys.stderr)
    sys.exit(2)


def load_texts(corpus: Path, names: list[str]) -> dict[str, str]:
    from document_processor import load_document
    return {name: load_document((corpus / name).read_bytes(), name).text for name in names}


def check_questions(rows: list[dict], texts: dict[str, str], errors: list[str]) -> None:
    seen_ids: set[str] = set()
    seen_questions: set[tuple[str, str]] = set()
    for n, row in enumerate(rows, 1):
        where = f"line {n} ({row.get('id', '?')})"
        missing, extra = FIELDS - row.keys(), row.keys() - FIELDS - OPTIONAL
        if missing or extra:
            errors.append(f"{where}: missing {sorted(missing)} / unexpected {sorted(extra)}")
            continue
        qid, doc, question = row["id"], row["document"], row["question"]
        if not (isinstance(qid, str) and re.fullmatch(r"q\d{3,}", qid)):
            errors.append(f"{where}: id must look like q001")
        if qid in seen_ids:
            errors.append(f"{where}: duplicate id")
        seen_ids.add(qid)
        if doc not in texts:
            errors.append(f"{where}: unknown document {doc!r}")
            continue
        if not isinstance(question, str) or len(question.strip()) < 5:
            errors.append(f"{where}: question is empty")
        elif (doc, question.strip().lower()) in seen_questions:
            errors.append(f"{where}: same question twice for {doc}")
        else:
            seen_questions.add((doc, question.strip().lower()))
        if row["category"] not in CATEGORIES:
            errors.append(f"{where}: category {row['category']!r} not one of {sorted(CATEGORIES)}")
        if not isinstance(row["answerable"], bool):
            errors.append(f"{where}: answerable must be true or false")
            continue
        evidence, facts = row["evidence"], row["key_facts"]
        if not (isinstance(evidence, list) and isinstance(facts, list)):
            errors.append(f"{where}: evidence and key_facts must be lists")
            continue
        if "note" in row and not (isinstance(row["note"], str) and row["note"].strip()):
            errors.append(f"{where}: note must be a non-empty string when present")
        if not row["answerable"]:
            if evidence or facts:
                errors.append(f"{where}: unanswerable question with evidence or key facts")
            if not str(row.get("note", "")).strip():
                errors.append(f"{where}: unanswerable question needs a note saying what was checked")
            if row.get("detail_missing") and str(row.get("named_in", "")) not in texts[doc]:
                errors.append(f"{where}: named_in not verbatim in {doc}")
            continue
        if row.get("followup_of") and row["followup_of"] not in seen_ids:
            errors.append(f"{where}: followup_of {row['followup_of']!r} is not an earlier question")
        text = texts[doc]
        if not 1 <= len(evidence) <= MAX_SPANS:
            errors.append(f"{where}: needs 1-{MAX_SPANS} evidence spans, has {len(evidence)}")
        for span in evidence:
            if not isinstance(span, str):
                errors.append(f"{where}: evidence span is not a string")
                continue
            if not SPAN_CHARS[0] <= len(span) <= SPAN_CHARS[1]:
                errors.append(f"{where}: span of {len(span)} chars (want {SPAN_CHARS[0]}-{SPAN_CHARS[1]}): {span[:60]!r}")
            if span not in text:
                errors.append(f"{where}: span not verbatim in {doc}: {span[:80]!r}")
        if not 1 <= len(facts) <= MAX_FACTS:
            errors.append(f"{where}: needs 1-{MAX_FACTS} key facts, has {len(facts)}")
        spans_lower = [s.lower() for s in evidence if isinstance(s, str)]
        for fact in facts:
            if not isinstance(fact, str) or not fact.strip():
                errors.append(f"{where}: empty key fact")
                continue
            if len(fact.split()) > MAX_FACT_WORDS:
                errors.append(f"{where}: key fact longer than {MAX_FACT_WORDS} words: {fact!r}")
            if not any(fact.lower() in s for s in spans_lower):
                errors.append(f"{where}: key fact not in any evidence span: {fact!r}")


def check_plan_annotations(truth: dict, texts: dict[str, str], errors: list[str]) -> Counter:
    counts: Counter = Counter()
    for name, entry in truth.items():
        where = f"plan[{name}]"
        if name not in texts:
            errors.append(f"{where}: unknown document")
            continue
        if set(entry) != PLAN_FIELDS:
            errors.append(f"{where}: needs exactly {sorted(PLAN_FIELDS)}")
            continue
        text = texts[name]
        spans = [m["evidence"] for m in entry["home_medications"] + entry["hospital_only"] + entry["follow_up"]]
        for span in spans + entry["warning_signs"]:
            if span not in text:
                errors.append(f"{where}: not verbatim: {span[:80]!r}")
        for med in entry["home_medications"]:
            if med.get("status") not in STATUSES:
                errors.append(f"{where}: status {med.get('status')!r} not one of {sorted(STATUSES)}")
        counts["documents"] += 1
        counts["home medications"] += len(entry["home_medications"])
        counts["follow-ups"] += len(entry["follow_up"])
        counts["with warning signs"] += bool(entry["warning_signs"])
    return counts


def check_written_documents(errors: list[str], folder: Path = WRITTEN_FOLDER) -> Counter:
    """The documents written for evaluation, read as the app reads them: every plan label's span in its document,
    and the questions asked of them checked like the corpus questions."""
    from document_processor import load_document
    counts: Counter = Counter()
    texts = {path.name: load_document(path.read_bytes(), path.name).text for path in folder.glob("*.txt")}
    for labels in sorted(folder.glob("plan_labels_*.jsonl")):
        for n, line in enumerate(labels.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            where = f"{labels.name} line {n}"
            if row.keys() != WRITTEN_FIELDS:
                errors.append(f"{where}: needs exactly {sorted(WRITTEN_FIELDS)}")
                continue
            text = texts.get(row["document"])
            if text is None:
                errors.append(f"{where}: no document {row['document']}")
                continue
            spans = [item["evidence"] for key in WRITTEN_LISTS for item in row[key]] + row["warning_signs"]
            for span in spans:
                if span not in text:
                    errors.append(f"{where}: not verbatim in {row['document']}: {span[:80]!r}")
            counts["documents"] += 1
            for key in WRITTEN_LISTS:
                counts[key.replace("_", " ")] += len(row[key])
            counts["with warning signs"] += bool(row["warning_signs"])
    questions = folder / "questions.jsonl"
    if questions.is_file():
        rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
        check_questions(rows, texts, errors)
        counts["questions"] = len(rows)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    errors: list[str] = []
    ensure_app_readers()
    written = check_written_documents(errors)
    print("documents written for evaluation (training/data/written): " + ", ".join(f"{n} {k}" for k, n in written.items()))
    if not (args.corpus / "text").is_dir() and not (args.corpus / "files").is_dir():
        print(f"No corpus at {args.corpus}: the questions and the corpus annotations are not checked.")
        return report(errors)
    names = corpus_documents(args.corpus)
    texts = load_texts(args.corpus, names)

    rows = []
    for path in QUESTION_FILES:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    errors.append(f"{path.name} line {n}: not JSON ({exc})")
    check_questions(rows, texts, errors)

    total = len(rows)
    unanswerable = sum(r.get("answerable") is False for r in rows)
    per_doc = Counter(r.get("document") for r in rows)
    if total < MIN_QUESTIONS:
        errors.append(f"only {total} questions (want >= {MIN_QUESTIONS})")
    if len(per_doc) < MIN_DOCUMENTS:
        errors.append(f"only {len(per_doc)} documents (want >= {MIN_DOCUMENTS})")
    for doc, count in sorted(per_doc.items()):
        if not PER_DOCUMENT[0] <= count <= PER_DOCUMENT[1]:
            errors.append(f"{doc}: {count} questions (want {PER_DOCUMENT[0]}-{PER_DOCUMENT[1]})")
    share = unanswerable / total if total else 0.0
    if unanswerable < MIN_UNANSWERABLE or not UNANSWERABLE_SHARE[0] <= share <= UNANSWERABLE_SHARE[1]:
        errors.append(f"{unanswerable} unanswerable ({share:.0%}); want >= {MIN_UNANSWERABLE} and "
                      f"{UNANSWERABLE_SHARE[0]:.0%}-{UNANSWERABLE_SHARE[1]:.0%}")

    truth = {}
    for path in sorted(PLAN_FOLDER.glob("*.json")):
        truth.update(json.loads(path.read_text(encoding="utf-8")))
    plan_counts = check_plan_annotations(truth, texts, errors)
    if plan_counts["documents"] < MIN_DOCUMENTS:
        errors.append(f"plan annotations cover {plan_counts['documents']} documents (want >= {MIN_DOCUMENTS})")

    print(f"{total} questions over {len(per_doc)} of {len(names)} corpus documents; "
          f"{total - unanswerable} answerable, {unanswerable} unanswerable ({share:.1%})")
    by_cat = Counter(r.get("category") for r in rows)
    by_cat_u = Counter(r.get("category") for r in rows if r.get("answerable") is False)
    for cat in sorted(by_cat):
        print(f"  {cat:16} {by_cat[cat]:4}  (unanswerable {by_cat_u[cat]})")
    print("plan annotations: " + ", ".join(f"{n} {k}" for k, n in plan_counts.items()))
    return report(errors)


def report(errors: list[str]) -> int:
    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors:
            print(f"  - {e}")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
