"""``qlang train FILE [--epochs N] [--seed S] [--out DIR | --resume DIR] [--overwrite]``.

Trains the model the file describes and writes its run folder (weights, metrics, curve,
compiled program, provenance, manifest). ``--out`` never deletes or overwrites anything
but a complete earlier run of the same model (with ``--overwrite``); an earlier run
keeps its folder and the new one goes to ``DIR-2``, ``DIR-3``, ... A run checkpoints as
it goes; ``--resume DIR`` continues an interrupted one to the same weights. Progress
goes to stderr, a summary to stdout. ``--ray`` / ``--ray-address ADDR`` distribute the
run's kernel matrix or batch gradients on Ray (as ``train { distribute = ray(...) }``,
whose other settings they keep).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from qlang.commands._common import (
    allow_option,
    backend_option,
    guarded,
    memory_option,
    model_scope,
    shots_option,
)
from qlang.commands._runtime_cli import load_model, source_of
from qlang.train.execution import with_backend


@click.command("train")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--epochs", type=click.IntRange(min=1, max=10_000_000), default=None, help="Override the epochs."
)
@click.option(
    "--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None, help="Override the seed."
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False),
    default=None,
    help="Run folder (default: runs/<file name>; a numbered sibling if it holds a run).",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace the complete earlier run of the same model in --out.",
)
@click.option(
    "--resume",
    "resume",
    type=click.Path(file_okay=False),
    default=None,
    help="Continue the interrupted run in this folder.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--ray", "use_ray", is_flag=True,
              help="Distribute the kernel matrix / batch gradients on a local Ray cluster.")  # fmt: skip
@click.option("--ray-address", default=None, metavar="ADDR",
              help='Distribute on the Ray cluster at ADDR ("auto" or "host:port").')  # fmt: skip
@shots_option
@backend_option
@memory_option
@allow_option
@guarded
def command(
    file: str,
    epochs: int | None,
    seed: int | None,
    out: str | None,
    overwrite: bool,
    resume: str | None,
    quiet: bool,
    use_ray: bool,
    ray_address: str | None,
    shots: int | None,
    backend: str | None,
    memory: str | None,
    allow: tuple[str, ...],
) -> None:
    """Train a model and write its run folder."""
    from qlang.train.api import train_run

    if resume is not None and (out is not None or overwrite):
        raise click.UsageError("`--resume DIR` continues a run in place: drop `--out`/`--overwrite`")
    with model_scope(file, memory, allow):
        model = with_backend(load_model(file), backend)
        source, base = source_of(file)
        result = train_run(
            model,
            epochs=epochs,
            seed=seed,
            out=None if resume else Path(out) if out else Path("runs") / Path(file).stem,
            quiet=quiet,
            base_dir=base,
            source=source,
            overwrite=overwrite,
            resume=resume,
            shots=shots,
            ray=ray_address or use_ray,
        )
    trained = result.trained
    summary = {k: v for k, v in trained.metrics.items() if k in ("train", "test")} or {
        k: v for k, v in trained.metrics.items() if isinstance(v, int | float | str)
    }
    click.echo(json.dumps(summary, indent=1))
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if source is not None and _has_sweep_block(source, file, model.name):
        click.echo(
            "note: the `sweep` block is read by `qlang sweep FILE`; `qlang train` trained the "
            "model as written",
            err=True,
        )
    click.echo(f"wrote {result.path}/", err=True)


def _has_sweep_block(source: str, file: str, model: str) -> bool:
    from qlang import ast as A
    from qlang.parser import parse

    for d in parse(source, file).items:
        if isinstance(d, A.ModelDef) and d.name == model:
            return any(isinstance(b, A.Block) and b.kind == "sweep" for b in d.items)
    return False
