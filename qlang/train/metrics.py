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

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from qlang.ir.model import Call
from qlang.train.errors import fail

Array = np.ndarray


def _labels(y_true: Array, y_pred: Array) -> tuple[Array, Array, str]:
    t, p = np.asarray(y_true).astype(int), np.asarray(y_pred).astype(int)
    labels = np.unique(np.concatenate([t, p]))
    return t, p, "binary" if set(labels.tolist()) <= {0, 1} else "macro"


def _sk(name: str, y_true: Array, y_pred: Array) -> float:
    from sklearn import metrics as skm

    t, p, avg = _labels(y_true, y_pred)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(getattr(skm, f"{name}_score")(t, p, average=avg, zero_division=0))


def accuracy(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    t, p, _ = _labels(y_true, y_pred)
    return float(np.mean(t == p))


def precision(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    return _sk("precision", y_true, y_pred)


def recall(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    return _sk("recall", y_true, y_pred)


def f1(y_true: Array, y_pred: Array, proba: Array | None = None) -> float:
    return _sk("f1", y_true, y_pred)


def roc_auc(y_true: Array, y_pred: Array, proba: Array | None = None) -> float | None:
    from sklearn import metrics as skm

    t = np.asarray(y_true).astype(int)
    if proba is None or len(np.unique(t)) < 2:
        return None
    try:
        if proba.shape[1] == 2:
            return float(skm.roc_auc_score(t, proba[:, 1]))
        p = proba / np.clip(proba.sum(axis=1, keepdims=True), 1e-12, None)
        return float(skm.roc_auc_score(t, p, multi_class="ovr", labels=np.arange(p.shape[1])))
    except ValueError:  # a class absent from this split
        return None


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
