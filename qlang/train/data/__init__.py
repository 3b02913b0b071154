"""Built-in offline data sets, CSV input, preprocessing and seeded splits.

Data specs arrive as :class:`~qlang.ir.model.Call` objects::

    >>> from qlang.ir.model import Call
from qlang.limits import MAX_DATA_ROWS, MAX_DATA_VALUES, MAX_FEATURES
    >>> d = load_dataset(Call("moons", (), (("n", 40),)), seed=3)
    >>> d.X_train.shape, d.X_test.shape
    ((30, 2), (10, 2))
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from qlang.diagnostics import did_you_mean
from qlang.ir.model import Call
from qlang.limits import MAX_DATA_ROWS, MAX_DATA_VALUES, MAX_FEATURES
from qlang.train.data import builtin, synthetic
from qlang.train.data.csvdata import read_csv
from qlang.train.data.dataset import Dataset, make_split, split_indices
from qlang.train.data.preprocess import FittedStep, fit_steps, transform
from qlang.train.errors import fail

__all__ = [
    "DATASETS",
    "Dataset",
    "FittedStep",
    "fit_steps",
    "load_dataset",
    "read_csv",
    "split_indices",
    "transform",
]

DATASETS: dict[str, Callable[..., Dataset]] = {
    "ad_hoc": synthetic.ad_hoc,
    "moons": synthetic.moons,
    "circles": synthetic.circles,
    "bars_and_stripes": synthetic.bars_and_stripes,
    "iris": builtin.iris,
    "breast_cancer": builtin.breast_cancer,
    "wine": builtin.wine,
    "digits": builtin.digits,
}
for _kind in synthetic.SERIES:
    DATASETS[_kind] = (lambda k: lambda *a, **kw: synthetic.series(k, *a, **kw))(_kind)
    DATASETS[_kind].__doc__ = synthetic.series.__doc__


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def load_dataset(call: Call, seed: int = 0, base_dir: str | Path | None = None) -> Dataset:
    """Build the data set a ``data = name(...)`` setting asks for.

    The generator seed is the call's own ``seed`` argument if given, else ``seed``
    (the caller passes one derived from the model seed). ``csv`` paths are relative to
    ``base_dir`` (the model file's folder).
    """
    kwargs = {k: _plain(v) for k, v in call.kwargs}
    own_seed = kwargs.pop("seed", None)
    if own_seed is not None and (isinstance(own_seed, bool) or not isinstance(own_seed, int)):
        fail("QL0402", f"`{call.name}` seed must be an integer, got `{own_seed}`", call.span)
    rng = np.random.default_rng(seed if own_seed is None else int(own_seed))  # type: ignore[call-overload]
    if call.name == "csv":
        return _csv_dataset(call, kwargs, rng, base_dir)
    fn = DATASETS.get(call.name)
    if fn is None:
        fail(
            "QL0401",
            f"unknown data set `{call.name}`",
            call.span,
            help=did_you_mean(call.name, [*DATASETS, "csv"])
            or f"built-in data sets: {', '.join(sorted(DATASETS))}, csv",
        )
    target = synthetic.series if call.name in synthetic.SERIES else fn
    params = [
        p
        for p in inspect.signature(target).parameters.values()
        if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "kind"
    ]
    allowed = {p.name for p in params}
    for key in kwargs:
        if key not in allowed:
            fail(
                "QL0402",
                f"`{call.name}` has no argument `{key}`",
                call.span,
                help=did_you_mean(key, allowed)
                or f"arguments: {', '.join(sorted(allowed)) or 'none'}",
            )
    if len(call.args) > len(params):
        fail("QL0402", f"`{call.name}` takes at most {len(params)} positional arguments", call.span)
    for p, v in zip(params, call.args, strict=False):
        kwargs[p.name] = _plain(v)
    check_sizes(call.name, kwargs, call.span)
    try:
        return fn(**kwargs, rng=rng, span=call.span)
    except (TypeError, ValueError) as exc:
        fail("QL0402", f"bad arguments for `{call.name}`: {exc}", call.span)


#: Generator arguments that count rows, and those that count features.
ROW_ARGS = ("n", "train", "test")
FEATURE_ARGS = ("window", "dim")
#: Generators whose rows cost more than a plain draw get a lower row limit
#: (``ad_hoc`` rejection-samples through a 2**dim unitary: about 80 us a row).
ROW_LIMITS = {"ad_hoc": 100_000}


def check_sizes(name: str, kwargs: dict, span: Any) -> None:
    """``QL0826`` before a generator is asked for more rows or features than the limits."""
    rows = 0
    for key in ROW_ARGS:
        v = kwargs.get(key)
        if isinstance(v, int) and not isinstance(v, bool):
            rows += max(v, 0)
    width = 1
    for key in FEATURE_ARGS:
        v = kwargs.get(key)
        if isinstance(v, int) and not isinstance(v, bool):
            width = max(width, v)
    max_rows = ROW_LIMITS.get(name, MAX_DATA_ROWS)
    if rows > max_rows or width > MAX_FEATURES or rows * width > MAX_DATA_VALUES:
        fail(
            "QL0826",
            f"`{name}` would generate {rows:,} rows"
            + (f" of {width:,} features" if width > 1 else ""),
            span,
            help=f"`{name}` generates at most {max_rows:,} rows ({MAX_FEATURES:,} features, "
            f"{MAX_DATA_VALUES:,} values)",
        )


def _csv_dataset(call: Call, kwargs: dict, rng: np.random.Generator, base_dir) -> Dataset:
    path = call.arg(0, "path")
    if not isinstance(path, str):
        fail("QL0402", '`csv` needs a file path: `csv("data.csv", label = "y")`', call.span)
    label = kwargs.get("label")
    if not isinstance(label, str):
        fail("QL0402", '`csv` needs the label column: `label = "name"`', call.span)
    unknown = set(kwargs) - {"path", "label", "test", "task"}
    if unknown:
        fail(
            "QL0402",
            f"`csv` has no argument `{sorted(unknown)[0]}`",
            call.span,
            help="arguments: path, label, test, task",
        )
    p = Path(path)
    if base_dir is not None and not p.is_absolute():
        p = Path(base_dir) / p
    X, y, names = read_csv(p, label, span=call.span, policy=True)
    assert y is not None
    regression = kwargs.get("task") == "regress" or not np.all(y == np.round(y))
    kind = "regression" if regression else "classification"
    yy = y if regression else y.astype(int)
    return make_split(
        p.stem, X, yy, kwargs.get("test", 0.25), rng, kind=kind, span=call.span, feature_names=names
    )
