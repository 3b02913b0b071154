"""Preprocessing steps fitted on the training features and stored as plain JSON.

Each step of :mod:`qlang.catalog.data` names one :class:`Step` here: ``fit`` learns the
state from the training split only (its arguments already bound by the catalog);
``apply`` replays it on any data (validation and test splits, ``qlang predict`` input).

Example::

    >>> import numpy as np
    >>> from qlang.ir.model import Call
    >>> X = np.array([[0.0, 10.0], [2.0, 20.0], [4.0, 30.0]])
    >>> steps = fit_steps((Call("minmax", (0.0, 1.0)),), X, None)
    >>> transform(steps, X).tolist()
    [[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from qlang.ir.model import Call
from qlang.train.errors import fail

State = dict[str, Any]

#: the pseudo-step recording the raw feature width (first in every fitted list)
INPUT = "input"


@dataclass(frozen=True, slots=True)
class FittedStep:
    """A step and its learned state (JSON-serialisable: lists, floats, strings)."""

    name: str
    state: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state}

    @staticmethod
    def from_json(data: dict[str, Any]) -> FittedStep:
        return FittedStep(str(data["name"]), dict(data["state"]))


@dataclass(frozen=True)
class Step:
    """``fit(values, X, y, span) -> state`` and ``apply(state, X) -> X``."""

    fit: Callable[[dict[str, Any], np.ndarray, np.ndarray | None, Any], State]
    apply: Callable[[State, np.ndarray], np.ndarray]


def _standardize_fit(v, X, y, span):
    mean, std = X.mean(axis=0), X.std(axis=0)
    return {"mean": mean.tolist(), "std": np.where(std > 0, std, 1.0).tolist()}


def _minmax_fit(v, X, y, span):
    lo, hi = X.min(axis=0), X.max(axis=0)
    return {"lo": lo.tolist(), "hi": hi.tolist(), "a": float(v["low"]), "b": float(v["high"])}


def _minmax_apply(s, X):
    lo, hi = np.asarray(s["lo"]), np.asarray(s["hi"])
    width = np.where(hi > lo, hi - lo, 1.0)
    return s["a"] + (X - lo) / width * (s["b"] - s["a"])


def _pca_fit(v, X, y, span):
    k = int(v["k"])
    if not 1 <= k <= min(X.shape):
        fail(
            "QL0410",
            f"`pca({k})` needs 1 <= k <= min(samples, features) = {min(X.shape)}",
            span,
        )
    mean = X.mean(axis=0)
    _, _, vt = np.linalg.svd(X - mean, full_matrices=False)
    comps = vt[:k]
    # deterministic sign: largest-magnitude entry of each component positive
    signs = np.sign(comps[np.arange(k), np.argmax(np.abs(comps), axis=1)])
    return {"mean": mean.tolist(), "components": (comps * signs[:, None]).tolist()}


def _downsample_fit(v, X, y, span):
    size = int(v["size"])
    side = int(round(np.sqrt(X.shape[1])))
    if side * side != X.shape[1] or side % size:
        fail(
            "QL0410",
            f"`downsample({size})` needs square images whose side ({np.sqrt(X.shape[1]):g}) "
            f"is a multiple of {size}",
            span,
        )
    return {"side": side, "size": size}


def _downsample_apply(s, X):
    from qlang.train.data.builtin import downsample_images

    return downsample_images(X, s["side"], s["size"])


def _select_fit(v, X, y, span):
    cols = [int(c) for c in v["columns"]]
    if max(cols) >= X.shape[1]:
        fail("QL0410", f"`select` column {max(cols)} does not exist in {X.shape[1]} features", span)
    return {"columns": cols}


def _normalize_apply(s, X):
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1.0)


def _one_hot_fit(v, X, y, span):
    if y is None:
        fail("QL0410", "`one_hot` needs labels", span)
    return {"classes": sorted({int(c) for c in np.asarray(y).ravel()})}


STANDARDIZE = Step(
    _standardize_fit, lambda s, X: (X - np.asarray(s["mean"])) / np.asarray(s["std"])
)
MINMAX = Step(_minmax_fit, _minmax_apply)
PCA = Step(_pca_fit, lambda s, X: (X - np.asarray(s["mean"])) @ np.asarray(s["components"]).T)
SCALE = Step(lambda v, X, y, span: {"factor": float(v["factor"])}, lambda s, X: X * s["factor"])
NORMALIZE = Step(lambda v, X, y, span: {}, _normalize_apply)
BINARIZE = Step(
    lambda v, X, y, span: {"threshold": float(v["threshold"])},
    lambda s, X: (X > s["threshold"]).astype(float),
)
SELECT = Step(_select_fit, lambda s, X: X[:, s["columns"]])
DOWNSAMPLE = Step(_downsample_fit, _downsample_apply)
#: acts on the targets (``regress`` onto class indicators); the features pass unchanged
ONE_HOT = Step(_one_hot_fit, lambda s, X: X)


def step_impl(name: str) -> Step:
    from qlang import catalog

    entry = catalog.lookup("preprocess", name)
    if entry is None:
        fail("QL0409", f"unknown preprocessing step `{name}` in stored weights")
    return entry.load()


def fit_step(call: Call, X: np.ndarray, y: np.ndarray | None) -> FittedStep:
    """Learn one step's state from training data ``X`` (``y`` only for ``one_hot``)."""
    from qlang import catalog

    entry, values = catalog.runtime_bind("preprocess", call)
    step: Step = entry.load()
    return FittedStep(entry.name, step.fit(values, X, y, call.span))


def apply_step(step: FittedStep, X: np.ndarray) -> np.ndarray:
    if step.name == INPUT:
        return X
    return step_impl(step.name).apply(step.state, X)


def fit_steps(calls: tuple[Call, ...], X: np.ndarray, y: np.ndarray | None) -> list[FittedStep]:
    """Fit the steps in order, each on the output of the previous ones."""
    fitted = []
    cur = np.asarray(X, dtype=float)
    for call in calls:
        step = fit_step(call, cur, y)
        fitted.append(step)
        cur = apply_step(step, cur)
    return fitted


def transform(steps: list[FittedStep], X: np.ndarray) -> np.ndarray:
    """Replay fitted steps on new features."""
    cur = np.asarray(X, dtype=float)
    for step in steps:
        cur = apply_step(step, cur)
    return cur


def one_hot_classes(steps: list[FittedStep]) -> list[int] | None:
    """The class list if a ``one_hot`` step was requested, else ``None``."""
    for step in steps:
        if step.name == "one_hot":
            return list(step.state["classes"])
    return None
