"""Evaluation metrics for classification and regression.

Example::

    >>> import numpy as np
    >>> m = classification_metrics(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]))
    >>> m["accuracy"], m["recall"]
    (0.75, 0.5)
"""

from __future__ import annotations

import warnings

import numpy as np


def classification_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray | None = None
) -> dict[str, float]:
    """Accuracy, precision, recall, F1 (binary: class 1 positive; else macro) and ROC AUC."""
    from sklearn import metrics as skm

    y_true = np.asarray(y_true).astype(int)
    y_pred = np.asarray(y_pred).astype(int)
    labels = np.unique(np.concatenate([y_true, y_pred]))
    avg = "binary" if set(labels.tolist()) <= {0, 1} else "macro"
    out = {"accuracy": float(skm.accuracy_score(y_true, y_pred))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["precision"] = float(skm.precision_score(y_true, y_pred, average=avg, zero_division=0))
        out["recall"] = float(skm.recall_score(y_true, y_pred, average=avg, zero_division=0))
        out["f1"] = float(skm.f1_score(y_true, y_pred, average=avg, zero_division=0))
        if proba is not None and len(np.unique(y_true)) > 1:
            try:
                if proba.shape[1] == 2:
                    out["roc_auc"] = float(skm.roc_auc_score(y_true, proba[:, 1]))
                else:
                    p = proba / np.clip(proba.sum(axis=1, keepdims=True), 1e-12, None)
                    out["roc_auc"] = float(
                        skm.roc_auc_score(
                            y_true, p, multi_class="ovr", labels=np.arange(p.shape[1])
                        )
                    )
            except ValueError:
                pass
    return out


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Mean squared error, mean absolute error and the coefficient of determination R^2."""
    y_true = np.asarray(y_true, dtype=float).ravel()
    y_pred = np.asarray(y_pred, dtype=float).ravel()
    mse = float(np.mean((y_true - y_pred) ** 2))
    var = float(np.var(y_true))
    r2 = 1.0 - mse / var if var > 0 else 0.0
    return {"mse": mse, "mae": float(np.mean(np.abs(y_true - y_pred))), "r2": r2}
