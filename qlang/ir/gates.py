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
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import numpy as np

Matrix: TypeAlias = "np.ndarray"


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


@functools.cache
def fixed_matrices() -> dict[str, Matrix]:
    """The constant matrices, built on first use (so that importing the gate table, as
    ``qlang check`` does, does not import numpy)."""
    import numpy as np

    x = np.array([[0, 1], [1, 0]], dtype=complex)
    y = np.array([[0, -1j], [1j, 0]], dtype=complex)
    z = np.array([[1, 0], [0, -1]], dtype=complex)
    s = np.diag([1, 1j]).astype(complex)
    t = np.diag([1, cmath.exp(1j * math.pi / 4)]).astype(complex)
    sx = 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]], dtype=complex)
    swap = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex)
    m = {
        "I": np.eye(2, dtype=complex),
        "X": x,
        "Y": y,
        "Z": z,
        "H": np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2),
        "S": s,
        "SDG": s.conj().T,
        "T": t,
        "TDG": t.conj().T,
        "SX": sx,
        "SXDG": sx.conj().T,
        "XX": np.kron(x, x),
        "YY": np.kron(y, y),
        "ZZ": np.kron(z, z),
        "ZX": np.kron(z, x),
        "SWAP": swap,
        "ISWAP": np.array(
            [[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]], dtype=complex
        ),
        # ECR in first-argument-most-significant order (Qiskit documents it little-endian).
        "ECR": np.array(
            [[0, 0, 1, 1j], [0, 0, 1j, 1], [1, -1j, 0, 0], [-1j, 1, 0, 0]], dtype=complex
        )
        / math.sqrt(2),
    }
    m.update(
        CX=controlled(x), CY=controlled(y), CZ=controlled(z), CH=controlled(m["H"]),
        CCX=controlled(x, 2), CSWAP=controlled(swap),
    )  # fmt: skip
    return m


def _rx(t: float) -> Matrix:
    import numpy as np

    c, s = math.cos(t / 2), math.sin(t / 2)
    return np.array([[c, -1j * s], [-1j * s, c]], dtype=complex)


def _ry(t: float) -> Matrix:
    import numpy as np

    c, s = math.cos(t / 2), math.sin(t / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def _rz(t: float) -> Matrix:
    import numpy as np

    return np.diag([cmath.exp(-0.5j * t), cmath.exp(0.5j * t)])


def _p(t: float) -> Matrix:
    import numpy as np

    return np.diag([1, cmath.exp(1j * t)]).astype(complex)


def _u(theta: float, phi: float, lam: float) -> Matrix:
    import numpy as np

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
    import numpy as np

    d = u.shape[0]
    full = np.eye(d * 2**num_controls, dtype=complex)
    full[-d:, -d:] = u
    return full


def _pauli_rot(key: str) -> Callable[[float], Matrix]:
    def rot(t: float) -> Matrix:
        import numpy as np

        p = fixed_matrices()[key]
        return math.cos(t / 2) * np.eye(p.shape[0], dtype=complex) - 1j * math.sin(t / 2) * p

    return rot


def _const(key: str) -> Callable[[], Matrix]:
    return lambda: fixed_matrices()[key]


def _neg_params(name: str) -> Callable[[tuple], tuple[str, tuple]]:
    return lambda ps: (name, tuple(-p for p in ps))


def _named(name: str) -> Callable[[tuple], tuple[str, tuple]]:
    return lambda ps: (name, ())


def _mcx_matrix(num_qubits: int) -> Matrix:
    return controlled(fixed_matrices()["X"], num_qubits - 1)


def _gate_list() -> list[GateDef]:
    g = GateDef
    return [
        g("id", 1, 0, _const("I"), diagonal=True, self_inverse=True, clifford=True),
        g("h", 1, 0, _const("H"), self_inverse=True, clifford=True),
        g("x", 1, 0, _const("X"), self_inverse=True, clifford=True),
        g("y", 1, 0, _const("Y"), self_inverse=True, clifford=True),
        g("z", 1, 0, _const("Z"), diagonal=True, self_inverse=True, clifford=True),
        g("s", 1, 0, _const("S"), diagonal=True, inverse=_named("sdg"), clifford=True),
        g("sdg", 1, 0, _const("SDG"), diagonal=True, inverse=_named("s"), clifford=True),
        g("t", 1, 0, _const("T"), diagonal=True, inverse=_named("tdg")),
        g("tdg", 1, 0, _const("TDG"), diagonal=True, inverse=_named("t")),
        g("sx", 1, 0, _const("SX"), inverse=_named("sxdg"), clifford=True),
        g("sxdg", 1, 0, _const("SXDG"), inverse=_named("sx"), clifford=True),
        g("rx", 1, 1, _rx, inverse=_neg_params("rx"), generator="X"),
        g("ry", 1, 1, _ry, inverse=_neg_params("ry"), generator="Y"),
        g("rz", 1, 1, _rz, diagonal=True, inverse=_neg_params("rz"), generator="Z"),
        g("p", 1, 1, _p, diagonal=True, inverse=_neg_params("p")),
        g("u", 1, 3, _u, inverse=lambda ps: ("u", (-ps[0], -ps[2], -ps[1]))),
        g("cx", 2, 0, _const("CX"), self_inverse=True, clifford=True),
        g("cy", 2, 0, _const("CY"), self_inverse=True, clifford=True),
        g("cz", 2, 0, _const("CZ"), diagonal=True, self_inverse=True, symmetric=True,
          clifford=True),
        g("ch", 2, 0, _const("CH"), self_inverse=True),
        g("swap", 2, 0, _const("SWAP"), self_inverse=True, symmetric=True, clifford=True),
        g("iswap", 2, 0, _const("ISWAP"), symmetric=True, clifford=True),
        g("ecr", 2, 0, _const("ECR"), self_inverse=True, clifford=True),
        g("crx", 2, 1, lambda t: controlled(_rx(t)), inverse=_neg_params("crx")),
        g("cry", 2, 1, lambda t: controlled(_ry(t)), inverse=_neg_params("cry")),
        g("crz", 2, 1, lambda t: controlled(_rz(t)), diagonal=True, inverse=_neg_params("crz")),
        g("cp", 2, 1, lambda t: controlled(_p(t)), diagonal=True, inverse=_neg_params("cp"),
          symmetric=True),
        g("rxx", 2, 1, _pauli_rot("XX"), inverse=_neg_params("rxx"), generator="XX",
          symmetric=True),
        g("ryy", 2, 1, _pauli_rot("YY"), inverse=_neg_params("ryy"), generator="YY",
          symmetric=True),
        g("rzz", 2, 1, _pauli_rot("ZZ"), diagonal=True, inverse=_neg_params("rzz"),
          generator="ZZ", symmetric=True),
        g("rzx", 2, 1, _pauli_rot("ZX"), inverse=_neg_params("rzx"), generator="ZX"),
        g("ccx", 3, 0, _const("CCX"), self_inverse=True),
        g("cswap", 3, 0, _const("CSWAP"), self_inverse=True),
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


def __getattr__(name: str) -> Any:
    # ``PAULI_MATRICES`` is built on first access (PEP 562), like the other constant matrices.
    if name == "PAULI_MATRICES":
        m = fixed_matrices()
        value = {"I": m["I"], "X": m["X"], "Y": m["Y"], "Z": m["Z"]}
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
