"""Bind concrete values into a circuit's symbolic parameters.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Input
    >>> c = Circuit(1, (Operation("rx", (0,), (2 * Input(0),)),),
    ...             inputs=(ParamDecl("x", (1,), 0),))
    >>> bind_circuit(c, [0.25]).ops[0].params
    (Const(value=0.5),)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit


def bind_parts(
    circuit: Circuit,
    inputs: Sequence[float] | None = None,
    weights: Sequence[float] | None = None,
) -> Circuit:
    """Bind all inputs and/or all weights; the other kind stays free (and declared).

    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Input, Weight
    >>> c = Circuit(1, (Operation("rx", (0,), (Input(0) + Weight(0),)),),
    ...             inputs=(ParamDecl("x", (1,), 0),), weights=(ParamDecl("w", (1,), 0),))
    >>> b = bind_parts(c, weights=[0.5])
    >>> b.parameter_names(), b.ops[0].params
    (['x[0]'], (Add(lhs=Input(index=0), rhs=Const(value=0.5)),))
    """
    for what, vals, size in (
        ("input", inputs, circuit.num_inputs),
        ("weight", weights, circuit.num_weights),
    ):
        if vals is not None and len(vals) != size:
            raise ValueError(f"expected {size} {what} values, got {len(vals)}")
    xs = {i: float(v) for i, v in enumerate(inputs)} if inputs is not None else None
    ws = {i: float(v) for i, v in enumerate(weights)} if weights is not None else None

    def bind(e: E.Expr) -> E.Expr:
        return E.bind(e, xs, ws)

    ops = tuple(replace(op, params=tuple(bind(p) for p in op.params)) for op in circuit.ops)
    return replace(
        circuit,
        ops=ops,
        inputs=() if inputs is not None else circuit.inputs,
        weights=() if weights is not None else circuit.weights,
        global_phase=bind(circuit.global_phase),
    )


def bind_circuit(circuit: Circuit, values: Sequence[float]) -> Circuit:
    """All parameters replaced by ``values`` (in :meth:`Circuit.parameter_names` order).

    The result declares no inputs or weights; every angle is a constant.
    """
    n_in = circuit.num_inputs
    if len(values) != n_in + circuit.num_weights:
        raise ValueError(
            f"expected {n_in + circuit.num_weights} parameter values, got {len(values)}"
        )
    xs = {i: float(v) for i, v in enumerate(values[:n_in])}
    ws = {i: float(v) for i, v in enumerate(values[n_in:])}

    def bind(e: E.Expr) -> E.Expr:
        return E.bind(e, xs, ws)

    ops = tuple(replace(op, params=tuple(bind(p) for p in op.params)) for op in circuit.ops)
    return replace(circuit, ops=ops, inputs=(), weights=(), global_phase=bind(circuit.global_phase))
