"""No import cycle inside the simulator, the training runtime, the semantics or the passes.

A static walk of every ``import`` / ``from ... import`` statement (nothing is imported):
module-level statements and statements inside functions are kept as two graphs, since a
cycle of module-level imports breaks at import time while a function-level import only
hides one. Each area must be acyclic in both: the module-level graph alone, and the graph
of all imports (a lazy import inside a function that closes a cycle is still a cycle of
the design). Known cycles that other work is removing are listed in ``ALLOWED`` with the
modules of the cycle, so the test passes until they are gone and fails on any new one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: installed package name -> source folder (pyproject's package-dir)
PACKAGE_DIRS = {
    "qlang.passes": ROOT / "passes",
    "qlang.targets": ROOT / "targets",
    "qlang": ROOT / "qlang",
}
#: compiled extension modules (no Python source: nodes without edges)
EXTENSIONS = {
    "qlang.passes.routing._kernels": ROOT / "passes" / "routing" / "_kernels.c",
    "qlang.sim._executor": ROOT / "qlang" / "sim" / "_executor.c",
    "qlang.sim._gram": ROOT / "qlang" / "sim" / "_gram.c",
}
AREAS = ("qlang.sim", "qlang.train", "qlang.semantics", "qlang.passes")
#: cycles still being removed elsewhere: (area, kind, frozenset of the cycle's modules)
ALLOWED: set[tuple[str, str, frozenset[str]]] = set()


def modules() -> dict[str, Path]:
    """Every module of the installed packages by dotted name (``__init__`` as the package)."""
    out: dict[str, Path] = {}
    for pkg, folder in PACKAGE_DIRS.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([pkg, *parts])
            if name.startswith("qlang.passes") and pkg == "qlang" or ".venv" in path.parts:
                continue
            out.setdefault(name, path)
    return {**out, **EXTENSIONS}


def _targets(node: ast.AST, here: str, is_pkg: bool, known: dict[str, Path]) -> list[str]:
    """The modules an import statement loads (a ``from`` name that is a submodule counts as
    that submodule; otherwise the module it is taken from)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in known]
    assert isinstance(node, ast.ImportFrom)
    base = node.module or ""
    if node.level:
        parts = here.split(".")
        if not is_pkg:
            parts = parts[:-1]
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join(parts + ([base] if base else []))
    out = []
    for a in node.names:
        sub = f"{base}.{a.name}"
        if sub in known:
            out.append(sub)
        elif base in known:
            out.append(base)
    return out


def import_graphs(known: dict[str, Path]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module-level edges, function-level edges) between the known modules. Imports
    under ``if TYPE_CHECKING:`` are left out (they never run)."""
    top: dict[str, set[str]] = {m: set() for m in known}
    inner: dict[str, set[str]] = {m: set() for m in known}

    def walk(node: ast.AST, here: str, is_pkg: bool, in_func: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                graph = inner if in_func else top
                graph[here].update(t for t in _targets(child, here, is_pkg, known) if t != here)
            func = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            walk(child, here, is_pkg, in_func or func)

    for name, path in known.items():
        if path.suffix != ".py":
            continue
        tree = ast.parse(path.read_text(), str(path))
        walk(tree, name, path.name == "__init__.py", False)
    return top, inner


def cycles(edges: dict[str, set[str]], area: str) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (or a module importing
    itself) among the modules of ``area`` (edges leaving it ignored)."""
    inside = {m for m in edges if m == area or m.startswith(area + ".")}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[frozenset[str]] = []

    def strong(v: str) -> None:  # Tarjan
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v] & inside):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(frozenset(comp))

    for v in sorted(inside):
        if v not in index:
            strong(v)
    return out


KNOWN = modules()
TOP, INNER = import_graphs(KNOWN)
ALL = {m: TOP[m] | INNER[m] for m in KNOWN}


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize("kind", ["module-level", "all"])
def test_no_import_cycle(area: str, kind: str) -> None:
    found = cycles(TOP if kind == "module-level" else ALL, area)
    new = [sorted(c) for c in found if (area, kind, c) not in ALLOWED]
    assert not new, f"import cycles in {area} ({kind} imports): {new}"


def test_allow_list_is_current() -> None:
    """Every allowed cycle still exists (a fixed cycle leaves the list)."""
    for area, kind, cyc in ALLOWED:
        assert cyc in cycles(TOP if kind == "module-level" else ALL, area), sorted(cyc)


def test_walker_sees_cycles() -> None:
    """The walker finds a cycle closed by a function-level import, and only in ``all``."""
    edges = {"a.x": {"a.y"}, "a.y": set()}
    assert cycles(edges, "a") == []
    edges["a.y"].add("a.x")
    assert cycles(edges, "a") == [frozenset({"a.x", "a.y"})]
    tree = ast.parse("import qlang.ir.circuit\ndef f():\n    from qlang.ir import expr\n")
    assert _targets(tree.body[0], "qlang.x", False, KNOWN) == ["qlang.ir.circuit"]
    inner_node = tree.body[1].body[0]  # type: ignore[attr-defined]
    assert _targets(inner_node, "qlang.x", False, KNOWN) == ["qlang.ir.expr"]
    assert "qlang.passes.routing.strategy" in KNOWN and "qlang.sim" in KNOWN
