"""The formatter: round trip, idempotence, comment preservation."""

from __future__ import annotations

from pathlib import Path

import pytest

from qlang.formatter import expr, format_source
from qlang.parser import parse
from tests.corpus import ids, qml_files

FILES = qml_files()


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_round_trip(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    out = format_source(text, str(path))
    assert parse(out) == parse(text)
    assert format_source(out) == out


def test_comments_are_kept() -> None:
    src = "// head\ncircuit c() on q[1] {\n  // inside\n  h q[0]; // after\n}\n// tail\n"
    out = format_source(src)
    for piece in ("// head", "// inside", "h q[0];  // after", "// tail"):
        assert piece in out


def test_doc_comment_stays_attached() -> None:
    src = "/// Module.\n\n/// The circuit.\ncircuit c() on q[1] { h q[0]; }\n"
    out = format_source(src)
    m = parse(out)
    assert m.doc == "Module." and m.items[0].doc == "The circuit."


@pytest.mark.parametrize(
    "source,expected",
    [
        ("(a + b) * c", "(a + b) * c"),
        ("a + (b * c)", "a + b * c"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("-(a ** b)", "-a ** b"),
        ("(-a) ** b", "(-a) ** b"),
        ("a ** (b ** c)", "a ** b ** c"),
        ("(a ** b) ** c", "(a ** b) ** c"),
        ("not (a and b)", "not (a and b)"),
        ("(0..n)", "0..n"),
        ("0.5 * Z0 Z1 - X[i + 1]", "0.5 * Z0 Z1 - X[i + 1]"),
        ("f(x, reps = 2)", "f(x, reps = 2)"),
        (
            '[i for (i, j) in pairs(n, "ring") if i < j]',
            '[i for (i, j) in pairs(n, "ring") if i < j]',
        ),
        ("x[1:, ::2]", "x[1:, ::2]"),
        ("(1,)", "(1,)"),
        ("iris() |> pca(2)", "iris() |> pca(2)"),
    ],
)
def test_expression_printing(source: str, expected: str) -> None:
    value = parse(f"const v = {source};").items[0].value
    assert expr(value) == expected
    assert parse(f"const v = {expected};").items[0].value == value


def test_model_block_alignment() -> None:
    out = format_source("model m { data = iris() qubits = 4 train { seed = 1 } }")
    assert out.splitlines() == [
        "model m {",
        "  data   = iris()",
        "  qubits = 4",
        "  train  { seed = 1 }",
        "}",
    ]


ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "examples").glob("*.qml")) + sorted((ROOT / "stdlib").glob("*.qml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_example_and_stdlib_file_is_canonical(path: Path) -> None:
    """What `qlang fmt --check examples/*.qml stdlib/*.qml` checks in CI (.ci/run)."""
    text = path.read_text(encoding="utf-8")
    assert format_source(text, str(path)) == text, f"run `qlang fmt {path.relative_to(ROOT)}`"


def test_fmt_diff_prints_the_change_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from qlang.cli import main

    path = tmp_path / "c.qml"
    path.write_text("circuit bell() on q[2] {h q[0];cx q[0],q[1];}")
    res = CliRunner().invoke(main, ["fmt", "--diff", str(path)])
    assert res.exit_code == 1
    assert "+  cx q[0], q[1];" in res.stdout
    assert path.read_text() == "circuit bell() on q[2] {h q[0];cx q[0],q[1];}"
    path.write_text(format_source(path.read_text()))
    res = CliRunner().invoke(main, ["fmt", "--diff", str(path)])
    assert res.exit_code == 0 and res.stdout == ""
