"""Small-matrix algebra for fused blocks: block unitaries and their gradients.

A block's unitary ``V = G_m ... G_1`` acts on ``k`` local qubits (``d = 2**k``);
every gate ``G_l`` is scattered into a ``d x d`` matrix through index tables
precomputed once per block. Given the block's *environment*
``E[j, i] = sum_r psi_before[r, j] * conj(lam_after[r, i])`` (summed over the
other qubits, and over the batch for shared blocks), the derivative of
``Re <lam|V|psi>`` with respect to a gate angle is ``Re tr(dG_l F_l)`` with
``F_l = (G_{l-1}..G_1) E (G_m..G_{l+1})``; one backward sweep over the block's
gates yields all of them.

Example::

    >>> import numpy as np
    >>> from qlang.sim.plan import PERMUTATION_GATES, Block, GateRef
    >>> blk = Block((0,), (GateRef(0, "h", (0,), (), (0,)),), False, False)
    >>> np.allclose(block_matrix(blk, ()), [[1, 1], [1, -1]] / np.sqrt(2))
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from qlang.sim.gatelib import Param, gate_derivatives, gate_matrix, permute_bits
from qlang.sim.plan import PERMUTATION_GATES, Block, GateRef

#: Per-call memo of gate matrices: ``(op_index, "m" | "d") -> array(s)``.
Cache = dict


def gate_params(g: GateRef, values: Sequence[Param]) -> list[Param]:
    return [values[s] for s in g.slots]


def local_matrix(g: GateRef, values: Sequence[Param], cache: Cache | None = None) -> np.ndarray:
    key = (g.op_index, "m")
    if cache is not None and key in cache:
        return cache[key]
    m = gate_matrix(g.name, gate_params(g, values), len(g.qubits))
    if cache is not None:
        cache[key] = m
    return m


def local_derivatives(
    g: GateRef, values: Sequence[Param], cache: Cache | None = None
) -> list[np.ndarray]:
    key = (g.op_index, "d")
    if cache is not None and key in cache:
        return cache[key]
    ds = gate_derivatives(g.name, gate_params(g, values))
    if cache is not None:
        cache[key] = ds
    return ds


@lru_cache(maxsize=4096)
def _scatter(pos: tuple[int, ...], k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index tables placing a gate on local positions ``pos`` into a ``2**k`` matrix."""
    kg = len(pos)
    d, dg = 2**k, 2**kg
    rows, cols, src = [], [], []
    shifts = [k - 1 - p for p in pos]  # bit of local position p in the row index
    gate_mask = sum(1 << s for s in shifts)
    for r in range(d):
        a = 0
        for s in shifts:
            a = (a << 1) | ((r >> s) & 1)
        for a2 in range(dg):
            c = r & ~gate_mask
            for i, s in enumerate(shifts):
                c |= ((a2 >> (kg - 1 - i)) & 1) << s
            rows.append(r)
            cols.append(c)
            src.append(a * dg + a2)
    return np.array(rows), np.array(cols), np.array(src)


@lru_cache(maxsize=4096)
def _diag_scatter(pos: tuple[int, ...], k: int) -> np.ndarray:
    rows, cols, src = _scatter(pos, k)
    keep = rows == cols
    dg = 2 ** len(pos)
    return (src[keep] // dg)[np.argsort(rows[keep])]


def embed(m: np.ndarray, pos: tuple[int, ...], k: int) -> np.ndarray:
    """``m`` (``(..., dg, dg)``) as a ``(..., 2**k, 2**k)`` matrix acting on ``pos``."""
    if len(pos) == k and pos == tuple(range(k)):
        return m
    rows, cols, src = _scatter(pos, k)
    lead = m.shape[:-2]
    out = np.zeros(lead + (2**k, 2**k), dtype=complex)
    out[..., rows, cols] = m.reshape(lead + (-1,))[..., src]
    return out


def embed_diag(vec: np.ndarray, pos: tuple[int, ...], k: int) -> np.ndarray:
    """A gate diagonal ``(..., dg)`` expanded to ``(..., 2**k)``."""
    return vec[..., _diag_scatter(pos, k)]


def embedded_matrix(
    g: GateRef, values: Sequence[Param], k: int, cache: Cache | None = None
) -> np.ndarray:
    key = (g.op_index, "e")
    if cache is not None and key in cache:
        return cache[key]
    full = embed(local_matrix(g, values, cache), g.pos, k)
    if cache is not None:
        cache[key] = full
    return full


def prefill(blocks: Sequence[Block], values: Sequence[Param], cache: Cache) -> None:
    """Evaluate every shared parameterised gate of ``blocks`` with one call per gate kind.

    Fills ``cache`` with the gates' matrices and derivatives, so per-gate work in
    :func:`block_matrix` and :func:`block_gradients` reduces to look-ups.
    """
    groups: dict[str, list[GateRef]] = {}
    for blk in blocks:
        if blk.permutation:
            continue
        for g in blk.gates:
            if g.slots and all(not isinstance(values[s], np.ndarray) for s in g.slots):
                groups.setdefault(g.name, []).append(g)
    for name, gates in groups.items():
        params = np.array([[values[s] for s in g.slots] for g in gates], dtype=float)
        cols = [params[:, i] for i in range(params.shape[1])]
        mats = gate_matrix(name, cols)
        ders = gate_derivatives(name, cols)
        for i, g in enumerate(gates):
            cache[(g.op_index, "m")] = mats[i]
            cache[(g.op_index, "d")] = [d[i] for d in ders]


def _stack(block: Block, values: Sequence[Param], cache: Cache) -> np.ndarray:
    """All gates of a shared block embedded at once: ``(m, d, d)``."""
    key = ("stack", id(block))
    if key in cache:
        return cache[key]
    k = len(block.qubits)
    d = 2**k
    flat = np.concatenate([local_matrix(g, values, cache).reshape(-1) for g in block.gates])
    out = np.zeros(len(block.gates) * d * d, dtype=complex)
    dest, src = _stack_tables(block)
    out[dest] = flat[src]
    out = out.reshape(len(block.gates), d, d)
    cache[key] = out
    return out


@lru_cache(maxsize=1024)
def _stack_tables(block: Block) -> tuple[np.ndarray, np.ndarray]:
    k = len(block.qubits)
    d = 2**k
    dest, src = [], []
    offset = 0
    for i, g in enumerate(block.gates):
        rows, cols, s = _scatter(g.pos, k)
        dest.append(i * d * d + rows * d + cols)
        src.append(offset + s)
        offset += 4 ** len(g.pos)
    return np.concatenate(dest), np.concatenate(src)


def block_matrix(block: Block, values: Sequence[Param], cache: Cache | None = None) -> np.ndarray:
    """The block unitary, ``(d, d)`` or ``(batch, d, d)``."""
    key = ("block", id(block))
    if cache is not None and key in cache:
        return cache[key]
    if cache is not None and not block.batched and not block.diagonal:
        stack = _stack(block, values, cache)
        prod = stack[0]
        for full in stack[1:]:
            prod = full @ prod
        cache[key] = prod
        return prod
    k = len(block.qubits)
    v: np.ndarray | None = None
    for g in block.gates:
        full = embedded_matrix(g, values, k, cache)
        v = full if v is None else full @ v
    assert v is not None
    if cache is not None:
        cache[key] = v
    return v


def _is_permutation(name: str) -> bool:
    return name in PERMUTATION_GATES


def block_diagonal(block: Block, values: Sequence[Param], cache: Cache | None = None) -> np.ndarray:
    """The diagonal of a diagonal block, ``(d,)`` or ``(batch, d)``.

    Permutation gates inside (``cx ... cx`` around diagonal gates) are tracked as an
    index map; the block's total permutation is the identity by construction.
    """
    k = len(block.qubits)
    if all(len(g.qubits) <= 2 for g in block.gates):
        return _phase_polynomial(block, values, cache)
    v: np.ndarray = np.ones(2**k, dtype=complex)
    perm = np.arange(2**k)
    for g in block.gates:
        if _is_permutation(g.name):
            perm = permute_bits(g.name, tuple(k - 1 - p for p in g.pos), perm)
            continue
        m = local_matrix(g, values, cache)
        v = v * embed_diag(np.diagonal(m, axis1=-2, axis2=-1), g.pos, k)[..., perm]
    return v


def _phase_polynomial(block: Block, values: Sequence[Param], cache: Cache | None) -> np.ndarray:
    """A diagonal block of <= 2-qubit gates as ``exp(i (c0 + C @ S))``.

    Every diagonal gate's phase is a multilinear polynomial in the bits it reads
    (after the block's ``cx`` permutations), so the block's phases are one small
    matrix product of per-gate coefficients ``C`` and bit features ``S``.
    """
    k = len(block.qubits)
    perm = np.arange(2**k)
    const: Param = 0.0
    coefs: list[Param] = []
    feats: list[np.ndarray] = []
    for g in block.gates:
        if _is_permutation(g.name):
            perm = permute_bits(g.name, tuple(k - 1 - p for p in g.pos), perm)
            continue
        ph = np.angle(np.diagonal(local_matrix(g, values, cache), axis1=-2, axis2=-1))
        bits = [((perm >> (k - 1 - p)) & 1).astype(float) for p in g.pos]
        const = const + ph[..., 0]
        if len(bits) == 1:
            coefs.append(ph[..., 1] - ph[..., 0])
            feats.append(bits[0])
        else:  # index = 2 * first + second
            coefs += [
                ph[..., 2] - ph[..., 0],
                ph[..., 1] - ph[..., 0],
                ph[..., 3] - ph[..., 2] - ph[..., 1] + ph[..., 0],
            ]
            feats += [bits[0], bits[1], bits[0] * bits[1]]
    if not feats:
        return np.exp(1j * np.asarray(const))[..., None] * np.ones(2**k)
    lead = np.broadcast_shapes(*[np.shape(c) for c in coefs], np.shape(const))
    cmat = np.stack([np.broadcast_to(c, lead) for c in coefs], axis=-1)
    angles = np.asarray(const)[..., None] + cmat @ np.stack(feats)
    return np.exp(1j * angles)


def block_gradients(
    block: Block,
    values: Sequence[Param],
    v: np.ndarray,
    env: np.ndarray,
    cache: Cache | None = None,
) -> dict[int, np.ndarray]:
    """``{slot: 2 Re tr(dV/dslot E)}`` for a dense block (``env`` = ``E``)."""
    k = len(block.qubits)
    out: dict[int, np.ndarray] = {}
    f = v @ env
    if cache is not None and not block.batched and env.ndim == 2:
        return _shared_gradients(block, values, f, cache)
    for g in reversed(block.gates):
        full = embedded_matrix(g, values, k, cache)
        f = np.conj(np.swapaxes(full, -1, -2)) @ f
        if g.slots:
            ft = np.swapaxes(f, -1, -2)
            for slot, dm in zip(g.slots, local_derivatives(g, values, cache), strict=True):
                val = 2.0 * np.sum(embed(dm, g.pos, k) * ft, axis=(-2, -1)).real
                out[slot] = out[slot] + val if slot in out else val
        f = f @ full
    return out


def _shared_gradients(
    block: Block, values: Sequence[Param], f: np.ndarray, cache: Cache
) -> dict[int, np.ndarray]:
    """:func:`block_gradients` for a shared block and a batch-summed environment."""
    stack = _stack(block, values, cache)
    k = len(block.qubits)
    fs: list[np.ndarray] = []
    dms: list[np.ndarray] = []
    slots: list[int] = []
    for i in range(len(block.gates) - 1, -1, -1):
        g = block.gates[i]
        full = stack[i]
        f = full.conj().T @ f
        if g.slots:
            for slot, dm in zip(g.slots, local_derivatives(g, values, cache), strict=True):
                fs.append(f)
                dms.append(embed(dm, g.pos, k))
                slots.append(slot)
        f = f @ full
    if not slots:
        return {}
    vals = 2.0 * np.einsum("pab,pba->p", np.stack(dms), np.stack(fs)).real
    out: dict[int, np.ndarray] = {}
    for slot, val in zip(slots, vals, strict=True):
        out[slot] = out[slot] + val if slot in out else val
    return out


def diagonal_gradients(
    block: Block,
    values: Sequence[Param],
    v: np.ndarray,
    env_diag: np.ndarray,
    cache: Cache | None = None,
) -> dict[int, np.ndarray]:
    """Like :func:`block_gradients` for a diagonal block (``env_diag[i] = E[i, i]``)."""
    k = len(block.qubits)
    out: dict[int, np.ndarray] = {}
    weighted = v * env_diag
    perm = np.arange(2**k)
    for g in block.gates:
        if _is_permutation(g.name):
            perm = permute_bits(g.name, tuple(k - 1 - p for p in g.pos), perm)
            continue
        if not g.slots:
            continue
        m = np.diagonal(local_matrix(g, values, cache), axis1=-2, axis2=-1)
        for slot, dm in zip(g.slots, local_derivatives(g, values, cache), strict=True):
            ratio = np.diagonal(dm, axis1=-2, axis2=-1) * np.conj(m)
            ratio = embed_diag(ratio, g.pos, k)[..., perm]
            val = 2.0 * np.sum(ratio * weighted, axis=-1).real
            out[slot] = out[slot] + val if slot in out else val
    return out
