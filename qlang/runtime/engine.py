"""The batched statevector engine: apply fused blocks, run the adjoint sweep.

The state of a batch is a C-contiguous array ``(batch, 2**n)`` whose qubit
axes are kept in a *tracked order* (``order[0]`` is the most significant
axis). A dense block is applied by moving its qubits to the trailing axes (one
copy, skipped when they are already there) and one matrix product over all
amplitudes (a single BLAS call for a shared block); the block's qubits then
stay trailing, so consecutive blocks on overlapping qubits move no data.
Diagonal blocks multiply by broadcast phases in whatever order the state is in.

Example::

    >>> import numpy as np
    >>> from qlang.ir.circuit import Circuit, Operation
    >>> from qlang.runtime.plan import compile_plan
    >>> plan = compile_plan(Circuit(2, (Operation("h", (0,)), Operation("cx", (0, 1)))))
    >>> st = run_forward(plan, plan.evaluate(np.zeros((1, 0)), np.zeros(0)), 1)
    >>> np.round(canonical(st), 3).tolist()
    [[(0.707+0j), 0j, 0j, (0.707+0j)]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import blas

from qlang.runtime.blocks import (
    block_diagonal,
    block_gradients,
    block_matrix,
    diagonal_gradients,
)
from qlang.runtime.gatelib import Param
from qlang.runtime.plan import Block, Plan


@dataclass
class State:
    """A batch of states in a tracked qubit-axis order (mutable working buffer)."""

    data: np.ndarray  # (batch, 2**n)
    order: tuple[int, ...]

    @property
    def batch(self) -> int:
        return self.data.shape[0]


def zero_state(batch: int, n: int, dtype: np.dtype | str = np.complex128) -> State:
    data = np.zeros((batch, 2**n), dtype=dtype)
    data[:, 0] = 1.0
    return State(data, tuple(range(n - 1, -1, -1)))


def reorder(state: State, order: tuple[int, ...]) -> State:
    """The same states with qubit axes in ``order`` (copies only if it differs)."""
    if order == state.order:
        return state
    n = len(order)
    b = state.batch
    axes = [0] + [1 + state.order.index(q) for q in order]
    t = state.data.reshape((b,) + (2,) * n).transpose(axes)
    return State(np.ascontiguousarray(t).reshape(b, -1), order)


def canonical(state: State) -> np.ndarray:
    """The states as ``(batch, 2**n)`` little-endian vectors (qubit i = bit i)."""
    n = len(state.order)
    return reorder(state, tuple(range(n - 1, -1, -1))).data


def _trailing(order: tuple[int, ...], qubits: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(q for q in order if q not in qubits) + qubits


def _diag_view(diag: np.ndarray, block: Block, order: tuple[int, ...]) -> np.ndarray:
    """Broadcast a block diagonal ``(..., d)`` against a state in ``order``."""
    k = len(block.qubits)
    lead = diag.shape[:-1]
    t = diag.reshape(lead + (2,) * k)
    present = [q for q in order if q in block.qubits]
    src = [len(lead) + block.qubits.index(q) for q in present]
    t = np.transpose(t, list(range(len(lead))) + src)
    shape = [2 if q in block.qubits else 1 for q in order]
    return t.reshape((lead[0] if lead else 1,) + tuple(shape))


def apply_block(state: State, block: Block, mat: np.ndarray, adjoint: bool = False) -> State:
    """Apply a dense block matrix (or its adjoint) to every state of the batch."""
    d = block.dim
    st = reorder(state, _trailing(state.order, block.qubits))
    m = mat.astype(st.data.dtype, copy=False)
    # row-vector form: psi <- psi @ V^T  (adjoint: psi @ conj(V))
    right = np.conj(m) if adjoint else np.swapaxes(m, -1, -2)
    b = st.batch
    if m.ndim == 2:
        out = st.data.reshape(-1, d) @ right
    else:
        out = np.matmul(st.data.reshape(b, -1, d), right)
    return State(out.reshape(b, -1), st.order)


def apply_diagonal(state: State, block: Block, diag: np.ndarray, adjoint: bool = False) -> State:
    n = len(state.order)
    b = state.batch
    view = _diag_view(np.conj(diag) if adjoint else diag, block, state.order)
    t = state.data.reshape((b,) + (2,) * n) * view.astype(state.data.dtype, copy=False)
    return State(t.reshape(b, -1), state.order)


def run_forward(
    plan: Plan,
    values: Sequence[Param],
    batch: int,
    dtype: np.dtype | str = np.complex128,
    initial: State | None = None,
    cache: dict | None = None,
) -> State:
    """Apply every block of ``plan`` to ``|0...0>`` (or ``initial``)."""
    cache = {} if cache is None else cache
    state = initial if initial is not None else None
    fresh = initial is None
    if state is None and plan.prefix:
        state = product_state(plan, values, batch, dtype, cache)
        fresh = False
    elif state is None:
        state = zero_state(batch, plan.num_qubits, dtype)
    elif plan.prefix:
        for block in plan.prefix:
            state = apply_block(state, block, block_matrix(block, values, cache))
    for block in plan.blocks:
        if block.diagonal:
            if fresh:  # phases on |0...0> only change the global phase of each sample
                diag = block_diagonal(block, values, cache)
                phase = diag[..., 0] if diag.ndim == 2 else np.full(batch, diag[0])
                state = State(state.data * phase[:, None].astype(state.data.dtype), state.order)
                continue
            state = apply_diagonal(state, block, block_diagonal(block, values, cache))
            continue
        mat = block_matrix(block, values, cache)
        if fresh:
            state = _apply_to_zero(state, block, mat)
            fresh = False
        else:
            state = apply_block(state, block, mat)
    return state


def prefix_vectors(
    plan: Plan, values: Sequence[Param], batch: int, cache: dict
) -> list[np.ndarray]:
    """Per-qubit states ``(batch, 2)`` of the product prefix, qubit 0 first."""
    vecs = [np.broadcast_to(np.array([1.0, 0.0], dtype=complex), (batch, 2))] * plan.num_qubits
    for block in plan.prefix:
        col = block_matrix(block, values, cache)[..., :, 0]
        vecs[block.qubits[0]] = np.broadcast_to(col, (batch, 2))
    return vecs


def product_state(
    plan: Plan, values: Sequence[Param], batch: int, dtype: np.dtype | str, cache: dict
) -> State:
    """``|v_{n-1}> x ... x |v_0>`` built by batched outer products (canonical order)."""
    vecs = prefix_vectors(plan, values, batch, cache)
    data = np.ones((batch, 1), dtype=dtype)
    for q in range(plan.num_qubits - 1, -1, -1):
        data = (data[:, :, None] * vecs[q][:, None, :].astype(dtype)).reshape(batch, -1)
    return State(data, tuple(range(plan.num_qubits - 1, -1, -1)))


def _contract(t: np.ndarray, vecs: dict[int, np.ndarray], axes: list[int], lead: bool) -> np.ndarray:
    """Contract axes of ``t`` (batch, 2, ..., 2) with per-qubit vectors, no transposes.

    ``axes`` lists the qubit of every tensor axis; ``lead`` contracts from the front.
    """
    b = t.shape[0]
    for q in axes if lead else reversed(axes):
        v = vecs[q]
        if lead:
            t = np.matmul(v[:, None, :], t.reshape(b, 2, -1)).reshape(b, -1)
        else:
            t = np.matmul(t.reshape(b, -1, 2), v[:, :, None]).reshape(b, -1)
    return t


def _marginals(
    t: np.ndarray, axes: list[int], vecs: dict[int, np.ndarray], out: dict[int, np.ndarray]
) -> None:
    """``out[q] = sum over other axes of t * prod conj-free vecs`` by halving recursion."""
    if len(axes) == 1:
        out[axes[0]] = t.reshape(t.shape[0], 2)
        return
    half = len(axes) // 2
    front, back = axes[:half], axes[half:]
    _marginals(_contract(t, vecs, back, lead=False), front, vecs, out)
    _marginals(_contract(t, vecs, front, lead=True), back, vecs, out)


def prefix_gradients(
    plan: Plan,
    values: Sequence[Param],
    lam: State,
    per_sample: bool,
    cache: dict,
) -> dict[int, np.ndarray | float]:
    """Gradients of the prefix angles from the cotangent state at the prefix boundary."""
    active = [blk for blk in plan.prefix if any(g.slots for g in blk.gates)]
    if not active:
        return {}
    b = lam.batch
    vecs = prefix_vectors(plan, values, b, cache)
    conj_vecs = {q: np.conj(vecs[q]).astype(lam.data.dtype) for q in range(plan.num_qubits)}
    mus: dict[int, np.ndarray] = {}
    if plan.num_qubits == 1:
        mus[lam.order[0]] = lam.data
    else:
        _marginals(lam.data, list(lam.order), conj_vecs, mus)
    grads: dict[int, np.ndarray | float] = {}
    for blk in active:
        mu = np.conj(mus[blk.qubits[0]])  # sum_r prod(v) conj(lam)[r, i]
        env = np.zeros((b, 2, 2), dtype=complex)
        env[:, 0, :] = mu
        sample_wise = per_sample or blk.batched
        e = env if sample_wise else env.sum(axis=0)
        mat = block_matrix(blk, values, cache)
        _accumulate(grads, block_gradients(blk, values, mat, e, cache))
    return grads


def _apply_to_zero(state: State, block: Block, mat: np.ndarray) -> State:
    """First dense block on ``c |0...0>``: write the first matrix column, no product."""
    order = _trailing(state.order, block.qubits)
    b, d = state.batch, block.dim
    c = state.data[:, 0].copy()
    data = np.zeros_like(state.data)
    col = mat[..., :, 0]
    data.reshape(b, -1, d)[:, 0, :] = c[:, None] * (col if col.ndim == 2 else col[None, :])
    return State(data, order)


def _environment(psi: State, lam: State, d: int, per_sample: bool) -> np.ndarray:
    """``E[j, i] = sum_r psi[r, j] conj(lam[r, i])`` per sample or summed (BLAS, no copies)."""
    gemm = blas.zgemm if psi.data.dtype == np.complex128 else blas.cgemm
    b = psi.batch
    if not per_sample:
        # Fortran-ordered (d, rows) views: E = psi^T conj(lam)
        c = gemm(1.0, psi.data.reshape(-1, d).T, lam.data.reshape(-1, d).T, trans_b=2)
        return np.asarray(c, dtype=complex)
    p3 = psi.data.reshape(b, -1, d)
    l3 = lam.data.reshape(b, -1, d)
    out = np.empty((b, d, d), dtype=complex)
    for i in range(b):
        out[i] = gemm(1.0, p3[i].T, l3[i].T, trans_b=2)
    return out


def _environment_diag(psi: State, lam: State, block: Block, per_sample: bool) -> np.ndarray:
    """``E[i, i]`` of a diagonal block, in the block's local order."""
    n = len(psi.order)
    b = psi.batch
    prod = (psi.data * np.conj(lam.data)).reshape((b,) + (2,) * n)
    other = tuple(1 + a for a, q in enumerate(psi.order) if q not in block.qubits)
    red = prod.sum(axis=other)  # (b, 2, ..., 2) in state order of the block's qubits
    present = [q for q in psi.order if q in block.qubits]
    red = np.transpose(red, [0] + [1 + present.index(q) for q in block.qubits])
    red = red.reshape(b, block.dim)
    return red if per_sample else red.sum(axis=0)


def run_adjoint(
    plan: Plan,
    values: Sequence[Param],
    psi: State,
    lam: State,
    per_sample: bool,
    cache: dict | None = None,
) -> dict[int, np.ndarray | float]:
    """Backward sweep: ``{slot: d Re<lam|U|0> / d angle}`` (times 2), per sample or summed.

    ``psi`` is the final state, ``lam`` the cotangent state ``sum_k c_k A_k psi``;
    both are consumed. A slot's gradient is summed over the batch unless
    ``per_sample`` or the slot's block is batched.
    """
    cache = {} if cache is None else cache
    grads: dict[int, np.ndarray | float] = {}
    for block in reversed(plan.blocks):
        sample_wise = per_sample or block.batched
        if block.diagonal:
            diag = block_diagonal(block, values, cache)
            psi = apply_diagonal(psi, block, diag, adjoint=True)
            lam = reorder(lam, psi.order)
            has_params = any(g.slots for g in block.gates)
            if has_params:
                env = _environment_diag(psi, lam, block, sample_wise)
                local = diagonal_gradients(block, values, diag, env, cache)
                _accumulate(grads, local)
            lam = apply_diagonal(lam, block, diag, adjoint=True)
            continue
        mat = block_matrix(block, values, cache)
        psi = apply_block(psi, block, mat, adjoint=True)
        lam = reorder(lam, psi.order)
        if any(g.slots for g in block.gates):
            env = _environment(psi, lam, block.dim, sample_wise)
            _accumulate(grads, block_gradients(block, values, mat, env, cache))
        lam = apply_block(lam, block, mat, adjoint=True)
    _accumulate(grads, prefix_gradients(plan, values, lam, per_sample, cache))
    return grads


def _accumulate(into: dict, local: dict) -> None:
    for slot, val in local.items():
        into[slot] = into[slot] + val if slot in into else val
