"""``qlang runs DIR [--metric M] [--by KEY] [--plot FILE | --no-plot] [--all]``.

Reads the runs table of a sweep folder (``runs.json``, written by ``qlang sweep``) and
prints the comparison: one line per setting (the grid keys other than ``seed``) with the
metric's mean +- standard deviation over its seeds and the number of finished runs;
``--all`` also lists every run. It plots the metric against the setting ``--by`` (the
first varying key by default), with error bars over the seeds, one line per value of the
other keys, to ``DIR/runs.png`` (or ``--plot FILE``; matplotlib is imported only here).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click

from qlang.commands._common import guarded


@click.command("runs")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--metric", default=None, help="The metric column (default: the first test metric).")
@click.option("--by", "by", default=None, help="The setting on the plot's x axis.")
@click.option("--plot", "plot", type=click.Path(dir_okay=False), default=None,
              help="Where to write the plot (default: DIR/runs.png).")  # fmt: skip
@click.option("--no-plot", is_flag=True, help="Print the table only.")
@click.option("--all", "show_all", is_flag=True, help="Also list every run.")
@guarded
def command(
    folder: str, metric: str | None, by: str | None, plot: str | None, no_plot: bool,
    show_all: bool,
) -> None:  # fmt: skip
    """Compare the runs of a sweep: a table and a plot of a metric against a setting."""
    from qlang.sweep.table import default_metric, format_number, read_table, summarize
    from qlang.train.errors import fail

    d = Path(folder)
    table = read_table(d)
    rows: list[dict[str, Any]] = table["runs"]
    keys = [str(k) for k in table["keys"]]
    cols = [str(c) for c in table["columns"]]
    varying = [k for k in keys if k != "seed" and len({str(r.get(k)) for r in rows}) > 1]
    metric = metric or default_metric(cols, keys)
    metrics = [c for c in cols if c not in keys and c not in _NOT_METRICS]
    if metric is None or metric not in metrics:
        fail(
            "QL0906",
            f"the runs table has no metric `{metric}`" if metric else "the runs have no metrics",
            help=f"metrics: {', '.join(metrics)}" if metrics else None,
        )
    if by is not None and by not in keys:
        fail("QL0906", f"`{by}` is not a setting of this sweep", help=f"settings: {', '.join(keys)}")
    x_key = by or (varying[0] if varying else None)
    group_keys = ([x_key] if x_key else []) + [k for k in varying if k != x_key]
    groups = summarize(rows, group_keys, metric)
    click.echo(f"{metric} over seeds ({len(rows)} runs in {d}):")
    width = max((len(g.label) for g in groups), default=0)
    for g in groups:
        click.echo(
            f"  {g.label:<{width}}  {format_number(g.mean):>9} +- {format_number(g.std):<9} "
            f"n = {g.n}"
        )
    bad = [r for r in rows if r.get("status") != "done"]
    for r in bad:
        click.echo(f"  {r.get('run')}: {r.get('status')}: {r.get('error') or ''}".rstrip(": "))
    if show_all:
        shown = ["run", "status", *keys, metric, "wall_s"]
        click.echo("\t".join(shown))
        for r in rows:
            click.echo("\t".join(_text(r.get(c)) for c in shown))
    if no_plot:
        return
    target = Path(plot) if plot else d / "runs.png"
    draw(groups, x_key, [k for k in group_keys if k != x_key], metric, target)
    click.echo(f"wrote {target}", err=True)


_NOT_METRICS = frozenset(
    {"run", "status", "seed", "wall_s", "cpu_s", "qlang", "python", "numpy", "path", "error"}
)


def _text(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return "" if v is None else str(v)


def draw(groups: list[Any], x_key: str | None, series_keys: list[str], metric: str,
         path: Path) -> None:  # fmt: skip
    """The metric (mean, error bars = std over seeds) against ``x_key``, a line per series."""
    try:  # the Figure API without pyplot: no GUI backend machinery
        from matplotlib.figure import Figure
    except ImportError:
        from qlang.train.errors import fail

        fail(
            "QL0905",
            "the plot of `qlang runs` needs matplotlib, which is not installed",
            help="pip install matplotlib (a dependency of qlang), or pass --no-plot for the table only",
        )
    from qlang.fileio import atomic_write_bytes

    xs: list[str] = []
    series: dict[str, list[tuple[str, float, float]]] = {}
    for g in groups:
        s = dict(g.settings)
        x = s.get(x_key, "all runs") if x_key else "all runs"
        if x not in xs:
            xs.append(x)
        name = ", ".join(f"{k}={s[k]}" for k in series_keys) or metric
        series.setdefault(name, []).append((x, g.mean, g.std))
    numeric = all(_is_number(x) for x in xs)
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    for name, pts in series.items():
        pos = [float(x) if numeric else xs.index(x) for x, _, _ in pts]
        ax.errorbar(pos, [m for _, m, _ in pts], yerr=[0 if math.isnan(s) else s for _, _, s in pts],
                    marker="o", capsize=4, label=name,
                    linestyle="-" if numeric else "none")  # fmt: skip
    if not numeric:
        ax.set_xlim(-0.5, len(xs) - 0.5)
        ax.set_xticks(range(len(xs)))
        ax.set_xticklabels([x if len(x) <= 28 else x[:25] + "..." for x in xs], rotation=15,
                           fontsize=8)  # fmt: skip
    ax.set_xlabel(x_key or "")
    ax.set_ylabel(f"{metric} (mean +- std over seeds)")
    ax.set_title(f"{metric} by {x_key}" if x_key else metric, fontsize=10)
    if len(series) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    import io

    buf = io.BytesIO()
    fig.savefig(buf, dpi=100, format="png")
    atomic_write_bytes(path, buf.getvalue())


def _is_number(x: str) -> bool:
    try:
        float(x)
    except ValueError:
        return False
    return True
