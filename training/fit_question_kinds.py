"""Fit the question-kind probe (mediassist/index/question_kinds.py) on the training questions' categories.

    .venv/bin/python training/fit_question_kinds.py

Only questions about training documents (training/splits.py) are read. The probe is a multinomial logistic
regression on the packaged MiniLM's embedding of each question. Its threshold is the lowest probability at
which, cross-validated by document, at least MIN_ACCURACY of the training questions that no trigger word
gives a topic get the right kind: those are the only questions retrieval asks it about. Writes
mediassist/index/data/question_kinds.json.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from mediassist.index.embedder import packaged_embedder  # noqa: E402
from mediassist.index.question_kinds import KINDS_PATH  # noqa: E402
from patient_language import analyse  # noqa: E402
from training.evaluate import QUESTION_FILES, load_questions  # noqa: E402

C = 4.0
FOLDS = 5
MIN_ACCURACY = 0.85
THRESHOLDS = np.round(np.arange(0.3, 0.91, 0.05), 2)


def fit(x, y):
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(C=C, max_iter=5000).fit(x, y)


def cross_validated(x, y, documents):
    from sklearn.model_selection import GroupKFold
    predicted, confidence = np.empty(len(y), dtype=object), np.zeros(len(y))
    for fit_rows, score_rows in GroupKFold(FOLDS).split(x, groups=documents):
        model = fit(x[fit_rows], y[fit_rows])
        p = model.predict_proba(x[score_rows])
        predicted[score_rows], confidence[score_rows] = model.classes_[p.argmax(1)], p.max(1)
    return predicted, confidence


def main() -> int:
    questions = [q for q in load_questions(QUESTION_FILES) if q.split == "train"]
    if not questions:
        print("No training questions: nothing to fit.")
        return 0
    x = packaged_embedder().embed([q.question for q in questions])
    y = np.array([q.category for q in questions])
    untopical = np.array([not analyse(q.question).topic_found for q in questions])
    predicted, confidence = cross_validated(x, y, np.array([q.document for q in questions]))
    threshold = next((float(t) for t in THRESHOLDS
                      if (predicted == y)[untopical & (confidence >= t)].mean() >= MIN_ACCURACY), 1.0)
    chosen = untopical & (confidence >= threshold)
    model = fit(x, y)
    data = {"about": "Fitted by training/fit_question_kinds.py on the training questions; do not edit by hand.",
            "kinds": list(model.classes_), "threshold": threshold,
            "weights": [[round(float(w), 6) for w in row] for row in model.coef_],
            "bias": [round(float(b), 6) for b in model.intercept_],
            "fitted_on": {"questions": len(questions)}}
    KINDS_PATH.parent.mkdir(parents=True, exist_ok=True)
    KINDS_PATH.write_text(json.dumps(data) + "\n", encoding="utf-8")
    print(f"wrote {KINDS_PATH.relative_to(ROOT)}: {len(questions)} questions, {len(model.classes_)} kinds; "
          f"cross-validated: all {np.mean(predicted == y):.3f} right; of the {untopical.sum()} no trigger gives a "
          f"topic, {chosen.sum()} read surely (threshold {threshold}), {np.mean((predicted == y)[chosen]):.3f} right")
    return 0


if __name__ == "__main__":
    sys.exit(main())
