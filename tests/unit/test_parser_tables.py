"""The parser loaded from its table cache parses exactly like one built from the grammar."""

from __future__ import annotations

from pathlib import Path

import pytest
from lark import Lark

from qlang import parser, parser_tables

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "examples").glob("*.qml")) + sorted((ROOT / "stdlib").glob("*.qml"))


def fresh(monkeypatch: pytest.MonkeyPatch, folder: Path | str) -> Lark:
    monkeypatch.setenv("QLANG_CACHE_DIR", str(folder))
    parser._lark.cache_clear()
    return parser._lark()


def test_cached_parser_matches_a_fresh_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    built = fresh(monkeypatch, tmp_path)  # builds and stores
    assert list(tmp_path.glob("parser-*.json"))
    cached = fresh(monkeypatch, tmp_path)  # loads
    assert cached is not built
    for path in FILES:
        text = path.read_text()
        a, b = built.parse(text), cached.parse(text)
        assert a == b
        spans_a = [(t.meta.line, t.meta.column, t.meta.end_pos) for t in a.iter_subtrees() if not t.meta.empty]
        spans_b = [(t.meta.line, t.meta.column, t.meta.end_pos) for t in b.iter_subtrees() if not t.meta.empty]
        assert spans_a == spans_b
    parser._lark.cache_clear()


def test_corrupt_or_disabled_cache_rebuilds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fresh(monkeypatch, tmp_path)
    (stored,) = tmp_path.glob("parser-*.json")
    stored.write_text('{"data": {"rules": [')
    p = fresh(monkeypatch, tmp_path)  # unreadable: rebuilt and rewritten
    assert p.parse((ROOT / "examples" / "iris_vqc.qml").read_text())
    assert parser_tables.from_json(stored.read_text())["data"]
    off = tmp_path / "off"
    fresh(monkeypatch, "off")
    assert not off.exists()
    parser._lark.cache_clear()


def test_docstring_examples() -> None:
    import doctest

    assert doctest.testmod(parser_tables).failed == 0
