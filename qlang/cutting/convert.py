"""A cutting subexperiment (a Qiskit circuit) as a unitary circuit IR with Z-parity readouts.

The subexperiments of ``qiskit-addon-cutting`` measure qubits into two classical
registers: ``qpd_measurements`` (the cut terms' signs) and ``observable_measurements`` (the
subobservables, after the basis change the add-on appends), and may reset qubits. Every
value the reconstruction reads is a parity ``(-1)^(bits)`` of measured bits, so its exact
expectation is ``<Z...Z>`` over the qubits that hold those bits at the end. The conversion
keeps the circuit unitary (the statevector engine and its adjoint gradients run it):

* a measurement of a qubit that gates act on later is deferred: ``cx`` onto a fresh
  ancilla, which holds the bit (the deferred-measurement principle, exact);
* a reset sends later gates on that qubit to a fresh qubit in ``|0>``; a bit measured
  from a reset qubit is ``0`` (it drops out of every parity).

Parameters come back as the model's inputs and weights by their Qiskit names
(:func:`qlang.targets.qiskit.to_qiskit`), expressions through SymPy.

Example::

    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(1, 1)
    >>> _ = qc.h(0); _ = qc.measure(0, 0)
    >>> ir, bits = to_ir(qc, {}, 0, (), ())
    >>> [op.name for op in ir.ops], bits
    (['h'], (0,))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.gates import GATES

_SYMPY_FUNCS = {
    "sin": "sin", "cos": "cos", "tan": "tan", "asin": "arcsin", "acos": "arccos",
    "atan": "arctan", "exp": "exp", "log": "log", "sinh": "sinh", "cosh": "cosh",
    "tanh": "tanh", "Abs": "abs",
}  # fmt: skip


def leaves(names: list[str], num_inputs: int) -> dict[str, E.Expr]:
    """Qiskit parameter name -> ``Input(k)`` / ``Weight(j)`` (inputs first, then weights)."""
    return {
        n: (E.Input(k) if k < num_inputs else E.Weight(k - num_inputs))
        for k, n in enumerate(names)
    }


def expr_from_qiskit(value: Any, symbols: Mapping[str, E.Expr]) -> E.Expr:
    """A gate parameter (a number or a ``ParameterExpression``) as an IR expression."""
    if isinstance(value, int | float):
        return E.Const(float(value))
    if not getattr(value, "parameters", None):
        return E.Const(float(value))
    return _from_sympy(value.sympify(), symbols)


def _from_sympy(s: Any, symbols: Mapping[str, E.Expr]) -> E.Expr:
    if s.is_Symbol:
        return symbols[s.name]
    if s.is_Number:
        return E.Const(float(s))
    args = [_from_sympy(a, symbols) for a in s.args]
    if s.is_Add:
        out = args[0]
        for a in args[1:]:
            out = out + a
        return out
    if s.is_Mul:
        out = args[0]
        for a in args[1:]:
            out = out * a
        return out
    if s.is_Pow:
        return E.Pow(args[0], args[1])
    name = _SYMPY_FUNCS.get(type(s).__name__)
    if name is None or len(args) != 1:
        raise ValueError(f"cannot convert the parameter expression `{s}`")
    return E.Func(name, args[0])


def to_ir(
    qc: Any,
    symbols: Mapping[str, E.Expr],
    width: int,
    inputs: tuple[ParamDecl, ...],
    weights: tuple[ParamDecl, ...],
    name: str = "piece",
) -> tuple[Circuit, tuple[int | None, ...]]:
    """``(circuit, bits)``: the subexperiment as a unitary circuit on at least ``width``
    qubits, and for every classical bit of ``qc`` the qubit that holds it at the end
    (``None``: the bit is always 0)."""
    data = list(qc.data)
    index = {q: k for k, q in enumerate(qc.qubits)}
    clbit = {c: k for k, c in enumerate(qc.clbits)}
    # the last position at which a gate acts on each qubit
    last_gate: dict[int, int] = {}
    for pos, inst in enumerate(data):
        if inst.operation.name not in ("measure", "reset", "barrier"):
            for q in inst.qubits:
                last_gate[index[q]] = pos
    wire: dict[int, int | None] = {k: k for k in range(qc.num_qubits)}
    fresh = max(width, qc.num_qubits)
    bits: list[int | None] = [None] * qc.num_clbits
    ops: list[Operation] = []

    def alloc() -> int:
        nonlocal fresh
        fresh += 1
        return fresh - 1

    for pos, inst in enumerate(data):
        op = inst.operation
        qs = [index[q] for q in inst.qubits]
        if op.name == "barrier":
            continue
        if op.name == "reset":
            wire[qs[0]] = None
            continue
        if op.name == "measure":
            q = qs[0]
            w = wire[q]
            if w is None or last_gate.get(q, -1) < pos:
                bits[clbit[inst.clbits[0]]] = w
                continue
            anc = alloc()
            ops.append(Operation("cx", (w, anc)))
            bits[clbit[inst.clbits[0]]] = anc
            continue
        if op.name not in GATES:
            raise ValueError(f"a cutting subexperiment has the instruction `{op.name}`")
        targets = []
        for q in qs:
            if wire[q] is None:
                wire[q] = alloc()
            targets.append(wire[q])
        params = tuple(expr_from_qiskit(p, symbols) for p in op.params)
        ops.append(Operation(op.name, tuple(targets), params))  # type: ignore[arg-type]
    circuit = Circuit(fresh, tuple(ops), inputs=inputs, weights=weights, name=name)
    return circuit, tuple(bits)


def to_measured_ir(
    qc: Any,
    symbols: Mapping[str, E.Expr],
    inputs: tuple[ParamDecl, ...],
    weights: tuple[ParamDecl, ...],
    name: str = "piece",
) -> Circuit:
    """The subexperiment as it runs on a device: its own qubits and classical bits, its
    mid-circuit measurements and resets kept (what ``qlang compile`` emits; clbit ``k``
    is ``qc``'s ``k``-th bit, whatever register holds it)."""
    index = {q: k for k, q in enumerate(qc.qubits)}
    clbit = {c: k for k, c in enumerate(qc.clbits)}
    ops: list[Operation] = []
    for inst in qc.data:
        op = inst.operation
        qs = tuple(index[q] for q in inst.qubits)
        if op.name == "barrier":
            continue
        if op.name == "measure":
            ops.append(Operation("measure", qs, clbits=(clbit[inst.clbits[0]],)))
            continue
        if op.name == "reset":
            ops.append(Operation("reset", qs))
            continue
        if op.name not in GATES:
            raise ValueError(f"a cutting subexperiment has the instruction `{op.name}`")
        params = tuple(expr_from_qiskit(p, symbols) for p in op.params)
        ops.append(Operation(op.name, qs, params))  # type: ignore[arg-type]
    return Circuit(
        qc.num_qubits, tuple(ops), inputs=inputs, weights=weights, name=name,
        num_clbits=qc.num_clbits,
    )  # fmt: skip
