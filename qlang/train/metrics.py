"""Evaluation metrics: one function per metric of :mod:`qlang.catalog.tasks`.

Every metric is ``fn(y_true, y_pred, proba) -> float | None`` (``None``: not defined
here, e.g. ROC AUC with one class). For distribution metrics ``y_true`` is the target
distribution and ``y_pred`` the model's. :func:`compute` evaluates the metrics a model
asks for (``metrics = [...]``, default all of the task's).

Example::

    >>> import numpy as np
    >>> m = classification_metrics(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]))
    >>> m["accuracy"], m["recall"]
    (0.75, 0.5)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qlang.ir.model import Call
from qlang.train.errors import fail

Array = np.ndarray


def _labels(y_true: Array, y_pred: Array) -> tuple[Array, Array, Array]:
    t, p = np.asarray(y_true).astype(int).ravel(), np.asarray(y_pred).astype(int).ravel()
    return t, p, np.unique(np.concatenate([t, p]))


def _counts(y_true: Array, y_pred: Array) -> list[tuple[int, int, int]]:
    """``(tp, fp, fn)`` of class 1 for binary labels, else of every label (macro)."""
    t, p, labels = _labels(y_true, y_pred)
    classes = [1] if set(labels.tolist()) <= {0, 1} else labels.tolist()
    return [
        (int(np.sum((p == c) & (t == c))), int(np.sum((p == c) & (t != c))),
         int(np.sum((p != c) & (t == c))))
        for c in classes
    ]  # fmt: skip


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0  # scikit-learn's zero_division = 0


def accuracy(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    t, p, _ = _labels(y_true, y_pred)
    return float(np.mean(t == p))


def precision(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    """Class 1 for two classes, else the macro average (as scikit-learn, tested)."""
    return float(np.mean([_ratio(tp, tp + fp) for tp, fp, _ in _counts(y_true, y_pred)]))


def recall(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    return float(np.mean([_ratio(tp, tp + fn) for tp, _, fn in _counts(y_true, y_pred)]))


def f1(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    return float(
        np.mean([_ratio(2 * tp, 2 * tp + fp + fn) for tp, fp, fn in _counts(y_true, y_pred)])
    )


def _rankdata(score: Array) -> Array:
    """Ranks from 1, tied scores sharing their average rank (``scipy.stats.rankdata``
    without importing scipy.stats, which costs ~0.4 s of a run)."""
    order = np.argsort(score, kind="mergesort")
    sorted_scores = np.asarray(score)[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], len(sorted_scores)]
    ranks = np.empty(len(sorted_scores))
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return ranks


def _auc(positive: Array, score: Array) -> float:
    """Mann-Whitney AUC with tied scores counted half."""
    ranks = _rankdata(score)
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def roc_auc(y_true: Array, y_pred: Array, proba: Array | None = None) -> float | None:
    """Binary AUC of P(class 1); one-vs-rest macro average for more classes; ``None``
    when a class is missing from ``y_true`` (undefined)."""
    t = np.asarray(y_true).astype(int).ravel()
    if proba is None:
        return None
    k = proba.shape[1]
    if set(np.unique(t).tolist()) != set(range(k)):
        return None
    if k == 2:
        return _auc(t == 1, proba[:, 1])
    p = proba / np.clip(proba.sum(axis=1, keepdims=True), 1e-12, None)
    return float(np.mean([_auc(t == c, p[:, c]) for c in range(k)]))


def _values(y_true: Array, y_pred: Array) -> tuple[Array, Array]:
    return np.asarray(y_true, dtype=float).ravel(), np.asarray(y_pred, dtype=float).ravel()


def mse(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    t, p = _values(y_true, y_pred)
    return float(np.mean((t - p) ** 2))


def mae(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    t, p = _values(y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


def r2(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    t, p = _values(y_true, y_pred)
    var = float(np.var(t))
    return 1.0 - float(np.mean((t - p) ** 2)) / var if var > 0 else 0.0


def kl(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    from qlang.train.losses import kl as kl_loss

    return kl_loss(np.asarray(y_pred), np.asarray(y_true))[0]


def mmd(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    from qlang.train.losses import mmd as mmd_loss

    return mmd_loss(np.asarray(y_pred), np.asarray(y_true))[0]


def tvd(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    return float(0.5 * np.abs(np.asarray(y_pred) - np.asarray(y_true)).sum())


def valid_mass(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    return float(np.asarray(y_pred)[np.asarray(y_true) > 0].sum())


def metric_names(task: str, family: str, selected: Sequence[str] = ()) -> tuple[str, ...]:
    """The metrics to report: ``selected`` (checked against the task and the kind of
    targets, ``QL0668``) or every metric of the task for that kind.

    ``family`` is the kind of targets: ``classification``, ``regression`` or
    ``distribution``; a kernel task reports the metrics of its targets.
    """
    from qlang import catalog

    known = [
        e.name for e in catalog.entries("metric") if task in e.tasks and e.info.targets == family
    ]
    if not selected:
        return tuple(known)
    for name in selected:
        catalog.runtime_bind("metric", Call(name))
        if name not in known:
            fail(
                "QL0668",
                f"metric `{name}` does not apply to this `{task}` model ({family} targets)",
                help=f"metrics here: {', '.join(known)}",
            )
    return tuple(selected)


def compute(
    names: Sequence[str], y_true: Array, y_pred: Array, proba: Array | None = None
) -> dict[str, float]:
    """The named metrics (those undefined for these values are left out)."""
    from qlang import catalog

    out: dict[str, float] = {}
    for name in names:
        entry, _ = catalog.runtime_bind("metric", Call(name))
        value = entry.load()(y_true, y_pred, proba)
        if value is not None:
            out[name] = float(value)
    return out


def classification_metrics(
    y_true: Array, y_pred: Array, proba: Array | None = None, names: Sequence[str] = ()
) -> dict[str, float]:
    """Accuracy, precision, recall, F1 (binary: class 1 positive; else macro), ROC AUC."""
    return compute(metric_names("classify", "classification", names), y_true, y_pred, proba)


def regression_metrics(y_true: Array, y_pred: Array, names: Sequence[str] = ()) -> dict[str, Any]:
    """Mean squared error, mean absolute error and the coefficient of determination R^2."""
    return compute(metric_names("regress", "regression", names), y_true, y_pred)
