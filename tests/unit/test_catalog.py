"""The catalog is the one vocabulary: its docs tables are generated, no module keeps a
second list of its names, every supported entry has an implementation, and checking a
model never imports the training runtime."""

from __future__ import annotations

import ast
import doctest
import importlib
import re
import subprocess
import sys
from dataclasses import fields

import pytest

from qlang import catalog
from qlang.catalog import CATALOG, KINDS
from qlang.catalog.docs import PAGES, kinds_in, render_docs
from qlang.catalog.schema import OPAQUE, REQUIRED, Problem
from qlang.codes import CODES
from qlang.ir.model import Call, Target, Training
from qlang.ir.noise import NoiseModel
from tests.corpus import ROOT

#: kinds whose names are vocabulary words (model, train, target and recurrent keys are
#: ordinary words such as `data` or `seed`, and are checked where they are used)
VOCABULARY = tuple(k for k in KINDS if k not in ("model", "train", "target", "recurrent"))


@pytest.mark.parametrize("page", PAGES)
def test_docs_tables_are_generated_from_the_catalog(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    assert text == render_docs(ROOT)[page], f"{page} is out of date: run `python -m qlang.catalog`"


def test_every_kind_has_a_docs_table() -> None:
    shown = [k for page in PAGES for k in kinds_in((ROOT / page).read_text(encoding="utf-8"))]
    assert sorted(shown) == sorted(KINDS)


def _string_collections(tree: ast.AST):
    for node in ast.walk(tree):
        items: list[ast.expr] = []
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = list(node.elts)
        elif isinstance(node, ast.Dict):
            items = [k for k in node.keys if k is not None]
        strings = [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]
        if len(strings) >= 3 and len(strings) == len(items):
            yield node.lineno, strings


#: second lists left in place on purpose, with the reason (path: kind)
ALLOWED = {
    # the simulator's own API: QuantumFunction(gradient=...) also takes the hyphenated
    # spellings its callers use; the catalog's gradient entries point at its functions
    ("qlang/sim/function.py", "gradient"),
    # the simulator's check of a hand-built IR readout kind (QL0605)
    ("qlang/sim/readout.py", "readout"),
}


def test_no_second_list_of_catalog_names() -> None:
    """A tuple, list, set or dict of 3+ names of one kind outside the catalog is a second
    list that can drift from it (the runtime must dispatch through the catalog)."""
    offenders = []
    for folder in ("qlang", "targets", "passes"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "catalog" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for line, strings in _string_collections(tree):
                for kind in VOCABULARY:
                    names = set(catalog.names(kind))
                    rel = str(path.relative_to(ROOT))
                    if sum(s in names for s in strings) >= 3 and (rel, kind) not in ALLOWED:
                        offenders.append(f"{path.relative_to(ROOT)}:{line} ({kind}: {strings})")
    assert not offenders, "\n".join(offenders)


def test_error_docs_name_catalog_entries_in_full_or_not_at_all() -> None:
    """docs/errors*.md are generated from qlang/codes: an explanation that lists names of
    a kind must list them all (a partial list is a stale copy of the catalog)."""
    stale = []
    for code, info in CODES.items():
        text = " ".join((info.explanation, info.bad, info.fix))
        words = set(re.findall(r"[a-z_][a-z0-9_]*", text))
        for kind in VOCABULARY:
            names = set(catalog.names(kind))
            hit = words & names
            if len(hit) >= 4 and hit != names:
                stale.append(f"{code} lists {kind} {sorted(hit)}, missing {sorted(names - hit)}")
    assert not stale, "\n".join(stale)


def test_every_supported_entry_loads_its_implementation() -> None:
    for kind, table in CATALOG.items():
        for entry in table.values():
            if entry.value_key:
                continue
            if entry.status.ok:
                assert entry.load() is not None, f"{kind}:{entry.name}"
            else:
                assert entry.status.reason and entry.status.requires, f"{kind}:{entry.name}"


def test_every_argument_has_a_documented_valid_example() -> None:
    """The conformance test sets each argument to its ``example``: it must bind."""
    for kind, table in CATALOG.items():
        for entry in table.values():
            for p in entry.params:
                assert p.doc, f"{kind}:{entry.name}.{p.name} has no doc"
                if p.type == OPAQUE or entry.value_key and p.required:
                    continue
                if p.required and p.example is None:
                    continue  # a required string (csv path): the test writes a file
                assert p.example is not None and p.example != p.default, (
                    f"{kind}:{entry.name}.{p.name} needs an example different from its default"
                )
                assert not isinstance(
                    p.example if not entry.value_key else None, Problem
                ), entry.name


def test_ir_defaults_are_the_catalog_defaults() -> None:
    def catalog_default(kind: str, key: str):
        entry = catalog.lookup(kind, key)
        assert entry is not None, f"{kind} key `{key}` is not in the catalog"
        d = entry.params[0].default
        return None if d is REQUIRED else d

    for f in fields(Training):
        if f.name == "metrics":
            continue  # the model entry `metrics`, not a train key
        assert f.default == catalog_default("train", f.name), f.name
    for f in fields(Target):
        if f.name in ("device",):
            continue
        want = catalog_default("target", f.name)
        if f.name == "noise":  # the IR holds the bound noise model, empty by default
            assert f.default == NoiseModel() and want == (), f.name
            continue
        if isinstance(f.default, Call):  # a call-valued key (`backend`): its name
            assert f.default == Call(want), f.name
            continue
        assert f.default == (want.name if isinstance(want, Call) else want) or (
            f.default == want
        ), f.name


def test_names_are_unique_identifiers_and_kinds_are_known() -> None:
    for kind, table in CATALOG.items():
        assert kind in KINDS
        for name, entry in table.items():
            assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name
            assert entry.kind == kind and entry.doc and not entry.doc.endswith("."), name


def test_bind_reports_each_kind_of_problem() -> None:
    assert catalog.bind("optimizer", Call("adma")).what == "unknown_name"
    assert catalog.bind("optimizer", Call("adam", (), (("lrr", 1.0),))).what == "unknown_argument"
    assert catalog.bind("optimizer", Call("adam", (1.0,))).what == "unknown_argument"
    assert catalog.bind("optimizer", Call("adam", (), (("lr", "fast"),))).what == "type"
    assert catalog.bind("optimizer", Call("adam", (), (("lr", -1.0),))).what == "range"
    assert catalog.bind("preprocess", Call("minmax", (1.0, 0.0))).what == "rule"
    assert catalog.bind("preprocess", Call("select")).what == "missing"
    nested = catalog.bind("target", Call("noise", ((Call("depolarizing", (2.0,)),),)))
    assert nested.what == "range" and "`p` of `depolarizing`" in nested.message


def test_checking_a_model_does_not_import_the_training_runtime() -> None:
    code = (
        "import sys\n"
        "from qlang.driver import load_model\n"
        "load_model('examples/iris_vqc.qml')\n"
        "heavy = [m for m in sys.modules if m.startswith(('qlang.train', 'qlang.sim', "
        "'sklearn', 'scipy.optimize', 'qiskit', 'pytket', 'matplotlib'))]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_no_import_cycles_inside_semantics() -> None:
    graph: dict[str, set[str]] = {}
    for path in sorted((ROOT / "qlang" / "semantics").glob("*.py")):
        deps: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "qlang.semantics."
            ):
                deps.add(str(node.module).rsplit(".", 1)[1])
        graph[path.stem] = deps

    def reach(start: str, node: str, seen: set[str]) -> bool:
        for d in graph.get(node, ()):
            if d == start or (d not in seen and (seen.add(d) or reach(start, d, seen))):
                return True
        return False

    assert [m for m in graph if reach(m, m, set())] == []


@pytest.mark.parametrize(
    "name",
    ["qlang.catalog", *(f"qlang.catalog.{m}" for m in ("schema", "data", "network", "tasks",
                                                       "optimizers", "training", "target",
                                                       "docs"))],
)  # fmt: skip
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
