"""Mutated OpenQASM never crashes the importer: it imports or raises a coded QLangError.

Seeded hypothesis mutations (delete, duplicate or replace a span of characters)
of the conformance corpus; any other exception is a bug (style rule: no raw
parser exception reaches a user).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from qlang.targets.qasm_import import import_qasm

from qlang.diagnostics import QLangError
from qlang.source import SourceMap

CORPUS = sorted((Path(__file__).parents[1] / "conformance" / "corpus").glob("*.qasm"))
TEXTS = [p.read_text() for p in CORPUS if p.stat().st_size < 4000]
SEED = 515
NOISE = st.sampled_from(list(";{}[]()=,@$!<>-+*/ \nqcx0123456789.") + ["if", "ctrl", "pi", "//"])


@st.composite
def mutants(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, max(0, len(text) - 1)))
        j = min(len(text), i + draw(st.integers(0, 6)))
        kind = draw(st.sampled_from(["delete", "replace", "duplicate"]))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "replace":
            text = text[:i] + draw(NOISE) + text[j:]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


@seed(SEED)
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(mutants())
def test_mutated_programs_import_or_fail_with_a_code(text: str) -> None:
    try:
        import_qasm(text, filename="mutant.qasm", sources=SourceMap())
    except QLangError as err:
        assert err.codes and all(c.startswith("QL05") for c in err.codes)
        err.render()  # rendering must not crash either
