"""Batched gate matrices and their parameter derivatives.

Every parameter is either a Python float (shared by the whole batch) or an
array of shape ``(batch,)``; the matrix then has shape ``(d, d)`` or
``(batch, d, d)``. Matrices use the gate-set convention of
:mod:`qlang.ir.gates`: the first qubit argument is the most significant bit.

Example::

    >>> import numpy as np
    >>> m = gate_matrix("ry", [np.array([0.0, np.pi])])
    >>> m.shape, np.round(m[1].real, 6).tolist()
    ((2, 2, 2), [[0.0, -1.0], [1.0, 0.0]])
    >>> [d.shape for d in gate_derivatives("u", [0.1, 0.2, 0.3])]
    [(2, 2), (2, 2), (2, 2)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

import numpy as np

from qlang.ir.gates import GATES, PAULI_MATRICES
from qlang.ir.gates import gate_matrix as _const_matrix

Param = float | np.ndarray

#: Gates of the form ``exp(-i theta/2 P)`` (two-term shift rule), by Pauli string.
GENERATOR_GATES: dict[str, str] = {
    name: gd.generator for name, gd in GATES.items() if gd.generator is not None
}
#: Controlled rotations: the core gate applied when the control is ``|1>``.
CONTROLLED_ROTATIONS: dict[str, str] = {"crx": "rx", "cry": "ry", "crz": "rz", "cp": "p"}


@cache
def _pauli(label: str) -> np.ndarray:
    out = np.ones((1, 1), dtype=complex)
    for ch in label:
        out = np.kron(out, PAULI_MATRICES[ch])
    return out


def _batch_shape(params: Sequence[Param]) -> tuple[int, ...]:
    for p in params:
        if isinstance(p, np.ndarray) and p.ndim == 1:
            return (p.shape[0],)
    return ()


def _as(p: Param, shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(np.asarray(p, dtype=float), shape)


@cache
def constant_matrix(name: str, num_qubits: int) -> np.ndarray:
    """The (cached, read-only) matrix of a parameter-free gate."""
    if GATES[name].num_qubits == 0:
        m = _const_matrix(name, num_qubits=num_qubits)
    else:
        m = _const_matrix(name)
    m = np.array(m, dtype=complex)
    m.setflags(write=False)
    return m


def _core(name: str, t: np.ndarray) -> np.ndarray:
    """Batched matrix of a one-parameter gate (``t`` of any shape)."""
    if name in GENERATOR_GATES:
        pauli = _pauli(GENERATOR_GATES[name])
        eye = np.eye(pauli.shape[0])
        c, s = np.cos(t / 2)[..., None, None], np.sin(t / 2)[..., None, None]
        return c * eye - 1j * s * pauli
    if name == "p":
        out = np.zeros(t.shape + (2, 2), dtype=complex)
        out[..., 0, 0] = 1.0
        out[..., 1, 1] = np.exp(1j * t)
        return out
    raise KeyError(name)


def _core_derivative(name: str, t: np.ndarray) -> np.ndarray:
    if name in GENERATOR_GATES:
        pauli = _pauli(GENERATOR_GATES[name])
        return -0.5j * (pauli @ _core(name, t))
    if name == "p":
        out = np.zeros(t.shape + (2, 2), dtype=complex)
        out[..., 1, 1] = 1j * np.exp(1j * t)
        return out
    raise KeyError(name)


def _controlled(core: np.ndarray, identity: bool) -> np.ndarray:
    out = np.zeros(core.shape[:-2] + (4, 4), dtype=complex)
    if identity:
        out[..., 0, 0] = out[..., 1, 1] = 1.0
    out[..., 2:, 2:] = core
    return out


def _u_parts(theta: np.ndarray, phi: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, ...]:
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return c, s, np.exp(1j * phi), np.exp(1j * lam)


def gate_matrix(name: str, params: Sequence[Param], num_qubits: int | None = None) -> np.ndarray:
    """The gate's matrix; batched when any parameter is an array."""
    gd = GATES[name]
    if gd.num_params == 0:
        return constant_matrix(name, num_qubits or gd.num_qubits)
    shape = _batch_shape(params)
    ts = [_as(p, shape) for p in params]
    if name in CONTROLLED_ROTATIONS:
        return _controlled(_core(CONTROLLED_ROTATIONS[name], ts[0]), identity=True)
    if name == "u":
        c, s, ep, el = _u_parts(*ts)
        out = np.empty(shape + (2, 2), dtype=complex)
        out[..., 0, 0], out[..., 0, 1] = c, -el * s
        out[..., 1, 0], out[..., 1, 1] = ep * s, ep * el * c
        return out
    return _core(name, ts[0])


def gate_derivatives(name: str, params: Sequence[Param]) -> list[np.ndarray]:
    """``d matrix / d param_k`` for every parameter ``k`` (same batching as the matrix)."""
    shape = _batch_shape(params)
    ts = [_as(p, shape) for p in params]
    if name in CONTROLLED_ROTATIONS:
        return [_controlled(_core_derivative(CONTROLLED_ROTATIONS[name], ts[0]), identity=False)]
    if name == "u":
        c, s, ep, el = _u_parts(*ts)
        dt = np.empty(shape + (2, 2), dtype=complex)
        dt[..., 0, 0], dt[..., 0, 1] = -s / 2, -el * c / 2
        dt[..., 1, 0], dt[..., 1, 1] = ep * c / 2, -ep * el * s / 2
        dp = np.zeros(shape + (2, 2), dtype=complex)
        dp[..., 1, 0], dp[..., 1, 1] = 1j * ep * s, 1j * ep * el * c
        dl = np.zeros(shape + (2, 2), dtype=complex)
        dl[..., 0, 1], dl[..., 1, 1] = -1j * el * s, 1j * ep * el * c
        return [dt, dp, dl]
    if GATES[name].num_params == 1:
        return [_core_derivative(name, ts[0])]
    raise KeyError(f"gate `{name}` has no parameters")


# --- parameter-shift rules -------------------------------------------------

_D_PLUS = (math.sqrt(2) + 1) / (4 * math.sqrt(2))
_D_MINUS = (math.sqrt(2) - 1) / (4 * math.sqrt(2))


def shift_rule(name: str) -> tuple[tuple[float, float], ...]:
    """``((coefficient, shift), ...)`` with ``df/dtheta = sum c * f(theta + s)``.

    Two-term rule for gates whose generator has two eigenvalues (rotations,
    ``p``, ``cp``, every ``u`` angle); four-term rule for ``crx``/``cry``/``crz``
    (generator eigenvalues ``0, +-1/2``).

    Example::

        >>> shift_rule("rx")
        ((0.5, 1.5707963267948966), (-0.5, -1.5707963267948966))
    """
    if name in ("crx", "cry", "crz"):
        h = math.pi / 2
        return ((_D_PLUS, h), (-_D_PLUS, -h), (-_D_MINUS, 3 * h), (_D_MINUS, -3 * h))
    if GATES[name].num_params == 0:
        raise KeyError(f"gate `{name}` has no parameters")
    return ((0.5, math.pi / 2), (-0.5, -math.pi / 2))


def permute_bits(name: str, qubits: tuple[int, ...], j: np.ndarray) -> np.ndarray:
    """Apply a basis-permutation gate to indices ``j`` (``qubits`` are bit numbers)."""
    if name == "x":
        return j ^ (1 << qubits[0])
    if name in ("cx", "ccx", "mcx"):
        ctrl = np.ones_like(j)
        for c in qubits[:-1]:
            ctrl &= j >> c
        return j ^ ((ctrl & 1) << qubits[-1])
    if name in ("swap", "cswap"):
        a, b = qubits[-2], qubits[-1]
        x = (j >> a) ^ (j >> b)
        for c in qubits[:-2]:
            x &= j >> c
        x &= 1
        return j ^ ((x << a) | (x << b))
    raise KeyError(name)
