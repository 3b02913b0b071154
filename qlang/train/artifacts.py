"""The files of a training run, each written atomically (temp file, then rename). No pickle.

Files: ``weights.json`` (parameters, names, fitted preprocessing, task state),
``metrics.json``, ``curve.csv``, ``curve.png`` (if matplotlib is installed),
``model.qasm`` (OpenQASM 3 via :func:`compiled_programs`, one ``model.<block>.qasm`` more
per further quantum block; the IR as JSON in ``model.ir.json`` if the export fails) and ``provenance.json`` (versions, seed, source
hash). They live in a run folder (:mod:`qlang.train.runs`: manifest, lock, checkpoints).
Reading them back checks every key and value (:mod:`qlang.train.weights_check`).

Example::

    >>> import numpy as np, tempfile, os
    >>> from qlang.train.tasks.common import Trained
    >>> t = Trained("regress", np.array([0.5]), ("main.w[0]",), {}, [{"epoch": 1, "loss": 0.1}], 7)
    >>> trained_from_json(trained_to_json(t)).params.tolist()
    [0.5]
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import platform
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from qlang.diagnostics import QLangError
from qlang.fileio import atomic_write_text
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit
from qlang.ir.model import Model
from qlang.train.data import FittedStep
from qlang.train.errors import fail
from qlang.train.tasks.common import Trained

FORMAT = "qlang-weights/1"
DEPENDENCIES = ("numpy", "scipy", "scikit-learn", "qiskit", "pytket", "lark", "matplotlib")


def trained_to_json(t: Trained) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "task": t.task,
        "seed": t.seed,
        "params": [float(v) for v in t.params],
        "names": list(t.param_names),
        "preprocess": [s.to_json() for s in t.preprocess],
        "extra": t.extra,
    }


def trained_from_json(data: dict[str, Any], metrics: dict | None = None) -> Trained:
    return Trained(
        task=str(data["task"]),
        params=np.asarray(data["params"], dtype=float),
        param_names=tuple(data["names"]),
        metrics=metrics or {},
        curve=[],
        seed=int(data["seed"]),
        preprocess=tuple(FittedStep.from_json(s) for s in data.get("preprocess", [])),
        extra=dict(data.get("extra", {})),
    )


def load_trained(directory: str | Path) -> Trained:
    """Read ``weights.json`` (and ``metrics.json`` when present) from a training folder.

    Every way the folder can be wrong is ``QL0658``: no folder or no ``weights.json``, an
    interrupted run, a file that is too large, not UTF-8 or not JSON, missing keys, wrong
    types, non-finite numbers or lengths that do not fit together.
    """
    from qlang.fileio import read_json
    from qlang.limits import MAX_ARTIFACT_BYTES
    from qlang.train.runs import require_complete
    from qlang.train.weights_check import check_weights

    d = Path(directory)
    if not d.is_dir():
        fail("QL0658", f"`{d}` is not a folder", help="pass the folder `qlang train --out` wrote")
    wfile = d / "weights.json"
    if not wfile.is_file():
        require_complete(d)
        fail(
            "QL0658",
            f"no `weights.json` in `{d}`",
            help="pass the folder `qlang train --out` wrote",
        )
    try:
        require_complete(d)
    except QLangError as err:
        if err.codes != ["QL0854"]:
            raise
        fail("QL0658", f"`{d}` has a broken run manifest: {err.diagnostics[0].message}")
    data = _read(read_json, wfile, MAX_ARTIFACT_BYTES)
    check_weights(data, str(wfile))
    mfile = d / "metrics.json"
    metrics = _read(read_json, mfile, MAX_ARTIFACT_BYTES) if mfile.is_file() else {}
    if not isinstance(metrics, dict):
        fail("QL0658", f"`{mfile}` is not a JSON object")
    return trained_from_json(data, metrics)


def _read(read_json: Any, path: Path, limit: int) -> Any:
    try:
        return read_json(path, what="weights file", code="QL0658", limit=limit)
    except QLangError as err:  # unreadable, too large, special: all QL0658 here
        d = err.diagnostics[0]
        fail("QL0658", d.message, help=d.help)


def check_compatible(model: Model, trained: Trained, expected: int) -> None:
    """The weights must belong to this model (same task and parameter count)."""
    if trained.task != model.task.name or len(trained.params) != expected:
        fail(
            "QL0659",
            f"the weights ({trained.task}, {len(trained.params)} parameters) do not fit model "
            f"`{model.name}` ({model.task.name}, {expected} parameters)",
            help="retrain with `qlang train` after changing the model",
        )


def circuit_to_json(c: Circuit) -> dict[str, Any]:
    """The circuit IR as plain JSON (the fallback when no OpenQASM 3 target is available)."""
    return {
        "format": "qlang-ir/1",
        "name": c.name,
        "num_qubits": c.num_qubits,
        "num_clbits": c.num_clbits,
        "parameters": c.parameter_names(),
        "ops": [
            {
                "name": op.name,
                "qubits": list(op.qubits),
                "params": [E.to_json(p) for p in op.params],
                "clbits": list(op.clbits),
            }
            for op in c.ops
        ],
        "global_phase": E.to_json(c.global_phase),
    }


def compiled_programs(model: Model) -> list[tuple[str, str, str | None]]:
    """``(file name, text, note)`` of each quantum block's program: ``model.qasm`` for
    the first block and ``model.<block>.qasm`` for each further one (``quantum NAME``).

    Uses ``qlang.targets.qasm3.to_qasm3`` when the targets package provides it; else (or
    if the export fails) the IR JSON as ``model.ir.json`` (``model.<block>.ir.json``)
    with a note saying why.

    Example:
        >>> [name for name, _, _ in compiled_programs(two_block_model)]  # doctest: +SKIP
        ['model.qasm', 'model.b.qasm']
    """
    out = []
    for i, block in enumerate(model.blocks):
        stem = "model" if i == 0 else f"model.{block.name}"
        name = model.name if i == 0 else f"{model.name}.{block.name}"
        out.append(_compiled_block(block.circuit, stem, name, model.source_hash))
    return out


def _compiled_block(
    circuit: Any, stem: str, name: str, digest: str
) -> tuple[str, str, str | None]:
    fallback = json.dumps(circuit_to_json(circuit), indent=1)
    try:
        from qlang.targets.qasm3 import to_qasm3  # type: ignore[import-not-found]
    except ImportError:
        return (
            f"{stem}.ir.json",
            fallback,
            (
                f"{stem}.qasm not written: the OpenQASM 3 target is not available; "
                f"{stem}.ir.json holds the circuit IR"
            ),
        )
    try:
        text = to_qasm3(circuit, model_name=name, source_hash=digest)
    except Exception as exc:  # the trained weights must not be lost to an export problem
        return f"{stem}.ir.json", fallback, f"OpenQASM 3 export failed ({exc}); wrote the IR JSON"
    return f"{stem}.qasm", text, None


def versions() -> dict[str, str]:
    out = {"qlang": _version("qlang"), "python": platform.python_version()}
    for dep in DEPENDENCIES:
        out[dep] = _version(dep)
    return out


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def call_text(call: Any) -> str | None:
    """``adam(lr = 0.1)`` style text of a setting (``None`` stays ``None``)."""
    if call is None:
        return None

    def text(v: Any) -> str:
        return call_text(v) if hasattr(v, "kwargs") else repr(v)  # type: ignore[return-value]

    parts = [text(a) for a in call.args] + [f"{k} = {text(v)}" for k, v in call.kwargs]
    return f"{call.name}({', '.join(parts)})"


def settings_summary(model: Model) -> dict[str, Any]:
    """The settings that shaped the run, as plain JSON."""
    t = model.training
    return {
        "data": call_text(model.data),
        "preprocess": [call_text(c) for c in model.preprocess],
        "task": call_text(model.task),
        "loss": model.objective.text if model.objective is not None else call_text(model.loss),
        "optimizer": call_text(model.optimizer),
        "epochs": t.epochs,
        "maxiter": t.maxiter,
        "batch_size": t.batch_size,
        "gradient": t.gradient,
        "shots": t.shots,
        "dtype": t.dtype,
        "validation": t.validation,
        "metrics": [call_text(c) for c in t.metric_calls] or list(t.metrics),
        "early_stopping": call_text(t.early_stopping),
        "adversarial": call_text(t.adversarial),
        "distribute": call_text(t.distribute),
        "qubits": model.circuit.num_qubits,
        "parameters": model.circuit.num_weights,
    }


def pipeline_note(model: Model) -> str:
    """What ran: the logical circuit, or (``from_backend``) the circuit compiled for the device."""
    if model.target.noise.source is not None:
        return f"compiled for `{model.target.noise.source}` (layout, routing, native gates), then simulated"
    return "none (simulation of the logical circuit)"


def execution_record(model: Model, trained: Trained) -> dict[str, Any]:
    """Engine, gradient, shots, noise, mitigation and seeds of the run (and the device)."""
    from qlang.train.execution import device_summary, execution_summary

    out = dict(trained.metrics.get("execution") or execution_summary(model, trained.seed))
    device = device_summary(model)
    if device is not None:
        out["device"] = device
    return out


def source_hash(model: Model, source: str | None) -> str:
    if model.source_hash:
        return model.source_hash
    return hashlib.sha256(source.encode()).hexdigest() if source is not None else ""


def write_curve_csv(path: Path, curve: list[dict[str, float]]) -> None:
    keys: list[str] = []
    for row in curve:
        keys += [k for k in row if k not in keys]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        for row in curve:
            w.writerow({k: row.get(k, "") for k in keys})


def write_curve_png(path: Path, curve: list[dict[str, float]], title: str) -> str | None:
    """Plot loss (and test metrics) per epoch; returns a note when matplotlib is missing."""
    try:  # the Figure API without pyplot: no GUI backend machinery to import
        from matplotlib.figure import Figure
    except ImportError:
        return "curve.png skipped: matplotlib is not installed (pip install matplotlib)"
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    ep = [r["epoch"] for r in curve]
    ax.plot(ep, [r["loss"] for r in curve], label="train loss")
    if curve and "val_loss" in curve[0]:
        ax.plot(ep, [r.get("val_loss", np.nan) for r in curve], label="val loss", color="tab:gray")
    keys = list(curve[0]) if curve else []
    extra = [k for k in keys if k.startswith(("test_", "val_")) and k != "val_loss"]
    if extra:
        ax2 = ax.twinx()
        colors = ("tab:orange", "tab:green", "tab:red", "tab:purple")
        for i, k in enumerate(extra):
            ax2.plot(ep, [r.get(k, np.nan) for r in curve], "--", label=k, color=colors[i % 4])
        ax2.set_ylabel(", ".join(extra))
        ax2.legend(loc="upper right")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=100, format="png")
    return None


def write_run_files(folder: Path, model: Model, trained: Trained, source: str | None) -> list[str]:
    """Write the run's files into ``folder``, each atomically; return their names."""
    names = ["weights.json", "metrics.json", "curve.csv"]
    _dump(folder / "weights.json", trained_to_json(trained))
    _dump(folder / "metrics.json", trained.metrics)
    _atomic(folder / "curve.csv", lambda p: write_curve_csv(p, trained.curve))
    notes = []
    note = _atomic(
        folder / "curve.png",
        lambda p: write_curve_png(p, trained.curve, f"{model.name} ({trained.task})"),
    )
    if note:
        notes.append(note)
    else:
        names.append("curve.png")
    for name, text, qasm_note in compiled_programs(model):
        atomic_write_text(folder / name, text)
        names.append(name)
        if qasm_note:
            notes.append(qasm_note)
    notes.extend(str(n) for n in trained.metrics.get("notes", ()))
    _dump(
        folder / "provenance.json",
        {
            "model": model.name,
            "task": trained.task,
            "seed": trained.seed,
            "source_hash": source_hash(model, source),
            "versions": versions(),
            "pass_pipeline": pipeline_note(model),
            "settings": settings_summary(model),
            "execution": execution_record(model, trained),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "notes": notes,
        },
    )
    names.append("provenance.json")
    return names


def write_artifacts(
    out: str | Path,
    model: Model,
    trained: Trained,
    *,
    source: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a finished run to a run folder at (or next to) ``out`` and return its path.

    The folder rules of :mod:`qlang.train.runs` apply: nothing that is not a complete
    earlier run of the same model is ever overwritten.
    """
    from qlang.train.runs import start_run

    run = start_run(
        Path(out),
        model.name,
        source_hash=source_hash(model, source),
        seed=trained.seed,
        epochs=None,
        resumable=False,
        overwrite=overwrite,
    )
    try:
        return run.finish(lambda folder: write_run_files(folder, model, trained, source))
    except BaseException:
        run.abandon()
        raise


def _atomic(path: Path, write: Any) -> Any:
    """Run ``write(tmp)`` on a temporary sibling, then rename it over ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        result = write(tmp)
        if tmp.exists():
            os.replace(tmp, path)
        return result
    finally:
        tmp.unlink(missing_ok=True)


def _dump(path: Path, data: Any) -> None:
    atomic_write_text(
        path, json.dumps(data, indent=1, sort_keys=False, default=_json_default) + "\n"
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in JSON")
