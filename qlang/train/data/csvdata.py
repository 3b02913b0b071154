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
from typing import Any

import numpy as np

from qlang.fileio import exists, open_text
from qlang.limits import MAX_DATA_FILE_BYTES, MAX_DATA_ROWS, MAX_DATA_VALUES, MAX_FEATURES
from qlang.source import Span
from qlang.train.data.dataset import Dataset
from qlang.train.errors import fail


def read_csv(
    path: str | Path,
    label: str | None = None,
    *,
    expect_features: int | None = None,
    span: Span | None = None,
    policy: bool = False,
) -> tuple[np.ndarray, np.ndarray | None, tuple[str, ...]]:
    """Read a header + numeric rows CSV; return ``(X, y or None, feature names)``.

    Errors: missing file (QL0403), empty (QL0404), missing label column (QL0405),
    NaN or non-numeric cell (QL0406), ragged row (QL0407), feature count different from
    ``expect_features`` (QL0408), too large (QL0803, QL0826), not a regular file or
    outside the project with ``policy`` (QL0801, QL0802). Messages give row and column
    numbers, never the file's contents.
    """
    p = Path(path)
    if not exists(p):
        fail(
            "QL0403",
            f"data file `{p}` not found",
            span,
            help="check the path (relative paths start at the model file)",
        )
    fh = open_text(p, what="data file", limit=MAX_DATA_FILE_BYTES, span=span, policy=policy)
    try:
        with fh:
            header, values = _rows(csv.reader(fh), p, span)
    except (UnicodeDecodeError, csv.Error) as exc:
        why = "not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else "not a valid CSV file"
        fail("QL0406", f"data file `{p}` is {why}", span, help="save it as UTF-8 CSV")
    except OSError as exc:
        fail("QL0403", f"cannot read data file `{p}`: {exc.strerror or 'read error'}", span)
    if label is not None and label not in header:
        fail(
            "QL0405",
            f"label column `{label}` not in the header of `{p.name}` ({len(header)} columns)",
            span,
            help="check the spelling of the label column in the file's first line",
        )
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


def _rows(reader: Any, p: Path, span: Span | None) -> tuple[list[str], np.ndarray]:
    """The header and the numeric rows, checked against the data limits as they stream."""
    header: list[str] | None = None
    data: list[list[float]] = []
    r = 0
    for row in reader:
        r += 1
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [h.strip() for h in row]
            if len(header) > MAX_FEATURES + 1:
                _too_big(p, f"{len(header):,} columns (limit {MAX_FEATURES:,})", span)
            continue
        if len(row) != len(header):
            fail(
                "QL0407",
                f"row {r} of `{p.name}` has {len(row)} fields, the header has {len(header)}",
                span,
                help="every row needs one value per header column",
            )
        if len(data) >= MAX_DATA_ROWS or (len(data) + 1) * len(header) > MAX_DATA_VALUES:
            _too_big(p, f"more than {len(data):,} rows of {len(header)} columns", span)
        values = []
        for c, cell in enumerate(row, start=1):
            try:
                v = float(cell) if len(cell) <= 64 else math.nan
            except ValueError:
                v = math.nan
            if not math.isfinite(v):
                fail(
                    "QL0406",
                    f"row {r}, column {c} of `{p.name}` is not a finite number",
                    span,
                    help="remove or impute missing values before training",
                )
            values.append(v)
        data.append(values)
    if header is None or not data:
        fail(
            "QL0404",
            f"data file `{p}` has no data rows",
            span,
            help="add a header line and at least one row",
        )
    return header, np.array(data, dtype=float).reshape(len(data), len(header))


def _too_big(p: Path, what: str, span: Span | None) -> None:
    fail(
        "QL0826",
        f"data file `{p.name}` has {what}",
        span,
        help=f"a data set holds at most {MAX_DATA_ROWS:,} rows and {MAX_DATA_VALUES:,} values",
    )


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
    X, y, names = read_csv(p, label, span=span, policy=True)
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

