"""Which sections of a summary the model should always read when the whole summary does not fit its budget.

For every section name, the evidence of the training questions found in it per 1,000 characters of that
section across the training summaries: the sections patients' questions are answered from, by density. The
prompt builder (mediassist/llm/excerpts.py) fills the stable part of the prompt in this order. Training
part only (training/splits.py); writes mediassist/llm/data/section_priority.json.

    .venv/bin/python training/fit_excerpt_priority.py [--corpus ../shared/corpus]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from document_processor import load_document  # noqa: E402
from mediassist.structure.headings import CANONICAL_SECTION_NAMES  # noqa: E402
from training.evaluate import load_questions, span_offsets  # noqa: E402

OUT = ROOT / "mediassist" / "llm" / "data" / "section_priority.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = parser.parse_args(argv)
    questions = [q for q in load_questions() if q.split == "train" and q.evidence]
    evidence, characters = Counter(), Counter()
    for name in sorted({q.document for q in questions}):
        path = args.corpus / name
        document = load_document(path.read_bytes(), path.name)
        for section in document.sections:
            characters[section.name] += section.end - section.start
        for q in (q for q in questions if q.document == name):
            for span in q.evidence:
                found = span_offsets(document.text, span)
                section = document.section_at(found[0]) if found else None
                if section:
                    evidence[section.name] += 1 / len(q.evidence)
    density = {name: round(1000 * evidence[name] / characters[name], 4) if characters[name] else 0.0
               for name in CANONICAL_SECTION_NAMES}
    ranked = dict(sorted(density.items(), key=lambda item: -item[1]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"evidence_per_1000_chars": ranked, "questions": len(questions)}, indent=1) + "\n")
    for name, value in ranked.items():
        print(f"{value:8.3f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
