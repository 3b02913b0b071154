"""``qlang predict FILE --weights DIR --input data.csv [--label COL] [--output out.csv]``.

Replays the stored preprocessing on the input rows and prints one prediction per row
(CSV: ``prediction`` plus ``p0, p1, ...`` class probabilities for classifiers). A model
with ``train { distribute = ray(...) }`` predicts on Ray as it trained (``--ray`` /
``--ray-address ADDR`` for any model that can, ``--no-ray`` in this process).
"""

from __future__ import annotations

import csv
import io
import sys

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


@click.command("predict")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--weights", required=True, type=click.Path(), help="Folder written by `qlang train`."
)
@click.option(
    "--input",
    "input_path",
    default=None,
    type=click.Path(),
    help="CSV of feature rows (not needed for minimize and generate models).",
)
@click.option("--label", default=None, help="A label column in the input to ignore.")
@click.option("--output", default=None, type=click.Path(dir_okay=False), help="Write CSV here.")
@ray_options
@shots_option
@backend_option
@memory_option
@allow_option
@guarded
def command(
    file: str,
    weights: str,
    input_path: str | None,
    label: str | None,
    output: str | None,
    use_ray: bool,
    ray_address: str | None,
    no_ray: bool,
    shots: int | None,
    backend: str | None,
    memory: str | None,
    allow: tuple[str, ...],
) -> None:
    """Predict with trained weights."""
    from qlang.fileio import write_output
    from qlang.train.api import load

    ray = ray_choice(use_ray, ray_address, no_ray)
    with model_scope(file, memory, allow):
        model, base = load_trained_model(file, backend)
        pred = load(model, weights, base_dir=base, shots=shots, ray=ray)
        try:
            text = _no_data_rows(pred) if pred.trained.task in ("minimize", "generate") else None
            if text is None:
                text = _data_rows(pred, input_path, label)
            ran = pred.distribution()
        finally:
            pred.close()
    if ran is not None:
        click.echo(f"note: predicted on Ray ({ran['workers']} workers at {ran['address']})", err=True)
    if output:
        write_output(output, text, what="predictions file")
    else:
        sys.stdout.write(text)


def _data_rows(pred, input_path: str | None, label: str | None) -> str:
    import numpy as np

    from qlang.train.data import read_csv
    from qlang.train.errors import fail

    if input_path is None:
        fail("QL0408", f"a `{pred.trained.task}` model needs `--input data.csv` to predict")
    X, _, _ = read_csv(input_path, label, expect_features=pred.num_features)
    y = np.asarray(pred.predict(X))
    proba = pred.predict_proba(X) if pred.proba_fn is not None else None
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if y.ndim == 2:  # several regression outputs
        w.writerow([f"y{k}" for k in range(y.shape[1])])
        w.writerows([[f"{v:.6g}" for v in row] for row in y])
        return buf.getvalue()
    classes = pred.trained.task != "regress" and np.all(y == np.round(y))
    w.writerow(
        ["prediction"] + ([f"p{k}" for k in range(proba.shape[1])] if proba is not None else [])
    )
    names = pred.trained.extra.get("labels") if classes else None
    for i, v in enumerate(y):
        first = str(int(v)) if classes else f"{float(v):.6g}"
        if names and 0 <= int(v) < len(names):
            first = str(names[int(v)])
        w.writerow([first] + ([f"{p:.6g}" for p in proba[i]] if proba is not None else []))
    return buf.getvalue()


def _no_data_rows(pred) -> str:
    """``energy`` for minimize; ``bitstring,probability`` (qubit 0 rightmost) for generate."""
    import numpy as np

    out = np.asarray(pred.predict(np.zeros((1, 0))))[0]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if pred.trained.task == "minimize":
        w.writerow(["energy"])
        w.writerow([f"{float(np.sum(out)):.10g}"])
        return buf.getvalue()
    bits = max(1, int(np.log2(len(out))))
    w.writerow(["bitstring", "probability"])
    for k, p in enumerate(out):
        w.writerow([format(k, f"0{bits}b"), f"{p:.6g}"])
    return buf.getvalue()
