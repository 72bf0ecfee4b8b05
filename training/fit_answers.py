"""Fit the answer engine's line score on the training questions, and choose its two thresholds.

    .venv/bin/python training/fit_answers.py [--corpus ../shared/corpus]

Only the questions of training documents (training/splits.py) are read, over the corpus and over the documents
written for evaluation (training/data/written). A line is a positive example when it is (mostly) inside an
evidence span of its question. The weights come from a logistic regression over the
features of scoring.FEATURES; the quote threshold, and how near the best line's score the best few lines must
be to be quoted too, maximise line F2 (recall first; of the choices within F2_TIE of the best, the one that
quotes the most lines);
the answer threshold is the highest that keeps wrongly refused answerable questions at or below
MAX_WRONG_REFUSALS, and the closest-lines threshold (below it, a flat
"not in your summary") the highest that keeps them at MAX_FLAT_REFUSALS, both on the decision's scores
cross-validated by document. The question prior (a logistic probe on the question's embedding: is a question
worded like this answered?) enters the answer decision cross-validated by document too, so the decision learns
how far to trust it on questions the probe has not seen; so do the line scores it reads (the line model fitted
without each question's summary), as a new summary gets them. Writes mediassist/answering/data/calibration.json and
prints what it chose.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from mediassist.answering.lines import lines_of  # noqa: E402
from mediassist.answering.composer import MAX_LINES  # noqa: E402
from mediassist.answering.scoring import ANSWER_FEATURES, CALIBRATION_PATH, FEATURES, Calibration, LineScorer, \
    answer_signals, plan_lacks_the_topic, ruled_out  # noqa: E402
from training.evaluate import DEFAULT_CORPUS, OWNER, QUESTION_FILES, load_questions, normalise  # noqa: E402
from training.folds import FOLDS, group_folds, out_of_fold  # noqa: E402

WRITTEN = ROOT / "training" / "data" / "written"
MAX_WRONG_REFUSALS = 0.05
F2_TIE = 0.005   # line F2 within which thresholds count as equally good
MAX_FLAT_REFUSALS = 0.01  # of answerable training questions told "not in your summary" without the closest lines
LINE_IN_SPAN = 0.7       # share of a line's words inside an evidence span for it to count as evidence
PRIOR_C = 1.0            # the question prior's regularisation (0.3 to 3 did alike, cross-validated by writer)


def is_evidence(line: str, spans: tuple[str, ...]) -> bool:
    words = re.findall(r"\w+", normalise(line))
    if not words:
        return False
    for span in spans:
        span_text = normalise(span)
        if normalise(line) in span_text or span_text in normalise(line):
            return True
        span_words = set(re.findall(r"\w+", span_text))
        if len(words) >= 3 and sum(w in span_words for w in words) / len(words) >= LINE_IN_SPAN:
            return True
    return False


def training_questions(corpus: Path) -> tuple[list, dict[str, Path]]:
    """The training questions over the corpus and over the documents written for evaluation, and each
    document's file: the decision learns from layouts the corpus has few of too."""
    questions, files = [], {}
    for folder, question_files in ((corpus, QUESTION_FILES), (WRITTEN, (WRITTEN / "questions.jsonl",))):
        if not folder.is_dir():
            continue
        for question in load_questions(question_files):
            if question.split == "train":
                questions.append(question)
                files[question.document] = folder / question.document
    return questions, files


def collect(rag, scorer, questions, ids):
    rows, labels, per_question, vectors = [], [], [], []
    for q in questions:
        passages, analysis = rag.retrieve(q.question, OWNER, [ids[q.document]])
        lines = [line for passage in passages for line in lines_of(passage)]
        if not lines:
            continue
        features = scorer.features(analysis, lines)
        truth = np.array([q.answerable and is_evidence(line.text, q.evidence) for line in lines])
        rows.append(features)
        labels.append(truth)
        planned = rag.answerer.planned(OWNER, [ids[q.document]])
        per_question.append((q, (analysis.topic_found, scorer.uncovered(analysis, lines),
                                 bool(analysis.specific_stems), plan_lacks_the_topic(analysis, planned))))
        vectors.append(scorer.question_vector(analysis))
    return rows, labels, per_question, np.array(vectors)


def fit_prior(vectors, answerable):
    return balanced_logistic(vectors, answerable, PRIOR_C)


def fit_line_model(x, y):
    return balanced_logistic(x, y)


def lines_out_of_fold(rows, labels, documents, folds: int = FOLDS) -> list[np.ndarray]:
    """Each question's line probabilities from a line model fitted without its summary: the answer decision
    learns from line scores as a new summary gets them, not as the lines it was fitted on score."""
    scored: list[np.ndarray] = [np.zeros(0)] * len(rows)
    for fit_rows, score_rows in group_folds(documents, folds):
        model = fit_line_model(np.vstack([rows[i] for i in fit_rows]), np.concatenate([labels[i] for i in fit_rows]))
        for i in score_rows:
            scored[i] = model.predict_proba(rows[i])[:, 1]
    return scored


def fit_decider(signals, answerable):
    return balanced_logistic(signals, answerable)


def balanced_logistic(x, y, c: float = 1.0):
    """The one model of every fit here: a logistic regression with the classes weighted to balance."""
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x, y)


def main(argv=None) -> int:
    from rag_system import RagSystem
    from settings import Settings
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"No corpus at {args.corpus}: nothing to fit.")
        return 0
    questions, files = training_questions(args.corpus)
    with tempfile.TemporaryDirectory() as tmp:
        rag = RagSystem.from_settings(Settings(data_dir=Path(tmp), llm_backend="extractive"))
        ids = {name: rag.ingest(files[name].read_bytes(), Path(name).name, OWNER).id
               for name in sorted({q.document for q in questions})}
        scorer = LineScorer(rag.embedder.embed)
        rows, labels, per_question, vectors = collect(rag, scorer, questions, ids)
    x, y = np.vstack(rows), np.concatenate(labels)
    answerable = np.array([q.answerable for q, _ in per_question])
    documents = [q.document for q, _ in per_question]
    prior = out_of_fold(vectors, answerable, documents, fit_prior, lambda probe, x: probe.decision_function(x))
    prior_probe = fit_prior(vectors, answerable)
    model = fit_line_model(x, y)
    probabilities = [model.predict_proba(r)[:, 1] for r in rows]
    quote = best_quote_threshold(probabilities, labels)
    near_lines, near_share = best_near_best(probabilities, labels, quote)
    unseen = lines_out_of_fold(rows, labels, documents)
    signals = np.array([[answer_signals(f, p, quote, *question_level, question_prior=r)[name]
                         for name in ANSWER_FEATURES]
                        for f, p, (_, question_level), r in zip(rows, unseen, per_question, prior)])
    decider = fit_decider(signals, answerable)
    support = out_of_fold(signals, answerable, documents, fit_decider,
                          lambda decider, x: decider.predict_proba(x)[:, 1])
    ruled = np.array([ruled_out(dict(zip(ANSWER_FEATURES, row)), quote) for row in signals])  # before any threshold
    scored = support[answerable & ~ruled]
    by_rule = int((ruled & answerable).sum())
    answer = answer_threshold(scored, by_rule)
    closest = min(answer, answer_threshold(scored, by_rule, MAX_FLAT_REFUSALS))
    data = {"about": "Fitted by training/fit_answers.py on the training questions; do not edit by hand.",
            "weights": dict(zip(FEATURES, map(float, model.coef_[0]))), "bias": float(model.intercept_[0]),
            "quote_threshold": quote, "near_best": {"lines": near_lines, "share": near_share},
            "answer": {"weights": dict(zip(ANSWER_FEATURES, map(float, decider.coef_[0]))),
                       "bias": float(decider.intercept_[0]), "threshold": answer, "closest_threshold": closest,
                       "question_prior": {"weights": [round(float(w), 6) for w in prior_probe.coef_[0]],
                                          "bias": float(prior_probe.intercept_[0])}},
            "fitted_on": {"questions": len(per_question), "lines": int(len(y)), "evidence_lines": int(y.sum())}}
    CALIBRATION_PATH.parent.mkdir(parents=True, exist_ok=True)
    CALIBRATION_PATH.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {CALIBRATION_PATH.relative_to(ROOT)}: "
          + ", ".join(f"{k} {v:+.2f}" for k, v in data["weights"].items()))
    print("answer decision: " + ", ".join(f"{k} {v:+.2f}" for k, v in data["answer"]["weights"].items()))
    print(f"quote threshold {quote:.3f}, and of the best {near_lines} lines those at {near_share:.2f} of the best; "
          f"answer threshold {answer:.3f}; cross-validated on the training questions, "
          f"the threshold "
          f"and the rule refuse {np.mean(((support < answer) | ruled)[~answerable]):.3f} of unanswerable, "
          f"{np.mean(((support < answer) | ruled)[answerable]):.3f} of answerable")
    print(f"closest-lines threshold {closest:.3f}: told flatly \"not in your summary\": "
          f"{np.mean(((support < closest) | ruled)[~answerable]):.3f} of unanswerable, "
          f"{np.mean(((support < closest) | ruled)[answerable]):.3f} of answerable")
    return 0


def best_quote_threshold(probabilities, labels) -> float:
    """The threshold of best line F2; where several come within F2_TIE of it, the lowest (F2 is flat near its top,
    and of thresholds as good, the one that quotes more misses fewer facts)."""
    p, y = np.concatenate(probabilities), np.concatenate(labels)
    thresholds = np.linspace(0.05, 0.95, 91)
    scores = [f2_score(((p >= t) & y).sum(), (p >= t).sum(), y.sum()) for t in thresholds]
    return float(min(t for t, f2 in zip(thresholds, scores) if f2 >= max(scores) - F2_TIE))


def f2_score(true_positives: int, picked: int, positives: int) -> float:
    return 5 * true_positives / max(4 * positives + picked, 1)   # recall weighs more: a missing fact hurts more


def best_near_best(probabilities, labels, quote: float) -> tuple[int, float]:
    """How many of the best lines may be quoted beside those over the quote threshold, and how near the best
    line's score they must be: chosen for line F2 over the answerable training questions, as the threshold is,
    and as there, of the choices within F2_TIE of the best, the one that quotes the most lines."""
    answerable = [(p, y) for p, y in zip(probabilities, labels) if y.any()]
    positives = sum(y.sum() for _, y in answerable)
    choices = []
    for lines in range(1, 6):
        for share in np.round(np.arange(0.5, 0.96, 0.05), 2):
            calibration = Calibration({}, 0.0, quote, {}, 0.0, 0.0, 0.0, near_best_lines=lines,
                                      near_best_share=float(share))
            picked = [calibration.quoted(p, MAX_LINES) for p, _ in answerable]
            quoted = sum(map(len, picked))
            f2 = f2_score(sum(y[i].sum() for (_, y), i in zip(answerable, picked)), quoted, positives)
            choices.append((f2, quoted, lines, float(share)))
    best = max(f2 for f2, *_ in choices)
    _, _, lines, share = max((c for c in choices if c[0] >= best - F2_TIE), key=lambda c: c[1])
    return lines, share


def answer_threshold(scored_support, by_rule: int = 0, share: float = MAX_WRONG_REFUSALS) -> float:
    """The highest threshold that keeps wrong refusals at `share` of the answerable questions: the `by_rule` ones the
    rule refuses before any score is read, and those of `scored_support` (the rest) below the threshold."""
    ordered = np.sort(scored_support)
    allowed = max(int(share * (len(ordered) + by_rule)) - by_rule, 0)
    return float(ordered[allowed]) - 1e-6


if __name__ == "__main__":
    sys.exit(main())
