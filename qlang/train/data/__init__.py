"""Built-in offline data sets, CSV input, preprocessing and seeded splits.

Data specs arrive as :class:`~qlang.ir.model.Call` objects::

    >>> from qlang.ir.model import Call
    >>> d = load_dataset(Call("moons", (), (("n", 40),)), seed=3)
    >>> d.X_train.shape, d.X_test.shape
    ((30, 2), (10, 2))
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np

from qlang.ir.model import Call
from qlang.limits import MAX_DATA_ROWS, MAX_DATA_VALUES, MAX_FEATURES
from qlang.train.data.csvdata import read_csv
from qlang.train.data.dataset import Dataset, split_indices
from qlang.train.data.preprocess import FittedStep, fit_steps, transform
from qlang.train.errors import fail

__all__ = [
    "Dataset",
    "FittedStep",
    "fit_steps",
    "load_dataset",
    "read_csv",
    "split_indices",
    "transform",
]


def load_dataset(call: Call, seed: int = 0, base_dir: str | Path | None = None) -> Dataset:
    """Build the data set a ``data = name(...)`` setting asks for.

    The name and arguments are bound by the catalog (``QL0401``/``QL0402``); the
    generator seed is the call's own ``seed`` argument if given, else ``seed`` (the caller
    passes one derived from the model seed). File paths are relative to ``base_dir``
    (the model file's folder).
    """
    from qlang import catalog

    entry, values = catalog.runtime_bind("data", call)
    check_sizes(call.name, values, call.span)
    own_seed = values.pop("seed", None)
    rng = np.random.default_rng(seed if own_seed is None else int(own_seed))
    fn = entry.load()
    extra: dict[str, object] = {}
    if "base_dir" in inspect.signature(fn).parameters:
        extra["base_dir"] = base_dir
    try:
        return fn(**values, rng=rng, span=call.span, **extra)
    except (TypeError, ValueError) as exc:
        fail("QL0402", f"bad arguments for `{call.name}`: {exc}", call.span)


#: Generator arguments that count rows, and those that count features.
ROW_ARGS = ("n", "train", "test")
FEATURE_ARGS = ("window", "dim", "features")
#: Generators whose rows cost more than a plain draw get a lower row limit
#: (``ad_hoc`` rejection-samples through a 2**dim unitary: about 80 us a row).
ROW_LIMITS = {"ad_hoc": 100_000}


def check_sizes(name: str, kwargs: dict[str, Any], span: Any) -> None:
    """``QL0826`` before a generator is asked for more rows or values than the limits (the
    catalog bounds each argument; this bounds them together, before any is generated)."""
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
