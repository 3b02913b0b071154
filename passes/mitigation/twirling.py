"""Pauli twirling of two-qubit Clifford gates: a seeded pass.

Each ``cx``, ``cz``, ``cy``, ``ecr``, ``swap`` or ``iswap`` (or the gates named in ``gates``)
gets a random pair of Paulis ``P`` before it and the pair ``Q = G P G^dagger`` after it, so
``Q G P = G`` up to a sign (kept in the global phase): the circuit is unchanged, while
the noise of the gate, averaged over many twirled instances, becomes a Pauli channel
(coherent errors turn into stochastic ones). ``seed`` picks the instance; the same seed
gives the same circuit.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(2, (Operation("cx", (0, 1)),))
    >>> out = PauliTwirl(seed=3).run(c).circuit
    >>> out == PauliTwirl(seed=3).run(c).circuit, [op.name for op in out.ops].count("cx")
    (True, 1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache
from typing import ClassVar

import numpy as np
from qlang.passes.base import Pass, PassResult
from qlang.passes.errors import pass_error

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.gates import GATES, gate_matrix

#: the two-qubit Clifford gates twirled by default
TWIRLED = ("cx", "cy", "cz", "ecr", "swap", "iswap")
_P = {
    "i": np.eye(2, dtype=complex),
    "x": np.array([[0, 1], [1, 0]], dtype=complex),
    "y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "z": np.array([[1, 0], [0, -1]], dtype=complex),
}
_NAMES = "ixyz"


@cache
def conjugation_table(gate: str) -> tuple[tuple[str, str, str, str, int], ...]:
    """For every Pauli pair ``(a, b)``: ``(a, b, c, d, sign)`` with
    ``G (a (x) b) G^dagger = sign (c (x) d)``."""
    g = np.asarray(gate_matrix(gate), dtype=complex)
    out = []
    for a in _NAMES:
        for b in _NAMES:
            q = g @ np.kron(_P[a], _P[b]) @ g.conj().T
            for c in _NAMES:
                for d in _NAMES:
                    ref = np.kron(_P[c], _P[d])
                    for sign in (1, -1):
                        if np.allclose(q, sign * ref, atol=1e-9):
                            out.append((a, b, c, d, sign))
    if len(out) != 16:
        raise pass_error("QL0565", f"`{gate}` is not a Clifford gate: it cannot be Pauli-twirled")
    return tuple(out)


@dataclass(frozen=True)
class PauliTwirl(Pass):
    """Random Pauli frames around two-qubit Clifford gates (see the module docstring)."""

    name: ClassVar[str] = "pauli-twirl"
    seed: int = 0
    gates: tuple[str, ...] = TWIRLED

    def run(self, circuit: Circuit) -> PassResult:
        for g in self.gates:
            if g not in GATES or GATES[g].num_qubits != 2:
                raise pass_error("QL0565", f"`{g}` is not a two-qubit gate to twirl")
        rng = np.random.default_rng(self.seed)
        ops: list[Operation] = []
        flips = 0
        changed = False
        for op in circuit.ops:
            if op.name not in self.gates or op.condition is not None:
                ops.append(op)
                continue
            a, b, c, d, sign = conjugation_table(op.name)[int(rng.integers(16))]
            q0, q1 = op.qubits
            ops += [Operation(p, (q,)) for p, q in ((a, q0), (b, q1)) if p != "i"]
            ops.append(op)
            ops += [Operation(p, (q,)) for p, q in ((c, q0), (d, q1)) if p != "i"]
            flips += sign < 0
            changed = changed or (a, b) != ("i", "i")
        out = circuit.with_ops(ops)
        if flips % 2:
            out = replace(out, global_phase=E.simplify(circuit.global_phase + E.Const(math.pi)))
        return PassResult(out, changed)
