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
    >>> from qlang.sim.plan import compile_plan
    >>> plan = compile_plan(Circuit(2, (Operation("h", (0,)), Operation("cx", (0, 1)))))
    >>> st = run_forward(plan, plan.evaluate(np.zeros((1, 0)), np.zeros(0)), 1)
    >>> np.round(canonical(st), 3).tolist()
    [[(0.707+0j), 0j, 0j, (0.707+0j)]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import DTypeLike

from qlang.sim.blocks import (
    block_diagonal,
    block_gradients,
    block_matrix,
    diagonal_gradients,
    local_derivatives,
    local_matrix,
    prefill,
)
from qlang.sim.gatelib import Param, permute_bits
from qlang.sim.layout import layout_for, trailing
from qlang.sim.plan import Block, Plan
from qlang.sim.workspace import Workspace, take


@dataclass
class State:
    """A batch of states in a tracked qubit-axis order (mutable working buffer)."""

    data: np.ndarray  # (batch, 2**n)
    order: tuple[int, ...]
    #: where the operations on this state take their output buffers (None: fresh arrays)
    ws: Workspace | None = None

    @property
    def batch(self) -> int:
        return self.data.shape[0]


def zero_state(
    batch: int, n: int, dtype: DTypeLike = np.complex128, ws: Workspace | None = None
) -> State:
    data = np.zeros((batch, 2**n), dtype=dtype)
    data[:, 0] = 1.0
    return State(data, tuple(range(n - 1, -1, -1)), ws)


def reorder(state: State, order: tuple[int, ...]) -> State:
    """The same states with qubit axes in ``order`` (copies only if it differs)."""
    if order == state.order:
        return state
    n = len(order)
    b = state.batch
    axes = [0] + [1 + state.order.index(q) for q in order]
    t = state.data.reshape((b,) + (2,) * n).transpose(axes)
    out = take(state.ws, state.data.shape, state.data.dtype)
    np.copyto(out.reshape(t.shape), t)
    return State(out, order, state.ws)


def canonical(state: State) -> np.ndarray:
    """The states as ``(batch, 2**n)`` little-endian vectors (qubit i = bit i)."""
    n = len(state.order)
    return reorder(state, tuple(range(n - 1, -1, -1))).data


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


#: Row length (amplitudes) from which permutations gather row by row.
ROW_GATHER = 2**13


def apply_block(
    state: State, block: Block, mat: np.ndarray, adjoint: bool = False, stacked: bool = True
) -> State:
    """Apply a dense block matrix (or its adjoint) to every state of the batch."""
    d = block.dim
    mode, order = layout_for(state.order, block.qubits, stacked)
    st = reorder(state, order)
    m = mat.astype(st.data.dtype, copy=False)
    b = st.batch
    out = take(st.ws, st.data.shape, st.data.dtype)
    if mode == "stacked":
        left = np.conj(np.swapaxes(m, -1, -2)) if adjoint else m
        s = 2 ** (len(order) - order.index(block.qubits[0]) - len(block.qubits))
        if m.ndim == 2:
            np.matmul(left, st.data.reshape(-1, d, s), out=out.reshape(-1, d, s))
        else:
            np.matmul(left[:, None], st.data.reshape(b, -1, d, s), out=out.reshape(b, -1, d, s))
        return State(out, st.order, st.ws)
    # row-vector form: psi <- psi @ V^T  (adjoint: psi @ conj(V))
    right = np.conj(m) if adjoint else np.swapaxes(m, -1, -2)
    if m.ndim == 2:
        np.matmul(st.data.reshape(-1, d), right, out=out.reshape(-1, d))
    else:
        np.matmul(st.data.reshape(b, -1, d), right, out=out.reshape(b, -1, d))
    return State(out, st.order, st.ws)


def _to_canonical(m: np.ndarray, order: tuple[int, ...]) -> np.ndarray:
    n = len(order)
    out = np.zeros_like(m)
    for a, q in enumerate(order):
        out |= ((m >> (n - 1 - a)) & 1) << q
    return out


def _to_memory(c: np.ndarray, order: tuple[int, ...]) -> np.ndarray:
    n = len(order)
    out = np.zeros_like(c)
    for a, q in enumerate(order):
        out |= ((c >> q) & 1) << (n - 1 - a)
    return out


def permutation_source(
    block: Block, in_order: tuple[int, ...], out_order: tuple[int, ...], inverse: bool
) -> np.ndarray:
    """Gather table: ``out[:, m] = in[:, src[m]]`` for a permutation block."""
    n = len(in_order)
    c = _to_canonical(np.arange(2**n, dtype=np.int64), out_order)
    gates = block.gates if inverse else tuple(reversed(block.gates))
    for g in gates:  # psi_out[c] = psi_in[f^-1(c)]; every permutation gate is self-inverse
        c = permute_bits(g.name, g.qubits, c)
    return _to_memory(c, in_order).astype(np.intp)


def apply_permutation(
    state: State,
    block: Block,
    out_order: tuple[int, ...],
    inverse: bool = False,
    memo: dict | None = None,
) -> State:
    """Permute amplitudes (and re-lay out the axes) in one gather pass."""
    key = ("perm", id(block), state.order, out_order, inverse)
    src = memo.get(key) if memo is not None else None
    if src is None:
        src = permutation_source(block, state.order, out_order, inverse)
        if memo is not None:
            memo[key] = src
    out = take(state.ws, state.data.shape, state.data.dtype)
    if src.shape[0] >= ROW_GATHER:  # large rows: 1-d gathers are about twice as fast
        for row in range(state.batch):
            np.take(state.data[row], src, out=out[row])
    else:
        np.take(state.data, src, axis=1, out=out)
    return State(out, out_order, state.ws)


def apply_diagonal(state: State, block: Block, diag: np.ndarray, adjoint: bool = False) -> State:
    n = len(state.order)
    b = state.batch
    view = _diag_view(np.conj(diag) if adjoint else diag, block, state.order)
    out = take(state.ws, state.data.shape, state.data.dtype)
    shape = (b,) + (2,) * n
    np.multiply(
        state.data.reshape(shape), view.astype(state.data.dtype, copy=False), out=out.reshape(shape)
    )
    return State(out, state.order, state.ws)


def run_forward(
    plan: Plan,
    values: Sequence[Param],
    batch: int,
    dtype: DTypeLike = np.complex128,
    initial: State | None = None,
    cache: dict | None = None,
    ws: Workspace | None = None,
) -> State:
    """Apply every block of ``plan`` to ``|0...0>`` (or ``initial``); new states take their
    buffers from ``ws`` (an ``initial`` state keeps its own)."""
    cache = {} if cache is None else cache
    if ("prefilled",) not in cache:
        prefill(plan.prefix + plan.blocks, values, cache)
        cache[("prefilled",)] = True
    state = initial if initial is not None else None
    fresh = initial is None
    if state is None and plan.prefix:
        state = product_state(plan, values, batch, dtype, cache, ws)
        fresh = False
    elif state is None:
        state = zero_state(batch, plan.num_qubits, dtype, ws)
    elif plan.prefix:
        for block in plan.prefix:
            state = apply_block(state, block, block_matrix(block, values, cache))
    for block in plan.blocks:
        if block.permutation:
            state = apply_permutation(
                state, block, block.out_order or state.order, False, plan.memo
            )
            fresh = False
            continue
        if block.diagonal:
            if fresh:  # phases on |0...0> only change the global phase of each sample
                diag = block_diagonal(block, values, cache)
                phase = diag[..., 0] if diag.ndim == 2 else np.full(batch, diag[0])
                state = State(
                    state.data * phase[:, None].astype(state.data.dtype), state.order, state.ws
                )
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
    plan: Plan,
    values: Sequence[Param],
    batch: int,
    dtype: DTypeLike,
    cache: dict,
    ws: Workspace | None = None,
) -> State:
    """``|v_{n-1}> x ... x |v_0>`` built by batched outer products (canonical order)."""
    vecs = [v.astype(dtype) for v in prefix_vectors(plan, values, batch, cache)]
    n = plan.num_qubits

    def kron(qubits: range) -> np.ndarray:  # qubits in descending order
        data = np.ones((batch, 1), dtype=dtype)
        for q in qubits:
            data = (data[:, :, None] * vecs[q][:, None, :]).reshape(batch, -1)
        return data

    half = n // 2
    high, low = kron(range(n - 1, half - 1, -1)), kron(range(half - 1, -1, -1))
    out = take(ws, (batch, 2**n), dtype)
    np.multiply(high[:, :, None], low[:, None, :], out=out.reshape(batch, high.shape[1], -1))
    return State(out, tuple(range(n - 1, -1, -1)), ws)


def _contract(
    t: np.ndarray, vecs: dict[int, np.ndarray], axes: list[int], lead: bool
) -> np.ndarray:
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
    nus = {q: mus[q] for q in mus}  # nu[b, i] = <v_others x e_i | lam>
    return _run_gradients(active, values, nus, b, per_sample, cache)


def _run_gradients(
    runs: list[Block],
    values: Sequence[Param],
    nus: dict[int, np.ndarray],
    batch: int,
    per_sample: bool,
    cache: dict,
) -> dict[int, np.ndarray | float]:
    """Gradients of one-qubit runs on ``|0>``, all qubits vectorised together.

    For the run ``v = G_L..G_1 |0>`` of qubit ``q`` and ``nu_q`` from
    :func:`prefix_gradients`: ``d/dtheta = 2 Re conj(nu) . (G_L..dG_l..G_1 |0>)``.
    """
    length = max(len(r.gates) for r in runs)
    eye = np.eye(2, dtype=complex)
    mats = np.empty((length, len(runs), batch, 2, 2), dtype=complex)
    for j, run in enumerate(runs):
        for l_idx in range(length):
            if l_idx < len(run.gates):
                mats[l_idx, j] = local_matrix(run.gates[l_idx], values, cache)
            else:
                mats[l_idx, j] = eye
    s = np.zeros((len(runs), batch, 2), dtype=complex)
    s[..., 0] = 1.0
    before = []
    for l_idx in range(length):
        before.append(s)
        s = np.einsum("qbij,qbj->qbi", mats[l_idx], s)
    r = np.conj(np.stack([nus[run.qubits[0]] for run in runs]))  # bra rows
    grads: dict[int, np.ndarray | float] = {}
    for l_idx in range(length - 1, -1, -1):
        rows, slots, dms, batched = [], [], [], []
        for j, run in enumerate(runs):
            if l_idx >= len(run.gates) or not run.gates[l_idx].slots:
                continue
            g = run.gates[l_idx]
            for slot, dm in zip(g.slots, local_derivatives(g, values, cache), strict=True):
                rows.append(j)
                slots.append(slot)
                dms.append(np.broadcast_to(dm, (batch, 2, 2)))
                batched.append(run.batched)
        if slots:
            idx = np.array(rows)
            ds = np.einsum("sbij,sbj->sbi", np.stack(dms), before[l_idx][idx])
            vals = 2.0 * np.sum(r[idx] * ds, axis=2).real  # (slots, batch)
            for i, slot in enumerate(slots):
                val = vals[i] if per_sample or batched[i] else float(np.sum(vals[i]))
                grads[slot] = grads[slot] + val if slot in grads else val
        r = np.einsum("qbi,qbij->qbj", r, mats[l_idx])
    return grads


def _apply_to_zero(state: State, block: Block, mat: np.ndarray) -> State:
    """First dense block on ``c |0...0>``: write the first matrix column, no product."""
    order = trailing(state.order, block.qubits)
    b, d = state.batch, block.dim
    c = state.data[:, 0].copy()
    data = np.zeros_like(state.data)
    col = mat[..., :, 0]
    data.reshape(b, -1, d)[:, 0, :] = c[:, None] * (col if col.ndim == 2 else col[None, :])
    return State(data, order, state.ws)


def _environment(psi: State, lam: State, d: int, per_sample: bool) -> np.ndarray:
    """``E[j, i] = sum_r psi[r, j] conj(lam[r, i])`` per sample or summed (BLAS, no copies)."""
    from scipy.linalg import blas  # the reference engine only: keeps `import qlang.sim` light

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
    if ("prefilled",) not in cache:
        prefill(plan.prefix + plan.blocks, values, cache)
        cache[("prefilled",)] = True
    grads: dict[int, np.ndarray | float] = {}
    blocks = plan.blocks
    for index in range(len(blocks) - 1, -1, -1):
        block = blocks[index]
        sample_wise = per_sample or block.batched
        if block.permutation:
            prev = blocks[index - 1] if index else None
            target = psi.order
            if prev is not None and not prev.diagonal and not prev.permutation:
                target = trailing(psi.order, prev.qubits)
            psi = apply_permutation(psi, block, target, True, plan.memo)
            lam = apply_permutation(lam, block, target, True, plan.memo)
            continue
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
        if any(g.slots for g in block.gates):
            psi = apply_block(psi, block, mat, adjoint=True, stacked=False)
            lam = reorder(lam, psi.order)
            env = _environment(psi, lam, block.dim, sample_wise)
            _accumulate(grads, block_gradients(block, values, mat, env, cache))
            lam = apply_block(lam, block, mat, adjoint=True, stacked=False)
        else:
            psi = apply_block(psi, block, mat, adjoint=True)
            lam = apply_block(lam, block, mat, adjoint=True)
    _accumulate(grads, prefix_gradients(plan, values, lam, per_sample, cache))
    return grads


def _accumulate(into: dict, local: dict) -> None:
    for slot, val in local.items():
        into[slot] = into[slot] + val if slot in into else val
