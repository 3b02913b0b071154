"""Every program of ``semantics.cases`` fails with its code at its line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from qlang.diagnostics import QLangError
from qlang.source import GLOBAL_SOURCES
from tests.invalid.semantic_check import analyse
from tests.invalid.test_syntax_errors import load_cases

CASES = load_cases(Path(__file__).parent / "semantics.cases")


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 50
    codes = {c[1] for c in CASES}
    assert {f"QL0{i}" for i in (101, 102, 201, 203, 204, 205, 206, 207, 301, 302, 303)} <= codes


@pytest.mark.parametrize(
    "source,code,line,col,desc,at", CASES, ids=[f"semantics.cases:{c[5]}" for c in CASES]
)
def test_malformed_program(source: str, code: str, line: int, col: int, desc: str, at: int) -> None:
    with pytest.raises(QLangError) as info:
        analyse(source, f"semantics.cases:{at}")
    first = info.value.diagnostics[0]
    assert first.span is not None, desc
    got = (first.code, *GLOBAL_SOURCES.line_col(first.span))
    assert got == (code, line, col), f"{desc}: got {info.value.render()}"
    for d in info.value.diagnostics:
        assert d.message and not d.message[0].isupper() and not d.message.endswith(".")
