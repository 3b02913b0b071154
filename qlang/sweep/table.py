"""The table of a sweep's runs (``runs.csv`` / ``runs.json``) and its summary.

One row per run: ``run``, ``status`` (``done``, ``failed``, ``interrupted``,
``pending``), one column per grid key (the value's source text), ``seed``, the metrics
(``test.accuracy``, ``train.loss``, ``energy``...: every number of the run's
``metrics.json``, nested keys joined by ``.``), ``wall_s`` and ``cpu_s`` (of the run's
process), the versions (``qlang``, ``python``, ``numpy``), the run folder and, for a
failed run, its error. ``summarize`` groups rows by the settings other than the seed
and gives mean, standard deviation (ddof 1) and count of a metric per group.

Example::

    >>> rows = [
    ...     {"status": "done", "optimizer": "adam()", "seed": 0, "test.accuracy": 0.8},
    ...     {"status": "done", "optimizer": "adam()", "seed": 1, "test.accuracy": 0.9},
    ...     {"status": "failed", "optimizer": "sgd()", "seed": 0},
    ... ]
    >>> [(g.label, round(g.mean, 3), g.n) for g in summarize(rows, ["optimizer"], "test.accuracy")]
    [('optimizer=adam()', 0.85, 2), ('optimizer=sgd()', nan, 0)]
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qlang.fileio import atomic_write_text, read_json
from qlang.limits import MAX_ARTIFACT_BYTES

TABLE_JSON = "runs.json"
TABLE_CSV = "runs.csv"
TABLE_FORMAT = "qlang-runs/1"
#: columns before the grid keys / after the metrics
HEAD = ("run", "status")
TAIL = ("wall_s", "cpu_s", "qlang", "python", "numpy", "path", "error")


def flatten_metrics(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Every finite-or-not number of a metrics document, nested keys joined by ``.``.

    >>> flatten_metrics({"test": {"accuracy": 0.9, "confusion": [[1]]}, "epochs": 3, "x": "a"})
    {'test.accuracy': 0.9, 'epochs': 3.0}
    """
    out: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            out[name] = float(value)
        elif isinstance(value, Mapping) and key != "notes":
            out.update(flatten_metrics(value, f"{name}."))
    return out


def run_row(folder: Path) -> dict[str, Any]:
    """The seed, metrics and versions of a finished run folder."""
    row: dict[str, Any] = {}
    metrics = folder / "metrics.json"
    if metrics.is_file():
        data = read_json(metrics, what="metrics", code="QL0854", limit=MAX_ARTIFACT_BYTES)
        if isinstance(data, dict):
            row.update(flatten_metrics(data))
    prov = folder / "provenance.json"
    if prov.is_file():
        data = read_json(prov, what="provenance", code="QL0854", limit=MAX_ARTIFACT_BYTES)
        if isinstance(data, dict):
            if isinstance(data.get("seed"), int):
                row["seed"] = data["seed"]
            versions = data.get("versions")
            if isinstance(versions, dict):
                for k in ("qlang", "python", "numpy"):
                    if isinstance(versions.get(k), str):
                        row[k] = versions[k]
    return row


def columns(rows: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> list[str]:
    """The table's columns: head, grid keys, seed, metrics (sorted), tail."""
    fixed = set(HEAD) | set(keys) | set(TAIL) | {"seed"}
    metrics = sorted({k for r in rows for k in r if k not in fixed})
    seed = [] if "seed" in keys else ["seed"]
    return [*HEAD, *keys, *seed, *metrics, *TAIL]


def write_table(folder: Path, rows: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> None:
    """``runs.json`` (rows as objects) and ``runs.csv``, each written atomically."""
    cols = columns(rows, keys)
    doc = {"format": TABLE_FORMAT, "keys": list(keys), "columns": cols, "runs": list(rows)}
    atomic_write_text(folder / TABLE_JSON, json.dumps(doc, indent=1, allow_nan=False,
                                                      default=_jsonable) + "\n")  # fmt: skip
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r.get(c) is None else _cell(r.get(c)) for c in cols])
    atomic_write_text(folder / TABLE_CSV, buf.getvalue())


def _jsonable(v: Any) -> Any:
    return str(v)


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return repr(v)
    return str(v)


def read_table(folder: Path) -> dict[str, Any]:
    """The ``runs.json`` of a sweep folder (``QL0904`` when there is none or it is bad)."""
    from qlang.train.errors import fail

    path = folder / TABLE_JSON
    if not path.is_file():
        fail(
            "QL0904",
            f"`{folder}` has no runs table (`{TABLE_JSON}`): it is not a sweep folder",
            help="`qlang sweep FILE --out DIR` writes one",
        )
    data = read_json(path, what="runs table", code="QL0904", limit=MAX_ARTIFACT_BYTES)
    ok = (
        isinstance(data, dict)
        and data.get("format") == TABLE_FORMAT
        and isinstance(data.get("keys"), list)
        and isinstance(data.get("columns"), list)
        and isinstance(data.get("runs"), list)
        and all(isinstance(r, dict) for r in data["runs"])
    )
    if not ok:
        fail("QL0904", f"`{path}` is not a qlang runs table")
    return data


@dataclass(frozen=True)
class Group:
    """The runs of one setting (all grid keys but the seed): a metric's mean, std, count."""

    label: str
    settings: tuple[tuple[str, str], ...]
    values: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return math.fsum(self.values) / self.n if self.values else math.nan

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof 1; 0 for one run, nan for none)."""
        if not self.values:
            return math.nan
        if self.n == 1:
            return 0.0
        m = self.mean
        return math.sqrt(math.fsum((v - m) ** 2 for v in self.values) / (self.n - 1))


def summarize(rows: Iterable[Mapping[str, Any]], by: Sequence[str], metric: str) -> list[Group]:
    """``metric`` of the finished runs grouped by the settings ``by``, in first-seen order."""
    groups: dict[tuple[tuple[str, str], ...], list[float]] = {}
    for r in rows:
        key = tuple((k, str(r.get(k, ""))) for k in by)
        values = groups.setdefault(key, [])
        v = r.get(metric)
        if r.get("status") == "done" and isinstance(v, int | float) and not isinstance(v, bool):
            values.append(float(v))
    return [
        Group(", ".join(f"{k}={v}" for k, v in key) or "all runs", key, tuple(vals))
        for key, vals in groups.items()
    ]


def default_metric(cols: Sequence[str], keys: Sequence[str]) -> str | None:
    """The metric a comparison shows by default: the first test metric, else the energy
    error, approximation ratio or KL divergence, else any (the loss and timings last).

    >>> default_metric(["run", "final_loss", "kl", "seconds"], [])
    'kl'
    """
    fixed = set(HEAD) | set(TAIL) | set(keys) | {"seed"}
    metrics = [c for c in cols if c not in fixed]
    for prefix in ("test.", "energy_error", "approximation_ratio", "kl", "energy", "train."):
        for c in metrics:
            if c.startswith(prefix):
                return c
    rest = [c for c in metrics if c not in ("seconds", "steps", "final_loss")] or metrics
    return rest[0] if rest else None


def format_number(v: float) -> str:
    if math.isnan(v):
        return "-"
    return f"{v:.4g}"
