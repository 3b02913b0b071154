"""The simulator stands alone: it imports nothing from the training runtime, its modules'
docstring examples run, and it keeps no mutable state at module level (buffer pools
belong to a simulator instance)."""

from __future__ import annotations

import ast
import doctest
import importlib
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[2] / "qlang" / "sim"
MODULES = sorted(
    "qlang.sim" + ("" if p.stem == "__init__" else f".{p.stem}") for p in SIM.glob("*.py")
)


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
    return out


@pytest.mark.parametrize("path", sorted(SIM.glob("*.py")), ids=lambda p: p.name)
def test_simulator_imports_no_training_code(path: Path) -> None:
    bad = {m for m in _imports(path) if m == "qlang.train" or m.startswith("qlang.train.")}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("name", [*MODULES, "qlang.threads"])
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


@pytest.mark.parametrize("path", sorted(SIM.glob("*.py")), ids=lambda p: p.name)
def test_no_module_level_mutable_state(path: Path) -> None:
    """No module-level list/dict/set literal or ``global`` rebinding (memo caches of pure
    functions via ``functools`` are allowed; ``__all__`` and tables in ALL_CAPS that are
    never mutated are constants)."""
    tree = ast.parse(path.read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Global)], path.name
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(
            node.value, (ast.List, ast.Set, ast.ListComp, ast.SetComp)
        ):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            assert names == ["__all__"], f"{path.name}: module-level mutable {names}"
