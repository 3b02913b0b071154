"""``qlang sweep FILE... [--grid "KEY = VALUES; ..."] [--out DIR] [--workers N]``.

Trains the model once per combination of the grid (``--grid`` and/or the model's
``sweep { ... }`` block; docs/sweeps.md), several runs at once in worker processes, each
a normal run folder under ``DIR/runs/``, and writes the table ``DIR/runs.csv`` /
``DIR/runs.json``. Every run's model is checked before any training. A failed run is
reported and the sweep goes on (exit 1 at the end if any failed); running the same
command again resumes: finished runs are skipped and interrupted ones continued.
Progress goes to stderr, the summary table to stdout. With several files (``qlang sweep
examples/*.qml --grid "seed = 0..5"``) every file's runs are planned and checked first,
then each file is swept into ``DIR/<file name>`` (default ``DIR``: ``sweeps``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from qlang.commands._common import allow_option, guarded, memory_option, model_scope


@click.command("sweep")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
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
    help="Sweep folder (default: sweeps/<file name>; with several files, the folder of "
    "their sweep folders, default sweeps); the same sweep there resumes.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=1024),
    default=None,
    help="Runs at once (default: one per CPU).",
)
@click.option("--ray", "use_ray", is_flag=True,
              help="Run on Ray: a local cluster (needs `pip install qlang[ray]`).")  # fmt: skip
@click.option("--ray-address", default=None, metavar="ADDR",
              help='Run on the Ray cluster at ADDR ("auto" or "host:port"; shared storage).')  # fmt: skip
@click.option("--model", "model_name", default=None, help="The model, when the file has several.")
@click.option("--dry-run", is_flag=True, help="Check every run and list them; train nothing.")
@memory_option
@allow_option
@guarded
def command(
    files: tuple[str, ...],
    grid: str | None,
    out: str | None,
    workers: int | None,
    use_ray: bool,
    ray_address: str | None,
    model_name: str | None,
    dry_run: bool,
    memory: str | None,
    allow: tuple[str, ...],
) -> None:
    """Train a model over a grid of settings and seeds; write a table of the runs."""
    import sys

    from qlang.sweep.plan import make_plan

    if len(files) > 1 and model_name is not None:
        raise click.UsageError("`--model` names the model of one file")
    stems = [Path(f).stem for f in files]
    if len(set(stems)) != len(stems):
        raise click.UsageError("two files have the same name: their sweep folders would clash")
    if use_ray or ray_address is not None:
        from qlang.sweep.runner import import_ray

        import_ray()  # the install hint before any work
    plans = []
    for file in files:  # every run of every file is checked before anything trains
        with model_scope(file, memory, allow):
            plans.append(make_plan(file, grid, model_name))
    if len(files) == 1:
        folders = [Path(out) if out else Path("sweeps") / stems[0]]
    else:
        folders = [Path(out or "sweeps") / stem for stem in stems]
    cluster = None
    if (use_ray or ray_address is not None) and not dry_run:
        from qlang.sweep.runner import RayCluster

        cluster = RayCluster(ray_address, workers)
    failed = 0
    try:
        for plan, folder in zip(plans, folders, strict=True):
            failed += _sweep_one(plan, folder, workers, memory, allow, dry_run, cluster)
    finally:
        if cluster is not None:
            cluster.shutdown()
    if failed:
        sys.exit(1)


def _sweep_one(
    plan: Any, folder: Path, workers: int | None, memory: str | None, allow: tuple[str, ...],
    dry_run: bool, cluster: Any = None,
) -> int:  # fmt: skip
    """Run (or with ``dry_run`` list) one file's sweep; the number of failed runs."""
    from qlang.sweep.runner import SweepRunner
    from qlang.sweep.table import columns, default_metric, format_number, summarize

    keys = [a.key for a in plan.axes]
    if dry_run:
        for run in plan.runs:
            click.echo(f"{run.id}  " + ", ".join(f"{k} = {v}" for k, v in run.values.items()))
        click.echo(f"{plan.model}: {len(plan.runs)} runs, each checked; nothing trained", err=True)
        return 0
    runner = SweepRunner(
        plan, folder, workers=workers, memory=memory, allow=allow,
        echo=lambda s: click.echo(s, err=True), ray=cluster,
    )  # fmt: skip
    result = runner.execute()
    metric = default_metric(columns(result.rows, keys), keys)
    by = [a.key for a in plan.axes if a.key != "seed" and a.varies]
    if metric is not None:
        for g in summarize(result.rows, by, metric):
            click.echo(
                f"{plan.model}: {g.label}: {metric} = {format_number(g.mean)} +- "
                f"{format_number(g.std)} (n = {g.n})"
            )
    click.echo(
        f"{len(result.rows) - result.failed} of {len(result.rows)} runs done "
        f"({result.skipped} skipped, {result.ran} run, {result.failed} failed) in "
        f"{result.wall_s:.1f}s; table: {folder / 'runs.csv'}",
        err=True,
    )
    return result.failed
