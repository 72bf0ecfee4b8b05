"""Fit the warning-sign probe (mediassist/plan/warning_probe.py) on the training part of the marked warning signs.

    .venv/bin/python training/fit_warning_probe.py

Two sources, each split by family or document (training/splits.py); only the training part is read:
- training/data/plan/warning_sign_snippets*.jsonl: excerpts with each warning sign marked, and near misses;
- the annotated corpus (training/data/plan/annotator_*.json, its "warning_signs"), when ../shared/corpus is there:
  whole summaries, so the probe also meets the sentences of a summary that are no warning signs.
Each sentence the probe would read is labelled a warning sign when a marked one matches it. The probe is a
logistic regression on the packaged MiniLM's embedding alone: it reads a sentence without knowing what the rules
made of it, since on the training part the rules miss few signs to learn from (they were written on it). Its
threshold is chosen cross-validated by family, with its regularisation strength, as the one that finds the most
warning signs less FALSE_SIGN_COST per sentence wrongly added.
Writes mediassist/plan/data/warning_probe.json and prints the cross-validated figures beside the rules'.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from document_processor import load_document  # noqa: E402
from mediassist.index.embedder import packaged_embedder  # noqa: E402
from mediassist.plan.follow_up_probe import complete_follow_up  # noqa: E402
from mediassist.plan.listing import listed_plan  # noqa: E402
from mediassist.plan.warning_probe import PROBE_PATH, sentences_to_read  # noqa: E402
from training.evaluate_plan import CORPUS, load_truth  # noqa: E402
from training.evaluate_plan_sentences import WARNING_SNIPPETS, read_passages  # noqa: E402
from training.fit_follow_up import cross_validated, fewest_wrong_near_best, fit, is_marked  # noqa: E402
from training.splits import document_split  # noqa: E402

STRENGTHS = (1.0, 3.0, 10.0)   # inverse regularisation strengths tried, chosen with the threshold
# A sentence wrongly shown as a warning sign is mostly other advice in the wrong place; a missed one may be the
# sign the patient needed. Both cost alike here so that the probe adds only what reads clearly as a sign.
FALSE_SIGN_COST = 1.0
ADD_THRESHOLDS = (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


@dataclass
class Sentences:
    source: str       # "snippet" or "corpus"
    group: str        # the family or document, for cross-validation
    texts: list[str]
    by_rule: np.ndarray
    labels: np.ndarray


def read_source(text: bytes, name: str, marked: list[str], source: str, group: str, embed) -> Sentences:
    document = load_document(text, name)
    plan = complete_follow_up(listed_plan(document), document, embed)
    reading = sentences_to_read(plan, document)
    texts = [u.text for u in reading.units]
    return Sentences(source, group, texts, reading.by_rule,
                     np.array([any(is_marked(m, t) for m in marked) for t in texts], dtype=bool))


def training_sentences(embed, corpus: Path = CORPUS) -> list[Sentences]:
    found = [read_source(row["text"].encode(), "passage.txt", row["spans"], "snippet", row["family"], embed)
             for row in read_passages(WARNING_SNIPPETS) if document_split(row["family"]) == "train"]
    if corpus.is_dir():
        found += [read_source((corpus / name).read_bytes(), name, list(truth["warning_signs"]), "corpus", name,
                              embed)
                  for name, truth in sorted(load_truth().items()) if document_split(name) == "train"]
    return [s for s in found if s.texts]


def worth(added: np.ndarray, y: np.ndarray) -> float:
    return (added & y).sum() - FALSE_SIGN_COST * (added & ~y).sum()


def choose(x: np.ndarray, y: np.ndarray, groups: np.ndarray, by_rule: np.ndarray) -> tuple[float, float, np.ndarray]:
    """The strength and threshold worth most cross-validated, with those cross-validated probabilities; of those
    worth about the same (within fit_follow_up.WORTH_TIE of the best), the one that adds the fewest wrong sentences."""
    tried = []
    for c in STRENGTHS:
        p = cross_validated(x, y, groups, c)
        for add in ADD_THRESHOLDS:
            added = ~by_rule & (p >= add)
            tried.append((worth(added, y), int((added & ~y).sum()), c, add, p))
    return fewest_wrong_near_best(tried)


def figures(shown: np.ndarray, y: np.ndarray, sentences: list[Sentences]) -> str:
    """Sentences found and wrongly shown, and excerpts (or documents) with signs of which none is shown."""
    parts, start = [], 0
    missed = {"snippet": 0, "corpus": 0}
    quiet_shown = {"snippet": 0, "corpus": 0}
    for s in sentences:
        end = start + len(s.texts)
        if y[start:end].any() and not shown[start:end].any():
            missed[s.source] += 1
        if not y[start:end].any() and shown[start:end].any():
            quiet_shown[s.source] += 1
        start = end
    source = np.array([s.source for s in sentences for _ in s.texts])
    for name in ("snippet", "corpus"):
        mine = source == name
        parts.append(f"{name}: {int((shown & y & mine).sum())} of {int((y & mine).sum())} found, "
                     f"{int((shown & ~y & mine).sum())} wrong; {missed[name]} with signs none shown, "
                     f"{quiet_shown[name]} without signs some shown")
    return "\n    ".join(parts)


def main() -> int:
    embed = packaged_embedder().embed
    sentences = training_sentences(embed)
    if not sentences:
        print("No training passages: nothing to fit.")
        return 0
    vectors = embed([t for s in sentences for t in s.texts])
    by_rule, y = (np.concatenate([getattr(s, name) for s in sentences]) for name in ("by_rule", "labels"))
    groups = np.array([s.group for s in sentences for _ in s.texts])
    x = vectors.astype(np.float64)
    c, add, p = choose(x, y, groups, by_rule)
    model = fit(x, y, c)
    weights = model.coef_[0]
    data = {"about": "Fitted by training/fit_warning_probe.py on the training part of the marked warning signs; "
                     "do not edit by hand.",
            "weights": [round(float(w), 6) for w in weights],
            "bias": round(float(model.intercept_[0]), 6), "add_threshold": add,
            "fitted_on": {"sentences": int(len(y)), "warning_signs": int(y.sum()), "groups": len(set(groups))}}
    PROBE_PATH.parent.mkdir(parents=True, exist_ok=True)
    PROBE_PATH.write_text(json.dumps(data) + "\n", encoding="utf-8")
    print(f"wrote {PROBE_PATH.relative_to(ROOT)}: {len(y)} sentences, {int(y.sum())} warning signs; "
          f"strength {c}, add at {add}")
    print("cross-validated by family, training part only")
    print(f"  the rules alone\n    {figures(by_rule, y, sentences)}")
    print(f"  with the probe\n    {figures(by_rule | (p >= add), y, sentences)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
