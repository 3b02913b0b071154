"""Hypothesis: random ASTs survive format -> parse unchanged.

The strategies build trees directly (not text), so every construct the
formatter can print is exercised, including parenthesisation corner cases.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qlang import ast
from qlang.formatter import format_module
from qlang.parser import KEYWORDS, parse

names = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).filter(lambda s: s not in KEYWORDS)
numbers = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(ast.Number),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False).map(ast.Number),
)
strings = st.text(alphabet='abc XYZ"\\_-\n', max_size=8).map(ast.String)
leaves = st.one_of(numbers, names.map(ast.Name), strings, st.booleans().map(ast.Bool))

BIN_OPS = ["+", "-", "*", "/", "%", "**", "==", "!=", "<", "<=", ">", ">=", "and", "or"]


def extend(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    args = st.lists(st.builds(ast.Arg, st.one_of(st.none(), names), children), max_size=3).map(
        tuple
    )
    pauli = st.builds(
        ast.PauliFactor,
        st.sampled_from("XYZI"),
        st.one_of(st.integers(0, 40).map(ast.Number), children),
    )
    return st.one_of(
        st.builds(ast.Binary, st.sampled_from(BIN_OPS), children, children),
        st.builds(ast.Unary, st.sampled_from(["-", "+", "not"]), children),
        st.builds(ast.Call, names.map(ast.Name), args),
        st.builds(
            ast.Index,
            names.map(ast.Name),
            st.lists(
                st.one_of(
                    children,
                    st.builds(
                        ast.Slice, st.none() | children, st.none() | children, st.none() | children
                    ),
                ),
                min_size=1,
                max_size=2,
            ).map(tuple),
        ),
        st.builds(ast.Range, children, children),
        st.lists(children, max_size=3).map(lambda xs: ast.ListExpr(tuple(xs))),
        st.lists(children, min_size=1, max_size=3).map(lambda xs: ast.TupleExpr(tuple(xs))),
        st.lists(pauli, min_size=2, max_size=3).map(lambda fs: ast.PauliProduct(tuple(fs))),
        pauli,
        st.builds(ast.Arrow, children, children),
        st.builds(ast.Pipe, children, children),
        st.builds(
            lambda e, t, it, c: ast.Call(
                ast.Name("sum"), (ast.Arg(None, ast.Comprehension(e, t, it, c, "gen")),)
            ),
            children,
            st.lists(names, min_size=1, max_size=2).map(tuple),
            children,
            st.none() | children,
        ),
        st.builds(
            lambda e, t, it: ast.Comprehension(e, t, it, None, "list"),
            children,
            st.lists(names, min_size=1, max_size=2).map(tuple),
            children,
        ),
    )


exprs = st.recursive(leaves, extend, max_leaves=12)


def _normalise(e: ast.Expr) -> ast.Expr:
    """Comprehension targets of one name print as `i`; tuples of >=2 as `(i, j)`."""
    return e


qargs = st.one_of(
    names.map(ast.Name),
    st.builds(lambda n, i: ast.Index(ast.Name(n), (i,)), names, exprs),
)
gate_calls = st.builds(
    lambda mods, n, a, q, p: ast.GateCall(tuple(mods), n, tuple(a), tuple(q), p or bool(a)),
    st.lists(
        st.builds(ast.Modifier, st.sampled_from(["inv", "ctrl", "pow"]), st.none() | exprs),
        max_size=2,
    ),
    names,
    st.lists(st.builds(ast.Arg, st.none() | names, exprs), max_size=2),
    st.lists(qargs, min_size=1, max_size=3),
    st.booleans(),
)


def statements(depth: int = 2) -> st.SearchStrategy[ast.Node]:
    simple = st.one_of(
        gate_calls,
        st.builds(ast.Let, names, exprs),
        st.builds(ast.Reset, st.lists(qargs, min_size=1, max_size=2).map(tuple)),
        st.builds(ast.Barrier, st.lists(qargs, max_size=2).map(tuple)),
        st.builds(ast.Measure, qargs, st.none() | qargs, st.booleans()).map(
            lambda m: m if m.target is not None else ast.Measure(m.qubits, None, False)
        ),
        st.builds(ast.BitDecl, names, st.none() | exprs),
    )
    if depth == 0:
        return simple
    body = st.lists(statements(depth - 1), max_size=3).map(tuple)
    return st.one_of(
        simple,
        st.builds(ast.For, st.lists(names, min_size=1, max_size=2).map(tuple), exprs, body),
        st.builds(ast.Repeat, exprs, body),
        st.builds(
            lambda c, t, e, h: ast.If(c, t, e if h else (), h), exprs, body, body, st.booleans()
        ),
    )


types = st.builds(
    ast.TypeExpr,
    st.sampled_from(["float", "int", "weight", "str"]),
    st.lists(exprs, max_size=2).map(tuple),
)
params = st.lists(st.builds(ast.Param, names, types, st.none() | exprs), max_size=3).map(tuple)
circuits = st.builds(
    lambda n, p, regs, body: ast.CircuitDef("circuit", n, p, regs, body),
    names,
    params,
    st.lists(st.builds(ast.Register, names, st.none() | exprs), min_size=1, max_size=2).map(tuple),
    st.lists(statements(), max_size=4).map(tuple),
)
settings_ = st.builds(ast.Setting, names, exprs)
models = st.builds(
    lambda n, items: ast.ModelDef(n, tuple(items)),
    names,
    st.lists(
        st.one_of(
            settings_,
            st.builds(
                ast.Block, names, st.none() | names, st.lists(settings_, max_size=3).map(tuple)
            ),
            st.builds(ast.InputDecl, names, types),
            st.builds(ast.WeightDecl, names, types, st.none() | exprs, st.booleans()),
        ),
        max_size=5,
    ),
)
modules = st.lists(
    st.one_of(circuits, models, st.builds(ast.ConstDef, names, st.none() | types, exprs)),
    max_size=3,
).map(lambda xs: ast.Module(tuple(xs)))


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(modules)
def test_format_then_parse_is_identity(module: ast.Module) -> None:
    text = format_module(module)
    try:
        reparsed = parse(text)
    except Exception as exc:  # pragma: no cover - shown on failure
        raise AssertionError(f"formatter output does not parse:\n{text}") from exc
    assert reparsed == module, f"round trip changed the tree:\n{text}"
