"""``minimize``: VQE / QAOA energy of the readout observable, or its CVaR(alpha).

``minimize`` with ``loss = energy`` (default) minimises the expectation value. With
``minimize(cvar = alpha)`` or ``loss = cvar(alpha = a)`` it minimises the mean cost of
the best ``alpha`` fraction of the bitstring distribution (the observable must be
diagonal, i.e. Z terms only). Metrics report the exact optimum for comparison:
brute force over bitstrings for diagonal observables, sparse diagonalisation otherwise.

Example::

    >>> from qlang.ir.model import PauliTerm
    >>> obs = Observable((PauliTerm(E.Const(1.0), ((0, "Z"), (1, "Z"))),))
    >>> diagonal_costs(obs, 2).tolist()
    [1.0, -1.0, -1.0, 1.0]
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from qlang import catalog
from qlang.ir import expr as E
from qlang.ir.model import Model, Observable, Readout, Target
from qlang.train.build import block_stages, build_network
from qlang.train.errors import fail
from qlang.train.losses import cvar, energy
from qlang.train.network import Network
from qlang.train.objective import ObjectiveLoss
from qlang.train.optimizers import make_optimizer
from qlang.train.tasks.common import (
    RunContext,
    TaskRunner,
    Trained,
    fit_options,
    loss_for,
    param_names,
    schedule_for,
)
from qlang.train.trainer import Objective, fit

EXACT_LIMIT = 14  # qubits up to which the exact ground energy is computed


def diagonal_costs(obs: Observable, num_qubits: int) -> np.ndarray:
    """``c[b] = <b|H|b>`` for a Z-only observable with constant coefficients (little-endian)."""
    idx = np.arange(2**num_qubits)
    costs = np.zeros(2**num_qubits)
    for term in obs.terms:
        sign = np.ones(2**num_qubits)
        for q, _ in term.paulis:
            sign = sign * (1 - 2 * ((idx >> q) & 1))
        costs += E.const_value(term.coeff) * sign
    return costs


def exact_ground_energy(obs: Observable, num_qubits: int) -> float | None:
    """Smallest eigenvalue of a constant-coefficient Pauli sum (``None`` if too large)."""
    if num_qubits > EXACT_LIMIT or any(not E.is_constant(t.coeff) for t in obs.terms):
        return None
    if obs.is_diagonal:
        return float(diagonal_costs(obs, num_qubits).min())
    from qiskit.quantum_info import SparsePauliOp

    op = SparsePauliOp.from_list(obs.label(num_qubits))
    if num_qubits <= 6:
        return float(np.linalg.eigvalsh(op.to_matrix()).min())
    from scipy.sparse.linalg import eigsh

    return float(eigsh(op.to_matrix(sparse=True), k=1, which="SA")[0][0])


def _cvar_alpha(model: Model) -> float | None:
    """``minimize(cvar = a)`` or ``loss = cvar(alpha = a)``; ``None`` for the energy."""
    from qlang import catalog

    alpha = catalog.runtime_bind("task", model.task)[1]["cvar"]
    if alpha is None and model.loss is not None and model.loss.name == "cvar":
        alpha = catalog.runtime_bind("loss", model.loss)[1]["alpha"]
    return None if alpha is None else float(alpha)


def train_minimize(model: Model, ctx: RunContext) -> Trained:
    block = model.main
    if block.circuit.num_inputs:
        fail(
            "QL0656",
            "a `minimize` model takes no data inputs",
            model.task.span,
            help="remove the `input` declaration or use `classify`/`regress`",
        )
    if model.objective is None and (
        block.readout.kind != "expval" or len(block.readout.observables) != 1
    ):
        fail(
            "QL0653", "`minimize` needs a readout `expval(H)` of one observable", block.readout.span
        )
    if model.objective is not None:
        return train_objective(model, ctx)
    seeds = ctx.seeds
    energy_net, loss_name, value, vg = energy_function(model, ctx)
    optimizer = make_optimizer(model.optimizer, "adam")
    schedule = schedule_for(model.training, optimizer, ctx.epochs)
    res = fit(
        Objective(1, vg, value),
        energy_net.init(seeds.rng("init")),
        energy_net.trainable(),
        optimizer,
        schedule,
        seeds,
        **fit_options(model, ctx),
    )
    metrics: dict[str, Any] = {
        "task": "minimize",
        "loss": loss_name,
        **energy_metrics(model, ctx, energy_net, res.params, loss_name, value),
        "final_loss": res.curve[-1]["loss"],
        "steps": res.steps,
        "seconds": res.seconds,
    }
    return Trained("minimize", res.params, param_names(energy_net), metrics, res.curve, ctx.seed)


def energy_function(model: Model, ctx: RunContext) -> tuple[Network, str, Any, Any]:
    """The network reading ``<H>``, the loss name (``energy`` or ``cvar``), and
    ``value(params, idx)`` / ``value_and_grad(params, idx)`` of that loss."""
    block = model.main
    n = block.circuit.num_qubits
    obs = block.readout.observables[0]
    alpha = _cvar_alpha(model)
    loss_name = "cvar" if alpha is not None else loss_for(model.loss, "minimize")[0]
    energy_net = build_network(model, model.training, ctx.seeds, ctx.factory)
    X = np.zeros((1, 0))
    if loss_name == "cvar":
        assert alpha is not None
        if not obs.is_diagonal or any(not E.is_constant(t.coeff) for t in obs.terms):
            fail(
                "QL0653",
                "CVaR needs a diagonal observable (Z terms) with constant coefficients",
                block.readout.span,
            )
        costs = diagonal_costs(obs, n)
        probs_block = replace(
            block, readout=Readout("probs", qubits=tuple(range(n)), shots=block.readout.shots)
        )
        stages = block_stages(probs_block, model.training, ctx.seeds, ctx.factory, target=model.target)  # fmt: skip
        net = Network(tuple(stages[:1]))

        def lossf(out: np.ndarray) -> tuple[float, np.ndarray]:
            return cvar(out, costs, alpha)
    else:
        net = energy_net

        def lossf(out: np.ndarray) -> tuple[float, np.ndarray]:
            return energy(out)

    def vg(params: np.ndarray, idx: Any) -> tuple[float, np.ndarray]:
        value, grad, _ = net.value_and_grad(X, params, lossf)
        return value, grad

    def value(params: np.ndarray, idx: Any) -> float:
        return lossf(net.forward(X, params))[0]

    return energy_net, loss_name, value, vg


def energy_metrics(
    model: Model, ctx: RunContext, energy_net: Network, params: np.ndarray, loss_name: str,
    value: Any,
) -> dict[str, Any]:  # fmt: skip
    """What a set of weights achieves on ``<H>``: the energy (with its standard error under
    shots), the noiseless energy of a noisy run, CVaR, and against the exact ground state
    (when the Hamiltonian is small enough) the error, the most likely bitstring and the
    approximation ratio. The same for ``train`` and ``eval``."""
    block = model.main
    n = block.circuit.num_qubits
    obs = block.readout.observables[0]
    X = np.zeros((1, 0))
    final_energy = float(energy_net.forward(X, params)[0].sum())
    metrics: dict[str, Any] = {"energy": final_energy}
    err = getattr(energy_net.stages[0], "qf", None)
    err = getattr(err, "last_stderr", None)
    if err is not None:  # shots or trajectories: the estimate's standard error
        metrics["energy_stderr"] = float(np.sqrt(np.sum(np.asarray(err)[0] ** 2)))
    t = model.target
    if t.noise or t.noise.source is not None or t.shots is not None:
        # the parameters on the exact noiseless simulator (the parameters' quality)
        clean = replace(model, target=Target(), training=replace(model.training, shots=None))
        exact_net = build_network(clean, clean.training, ctx.seeds)
        metrics["energy_noiseless"] = float(exact_net.forward(X, params)[0].sum())
    if loss_name == "cvar":
        metrics["cvar"] = value(params, None)
        metrics["alpha"] = _cvar_alpha(model)
    exact = exact_ground_energy(obs, n)
    if exact is not None:
        metrics["exact_energy"] = exact
        metrics["energy_error"] = final_energy - exact
        if obs.is_diagonal:
            costs = diagonal_costs(obs, n)
            probs_block = replace(block, readout=Readout("probs", qubits=tuple(range(n))))
            stages = block_stages(probs_block, model.training, ctx.seeds, ctx.factory, target=model.target)[:1]  # fmt: skip
            probs = Network(tuple(stages)).forward(X, params)[0]
            best = int(np.argmax(probs))
            metrics["most_likely_bitstring"] = format(best, f"0{n}b")
            metrics["most_likely_cost"] = float(costs[best])
            metrics["optimum_probability"] = float(probs[np.isclose(costs, exact)].sum())
            if exact != 0:
                metrics["approximation_ratio"] = final_energy / exact
    return metrics


def objective_function(
    model: Model, ctx: RunContext
) -> tuple[Network, Any, Any]:
    """The network reading the objective's observables, ``value(params)`` and
    ``value_and_grad(params)`` of the loss expression (readout and weight terms)."""
    assert model.objective is not None
    net = build_network(model, model.training, ctx.seeds, ctx.factory)
    if len(net.stages) != 1 or net.num_params != model.main.circuit.num_weights:
        fail(
            "QL0653",
            "a loss expression needs the model's circuit alone",
            model.loss.span if model.loss is not None else None,
        )
    loss: ObjectiveLoss = catalog.lookup("loss", "expression").load()(  # type: ignore[union-attr]
        model.objective, net.num_params
    )
    X = np.zeros((1, 0))

    def vg(params: np.ndarray, idx: Any = None) -> tuple[float, np.ndarray]:
        direct: list[np.ndarray] = []

        def lossf(out: np.ndarray) -> tuple[float, np.ndarray]:
            value, g_out, g_w = loss(out, params)
            direct.append(g_w)
            return value, g_out

        value, grad, _ = net.value_and_grad(X, params, lossf)
        return value, grad + direct[0]

    def value(params: np.ndarray, idx: Any = None) -> float:
        return loss(net.forward(X, params), params)[0]

    return net, value, vg


def train_objective(model: Model, ctx: RunContext) -> Trained:
    """``minimize`` with a loss expression: the metrics report the loss, every readout
    and the readouts' signs (``0`` for a positive value, as PCE decodes a bit)."""
    seeds = ctx.seeds
    net, value, vg = objective_function(model, ctx)
    optimizer = make_optimizer(model.optimizer, "adam")
    schedule = schedule_for(model.training, optimizer, ctx.epochs)
    res = fit(
        Objective(1, vg, value),
        net.init(seeds.rng("init")),
        net.trainable(),
        optimizer,
        schedule,
        seeds,
        **fit_options(model, ctx),
    )
    metrics: dict[str, Any] = {
        "task": "minimize",
        "loss": "expression",
        **objective_metrics(model, net, res.params, value),
        "final_loss": res.curve[-1]["loss"],
        "steps": res.steps,
        "seconds": res.seconds,
    }
    return Trained("minimize", res.params, param_names(net), metrics, res.curve, ctx.seed)


def objective_metrics(
    model: Model, net: Network, params: np.ndarray, value: Any
) -> dict[str, Any]:
    """What a set of weights achieves on a loss expression: its value, every readout, the
    readouts' signs and the file's metrics (``cut(graph)``, ...); for ``train`` and
    ``eval``."""
    readouts = net.forward(np.zeros((1, 0)), params)[0]
    metrics: dict[str, Any] = {
        "objective": value(params),
        "readouts": [float(r) for r in readouts],
        "readout_signs": "".join("0" if r >= 0 else "1" for r in readouts),
    }
    for call in model.training.metric_calls:
        entry, options = catalog.runtime_bind("metric", call)
        metrics.update(entry.load()(readouts, **options))
    return metrics


def minimize_predictor(model: Model, trained: Trained, ctx: RunContext):
    """``predict(X)`` gives the readout (the energy terms) at the trained weights."""
    net = build_network(model, model.training, ctx.seeds, ctx.factory)
    X0 = np.zeros((1, 0))
    return (lambda X: net.forward(X0, trained.params)), None


def network_params(model: Model, ctx: RunContext) -> int:
    return build_network(model, model.training, ctx.seeds, ctx.factory).num_params


def evaluate_minimize(model: Model, trained: Trained, ctx: RunContext) -> dict[str, Any]:
    if model.objective is not None:
        net, value, _ = objective_function(model, ctx)
        return objective_metrics(model, net, trained.params, value)
    energy_net, loss_name, value, _ = energy_function(model, ctx)
    return energy_metrics(model, ctx, energy_net, trained.params, loss_name, value)


MINIMIZE = TaskRunner(train_minimize, minimize_predictor, network_params, evaluate_minimize)
