"""Preprocessing steps fitted on the training features and stored as plain JSON.

Steps: ``standardize``, ``minmax(a, b)``, ``pca(k)``, ``scale(f)``, ``downsample(size)``
(square images), ``one_hot`` (targets). ``fit`` learns the state from the training set
only; ``transform`` replays it on any data (test set, ``qlang predict`` input).

Example::

    >>> import numpy as np
    >>> from qlang.ir.model import Call
    >>> X = np.array([[0.0, 10.0], [2.0, 20.0], [4.0, 30.0]])
    >>> steps = fit_steps((Call("minmax", (0.0, 1.0)),), X, None)
    >>> transform(steps, X).tolist()
    [[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qlang.diagnostics import did_you_mean
from qlang.ir.model import Call
from qlang.train.errors import fail

STEPS = ("standardize", "minmax", "pca", "scale", "downsample", "one_hot")


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


def _num(call: Call, index: int, key: str, default: float) -> float:
    v = call.arg(index, key, default)
    if isinstance(v, bool) or not isinstance(v, int | float):
        fail("QL0410", f"`{call.name}` argument `{key}` must be a number, got `{v}`", call.span)
    return float(v)


def fit_step(call: Call, X: np.ndarray, y: np.ndarray | None) -> FittedStep:
    """Learn one step's state from training data ``X`` (``y`` only for ``one_hot``)."""
    name = call.name
    if name == "standardize":
        mean, std = X.mean(axis=0), X.std(axis=0)
        return FittedStep(
            name, {"mean": mean.tolist(), "std": np.where(std > 0, std, 1.0).tolist()}
        )
    if name == "minmax":
        a, b = _num(call, 0, "low", 0.0), _num(call, 1, "high", 1.0)
        if not a < b:
            fail("QL0410", f"`minmax` needs low < high, got ({a}, {b})", call.span)
        lo, hi = X.min(axis=0), X.max(axis=0)
        return FittedStep(name, {"lo": lo.tolist(), "hi": hi.tolist(), "a": a, "b": b})
    if name == "scale":
        return FittedStep(name, {"factor": _num(call, 0, "factor", 1.0)})
    if name == "pca":
        k = int(_num(call, 0, "k", 2))
        if not 1 <= k <= min(X.shape):
            fail(
                "QL0410",
                f"`pca({k})` needs 1 <= k <= min(samples, features) = {min(X.shape)}",
                call.span,
            )
        mean = X.mean(axis=0)
        _, _, vt = np.linalg.svd(X - mean, full_matrices=False)
        comps = vt[:k]
        # deterministic sign: largest-magnitude entry of each component positive
        signs = np.sign(comps[np.arange(k), np.argmax(np.abs(comps), axis=1)])
        return FittedStep(
            name, {"mean": mean.tolist(), "components": (comps * signs[:, None]).tolist()}
        )
    if name == "downsample":
        size = int(_num(call, 0, "size", 4))
        side = int(round(np.sqrt(X.shape[1])))
        if side * side != X.shape[1] or size < 1 or side % size:
            fail(
                "QL0410",
                f"`downsample({size})` needs square images whose side ({np.sqrt(X.shape[1]):g}) "
                f"is a multiple of {size}",
                call.span,
            )
        return FittedStep(name, {"side": side, "size": size})
    if name == "one_hot":
        if y is None:
            fail("QL0410", "`one_hot` needs labels", call.span)
        classes = sorted({int(v) for v in np.asarray(y).ravel()})
        return FittedStep(name, {"classes": classes})
    fail(
        "QL0409",
        f"unknown preprocessing step `{name}`",
        call.span,
        help=did_you_mean(name, STEPS) or f"available: {', '.join(STEPS)}",
    )


def apply_step(step: FittedStep, X: np.ndarray) -> np.ndarray:
    s = step.state
    if step.name == "standardize":
        return (X - np.asarray(s["mean"])) / np.asarray(s["std"])
    if step.name == "minmax":
        lo, hi = np.asarray(s["lo"]), np.asarray(s["hi"])
        span = np.where(hi > lo, hi - lo, 1.0)
        return s["a"] + (X - lo) / span * (s["b"] - s["a"])
    if step.name == "scale":
        return X * s["factor"]
    if step.name == "pca":
        return (X - np.asarray(s["mean"])) @ np.asarray(s["components"]).T
    if step.name == "downsample":
        from qlang.train.data.builtin import downsample_images

        return downsample_images(X, s["side"], s["size"])
    return X  # one_hot acts on targets; input records the raw width


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
