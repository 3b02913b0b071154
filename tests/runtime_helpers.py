"""Random circuits over the whole gate set, shared by the runtime tests."""

from __future__ import annotations

import numpy as np

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.gates import GATES

PARAM_GATES = sorted(n for n, g in GATES.items() if g.num_params)


def random_angle(rng: np.random.Generator, n_in: int, n_w: int) -> E.Expr:
    """A random symbolic angle over inputs and weights (or a constant)."""
    kind = rng.integers(0, 6)
    w = E.Weight(int(rng.integers(n_w)))
    x = E.Input(int(rng.integers(n_in))) if n_in else E.Const(0.4)
    if kind == 0:
        return E.Const(float(rng.uniform(-3, 3)))
    if kind == 1:
        return w
    if kind == 2:
        return x
    if kind == 3:
        return x * w + 0.3
    if kind == 4:
        return E.func("sin", x) * 2.0 - w
    return w * w


def random_circuit(
    rng: np.random.Generator,
    n: int,
    depth: int,
    n_in: int = 2,
    n_w: int = 4,
    gates: list[str] | None = None,
) -> Circuit:
    names = gates or [g for g, d in GATES.items() if d.num_qubits <= n]
    ops = []
    for _ in range(depth):
        name = str(rng.choice(names))
        gd = GATES[name]
        k = gd.num_qubits or int(rng.integers(1, n + 1))
        if k > n:
            continue
        qubits = tuple(int(q) for q in rng.permutation(n)[:k])
        params = tuple(random_angle(rng, n_in, n_w) for _ in range(gd.num_params))
        ops.append(Operation(name, qubits, params))
    c = Circuit(
        n,
        tuple(ops),
        inputs=(ParamDecl("x", (n_in,), 0),) if n_in else (),
        weights=(ParamDecl("w", (n_w,), 0),),
    )
    c.verify()
    return c


def to_qiskit(circuit: Circuit, inputs: np.ndarray, weights: np.ndarray):
    """The bound circuit as a Qiskit ``QuantumCircuit`` (same qubit order conventions)."""
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(circuit.num_qubits)
    x = np.asarray(inputs, dtype=float).reshape(1, -1)
    w = np.asarray(weights, dtype=float)
    for op in circuit.ops:
        vals = [float(E.evaluate(p, x, w)[0]) for p in op.params]
        name = {"id": "id"}.get(op.name, op.name)
        if op.name == "mcx":
            if len(op.qubits) == 1:
                qc.x(op.qubits[0])
            else:
                qc.mcx(list(op.qubits[:-1]), op.qubits[-1])
            continue
        getattr(qc, name)(*vals, *op.qubits)
    return qc
