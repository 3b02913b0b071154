"""Circuit.verify on shared expression objects, and is_constant's early exit."""

from __future__ import annotations

import pytest

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, IRVerificationError, Operation, ParamDecl


def _circuit(param: E.Expr, n_inputs: int) -> Circuit:
    ops = (Operation("rz", (0,), (param,)), Operation("rx", (1,), (param,)))
    inputs = (ParamDecl("x", (n_inputs,), 0),) if n_inputs else ()
    return Circuit(2, ops, inputs=inputs)


def test_shared_expression_is_checked_and_still_rejected() -> None:
    shared = E.add(E.mul(E.Const(2.0), E.Input(3)), E.Const(1.0))
    _circuit(shared, 4).verify()  # in range: both ops pass
    with pytest.raises(IRVerificationError, match="op 0 .*input index 3 out of range"):
        _circuit(shared, 2).verify()


@pytest.mark.parametrize(
    ("e", "const"),
    [
        (E.Const(1.5), True),
        (E.Input(0), False),
        (E.Weight(2), False),
        (E.Neg(E.Func("cos", E.Const(0.3))), True),
        (E.Add(E.Const(1.0), E.Mul(E.Const(2.0), E.Weight(0))), False),
        (E.Pow(E.Const(2.0), E.Input(1)), False),
    ],
)
def test_is_constant(e: E.Expr, const: bool) -> None:
    assert E.is_constant(e) is const
    assert E.is_constant(e) is (not E.symbols(e))
