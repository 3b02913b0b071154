"""What every task shares: the run context, the trained result, schedule and loss lookup.

Example::

    >>> from qlang.ir.model import Call, Training
    >>> schedule_for(Training(maxiter=50), None, None).max_steps
    50
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qlang.ir.model import Call, Model, Training
from qlang.train.build import Factory
from qlang.train.data import Dataset, FittedStep, fit_steps, load_dataset, transform
from qlang.train.data.preprocess import shuffle_labels
from qlang.train.errors import fail
from qlang.train.losses import LossFn
from qlang.train.seeding import Seeds
from qlang.train.trainer import Schedule

DEFAULT_EPOCHS = 100


@dataclass(frozen=True, eq=False)
class RunContext:
    """Everything a task needs besides the model: seed, overrides, where files are."""

    seed: int
    epochs: int | None = None
    quiet: bool = False
    factory: Factory | None = None
    base_dir: Path | None = None
    kernel: Any = None  # kernel_matrix(encoding, X1, X2, weights); default: the simulator's
    arrays: tuple[np.ndarray, np.ndarray] | None = None  # (X, y) given directly (estimator API)
    checkpoint: Any = None  # checkpoint(epoch, params) every `train { checkpoint_every }` epochs
    saver: Any = None  # the run folder's resumable state (trainer.Saver), or None
    distributor: Any = None  # train { distribute }: qlang.distribute.run.Distributor, or None

    def kernel_matrix(self, encoding: Any, X1: np.ndarray, X2: np.ndarray | None, weights: Any):
        fn = self.kernel
        if fn is None:
            from qlang.sim import kernel_matrix as fn  # provided by the simulator
        return np.asarray(fn(encoding, X1, X2, weights=weights), dtype=float)

    @property
    def seeds(self) -> Seeds:
        return Seeds(self.seed)


@dataclass(frozen=True)
class TaskRunner:
    """What a task entry of the catalog names: how to train it, how to predict with the
    trained state (``(predict(X), proba(X) or None)`` on preprocessed rows), how many
    parameters it has and how ``qlang eval`` scores it."""

    train: Callable[[Model, RunContext], Trained]
    predictor: Callable[[Model, Trained, RunContext], tuple[Callable, Callable | None]]
    num_params: Callable[[Model, RunContext], int]
    evaluate: Callable[[Model, Trained, RunContext], dict[str, Any]]


@dataclass(frozen=True, eq=False)
class Trained:
    """A trained model's state: everything ``predict`` and the artifacts need (JSON only)."""

    task: str
    params: np.ndarray
    param_names: tuple[str, ...]
    metrics: dict[str, Any]
    curve: list[dict[str, float]]
    seed: int
    preprocess: tuple[FittedStep, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"Trained(task={self.task!r}, parameters={len(self.params)}, "
            f"epochs={len(self.curve)}, seed={self.seed})"
        )

    def _repr_html_(self) -> str:
        from qlang.jupyter.render import training_html

        return training_html(self)


def fit_options(model: Model, ctx: RunContext) -> dict[str, Any]:
    """The training-loop options every task passes: progress, early stopping, checkpoints."""
    from qlang.train.trainer import EarlyStopping

    return {
        "quiet": ctx.quiet,
        "early_stopping": EarlyStopping.from_call(model.training.early_stopping),
        "checkpoint": ctx.checkpoint if model.training.checkpoint_every else None,
        "checkpoint_every": model.training.checkpoint_every,
        "saver": ctx.saver,
    }


def schedule_for(training: Training, optimizer: Any, epochs: int | None) -> Schedule:
    """``--epochs`` beats ``train { epochs }`` beats ``maxiter`` (training or optimizer)."""
    maxiter = training.maxiter or getattr(optimizer, "maxiter", None)
    if epochs is not None:
        return Schedule(int(epochs), training.batch_size)
    if training.epochs is not None:
        return Schedule(training.epochs, training.batch_size)
    if maxiter:
        return Schedule(int(maxiter), training.batch_size, max_steps=int(maxiter))
    return Schedule(DEFAULT_EPOCHS, training.batch_size)


def loss_for(call: Call | None, task: str) -> tuple[str, LossFn, dict]:
    """The loss a setting names (else the task's default), checked against the task."""
    from qlang import catalog

    task_entry = catalog.lookup("task", task)
    assert task_entry is not None
    default = task_entry.info.default_loss
    entry, opts = catalog.runtime_bind("loss", call or Call(default))
    if task not in entry.tasks:
        fits = [e.name for e in catalog.entries("loss") if task in e.tasks]
        fail(
            "QL0653",
            f"loss `{entry.name}` cannot train a `{task}` task",
            call.span if call is not None else None,
            help=f"use one of: {', '.join(fits)}",
        )
    return entry.name, entry.load(), opts


def load_data(model: Model, ctx: RunContext) -> tuple[Dataset, tuple[FittedStep, ...]]:
    """The model's data set with preprocessing fitted on the training part and applied.

    The raw feature count is recorded as ``FittedStep("input", {"width": n})`` first, so
    ``predict`` can check the width of new data before replaying the steps.
    """
    if ctx.arrays is not None:
        ds = arrays_dataset(model, *ctx.arrays)
    elif model.data is None:
        fail(
            "QL0655",
            f"model `{model.name}` has a `{model.task.name}` task but no `data`",
            model.task.span,
            help="add a data setting, e.g. `data = iris()`",
        )
    else:
        ds = load_dataset(model.data, seed=ctx.seeds.int_seed("data"), base_dir=ctx.base_dir)
    from dataclasses import replace

    from qlang.sim.threads import blas_threads

    calls = tuple(label_seed(c, ctx) for c in model.preprocess)
    with blas_threads():  # small SVDs: BLAS threads only wait on each other on a shared CPU
        steps = (
            FittedStep("input", {"width": ds.num_features}),
            *fit_steps(calls, ds.X_train, ds.y_train),
        )
        ds = replace(
            ds,
            X_train=transform(list(steps), ds.X_train),
            X_test=transform(list(steps), ds.X_test),
            y_train=shuffle_labels(list(steps), ds.y_train),
        )
    return ds, steps


def label_seed(call: Call, ctx: RunContext) -> Call:
    """``shuffle_labels()`` with its seed made explicit (derived from the run seed), so
    the fitted step (and ``weights.json``) records the permutation used."""
    if call.name != "shuffle_labels" or call.arg(0, "seed") is not None:
        return call
    return Call(call.name, (ctx.seeds.int_seed("labels"),), span=call.span)


def arrays_dataset(model: Model, X: np.ndarray, y: np.ndarray) -> Dataset:
    """A training-only data set from arrays (labels already encoded ``0..k-1`` for classes)."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or len(X) != len(y) or len(X) == 0:
        fail(
            "QL0408",
            f"expected a non-empty 2-D feature array with one label per row, got "
            f"shape {X.shape} and {len(y)} labels",
        )
    if not np.all(np.isfinite(X)):
        fail(
            "QL0406",
            "the features contain NaN or infinite values",
            help="remove or impute missing values before training",
        )
    classify = model.task.name == "classify" or (
        model.task.name == "kernel" and np.all(np.asarray(y) == np.round(np.asarray(y, float)))
    )
    yy = np.asarray(y).astype(int) if classify else np.asarray(y, dtype=float)
    empty = np.zeros((0, X.shape[1]))
    return Dataset(
        "arrays",
        X,
        yy,
        empty,
        yy[:0],
        kind="classification" if classify else "regression",
        classes=tuple(int(c) for c in np.unique(yy)) if classify else (),
    )


def check_width(expected: int | None, got: int, model: Model, what: str = "the data") -> None:
    if expected is not None and expected != got:
        fail(
            "QL0656",
            f"{what} has {got} features but model `{model.name}` takes {expected} inputs",
            model.data.span if model.data is not None else None,
            help="match the circuit's input size, e.g. with `pca(k)` or by choosing other columns",
        )


def param_names(net: Any) -> tuple[str, ...]:
    """One name per entry of the flat parameter vector, the same everywhere.

    A quantum block's weights are named by :func:`qlang.targets.names.parameter_identifiers`
    (``theta[1,2]`` -> ``theta_1_2``), exactly as in ``model.qasm``, the Qiskit and tket
    circuits and ``Compiled.parameters``; named blocks prefix their weights with the
    block name. Classical parameters are ``layer{i}_w_{out}_{in}`` and ``layer{i}_b_{out}``
    (stage ``i`` of the network; a recurrent cell's gate map is ``{block}_gates_...``).
    A clash gets trailing underscores, classical names first.
    """
    from qlang.targets.names import parameter_identifiers

    names: list[str] = []
    classical: list[tuple[int, str]] = []
    for i, stage in enumerate(net.stages):
        own = getattr(stage, "parameter_names", None)
        if own is not None:  # a stage that names its own parameters (a recurrent cell)
            for n, is_classical in own():
                if is_classical:
                    classical.append((len(names), n))
                names.append(n)
            continue
        block = getattr(stage, "block", None) or getattr(
            getattr(stage, "quantum", None), "block", None
        )
        if block is not None:
            names += parameter_identifiers(block.circuit)[block.circuit.num_inputs :]
            gates = getattr(stage, "gates", None)
            if gates is not None:
                for n in _dense_names(f"{block.name}_gates", gates):
                    classical.append((len(names), n))
                    names.append(n)
        elif stage.num_params:
            for n in _dense_names(f"layer{i}", stage):
                classical.append((len(names), n))
                names.append(n)
    taken = {n for k, n in enumerate(names) if k not in {c for c, _ in classical}}
    for k, n in classical:
        while n in taken:
            n += "_"
        taken.add(n)
        names[k] = n
    return tuple(names)


def _dense_names(prefix: str, stage: Any) -> list[str]:
    """``W`` row-major (out x in) then ``b``, as :class:`DenseStage` lays them out."""
    w = [f"{prefix}_w_{o}_{j}" for o in range(stage.outputs) for j in range(stage.inputs)]
    return w + [f"{prefix}_b_{o}" for o in range(stage.outputs)]


def validation_split(
    model: Model, ctx: RunContext, ds: Dataset, stratify: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """``train { validation = f }``: the part of the training split held out for the
    per-epoch metrics and early stopping (seeded, stratified by the class labels
    ``stratify``; the last part for chronological series); ``None`` when ``f = 0``."""
    frac = model.training.validation
    if not frac:
        return None
    if not 0 < frac < 1:
        fail("QL0667", f"`validation` must be a fraction in [0, 1), got `{frac}`")
    n = len(ds.X_train)
    if ds.ordered:
        k = int(round(frac * n))
        tr, va = np.arange(n - k), np.arange(n - k, n)
    else:
        from qlang.train.data.dataset import split_indices

        tr, va = split_indices(n, float(frac), ctx.seeds.rng("split"), stratify)
    if len(va) == 0 or len(tr) == 0:
        fail(
            "QL0667",
            f"`validation = {frac}` of {n} training samples leaves "
            + ("no validation samples" if len(va) == 0 else "nothing to train on"),
            help="use more data, another fraction, or `validation = 0`",
        )
    return tr, va
