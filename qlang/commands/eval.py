"""``qlang eval FILE --weights DIR``: metrics of stored weights on the model's test split."""

from __future__ import annotations

import json

import click

from qlang.commands._common import (
    allow_option,
    backend_option,
    guarded,
    memory_option,
    model_scope,
    shots_option,
)
from qlang.commands._runtime_cli import load_trained_model


@click.command("eval")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--weights", required=True, type=click.Path(), help="Folder written by `qlang train`."
)
@shots_option
@backend_option
@memory_option
@allow_option
@guarded
def command(
    file: str,
    weights: str,
    shots: int | None,
    backend: str | None,
    memory: str | None,
    allow: tuple[str, ...],
) -> None:
    """Evaluate trained weights on the test data."""
    from qlang.train.api import evaluate
    from qlang.train.artifacts import load_trained

    with model_scope(file, memory, allow):
        model, base = load_trained_model(file, backend)
        metrics = evaluate(model, load_trained(weights), base_dir=base, shots=shots)
    click.echo(json.dumps(metrics, indent=1))
