"""Evaluation metrics for classification and regression.

Example::

    >>> import numpy as np
    >>> m = classification_metrics(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]))
    >>> m["accuracy"], m["recall"]
    (0.75, 0.5)
"""

from __future__ import annotations

import numpy as np


def classification_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray | None = None
) -> dict[str, float]:
    """Accuracy, precision, recall, F1 (binary: class 1 positive; else macro over the labels
    present) and ROC AUC (binary, or one-vs-rest macro over ``proba``'s columns; left out
    when a class has no positive or no negative sample). The definitions of scikit-learn
    (``zero_division=0``), computed in numpy so a run needs no scikit-learn."""
    y_true = np.asarray(y_true).astype(int)
    y_pred = np.asarray(y_pred).astype(int)
    labels = np.unique(np.concatenate([y_true, y_pred]))
    binary = set(labels.tolist()) <= {0, 1}
    out = {"accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else 0.0}
    scored = np.array([1]) if binary else labels
    tp = np.array([np.sum((y_pred == c) & (y_true == c)) for c in scored], dtype=float)
    pred = np.array([np.sum(y_pred == c) for c in scored], dtype=float)
    true = np.array([np.sum(y_true == c) for c in scored], dtype=float)
    out["precision"] = float(np.mean(_ratio(tp, pred)))
    out["recall"] = float(np.mean(_ratio(tp, true)))
    out["f1"] = float(np.mean(_ratio(2 * tp, pred + true)))
    if proba is not None and len(np.unique(y_true)) > 1:
        auc = _roc_auc(y_true, np.asarray(proba, dtype=float))
        if auc is not None:
            out["roc_auc"] = auc
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0 (scikit-learn's ``zero_division=0``)."""
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def binary_auc(positive: np.ndarray, score: np.ndarray) -> float | None:
    """Area under the ROC curve: the probability that a positive sample scores above a
    negative one, ties counting one half (None without positives or negatives)."""
    n_pos = int(np.sum(positive))
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    sorted_scores = score[order]
    # average ranks of tied scores (1-based)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], len(score)]
    for a, b in zip(starts, ends, strict=True):
        ranks[order[a:b]] = (a + b + 1) / 2.0
    u = float(np.sum(ranks[positive])) - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)


def _roc_auc(y_true: np.ndarray, proba: np.ndarray) -> float | None:
    if proba.shape[1] == 2:
        return binary_auc(y_true == 1, proba[:, 1])
    p = proba / np.clip(proba.sum(axis=1, keepdims=True), 1e-12, None)
    if np.any((y_true < 0) | (y_true >= p.shape[1])):
        return None
    scores = [binary_auc(y_true == k, p[:, k]) for k in range(p.shape[1])]
    defined = [s for s in scores if s is not None]
    return float(np.mean(defined)) if len(defined) == len(scores) else None


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Mean squared error, mean absolute error and the coefficient of determination R^2."""
    y_true = np.asarray(y_true, dtype=float).ravel()
    y_pred = np.asarray(y_pred, dtype=float).ravel()
    mse = float(np.mean((y_true - y_pred) ** 2))
    var = float(np.var(y_true))
    r2 = 1.0 - mse / var if var > 0 else 0.0
    return {"mse": mse, "mae": float(np.mean(np.abs(y_true - y_pred))), "r2": r2}
