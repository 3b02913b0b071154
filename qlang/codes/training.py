"""Codes of the training runtime: optimizers, losses, tasks, weights (QL0650-QL0699): pure data.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0650"].title
    'unknown optimizer'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "training",
    "Training errors",
    "Raised by `qlang train`, `qlang predict`, `qlang eval`, `qlang.train.api` and "
    "`QLangEstimator` while a model is built, trained, saved or loaded (`qlang/train/`).",
    "QL0650",
    "QL0699",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0650",
        "unknown optimizer",
        "optimizer = adamm(lr = 0.1)",
        "optimizer = adam(lr = 0.1)",
        "The optimizers are the `optimizer` table of the catalog (docs/training.md#optimizers).",
    ),
    ErrorInfo(
        "QL0651",
        "bad optimizer option",
        "optimizer = adam(lrr = 0.1)",
        "optimizer = adam(lr = 0.1)",
        "Keyword options the optimizer knows, with non-negative numbers.",
    ),
    ErrorInfo(
        "QL0652",
        "unknown loss",
        "loss = crossentropy",
        "loss = cross_entropy",
        "The losses are the `loss` table of the catalog (docs/training.md#losses).",
    ),
    ErrorInfo(
        "QL0653",
        "loss or readout does not fit the task",
        "task = classify(classes = 3)\nloss = kl",
        "task = classify(classes = 3)\nloss = cross_entropy",
        "Each loss fits the tasks its catalog entry lists (docs/training.md#losses); a "
        "classifier needs one value per class (or one parity value for two classes, or "
        "probs), CVaR a Z-only observable, a Born machine a probs readout, a kernel's svc "
        "class labels.",
    ),
    ErrorInfo(
        "QL0654",
        "unknown task",
        "task = clasify(classes = 2)",
        "task = classify(classes = 2)",
        "The tasks are the `task` table of the catalog (docs/training.md#tasks).",
    ),
    ErrorInfo(
        "QL0655",
        "the task needs data",
        "model m { task = classify(classes = 2) ... }  # no data",
        "model m { data = moons()  task = classify(classes = 2) ... }",
        "Every task whose catalog entry reads data (all but minimize, and generate with "
        "`target = data`); `qlang check` reports it as QL0304 first.",
    ),
    ErrorInfo(
        "QL0656",
        "widths do not match",
        "data = iris()  # 4 features into input x: float[2]",
        "data = iris() |> pca(2)",
        "The data width must equal the circuit inputs, and each layer's input width the "
        "previous layer's output width; minimize and generate circuits take no inputs.",
    ),
    ErrorInfo(
        "QL0657",
        "unknown weight initialiser",
        "weight theta: float[4] = glorot(1)",
        "weight theta: float[4] = uniform(0, 6.283)",
        "The initialisers are the `init` table of the catalog (docs/language.md).",
    ),
    ErrorInfo(
        "QL0658",
        "missing or invalid weights folder",
        "qlang predict m.qml --weights runs/typo --input x.csv",
        "qlang predict m.qml --weights runs/m --input x.csv",
        "Pass the folder `qlang train --out DIR` wrote; it holds weights.json.",
    ),
    ErrorInfo(
        "QL0659",
        "weights do not fit the model",
        "qlang predict m.qml --weights runs/old  # ansatz changed since training",
        "qlang train m.qml --out runs/new\nqlang predict m.qml --weights runs/new --input x.csv",
        "The task and the number of parameters must match the weights.",
    ),
    ErrorInfo(
        "QL0660",
        "unknown post-processing or activation",
        "readout = expval(Z0) |> softmaks()",
        "readout = expval(Z0) |> softmax()",
        "Post-processing steps and activations are the `post` and `activation` tables of "
        "the catalog (docs/training.md).",
    ),
    ErrorInfo(
        "QL0661",
        "the loss diverged",
        "optimizer = sgd(lr = 1e6)",
        "optimizer = sgd(lr = 0.05)",
        "Lower the learning rate, standardise the data or change the initialisation.",
    ),
    ErrorInfo(
        "QL0662",
        "labels do not fit the task",
        "data = iris()\ntask = classify(classes = 2)",
        "data = iris()\ntask = classify(classes = 3)",
        "More classes than the task says, or classify on continuous targets (use regress).",
    ),
    ErrorInfo(
        "QL0663",
        "bad early-stopping option",
        "early_stopping = early_stopping(patiense = 5)",
        "early_stopping = early_stopping(patience = 5)",
        "Options: patience, min_delta, monitor (loss or a per-epoch metric), restore_best.",
    ),
    ErrorInfo(
        "QL0664",
        "operation not available for this task",
        "QLangEstimator(vqe_model).fit(X, y)",
        "qlang train vqe.qml",
        "predict_proba needs a classifier; minimize and generate models are trained with "
        "`qlang train`, not fitted to (X, y).",
    ),
    ErrorInfo(
        "QL0665",
        "bad recurrent cell",
        "recurrent { cell = lstm(hidden = 3), gates = [cell] }  # cell takes 3 inputs",
        "recurrent { cell = lstm(hidden = 2), gates = [cell] }  # hidden + 1 feature = 3",
        "The cell feeds hidden + features values to its gate block at every step, and a "
        "sample must hold whole steps; `qlang check` reports the same as QL0306/QL0301.",
    ),
    ErrorInfo(
        "QL0666",
        "bad loss option",
        "loss = mmd(sigmma = 1.0)",
        "loss = mmd(sigma = 1.0)",
        "Options: cvar(alpha), mmd(sigma) or mmd(sigmas = [0.1, 1, 10]); other losses take "
        "none; values must be positive.",
    ),
    ErrorInfo(
        "QL0667",
        "bad validation fraction",
        "train { validation = 1.5 }",
        "train { validation = 0.2 }",
        "A fraction strictly between 0 and 1 of the training set, leaving at least one sample.",
    ),
    ErrorInfo(
        "QL0668",
        "unknown or misplaced metric",
        'QLangEstimator(kernel_model).fit(X, y_values)  # model says metrics = [accuracy]',
        "QLangEstimator(kernel_model).fit(X, y_labels)",
        "A metric must be in the catalog and fit the task and its targets: a kernel on "
        "continuous targets reports the regression metrics, not accuracy "
        "(docs/training.md#metrics).",
    ),
)
