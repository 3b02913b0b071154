"""Seeded Monte-Carlo trajectories: noisy runs as batches of statevectors.

Each input row runs ``samples`` trajectories. After every gate, each channel picks one
Kraus operator per trajectory with probability ``||K psi||**2`` (read from the
trajectory's reduced density matrix on the channel's qubits, one contraction) and
applies ``K / sqrt(p)``; for mixed-unitary channels (depolarizing, Pauli, flips,
over-rotation) the probabilities do not depend on the state. The draws are one uniform
number per trajectory and channel step, taken from the seeded generator in program
order, so a run is reproducible, and the shifted circuits of a parameter-shift gradient
reuse the same draws (common random numbers: a lower-variance difference).

The mean over trajectories of each trajectory's exact readout estimates the
density-matrix value without bias; its standard error is reported.

Example::

    >>> import numpy as np
    >>> from qlang.ir.circuit import Circuit, Operation
    >>> from qlang.ir.noise import Channel, NoiseModel
    >>> from qlang.sim.noise import lower
    >>> c = Circuit(1, (Operation("x", (0,)),))
    >>> prog = TrajectoryProgram(lower(c, NoiseModel((Channel("bit_flip", (("p", 0.5),)),))))
    >>> psi = prog.run(np.zeros((1000, 0)), np.zeros(0), np.random.default_rng(1))
    >>> 0.45 < float(np.mean(np.abs(psi[:, 0]) ** 2)) < 0.55
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qlang.sim.density import slot_plan
from qlang.sim.engine import State, apply_block, canonical, reorder
from qlang.sim.gatelib import Param, gate_matrix
from qlang.sim.layout import trailing
from qlang.sim.noise import NoisyProgram
from qlang.sim.plan import Block
from qlang.sim.workspace import Workspace


class _Channel:
    """A channel step prepared for sampling."""

    def __init__(self, kraus: Sequence[np.ndarray]):
        self.kraus = np.stack(kraus)  # (m, d, d)
        d = self.kraus.shape[-1]
        gram = np.einsum("kji,kjl->kil", self.kraus.conj(), self.kraus)  # K^dagger K
        self.gram = gram
        scale = np.einsum("kii->k", gram).real / d
        self.mixed_unitary = bool(
            np.allclose(gram, scale[:, None, None] * np.eye(d)[None], atol=1e-12)
        )
        self.probs = scale  # state-independent probabilities (mixed-unitary channels)
        self.cumulative = np.cumsum(scale)


class TrajectoryProgram:
    """A noisy program run as trajectories (``run``: final statevectors of every row)."""

    def __init__(self, program: NoisyProgram, dtype: type = np.complex128) -> None:
        self.program = program
        self.n = program.circuit.num_qubits
        self.dtype = np.dtype(dtype)
        exprs: list = []
        self.steps: list[tuple] = []  # ("gate", op, slots, block) | ("channel", _Channel, block)
        for step in program.steps:
            block = Block(tuple(step.qubits), (), False, False)
            if step.op is not None:
                slots = tuple(range(len(exprs), len(exprs) + len(step.op.params)))
                exprs.extend(step.op.params)
                self.steps.append(("gate", step.op, slots, block))
            else:
                self.steps.append(("channel", _Channel(step.kraus), block))
        self.exprs = tuple(exprs)
        self.plan = slot_plan(self.exprs, self.n)
        self.evaluate = self.plan.evaluate
        self.workspace = Workspace()
        self.num_channels = sum(1 for s in self.steps if s[0] == "channel")

    def draws(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        """The uniform numbers of one run: ``(channel steps, rows)``."""
        return rng.random((self.num_channels, rows))

    def run(
        self,
        x: np.ndarray,
        w: np.ndarray,
        rng: np.random.Generator | None = None,
        values: Sequence[Param] | None = None,
        draws: np.ndarray | None = None,
    ) -> np.ndarray:
        """Final statevectors ``(rows, 2**n)`` of one trajectory per row of ``x``."""
        rows = x.shape[0]
        vals = self.evaluate(x, w) if values is None else values
        if draws is None:
            assert rng is not None
            draws = self.draws(rows, rng)
        data = self.workspace.take((rows, 2**self.n), self.dtype)
        data[:] = 0
        data[:, 0] = 1.0
        st = State(data, tuple(range(self.n - 1, -1, -1)), self.workspace)
        k = 0
        for step in self.steps:
            if step[0] == "gate":
                _, op, slots, block = step
                u = gate_matrix(op.name, [vals[s] for s in slots], len(op.qubits))
                st = apply_block(st, block, np.asarray(u).astype(self.dtype, copy=False))
                continue
            _, ch, block = step
            st = self._channel(st, ch, block, draws[k])
            k += 1
        return canonical(st)

    def _channel(self, st: State, ch: _Channel, block: Block, u: np.ndarray) -> State:
        rows = st.batch
        d = ch.kraus.shape[-1]
        if ch.mixed_unitary:
            choice = np.minimum(np.searchsorted(ch.cumulative, u * ch.cumulative[-1]), len(ch.probs) - 1)
            mats = ch.kraus / np.sqrt(np.maximum(ch.probs, 1e-300))[:, None, None]
            return apply_block(st, block, mats[choice].astype(self.dtype, copy=False))
        st = reorder(st, trailing(st.order, block.qubits))
        psi = st.data.reshape(rows, -1, d)
        local = np.matmul(np.swapaxes(psi, 1, 2), psi.conj())  # rho_loc[a, b]
        # p_k = Tr(K^dagger K rho_loc) per trajectory
        probs = np.einsum("kba,rab->rk", ch.gram, local).real
        probs = np.maximum(probs, 0.0)
        cum = np.cumsum(probs, axis=1)
        choice = np.minimum((cum < (u * cum[:, -1])[:, None]).sum(axis=1), len(ch.kraus) - 1)
        p = probs[np.arange(rows), choice]
        mats = ch.kraus[choice] / np.sqrt(np.maximum(p, 1e-300))[:, None, None]
        return apply_block(st, block, mats.astype(self.dtype, copy=False))
