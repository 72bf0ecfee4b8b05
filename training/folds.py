"""Scores out of fold: each example scored by a model fitted without its group (its summary, its family), as an
example from a new summary or a new writer would be scored, not as a model scores what it was fitted on."""
from __future__ import annotations

from typing import Callable

import numpy as np

FOLDS = 5


def out_of_fold(x: np.ndarray, y: np.ndarray, groups, fit: Callable, score: Callable,
                folds: int = FOLDS) -> np.ndarray:
    """fit(x, y) -> model; score(model, x) -> one number per row."""
    from sklearn.model_selection import GroupKFold
    scores = np.zeros(len(y))
    for fit_rows, score_rows in GroupKFold(folds).split(x, groups=groups):
        scores[score_rows] = score(fit(x[fit_rows], y[fit_rows]), x[score_rows])
    return scores
