"""Lower the circuit IR to a Qiskit ``QuantumCircuit`` with free parameters.

Every parameter is a ``Parameter`` named by :func:`qlang.targets.names.parameter_identifiers`
(``x[0]`` -> ``x_0``, ``ansatz_theta[1,2]`` -> ``ansatz_theta_1_2``): the same names as
the ``input float[64]`` declarations of the OpenQASM 3 program, the tket symbols,
``Compiled.parameters`` and a trained model's ``weights.json``, so values bind by name.
Qiskit sorts parameters alphabetically; ``qc.metadata["qlang_parameters"]`` lists them in
qlang's binding order (inputs, then weights). Expressions become
``ParameterExpression`` trees (``sin``/``cos``/``exp``/... included; ``sqrt``
as ``** 0.5``, hyperbolic functions through ``exp``). Conditions become
``if_test`` blocks; for a routed circuit a ``TranspileLayout`` is attached
(``qc.layout``), so ``SparsePauliOp.apply_layout(qc.layout)`` maps observables.
``qc.metadata`` also carries ``qlang_flat_names`` (``x[0]``, ``theta[1,2]``).

Example::

    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Input
    >>> c = Circuit(1, (Operation("rx", (0,), (2 * Input(0),)),),
    ...             inputs=(ParamDecl("x", (1,), 0),))
    >>> qc = to_qiskit(c)
    >>> [str(p) for p in qc.parameters], qc.metadata["qlang_parameters"]
    (['x_0'], ['x_0'])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeAlias

import numpy as np
from qiskit.circuit import (
    ClassicalRegister,
    Parameter,
    ParameterExpression,
    QuantumCircuit,
    QuantumRegister,
    Qubit,
)
from qiskit.circuit import library as lib
from qiskit.circuit.classical import expr as cexpr
from qiskit.transpiler import Layout as QiskitLayout
from qiskit.transpiler import TranspileLayout
from qlang.targets.names import parameter_identifiers

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Condition, Operation

Value: TypeAlias = float | ParameterExpression

_GATES: dict[str, Callable[..., object]] = {
    "id": lib.IGate, "h": lib.HGate, "x": lib.XGate, "y": lib.YGate, "z": lib.ZGate,
    "s": lib.SGate, "sdg": lib.SdgGate, "t": lib.TGate, "tdg": lib.TdgGate,
    "sx": lib.SXGate, "sxdg": lib.SXdgGate, "rx": lib.RXGate, "ry": lib.RYGate,
    "rz": lib.RZGate, "p": lib.PhaseGate, "u": lib.UGate, "cx": lib.CXGate,
    "cy": lib.CYGate, "cz": lib.CZGate, "ch": lib.CHGate, "swap": lib.SwapGate,
    "iswap": lib.iSwapGate, "ecr": lib.ECRGate, "crx": lib.CRXGate, "cry": lib.CRYGate,
    "crz": lib.CRZGate, "cp": lib.CPhaseGate, "rxx": lib.RXXGate, "ryy": lib.RYYGate,
    "rzz": lib.RZZGate, "rzx": lib.RZXGate, "ccx": lib.CCXGate, "cswap": lib.CSwapGate,
}  # fmt: skip


def to_qiskit(circuit: Circuit) -> QuantumCircuit:
    """The circuit as a ``QuantumCircuit`` (parameters free, layout attached if routed)."""
    qreg = QuantumRegister(circuit.num_qubits, "q")
    regs: list = [qreg]
    creg = None
    if circuit.num_clbits:
        creg = ClassicalRegister(circuit.num_clbits, "c")
        regs.append(creg)
    qc = QuantumCircuit(*regs, name=circuit.name)
    names = parameter_identifiers(circuit)
    params = [Parameter(name) for name in names]
    xs, ws = params[: circuit.num_inputs], params[circuit.num_inputs :]

    def conv(e: E.Expr) -> Value:
        return expr_to_qiskit(e, xs, ws)

    for op in circuit.ops:
        if op.condition is None:
            _append(qc, op, conv)
            continue
        with qc.if_test(_condition(qc, creg, op.condition)):
            _append(qc, op, conv)
    qc.global_phase = conv(circuit.global_phase)
    qc.metadata = {
        "qlang_parameters": names,
        "qlang_flat_names": circuit.parameter_names(),
        "qlang_name": circuit.name,
    }
    if circuit.layout is not None:
        qc._layout = _transpile_layout(qc, circuit)  # noqa: SLF001 (Qiskit's own attribute)
    return qc


def _append(qc: QuantumCircuit, op: Operation, conv: Callable[[E.Expr], Value]) -> None:
    qubits = [qc.qubits[q] for q in op.qubits]
    if op.name == "measure":
        qc.measure(qubits, [qc.clbits[c] for c in op.clbits])
    elif op.name == "reset":
        for q in qubits:
            qc.reset(q)
    elif op.name == "barrier":
        qc.barrier(*(qubits or qc.qubits))
    elif op.name == "mcx":
        k = len(qubits) - 1
        qc.append(lib.MCXGate(k) if k else lib.XGate(), qubits)
    else:
        qc.append(_GATES[op.name](*(conv(p) for p in op.params)), qubits)


def _condition(qc: QuantumCircuit, creg: ClassicalRegister | None, cond: Condition):  # type: ignore[no-untyped-def]
    bits = cond.clbits
    if creg is not None and len(bits) > 1 and bits == tuple(range(len(creg))):
        return (creg, cond.value)
    if len(bits) == 1:
        return (qc.clbits[bits[0]], bool(cond.value & 1))
    test = None
    for k, b in enumerate(bits):
        term = cexpr.lift(qc.clbits[b])
        if not (cond.value >> k) & 1:
            term = cexpr.logic_not(term)
        test = term if test is None else cexpr.logic_and(test, term)
    return test


def expr_to_qiskit(e: E.Expr, inputs: list[Parameter], weights: list[Parameter]) -> Value:
    """An IR expression as a float or ``ParameterExpression``."""
    if isinstance(e, E.Const):
        return float(e.value)
    if isinstance(e, E.Input):
        return inputs[e.index]
    if isinstance(e, E.Weight):
        return weights[e.index]
    if isinstance(e, E.Neg):
        return -expr_to_qiskit(e.operand, inputs, weights)
    if isinstance(e, E.Func):
        return _func(e.name, expr_to_qiskit(e.arg, inputs, weights))
    lhs, rhs = (expr_to_qiskit(c, inputs, weights) for c in E.children(e))
    if isinstance(e, E.Add):
        return lhs + rhs
    if isinstance(e, E.Mul):
        return lhs * rhs
    if isinstance(e, E.Div):
        return lhs / rhs
    if isinstance(e, E.Pow):
        if isinstance(rhs, float) and rhs.is_integer():
            return lhs ** int(rhs)  # a negative base stays real
        return lhs**rhs
    raise TypeError(f"not an expression: {e!r}")


def _func(name: str, a: Value) -> Value:
    """``name(a)`` built only from forms Qiskit 2.6 simplifies correctly.

    Qiskit's symbolic adder treats ``f(-u)`` as ``-f(u)`` for every unary
    function, so ``cos(u) + cos(-u)`` or ``exp(u) + exp(-u)`` become ``0``
    (docs/targets.md). Only odd functions (sin, tan, arcsin, arctan) are kept
    as calls; the others are rewritten exactly through them or through ``**``.
    """
    if not isinstance(a, ParameterExpression):
        return float(E.FUNCTIONS[name](np.asarray(a, dtype=float)))
    if name in ("sin", "tan", "arcsin", "arctan", "log"):
        return getattr(a, name)()
    if name == "cos":
        return (a + math.pi / 2).sin()
    if name == "arccos":
        return math.pi / 2 - a.arcsin()
    if name == "sqrt":
        return a**0.5
    if name == "abs":
        return (a * a) ** 0.5
    if name == "exp":
        return math.e**a
    ep, em = math.e**a, math.e ** (-a)
    if name == "sinh":
        return (ep - em) / 2
    if name == "cosh":
        return (ep + em) / 2
    if name == "tanh":
        return 1 - 2 / (math.e ** (2 * a) + 1)
    raise KeyError(name)


def _transpile_layout(qc: QuantumCircuit, circuit: Circuit) -> TranspileLayout:
    """Qiskit layout: virtual qubit ``l`` starts on ``initial[l]``, ends on ``final[l]``."""
    assert circuit.layout is not None
    initial, final = circuit.layout.initial, circuit.layout.final
    n_phys = circuit.num_qubits
    virtual = QuantumRegister(len(initial), "q")
    ancillas = QuantumRegister(n_phys - len(initial), "ancilla") if n_phys > len(initial) else None
    mapping: dict[Qubit, int] = {virtual[lq]: pq for lq, pq in enumerate(initial)}
    free = [p for p in range(n_phys) if p not in set(initial)]
    if ancillas is not None:
        mapping.update({ancillas[k]: p for k, p in enumerate(free)})
    init_layout = QiskitLayout(mapping)
    init_layout.add_register(virtual)
    if ancillas is not None:
        init_layout.add_register(ancillas)
    input_map = {virtual[lq]: lq for lq in range(len(initial))}
    if ancillas is not None:
        input_map.update({ancillas[k]: len(initial) + k for k in range(len(free))})
    # final_layout maps the output qubit that started on physical p to where it ends.
    # Only logical qubits are tracked; idle physical qubits fill the rest in order.
    perm: dict[int, int] = {initial[lq]: final[lq] for lq in range(len(initial))}
    rest_src = [p for p in range(n_phys) if p not in perm]
    rest_dst = [p for p in range(n_phys) if p not in set(perm.values())]
    perm.update(zip(rest_src, rest_dst, strict=True))
    final_layout = QiskitLayout({qc.qubits[src]: dst for src, dst in perm.items()})
    return TranspileLayout(
        initial_layout=init_layout,
        input_qubit_mapping=input_map,
        final_layout=final_layout,
        _input_qubit_count=len(initial),
        _output_qubit_list=list(qc.qubits),
    )
