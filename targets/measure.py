"""Readouts lowered to measurements: Pauli strings, measurement bases, decoding.

Every readout is linear in Pauli expectation values: ``expval`` observables directly,
``parity`` is ``<Z...Z>``, ``probs`` over ``k`` qubits is ``prod (1 +- Z_q) / 2`` (the
``2**k`` Z strings), ``samples`` is ``(1 - <Z_q>) / 2``. :func:`measurement` gives the
distinct Pauli strings, the matrix and offset that map their expectations to the model's
outputs, and the strings grouped into qubit-wise commuting measurement bases; a
:func:`measured_circuit` per basis rotates into the basis (``rz``/``sx`` only) and
measures the group's qubits, and :func:`expectations_from_bits` decodes the measured bits.

Example::

    >>> from qlang.ir.model import Readout
    >>> m = measurement(Readout("probs", qubits=(0,)), 1)
    >>> m.paulis, m.matrix.tolist(), m.offset.tolist()
    (((), ((0, 'Z'),)), [[0.5, 0.5], [0.5, -0.5]], [0.0, 0.0])
    >>> [g.basis for g in m.groups]
    [((0, 'Z'),)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Any

import numpy as np

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.model import Readout

Pauli = tuple[tuple[int, str], ...]

#: the widest ``probs`` readout lowered to Pauli strings (``2**k`` strings)
MAX_PROBS_QUBITS = 12


@dataclass(frozen=True)
class Group:
    """Pauli strings measured together: ``basis`` pairs (qubit, X|Y|Z), ``members``
    index :attr:`Measurement.paulis`."""

    basis: Pauli
    members: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class Measurement:
    """``outputs = matrix @ <paulis> + offset`` (``paulis[i]`` is ``()`` for identity)."""

    paulis: tuple[Pauli, ...]
    matrix: np.ndarray
    offset: np.ndarray
    groups: tuple[Group, ...]

    def outputs(self, evs: np.ndarray) -> np.ndarray:
        """Outputs ``(rows, n_out)`` from Pauli expectations ``(rows, len(paulis))``."""
        return evs @ self.matrix.T + self.offset

    def to_json(self, layout: tuple[int, ...] | None = None) -> dict[str, Any]:
        """The decoding recipe (``layout[l]``: the physical qubit of logical qubit ``l``)."""
        where = (lambda q: layout[q]) if layout is not None else (lambda q: q)
        return {
            "paulis": [[[where(q), p] for q, p in s] for s in self.paulis],
            "matrix": self.matrix.tolist(),
            "offset": self.offset.tolist(),
            "groups": [
                {"basis": [[where(q), p] for q, p in g.basis], "members": list(g.members)}
                for g in self.groups
            ],
        }


def _bad(message: str, readout: Readout, help: str) -> QLangError:
    return QLangError([Diagnostic.error("QL0704", message, readout.span, help=help)])


def measurement(readout: Readout, num_qubits: int) -> Measurement:
    """The readout as Pauli strings, a linear map and measurement groups."""
    rows: list[dict[Pauli, float]] = []
    if readout.kind == "expval":
        for obs in readout.observables:
            row: dict[Pauli, float] = {}
            for t in obs.terms:
                c = E.simplify(t.coeff)
                if not E.is_constant(c):
                    raise _bad(
                        "an execution backend measures observables with constant "
                        "coefficients, but a coefficient depends on the parameters",
                        readout,
                        "move the parameter into the circuit, or run on the embedded simulator",
                    )
                key = tuple(sorted(t.paulis))
                row[key] = row.get(key, 0.0) + float(E.const_value(c))
            rows.append(row)
    elif readout.kind == "parity":
        rows.append({tuple((q, "Z") for q in sorted(readout.qubits)): 1.0})
    elif readout.kind == "samples":
        for q in readout.qubits:
            rows.append({(): 0.5, ((q, "Z"),): -0.5})
    elif readout.kind == "probs":
        k = len(readout.qubits)
        if k > MAX_PROBS_QUBITS:
            raise _bad(
                f"`probs` over {k} qubits is {2**k} outputs, more than an execution backend "
                f"decodes (at most {MAX_PROBS_QUBITS} qubits)",
                readout,
                "read fewer qubits",
            )
        for j in range(2**k):
            row = {}
            for size in range(k + 1):
                for subset in combinations(range(k), size):
                    sign = (-1) ** sum((j >> m) & 1 for m in subset)
                    key = tuple(sorted((readout.qubits[m], "Z") for m in subset))
                    row[key] = sign / 2**k
            rows.append(row)
    else:
        raise _bad(f"readout `{readout.kind}` cannot be measured", readout, "use expval or probs")
    paulis: list[Pauli] = []
    index: dict[Pauli, int] = {}
    for row in rows:
        for key in row:
            if key not in index:
                index[key] = len(paulis)
                paulis.append(key)
    matrix = np.zeros((len(rows), len(paulis)))
    offset = np.zeros(len(rows))
    for k, row in enumerate(rows):
        for key, coeff in row.items():
            matrix[k, index[key]] += coeff
    return Measurement(tuple(paulis), matrix, offset, group_paulis(paulis))


def group_paulis(paulis: list[Pauli] | tuple[Pauli, ...]) -> tuple[Group, ...]:
    """Greedy qubit-wise commuting groups (identity strings need no measurement).

    >>> [g.basis for g in group_paulis([((0, "Z"),), ((0, "X"),), ((1, "Z"),)])]
    [((0, 'Z'), (1, 'Z')), ((0, 'X'),)]
    """
    bases: list[dict[int, str]] = []
    members: list[list[int]] = []
    for i, s in enumerate(paulis):
        if not s:
            continue
        for basis, mem in zip(bases, members, strict=True):
            if all(basis.get(q, p) == p for q, p in s):
                basis.update(dict(s))
                mem.append(i)
                break
        else:
            bases.append(dict(s))
            members.append([i])
    return tuple(
        Group(tuple(sorted(b.items())), tuple(m)) for b, m in zip(bases, members, strict=True)
    )


def _rotation(q: int, p: str) -> list[Operation]:
    """Into the Z basis with ``rz``/``sx`` (a final ``rz`` before measuring is dropped):
    X: ``H ~ rz(pi/2) sx``; Y: ``H S^dagger ~ sx``."""
    if p == "X":
        return [Operation("rz", (q,), (E.Const(math.pi / 2),)), Operation("sx", (q,))]
    if p == "Y":
        return [Operation("sx", (q,))]
    return []


def measured_circuit(circuit: Circuit, group: Group, layout: tuple[int, ...] | None = None) -> Circuit:
    """``circuit`` with the group's basis rotations and measurements (clbit ``i`` holds
    the ``i``-th qubit of ``group.basis``; ``layout[l]`` is the physical qubit of logical
    qubit ``l``)."""
    ops = list(circuit.ops)
    for i, (q, p) in enumerate(group.basis):
        phys = layout[q] if layout is not None else q
        ops.extend(_rotation(phys, p))
        ops.append(Operation("measure", (phys,), clbits=(i,)))
    return replace(circuit, ops=tuple(ops), num_clbits=len(group.basis))


def expectations_from_bits(
    bits: np.ndarray,
    group: Group,
    paulis: tuple[Pauli, ...],
    weights: list[tuple[float, float]] | None = None,
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """``({pauli index: mean (rows,)}, {pauli index: standard error})`` from measured bits
    ``(rows, shots, clbits)`` of ``group`` (0/1 integers). ``weights[i]`` (readout
    mitigation) replaces clbit ``i``'s ``(+1, -1)`` by the inverse assignment matrix's
    ``(g(0), g(1))``, so each shot contributes the mitigated product."""
    pos = {q: i for i, (q, _) in enumerate(group.basis)}
    shots = bits.shape[1]
    means: dict[int, np.ndarray] = {}
    errs: dict[int, np.ndarray] = {}
    for m in group.members:
        cols = [pos[q] for q, _ in paulis[m]]
        if weights is None:
            parity = np.bitwise_xor.reduce(bits[:, :, cols], axis=2) if cols else 0
            val = 1.0 - 2.0 * np.asarray(parity, dtype=float)
        else:
            val = np.ones(bits.shape[:2])
            for c in cols:
                g0, g1 = weights[c]
                val = val * np.where(bits[:, :, c] == 1, g1, g0)
        mean = val.mean(axis=1)
        means[m] = mean
        errs[m] = val.std(axis=1) / np.sqrt(max(shots - 1, 1))
    return means, errs
