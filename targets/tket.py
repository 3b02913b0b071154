"""Lower the circuit IR to a pytket ``Circuit`` with sympy symbols.

pytket angles are in half-turns, so every angle is divided by pi. Parameters
become sympy symbols named as in :mod:`qlang.targets.names` (``x[0]`` ->
``x_0``). ``rzx`` (no tket primitive) is written as ``H . ZZPhase . H``. For
routed circuits the qubits are device nodes ``node[p]``; :func:`tket_placement` gives
the initial and final placement (logical ``q[l]`` -> ``node[p]``) and
:func:`to_tket_json` bundles circuit, parameters and placement.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Input
    >>> c = Circuit(1, (Operation("rx", (0,), (2 * Input(0),)),),
    ...             inputs=(ParamDecl("x", (1,), 0),))
    >>> to_tket(c).get_commands()
    [Rx(2.0*x_0/pi) q[0];]
"""

from __future__ import annotations

import math
from typing import Any

import sympy
from pytket import Circuit as TketCircuit
from pytket import OpType, Qubit
from pytket.circuit import Node
from qlang.targets.names import parameter_identifiers

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation

_OPTYPES: dict[str, OpType] = {
    "id": OpType.noop, "h": OpType.H, "x": OpType.X, "y": OpType.Y, "z": OpType.Z,
    "s": OpType.S, "sdg": OpType.Sdg, "t": OpType.T, "tdg": OpType.Tdg, "sx": OpType.SX,
    "sxdg": OpType.SXdg, "rx": OpType.Rx, "ry": OpType.Ry, "rz": OpType.Rz, "p": OpType.U1,
    "u": OpType.U3, "cx": OpType.CX, "cy": OpType.CY, "cz": OpType.CZ, "ch": OpType.CH,
    "swap": OpType.SWAP, "iswap": OpType.ISWAPMax, "ecr": OpType.ECR, "crx": OpType.CRx,
    "cry": OpType.CRy, "crz": OpType.CRz, "cp": OpType.CU1, "rxx": OpType.XXPhase,
    "ryy": OpType.YYPhase, "rzz": OpType.ZZPhase, "ccx": OpType.CCX, "cswap": OpType.CSWAP,
    "mcx": OpType.CnX,
}  # fmt: skip

_SYMPY_FUNCS = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "arcsin": sympy.asin,
    "arccos": sympy.acos, "arctan": sympy.atan, "exp": sympy.exp, "log": sympy.log,
    "sqrt": sympy.sqrt, "abs": sympy.Abs, "sinh": sympy.sinh, "cosh": sympy.cosh,
    "tanh": sympy.tanh,
}  # fmt: skip


def tket_symbols(circuit: Circuit) -> list[sympy.Symbol]:
    """The sympy symbols of the parameters, in binding order."""
    return [sympy.Symbol(name) for name in parameter_identifiers(circuit)]


def to_tket(circuit: Circuit) -> TketCircuit:
    """The circuit as a pytket ``Circuit`` (angles in half-turns, parameters free)."""
    syms = tket_symbols(circuit)
    n_in = circuit.num_inputs
    tc = TketCircuit(circuit.num_qubits, circuit.num_clbits, name=circuit.name)

    def half_turns(e: E.Expr) -> Any:
        value = expr_to_sympy(e, syms[:n_in], syms[n_in:])
        if isinstance(value, float):
            return value / math.pi
        return value / sympy.pi

    for op in circuit.ops:
        _append(tc, op, half_turns)
    if circuit.global_phase != E.ZERO:
        tc.add_phase(half_turns(circuit.global_phase))
    if circuit.layout is not None:  # a placed circuit acts on device nodes, as after tket routing
        tc.rename_units({Qubit("q", p): Node(p) for p in range(circuit.num_qubits)})
    return tc


def _append(tc: TketCircuit, op: Operation, half_turns: Any) -> None:
    kw: dict[str, Any] = {}
    if op.condition is not None:
        kw = {"condition_bits": list(op.condition.clbits), "condition_value": op.condition.value}
    qs = list(op.qubits)
    if op.name == "measure":
        for q, c in zip(op.qubits, op.clbits, strict=True):
            tc.add_gate(OpType.Measure, [], [q, c], **kw)
    elif op.name == "reset":
        for q in qs:
            tc.add_gate(OpType.Reset, [], [q], **kw)
    elif op.name == "barrier":
        tc.add_barrier(qs or list(range(tc.n_qubits)))
    elif op.name == "rzx":
        angle = half_turns(op.params[0])
        tc.add_gate(OpType.H, [], [qs[1]], **kw)
        tc.add_gate(OpType.ZZPhase, [angle], qs, **kw)
        tc.add_gate(OpType.H, [], [qs[1]], **kw)
    elif op.name == "mcx" and len(qs) == 1:
        tc.add_gate(OpType.X, [], qs, **kw)
    else:
        params = [half_turns(p) for p in op.params]
        tc.add_gate(_OPTYPES[op.name], params, qs, **kw)


def expr_to_sympy(e: E.Expr, inputs: list[sympy.Symbol], weights: list[sympy.Symbol]) -> Any:
    """An IR expression as a float or a sympy expression (radians)."""
    if isinstance(e, E.Const):
        return float(e.value)
    if isinstance(e, E.Input):
        return inputs[e.index]
    if isinstance(e, E.Weight):
        return weights[e.index]
    if isinstance(e, E.Neg):
        return -expr_to_sympy(e.operand, inputs, weights)
    if isinstance(e, E.Func):
        return _SYMPY_FUNCS[e.name](expr_to_sympy(e.arg, inputs, weights))
    lhs, rhs = (expr_to_sympy(c, inputs, weights) for c in E.children(e))
    if isinstance(e, E.Add):
        return lhs + rhs
    if isinstance(e, E.Mul):
        return lhs * rhs
    if isinstance(e, E.Div):
        return lhs / rhs
    if isinstance(e, E.Pow):
        return lhs ** _int_if_integral(rhs)
    raise TypeError(f"not an expression: {e!r}")


def _int_if_integral(value: Any) -> Any:
    """``x ** 2.0`` as ``x ** 2`` so that sympy keeps a negative base real."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def tket_placement(circuit: Circuit) -> tuple[dict[Qubit, Node], dict[Qubit, Node]]:
    """Initial and final placement of logical ``q[l]`` on device ``node[p]`` (empty if unrouted)."""
    if circuit.layout is None:
        return {}, {}
    initial = {Qubit("q", lq): Node(pq) for lq, pq in enumerate(circuit.layout.initial)}
    final = {Qubit("q", lq): Node(pq) for lq, pq in enumerate(circuit.layout.final)}
    return initial, final


def to_tket_json(circuit: Circuit) -> dict[str, Any]:
    """A JSON-ready bundle: pytket's circuit dict, parameter symbols and placement."""
    initial, final = tket_placement(circuit)
    return {
        "format": "qlang-tket-1",
        "circuit": to_tket(circuit).to_dict(),
        "parameters": [str(s) for s in tket_symbols(circuit)],
        "parameter_names": circuit.parameter_names(),
        "placement": {
            "initial": {repr(q): repr(n) for q, n in initial.items()},
            "final": {repr(q): repr(n) for q, n in final.items()},
        },
    }
