"""``qlang run FILE --weights DIR --backend SPEC [--input data.csv] [--out DIR]``.

Evaluates a trained artifact on a backend and writes a result folder: ``metrics.json``
(the test-split metrics of ``qlang eval``, for models with data), ``predictions.csv`` (the
rows of ``--input`` as ``qlang predict`` writes them; for ``minimize``/``generate``
models their outputs) and ``provenance.json`` (the backend, every job id, the execution
settings, versions and the weights it read). The folder is new: an existing, non-empty
``--out`` is never written into; the run goes to a numbered sibling instead.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from qlang.commands._common import (
    allow_option,
    guarded,
    memory_option,
    model_scope,
    shots_option,
)
from qlang.commands._runtime_cli import load_trained_model, source_of


@click.command("run")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--weights", required=True, type=click.Path(), help="Folder written by `qlang train`."
)
@click.option(
    "--backend",
    "backend",
    default=None,
    metavar="SPEC",
    help='The backend, e.g. \'fake("sherbrooke")\' (default: the model\'s target backend).',
)
@click.option(
    "--input",
    "input_path",
    default=None,
    type=click.Path(),
    help="CSV of feature rows to predict (written to predictions.csv).",
)
@click.option("--label", default=None, help="A label column in the input to ignore.")
@click.option(
    "--out",
    default=None,
    type=click.Path(file_okay=False),
    help="Result folder (default: runs/<model>-<backend>; a numbered sibling if taken).",
)
@shots_option
@memory_option
@allow_option
@guarded
def command(
    file: str,
    weights: str,
    backend: str | None,
    input_path: str | None,
    label: str | None,
    out: str | None,
    shots: int | None,
    memory: str | None,
    allow: tuple[str, ...],
) -> None:
    """Evaluate trained weights on a backend and write metrics, predictions, job ids."""
    from qlang.backends import recording
    from qlang.train.api import evaluate, predictor
    from qlang.train.artifacts import load_trained
    from qlang.train.execution import call_text, execution_summary, with_shots

    with model_scope(file, memory, allow):
        model, base = load_trained_model(file, backend)
        trained = load_trained(weights)
        # `distribute` runs the statevector engine's batch work on Ray: on another backend
        # the backend runs the circuits, and this command says so (else: as the file says)
        ray = None
        if model.training.distribute is not None and model.target.backend.name not in (
            "auto", "statevector"
        ):  # fmt: skip
            ray = False
            click.echo(f"note: `distribute` does not apply on `backend = "
                       f"{call_text(model.target.backend)}`: the backend runs the circuits", err=True)  # fmt: skip
        files: dict[str, str] = {}
        t0 = time.time()
        with recording() as jobs:
            metrics: dict[str, Any] | None = None
            if model.data is not None:
                metrics = evaluate(model, trained, base_dir=base, shots=shots, ray=ray)
            predictions = None
            if input_path is not None or model.data is None:
                from qlang.commands.predict import _data_rows, _no_data_rows

                pred = predictor(model, trained, shots=shots, ray=ray)
                try:
                    if pred.trained.task in ("minimize", "generate"):
                        predictions = _no_data_rows(pred)
                    else:
                        predictions = _data_rows(pred, input_path, label)
                finally:
                    pred.close()
        seconds = time.time() - t0
        run_model = with_shots(model, shots)
        execution = execution_summary(run_model, trained.seed)
        execution["jobs"] = [j["job_id"] for j in jobs]
        execution["job_batches"] = jobs
        if metrics is not None:
            metrics = dict(metrics)
            metrics["execution"] = execution
            files["metrics.json"] = json.dumps(metrics, indent=1, default=float)
        if predictions is not None:
            files["predictions.csv"] = predictions
        from qlang.train.artifacts import source_hash, versions

        source, _ = source_of(file)
        files["provenance.json"] = json.dumps(
            {
                "kind": "qlang-run",
                "model": model.name,
                "backend": call_text(model.target.backend),
                "jobs": execution["jobs"],
                "execution": execution,
                "weights": str(Path(weights).resolve()),
                "weights_seed": trained.seed,
                "source_hash": source_hash(model, source),
                "versions": versions(),
                "wall_seconds": round(seconds, 3),
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
            indent=1,
        )
        default = Path("runs") / f"{model.name}-{model.target.backend.name}"
        folder, note = _new_folder(Path(out) if out else default)
        _write(folder, files)
    if note:
        click.echo(f"note: {note}", err=True)
    if metrics is not None:
        click.echo(json.dumps({k: v for k, v in metrics.items() if k != "execution"}, indent=1))
    click.echo(f"wrote {folder}/: {', '.join(files)}", err=True)
    sys.stdout.flush()


def _new_folder(out: Path) -> tuple[Path, str | None]:
    """``out`` when it is new or empty, else the first free numbered sibling."""

    def free(p: Path) -> bool:
        return not p.exists() or (p.is_dir() and not any(p.iterdir()))

    if free(out):
        return out, None
    for k in range(2, 10_000):
        candidate = out.with_name(f"{out.name}-{k}")
        if free(candidate):
            return candidate, f"`{out}` is not empty; the results go to `{candidate}`"
    from qlang.train.errors import fail

    fail("QL0855", f"no free numbered folder next to `{out}`")
    raise AssertionError  # pragma: no cover


def _write(folder: Path, files: dict[str, str]) -> None:
    from qlang.fileio import write_output

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from qlang.diagnostics import Diagnostic, QLangError

        raise QLangError(
            [Diagnostic.error("QL0805", f"cannot create `{folder}`: {exc.strerror or exc}")]
        ) from None
    for name, text in files.items():
        write_output(folder / name, text, what=name)
