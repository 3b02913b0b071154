"""Golden parse trees for every example, stdlib file and corpus file.

Regenerate after an intended change with ``QLANG_UPDATE_GOLDEN=1 pytest tests/golden``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qlang.ast import dump
from qlang.parser import parse
from tests.corpus import ROOT, ids, qml_files

FILES = qml_files()
GOLDEN = Path(__file__).parent / "ast"


def golden_path(path: Path) -> Path:
    rel = path.relative_to(ROOT)
    return GOLDEN / (str(rel).replace("/", "__") + ".ast")


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_golden_parse(path: Path) -> None:
    tree = dump(parse(path.read_text(encoding="utf-8"), str(path)))
    target = golden_path(path)
    if os.environ.get("QLANG_UPDATE_GOLDEN"):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(tree + "\n", encoding="utf-8")
    assert target.exists(), f"no golden file for {path}: run with QLANG_UPDATE_GOLDEN=1"
    assert tree + "\n" == target.read_text(encoding="utf-8")


def test_no_stale_golden_files() -> None:
    expected = {golden_path(p).name for p in FILES}
    stale = [p.name for p in GOLDEN.glob("*.ast") if p.name not in expected]
    assert not stale, f"golden files without a source: {stale}"
