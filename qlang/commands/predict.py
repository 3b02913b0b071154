"""``qlang predict FILE --weights DIR --input data.csv [--label COL] [--output out.csv]``.

Replays the stored preprocessing on the input rows and prints one prediction per row
(CSV: ``prediction`` plus ``p0, p1, ...`` class probabilities for classifiers).
"""

from __future__ import annotations

import csv
import io
import sys

import click

from qlang.commands._runtime_cli import load_model, source_of, with_errors


@click.command("predict")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--weights", required=True, type=click.Path(), help="Folder written by `qlang train`."
)
@click.option(
    "--input", "input_path", required=True, type=click.Path(), help="CSV of feature rows."
)
@click.option("--label", default=None, help="A label column in the input to ignore.")
@click.option("--output", default=None, type=click.Path(dir_okay=False), help="Write CSV here.")
@with_errors
def command(
    file: str, weights: str, input_path: str, label: str | None, output: str | None
) -> None:
    """Predict with trained weights."""
    from qlang.runtime.api import load
    from qlang.runtime.data import read_csv

    model = load_model(file)
    _, base = source_of(file)
    pred = load(model, weights, base_dir=base)
    X, _, _ = read_csv(input_path, label, expect_features=pred.num_features)
    y = pred.predict(X)
    proba = pred.predict_proba(X) if pred.proba_fn is not None else None
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        ["prediction"] + ([f"p{k}" for k in range(proba.shape[1])] if proba is not None else [])
    )
    for i, v in enumerate(y):
        row = [int(v) if float(v).is_integer() and pred.trained.task != "regress" else float(v)]
        w.writerow(row + ([f"{p:.6g}" for p in proba[i]] if proba is not None else []))
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(buf.getvalue())
    else:
        sys.stdout.write(buf.getvalue())
