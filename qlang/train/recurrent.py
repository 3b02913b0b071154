"""A QLSTM-style recurrent cell: a quantum block computes the LSTM gates over a window.

``recurrent { cell = lstm(hidden = H), gates = [b], window = T }`` reads each input row
as ``T`` time steps of ``f`` features, where block ``b`` takes ``H + f`` inputs. At
step ``t`` the block gets ``v_t = [h_{t-1}, x_t]``; its outputs go through a trainable
linear map to the four gates ``f, i, o, g``::

    c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
    h_t = sigmoid(o) * tanh(c_t)

and the model's ``layers`` (default: one linear output) map ``h_T`` to the outputs.
Unlike Chen et al. (2020), who use one circuit per gate, one circuit is shared by the
four gates; backpropagation through time uses the block's VJP w.r.t. its inputs.

Example::

    >>> from qlang.train.layers import DenseStage
    >>> DenseStage(2, 4 * 3).num_params      # the gate map for 2 circuit outputs, H = 3
    36
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qlang.ir.model import Model
from qlang.train.build import quantum_function
from qlang.train.errors import fail
from qlang.train.layers import DenseStage, QuantumStage


def _sig(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True, eq=False)
class QLSTMStage:
    quantum: QuantumStage
    gates: DenseStage
    hidden: int
    features: int
    steps: int

    @property
    def num_inputs(self) -> int | None:
        """``steps * features``; ``None`` when the window length is taken from the data."""
        return self.steps * self.features if self.steps else None

    @property
    def num_outputs(self) -> int:
        return self.hidden

    @property
    def num_params(self) -> int:
        return self.quantum.num_params + self.gates.num_params

    def trainable(self) -> np.ndarray:
        return np.concatenate([self.quantum.trainable(), self.gates.trainable()])

    def init(self, rng: np.random.Generator) -> np.ndarray:
        return np.concatenate([self.quantum.init(rng), self.gates.init(rng)])

    def _split(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = self.quantum.num_params
        return p[:k], p[k:]

    def forward(self, X: np.ndarray, p: np.ndarray):
        pq, pg = self._split(p)
        B, H, f = len(X), self.hidden, self.features
        h, c = np.zeros((B, H)), np.zeros((B, H))
        caches = []
        if X.shape[1] % f or (self.steps and X.shape[1] != self.steps * f):
            fail(
                "QL0665",
                f"a window of {X.shape[1]} values is not {self.steps or 'k'} steps of {f} features",
            )
        for t in range(X.shape[1] // f):
            v = np.concatenate([h, X[:, t * f : (t + 1) * f]], axis=1)
            q, qc = self.quantum.forward(v, pq)
            z, gc = self.gates.forward(q, pg)
            fg, ig, og = _sig(z[:, :H]), _sig(z[:, H : 2 * H]), _sig(z[:, 2 * H : 3 * H])
            gg = np.tanh(z[:, 3 * H :])
            c_new = fg * c + ig * gg
            tc = np.tanh(c_new)
            caches.append((qc, gc, c, fg, ig, og, gg, tc))
            h, c = og * tc, c_new
        return h, caches

    def backward(self, caches, p: np.ndarray, dh: np.ndarray):
        pq, pg = self._split(p)
        H, f = self.hidden, self.features
        B = len(dh)
        dX = np.zeros((B, len(caches) * f))
        gq, gg_tot = np.zeros(len(pq)), np.zeros(len(pg))
        dc = np.zeros((B, H))
        for t in reversed(range(len(caches))):
            qc, gc, c_prev, fg, ig, og, gg, tc = caches[t]
            do = dh * tc
            dc = dc + dh * og * (1 - tc**2)
            dz = np.concatenate(
                [
                    dc * c_prev * fg * (1 - fg),
                    dc * gg * ig * (1 - ig),
                    do * og * (1 - og),
                    dc * ig * (1 - gg**2),
                ],
                axis=1,
            )
            dpg, dq = self.gates.backward(gc, pg, dz)
            dpq, dv = self.quantum.backward(qc, pq, dq)
            gg_tot += dpg
            gq += dpq
            dh = dv[:, :H]
            dX[:, t * f : (t + 1) * f] = dv[:, H:]
            dc = dc * fg
        return np.concatenate([gq, gg_tot]), dX


def lstm_stages(model: Model, values: dict[str, Any], ctx: Any) -> list[Any]:
    """``[QLSTMStage]`` for ``recurrent { cell = lstm(hidden = H), gates = [b] }``: block
    ``b`` takes ``H + f`` inputs (``f`` features per step); ``window`` steps per sample."""
    rec = model.recurrent
    assert rec is not None
    block = model.block(rec.block)
    if block is None:
        fail("QL0665", f"unknown gate block `{rec.block}`", rec.cell.span)
    hidden = int(values["hidden"])
    features = block.circuit.num_inputs - hidden
    if features < 1:
        fail(
            "QL0665",
            f"the QLSTM cell feeds {hidden} hidden values plus at least one feature per step "
            f"to the circuit, which takes {block.circuit.num_inputs} inputs",
            rec.cell.span,
            help=f"declare `input v: float[{hidden + 1}]` or lower `hidden`",
        )
    qs = QuantumStage(block, quantum_function(block, ctx.training, ctx.seeds, ctx.factory, ctx.model.target))
    gates = DenseStage(qs.num_outputs, 4 * hidden, "linear")
    return [QLSTMStage(qs, gates, hidden, features, rec.window or 0)]
