"""Scores out of fold: each example scored by a model fitted without its group (its summary, its family), as an
example from a new summary or a new writer would be scored, not as a model scores what it was fitted on."""
from __future__ import annotations

from typing import Callable

import numpy as np

FOLDS = 5


def group_folds(groups, folds: int = FOLDS):
    """(fit_rows, score_rows) index arrays of each fold; no group is on both sides."""
    from sklearn.model_selection import GroupKFold
    return GroupKFold(folds).split(np.zeros(len(groups)), groups=groups)


def out_of_fold(x: np.ndarray, y: np.ndarray, groups, fit: Callable, score: Callable,
                folds: int = FOLDS) -> np.ndarray:
    """fit(x, y) -> model; score(model, x) -> one number per row."""
    scores = np.zeros(len(y))
    for fit_rows, score_rows in group_folds(groups, folds):
        scores[score_rows] = score(fit(x[fit_rows], y[fit_rows]), x[score_rows])
    return scores
