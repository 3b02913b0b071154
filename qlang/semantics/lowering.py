"""Lowering a named circuit of a module to the circuit IR.

Example::

    >>> from qlang.semantics.loader import Loader
    >>> loader = Loader()
    >>> m = loader.load_text("circuit a(x: float[n]) on q[n] { for i in 0..n { ry(x[i]) q[i]; } }")
    >>> c = lower_named_circuit(loader, m, "a", {"n": 2})
    >>> c.parameter_names()
    ['x[0]', 'x[1]']
"""

from __future__ import annotations

from typing import Any

from qlang import ast as A
from qlang.diagnostics import QLangError, did_you_mean
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit
from qlang.semantics import codes as C
from qlang.semantics.circuits import Builder, Lowerer
from qlang.semantics.codes import SemanticError, fail
from qlang.semantics.loader import Loader, Module
from qlang.semantics.params import ParamTable
from qlang.semantics.values import Definition, Qubits


def to_value(v: Any) -> Any:
    """Python arguments -> compile-time values (lists become tuples)."""
    if isinstance(v, (list, tuple)):
        return tuple(to_value(i) for i in v)
    if hasattr(v, "tolist"):
        return to_value(v.tolist())
    return v


def circuit_from_text(text: str, name: str, **args: Any) -> Circuit:
    """Load ``text`` as a module and lower its circuit ``name(**args)``.

    Example:
        >>> circuit_from_text("circuit bell on q[2] { h q[0]; cx q[0], q[1]; }", "bell").ops[1].name
        'cx'
    """
    loader = Loader()
    module = loader.load_text(text)
    loader.check()
    return lower_named_circuit(loader, module, name, args)


def lower_named_circuit(loader: Loader, module: Module, name: str, args: dict[str, Any]) -> Circuit:
    """Lower ``name(**args)`` on fresh registers; missing arrays become inputs/weights.

    Register sizes come from ``qubits=`` / the size name (``n=3``) or are inferred
    from array arguments (``x=[...]`` with ``x: float[n]``).
    """
    found, defn = module.scope.lookup(name)
    if not found or not isinstance(defn, Definition) or defn.kind == "observable":
        cands = [k for k, v in module.scope.vars.items() if isinstance(v, Definition)]
        raise QLangError(
            [
                fail(
                    C.UNKNOWN_GATE,
                    f"no circuit `{name}` in the module",
                    None,
                    did_you_mean(name, cands),
                ).diagnostic
            ]
        )
    node = defn.node
    assert isinstance(node, A.CircuitDef)
    args = {k: to_value(v) for k, v in args.items()}
    qubits = args.pop("qubits", None)
    builder = Builder()
    qargs: list[Qubits] = []
    params = {p.name: p for p in node.params}
    for reg in node.registers:
        size: Any = 1
        if reg.size is not None:
            size = qubits
            if isinstance(reg.size, A.Name):
                if reg.size.id in args and reg.size.id not in params:
                    size = args.pop(reg.size.id)
                if size is None:
                    size = _infer_size(reg.size.id, node, args)
            elif isinstance(reg.size, A.Number):
                size = int(reg.size.value)
        if size is None:
            raise QLangError(
                [
                    fail(
                        C.QUBIT_COUNT, f"how many qubits for `{reg.name}`? pass `qubits=`", reg.span
                    ).diagnostic
                ]
            )
        try:
            qargs.append(builder.qubits(int(size), reg.span))
        except SemanticError as err:  # a register beyond the limits
            raise QLangError([err.diagnostic]) from None
        qubits = None if reg.size is not None else qubits
    table = ParamTable()
    lowerer = Lowerer(table, implicit_inputs=True)
    kwargs = {k: (v, None) for k, v in args.items()}
    try:
        lowerer.call(defn, [], kwargs, qargs, builder, node.span)
    except SemanticError as e:
        lowerer.report(e)
    if lowerer.diagnostics:
        raise QLangError(lowerer.diagnostics)
    circuit = Circuit(
        num_qubits=builder.num_qubits,
        ops=tuple(builder.ops),
        num_clbits=builder.num_clbits,
        inputs=tuple(table.inputs),
        weights=tuple(table.weights),
        global_phase=E.ZERO,
        name=name,
        span=node.span,
    )
    circuit.verify()
    return circuit


def _infer_size(size_name: str, node: A.CircuitDef, args: dict[str, Any]) -> int | None:
    from qlang.semantics.values import shape_of

    for p in node.params:
        if p.name in args and p.type.dims and isinstance(p.type.dims[0], A.Name):
            if p.type.dims[0].id == size_name:
                shape = shape_of(args[p.name])
                if shape:
                    return shape[0]
    return None
