"""``gan``: a quantum generator trained in alternation against a classical discriminator.

The generator is the model's circuit with ``readout = probs(q)``: its distribution
``p`` over the ``2**k`` bit strings (after Zoufal et al. 2019, "Quantum generative
adversarial networks for learning and loading random distributions"). The
discriminator ``D`` is the task's dense layers, reading the ``k`` bits of an outcome
and giving the probability that it is real. The data set gives the target
distribution ``q`` (a ``distribution`` data set such as ``lognormal``, or the
histogram of its rows read as bit strings). Expectations over both distributions are
exact: ``D`` is evaluated on all ``2**k`` outcomes, weighted by ``q`` and ``p``.

Every generator step (one step of the model's optimizer) first takes ``d_steps`` Adam
steps (``d_lr``) of the discriminator on its binary cross-entropy
``-E_q[log D] - E_p[log(1 - D)]`` at the current generator, then a step of the
generator on the non-saturating loss ``-E_p[log D]`` against the updated
discriminator; the generator gradient is the circuit's adjoint vjp of ``-log D``.
Metrics: KL, TVD, MMD and valid mass to the data distribution, per epoch as well.

Example::

    >>> z = outcome_bits(2)
    >>> z.tolist()
    [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    >>> d = np.array([0.5, 0.5, 0.5, 0.5])
    >>> round(gan_losses(np.array([0.25] * 4), np.array([0.5, 0.5, 0, 0]), d)[0], 4)
    1.3863
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qlang import catalog
from qlang.ir.model import Model
from qlang.train.build import build_network
from qlang.train.errors import fail
from qlang.train.layers import DenseStage
from qlang.train.metrics import compute, metric_names
from qlang.train.network import Network
from qlang.train.optimizers import Adam, make_optimizer
from qlang.train.tasks.common import (
    RunContext,
    TaskRunner,
    Trained,
    fit_options,
    param_names,
    schedule_for,
)
from qlang.train.tasks.generate import data_distribution, uses_inputs
from qlang.train.trainer import Objective, fit

EPS = 1e-12


def outcome_bits(k: int) -> np.ndarray:
    """Row ``b`` holds the ``k`` little-endian bits of outcome ``b``."""
    idx = np.arange(2**k)
    return ((idx[:, None] >> np.arange(k)) & 1).astype(float)


def gan_losses(p: np.ndarray, q: np.ndarray, d: np.ndarray) -> tuple[float, float]:
    """``(discriminator loss, generator loss)`` for generator ``p``, data ``q`` and the
    discriminator's outputs ``d`` on every outcome."""
    dc = np.clip(d, EPS, 1 - EPS)
    d_loss = float(-(q @ np.log(dc)) - (p @ np.log(1 - dc)))
    return d_loss, float(-(p @ np.log(dc)))


def discriminator_network(model: Model) -> Network:
    return Network(tuple(DenseStage(d.inputs, d.outputs, d.activation, d.frozen) for d in model.discriminator))


class Discriminator:
    """The discriminator's parameters and Adam state, stepped by :meth:`step`."""

    def __init__(self, net: Network, params: np.ndarray, lr: float, bits: int):
        self.net, self.params = net, params
        self.opt = Adam(lr=lr)
        self.state = self.opt.init(params)
        self.mask = net.trainable()
        self.Z = outcome_bits(bits)
        self.loss = float("nan")

    def outputs(self) -> np.ndarray:
        return self.net.forward(self.Z, self.params)[:, 0]

    def step(self, p: np.ndarray, q: np.ndarray) -> None:
        def lossf(out: np.ndarray) -> tuple[float, np.ndarray]:
            d = np.clip(out[:, 0], EPS, 1 - EPS)
            value = float(-(q @ np.log(d)) - (p @ np.log(1 - d)))
            return value, (-q / d + p / (1 - d))[:, None]

        value, grad, _ = self.net.value_and_grad(self.Z, self.params, lossf)
        sub, self.state = self.opt.step(self.params[self.mask], grad[self.mask], self.state)
        self.params = self.params.copy()
        self.params[self.mask] = sub
        self.loss = value


def train_gan(model: Model, ctx: RunContext) -> Trained:
    block = model.main
    if uses_inputs(block.circuit):
        fail("QL0656", "a `gan` generator takes no data inputs", model.task.span)
    if block.readout.kind != "probs":
        fail("QL0653", "`gan` needs a `probs` readout", block.readout.span)
    if ctx.saver is not None and ctx.saver.load() is not None:
        fail(
            "QL0664",
            "a `gan` run cannot be resumed yet (the discriminator's state is not saved)",
            model.task.span,
            help="train again with `--out` (a new run folder)",
        )
    bits = len(block.readout.qubits)
    target = data_distribution(model, ctx, bits, "gan")
    _, opts = catalog.runtime_bind("task", model.task)  # the layers: model.discriminator
    seeds = ctx.seeds
    gen = build_network(model, model.training, seeds, ctx.factory)
    dnet = discriminator_network(model)
    disc = Discriminator(dnet, dnet.init(seeds.rng("discriminator")), float(opts["d_lr"]), bits)
    d_steps = int(opts["d_steps"])
    X = np.zeros((1, block.circuit.num_inputs))
    names = metric_names("gan", "distribution", model.training.metrics)

    def vg(theta: np.ndarray, idx: Any) -> tuple[float, np.ndarray]:
        p = gen.forward(X, theta)[0]
        for _ in range(d_steps):
            disc.step(p, target)
        log_d = np.log(np.clip(disc.outputs(), EPS, 1.0))

        def lossf(out: np.ndarray) -> tuple[float, np.ndarray]:
            return float(-(out[0] @ log_d)), -log_d[None, :]

        value, grad, _ = gen.value_and_grad(X, theta, lossf)
        return value, grad

    def value(theta: np.ndarray, idx: Any) -> float:
        return gan_losses(gen.forward(X, theta)[0], target, disc.outputs())[1]

    def evaluate(theta: np.ndarray) -> dict[str, float]:
        p = gen.forward(X, theta)[0]
        return {"d_loss": disc.loss, **compute(names, target, p)}

    optimizer = make_optimizer(model.optimizer, "adam")
    res = fit(
        Objective(1, vg, value, evaluate),
        gen.init(seeds.rng("init")),
        gen.trainable(),
        optimizer,
        schedule_for(model.training, optimizer, ctx.epochs),
        seeds,
        **fit_options(model, ctx),
    )
    probs = gen.forward(X, res.params)[0]
    d_loss, g_loss = gan_losses(probs, target, disc.outputs())
    metrics: dict[str, Any] = {
        "task": "gan",
        "loss": "gan",
        "final_loss": res.curve[-1]["loss"],
        "d_loss": d_loss,
        "g_loss": g_loss,
        "steps": res.steps,
        "seconds": res.seconds,
        **compute(names, target, probs),
    }
    return Trained(
        "gan",
        res.params,
        param_names(gen),
        metrics,
        res.curve,
        ctx.seed,
        extra={"target": target.tolist(), "discriminator": disc.params.tolist()},
    )


def gan_predictor(model: Model, trained: Trained, ctx: RunContext):
    """``predict(X)`` gives the generator's distribution over bit strings."""
    net = build_network(model, model.training, ctx.seeds, ctx.factory)
    X0 = np.zeros((1, model.main.circuit.num_inputs))
    return (lambda X: net.forward(X0, trained.params)), None


def gan_params(model: Model, ctx: RunContext) -> int:
    return build_network(model, model.training, ctx.seeds, ctx.factory).num_params


def evaluate_gan(model: Model, trained: Trained, ctx: RunContext) -> dict[str, Any]:
    predict, _ = gan_predictor(model, trained, ctx)
    target = np.asarray(trained.extra["target"])
    names = metric_names("gan", "distribution", model.training.metrics)
    return compute(names, target, predict(np.zeros((1, 0)))[0])


GAN = TaskRunner(train_gan, gan_predictor, gan_params, evaluate_gan)
