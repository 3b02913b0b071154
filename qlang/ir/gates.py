"""The gate set of the circuit IR.

Every gate the language knows is described once here: arity, number of
angle parameters, its unitary, whether it is diagonal, and how to invert it.
Matrices use the *first qubit argument as the most significant bit* (the
textbook order, as in OpenQASM: ``cx a, b`` has control ``a``). State vectors
in the simulator are little-endian (qubit ``i`` is bit ``i`` of the index),
as in Qiskit.

Example::

    >>> GATES["cx"].num_qubits, GATES["rz"].num_params, GATES["rz"].diagonal
    (2, 1, True)
    >>> import numpy as np
    >>> np.allclose(gate_matrix("h") @ gate_matrix("h"), np.eye(2))
    True
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Matrix = np.ndarray


@dataclass(frozen=True, slots=True)
class GateDef:
    """Static facts about one gate.

    ``inverse`` maps parameter values (or expressions) to ``(name, params)`` of
    the inverse gate. ``generator`` is set for gates of the form
    ``exp(-i * theta/2 * P)`` with ``P**2 == I`` (the two-term shift rule holds).
    ``num_qubits == 0`` marks variadic gates (``mcx``).
    """

    name: str
    num_qubits: int
    num_params: int
    matrix: Callable[..., Matrix]
    diagonal: bool = False
    self_inverse: bool = False
    inverse: Callable[[tuple], tuple[str, tuple]] | None = None
    generator: str | None = None
    symmetric: bool = False  # qubit order does not matter (cz, swap, rzz, ...)
    clifford: bool = False


_I2 = np.eye(2, dtype=complex)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_Z = np.array([[1, 0], [0, -1]], dtype=complex)
_H = np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2)
_S = np.diag([1, 1j]).astype(complex)
_T = np.diag([1, cmath.exp(1j * math.pi / 4)]).astype(complex)
_SX = 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]], dtype=complex)


def _rx(t: float) -> Matrix:
    c, s = math.cos(t / 2), math.sin(t / 2)
    return np.array([[c, -1j * s], [-1j * s, c]], dtype=complex)


def _ry(t: float) -> Matrix:
    c, s = math.cos(t / 2), math.sin(t / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def _rz(t: float) -> Matrix:
    return np.diag([cmath.exp(-0.5j * t), cmath.exp(0.5j * t)])


def _p(t: float) -> Matrix:
    return np.diag([1, cmath.exp(1j * t)]).astype(complex)


def _u(theta: float, phi: float, lam: float) -> Matrix:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array(
        [
            [c, -cmath.exp(1j * lam) * s],
            [cmath.exp(1j * phi) * s, cmath.exp(1j * (phi + lam)) * c],
        ],
        dtype=complex,
    )


def controlled(u: Matrix, num_controls: int = 1) -> Matrix:
    """The matrix of ``u`` controlled on the leading ``num_controls`` qubits (all |1>)."""
    d = u.shape[0]
    full = np.eye(d * 2**num_controls, dtype=complex)
    full[-d:, -d:] = u
    return full


def _pauli_rot(p: Matrix) -> Callable[[float], Matrix]:
    def rot(t: float) -> Matrix:
        return math.cos(t / 2) * np.eye(p.shape[0], dtype=complex) - 1j * math.sin(t / 2) * p

    return rot


_XX, _YY, _ZZ, _ZX = np.kron(_X, _X), np.kron(_Y, _Y), np.kron(_Z, _Z), np.kron(_Z, _X)
_SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex)
_ISWAP = np.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]], dtype=complex)
# ECR in first-argument-most-significant order (Qiskit documents it little-endian).
_ECR = np.array(
    [[0, 0, 1, 1j], [0, 0, 1j, 1], [1, -1j, 0, 0], [-1j, 1, 0, 0]], dtype=complex
) / math.sqrt(2)


def _const(m: Matrix) -> Callable[[], Matrix]:
    return lambda: m


def _neg_params(name: str) -> Callable[[tuple], tuple[str, tuple]]:
    return lambda ps: (name, tuple(-p for p in ps))


def _named(name: str) -> Callable[[tuple], tuple[str, tuple]]:
    return lambda ps: (name, ())


def _mcx_matrix(num_qubits: int) -> Matrix:
    return controlled(_X, num_qubits - 1)


def _gate_list() -> list[GateDef]:
    g = GateDef
    return [
        g("id", 1, 0, _const(_I2), diagonal=True, self_inverse=True, clifford=True),
        g("h", 1, 0, _const(_H), self_inverse=True, clifford=True),
        g("x", 1, 0, _const(_X), self_inverse=True, clifford=True),
        g("y", 1, 0, _const(_Y), self_inverse=True, clifford=True),
        g("z", 1, 0, _const(_Z), diagonal=True, self_inverse=True, clifford=True),
        g("s", 1, 0, _const(_S), diagonal=True, inverse=_named("sdg"), clifford=True),
        g("sdg", 1, 0, _const(_S.conj().T), diagonal=True, inverse=_named("s"), clifford=True),
        g("t", 1, 0, _const(_T), diagonal=True, inverse=_named("tdg")),
        g("tdg", 1, 0, _const(_T.conj().T), diagonal=True, inverse=_named("t")),
        g("sx", 1, 0, _const(_SX), inverse=_named("sxdg"), clifford=True),
        g("sxdg", 1, 0, _const(_SX.conj().T), inverse=_named("sx"), clifford=True),
        g("rx", 1, 1, _rx, inverse=_neg_params("rx"), generator="X"),
        g("ry", 1, 1, _ry, inverse=_neg_params("ry"), generator="Y"),
        g("rz", 1, 1, _rz, diagonal=True, inverse=_neg_params("rz"), generator="Z"),
        g("p", 1, 1, _p, diagonal=True, inverse=_neg_params("p")),
        g("u", 1, 3, _u, inverse=lambda ps: ("u", (-ps[0], -ps[2], -ps[1]))),
        g("cx", 2, 0, _const(controlled(_X)), self_inverse=True, clifford=True),
        g("cy", 2, 0, _const(controlled(_Y)), self_inverse=True, clifford=True),
        g("cz", 2, 0, _const(controlled(_Z)), diagonal=True, self_inverse=True, symmetric=True,
          clifford=True),
        g("ch", 2, 0, _const(controlled(_H)), self_inverse=True),
        g("swap", 2, 0, _const(_SWAP), self_inverse=True, symmetric=True, clifford=True),
        g("iswap", 2, 0, _const(_ISWAP), symmetric=True, clifford=True),
        g("ecr", 2, 0, _const(_ECR), self_inverse=True, clifford=True),
        g("crx", 2, 1, lambda t: controlled(_rx(t)), inverse=_neg_params("crx")),
        g("cry", 2, 1, lambda t: controlled(_ry(t)), inverse=_neg_params("cry")),
        g("crz", 2, 1, lambda t: controlled(_rz(t)), diagonal=True, inverse=_neg_params("crz")),
        g("cp", 2, 1, lambda t: controlled(_p(t)), diagonal=True, inverse=_neg_params("cp"),
          symmetric=True),
        g("rxx", 2, 1, _pauli_rot(_XX), inverse=_neg_params("rxx"), generator="XX",
          symmetric=True),
        g("ryy", 2, 1, _pauli_rot(_YY), inverse=_neg_params("ryy"), generator="YY",
          symmetric=True),
        g("rzz", 2, 1, _pauli_rot(_ZZ), diagonal=True, inverse=_neg_params("rzz"),
          generator="ZZ", symmetric=True),
        g("rzx", 2, 1, _pauli_rot(_ZX), inverse=_neg_params("rzx"), generator="ZX"),
        g("ccx", 3, 0, _const(controlled(_X, 2)), self_inverse=True),
        g("cswap", 3, 0, _const(controlled(_SWAP)), self_inverse=True),
        g("mcx", 0, 0, _mcx_matrix, self_inverse=True),
    ]


GATES: dict[str, GateDef] = {gd.name: gd for gd in _gate_list()}

#: Spelling aliases accepted by the front end and the importers.
ALIASES: dict[str, str] = {
    "cnot": "cx",
    "toffoli": "ccx",
    "fredkin": "cswap",
    "phase": "p",
    "u1": "p",
    "cphase": "cp",
    "u3": "u",
    "i": "id",
    "cu1": "cp",
}

#: Operations that are not unitary gates.
NON_UNITARY = frozenset({"measure", "reset", "barrier"})


def gate_matrix(name: str, *params: float, num_qubits: int | None = None) -> Matrix:
    """The unitary of a gate for concrete parameter values."""
    gd = GATES[name]
    if gd.num_qubits == 0:
        if num_qubits is None:
            raise ValueError(f"`{name}` needs num_qubits")
        return gd.matrix(num_qubits)
    return gd.matrix(*params)


def inverse_of(name: str, params: tuple) -> tuple[str, tuple]:
    """``(name, params)`` of the inverse gate; works on floats and expressions."""
    gd = GATES[name]
    if gd.self_inverse:
        return name, params
    if gd.inverse is None:
        raise ValueError(f"gate `{name}` has no inverse rule")
    return gd.inverse(params)


PAULI_MATRICES: dict[str, Matrix] = {"I": _I2, "X": _X, "Y": _Y, "Z": _Z}
