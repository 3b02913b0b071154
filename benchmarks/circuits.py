"""The benchmark circuits, built directly in the qlang IR.

* ``sel_block(n, layers)``: angle encoding (``rx(x[i])``) followed by
  strongly-entangling layers (``rz ry rz`` per qubit, then a ring of ``cx``
  with range ``l mod (n-1) + 1``, as PennyLane's ``StronglyEntanglingLayers``),
  read out as ``<Z0>``.
* ``zz_feature_map(n, reps, entanglement)``: Qiskit's ``zz_feature_map`` (``h``,
  ``p(2 x_i)``, ``cx p(2 (pi - x_i)(pi - x_j)) cx`` on every pair, or on neighbours with
  ``entanglement="linear"``), as a kernel encoding.
"""

from __future__ import annotations

import math

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.model import Observable, PauliTerm, QuantumBlock, Readout


def sel_ranges(n: int, layers: int) -> list[int]:
    return [(layer % (n - 1)) + 1 if n > 1 else 0 for layer in range(layers)]


def sel_circuit(n: int, layers: int = 3) -> Circuit:
    ops = [Operation("rx", (q,), (E.Input(q),)) for q in range(n)]
    for layer, r in enumerate(sel_ranges(n, layers)):
        for q in range(n):
            base = 3 * (layer * n + q)
            ops.append(Operation("rz", (q,), (E.Weight(base),)))
            ops.append(Operation("ry", (q,), (E.Weight(base + 1),)))
            ops.append(Operation("rz", (q,), (E.Weight(base + 2),)))
        if n > 1:
            for q in range(n):
                ops.append(Operation("cx", (q, (q + r) % n)))
    return Circuit(
        n,
        tuple(ops),
        inputs=(ParamDecl("x", (n,), 0),),
        weights=(ParamDecl("theta", (layers, n, 3), 0),),
    )


def sel_block(n: int, layers: int = 3) -> QuantumBlock:
    z0 = Observable((PauliTerm(E.Const(1.0), ((0, "Z"),)),))
    return QuantumBlock("main", sel_circuit(n, layers), Readout("expval", (z0,)))


def zz_feature_map(n: int, reps: int = 2, entanglement: str = "full") -> Circuit:
    ops: list[Operation] = []
    pi = E.Const(math.pi)
    if entanglement == "linear":
        pairs = [(i, i + 1) for i in range(n - 1)]
    else:
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    for _ in range(reps):
        for q in range(n):
            ops.append(Operation("h", (q,)))
            ops.append(Operation("p", (q,), (2.0 * E.Input(q),)))
        for i, j in pairs:
            angle = 2.0 * (pi - E.Input(i)) * (pi - E.Input(j))
            ops.append(Operation("cx", (i, j)))
            ops.append(Operation("p", (j,), (angle,)))
            ops.append(Operation("cx", (i, j)))
    return Circuit(n, tuple(ops), inputs=(ParamDecl("x", (n,), 0),))
