"""Benchmark circuits built directly with the IR (symbolic parameters kept free).

Ansätze and encodings in the style of the standard library (ZZ feature map,
real amplitudes, EfficientSU2, strongly entangling layers, QAOA), plus
standard circuits (QFT, ripple-carry adders) taken from Qiskit's library and
imported through OpenQASM 2.

Example::

    >>> c = real_amplitudes(3, reps=1)
    >>> c.num_two_qubit_gates, c.num_weights
    (2, 6)
"""

from __future__ import annotations

import math

import networkx as nx

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl

PI = math.pi


def _circ(n: int, ops: list[Operation], n_in: int, n_w: int, name: str) -> Circuit:
    return Circuit(
        n,
        tuple(ops),
        inputs=(ParamDecl("x", (n_in,), 0),) if n_in else (),
        weights=(ParamDecl("theta", (n_w,), 0),) if n_w else (),
        name=name,
    )


def _op(name: str, qubits: tuple[int, ...], *params: E.Expr) -> Operation:
    return Operation(name, qubits, tuple(params))


def zz_feature_map(n: int, reps: int = 2, entanglement: str = "linear") -> Circuit:
    """Qiskit-style ZZ feature map: ``h; p(2 x_i); cx; p(2 (pi - x_i)(pi - x_j)); cx``."""
    ops: list[Operation] = []
    pairs = (
        [(i, i + 1) for i in range(n - 1)]
        if entanglement == "linear"
        else [(i, j) for i in range(n) for j in range(i + 1, n)]
    )
    for _ in range(reps):
        for q in range(n):
            ops.append(_op("h", (q,)))
            ops.append(_op("p", (q,), 2.0 * E.Input(q)))
        for i, j in pairs:
            angle = 2.0 * (E.Const(PI) - E.Input(i)) * (E.Const(PI) - E.Input(j))
            ops += [_op("cx", (i, j)), _op("p", (j,), angle), _op("cx", (i, j))]
    return _circ(n, ops, n, 0, f"zz_feature_map_{entanglement}")


def real_amplitudes(n: int, reps: int = 3) -> Circuit:
    ops: list[Operation] = []
    k = 0
    for r in range(reps + 1):
        for q in range(n):
            ops.append(_op("ry", (q,), E.Weight(k)))
            k += 1
        if r < reps:
            ops += [_op("cx", (i, i + 1)) for i in range(n - 1)]
    return _circ(n, ops, 0, k, "real_amplitudes")


def efficient_su2(n: int, reps: int = 2) -> Circuit:
    ops: list[Operation] = []
    k = 0
    for r in range(reps + 1):
        for gate in ("ry", "rz"):
            for q in range(n):
                ops.append(_op(gate, (q,), E.Weight(k)))
                k += 1
        if r < reps:
            ops += [_op("cx", (i, i + 1)) for i in range(n - 1)]
    return _circ(n, ops, 0, k, "efficient_su2")


def strongly_entangling(n: int, layers: int = 2) -> Circuit:
    """PennyLane-style: ``rz ry rz`` on each qubit, then a CNOT ring with range ``l+1``."""
    ops: list[Operation] = []
    k = 0
    for layer in range(layers):
        for q in range(n):
            for gate in ("rz", "ry", "rz"):
                ops.append(_op(gate, (q,), E.Weight(k)))
                k += 1
        r = layer % (n - 1) + 1 if n > 1 else 0
        ops += [_op("cx", (q, (q + r) % n)) for q in range(n)] if n > 1 else []
    return _circ(n, ops, 0, k, "strongly_entangling")


def qaoa(n: int, p: int = 2, seed: int = 11) -> Circuit:
    """QAOA for MaxCut on a random 3-regular graph (ring for odd ``n``)."""
    g = nx.random_regular_graph(3, n, seed=seed) if n % 2 == 0 and n > 3 else nx.cycle_graph(n)
    ops = [_op("h", (q,)) for q in range(n)]
    for layer in range(p):
        gamma, beta = E.Weight(2 * layer), E.Weight(2 * layer + 1)
        for i, j in sorted(g.edges()):
            ops.append(_op("rzz", (i, j), 2.0 * gamma))
        ops += [_op("rx", (q,), 2.0 * beta) for q in range(n)]
    return _circ(n, ops, 0, 2 * p, "qaoa")


def from_qiskit(qc: object, name: str) -> Circuit:
    """Import a Qiskit circuit through OpenQASM 2 (constant gates only)."""
    from qiskit import qasm2, transpile

    basis = [
        "cx",
        "u",
        "h",
        "x",
        "p",
        "cp",
        "ccx",
        "swap",
        "rz",
        "ry",
        "rx",
        "t",
        "tdg",
        "s",
        "sdg",
    ]
    qc = transpile(qc, basis_gates=basis, optimization_level=0)
    qc = qasm2.loads(qasm2.dumps(qc), custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    index = {q: i for i, q in enumerate(qc.qubits)}
    ops = []
    for inst in qc.data:
        nm = {"u3": "u", "u1": "p", "cu1": "cp", "U": "u"}.get(
            inst.operation.name, inst.operation.name
        )
        if nm == "barrier":
            continue
        params = tuple(E.Const(float(p)) for p in inst.operation.params)
        ops.append(Operation(nm, tuple(index[q] for q in inst.qubits), params))
    return Circuit(qc.num_qubits, tuple(ops), name=name)


def standard_circuits() -> list[Circuit]:
    from qiskit.circuit.library import QFT, CDKMRippleCarryAdder, DraperQFTAdder

    return [
        from_qiskit(QFT(5), "qft_5"),
        from_qiskit(QFT(8), "qft_8"),
        from_qiskit(CDKMRippleCarryAdder(3), "cdkm_adder_3"),
        from_qiskit(CDKMRippleCarryAdder(4), "cdkm_adder_4"),
        from_qiskit(DraperQFTAdder(3), "draper_adder_3"),
    ]
