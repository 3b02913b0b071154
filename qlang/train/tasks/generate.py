"""``generate``: a quantum circuit Born machine fitted to a target distribution.

The readout must be ``probs`` over ``k`` qubits; the target is
``generate(target = [p0, p1, ...])`` itself, or (``target = data``) the data set's
distribution (``bars_and_stripes``) or the empirical distribution of all its rows
read as little-endian bitstrings. Losses: ``kl`` (default) or ``mmd``.

Example::

    >>> import numpy as np
    >>> empirical_distribution(np.array([[1, 0], [1, 0], [0, 1]]), 2).round(3).tolist()
    [0.0, 0.667, 0.333, 0.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qlang import catalog
from qlang.ir.model import Model
from qlang.train.build import build_network
from qlang.train.errors import fail
from qlang.train.metrics import compute, metric_names
from qlang.train.optimizers import make_optimizer
from qlang.train.tasks.common import (
    RunContext,
    TaskRunner,
    Trained,
    fit_options,
    load_data,
    loss_for,
    param_names,
    schedule_for,
)
from qlang.train.trainer import Objective, fit


def empirical_distribution(X: np.ndarray, bits: int) -> np.ndarray:
    """Histogram of 0/1 rows as bitstrings (column ``k`` = bit ``k``), normalised."""
    Xb = (np.asarray(X) > 0.5).astype(int)
    idx = Xb @ (2 ** np.arange(bits))
    dist = np.bincount(idx, minlength=2**bits).astype(float)
    return dist / dist.sum()


def distribution_metrics(p: np.ndarray, q: np.ndarray, names: tuple = ()) -> dict[str, float]:
    """The model's ``metrics`` (default: KL(q || p), MMD^2, total variation distance and
    the mass on the target's support) of model distribution ``p`` against target ``q``."""
    return compute(metric_names("generate", "distribution", names), q, p)


def uses_inputs(circuit: Any) -> bool:
    """Whether any gate angle depends on a data input (declared but unused inputs are fine)."""
    from qlang.ir.expr import Input, symbols

    return any(isinstance(s, Input) for op in circuit.ops for p in op.params for s in symbols(p))


def train_generate(model: Model, ctx: RunContext) -> Trained:
    block = model.main
    if uses_inputs(block.circuit):
        fail(
            "QL0656",
            "a `generate` model takes no data inputs",
            model.task.span,
            help="the data set only supplies the target distribution",
        )
    if block.readout.kind != "probs":
        fail("QL0653", "`generate` needs a `probs` readout", block.readout.span)
    bits = len(block.readout.qubits)
    given = catalog.runtime_bind("task", model.task)[1]["target"]
    if given != "data":
        target = np.asarray(given, dtype=float)
    elif (ds := load_data(model, ctx)[0]).distribution is not None:
        target = ds.distribution
    else:
        if ds.num_features != bits:
            fail(
                "QL0656",
                f"the data rows have {ds.num_features} bits, the readout {bits} qubits",
                model.data.span if model.data else None,
            )
        # every row of the data set: a Born machine has no test split to hold out
        target = empirical_distribution(np.concatenate([ds.X_train, ds.X_test]), bits)
    if len(target) != 2**bits:
        fail(
            "QL0656",
            f"the target distribution has {len(target)} outcomes, the readout gives {2**bits}",
            block.readout.span,
            help="read out one qubit per pixel or bit",
        )
    loss_name, loss_fn, opts = loss_for(model.loss, "generate")
    seeds = ctx.seeds
    net = build_network(model, model.training, seeds, ctx.factory)
    X = np.zeros((1, block.circuit.num_inputs))  # declared from the data width, unused

    def vg(params: np.ndarray, idx: Any) -> tuple[float, np.ndarray]:
        value, grad, _ = net.value_and_grad(X, params, lambda out: loss_fn(out, target, **opts))
        return value, grad

    def value(params: np.ndarray, idx: Any) -> float:
        return loss_fn(net.forward(X, params), target, **opts)[0]

    optimizer = make_optimizer(model.optimizer, "adam")
    res = fit(
        Objective(1, vg, value),
        net.init(seeds.rng("init")),
        net.trainable(),
        optimizer,
        schedule_for(model.training, optimizer, ctx.epochs),
        seeds,
        **fit_options(model, ctx),
    )
    probs = net.forward(X, res.params)[0]
    metrics: dict[str, Any] = {
        "task": "generate",
        "loss": loss_name,
        "final_loss": res.curve[-1]["loss"],
        "steps": res.steps,
        "seconds": res.seconds,
        **distribution_metrics(probs, target, model.training.metrics),
    }
    return Trained(
        "generate",
        res.params,
        param_names(net),
        metrics,
        res.curve,
        ctx.seed,
        extra={"target": target.tolist()},
    )


def generate_predictor(model: Model, trained: Trained, ctx: RunContext):
    """``predict(X)`` gives the model's distribution over bit strings."""
    net = build_network(model, model.training, ctx.seeds, ctx.factory)
    X0 = np.zeros((1, model.main.circuit.num_inputs))
    return (lambda X: net.forward(X0, trained.params)), None


def generate_params(model: Model, ctx: RunContext) -> int:
    return build_network(model, model.training, ctx.seeds, ctx.factory).num_params


def evaluate_generate(model: Model, trained: Trained, ctx: RunContext) -> dict[str, Any]:
    predict, _ = generate_predictor(model, trained, ctx)
    target = np.asarray(trained.extra["target"])
    return distribution_metrics(predict(np.zeros((1, 0)))[0], target, model.training.metrics)


GENERATE = TaskRunner(train_generate, generate_predictor, generate_params, evaluate_generate)
