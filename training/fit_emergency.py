"""Fit the emergency detector on the training part of the labelled set, and report both parts.

    .venv/bin/python training/fit_emergency.py            # fit, write calibration.json and neighbours.npz, report
    .venv/bin/python training/fit_emergency.py --report   # report the calibration as it is; fit nothing

The labelled messages (training/data/emergency/*.jsonl) are split by family (one situation written several
ways), so no situation is in both parts; some writers are kept wholly for testing, and writers added later wholly
for training. Only the bank and the training part choose anything: the tuned layers (training/tune_layers.py), the
neighbours (the bank and the training messages, embedded), the stack's weights and the thresholds. The stack and
the thresholds are fitted on tuned and neighbour scores cross-validated by writer (5 folds), because the people
who will use it are writers it never read. Train figures are the fitted detector's on its own training messages,
which it was tuned on and are among its neighbours, so they flatter it; test figures are its figures on families
it never saw.

Tuning the layers once per fold and once more makes a fit take about 20 minutes on two cores.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from mediassist.emergency.detector import (CALIBRATION_PATH, NEIGHBOURS_PATH, SELF_HARM, STACK_FEATURES, Bank,  # noqa: E402
                                           Calibration, EmergencyDetector, counted_self_harm, packaged_embedder)
from mediassist.emergency.neighbours import Neighbours  # noqa: E402
from mediassist.emergency.tuned import TUNED_PATH, TunedReader, base_model, save_tuned  # noqa: E402
from mediassist.index.embedder import known_words  # noqa: E402
from training.splits import document_split  # noqa: E402
from training.tune_layers import HiddenStates, score, tune  # noqa: E402

LABELLED = ROOT / "training" / "data" / "emergency"
TEST_SHARE = 0.4
FOLDS = 5
MAX_FALSE_ALARMS = 0.04          # of ordinary training messages, flagged by the stacked score
MAX_SELF_HARM_ALONE = 0.01       # of ordinary training messages flagged by the self-harm reading alone: from
                                 # 0.005, cross-validated, 4 more of 286 self-harm messages got the crisis line for
                                 # 10 more of 2379 needless notices; a missed crisis line costs far more
MAX_CRISIS_LINE_EXTRA = 0.03     # of other training emergencies that also get the crisis line
MAX_PART_FALSE_ALARMS = 0.012    # of ordinary training messages, flagged more by reading their parts on their own
SUMMARY_QUESTION_WEIGHT = 0.1   # of each plain question about a summary in the tuning (chosen on the training part)
STACK_C = 1.0                    # inverse regularisation strength
NEIGHBOUR_WEIGHT = 10.0          # of the self-harm neighbours' margin beside the tuned score (chosen on the training
                                 # part for the linear probe it replaced)
SHOW_MISSES = False


@dataclass(frozen=True)
class Example:
    text: str
    emergency: bool
    self_harm: bool
    sign: str
    family: str
    split: str
    about_a_summary: bool = False   # a question asked of a corpus summary (the answer set's questions)
    held_out_writer: bool = False   # from a writer kept wholly for testing (writers f to j, n, o, s and v)
    writer: str = ""


def split_of(family: str) -> str:
    """A stable split by family: the same family is always in the same part."""
    bucket = int(hashlib.sha256(family.encode()).hexdigest(), 16) % 1000
    return "test" if bucket < TEST_SHARE * 1000 else "train"


def _split_of(row: dict) -> str:
    """A writer kept wholly for testing (or, written later, wholly for training) says so; a question asked of a
    corpus summary is in its summary's part of every evaluation (training/splits.py); the rest are split by
    family."""
    if row.get("split"):
        return row["split"]
    return document_split(row["document"].removeprefix("written/")) if row.get("document") else split_of(row["family"])


def load_examples(folder: Path = LABELLED) -> list[Example]:
    examples = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                examples.append(Example(text=row["text"], emergency=row["label"] == "emergency",
                                        self_harm=bool(row["self_harm"]), sign=row["sign"], family=row["family"],
                                        split=_split_of(row), about_a_summary=bool(row.get("document")),
                                        held_out_writer=row.get("split") == "test", writer=row["writer"]))
    return examples


# ---------------------------------------------------------------- fitting

def logistic(x, y, c, weights=None):
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x, y, sample_weight=weights)


def fit_neighbours(bank_x, bank_emergency, bank_self_harm, x, emergency, self_harm) -> Neighbours:
    return Neighbours(vectors=np.vstack([bank_x, x]), emergency=np.r_[bank_emergency, emergency].astype(bool),
                      self_harm=np.r_[bank_self_harm, self_harm].astype(bool), self_harm_weight=NEIGHBOUR_WEIGHT)


@dataclass
class Tuning:
    """What the tuned layers learn from: the bank's descriptions and the training messages, with their targets
    (emergency, self-harm) and weights, and every text's hidden states (the messages' sentences too)."""
    states: HiddenStates
    bank_texts: list[str]
    bank_targets: np.ndarray
    texts: list[str]
    targets: np.ndarray
    weights: np.ndarray

    def fit(self, transformer, rows=None):
        rows = np.arange(len(self.texts)) if rows is None else rows
        return tune(transformer, self.states, self.bank_texts + [self.texts[i] for i in rows],
                    np.vstack([self.bank_targets, self.targets[rows]]),
                    np.r_[np.ones(len(self.bank_texts)), self.weights[rows]])


@dataclass
class Fold:
    """The messages of one held-out group of writers, and the tuned layers and neighbours fitted without them."""
    rows: np.ndarray
    tuned: object
    neighbours: Neighbours


@dataclass
class HeldOut:
    """Each training message read by tuned layers and neighbours fitted without its group (GroupKFold)."""
    emergency_rows: list[np.ndarray]    # the tuned emergency score per row
    self_harm_rows: list[np.ndarray]    # the self-harm score per row: tuned and neighbours
    neighbour_margins: list[float]      # the emergency one of Neighbours.margins
    folds: list[Fold]


def held_out(transformer, tuning: Tuning, bank_x, bank_emergency, bank_self_harm, readings, emergency, self_harm,
             groups) -> HeldOut:
    from sklearn.model_selection import GroupKFold
    x = np.stack([r.vectors[0] for r in readings])
    result = HeldOut([np.zeros(0)] * len(readings), [np.zeros(0)] * len(readings), [0.0] * len(readings), [])
    for fold, (fit_rows, score_rows) in enumerate(GroupKFold(FOLDS).split(x, groups=groups)):
        print(f"fold {fold + 1} of {FOLDS}: tuning on {len(fit_rows)} messages", flush=True)
        tuned = tuning.fit(transformer, fit_rows)
        neighbours = fit_neighbours(bank_x, bank_emergency, bank_self_harm, x[fit_rows], emergency[fit_rows],
                                    self_harm[fit_rows])
        for i in score_rows:
            scores = score(tuned, tuning.states, list(readings[i].texts))
            emergency_margin, self_harm_margins = neighbours.margins(readings[i].vectors)
            result.emergency_rows[i] = scores[:, 0]
            result.self_harm_rows[i] = neighbours.self_harm_scores(scores[:, 1], self_harm_margins)
            result.neighbour_margins[i] = emergency_margin
        result.folds.append(Fold(score_rows, tuned, neighbours))
    return result


def threshold_allowing(scores, share: float) -> float:
    """The lowest threshold above all but `share` of the scores."""
    ordered = np.sort(np.asarray(scores))[::-1]
    if len(ordered) == 0:
        return 0.0
    return float(ordered[min(int(share * len(ordered)), len(ordered) - 1)]) + 1e-6


def fit_calibration(detector: EmergencyDetector, bank: Bank, train: list[Example],
                    embedder) -> tuple[dict, Neighbours, object]:
    """The calibration, the neighbours and the tuned layers, fitted on the training part."""
    readings = [detector.read(e.text) for e in train]
    x = np.stack([r.vectors[0] for r in readings])
    emergency = np.array([e.emergency for e in train])
    self_harm = np.array([e.self_harm for e in train])
    families = np.array([e.family for e in train])
    writers = np.array([e.writer for e in train])
    bank_x = np.vstack([detector.bank_emergency, detector.bank_ordinary])
    bank_emergency = np.r_[np.ones(len(bank.emergency)), np.zeros(len(bank.ordinary))]
    bank_self_harm = np.r_[[s == SELF_HARM for s in bank.signs], np.zeros(len(bank.ordinary))]

    # The many plain questions about a summary weigh little in the tuning: at full weight it learns the style of
    # a question rather than what is happening, and "I don't feel suicidal, just tired" read as an emergency for
    # being a statement. They weigh fully in the stack and the thresholds.
    about_summary = np.array([e.about_a_summary for e in train])
    weights = np.where(about_summary, SUMMARY_QUESTION_WEIGHT, 1.0)
    transformer = base_model(embedder)
    bank_texts = list(bank.emergency) + list(bank.ordinary)
    print(f"reading {len(bank_texts)} bank descriptions and {len(readings)} messages", flush=True)
    states = HiddenStates.of(embedder, bank_texts + [t for r in readings for t in r.texts])
    tuning = Tuning(states, bank_texts, np.c_[bank_emergency, bank_self_harm], [r.texts[0] for r in readings],
                    np.c_[emergency, self_harm].astype(float), weights)
    neighbours = fit_neighbours(bank_x, bank_emergency, bank_self_harm, x, emergency, self_harm)
    cv = held_out(transformer, tuning, bank_x, bank_emergency, bank_self_harm, readings, emergency, self_harm, writers)
    print("tuning on the whole training part", flush=True)
    tuned = tuning.fit(transformer)
    self_harm_rows = cv.self_harm_rows

    features = np.array([[r.features(p, m)[name] for name in STACK_FEATURES]
                         for r, p, m in zip(readings, cv.emergency_rows, cv.neighbour_margins)])
    stack = logistic(features, emergency, STACK_C)
    stack_z = stack.decision_function(features)
    explicit = np.array([r.explicit_self_harm for r in readings])

    def self_harm_read(floor: float) -> np.ndarray:
        return np.array([counted_self_harm(rows, r.self_harm_counts, floor)
                         for rows, r in zip(self_harm_rows, readings)])

    self_harm_cv = self_harm_read(-np.inf)
    first_threshold = threshold_allowing(self_harm_cv[~emergency & ~explicit], MAX_SELF_HARM_ALONE)
    sentence_floor = _sentence_floor(self_harm_rows, self_harm_cv, self_harm & ~explicit, first_threshold)
    self_harm_cv = self_harm_read(sentence_floor)

    self_harm_any_row = np.array([rows.max() for rows in self_harm_rows])
    self_harm_alone = threshold_allowing(self_harm_cv[~emergency & ~explicit], MAX_SELF_HARM_ALONE)
    crisis_extra = threshold_allowing(self_harm_any_row[emergency & ~self_harm], MAX_CRISIS_LINE_EXTRA)
    # each kind of ordinary message on its own: the many plain questions about a summary must not buy room for
    # more false alarms on the hard ones that describe symptoms
    z_threshold = max(threshold_allowing(stack_z[~emergency & kind], MAX_FALSE_ALARMS)
                      for kind in (about_summary, ~about_summary) if (~emergency & kind).any())
    flagged = (stack_z >= z_threshold) | explicit | (self_harm_cv >= self_harm_alone)
    print(f"cross-validated by writer on the training part (whole messages): emergencies flagged "
          f"{(flagged & emergency).sum()}/{emergency.sum()}, ordinary flagged {(flagged & ~emergency).sum()}/"
          f"{(~emergency).sum()}", flush=True)
    if SHOW_MISSES:
        for e, f, z in zip(train, flagged, stack_z):
            if f != e.emergency:
                print(f"CV {'MISSED' if e.emergency else 'FALSE '} {z:+.2f} {e.text}")
    centroids = bank_centroids(bank, bank_x[:len(bank.emergency)])
    data = {
        "about": "Fitted by training/fit_emergency.py on data/bank.toml and the training part of "
                 "training/data/emergency; do not edit by hand.",
        "stack": {"weights": dict(zip(STACK_FEATURES, map(float, stack.coef_[0]))),
                  "bias": float(stack.intercept_[0])},
        "threshold": float(1 / (1 + np.exp(-z_threshold))),
        "self_harm_threshold": self_harm_alone, "self_harm_with_emergency": crisis_extra,
        "self_harm_sentence_floor": sentence_floor,
        "signs": {"names": list(centroids), "centroids": [[round(float(v), 6) for v in c] for c in centroids.values()]},
        "neighbours": NEIGHBOURS_PATH.name,
        "fitted_on": {"messages": len(train), "families": len(set(families)), "bank": len(bank_x)},
    }
    data["part_threshold"] = part_threshold(detector, data, cv.folds, train, embedder)
    return data, neighbours, tuned


def _sentence_floor(self_harm_rows, read, is_self_harm, threshold: float) -> float:
    """The highest floor on the whole message's self-harm score under which a sentence's own score still counts
    for every self-harm training message that only a sentence reads as self-harm (cross-validated scores)."""
    by_a_sentence = [rows[0] for rows, score, harm in zip(self_harm_rows, read, is_self_harm)
                     if harm and score >= threshold and rows[0] < threshold]
    return float(min(by_a_sentence)) - 1e-6 if by_a_sentence else float(threshold)


def part_threshold(detector: EmergencyDetector, data: dict, folds: list[Fold], train: list[Example],
                   embedder) -> float:
    """The lowest part threshold at which reading the parts of a message on their own flags at most
    MAX_PART_FALSE_ALARMS more of the ordinary training messages of each kind than the whole messages do. Each
    message is read by the tuned layers and neighbours of the fold that held it out: with the final ones, a part
    sat next to its own message among the neighbours and read as more ordinary than a new writer's would."""
    scores: dict[bool, list[float]] = defaultdict(list)
    for fold in folds:
        fitted = copy.copy(detector)
        fitted.calibration = Calibration.from_json(data, fold.neighbours)
        fitted.read_texts = TunedReader(embedder, fold.tuned)
        for e in (train[i] for i in fold.rows):
            if e.emergency or fitted.decide(fitted.read(e.text)):
                continue
            found = [fitted.decide(reading) for reading in fitted.part_readings(e.text)]
            scores[e.about_a_summary].append(max((f.score for f in found if f and not f.self_harm), default=0.0))
    ordinary = Counter(e.about_a_summary for e in train if not e.emergency)
    return max([data["threshold"]] + [threshold_allowing(part, MAX_PART_FALSE_ALARMS * ordinary[kind] / len(part))
                                      for kind, part in scores.items()])


def bank_centroids(bank: Bank, vectors: np.ndarray) -> dict[str, np.ndarray]:
    centroids = {}
    for sign in dict.fromkeys(bank.signs):
        mean = vectors[[i for i, s in enumerate(bank.signs) if s == sign]].mean(axis=0)
        centroids[sign] = mean / np.linalg.norm(mean)
    return centroids


# ---------------------------------------------------------------- reporting

def report(detector: EmergencyDetector, examples: list[Example], show_misses: bool) -> dict:
    results, per_sign = defaultdict(Counter), defaultdict(Counter)
    for e in examples:
        found = detector.detect(e.text)
        r = results[e.split]
        if e.emergency:
            r["emergencies"] += 1
            r["flagged"] += found is not None
            per_sign[e.split, e.sign]["n"] += 1
            per_sign[e.split, e.sign]["flagged"] += found is not None
        else:
            r["ordinary"] += 1
            r["false_alarms"] += found is not None
            r["false_crisis_line"] += bool(found and found.self_harm)
            if e.about_a_summary:
                r["summary_questions"] += 1
                r["summary_questions_flagged"] += found is not None
        if e.held_out_writer:
            h = results["held-out writers"]
            h["emergencies" if e.emergency else "ordinary"] += 1
            h["flagged" if e.emergency else "false_alarms"] += found is not None
            if e.self_harm:
                h["self_harm"] += 1
                h["self_harm_with_crisis_line"] += bool(found and found.self_harm)
        if e.self_harm:
            r["self_harm"] += 1
            r["self_harm_with_crisis_line"] += bool(found and found.self_harm)
        if show_misses and e.split == "train" and ((found is not None) != e.emergency or
                                                   (e.self_harm and not (found and found.self_harm))):
            print(("MISSED   " if e.emergency else "FALSE    ") + e.text)
    return {"splits": {k: dict(v) for k, v in results.items()},
            "per_sign": {f"{s}:{sign}": dict(c) for (s, sign), c in sorted(per_sign.items())}}


def print_report(summary: dict) -> None:
    print(f"{'part':<26} {'emergencies flagged':>22} {'self-harm with crisis line':>28} {'ordinary flagged':>20}")
    for split, label in (("train", "train"), ("test", "test"), ("held-out writers", "  of which held-out writers")):
        r = summary["splits"].get(split, {})
        print(f"{label:<26} {_cell(r, 'flagged', 'emergencies'):>22} "
              f"{_cell(r, 'self_harm_with_crisis_line', 'self_harm'):>28} {_cell(r, 'false_alarms', 'ordinary'):>20}")
    for split in ("train", "test"):
        r = summary["splits"].get(split, {})
        print(f"{split:<6} of which questions asked of a corpus summary: "
              f"{_cell(r, 'summary_questions_flagged', 'summary_questions')} flagged, "
              f"{r.get('false_crisis_line', 0)} ordinary messages given the crisis line")
    weak = [(k.split(":")[1], c) for k, c in summary["per_sign"].items()
            if k.startswith("test:") and c["flagged"] < c["n"]]
    signs = {k.split(":")[1] for k in summary["per_sign"] if k.startswith("test:")}
    print(f"test: {len(signs)} signs; not all flagged: " + (", ".join(f"{s} {c['flagged']}/{c['n']}" for s, c in weak)
                                                             or "none"))


def _cell(r: dict, part: str, whole: str) -> str:
    if not r.get(whole):
        return "-"
    return f"{r.get(part, 0)}/{r[whole]} ({r.get(part, 0) / r[whole]:.3f})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="report the current calibration; fit nothing")
    parser.add_argument("--show-misses", action="store_true", help="print the training part's misses")
    args = parser.parse_args(argv)
    global SHOW_MISSES
    SHOW_MISSES = args.show_misses

    examples = load_examples()
    if not examples:
        print(f"no labelled messages in {LABELLED}", file=sys.stderr)
        return 2
    embedder = packaged_embedder()
    bank = Bank.load()
    known = set(known_words())
    if not args.report:
        unfitted = EmergencyDetector(_untuned(embedder), known, bank=bank, calibration=_placeholder())
        data, neighbours, tuned = fit_calibration(unfitted, bank, [e for e in examples if e.split == "train"],
                                                  embedder)
        CALIBRATION_PATH.write_text(json.dumps(data) + "\n", encoding="utf-8")
        neighbours.save(NEIGHBOURS_PATH)
        save_tuned(tuned, TUNED_PATH)
        print(f"wrote {CALIBRATION_PATH.relative_to(ROOT)}: stack weights "
              + ", ".join(f"{k} {v:+.2f}" for k, v in data["stack"]["weights"].items())
              + f"; threshold {data['threshold']:.3f}")
    detector = EmergencyDetector(TunedReader.load(embedder), known, bank=bank,
                                 calibration=Calibration.load())
    print_report(report(detector, examples, args.show_misses))
    return 0


def _untuned(embedder):
    """Before tuning, the embeddings alone: the readings' tuned scores come from cross-validation."""
    return lambda texts: (embedder.embed(texts), np.zeros((len(texts), 2), dtype=np.float32))


def _placeholder() -> Calibration:
    return Calibration(stack_weights={}, stack_bias=0.0, threshold=1.0,
                       self_harm_threshold=1.0, self_harm_with_emergency=1.0, sign_names=(),
                       sign_centroids=np.zeros((0, 1)))


if __name__ == "__main__":
    sys.exit(main())
