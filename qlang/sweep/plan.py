"""A sweep's plan: its runs, their model sources, and the sweep folder that holds them.

The plan is made from the model file and the grid before anything runs; every run's
model is lowered and checked then (``QL0901`` names the run and the value), so a typo in
the tenth value does not surface after nine trainings. The sweep folder::

    SWEEP/sweep.json        the plan (format, file, model, source hash, axes, runs)
    SWEEP/runs/r000/        one normal run folder per run (run.json, weights, metrics...)
    SWEEP/logs/r000.log     what the run's worker printed
    SWEEP/runs.csv, runs.json   the table of runs (qlang.sweep.table)

Running the same sweep (same model source and grid) into the same folder resumes it; a
different plan there, or a folder of someone else's files, is ``QL0902``.

Example::

    >>> PLAN, PLAN_FORMAT
    ('sweep.json', 'qlang-sweep/1')
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from qlang import ast as A
from qlang.diagnostics import Diagnostic, QLangError
from qlang.fileio import atomic_write_text, read_json
from qlang.limits import MAX_ARTIFACT_BYTES
from qlang.sweep.grid import (
    Axis,
    axes_of,
    combinations,
    find_model,
    merge,
    parse_grid,
    sweep_block,
    variant_source,
)

PLAN = "sweep.json"
PLAN_FORMAT = "qlang-sweep/1"
RUNS_DIR = "runs"
LOGS_DIR = "logs"


def _fail(code: str, message: str, help: str | None = None) -> NoReturn:
    raise QLangError([Diagnostic.error(code, message, help=help)])


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: its id (the folder name), the grid values, and its source."""

    id: str
    values: dict[str, str]
    source: str

    @property
    def source_hash(self) -> str:
        return hashlib.sha256(self.source.encode()).hexdigest()


@dataclass(frozen=True)
class SweepPlan:
    """Every run of a sweep, from one model file and one grid."""

    file: Path
    model: str
    source_hash: str
    axes: tuple[Axis, ...]
    runs: tuple[RunSpec, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PLAN_FORMAT,
            "file": str(self.file),
            "model": self.model,
            "source_hash": self.source_hash,
            "axes": [{"key": a.key, "values": list(a.values)} for a in self.axes],
            "runs": [{"id": r.id, "values": r.values} for r in self.runs],
        }

    def identity(self) -> dict[str, Any]:
        """What must match for a sweep folder to be resumed by this plan."""
        doc = self.to_json()
        return {k: doc[k] for k in ("model", "source_hash", "axes")}


def make_plan(file: str | Path, grid: str | None = None, model: str | None = None) -> SweepPlan:
    """The plan of sweeping ``file`` over its ``sweep`` block and ``grid`` (``--grid``),
    with every run's model checked (``QL0900``, ``QL0901``)."""
    from qlang.fileio import read_source
    from qlang.parser import parse

    path = Path(file)
    text = read_source(path)
    tree = parse(text, str(path))
    md = find_model(tree, model)
    block = sweep_block(md)
    axes = axes_of(block.items, text) if block is not None else []
    if grid is not None:
        axes = merge(axes, parse_grid(grid))
    if not axes:
        _fail(
            "QL0900",
            "nothing to sweep: the model has no `sweep { ... }` block and no `--grid` was given",
            'e.g. `--grid "seed = 0..5"`',
        )
    runs = []
    width = max(3, len(str(len(combinations(axes)) - 1)))
    for i, values in enumerate(combinations(axes)):
        runs.append(RunSpec(f"r{i:0{width}d}", values, variant_source(text, md.name, values, tree)))
    digest = hashlib.sha256(text.encode()).hexdigest()
    plan = SweepPlan(path.resolve(), md.name, digest, tuple(axes), tuple(runs))
    check_runs(plan)
    return plan


def load_variant(plan: SweepPlan, run: RunSpec) -> Any:
    """The Model IR of one run (lowered like ``qlang check`` would lower its source)."""
    from qlang import access
    from qlang.parser import parse
    from qlang.semantics import Loader
    from qlang.semantics.models import lower_model

    with access.for_model(plan.file):
        loader = Loader()
        module = loader.load_parsed(parse(run.source, str(plan.file)), plan.file, run.source)
        loader.check()
        return lower_model(loader, module, plan.model)


def check_runs(plan: SweepPlan) -> None:
    """Lower every run's model; the first that fails is ``QL0901`` (with its diagnostics)."""
    from qlang.resources import memory_diagnostics

    for run in plan.runs:
        try:
            model = load_variant(plan, run)
            problems = memory_diagnostics(model)
        except QLangError as err:
            problems = list(err.diagnostics)
        if problems:
            what = ", ".join(f"{k} = {v}" for k, v in run.values.items())
            head = Diagnostic.error(
                "QL0901",
                f"run {run.id} ({what}) is not a valid model",
                help="the diagnostics below are located in the model as the values make it",
            )
            raise QLangError([head, *problems])


#: the most variant models ``qlang check`` lowers for one ``sweep`` block
CHECK_VALUES = 200


def check_sweep_block(text: str, path: Path | None, tree: A.Module, node: A.ModelDef) -> None:
    """``qlang check`` of a model's ``sweep`` block: its keys and value forms (``QL0900``),
    and each value put into the model alone (``QL0901``; the first ``CHECK_VALUES``
    values; ``qlang sweep`` checks every combination before it trains)."""
    from qlang.parser import parse
    from qlang.semantics import Loader
    from qlang.semantics.models import lower_model

    block = sweep_block(node)
    if block is None:
        return
    where = path if path is not None else Path.cwd() / "<string>.qml"
    budget = CHECK_VALUES
    for axis in axes_of(block.items, text):
        for value in axis.values:
            if budget == 0:
                return
            budget -= 1
            source = variant_source(text, node.name, {axis.key: value}, tree)
            try:
                loader = Loader()
                module = loader.load_parsed(parse(source, str(where)), where, source)
                loader.check()
                lower_model(loader, module, node.name)
            except QLangError as err:
                head = Diagnostic.error(
                    "QL0901",
                    f"the sweep value `{axis.key} = {value}` makes an invalid model",
                    block.span,
                    help="the diagnostics below are located in the model as the value makes it",
                )
                raise QLangError([head, *err.diagnostics]) from None


# --- the folder ---------------------------------------------------------------------------


def claim_folder(plan: SweepPlan, folder: Path) -> bool:
    """Make ``folder`` this plan's sweep folder; ``True`` when it resumes an earlier one."""
    if folder.exists() and not folder.is_dir():
        _fail("QL0902", f"`{folder}` is a file, not a sweep folder")
    existing = folder / PLAN
    if existing.is_file():
        data = read_json(existing, what="sweep plan", code="QL0902", limit=MAX_ARTIFACT_BYTES)
        if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
            _fail("QL0902", f"`{existing}` is not a qlang sweep plan")
        old = {k: data.get(k) for k in ("model", "source_hash", "axes")}
        if old != plan.identity():
            why = (
                "another model"
                if old["model"] != plan.model
                else "another grid"
                if old["axes"] != plan.identity()["axes"]
                else "an earlier version of the model file"
            )
            _fail(
                "QL0902",
                f"`{folder}` holds a sweep of {why}: it is kept",
                "run the same sweep to resume it, or name another folder with `--out`",
            )
        return True
    if folder.is_dir() and any(folder.iterdir()):
        _fail(
            "QL0902",
            f"`{folder}` is a folder with files that is not a qlang sweep: nothing was written",
            "name a new or empty folder with `--out`",
        )
    try:
        (folder / RUNS_DIR).mkdir(parents=True, exist_ok=True)
        (folder / LOGS_DIR).mkdir(exist_ok=True)
        doc = plan.to_json() | {"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        atomic_write_text(existing, json.dumps(doc, indent=1) + "\n")
    except OSError as exc:
        _fail("QL0855", f"cannot write the sweep folder `{folder}`: {exc.strerror or exc}")
    return False
