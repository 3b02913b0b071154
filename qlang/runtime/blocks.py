"""Small-matrix algebra for fused blocks: block unitaries and their gradients.

A block's unitary ``V = G_m ... G_1`` acts on ``k`` local qubits (``d = 2**k``);
every gate ``G_l`` is embedded on its local positions. Given the block's
*environment* ``E[j, i] = sum_r psi_before[r, j] * conj(lam_after[r, i])``
(summed over the other qubits, and over the batch for shared blocks), the
derivative of ``Re <lam|V|psi>`` with respect to any gate angle is
``Re tr(dG_l F_l)`` with ``F_l = (G_{l-1}..G_1) E (G_m..G_{l+1})``; all of these
are obtained in one backward sweep over the block's gates.

Example::

    >>> import numpy as np
    >>> from qlang.runtime.plan import Block, GateRef
    >>> blk = Block((0,), (GateRef(0, "h", (0,), (), (0,)),), False, False)
    >>> np.allclose(block_matrix(blk, ()), [[1, 1], [1, -1]] / np.sqrt(2))
    True
"""

from __future__ import annotations

import string
from collections.abc import Sequence

import numpy as np

from qlang.ir.gates import GATES
from qlang.runtime.gatelib import Param, gate_derivatives, gate_matrix
from qlang.runtime.plan import Block, GateRef

_ROW = string.ascii_lowercase
_OUT = string.ascii_uppercase


def gate_params(g: GateRef, values: Sequence[Param]) -> list[Param]:
    return [values[s] for s in g.slots]


def local_matrix(g: GateRef, values: Sequence[Param]) -> np.ndarray:
    return gate_matrix(g.name, gate_params(g, values), len(g.qubits))


def apply_rows(m: np.ndarray, g: np.ndarray, pos: tuple[int, ...], k: int) -> np.ndarray:
    """``(g embedded on pos) @ m`` for ``m`` of shape ``(..., 2**k, c)``."""
    kg = len(pos)
    lead = m.shape[:-2]
    t = m.reshape(lead + (2,) * k + (m.shape[-1],))
    gt = g.reshape(g.shape[:-2] + (2,) * (2 * kg))
    rows = _ROW[:k]
    gin = "".join(rows[p] for p in pos)
    gout = _OUT[:kg]
    out_rows = list(rows)
    for p, letter in zip(pos, gout, strict=True):
        out_rows[p] = letter
    sub = f"...{gout}{gin},...{rows}z->...{''.join(out_rows)}z"
    res = np.einsum(sub, gt, t)
    return res.reshape(res.shape[: res.ndim - k - 1] + (2**k, m.shape[-1]))


def apply_cols(m: np.ndarray, g: np.ndarray, pos: tuple[int, ...], k: int) -> np.ndarray:
    """``m @ (g embedded on pos)``."""
    mt = np.swapaxes(m, -1, -2)
    return np.swapaxes(apply_rows(mt, np.swapaxes(g, -1, -2), pos, k), -1, -2)


def block_matrix(block: Block, values: Sequence[Param]) -> np.ndarray:
    """The block unitary, ``(d, d)`` or ``(batch, d, d)``."""
    k = len(block.qubits)
    v: np.ndarray = np.eye(2**k, dtype=complex)
    for g in block.gates:
        v = apply_rows(v, local_matrix(g, values), g.pos, k)
    return v


def _diag_embed(vec: np.ndarray, pos: tuple[int, ...], k: int) -> np.ndarray:
    """A gate diagonal ``(..., 2**kg)`` expanded to ``(..., 2**k)`` on positions ``pos``."""
    kg = len(pos)
    lead = vec.shape[:-1]
    t = vec.reshape(lead + (2,) * kg)
    # order gate axes by local position, then insert singleton axes for the others
    ordering = sorted(range(kg), key=lambda a: pos[a])
    t = np.moveaxis(t, [len(lead) + a for a in ordering], list(range(len(lead), len(lead) + kg)))
    shape = list(lead) + [2 if p in pos else 1 for p in range(k)]
    return np.broadcast_to(t.reshape(shape), lead + (2,) * k).reshape(lead + (2**k,))


def block_diagonal(block: Block, values: Sequence[Param]) -> np.ndarray:
    """The diagonal of a diagonal block, ``(d,)`` or ``(batch, d)``."""
    k = len(block.qubits)
    v: np.ndarray = np.ones(2**k, dtype=complex)
    for g in block.gates:
        m = local_matrix(g, values)
        v = v * _diag_embed(np.diagonal(m, axis1=-2, axis2=-1), g.pos, k)
    return v


def _reduced(f: np.ndarray, pos: tuple[int, ...], k: int) -> np.ndarray:
    """Partial trace of ``f`` (..., d, d) over the local qubits not in ``pos``."""
    lead = f.shape[:-2]
    t = f.reshape(lead + (2,) * (2 * k))
    rows = list(_ROW[:k])
    cols = list(_OUT[:k])
    for p in range(k):
        if p not in pos:
            cols[p] = rows[p]
    out_r = "".join(rows[p] for p in pos)
    out_c = "".join(cols[p] for p in pos)
    red = np.einsum(f"...{''.join(rows)}{''.join(cols)}->...{out_r}{out_c}", t)
    dg = 2 ** len(pos)
    return red.reshape(lead + (dg, dg))


def block_gradients(
    block: Block, values: Sequence[Param], v: np.ndarray, env: np.ndarray
) -> dict[int, np.ndarray]:
    """``{slot: 2 Re tr(dV/dslot E)}`` for a dense block (``env`` = ``E``)."""
    k = len(block.qubits)
    out: dict[int, np.ndarray] = {}
    f = v @ env
    mats = [local_matrix(g, values) for g in block.gates]
    for g, m in zip(reversed(block.gates), reversed(mats), strict=True):
        f = apply_rows(f, np.conj(np.swapaxes(m, -1, -2)), g.pos, k)
        if g.slots:
            red = _reduced(f, g.pos, k)
            for slot, dm in zip(
                g.slots, gate_derivatives(g.name, gate_params(g, values)), strict=True
            ):
                val = 2.0 * np.einsum("...ab,...ba->...", dm, red).real
                out[slot] = out.get(slot, 0.0) + val
        f = apply_cols(f, m, g.pos, k)
    return out


def diagonal_gradients(
    block: Block, values: Sequence[Param], v: np.ndarray, env_diag: np.ndarray
) -> dict[int, np.ndarray]:
    """Like :func:`block_gradients` for a diagonal block (``env_diag[i] = E[i, i]``)."""
    k = len(block.qubits)
    out: dict[int, np.ndarray] = {}
    weighted = v * env_diag
    for g in block.gates:
        if not g.slots:
            continue
        params = gate_params(g, values)
        m = np.diagonal(local_matrix(g, values), axis1=-2, axis2=-1)
        for slot, dm in zip(g.slots, gate_derivatives(g.name, params), strict=True):
            ratio = _diag_embed(np.diagonal(dm, axis1=-2, axis2=-1) * np.conj(m), g.pos, k)
            out[slot] = out.get(slot, 0.0) + 2.0 * np.sum(ratio * weighted, axis=-1).real
    return out


def is_diagonal_gate(name: str) -> bool:
    return GATES[name].diagonal
