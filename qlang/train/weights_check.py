"""Checks of a ``weights.json`` read from disk, before anything uses it.

A weights file is input like any other: it may be truncated, edited by hand, or not
written by qlang at all. Every key, type, length and value the runtime relies on is
checked here, and each problem is one ``QL0658`` diagnostic that names the key (never
the file's contents).

Example::

    >>> check_weights({"format": "qlang-weights/1", "task": "regress", "seed": 1,
    ...                "params": [0.5], "names": ["w[0]"]}, "weights.json")
    >>> try:
    ...     check_weights({"format": "qlang-weights/1", "task": "regress", "seed": 1,
    ...                    "params": [float("nan")], "names": ["w"]}, "weights.json")
    ... except Exception as err:
    ...     print(err.diagnostics[0].message)
    `weights.json`: `params[0]` is not a finite number
"""

from __future__ import annotations

import math
from typing import Any, NoReturn

from qlang import catalog
from qlang.limits import MAX_ARRAY_ELEMENTS, MAX_DATA_ROWS, MAX_DATA_VALUES, MAX_FEATURES
from qlang.train.errors import fail

FORMAT = "qlang-weights/1"
#: The step that records the raw input width; the others are the catalog's steps.
INPUT_STEP = "input"


class _Bad(Exception):
    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"`{where}` {what}")


def _number(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise _Bad(where, "is not a finite number")
    return float(v)


def _int(v: Any, where: str, lo: int = 0, hi: int = 2**62) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise _Bad(where, f"is not an integer in [{lo}, {hi}]")
    return v


def _list(v: Any, where: str, max_len: int = MAX_ARRAY_ELEMENTS) -> list:
    if not isinstance(v, list):
        raise _Bad(where, "is not a list")
    if len(v) > max_len:
        raise _Bad(where, f"has more than {max_len:,} entries")
    return v


def _numbers(v: Any, where: str, length: int | None = None) -> list[float]:
    items = _list(v, where)
    if length is not None and len(items) != length:
        raise _Bad(where, f"has {len(items)} entries, expected {length}")
    return [_number(x, f"{where}[{i}]") for i, x in enumerate(items)]


def _dict(v: Any, where: str) -> dict:
    if not isinstance(v, dict):
        raise _Bad(where, "is not an object")
    return v


def check_weights(data: Any, where: str) -> None:
    """Raise ``QL0658`` naming the first problem of a parsed ``weights.json``."""
    try:
        _check(data)
    except _Bad as bad:
        _fail(where, str(bad))


def _fail(where: str, what: str) -> NoReturn:
    fail(
        "QL0658",
        f"`{where}`: {what}",
        help="pass a folder written by `qlang train`, or retrain the model",
    )


def _check(data: Any) -> None:
    d = _dict(data, "weights")
    if d.get("format") != FORMAT:
        raise _Bad("format", f"is not `{FORMAT}`: not a qlang weights file")
    task = d.get("task")
    tasks = catalog.names("task")
    if task not in tasks:
        raise _Bad("task", f"is missing or not one of {', '.join(tasks)}")
    _int(d.get("seed"), "seed", 0, 2**63 - 1)
    params = _numbers(d.get("params"), "params")
    names = _list(d.get("names"), "names")
    if len(names) != len(params) or not all(isinstance(n, str) for n in names):
        raise _Bad("names", f"is not a list of {len(params)} names (one per parameter)")
    width = _check_steps(_list(d.get("preprocess", []), "preprocess", 100))
    extra = _dict(d.get("extra", {}), "extra")
    if task == "classify":
        _int(extra.get("num_classes"), "extra.num_classes", 1, 100_000)
        if "labels" in extra:
            labels = _list(extra["labels"], "extra.labels", 100_000)
            if not all(isinstance(x, str | int | float) for x in labels):
                raise _Bad("extra.labels", "holds values that are not labels")
    elif task == "generate":
        target = _numbers(extra.get("target"), "extra.target")
        n = len(target)
        if n == 0 or n & (n - 1) or any(t < 0 for t in target):
            raise _Bad("extra.target", "is not a distribution over 2**k outcomes")
    elif task == "kernel":
        _check_kernel(extra, width)


def _check_steps(steps: list) -> int | None:
    """Each preprocessing step's state, and that their widths chain; the raw width."""
    width: int | None = None
    cur: int | None = None
    for i, raw in enumerate(steps):
        where = f"preprocess[{i}]"
        step = _dict(raw, where)
        name, state = step.get("name"), _dict(step.get("state"), f"{where}.state")
        if name != INPUT_STEP and name not in catalog.names("preprocess"):
            raise _Bad(f"{where}.name", "is not a known preprocessing step")
        if name == "input":
            if i != 0:
                raise _Bad(where, "`input` must come first")
            width = cur = _int(state.get("width"), f"{where}.state.width", 0, MAX_FEATURES)
        elif name == "standardize":
            mean = _numbers(state.get("mean"), f"{where}.state.mean", cur)
            std = _numbers(state.get("std"), f"{where}.state.std", len(mean))
            if any(s == 0 for s in std):
                raise _Bad(f"{where}.state.std", "holds a zero")
            cur = len(mean)
        elif name == "minmax":
            lo = _numbers(state.get("lo"), f"{where}.state.lo", cur)
            _numbers(state.get("hi"), f"{where}.state.hi", len(lo))
            _number(state.get("a"), f"{where}.state.a")
            _number(state.get("b"), f"{where}.state.b")
            cur = len(lo)
        elif name == "scale":
            _number(state.get("factor"), f"{where}.state.factor")
        elif name == "pca":
            mean = _numbers(state.get("mean"), f"{where}.state.mean", cur)
            comps = _list(state.get("components"), f"{where}.state.components", MAX_FEATURES)
            if not comps:
                raise _Bad(f"{where}.state.components", "is empty")
            for r, row in enumerate(comps):
                _numbers(row, f"{where}.state.components[{r}]", len(mean))
            cur = len(comps)
        elif name == "downsample":
            side = _int(state.get("side"), f"{where}.state.side", 1, 10_000)
            size = _int(state.get("size"), f"{where}.state.size", 1, side)
            if side % size or (cur is not None and cur != side * side):
                raise _Bad(f"{where}.state", "does not describe square images it can shrink")
            cur = size * size
        elif name == "binarize":
            _number(state.get("threshold"), f"{where}.state.threshold")
        elif name == "select":
            columns = _list(state.get("columns"), f"{where}.state.columns", MAX_FEATURES)
            limit = (cur or MAX_FEATURES) - 1
            if not columns:
                raise _Bad(f"{where}.state.columns", "is empty")
            for k, c in enumerate(columns):
                _int(c, f"{where}.state.columns[{k}]", 0, limit)
            cur = len(columns)
        elif name == "one_hot":
            classes = _list(state.get("classes"), f"{where}.state.classes", 100_000)
            for k, c in enumerate(classes):
                _int(c, f"{where}.state.classes[{k}]", -(2**62), 2**62)
        elif name != "normalize":  # a step of the catalog this check does not know yet
            raise _Bad(f"{where}.name", "names a step whose stored state cannot be checked")
    return width


def _check_kernel(extra: dict, width: int | None) -> None:
    if extra.get("method") not in ("svc", "svr", "krr"):
        raise _Bad("extra.method", "is not a kernel method (svc, svr, krr)")
    options = _dict(extra.get("options"), "extra.options")
    for key, value in options.items():
        if key == "kind":
            if value not in ("fidelity", "projected"):
                raise _Bad("extra.options.kind", "is not `fidelity` or `projected`")
        elif key in ("C", "alpha", "epsilon", "gamma"):
            if _number(value, f"extra.options.{key}") <= 0:
                raise _Bad(f"extra.options.{key}", "is not positive")
        else:
            raise _Bad(f"extra.options.{key}", "is not a kernel option")
    rows = _list(extra.get("X_train"), "extra.X_train", MAX_DATA_ROWS)
    if not rows:
        raise _Bad("extra.X_train", "is empty")
    first = _list(rows[0], "extra.X_train[0]", MAX_FEATURES)
    if len(rows) * len(first) > MAX_DATA_VALUES:
        raise _Bad("extra.X_train", "is larger than the data limits")
    for r, row in enumerate(rows):
        _numbers(row, f"extra.X_train[{r}]", len(first))
    y = _numbers(extra.get("y_train"), "extra.y_train", len(rows))
    if not isinstance(extra.get("classification"), bool):
        raise _Bad("extra.classification", "is not true or false")
    if extra["method"] == "svc" and len(set(y)) < 2:
        raise _Bad("extra.y_train", "holds fewer than two classes")
