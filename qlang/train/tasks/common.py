"""What every task shares: the run context, the trained result, schedule and loss lookup.

Example::

    >>> from qlang.ir.model import Call, Training
    >>> schedule_for(Training(maxiter=50), None, None).max_steps
    50
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qlang.diagnostics import did_you_mean
from qlang.ir.model import Call, Model, Training
from qlang.train.build import Factory
from qlang.train.data import Dataset, FittedStep, fit_steps, load_dataset, transform
from qlang.train.errors import fail
from qlang.train.losses import LOSSES, LossFn
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

    def kernel_matrix(self, encoding: Any, X1: np.ndarray, X2: np.ndarray | None, weights: Any):
        fn = self.kernel
        if fn is None:
            from qlang.sim import kernel_matrix as fn  # provided by the simulator
        return np.asarray(fn(encoding, X1, X2, weights=weights), dtype=float)

    @property
    def seeds(self) -> Seeds:
        return Seeds(self.seed)


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


def loss_for(
    call: Call | None, default: str, allowed: tuple[str, ...], task: str
) -> tuple[str, LossFn, dict]:
    """The loss function a setting names, checked against what the task can use."""
    name = call.name if call is not None else default
    span = call.span if call is not None else None
    if name not in LOSSES:
        fail(
            "QL0652",
            f"unknown loss `{name}`",
            span,
            help=did_you_mean(name, LOSSES) or f"losses: {', '.join(LOSSES)}",
        )
    if name not in allowed:
        fail(
            "QL0653",
            f"loss `{name}` cannot train a `{task}` task",
            span,
            help=f"use one of: {', '.join(allowed)}",
        )
    opts = dict(call.kwargs) if call is not None else {}
    if "sigma" in opts:  # mmd(sigma = 1.0) -> one bandwidth
        opts["sigmas"] = (opts.pop("sigma"),)
    if call is not None and call.args and name == "mmd":
        opts["sigmas"] = tuple(call.args) if len(call.args) > 1 else (call.args[0],)
    known = LOSS_OPTIONS.get(name, ())
    for key, value in opts.items():
        if key not in known:
            fail(
                "QL0666",
                f"loss `{name}` has no option `{key}`",
                span,
                help=f"options: {', '.join(known)}" if known else f"`{name}` takes no options",
            )
        vals = value if isinstance(value, tuple) else (value,)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in vals):
            fail("QL0666", f"loss option `{key}` must be positive numbers, got `{value}`", span)
    return name, LOSSES[name], opts


#: Options each loss accepts in the model file (``cvar(alpha = 0.1)``, ``mmd(sigma = 1)``).
LOSS_OPTIONS: dict[str, tuple[str, ...]] = {"mmd": ("sigmas",), "cvar": ("alpha",)}


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
    steps = (
        FittedStep("input", {"width": ds.num_features}),
        *fit_steps(model.preprocess, ds.X_train, ds.y_train),
    )
    from dataclasses import replace

    ds = replace(
        ds, X_train=transform(list(steps), ds.X_train), X_test=transform(list(steps), ds.X_test)
    )
    return ds, steps


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
    """Readable names for the flat parameter vector: circuit weight names, dense W/b."""
    names: list[str] = []
    for i, stage in enumerate(net.stages):
        block = getattr(stage, "block", None) or getattr(
            getattr(stage, "quantum", None), "block", None
        )
        if block is not None:
            names += [f"{block.name}.{n}" for n in block.circuit.weight_names()]
            rest = stage.num_params - block.circuit.num_weights
            names += [f"layer{i}.p{k}" for k in range(rest)]
        elif stage.num_params:
            names += [f"layer{i}.p{k}" for k in range(stage.num_params)]
    return tuple(names)
