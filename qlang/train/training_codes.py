"""Diagnostic codes of the training runtime: data (QL0401-QL0449), training (QL0650-QL0699).

Each entry is ``(code, title, bad example, fix, explanation)``. Importing this module
registers them with ``qlang.errors`` when the registry exists; ``python -m
qlang.train.training_codes`` prints its section of ``docs/errors/runtime.md``.

Example::

    >>> CODES["QL0403"][1]
    'data file not found'
"""

from __future__ import annotations

import sys

ENTRIES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "QL0401",
        "unknown data set",
        "data = irsi()",
        "data = iris()",
        "Built-in sets: ad_hoc, iris, breast_cancer, wine, digits, moons, circles, "
        "bars_and_stripes, sine, damped_sine, sawtooth, triangle, square_wave, random_walk; "
        "or csv(path, label = col). The message suggests the closest name.",
    ),
    (
        "QL0402",
        "bad data set argument",
        "data = iris(tset = 0.2)\ndata = ad_hoc(gap = 2.0)",
        "data = iris(test = 0.2)\ndata = ad_hoc(gap = 0.3)",
        "An argument the data set does not have, or a value out of range "
        "(ad_hoc needs 0 <= gap < 1; digits classes must exist).",
    ),
    (
        "QL0403",
        "data file not found",
        'data = csv("missing.csv", label = "y")',
        'data = csv("data/train.csv", label = "y")',
        "Relative paths start at the folder of the model file.",
    ),
    (
        "QL0404",
        "data file has no data rows",
        "a,b,y\n(no rows)",
        "a,b,y\n1.0,2.0,0",
        "The CSV is empty or holds only the header line.",
    ),
    (
        "QL0405",
        "label column missing",
        'data = csv("d.csv", label = "lable")  # columns a,b,label',
        'data = csv("d.csv", label = "label")',
        "The message lists close column names.",
    ),
    (
        "QL0406",
        "NaN or non-numeric value",
        "a,b,y\n1,,0\n1,nan,0",
        "a,b,y\n1,0.5,0\n1,0.7,0",
        "Every cell must be a finite number; arrays given to `fit` must not hold NaN or inf.",
    ),
    (
        "QL0407",
        "row with the wrong number of fields",
        "a,b,y\n1,2,0\n1,2",
        "a,b,y\n1,2,0\n1,2,1",
        "Every row needs one value per header column.",
    ),
    (
        "QL0408",
        "wrong feature count",
        "qlang predict m.qml --weights runs/m --input three_columns.csv  # trained on 2",
        "qlang predict m.qml --weights runs/m --input two_columns.csv",
        "Pass exactly the feature columns of the training data (`--label COL` drops a label).",
    ),
    (
        "QL0409",
        "unknown preprocessing step",
        "preprocess = [standardise]",
        "preprocess = [standardize]",
        "Steps: standardize, minmax(a, b), pca(k), scale(f), downsample(size), one_hot.",
    ),
    (
        "QL0410",
        "bad preprocessing argument",
        "preprocess = [pca(9)]  # 4 features",
        "preprocess = [pca(2)]",
        "pca needs 1 <= k <= min(samples, features); minmax needs low < high; downsample "
        "needs a size dividing the image side.",
    ),
    (
        "QL0411",
        "impossible train/test split",
        "data = iris(test = 500)",
        "data = iris(test = 0.25)",
        "A fraction below 1 or a count below the number of samples.",
    ),
    (
        "QL0650",
        "unknown optimizer",
        "optimizer = adamm(lr = 0.1)",
        "optimizer = adam(lr = 0.1)",
        "Optimizers: adam, sgd, momentum, rmsprop, aqgd, spsa, cobyla, nelder_mead, lbfgsb.",
    ),
    (
        "QL0651",
        "bad optimizer option",
        "optimizer = adam(lrr = 0.1)",
        "optimizer = adam(lr = 0.1)",
        "Keyword options the optimizer knows, with non-negative numbers.",
    ),
    (
        "QL0652",
        "unknown loss",
        "loss = crossentropy",
        "loss = cross_entropy",
        "Losses: mse, mae, cross_entropy, hinge, nll, kl, mmd, energy, cvar, "
        "kernel_target_alignment.",
    ),
    (
        "QL0653",
        "loss or readout does not fit the task",
        "task = classify(classes = 3)\nloss = kl",
        "task = classify(classes = 3)\nloss = cross_entropy",
        "classify: cross_entropy, nll, mse, mae, hinge with one value per class (or one parity "
        "value for two classes, or probs); regress: mse, mae; minimize: energy, cvar (Z-only "
        "observable); generate: kl, mmd with a probs readout; kernel: svc needs class labels.",
    ),
    (
        "QL0654",
        "unknown task",
        "task = clasify(classes = 2)",
        "task = classify(classes = 2)",
        "Tasks: classify, regress, minimize, generate, kernel.",
    ),
    (
        "QL0655",
        "the task needs data",
        "model m { task = classify(classes = 2) ... }  # no data",
        "model m { data = moons()  task = classify(classes = 2) ... }",
        "classify, regress, kernel and generate read a data set.",
    ),
    (
        "QL0656",
        "widths do not match",
        "data = iris()  # 4 features into input x: float[2]",
        "data = iris()\npreprocess = [pca(2)]",
        "The data width must equal the circuit inputs, and each layer's input width the "
        "previous layer's output width; minimize and generate circuits take no inputs.",
    ),
    (
        "QL0657",
        "unknown weight initialiser",
        "weight theta: float[4] = glorot(1)",
        "weight theta: float[4] = uniform(0, 6.283)",
        "Initialisers: uniform(a, b), normal(mean, std), zeros, constant(v).",
    ),
    (
        "QL0658",
        "missing or invalid weights folder",
        "qlang predict m.qml --weights runs/typo --input x.csv",
        "qlang predict m.qml --weights runs/m --input x.csv",
        "Pass the folder `qlang train --out DIR` wrote; it holds weights.json.",
    ),
    (
        "QL0659",
        "weights do not fit the model",
        "qlang predict m.qml --weights runs/old  # ansatz changed since training",
        "qlang train m.qml --out runs/new\nqlang predict m.qml --weights runs/new --input x.csv",
        "The task and the number of parameters must match the weights.",
    ),
    (
        "QL0660",
        "unknown post-processing or activation",
        "readout = expval(Z(0)) |> softmaks",
        "readout = expval(Z(0)) |> softmax",
        "Post-processing: softmax, sigmoid, tanh, linear(out = k), scale(f); activations: "
        "linear, tanh, relu, sigmoid, softmax.",
    ),
    (
        "QL0661",
        "the loss diverged",
        "optimizer = sgd(lr = 1e6)",
        "optimizer = sgd(lr = 0.05)",
        "Lower the learning rate, standardise the data or change the initialisation.",
    ),
    (
        "QL0662",
        "labels do not fit the task",
        "data = iris()\ntask = classify(classes = 2)",
        "data = iris()\ntask = classify(classes = 3)",
        "More classes than the task says, or classify on continuous targets (use regress).",
    ),
    (
        "QL0663",
        "bad early-stopping option",
        "early_stopping = early_stopping(patiense = 5)",
        "early_stopping = early_stopping(patience = 5)",
        "Options: patience, min_delta, monitor (loss or a per-epoch metric), restore_best.",
    ),
    (
        "QL0664",
        "operation not available for this task",
        "QLangEstimator(vqe_model).fit(X, y)",
        "qlang train vqe.qml",
        "predict_proba needs a classifier; minimize and generate models are trained with "
        "`qlang train`, not fitted to (X, y).",
    ),
    (
        "QL0667",
        "bad validation fraction",
        "train { validation = 1.5 }",
        "train { validation = 0.2 }",
        "A fraction strictly between 0 and 1 of the training set, leaving at least one sample.",
    ),
    (
        "QL0666",
        "bad loss option",
        "loss = mmd(sigmma = 1.0)",
        "loss = mmd(sigma = 1.0)",
        "Options: cvar(alpha), mmd(sigma) or mmd(sigmas = [0.1, 1, 10]); other losses take "
        "none; values must be positive.",
    ),
    (
        "QL0665",
        "bad recurrent cell",
        "recurrent = qlstm(hidden = 3)  # circuit takes 3 inputs",
        "recurrent = qlstm(hidden = 2)  # hidden + features = 3 inputs",
        "The cell feeds hidden + features values to the circuit at every step; the cell is qlstm.",
    ),
)

CODES = {e[0]: e for e in ENTRIES}


def register_all() -> None:
    """Add the codes to ``qlang.errors`` (a no-op where the registry does not exist)."""
    try:
        from qlang.errors import ErrorInfo, register  # type: ignore[import-not-found]
    except ImportError:
        return
    for code, title, bad, fix, explanation in ENTRIES:
        register(ErrorInfo(code, title, bad, fix, explanation))


def render_markdown() -> str:
    """The data and training section of ``docs/errors/runtime.md`` (after the simulator's)."""
    out = [
        "## Data and training errors (QL0401-QL0449, QL0650-QL0699)",
        "",
        "Raised by `qlang train`, `qlang predict`, `qlang eval`, `qlang.train.api` and",
        "`QLangEstimator`. Generated from `qlang/train/training_codes.py`",
        "(`python -m qlang.train.training_codes`).",
        "",
    ]
    for code, title, bad, fix, explanation in sorted(ENTRIES):
        out += [f"### {code}: {title}", "", explanation, "", "Bad:", "", "```", bad, "```", ""]
        out += ["Fixed:", "", "```", fix, "```", ""]
    return "\n".join(out)


register_all()

if __name__ == "__main__":
    sys.stdout.write(render_markdown())
