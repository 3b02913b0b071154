"""The batched density-matrix engine: noisy forward runs and exact adjoint gradients.

A batch of density matrices ``rho (B, 2**n, 2**n)`` is held as a batch of vectors
``vec(rho)`` of ``2n`` *labels* (row qubit ``q`` is label ``q + n``, column qubit ``q``
is label ``q``), so the statevector engine's block application (tracked axis order,
one matrix product per block, :func:`qlang.sim.engine.apply_block`) runs it unchanged:
a gate ``U`` becomes the superoperator ``U (x) conj(U)`` on its row and column labels,
a channel ``sum_k K rho K^dagger`` the superoperator ``sum_k K (x) conj(K)``.

The noisy program (:func:`qlang.sim.noise.lower`) is fused before it runs: the channels
after a gate, and every one-qubit step on a qubit, join the latest op on their qubits,
so a gate with its noise is one ``4**k x 4**k`` matrix product. Gradients are exact
(reverse mode): the cotangent ``Lambda`` (the Heisenberg-picture observable) is swept
back with the adjoint superoperators, and each op contributes ``Re <<Lambda|dS|rho>>``
through its local environment matrix. Channels are not invertible, so the forward
states are kept at checkpoints (about ``sqrt(ops)`` of them) and each segment is
recomputed once during the sweep.

Example::

    >>> import numpy as np
    >>> from qlang.ir.circuit import Circuit, Operation
    >>> from qlang.ir.noise import Channel, NoiseModel
    >>> from qlang.sim.noise import lower
    >>> c = Circuit(1, (Operation("x", (0,)),))
    >>> prog = DensityProgram(lower(c, NoiseModel((Channel("amplitude_damping", (("gamma", 0.25),)),))))
    >>> rho = prog.forward(np.zeros((1, 0)), np.zeros(0))
    >>> np.round(rho.reshape(2, 2).real, 3).tolist()
    [[0.25, 0.0], [0.0, 0.75]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from qlang.ir import expr as E
from qlang.ir.circuit import Operation
from qlang.sim.blocks import embed
from qlang.sim.compile_expr import compile_exprs
from qlang.sim.engine import State, apply_block, canonical, reorder
from qlang.sim.executor import PURE_PYTHON
from qlang.sim.gatelib import Param, gate_derivatives, gate_matrix
from qlang.sim.layout import trailing
from qlang.sim.noise import NoisyProgram, superop
from qlang.sim.plan import Block, Plan
from qlang.sim.workspace import Workspace

_compiled: ModuleType | None
try:
    from qlang.sim import _density as _compiled  # type: ignore[attr-defined,no-redef]
except ImportError:  # pragma: no cover - not built: the numpy kernels run
    _compiled = None


def bkron(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Kronecker product of two (possibly batched ``(B, d, d)``) matrices."""
    if a.ndim == 2 and b.ndim == 2:
        return np.kron(a, b)
    a3 = a if a.ndim == 3 else a[None]
    b3 = b if b.ndim == 3 else b[None]
    lead = max(a3.shape[0], b3.shape[0])
    da, db = a3.shape[-1], b3.shape[-1]
    out = np.einsum("bij,bkl->bikjl", np.broadcast_to(a3, (lead, da, da)),
                    np.broadcast_to(b3, (lead, db, db)))  # fmt: skip
    return out.reshape(lead, da * db, da * db)


def gate_superop(u: np.ndarray) -> np.ndarray:
    """``U (x) conj(U)``: ``vec(U rho U^dagger)``."""
    return bkron(u, np.conj(u))


@dataclass(frozen=True)
class Factor:
    """One step inside a fused op: a gate (``op`` with parameter ``slots``) or a constant
    superoperator ``matrix``; ``pos`` are its label positions in the op's local order."""

    pos: tuple[int, ...]
    op: Operation | None = None
    slots: tuple[int, ...] = ()
    matrix: np.ndarray | None = None


@dataclass
class FusedOp:
    """Gates and channels on ``qubits`` applied as one superoperator on ``labels``."""

    qubits: tuple[int, ...]
    factors: list[Factor] = field(default_factory=list)
    labels: tuple[int, ...] = ()
    block: Block | None = None

    @property
    def params(self) -> bool:
        return any(f.slots for f in self.factors)


def slot_plan(exprs: Sequence[E.Expr], n: int) -> Plan:
    """A plan-shaped view of gate-parameter slots, so :func:`qlang.sim.gradients.chain_rule`
    maps slot gradients to inputs and weights."""
    return Plan(
        num_qubits=n,
        blocks=(),
        prefix=(),
        exprs=tuple(exprs),
        slot_batched=tuple(any(isinstance(s, E.Input) for s in E.symbols(e)) for e in exprs),
        evaluate=compile_exprs(exprs),
        slot_symbols=tuple(
            tuple(sorted(E.symbols(e), key=lambda s: (isinstance(s, E.Weight), s.index)))
            for e in exprs
        ),
    )


def _positions(sub: Sequence[int], qubits: Sequence[int]) -> tuple[int, ...]:
    m = len(qubits)
    idx = [qubits.index(q) for q in sub]
    return tuple(idx) + tuple(m + i for i in idx)


def fuse(program: NoisyProgram, n: int) -> tuple[list[FusedOp], list[E.Expr]]:
    """Fuse the noisy program's steps into ops; return the ops and the slot expressions
    (one per gate parameter, in circuit order)."""
    exprs: list[E.Expr] = []
    ops: list[FusedOp | None] = []
    latest: dict[int, int] = {}
    for step in program.steps:
        qs = step.qubits
        if step.op is not None:
            slots = tuple(range(len(exprs), len(exprs) + len(step.op.params)))
            exprs.extend(step.op.params)
            item: tuple = (step.op, slots, None)
        else:
            item = (None, (), superop(step.kraus))
        target = None
        owners = {latest.get(q) for q in qs}
        if len(owners) == 1 and None not in owners:
            cand = ops[owners.pop()]  # type: ignore[index]
            if cand is not None and set(qs) <= set(cand.qubits):
                target = cand
        if target is None:
            # a new op; one-qubit ops that are the latest on its qubits move into it
            target = FusedOp(tuple(qs))
            for q in qs:
                j = latest.get(q)
                prev = ops[j] if j is not None else None
                if prev is not None and prev.qubits == (q,) and len(qs) > 1:
                    for f in prev.factors:
                        target.factors.append(Factor(_positions((q,), qs), f.op, f.slots, f.matrix))
                    ops[j] = None  # type: ignore[index]
            ops.append(target)
            for q in qs:
                latest[q] = len(ops) - 1
        op, slots, mat = item
        target.factors.append(Factor(_positions(qs, target.qubits), op, slots, mat))
    out = [o for o in ops if o is not None]
    for o in out:
        o.labels = tuple(q + n for q in o.qubits) + tuple(o.qubits)
        o.block = Block(o.labels, (), batched=False, diagonal=False)
    return out, exprs


def _embedded(f: Factor, values: Sequence[Param], k: int, derivative: int = -1) -> np.ndarray:
    """The factor's superoperator (or its derivative by its ``derivative``-th parameter)
    embedded into the op's ``k`` labels."""
    if f.op is None:
        assert f.matrix is not None
        return embed(f.matrix, f.pos, k)
    params = [values[s] for s in f.slots]
    u = gate_matrix(f.op.name, params, len(f.op.qubits))
    if derivative < 0:
        return embed(gate_superop(u), f.pos, k)
    du = gate_derivatives(f.op.name, params)[derivative]
    return embed(bkron(du, np.conj(u)) + bkron(u, np.conj(du)), f.pos, k)


def _mul(a: np.ndarray | None, b: np.ndarray) -> np.ndarray:
    """``b @ a`` (``a`` applied first); ``None`` is the identity."""
    return b if a is None else np.matmul(b, a)


class DensityProgram:
    """A fused noisy program of one circuit, run on batches of density matrices.

    ``forward`` returns ``vec(rho)`` ``(B, 4**n)``; ``adjoint`` sweeps a cotangent
    ``vec(Lambda)`` back and returns the slot gradients for :func:`chain_rule`.
    """

    def __init__(self, program: NoisyProgram, dtype: type = np.complex128) -> None:
        circuit = program.circuit
        self.program = program
        self.n = circuit.num_qubits
        self.dtype = np.dtype(dtype)
        self.ops, exprs = fuse(program, self.n)
        self.exprs = tuple(exprs)
        self.evaluate = compile_exprs(exprs)
        self.workspace = Workspace()
        self.plan = slot_plan(self.exprs, self.n)
        compiled = _compiled is not None and not PURE_PYTHON and self.dtype == np.complex128
        big = any(len(op.labels) > 6 for op in self.ops)
        kernels = CompiledKernels if compiled and not big else NumpyKernels
        self.kernels: Any = kernels(self.n, self.dtype, self.workspace)

    # --- matrices -----------------------------------------------------------------
    def matrix(self, op: FusedOp, values: Sequence[Param]) -> np.ndarray:
        k = len(op.labels)
        out: np.ndarray | None = None
        for f in op.factors:
            out = _mul(out, _embedded(f, values, k))
        assert out is not None
        return out

    def matrices(self, values: Sequence[Param]) -> list[np.ndarray]:
        """Every op's superoperator for ``values`` (``(d, d)`` or ``(B, d, d)``)."""
        return [self.matrix(op, values).astype(self.dtype, copy=False) for op in self.ops]

    def zero(self, batch: int) -> Any:
        return self.kernels.zero(batch)

    def run(self, state: Any, mats: Sequence[np.ndarray], start: int = 0, stop: int | None = None,
            keep: list | None = None) -> Any:  # fmt: skip
        """Apply ops ``start:stop`` to ``state``; ``keep`` collects each op's input state
        (each op then writes a new buffer, so the inputs stay as they were)."""
        k = self.kernels
        for op, mat in zip(self.ops[start:stop], mats[start:stop], strict=True):
            if keep is not None:
                keep.append(state)
                state = k.apply_new(state, op, mat)
            else:
                state = k.apply(state, op, mat)
        return state

    def values(self, x: np.ndarray, w: np.ndarray) -> tuple:
        return self.evaluate(x, w)

    def forward(self, x: np.ndarray, w: np.ndarray, values: Sequence[Param] | None = None) -> np.ndarray:
        """``vec(rho)`` of the final states, ``(B, 4**n)`` (row-major ``rho``)."""
        vals = self.values(x, w) if values is None else values
        st = self.run(self.zero(x.shape[0]), self.matrices(vals))
        return self.kernels.canonical(st)

    # --- reverse mode -------------------------------------------------------------------
    def _segments(self) -> list[int]:
        size = max(1, math.isqrt(max(len(self.ops), 1)))
        return list(range(0, len(self.ops), size)) + [len(self.ops)]

    def forward_checkpoints(self, batch: int, mats: Sequence[np.ndarray]) -> tuple[np.ndarray, list]:
        """The final ``vec(rho)`` and the state at the start of every segment of about
        ``sqrt(ops)`` ops (the op at a segment start writes a new buffer, so no copies)."""
        kern = self.kernels
        bounds = self._segments()
        st = self.zero(batch)
        checkpoints: list[Any] = []
        for a, b in zip(bounds, bounds[1:], strict=False):
            checkpoints.append(st)
            st = kern.apply_new(st, self.ops[a], mats[a])
            st = self.run(st, mats, a + 1, b)
        return kern.canonical(st), checkpoints

    def sweep(
        self,
        checkpoints: list,
        mats: Sequence[np.ndarray],
        lam: np.ndarray,
        vals: Sequence[Param],
        per_sample: bool,
    ) -> dict[int, np.ndarray]:
        """The reverse sweep from the cotangent ``vec(Lambda)`` (see :meth:`adjoint`)."""
        kern = self.kernels
        bounds = self._segments()
        lam_st = kern.from_canonical(np.ascontiguousarray(lam, dtype=self.dtype))
        grads: dict[int, np.ndarray] = {}
        for seg in range(len(bounds) - 2, -1, -1):
            a, b = bounds[seg], bounds[seg + 1]
            inputs: list[Any] = []
            self.run(checkpoints[seg], mats, a, b, keep=inputs)
            checkpoints[seg] = None
            for j in range(len(inputs) - 1, -1, -1):
                op = self.ops[a + j]
                if op.params:
                    env, lam_st = kern.env(inputs[j], lam_st, op)  # (B, d, d)
                    self._op_gradients(op, vals, env, grads)
                inputs[j] = None
                lam_st = kern.apply(lam_st, op, mats[a + j], adjoint=True)
        if not per_sample:
            return {k: v.sum(axis=0) for k, v in grads.items()}
        return grads

    def adjoint(
        self,
        x: np.ndarray,
        w: np.ndarray,
        lam: np.ndarray,
        per_sample: bool,
        values: Sequence[Param] | None = None,
    ) -> dict[int, np.ndarray]:
        """``{slot: d <<lam|rho>> / d angle}`` per sample ``(B,)`` (summed if not
        ``per_sample``): ``lam`` is ``vec(Lambda)`` of the cotangent observable."""
        vals = self.values(x, w) if values is None else values
        mats = self.matrices(vals)
        _, checkpoints = self.forward_checkpoints(x.shape[0], mats)
        return self.sweep(checkpoints, mats, lam, vals, per_sample)

    def _op_gradients(self, op: FusedOp, values: Sequence[Param], env: np.ndarray,
                      grads: dict[int, np.ndarray]) -> None:  # fmt: skip
        """``Re sum(dS * Env)`` for every parameter of the op (``S`` = product of factors)."""
        k = len(op.labels)
        mats = [_embedded(f, values, k) for f in op.factors]
        # prefix[i]: factors before i applied; suffix[i]: factors after i
        prefix: list[np.ndarray | None] = [None]
        for m in mats[:-1]:
            prefix.append(_mul(prefix[-1], m))
        suffix: list[np.ndarray | None] = [None] * len(mats)
        acc: np.ndarray | None = None
        for i in range(len(mats) - 1, -1, -1):
            suffix[i] = acc
            acc = mats[i] if acc is None else np.matmul(acc, mats[i])
        for i, f in enumerate(op.factors):
            if not f.slots:
                continue
            # sum_ab (Q dF P)_ab Env_ab = sum (dF * (Q^T Env P^T))
            local = env
            after, before = suffix[i], prefix[i]
            if after is not None:
                local = np.matmul(np.swapaxes(after, -1, -2), local)
            if before is not None:
                local = np.matmul(local, np.swapaxes(before, -1, -2))
            for d, slot in enumerate(f.slots):
                df = _embedded(f, values, k, derivative=d)
                g = np.sum(df * local, axis=(-1, -2)).real
                g = np.broadcast_to(g, (env.shape[0],))
                grads[slot] = grads[slot] + g if slot in grads else np.array(g)


class NumpyKernels:
    """The reference kernels: the statevector engine's block application on ``2n`` labels
    (tracked axis order, :func:`qlang.sim.engine.apply_block`)."""

    in_place = False

    def __init__(self, n: int, dtype: np.dtype, workspace: Workspace) -> None:
        self.n, self.dtype, self.ws = n, dtype, workspace

    def zero(self, batch: int) -> State:
        data = self.ws.take((batch, 4**self.n), self.dtype)
        data[:] = 0
        data[:, 0] = 1.0
        return State(data, tuple(range(2 * self.n - 1, -1, -1)), self.ws)

    def copy(self, st: State) -> State:
        return State(st.data.copy(), st.order, None)

    def apply(self, st: State, op: FusedOp, mat: np.ndarray, adjoint: bool = False) -> State:
        assert op.block is not None
        return apply_block(st, op.block, mat, adjoint=adjoint)

    apply_new = apply  # the engine never writes into its input

    def env(self, rho: State, lam: State, op: FusedOp) -> tuple[np.ndarray, State]:
        order = trailing(rho.order, op.labels)
        rho, lam = reorder(rho, order), reorder(lam, order)
        return _environment(rho, lam, 2 ** len(op.labels)), lam

    def canonical(self, st: State) -> np.ndarray:
        return canonical(st)

    def from_canonical(self, data: np.ndarray) -> State:
        return State(data, tuple(range(2 * self.n - 1, -1, -1)), self.ws)


class CompiledKernels:
    """The compiled kernels (``_density.c``): every op in place on the canonical layout
    (label ``l`` is bit ``l`` of the index), no axis reordering."""

    in_place = True

    def __init__(self, n: int, dtype: np.dtype, workspace: Workspace) -> None:
        self.n = n
        self._pos: dict[int, np.ndarray] = {}

    def _positions(self, op: FusedOp) -> np.ndarray:
        key = id(op)
        if key not in self._pos:
            self._pos[key] = np.asarray(op.labels, dtype=np.int64)
        return self._pos[key]

    @staticmethod
    def _threads(rows: int, size: int) -> int:
        from qlang.threads import threads

        return threads() if rows * size >= 2**16 else 1

    def zero(self, batch: int) -> np.ndarray:
        data = np.zeros((batch, 4**self.n), dtype=np.complex128)
        data[:, 0] = 1.0
        return data

    def copy(self, st: np.ndarray) -> np.ndarray:
        return st.copy()

    def apply(self, st: np.ndarray, op: FusedOp, mat: np.ndarray, adjoint: bool = False) -> np.ndarray:
        m = np.conj(np.swapaxes(mat, -1, -2)) if adjoint else mat
        m = np.ascontiguousarray(m if m.ndim == 3 else m[None], dtype=np.complex128)
        assert _compiled is not None
        _compiled.apply(st, m, self._positions(op), self._threads(*st.shape))
        return st

    def apply_new(self, st: np.ndarray, op: FusedOp, mat: np.ndarray) -> np.ndarray:
        """The op applied into a new buffer (``st`` unchanged): one pass, no copy."""
        m = np.ascontiguousarray(mat if mat.ndim == 3 else mat[None], dtype=np.complex128)
        out = np.empty_like(st)
        assert _compiled is not None
        _compiled.apply(st, m, self._positions(op), self._threads(*st.shape), out)
        return out

    def env(self, rho: np.ndarray, lam: np.ndarray, op: FusedOp) -> tuple[np.ndarray, np.ndarray]:
        d = 2 ** len(op.labels)
        out = np.empty((rho.shape[0], d, d), dtype=np.complex128)
        assert _compiled is not None
        _compiled.env(rho, lam, self._positions(op), out, self._threads(*rho.shape))
        return out, lam

    def canonical(self, st: np.ndarray) -> np.ndarray:
        return st

    def from_canonical(self, data: np.ndarray) -> np.ndarray:
        return data.copy()  # swept in place: the caller's array stays as it was


def _environment(rho: State, lam: State, d: int) -> np.ndarray:
    """``Env[a, b] = sum_r conj(lam[r, a]) rho[r, b]`` per sample, ops' labels trailing."""
    b = rho.batch
    r3 = rho.data.reshape(b, -1, d)
    l3 = lam.data.reshape(b, -1, d)
    return np.matmul(np.conj(np.swapaxes(l3, 1, 2)), r3)


def dm_bytes(n: int, dtype: type = np.complex128) -> int:
    """Bytes of one density matrix."""
    return int(4**n * np.dtype(dtype).itemsize)

