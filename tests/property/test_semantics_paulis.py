"""Property: Pauli-sum algebra agrees with matrix algebra (sums, products, scaling)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, note, seed, settings
from hypothesis import strategies as st

from qlang.ir import expr as E
from qlang.ir.gates import PAULI_MATRICES
from qlang.semantics.observables import PauliSum

N = 3


def _matrix(ps: PauliSum) -> np.ndarray:
    total = np.zeros((2**N, 2**N), dtype=complex)
    for paulis, k, coeff in ps.terms:
        letters = ["I"] * N
        for q, p in paulis:
            letters[N - 1 - q] = p
        m = np.array([[1.0]], dtype=complex)
        for ch in letters:
            m = np.kron(m, PAULI_MATRICES[ch])
        total += (1j**k) * E.const_value(coeff) * m
    return total


factors = st.builds(PauliSum.factor, st.integers(0, N - 1), st.sampled_from("IXYZ"))


@st.composite
def sums(draw):  # type: ignore[no-untyped-def]
    out = PauliSum.constant(draw(st.floats(-2, 2)))
    for _ in range(draw(st.integers(1, 4))):
        term = PauliSum.constant(draw(st.floats(-2, 2)))
        for f in draw(st.lists(factors, min_size=1, max_size=3)):
            term = term * f
        out = out + term
    return out


@seed(7)
@settings(max_examples=40, deadline=None)
@given(sums(), sums(), st.floats(-3, 3))
def test_algebra_matches_matrices(a: PauliSum, b: PauliSum, c: float) -> None:
    note(f"a={a.terms} b={b.terms}")
    ma, mb = _matrix(a), _matrix(b)
    assert np.allclose(_matrix(a + b), ma + mb)
    assert np.allclose(_matrix(a - b), ma - mb)
    assert np.allclose(_matrix(a * b), ma @ mb)
    assert np.allclose(_matrix(a.scale(c)), c * ma)
    assert len({(t[0], t[1] % 2) for t in (a * b).terms}) == len((a * b).terms)  # combined
