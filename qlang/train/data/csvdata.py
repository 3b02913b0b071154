"""User data from one CSV file, with clear errors for every way it can be wrong.

Example::

    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> _ = open(path, "w").write("a,b,y\\n1,2,0\\n3,4,1\\n5,6,0\\n7,8,1\\n")
    >>> X, y, names = read_csv(path, label="y")
    >>> X.shape, y.tolist(), names
    ((4, 2), [0.0, 1.0, 0.0, 1.0], ('a', 'b'))
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from qlang.source import Span
from qlang.train.data.dataset import Dataset
from qlang.train.errors import fail


def read_csv(
    path: str | Path,
    label: str | None = None,
    *,
    expect_features: int | None = None,
    span: Span | None = None,
) -> tuple[np.ndarray, np.ndarray | None, tuple[str, ...]]:
    """Read a header + numeric rows CSV; return ``(X, y or None, feature names)``.

    Errors: missing file (QL0403), empty (QL0404), missing label column (QL0405),
    NaN or non-numeric cell (QL0406), ragged row (QL0407), feature count different from
    ``expect_features`` (QL0408).
    """
    p = Path(path)
    if not p.is_file():
        fail(
            "QL0403",
            f"data file `{p}` not found",
            span,
            help="check the path (relative paths start at the model file)",
        )
    with p.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh) if any(cell.strip() for cell in r)]
    if len(rows) < 2:
        fail(
            "QL0404",
            f"data file `{p}` has no data rows",
            span,
            help="add a header line and at least one row",
        )
    header = [h.strip() for h in rows[0]]
    if label is not None and label not in header:
        from qlang.diagnostics import did_you_mean

        fail(
            "QL0405",
            f"label column `{label}` not in `{p.name}`",
            span,
            help=did_you_mean(label, header) or f"columns are: {', '.join(header)}",
        )
    width = len(header)
    values = np.empty((len(rows) - 1, width))
    for r, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            fail(
                "QL0407",
                f"row {r} of `{p.name}` has {len(row)} fields, the header has {width}",
                span,
                help="every row needs one value per header column",
            )
        for c, cell in enumerate(row):
            try:
                v = float(cell)
            except ValueError:
                v = math.nan
            if not math.isfinite(v):
                fail(
                    "QL0406",
                    f"row {r}, column `{header[c]}` of `{p.name}` is not a finite number: "
                    f"`{cell.strip()}`",
                    span,
                    help="remove or impute missing values before training",
                )
            values[r - 2, c] = v
    if label is None:
        X, y, names = values, None, tuple(header)
    else:
        j = header.index(label)
        X = np.delete(values, j, axis=1)
        y = values[:, j]
        names = tuple(h for h in header if h != label)
    if expect_features is not None and X.shape[1] != expect_features:
        fail(
            "QL0408",
            f"`{p.name}` has {X.shape[1]} feature columns, the model expects {expect_features}",
            span,
            help="pass exactly the feature columns the model was trained on",
        )
    return X, y, names


def load_csv(
    path: str,
    label: str,
    test: float = 0.25,
    task: str | None = None,
    *,
    rng: np.random.Generator,
    span: Span | None = None,
    base_dir: str | Path | None = None,
) -> Dataset:
    """``csv("data.csv", label = "y")``: the file's label column is the target; classes when
    every label is an integer (or ``task = "classify"``), values otherwise (or ``task =
    "regress"``)."""
    from qlang.train.data.dataset import make_split

    p = Path(path)
    if base_dir is not None and not p.is_absolute():
        p = Path(base_dir) / p
    X, y, names = read_csv(p, label, span=span)
    assert y is not None
    integral = bool(np.all(y == np.round(y)))
    if task == "classify" and not integral:
        fail(
            "QL0402",
            f'`csv(task = "classify")` needs integer labels in `{label}`',
            span,
            help='use `task = "regress"` for continuous targets',
        )
    regression = task == "regress" or (task is None and not integral)
    kind = "regression" if regression else "classification"
    yy = y if regression else y.astype(int)
    return make_split(p.stem, X, yy, test, rng, kind=kind, span=span, feature_names=names)
