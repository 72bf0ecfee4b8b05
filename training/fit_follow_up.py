"""Fit the follow-up probe (mediassist/plan/follow_up_probe.py) on the training part of the marked appointments.

    .venv/bin/python training/fit_follow_up.py

Three sources, each split by family or document (training/splits.py); only the training part is read:
- training/data/plan/followup_snippets*.jsonl: excerpts with each follow-up appointment marked;
- the annotated corpus (training/data/plan/annotator_*.json, its "follow_up" evidence), when ../shared/corpus is
  there, and the documents written for the plan (training/data/written, plan_labels_*.jsonl): whole summaries, so
  the probe also meets the sentences of a summary that are not appointments (signatures, the stay's dates, a
  sick note), in layouts the corpus has few of.
Each sentence the probe would read is labelled an appointment when an annotated one matches it. The probe is a
logistic regression on the packaged MiniLM's embedding and three flags of the rules; its two thresholds are
chosen cross-validated by family, with its regularisation strength, as those that find the most appointments less
FALSE_ROW_COST per wrong row.
Writes mediassist/plan/data/follow_up_probe.json and prints the cross-validated figures beside the rules'.
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
from mediassist.plan.follow_up_probe import PROBE_PATH, sentences_to_read  # noqa: E402
from mediassist.plan.listing import listed_plan  # noqa: E402
from training.evaluate_plan import CORPUS, ROW_OVERLAP, load_truth, load_written, words  # noqa: E402
from training.evaluate_plan_sentences import FOLLOWUP_SNIPPETS, read_passages  # noqa: E402
from training.folds import out_of_fold  # noqa: E402
from training.splits import document_split  # noqa: E402

STRENGTHS = (3.0, 10.0, 30.0)   # inverse regularisation strengths tried, chosen with the thresholds
FALSE_ROW_COST = 1.0   # a wrong row is mostly a real instruction in the wrong category; a missed one is hidden
ADD_THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9)
KEEP_THRESHOLDS = (0.0, 0.05, 0.1, 0.2, 0.3)
WORTH_TIE = 0.01   # share of the best worth within which the fewest wrong rows decide
MIN_WORDS_MATCHED = 4   # a short sentence counts as an appointment only if it is most of one, not a word of it


@dataclass
class Sentences:
    source: str              # "snippet" or "corpus"
    group: str               # the family or document, for cross-validation
    texts: list[str]
    by_rule: np.ndarray
    warning: np.ndarray
    no_visit: np.ndarray
    labels: np.ndarray


def is_marked(marked: str, sentence: str) -> bool:
    """Most of the marked appointment's words are in the sentence, or most of a sentence of some length is in it."""
    m, s = words(marked), words(sentence)
    if not m or not s:
        return False
    shared = len(m & s)
    return shared / len(m) >= ROW_OVERLAP or (shared / len(s) >= ROW_OVERLAP and len(s) >= MIN_WORDS_MATCHED)


def read_source(text: bytes, name: str, marked: list[str], source: str, group: str) -> Sentences:
    document = load_document(text, name)
    reading = sentences_to_read(listed_plan(document), document)
    texts = [u.text for u in reading.units]
    return Sentences(source, group, texts, reading.by_rule, reading.warning, reading.no_visit,
                     np.array([any(is_marked(a, t) for a in marked) for t in texts], dtype=bool))


def training_sentences(corpus: Path = CORPUS) -> list[Sentences]:
    found = [read_source(row["text"].encode(), "passage.txt", row["appointments"], "snippet", row["family"])
             for row in read_passages(FOLLOWUP_SNIPPETS) if document_split(row["family"]) == "train"]
    if corpus.is_dir():
        found += [read_source((corpus / name).read_bytes(), name, [f["evidence"] for f in truth["follow_up"]],
                              "corpus", name)
                  for name, truth in sorted(load_truth().items()) if document_split(name) == "train"]
    found += [read_source(path.read_bytes(), name, [f["evidence"] for f in truth["follow_up"]], "written", name)
              for name, (path, truth) in sorted(load_written().items()) if document_split(name) == "train"]
    return [s for s in found if s.texts]


def features(vectors: np.ndarray, by_rule: np.ndarray, warning: np.ndarray, no_visit: np.ndarray) -> np.ndarray:
    return np.hstack([vectors, by_rule[:, None], warning[:, None], no_visit[:, None]]).astype(np.float64)


def fit(x: np.ndarray, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(C=c, max_iter=5000).fit(x, y)


def cross_validated(x: np.ndarray, y: np.ndarray, groups: np.ndarray, c: float) -> np.ndarray:
    return out_of_fold(x, y, groups, lambda fx, fy: fit(fx, fy, c), lambda model, sx: model.predict_proba(sx)[:, 1])


def rows_shown(p: np.ndarray, by_rule: np.ndarray, add: float, keep: float) -> np.ndarray:
    """The sentences shown as follow-up rows, as complete_follow_up decides."""
    return np.where(by_rule, p >= keep, p >= add)


def worth(shown: np.ndarray, y: np.ndarray) -> float:
    return (shown & y).sum() - FALSE_ROW_COST * (shown & ~y).sum()


def choose(x: np.ndarray, y: np.ndarray, groups: np.ndarray,
           by_rule: np.ndarray) -> tuple[float, float, float, np.ndarray]:
    """The strength and the two thresholds worth most cross-validated, with those cross-validated probabilities.
    Where several are worth about the same (within WORTH_TIE of the best), the one with the fewest wrong rows: the
    worth is flat near its top, and a small change of the passages would otherwise swing the choice between a
    cautious probe and one that adds as many wrong rows as appointments."""
    tried = []
    for c in STRENGTHS:
        p = cross_validated(x, y, groups, c)
        for add in ADD_THRESHOLDS:
            for keep in KEEP_THRESHOLDS:
                shown = rows_shown(p, by_rule, add, keep)
                tried.append((worth(shown, y), int((shown & ~y).sum()), c, add, keep, p))
    return fewest_wrong_near_best(tried)


def fewest_wrong_near_best(tried: list[tuple]) -> tuple:
    """Of the choices tried, each (worth, wrong, *choice), those worth within WORTH_TIE of the best: the choice that
    is wrong least often (then the one worth most)."""
    best = max(value for value, *_ in tried)
    near_best = [t for t in tried if t[0] >= best - WORTH_TIE * max(best, 1.0)]
    return min(near_best, key=lambda t: (t[1], -t[0]))[2:]


def figures(shown: np.ndarray, y: np.ndarray, source: np.ndarray) -> str:
    return "   ".join(f"{name}: {int((shown & y & (source == name)).sum())} of {int((y & (source == name)).sum())} "
                       f"found, {int((shown & ~y & (source == name)).sum())} wrong rows"
                       for name in ("snippet", "corpus", "written"))


def main() -> int:
    sentences = training_sentences()
    if not sentences:
        print("No training passages: nothing to fit.")
        return 0
    embed = packaged_embedder().embed
    vectors = embed([t for s in sentences for t in s.texts])
    by_rule, warning, no_visit, y = (np.concatenate([getattr(s, name) for s in sentences])
                                     for name in ("by_rule", "warning", "no_visit", "labels"))
    groups = np.array([s.group for s in sentences for _ in s.texts])
    source = np.array([s.source for s in sentences for _ in s.texts])
    x = features(vectors, by_rule, warning, no_visit)
    c, add, keep, p = choose(x, y, groups, by_rule)
    model = fit(x, y, c)
    weights = model.coef_[0]
    data = {"about": "Fitted by training/fit_follow_up.py on the training part of the marked appointments; "
                     "do not edit by hand.",
            "weights": [round(float(w), 6) for w in weights[:-3]], "rule_weight": round(float(weights[-3]), 6),
            "warning_weight": round(float(weights[-2]), 6), "no_visit_weight": round(float(weights[-1]), 6),
            "bias": round(float(model.intercept_[0]), 6),
            "add_threshold": add, "keep_threshold": keep,
            "fitted_on": {"sentences": int(len(y)), "appointments": int(y.sum()), "groups": len(set(groups))}}
    PROBE_PATH.parent.mkdir(parents=True, exist_ok=True)
    PROBE_PATH.write_text(json.dumps(data) + "\n", encoding="utf-8")
    print(f"wrote {PROBE_PATH.relative_to(ROOT)}: {len(y)} sentences, {int(y.sum())} appointments; "
          f"strength {c}, add at {add}, keep at {keep}")
    print("cross-validated by family, training part only")
    print(f"  the rules alone   {figures(by_rule, y, source)}")
    print(f"  with the probe    {figures(rows_shown(p, by_rule, add, keep), y, source)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
