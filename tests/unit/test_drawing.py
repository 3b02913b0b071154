"""Circuit drawings: folded text, full parameter names or a legend, SVG and PNG pictures."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from qlang.commands.inspect import command as inspect_command
from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.expr import Input
from qlang.semantics.drawing import draw, layout
from qlang.semantics.drawing_svg import save, to_svg

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "examples").glob("*.qml")) + sorted((ROOT / "stdlib").glob("*.qml"))


def _lanes(text: str, n: int) -> list[str]:
    """Each qubit's lane with the folds joined back together (prefix and ends removed)."""
    lanes = [""] * n
    for block in text.split("\n\n"):
        for q, line in enumerate(block.splitlines()[:n]):
            body = line.split(": ─", 1)[1][:-1]
            lanes[q] += ("──" if lanes[q] else "") + body
    return lanes


def test_iris_inspect_fits_80_columns_like_a_terminal() -> None:
    """The issue's bar, run as a user would: `COLUMNS=80 qlang inspect examples/iris_vqc.qml`."""
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run(
        [sys.executable, "-m", "qlang.cli", "inspect", str(ROOT / "examples" / "iris_vqc.qml")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert sum("q0: ─" in line for line in lines) > 1  # folded, not cut
    names = load_model(ROOT / "examples" / "iris_vqc.qml").circuit.weight_names()
    for name in names:  # every weight label printed in full
        assert name in out, name
    assert "…" not in out


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_fits_the_width(path: Path, width: int) -> None:
    res = CliRunner().invoke(inspect_command, [str(path), "--width", str(width)])
    assert res.exit_code == 0, res.output
    too_long = [line for line in res.output.splitlines() if len(line) > width]
    assert not too_long, too_long[:3]


def test_folding_keeps_every_column_in_order() -> None:
    c = load_model(ROOT / "examples" / "qaoa_maxcut.qml").circuit
    whole = draw(c, None)
    assert "\n\n" not in whole
    folded = draw(c, 70)
    assert folded.count("\n\n") > 3
    assert _lanes(folded, c.num_qubits) == _lanes(whole, c.num_qubits)


def test_long_expressions_go_to_a_legend() -> None:
    c = load_model(ROOT / "examples" / "havlicek_vqc.qml").circuit
    text = draw(c, 80)
    x0, x1 = c.input_names()
    assert "rzz(#1)" in text
    assert f"#1 = 2.0 * (pi - {x0}) * (pi - {x1})" in text
    assert f"ry({c.weight_names()[-1]})" in text
    # a wide page prints it in place
    assert "#1" not in draw(c, None, max_label=60)
    # the legend itself wraps to the width
    angle = sum((Input(i) for i in range(1, 40)), Input(0))
    long = Circuit(1, (Operation("rz", (0,), (angle,)),), inputs=(ParamDecl("x", (40,), 0),))
    text = draw(long, 40)
    assert max(len(line) for line in text.splitlines()) <= 40
    assert long.input_names()[-1] in text


def test_legend_lists_only_drawn_columns() -> None:
    ops = tuple(
        Operation("rz", (0,), (Input(0) * Input(1) * Input(0) * Input(1) + Input(i % 2),))
        for i in range(4)
    )
    c = Circuit(1, ops, inputs=(ParamDecl("x", (2,), 0),))
    d = layout(c, max_label=10)
    assert [k for k, _ in d.legend] == ["#1", "#2"]
    d1 = layout(c, max_label=10, max_columns=1)
    assert [k for k, _ in d1.legend] == ["#1"] and d1.hidden == 3


def test_svg_is_well_formed_and_shows_every_gate() -> None:
    c = load_model(ROOT / "examples" / "iris_vqc.qml").circuit
    svg = to_svg(c)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    for name in c.weight_names():
        assert any(t and name in t for t in texts), name
    assert sum(t is not None and t.startswith("ry(x[") for t in texts) == 4
    # 12 CNOTs: 12 controls (filled) and 12 targets (open circles)
    circles = list(root.iter(f"{ns}circle"))
    assert sum(cc.get("fill") == "#fff" for cc in circles) == 12
    assert sum(cc.get("fill") != "#fff" for cc in circles) == 12


def test_inspect_writes_svg_and_png(tmp_path: Path) -> None:
    model = str(ROOT / "examples" / "havlicek_vqc.qml")
    res = CliRunner().invoke(inspect_command, [model, "--draw", str(tmp_path / "c.svg")])
    assert res.exit_code == 0, res.output
    assert ET.parse(tmp_path / "c.svg").getroot().tag.endswith("svg")
    res = CliRunner().invoke(inspect_command, [model, "--draw", str(tmp_path / "c.png")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.png", "c.svg"]


def test_inspect_rejects_an_unknown_picture_format_before_work(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        inspect_command,
        [str(ROOT / "examples" / "iris_vqc.qml"), "--draw", str(tmp_path / "c.jpg")],
    )
    assert res.exit_code == 1
    assert "QL0530" in res.output
    assert not list(tmp_path.iterdir())


def test_one_picture_per_circuit_of_a_library_file(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        inspect_command,
        [str(ROOT / "stdlib" / "encodings.qml"), "--no-draw", "--draw", str(tmp_path / "e.svg")],
    )
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "e-angle.svg" in names and "e-zz_feature_map.svg" in names


def test_save_is_atomic_and_checks_the_suffix(tmp_path: Path) -> None:
    c = Circuit(2, (Operation("h", (0,)), Operation("cx", (0, 1))))
    save(c, tmp_path / "a.svg")
    with pytest.raises(QLangError) as err:
        save(c, tmp_path / "a.pdf")
    assert err.value.codes == ["QL0530"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.svg"]
