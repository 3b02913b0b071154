"""Model entries, ``train { ... }`` keys and callbacks (early stopping): pure data.

A key of a block is an entry whose one parameter, ``value``, describes what the key
accepts (``value_key``). ``tasks`` lists the tasks a train key applies to: a key that
the task would not use is rejected instead of being ignored.

Example::

    >>> e = {x.name: x for x in ENTRIES if x.kind == "train"}["validation"]
    >>> e.params[0].range.text(), e.tasks
    ('[0, 1)', ('classify', 'regress'))
"""

from __future__ import annotations

from dataclasses import dataclass

from qlang.catalog.schema import (
    BOOL,
    CALL,
    CHOICE,
    FLOAT,
    INT,
    OPAQUE,
    STR,
    Entry,
    Param,
    Range,
)
from qlang.limits import MAX_DATA_ROWS, MAX_EPOCHS, MAX_SHOTS

ALL_TASKS = ("classify", "regress", "kernel", "minimize", "generate")
NETWORK_TASKS = ("classify", "regress", "minimize", "generate")


@dataclass(frozen=True)
class Where:
    """Where a model entry may appear: the model itself and/or a ``quantum NAME`` block;
    ``block``: written as a ``key { ... }`` block rather than ``key = value``."""

    model: bool = True
    quantum: bool = False
    block: bool = False


def _model(
    name: str, doc: str, where: Where = Where(), kind: str | None = None, pipe: str | None = None
) -> Entry:
    """A model entry; ``kind`` is the catalog kind its value names and ``pipe`` the kind
    of its ``|>`` stages (for editors)."""
    value = Param("value", OPAQUE, None, doc, kind=kind)
    return Entry("model", name, doc, (value,), info=where, value_key=True, pipe=pipe)


_BOTH = Where(model=True, quantum=True)

MODEL: tuple[Entry, ...] = (
    _model(
        "data",
        "the data set, piped into preprocessing steps: `iris() |> pca(2)`",
        kind="data",
        pipe="preprocess",
    ),
    _model("qubits", "the number of qubits (else inferred from the encoding)", _BOTH),
    _model("encoding", "the feature map: a circuit call taking the input", _BOTH),
    _model("ansatz", "the trainable circuit", _BOTH),
    _model("circuit", "one circuit call instead of encoding + ansatz", _BOTH),
    _model("observable", "a Pauli sum or a named Hamiltonian", _BOTH),
    _model(
        "readout",
        "how the circuit becomes outputs, piped into post-processing",
        _BOTH,
        "readout",
        "post",
    ),
    _model("task", "what is trained", kind="task"),
    _model("loss", "the loss (default: the task's)", kind="loss"),
    _model("optimizer", "the optimizer (default: adam, spsa for kernels)", kind="optimizer"),
    _model("layers", "a hybrid stack of classical and quantum layers", kind="layer"),
    _model("metrics", "the metrics reported (default: all of the task's)", kind="metric"),
    _model("train", "training settings", Where(block=True)),
    _model("target", "compilation target settings", Where(block=True)),
    _model("quantum", "`quantum NAME { ... }`: another quantum block", Where(block=True)),
    _model("recurrent", "a recurrent model around a quantum cell", Where(block=True)),
)


def _key(
    name: str,
    doc: str,
    value: Param,
    tasks: tuple[str, ...] = ALL_TASKS,
) -> Entry:
    return Entry("train", name, doc, (value,), tasks=tasks, value_key=True)


TRAIN: tuple[Entry, ...] = (
    _key(
        "epochs",
        "passes over the training set (or optimizer iterations for scipy and one-sample tasks)",
        Param("value", INT, None, "epochs", Range(1, MAX_EPOCHS), example=3),
    ),
    _key(
        "maxiter",
        "optimizer steps (when `epochs` is not set)",
        Param("value", INT, None, "steps", Range(1, MAX_EPOCHS), example=3),
    ),
    _key(
        "batch_size",
        "samples per gradient step (default: the full training set)",
        Param("value", INT, None, "samples", Range(1, MAX_DATA_ROWS), example=4),
        ("classify", "regress", "kernel"),
    ),
    _key(
        "seed",
        "the run seed: weights, shuffling, SPSA, shots, data and splits",
        Param("value", INT, 0, "seed", Range(0, 2**63 - 1), example=5),
    ),
    _key(
        "gradient",
        "how gradients of quantum blocks are computed",
        Param(
            "value", CALL, "auto", "a gradient method", kind="gradient", example="parameter_shift"
        ),
        NETWORK_TASKS,
    ),
    _key(
        "shots",
        "estimate every quantum output from this many samples of the exact distribution",
        Param("value", INT, None, "shots", Range(1, MAX_SHOTS), example=64),
        NETWORK_TASKS,
    ),
    _key(
        "validation",
        "fraction of the training split held out (seeded, stratified for classes) for the "
        "per-epoch metrics and early stopping; 0 turns it off",
        Param("value", FLOAT, 0.2, "fraction", Range(0, 1, high_open=True), example=0.5),
        ("classify", "regress"),
    ),
    _key(
        "early_stopping",
        "stop when the monitored value stops improving",
        Param(
            "value", CALL, None, "early_stopping(...)", kind="callback", example="early_stopping"
        ),
    ),
    _key(
        "checkpoint_every",
        "write the parameters every k epochs into the artifact's checkpoints/",
        Param("value", INT, None, "epochs", Range(1, MAX_EPOCHS), example=1),
    ),
    _key(
        "dtype",
        "statevector precision",
        Param(
            "value",
            CHOICE,
            "complex128",
            "precision",
            choices=("complex128", "complex64"),
            example="complex64",
        ),
        NETWORK_TASKS,
    ),
)

CALLBACKS: tuple[Entry, ...] = (
    Entry(
        "callback",
        "early_stopping",
        "stop when `monitor` has not improved by `min_delta` for `patience` epochs",
        (
            Param(
                "patience", INT, 10, "epochs without improvement", Range(1, MAX_EPOCHS), example=1
            ),
            Param(
                "min_delta",
                FLOAT,
                1e-4,
                "smallest change that counts as an improvement",
                Range(0, None),
                example=10.0,
                positional=False,
            ),
            Param(
                "monitor",
                STR,
                "loss",
                "`loss` (training loss), `val_loss` or `val_<metric>` (never a test metric)",
                example="val_loss",
                positional=False,
            ),
            Param(
                "restore_best",
                BOOL,
                True,
                "go back to the best epoch's parameters when stopping",
                example=False,
                positional=False,
            ),
        ),
        impl="qlang.train.trainer:EarlyStopping",
    ),
)

ENTRIES: tuple[Entry, ...] = MODEL + TRAIN + CALLBACKS
