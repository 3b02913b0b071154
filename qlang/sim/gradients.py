"""Gradient methods: adjoint, parameter shift, finite differences, SPSA.

All methods produce the same two things for a batch: the vector-Jacobian
product (weights summed over the batch, inputs per sample) and the full
per-sample Jacobians. Gate-angle derivatives are mapped to inputs and weights
with the chain rule through the symbolic angle expressions (derivatives
compiled once per plan, see :mod:`qlang.sim.plan`).

Example::

    >>> import numpy as np
    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Weight, Const
    >>> from qlang.ir.model import Observable, PauliTerm, QuantumBlock, Readout
    >>> from qlang.sim.function import QuantumFunction
    >>> c = Circuit(1, (Operation("rx", (0,), (Weight(0),)),), weights=(ParamDecl("w", (1,), 0),))
    >>> z = Observable((PauliTerm(Const(1.0), ((0, "Z"),)),))
    >>> qf = QuantumFunction(QuantumBlock("main", c, Readout("expval", (z,))))
    >>> out, gw, gx = qf.vjp(np.zeros((1, 0)), np.array([0.3]), np.ones((1, 1)))
    >>> bool(np.isclose(gw[0], -np.sin(0.3)))
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np

from qlang.ir import expr as E
from qlang.sim.engine import State, canonical, reorder, run_adjoint
from qlang.sim.gatelib import shift_rule
from qlang.sim.plan import Plan
from qlang.sim.readout import ReadoutPlan
from qlang.sim.simulator import Simulator


class Evaluator(Protocol):
    """What the gradient methods need of a differentiable quantum function (a
    :class:`~qlang.sim.function.QuantumFunction` is one)."""

    n: int
    simulator: Simulator
    readout: ReadoutPlan

    def exact_states(self, x: np.ndarray, w: np.ndarray) -> np.ndarray: ...

    def outputs_from_values(self, x: np.ndarray, w: np.ndarray, values: tuple) -> np.ndarray: ...


def chain_rule(
    plan: Plan,
    slot_grads: Mapping[int, np.ndarray | float],
    x: np.ndarray,
    w: np.ndarray,
    per_sample: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Map angle gradients to ``(g_w, g_x)``; ``g_w`` is ``(B, n_w)`` if ``per_sample``."""
    b = x.shape[0]
    gw = np.zeros((b, w.shape[0])) if per_sample else np.zeros(w.shape[0])
    gx = np.zeros(x.shape)
    if not slot_grads:
        return gw, gx
    derivative, index = plan.derivatives()
    dvals = derivative(x, w)
    slots, ks, is_weight, targets = [], [], [], []
    for slot in slot_grads:
        for sym, k in zip(plan.slot_symbols[slot], index[slot], strict=True):
            if not isinstance(slot_grads[slot], np.ndarray):  # summed over the batch already
                gw[sym.index] += float(slot_grads[slot]) * float(dvals[k])
                continue
            slots.append(slot)
            ks.append(k)
            is_weight.append(isinstance(sym, E.Weight))
            targets.append(sym.index)
    if not slots:
        return gw, gx
    g = np.stack([np.broadcast_to(slot_grads[s], (b,)) for s in slots])  # (terms, batch)
    d = np.stack([np.broadcast_to(dvals[k], (b,)) for k in ks])
    contrib = g * d
    wmask = np.array(is_weight)
    tgt = np.array(targets)
    if wmask.any():
        if per_sample:
            np.add.at(gw.T, tgt[wmask], contrib[wmask])
        else:
            np.add.at(gw, tgt[wmask], contrib[wmask].sum(axis=1))
    if (~wmask).any():
        np.add.at(gx.T, tgt[~wmask], contrib[~wmask])
    return gw, gx


Cotangent = np.ndarray | Callable[[np.ndarray], np.ndarray]


def resolve_cotangent(cot: Cotangent, out: np.ndarray) -> np.ndarray:
    """The cotangent array; a callable receives the outputs (``(B, n_out)``)."""
    value = cot(out) if callable(cot) else cot
    return np.asarray(value, dtype=float).reshape(out.shape)


# --- adjoint ----------------------------------------------------------------


def adjoint_vjp(
    qf: Evaluator, x: np.ndarray, w: np.ndarray, cot: Cotangent, inputs: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ex = qf.simulator.executor
    diag = qf.readout.diagonal
    if ex is not None and diag is not None:  # readout, cotangent state and sweep in C
        psi, out, tape = ex.forward(x, w, diag=diag, keep=True, inputs=inputs)
        cot = resolve_cotangent(cot, out)
        gw, gx = ex.adjoint(x, w, psi, diag=diag, cot=cot, inputs=inputs, tape=tape)
        return out, gw, gx if gx is not None else np.zeros(x.shape)
    if ex is not None:  # compiled: one call forward, one call for the sweep and chain rule
        psi, tape = ex.forward(x, w, keep=True, inputs=inputs)
        out = qf.readout.outputs(psi, x, w)
        cot = resolve_cotangent(cot, out)
        lam = qf.readout.cotangent_state(psi, cot, x, w)
        cw, cx = qf.readout.coefficient_vjp(psi, cot, x, w)
        gw, gx = ex.adjoint(x, w, psi, lam, inputs=inputs, tape=tape)
        return out, gw + cw, cx if gx is None else gx + cx
    plan = qf.simulator.plan
    values = plan.evaluate(x, w)
    cache: dict = {}
    st = qf.simulator.run(x, w, values, cache)
    psi = canonical(st)
    out = qf.readout.outputs(psi, x, w)
    cot = resolve_cotangent(cot, out)
    lam = qf.readout.cotangent_state(psi, cot, x, w)
    order = tuple(range(qf.n - 1, -1, -1))
    lam_st = reorder(State(lam, order), st.order)  # continue in the forward's final layout
    grads = run_adjoint(plan, values, st, lam_st, False, cache)
    gw, gx = chain_rule(plan, grads, x, w, per_sample=False)
    cw, cx = qf.readout.coefficient_vjp(psi, cot, x, w)
    return out, gw + cw, gx + cx


def adjoint_jacobian(
    qf: Evaluator, x: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ex = qf.simulator.executor
    if ex is not None:
        psi, tape = ex.forward(x, w, keep=True)
        out = qf.readout.outputs(psi, x, w)
        b, k_out = out.shape
        jw = np.zeros((b, k_out, w.shape[0]))
        jx = np.zeros((b, k_out, x.shape[1]))
        for k in range(k_out):
            cot = np.zeros((b, k_out))
            cot[:, k] = 1.0
            lam = qf.readout.cotangent_state(psi, cot, x, w)
            state = psi if tape is not None else psi.copy()  # read only with a tape
            gw_k, gx_k = ex.adjoint(x, w, state, lam, per_sample=True, tape=tape)
            assert gx_k is not None
            jw[:, k, :], jx[:, k, :] = gw_k, gx_k
        cw, cx = qf.readout.coefficient_jacobian(psi, x, w)
        return out, jw + cw, jx + cx
    plan = qf.simulator.plan
    values = plan.evaluate(x, w)
    cache: dict = {}
    psi = canonical(qf.simulator.run(x, w, values, cache))
    out = qf.readout.outputs(psi, x, w)
    b, k_out = out.shape
    jw = np.zeros((b, k_out, w.shape[0]))
    jx = np.zeros((b, k_out, x.shape[1]))
    order = tuple(range(qf.n - 1, -1, -1))
    for k in range(k_out):
        cot = np.zeros((b, k_out))
        cot[:, k] = 1.0
        lam = qf.readout.cotangent_state(psi, cot, x, w)
        grads = run_adjoint(plan, values, State(psi.copy(), order), State(lam, order), True, cache)
        gw, gx = chain_rule(plan, grads, x, w, per_sample=True)
        jw[:, k, :] = gw
        jx[:, k, :] = gx
    cw, cx = qf.readout.coefficient_jacobian(psi, x, w)
    return out, jw + cw, jx + cx


# --- parameter shift ----------------------------------------------------------


def shift_slot_derivatives(
    qf: Evaluator, x: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Outputs and ``{slot: d outputs / d angle}`` (``(B, n_out)``) by shift rules."""
    plan = qf.simulator.plan
    values = list(plan.evaluate(x, w))
    out = qf.outputs_from_values(x, w, tuple(values))
    derivs: dict[int, np.ndarray] = {}
    slot_gate = plan.gate_names()
    for slot, syms in enumerate(plan.slot_symbols):
        if not syms:
            continue
        acc = np.zeros_like(out)
        for coeff, shift in shift_rule(slot_gate[slot]):
            shifted = list(values)
            shifted[slot] = values[slot] + shift
            acc += coeff * qf.outputs_from_values(x, w, tuple(shifted))
        derivs[slot] = acc
    return out, derivs


def shift_vjp(
    qf: Evaluator, x: np.ndarray, w: np.ndarray, cot: Cotangent
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    out, derivs = shift_slot_derivatives(qf, x, w)
    cot = resolve_cotangent(cot, out)
    grads = {s: np.sum(d * cot, axis=1) for s, d in derivs.items()}
    gw, gx = chain_rule(qf.simulator.plan, grads, x, w, per_sample=False)
    psi = qf.exact_states(x, w)
    cw, cx = qf.readout.coefficient_vjp(psi, cot, x, w)
    return out, gw + cw, gx + cx


def shift_jacobian(
    qf: Evaluator, x: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    out, derivs = shift_slot_derivatives(qf, x, w)
    b, k_out = out.shape
    jw = np.zeros((b, k_out, w.shape[0]))
    jx = np.zeros((b, k_out, x.shape[1]))
    for k in range(k_out):
        grads = {s: d[:, k] for s, d in derivs.items()}
        gw, gx = chain_rule(qf.simulator.plan, grads, x, w, per_sample=True)
        jw[:, k, :], jx[:, k, :] = gw, gx
    cw, cx = qf.readout.coefficient_jacobian(qf.exact_states(x, w), x, w)
    return out, jw + cw, jx + cx


# --- finite differences and SPSA ------------------------------------------------

Forward = Callable[[np.ndarray, np.ndarray], np.ndarray]


def fd_jacobian(
    forward: Forward, x: np.ndarray, w: np.ndarray, step: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central differences: ``2 (n_w + n_in)`` batched forward runs."""
    out = forward(x, w)
    b, k_out = out.shape
    jw = np.zeros((b, k_out, w.shape[0]))
    jx = np.zeros((b, k_out, x.shape[1]))
    for i in range(w.shape[0]):
        e = np.zeros_like(w)
        e[i] = step
        jw[:, :, i] = (forward(x, w + e) - forward(x, w - e)) / (2 * step)
    for i in range(x.shape[1]):
        e = np.zeros_like(x)
        e[:, i] = step
        jx[:, :, i] = (forward(x + e, w) - forward(x - e, w)) / (2 * step)
    return out, jw, jx


def spsa_jacobian(
    forward: Forward,
    x: np.ndarray,
    w: np.ndarray,
    step: float,
    samples: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simultaneous-perturbation estimates, averaged over ``samples`` draws (seeded)."""
    out = forward(x, w)
    b, k_out = out.shape
    jw = np.zeros((b, k_out, w.shape[0]))
    jx = np.zeros((b, k_out, x.shape[1]))
    for _ in range(samples):
        dw = rng.choice([-1.0, 1.0], size=w.shape)
        dx = rng.choice([-1.0, 1.0], size=x.shape)
        diff = forward(x + step * dx, w + step * dw) - forward(x - step * dx, w - step * dw)
        diff /= 2 * step
        jw += diff[:, :, None] * dw[None, None, :]
        jx += diff[:, :, None] * dx[:, None, :]
    return out, jw / samples, jx / samples
