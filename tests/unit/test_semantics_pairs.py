"""Entanglement patterns equal Qiskit's entangler maps; ring/star as documented."""

from __future__ import annotations

import pytest
from qiskit.circuit.library.n_local.n_local import get_entangler_map

from qlang.semantics.pairs import blocks, pairs


@pytest.mark.parametrize(
    "kind", ["linear", "reverse_linear", "circular", "full", "pairwise", "sca"]
)
@pytest.mark.parametrize("n", range(2, 8))
def test_pairs_equal_qiskit(kind: str, n: int) -> None:
    for layer in range(4):
        want = [tuple(p) for p in get_entangler_map(2, n, kind, layer)]
        assert list(pairs(n, kind, layer)) == want


@pytest.mark.parametrize("kind", ["linear", "reverse_linear", "circular", "full", "sca"])
@pytest.mark.parametrize("n,k", [(3, 1), (4, 3), (5, 3), (6, 4), (5, 5)])
def test_blocks_equal_qiskit(kind: str, n: int, k: int) -> None:
    for layer in range(3):
        want = [tuple(b) for b in get_entangler_map(k, n, kind, layer)]
        assert list(blocks(n, k, kind, layer)) == want


def test_ring_and_star() -> None:
    assert pairs(4, "ring") == ((0, 1), (1, 2), (2, 3), (3, 0))
    assert pairs(2, "ring") == ((0, 1),)
    assert pairs(4, "star") == ((0, 1), (0, 2), (0, 3))
    with pytest.raises(ValueError):
        pairs(3, "spiral")
