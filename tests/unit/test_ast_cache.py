"""The cache of parsed stdlib modules (qlang/ast_cache.py): a stored tree equals a fresh
parse, spans included; stale, corrupt or hostile files are ignored; ``off`` writes nothing."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

from qlang import ast as A
from qlang.ast_cache import decode, encode, parse_stdlib
from qlang.parser import parse
from qlang.semantics.loader import stdlib_text
from qlang.source import SourceMap

ROOT = Path(__file__).resolve().parents[2]
STDLIB = ("encodings", "ansatze", "observables")


def spans(node: A.Node) -> list[tuple[str, int, int] | None]:
    """Every span of the tree, in walk order (equality of trees ignores spans)."""
    return [(type(n).__name__, n.span.start, n.span.end) if n.span else None for n in A.walk(node)]


def same_values(a: object, b: object) -> bool:
    """Equal with the exact Python types (``1 == 1.0 == True`` is not enough)."""
    if isinstance(a, A.Node):
        return type(a) is type(b) and all(
            same_values(getattr(a, f.name), getattr(b, f.name))
            for f in fields(a)
            if f.name != "span"
        )
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(same_values, a, b))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize(
    "path",
    [
        *(f"stdlib/{n}.qml" for n in STDLIB),
        *sorted(p.name for p in (ROOT / "examples").glob("*.qml")),
    ],
)
def test_round_trip_equals_the_parse(path: str) -> None:
    text = (ROOT / path if path.startswith("stdlib") else ROOT / "examples" / path).read_text()
    tree = parse(text, path)
    data = json.loads(json.dumps(encode(tree)))
    back = decode(data, source=tree.span.source if tree.span else 0)
    assert back == tree
    assert same_values(back, tree)
    assert spans(back) == spans(tree)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("QLANG_CACHE_DIR", str(folder))
    return folder


def test_second_load_is_served_from_the_file(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = stdlib_text("encodings")
    first = parse_stdlib(text, "<stdlib>/encodings.qml")
    (stored,) = cache.glob("stdlib-*.json")
    calls: list[str] = []
    import qlang.ast_cache as cache_module

    monkeypatch.setattr(cache_module, "parse", lambda *a, **k: calls.append("parse"))
    sources = SourceMap()
    second = parse_stdlib(text, "<stdlib>/encodings.qml", sources=sources)
    assert calls == [] and second == first and spans(second) == spans(first)
    # the text is registered, so diagnostics pointing into the stdlib can quote it
    assert second.span is not None and sources.get(second.span.source).text == text
    assert stored.exists()


def test_changed_text_gets_its_own_entry(cache: Path) -> None:
    text = stdlib_text("observables")
    parse_stdlib(text, "a.qml")
    changed = parse_stdlib(text + "\nconst extra_for_test = 3;\n", "a.qml")
    assert len(list(cache.glob("stdlib-*.json"))) == 2
    assert isinstance(changed.items[-1], A.ConstDef)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '["Module", 0, 1]',
        '["Popen", 0, 1, "rm -rf /"]',
        '["Module", 0, 5, {"t": [["Name", "x", 2, "y"]]}, null]',
        "[" * 100_000 + "]" * 100_000,
    ],
    ids=["text", "empty", "no-fields", "unknown-class", "bad-span", "deep"],
)
def test_a_bad_file_is_ignored_and_rewritten(cache: Path, content: str) -> None:
    text = stdlib_text("observables")
    expected = parse(text, "obs.qml")
    parse_stdlib(text, "obs.qml")
    (stored,) = cache.glob("stdlib-*.json")
    stored.write_text(content)
    assert parse_stdlib(text, "obs.qml") == expected
    assert json.loads(stored.read_text()) == encode(expected)


def test_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QLANG_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    tree = parse_stdlib(stdlib_text("observables"), "obs.qml")
    assert tree == parse(stdlib_text("observables"), "obs.qml")
    assert list(tmp_path.rglob("*")) == []


def test_an_unwritable_folder_only_costs_the_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("QLANG_CACHE_DIR", str(blocker / "sub"))
    assert parse_stdlib(stdlib_text("observables"), "obs.qml") == parse(
        stdlib_text("observables"), "obs.qml"
    )
    assert blocker.read_text() == "not a folder"
