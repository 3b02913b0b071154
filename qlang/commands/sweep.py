"""``qlang sweep FILE [--grid "KEY = VALUES; ..."] [--out DIR] [--workers N]``.

Trains the model once per combination of the grid (``--grid`` and/or the model's
``sweep { ... }`` block; docs/sweeps.md), several runs at once in worker processes, each
a normal run folder under ``DIR/runs/``, and writes the table ``DIR/runs.csv`` /
``DIR/runs.json``. Every run's model is checked before any training. A failed run is
reported and the sweep goes on (exit 1 at the end if any failed); running the same
command again resumes: finished runs are skipped and interrupted ones continued.
Progress goes to stderr, the summary table to stdout.
"""

from __future__ import annotations

from pathlib import Path

import click

from qlang.commands._common import allow_option, guarded, memory_option, model_scope


@click.command("sweep")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--grid",
    default=None,
    metavar="GRID",
    help='Settings to vary, e.g. "optimizer = [cobyla(maxiter = 100), adam()]; seed = 0..5" '
    "(replaces the same keys of the model's sweep block).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    help="Sweep folder (default: sweeps/<file name>); the same sweep there resumes.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=1024),
    default=None,
    help="Runs at once (default: one per CPU).",
)
@click.option("--model", "model_name", default=None, help="The model, when the file has several.")
@click.option("--dry-run", is_flag=True, help="Check every run and list them; train nothing.")
@memory_option
@allow_option
@guarded
def command(
    file: str,
    grid: str | None,
    out: str | None,
    workers: int | None,
    model_name: str | None,
    dry_run: bool,
    memory: str | None,
    allow: tuple[str, ...],
) -> None:
    """Train a model over a grid of settings and seeds; write a table of the runs."""
    import sys

    from qlang.sweep.plan import make_plan
    from qlang.sweep.runner import SweepRunner
    from qlang.sweep.table import columns, default_metric, format_number, summarize

    with model_scope(file, memory, allow):
        plan = make_plan(file, grid, model_name)
    folder = Path(out) if out else Path("sweeps") / Path(file).stem
    keys = [a.key for a in plan.axes]
    if dry_run:
        for run in plan.runs:
            click.echo(f"{run.id}  " + ", ".join(f"{k} = {v}" for k, v in run.values.items()))
        click.echo(f"{len(plan.runs)} runs, each checked; nothing trained", err=True)
        return
    runner = SweepRunner(
        plan, folder, workers=workers, memory=memory, allow=allow,
        echo=lambda s: click.echo(s, err=True),
    )  # fmt: skip
    result = runner.execute()
    metric = default_metric(columns(result.rows, keys), keys)
    by = [a.key for a in plan.axes if a.key != "seed" and a.varies]
    if metric is not None:
        for g in summarize(result.rows, by, metric):
            click.echo(
                f"{g.label}: {metric} = {format_number(g.mean)} +- {format_number(g.std)} "
                f"(n = {g.n})"
            )
    click.echo(
        f"{len(result.rows) - result.failed} of {len(result.rows)} runs done "
        f"({result.skipped} skipped, {result.ran} run, {result.failed} failed) in "
        f"{result.wall_s:.1f}s; table: {folder / 'runs.csv'}",
        err=True,
    )
    if result.failed:
        sys.exit(1)
