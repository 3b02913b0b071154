"""A fast-weight programmer cell: a dense net writes the circuit's weights at every step.

``recurrent { cell = fast_weights(hidden = H), gates = [b], window = T }`` reads each
input row as ``T`` steps of ``f`` features, where block ``b`` takes the ``f`` features
of a step and has ``n_w`` weights (the *fast* weights). A classical *slow* net, the
programmer ``dense(f + m -> H, tanh), dense(H -> n_w)``, reads the step's features and
the block's ``m`` outputs of the previous step and emits an update of the fast
weights, which the circuit uses at that step::

    d_t     = programmer([x_t, y_{t-1}])         (y_0 = 0)
    theta_t = theta_{t-1} + d_t                  (accumulate = true; else theta_0 + d_t)
    y_t     = block(x_t; theta_t)

``theta_0`` are the block's own (trainable) weights; the model's ``layers`` (default: one
linear output) read ``y_T``. This follows the quantum fast-weight programmers of Chen
(2024, "Learning to program variational quantum circuits with fast weights") after
Schmidhuber (1992). Since every sample has its own weights, the circuit is evaluated
with its weights turned into per-sample inputs (:func:`weights_as_inputs`), so one
batched simulator call per step gives the outputs and one adjoint vector-Jacobian
product per step gives the gradients with respect to the step's features and fast
weights; backpropagation through time carries them into the programmer and
``theta_0``.

Example::

    >>> import numpy as np
    >>> from qlang.ir import expr as E
    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.model import QuantumBlock, Readout
    >>> c = Circuit(1, (Operation("ry", (0,), (E.Input(0) + E.Weight(0),)),),
    ...             inputs=(ParamDecl("x", (1,), 0),), weights=(ParamDecl("w", (1,), 0),))
    >>> b = weights_as_inputs(QuantumBlock("cell", c, Readout("probs", qubits=(0,))))
    >>> b.circuit.num_inputs, b.circuit.num_weights, b.circuit.ops[0].params
    (2, 0, (Add(lhs=Input(index=0), rhs=Input(index=1)),))
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from qlang.ir import expr as E
from qlang.ir.circuit import ParamDecl
from qlang.ir.model import Model, Observable, PauliTerm, QuantumBlock
from qlang.train.errors import fail
from qlang.train.layers import DenseStage, QuantumStage, init_decl


def weights_as_inputs(block: QuantumBlock) -> QuantumBlock:
    """The block with its weights moved behind its inputs: weight ``i`` becomes input
    ``n_in + i``, so each sample of a batch may carry its own weights."""
    c = block.circuit
    n_in = c.num_inputs

    def to_input(e: E.Expr) -> E.Expr | None:
        return E.Input(n_in + e.index) if isinstance(e, E.Weight) else None

    def sub(e: E.Expr) -> E.Expr:
        return E.substitute(e, to_input)

    ops = tuple(replace(op, params=tuple(sub(p) for p in op.params)) for op in c.ops)
    moved = tuple(
        ParamDecl(f"fast_{d.name}", d.shape, n_in + d.offset, span=d.span) for d in c.weights
    )
    circuit = replace(
        c, ops=ops, inputs=c.inputs + moved, weights=(), global_phase=sub(c.global_phase)
    )
    readout = replace(
        block.readout,
        observables=tuple(
            Observable(tuple(PauliTerm(sub(t.coeff), t.paulis) for t in o.terms), o.span)
            for o in block.readout.observables
        ),
    )
    return replace(block, circuit=circuit, readout=readout)


@dataclass(frozen=True, eq=False)
class FastWeightStage:
    """The cell over a window; parameters: ``theta_0``, then the programmer's two layers."""

    block: QuantumBlock  # the block as written (its weights are theta_0)
    quantum: QuantumStage  # the same block with the weights as per-sample inputs
    slow: tuple[DenseStage, DenseStage]
    features: int
    steps: int
    accumulate: bool

    @property
    def num_weights(self) -> int:
        return self.block.circuit.num_weights

    @property
    def num_inputs(self) -> int | None:
        """``steps * features``; ``None`` when the window length is taken from the data."""
        return self.steps * self.features if self.steps else None

    @property
    def num_outputs(self) -> int:
        return self.quantum.num_outputs

    @property
    def num_params(self) -> int:
        return self.num_weights + sum(s.num_params for s in self.slow)

    def trainable(self) -> np.ndarray:
        mask = np.ones(self.num_weights, dtype=bool)
        for d in self.block.circuit.weights:
            if d.frozen or self.block.frozen:
                mask[d.offset : d.offset + d.size] = False
        return np.concatenate([mask, *(s.trainable() for s in self.slow)])

    def init(self, rng: np.random.Generator) -> np.ndarray:
        parts = [init_decl(d, rng) for d in self.block.circuit.weights]
        return np.concatenate([*parts, *(s.init(rng) for s in self.slow)])

    def parameter_names(self) -> list[tuple[str, bool]]:
        """``(name, classical)``: theta_0 by the block's artifact names, then the
        programmer's layers as ``{block}_programmer{k}_w_{out}_{in}`` / ``_b_{out}``."""
        from qlang.targets.names import parameter_identifiers

        c = self.block.circuit
        out = [(n, False) for n in parameter_identifiers(c)[c.num_inputs :]]
        for k, s in enumerate(self.slow):
            prefix = f"{self.block.name}_programmer{k}"
            out += [(f"{prefix}_w_{o}_{j}", True) for o in range(s.outputs) for j in range(s.inputs)]
            out += [(f"{prefix}_b_{o}", True) for o in range(s.outputs)]
        return out

    def _split(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a = self.num_weights
        b = a + self.slow[0].num_params
        return p[:a], p[a:b], p[b:]

    def forward(self, X: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, Any]:
        theta0, p1, p2 = self._split(p)
        B, f = len(X), self.features
        if X.shape[1] % f or (self.steps and X.shape[1] != self.steps * f):
            fail(
                "QL0665",
                f"a window of {X.shape[1]} values is not {self.steps or 'k'} steps of {f} features",
            )
        theta = np.broadcast_to(theta0, (B, self.num_weights)).copy()
        y = np.zeros((B, self.num_outputs))
        caches = []
        for t in range(X.shape[1] // f):
            xt = X[:, t * f : (t + 1) * f]
            h, c1 = self.slow[0].forward(np.concatenate([xt, y], axis=1), p1)
            d, c2 = self.slow[1].forward(h, p2)
            theta = theta + d if self.accumulate else theta0 + d
            y, cq = self.quantum.forward(np.concatenate([xt, theta], axis=1), np.zeros(0))
            caches.append((c1, c2, cq))
        return y, caches

    def backward(self, caches: Any, p: np.ndarray, dY: np.ndarray) -> tuple[np.ndarray, Any]:
        theta0, p1, p2 = self._split(p)
        f, nw = self.features, self.num_weights
        B = len(dY)
        dX = np.zeros((B, len(caches) * f))
        g0, g1, g2 = np.zeros(nw), np.zeros(len(p1)), np.zeros(len(p2))
        dy = np.asarray(dY, dtype=float)
        carry = np.zeros((B, nw))  # d loss / d theta_t through theta_{t+1}
        for t in reversed(range(len(caches))):
            c1, c2, cq = caches[t]
            _, din = self.quantum.backward(cq, np.zeros(0), dy)
            dtheta = din[:, f:] + carry
            dp2, dh = self.slow[1].backward(c2, p2, dtheta)
            dp1, dz = self.slow[0].backward(c1, p1, dh)
            g1 += dp1
            g2 += dp2
            dX[:, t * f : (t + 1) * f] = din[:, :f] + dz[:, :f]
            dy = dz[:, f:]
            if self.accumulate:
                carry = dtheta
            else:
                g0 += dtheta.sum(axis=0)
        if self.accumulate:
            g0 += carry.sum(axis=0)
        return np.concatenate([g0, g1, g2]), dX


def fast_weight_stages(model: Model, values: dict[str, Any], ctx: Any) -> list[Any]:
    """``[FastWeightStage]`` for ``recurrent { cell = fast_weights(...), gates = [b] }``."""
    from qlang.train.build import quantum_function

    rec = model.recurrent
    assert rec is not None
    block = model.block(rec.block)
    if block is None:
        fail("QL0665", f"unknown gate block `{rec.block}`", rec.cell.span)
    nw, f = block.circuit.num_weights, block.circuit.num_inputs
    if nw == 0 or f == 0:
        fail(
            "QL0665",
            f"the fast-weight cell needs a block with inputs and weights; `{block.name}` has "
            f"{f} inputs and {nw} weights",
            rec.cell.span,
        )
    fast = weights_as_inputs(block)
    qf = quantum_function(fast, ctx.training, ctx.seeds, ctx.factory, ctx.model.target)
    qs = QuantumStage(fast, qf)
    hidden = int(values["hidden"])
    slow = (DenseStage(f + qs.num_outputs, hidden, "tanh"), DenseStage(hidden, nw, "linear"))
    return [FastWeightStage(block, qs, slow, f, rec.window or 0, bool(values["accumulate"]))]
