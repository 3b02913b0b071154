"""Every malformed program in ``*.cases`` fails with its code at its line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from qlang.diagnostics import QLangError
from qlang.parser import parse
from qlang.source import GLOBAL_SOURCES

HERE = Path(__file__).parent


def load_cases(path: Path) -> list[tuple[str, str, int, int, str, int]]:
    cases = []
    header: tuple[str, int, int, str, int] | None = None
    body: list[str] = []
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith("### "):
            if header:
                cases.append((*header[:4], "\n".join(body), header[4]))
            code, pos, *desc = line[4:].split(" ")
            ln, col = pos.split(":")
            header = (code, int(ln), int(col), " ".join(desc), lineno)
            body = []
        elif header is not None:
            body.append(line)
    if header:
        cases.append((*header[:4], "\n".join(body), header[4]))
    return [(c[4], c[0], c[1], c[2], c[3], c[5]) for c in cases]


CASES = load_cases(HERE / "syntax.cases")


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    "source,code,line,col,desc,at", CASES, ids=[f"syntax.cases:{c[5]}" for c in CASES]
)
def test_invalid_program(source: str, code: str, line: int, col: int, desc: str, at: int) -> None:
    with pytest.raises(QLangError) as info:
        parse(source, f"syntax.cases:{at}")
    diags = info.value.diagnostics
    first = diags[0]
    got = (first.code, *GLOBAL_SOURCES.line_col(first.span)) if first.span else (first.code,)
    assert got == (code, line, col), f"{desc}: got {info.value.render()}"
    for d in diags:
        assert d.message and not d.message[0].isupper() and not d.message.endswith(".")
