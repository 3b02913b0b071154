"""The peephole engine's lazy backward walk visits exactly what the eager version did."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from qlang.passes.optimization.peephole import WINDOW, _backwards


@st.composite
def wires(draw):
    """Per-qubit ascending op indices (as the engine keeps them), qubits of one op, a floor."""
    n = draw(st.integers(1, 4))
    per_q: list[list[int]] = [[] for _ in range(n)]
    for idx in range(draw(st.integers(0, 3 * WINDOW))):
        for q in draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=min(n, 3))):
            per_q[q].append(idx)
    qubits = tuple(draw(st.permutations(range(n)))[: draw(st.integers(1, n))])
    return per_q, qubits, draw(st.integers(0, 3 * WINDOW))


@settings(max_examples=400, deadline=None)
@given(wires())
def test_backwards_is_the_sorted_union_of_the_recent_windows(case):
    per_q, qubits, lowest = case
    want: set[int] = set()
    for q in qubits:
        want.update(k for k in per_q[q][-WINDOW:] if k >= lowest)
    assert list(_backwards(per_q, qubits, lowest)) == sorted(want, reverse=True)
