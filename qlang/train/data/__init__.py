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

import numpy as np

from qlang.ir.model import Call
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
