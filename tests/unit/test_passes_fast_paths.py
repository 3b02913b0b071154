"""The consolidation loop's fast paths decide exactly as the plain definitions they replace."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from qlang.passes import linear as L
from qlang.passes.optimization.resynth import _is_const_gate

from qlang.ir import expr as E
from qlang.ir.circuit import Condition, Operation

LEAVES = st.one_of(
    st.floats(-4, 4).map(E.Const),
    st.integers(0, 2).map(E.Input),
    st.integers(0, 2).map(E.Weight),
)


def _node(children: st.SearchStrategy[E.Expr]) -> st.SearchStrategy[E.Expr]:
    # raw nodes (no simplification): constant sub-trees that are not `Const` occur too
    return st.one_of(
        st.tuples(children, children).map(lambda t: E.Add(*t)),
        st.tuples(children, children).map(lambda t: E.Mul(*t)),
        children.map(E.Neg),
        children.map(lambda a: E.Func("sin", a)),
    )


EXPRS = st.recursive(LEAVES, _node, max_leaves=6)
NAMES = st.sampled_from(["rz", "rx", "u", "cx", "crz", "rzz", "measure", "barrier", "mcx", "h"])


@st.composite
def operations(draw: st.DrawFn) -> Operation:
    name = draw(NAMES)
    params = tuple(draw(st.lists(EXPRS, max_size=3)))
    cond = draw(st.sampled_from([None, Condition((0,), 1)]))
    return Operation(name, (0,), params, condition=cond)


def _is_const_gate_reference(op: Operation) -> bool:
    if not op.is_gate or op.condition is not None or op.name == "mcx":
        return False
    return all(type(p) is E.Const for p in op.params) or not op.is_parameterized


@settings(max_examples=200, deadline=None)
@given(operations())
def test_is_const_gate_matches_its_definition(op: Operation) -> None:
    assert _is_const_gate(op) == _is_const_gate_reference(op)


def _same_reference(a: E.Expr, b: E.Expr) -> bool:
    def close_zero(e: E.Expr) -> bool:
        v = L.constant_value(e)
        return v is not None and abs(v) <= 1e-12

    return a == b or L.constant_value(E.sub(a, b)) == 0.0 or close_zero(E.sub(a, b))


@settings(max_examples=150, deadline=None)
@given(EXPRS, EXPRS, st.booleans())
def test_linear_same_matches_its_definition(a: E.Expr, b: E.Expr, shift: bool) -> None:
    if shift:  # provably equal pairs too
        b = E.Add(E.Add(a, E.Weight(1)), E.Neg(E.Weight(1)))
    assert L.same(a, b) == _same_reference(a, b)
