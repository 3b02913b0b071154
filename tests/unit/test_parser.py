"""Parser: constructs of the language sketch, spans on every node, doc comments."""

from __future__ import annotations

import pytest

from qlang import ast
from qlang.diagnostics import QLangError
from qlang.parser import parse, parse_full
from qlang.source import GLOBAL_SOURCES
from tests.corpus import qml_files


def first(src: str) -> ast.Node:
    return parse(src).items[0]


def test_every_node_has_a_span() -> None:
    for path in qml_files():
        module = parse(path.read_text(encoding="utf-8"), str(path))
        missing = [type(n).__name__ for n in ast.walk(module) if n.span is None]
        assert not missing, f"{path}: nodes without span: {missing[:5]}"


def test_spans_point_at_the_source_text() -> None:
    res = parse_full("circuit c(t: float) on q[1] {\n  rx(2 * t) q[0];\n}\n", "s.qml")
    call = res.module.items[0].body[0]
    assert res.source.text[call.span.start : call.span.end] == "rx(2 * t) q[0];"
    arg = call.args[0].value
    assert res.source.text[arg.span.start : arg.span.end] == "2 * t"
    assert GLOBAL_SOURCES.line_col(arg.span) == (2, 6)


def test_spans_do_not_affect_equality() -> None:
    assert parse("const a = 1;") == parse("\n\n   const a =\n 1 ;")


def test_precedence_and_associativity() -> None:
    v = first("const v = a - b - c * d ** e ** f;").value
    assert isinstance(v, ast.Binary) and v.op == "-"
    assert v.lhs == ast.Binary("-", ast.Name("a"), ast.Name("b"))
    power = v.rhs.rhs
    assert power == ast.Binary("**", ast.Name("d"), ast.Binary("**", ast.Name("e"), ast.Name("f")))


def test_unary_minus_binds_looser_than_power() -> None:
    v = first("const v = -a ** 2;").value
    assert v == ast.Unary("-", ast.Binary("**", ast.Name("a"), ast.Number(2)))


def test_long_sums_do_not_recurse() -> None:
    terms = " + ".join(f"{i}.5 * Z{i % 50}" for i in range(3000))
    v = first(f"observable h on q[50] = {terms};").body
    assert isinstance(v, ast.Binary)


def test_pauli_products_and_sums() -> None:
    v = first("const o = 0.5 * Z0 Z1 - X[i + 1] Y2;").value
    assert isinstance(v, ast.Binary) and v.op == "-"
    assert v.lhs.rhs == ast.PauliProduct(
        (ast.PauliFactor("Z", ast.Number(0)), ast.PauliFactor("Z", ast.Number(1)))
    )
    assert isinstance(v.rhs, ast.PauliProduct) and v.rhs.factors[0].pauli == "X"


def test_generator_argument() -> None:
    v = first('const o = sum(Z[i] Z[j] for (i, j) in pairs(4, "ring") if i < j);').value
    comp = v.args[0].value
    assert isinstance(comp, ast.Comprehension) and comp.kind == "gen"
    assert comp.targets == ("i", "j") and comp.condition is not None


def test_modifiers_and_measurements() -> None:
    body = first(
        "circuit c() on q[3] { bit[2] m; inv @ ctrl(2) @ u(1, 2, 3) q[0], q[1], q[2];"
        " m[0] = measure q[0]; measure q[1] -> m[1]; if (m[0] == 1) { x q[2]; } reset q; }"
    ).body
    assert isinstance(body[0], ast.BitDecl)
    assert [m.kind for m in body[1].modifiers] == ["inv", "ctrl"]
    assert body[1].modifiers[1].arg == ast.Number(2)
    assert isinstance(body[2], ast.Measure) and not body[2].arrow
    assert isinstance(body[3], ast.Measure) and body[3].arrow
    assert isinstance(body[4], ast.If) and not body[4].has_else


def test_gate_definition() -> None:
    g = first("gate zz(t: float) a, b { cx a, b; rz(t) b; cx a, b; }")
    assert g.kind == "gate" and [r.name for r in g.registers] == ["a", "b"]


def test_model_block() -> None:
    m = first(
        "model m {\n data = iris() |> standardize() |> pca(2)\n qubits = 2\n"
        " input x: float[2]\n weight w: float[3] = normal(0, 0.1) frozen\n"
        " layers = [dense(4 -> 2, tanh), quantum]\n train { seed = 7, gradient = auto }\n"
        " quantum cell { encoding = angle(x) }\n}"
    )
    kinds = [type(i).__name__ for i in m.items]
    assert kinds == ["Setting", "Setting", "InputDecl", "WeightDecl", "Setting", "Block", "Block"]
    data = m.items[0].value
    assert isinstance(data, ast.Pipe) and isinstance(data.lhs, ast.Pipe)
    assert m.items[3].frozen
    assert m.items[6].kind == "quantum" and m.items[6].label == "cell"
    arrow = m.items[4].value.items[0].args[0].value
    assert arrow == ast.Arrow(ast.Number(4), ast.Number(2))


def test_imports() -> None:
    m = parse(
        'import encodings.zz_feature_map\nimport ansatze.{a, b}\nimport "lib/x.qml" as x\n'
        'import "lib/y.qml".{c}'
    )
    a, b, c, d = m.items
    assert a.module == ("encodings", "zz_feature_map") and a.names is None
    assert b.module == ("ansatze",) and b.names == ("a", "b")
    assert c.file == "lib/x.qml" and c.alias == "x"
    assert d.file == "lib/y.qml" and d.names == ("c",)


def test_doc_comments() -> None:
    m = parse(
        "/// The module.\n\n/// First line.\n/// Second line.\ncircuit c() on q[1] { h q[0]; }\n"
        "// plain\nmodel m { qubits = 1 }"
    )
    assert m.doc == "The module."
    assert m.items[0].doc == "First line.\nSecond line."
    assert m.items[1].doc == ""


def test_keyword_names_in_model_entries() -> None:
    m = first("model m { circuit = c(x) observable = Z0 }")
    assert [i.key for i in m.items] == ["circuit", "observable"]


def test_several_errors_in_one_run() -> None:
    with pytest.raises(QLangError) as info:
        parse("circuit a() on q[1] {\n  h q[0]\n  x q[0]\n}\nmodle m {}\n")
    assert [d.code for d in info.value.diagnostics] == ["QL0002", "QL0002", "QL0009"]


@pytest.mark.parametrize("depth", [150, 2000])
def test_deep_nesting_is_a_diagnostic(depth: int) -> None:
    with pytest.raises(QLangError) as info:
        parse("const x = " + "(" * depth + "1" + ")" * depth + ";")
    assert info.value.codes == ["QL0006"]


def test_deep_unary_chain_is_a_diagnostic_or_parses() -> None:
    try:
        parse("const x = " + "-" * 5000 + "1;")
    except QLangError as err:
        assert err.codes == ["QL0006"]
