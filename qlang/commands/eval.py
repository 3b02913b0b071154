"""``qlang eval FILE --weights DIR``: metrics of stored weights on the model's test split."""

from __future__ import annotations

import json

import click

from qlang.commands._runtime_cli import load_model, source_of, with_errors


@click.command("eval")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--weights", required=True, type=click.Path(), help="Folder written by `qlang train`."
)
@with_errors
def command(file: str, weights: str) -> None:
    """Evaluate trained weights on the test data."""
    from qlang.train.api import evaluate
    from qlang.train.artifacts import load_trained

    model = load_model(file)
    _, base = source_of(file)
    metrics = evaluate(model, load_trained(weights), base_dir=base)
    click.echo(json.dumps(metrics, indent=1))
