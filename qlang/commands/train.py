"""``qlang train FILE [--epochs N] [--seed S] [--out DIR] [--quiet]``.

Trains the model the file describes and writes the artifact folder (weights, metrics,
curve, compiled program, provenance). Progress goes to stderr, a summary to stdout.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from qlang.commands._runtime_cli import load_model, source_of, with_errors


@click.command("train")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Override the epochs.")
@click.option("--seed", type=int, default=None, help="Override the model seed.")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False),
    default=None,
    help="Artifact folder (default: runs/<file name>).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@with_errors
def command(file: str, epochs: int | None, seed: int | None, out: str | None, quiet: bool) -> None:
    """Train a model and write its artifacts."""
    from qlang.train.api import train

    model = load_model(file)
    source, base = source_of(file)
    out_dir = Path(out) if out else Path("runs") / Path(file).stem
    trained = train(
        model, epochs=epochs, seed=seed, out=out_dir, quiet=quiet, base_dir=base, source=source
    )
    summary = {k: v for k, v in trained.metrics.items() if k in ("train", "test")} or {
        k: v for k, v in trained.metrics.items() if isinstance(v, int | float | str)
    }
    click.echo(json.dumps(summary, indent=1))
    click.echo(f"wrote {out_dir}/", err=True)
