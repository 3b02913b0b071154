"""`qlang check` and `qlang fmt` exit codes and output formats."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from qlang.cli import main

GOOD = "circuit bell() on q[2] {\n  h q[0];\n  cx q[0], q[1];\n}\n"
BAD = "circuit bell() on q[2] {\n  h q[0]\n}\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_check_clean_file(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["check", str(write(tmp_path, "a.qml", GOOD))])
    assert res.exit_code == 0, res.output


def test_check_bad_file_text(tmp_path: Path) -> None:
    path = write(tmp_path, "b.qml", BAD)
    res = CliRunner().invoke(main, ["check", str(path)])
    assert res.exit_code == 1
    assert "error[QL0002]" in res.output and f"{path}:2:9" in res.output


def test_check_json(tmp_path: Path) -> None:
    path = write(tmp_path, "b.qml", BAD)
    res = CliRunner().invoke(main, ["check", "--format", "json", str(path)])
    assert res.exit_code == 1
    diags = json.loads(res.stdout)
    assert diags[0]["code"] == "QL0002"
    assert (diags[0]["line"], diags[0]["col"]) == (2, 9)
    assert set(diags[0]) >= {"code", "severity", "message", "file", "line", "col", "end"}


def test_check_missing_file(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["check", str(tmp_path / "nope.qml")])
    assert res.exit_code == 1 and "QL0010" in res.output


def test_check_binary_file(tmp_path: Path) -> None:
    p = tmp_path / "bin.qml"
    p.write_bytes(b"\xff\xfe\x00circuit")
    res = CliRunner().invoke(main, ["check", str(p)])
    assert res.exit_code == 1 and "QL0011" in res.output


def test_fmt_check_and_rewrite(tmp_path: Path) -> None:
    path = write(tmp_path, "c.qml", "circuit bell() on q[2] {h q[0];cx q[0],q[1];}")
    res = CliRunner().invoke(main, ["fmt", "--check", str(path)])
    assert res.exit_code == 1
    res = CliRunner().invoke(main, ["fmt", str(path)])
    assert res.exit_code == 0
    assert path.read_text() == GOOD
    res = CliRunner().invoke(main, ["fmt", "--check", str(path)])
    assert res.exit_code == 0


def test_fmt_leaves_bad_file_untouched(tmp_path: Path) -> None:
    path = write(tmp_path, "d.qml", BAD)
    res = CliRunner().invoke(main, ["fmt", str(path)])
    assert res.exit_code == 1 and path.read_text() == BAD
