"""``qlang eval FILE --weights DIR``: metrics of stored weights on the model's test split.

A model with ``train { distribute = ray(...) }`` evaluates on Ray as it trained (the test x
train kernel tiles, the batch in blocks of rows, a cut circuit's subexperiments), with the
serial metrics to 1e-12 and ``distribute`` (what ran there) beside them; ``--ray`` /
``--ray-address ADDR`` distribute any model that can, ``--no-ray`` computes in this process.
"""

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
from qlang.commands._runtime_cli import load_trained_model, ray_choice, ray_options


@click.command("eval")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--weights", required=True, type=click.Path(), help="Folder written by `qlang train`."
)
@ray_options
@shots_option
@backend_option
@memory_option
@allow_option
@guarded
def command(
    file: str,
    weights: str,
    use_ray: bool,
    ray_address: str | None,
    no_ray: bool,
    shots: int | None,
    backend: str | None,
    memory: str | None,
    allow: tuple[str, ...],
) -> None:
    """Evaluate trained weights on the test data."""
    from qlang.train.api import evaluate
    from qlang.train.artifacts import load_trained

    ray = ray_choice(use_ray, ray_address, no_ray)
    with model_scope(file, memory, allow):
        model, base = load_trained_model(file, backend)
        metrics = evaluate(model, load_trained(weights), base_dir=base, shots=shots, ray=ray)
    click.echo(json.dumps(metrics, indent=1))
