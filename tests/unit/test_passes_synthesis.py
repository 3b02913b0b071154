"""Exact 1-/2-qubit synthesis (checked against Qiskit's KAK count) and Clifford+T."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qlang.passes.synthesis.clifford_t import approximate_1q, simplify_word, word_matrix
from qlang.passes.synthesis.one_qubit import can_synthesize_exactly, seq_matrix, synth_1q
from qlang.passes.synthesis.two_qubit import cnot_count, seq_unitary, synth_2q, weyl_coordinates
from scipy.stats import unitary_group

from qlang.ir.gates import gate_matrix

BASES_1Q = [
    {"rz", "sx", "x"},
    {"rz", "sx"},
    {"rz", "ry"},
    {"rx", "rz"},
    {"rx", "ry"},
    {"u"},
    {"p", "sx"},
    {"rz", "h"},
    {"p", "ry"},
]


@pytest.mark.parametrize("basis", BASES_1Q, ids=lambda b: ",".join(sorted(b)))
def test_synth_1q_exact(basis: set[str]) -> None:
    for i in range(20):
        u = unitary_group.rvs(2, random_state=i)
        seq, phase = synth_1q(u, frozenset(basis))
        assert {n for n, _ in seq} <= basis
        assert np.allclose(np.exp(1j * phase) * seq_matrix(seq), u, atol=1e-8)


def test_synth_1q_answer_does_not_depend_on_earlier_calls() -> None:
    """The memo is keyed on the exact matrix: a matrix within rounding of an earlier one
    gets its own answer, the one a fresh run would give (before, the first of two
    such matrices decided both, so a compile's angles depended on what ran before it).
    The memo belongs to the run (the synthesis memo's scope): nothing is kept after it."""
    from qlang.passes.memo import synthesis_memo

    ibm = frozenset({"rz", "sx", "x"})
    u = gate_matrix("ry", 0.7) @ gate_matrix("rz", 0.3)
    near = gate_matrix("ry", 0.7 + 3e-12) @ gate_matrix("rz", 0.3)
    with synthesis_memo():
        fresh = synth_1q(near, ibm)
    with synthesis_memo() as memo:
        synth_1q(u, ibm)
        assert synth_1q(near, ibm) == fresh
        assert synth_1q(u, ibm) != fresh  # they differ (in the last digits): a real check
        assert memo.size("1q_matrix") == 2
    assert memo.size("1q_matrix") == 0


def test_synth_1q_short_forms() -> None:
    ibm = frozenset({"rz", "sx", "x"})
    assert [n for n, _ in synth_1q(gate_matrix("x"), ibm)[0]] == ["x"]
    assert [n for n, _ in synth_1q(gate_matrix("t"), ibm)[0]] == ["rz"]
    assert synth_1q(np.eye(2) * 1j, ibm)[0] == []
    assert len(synth_1q(gate_matrix("h"), ibm)[0]) == 3


def test_exactness_of_bases() -> None:
    assert can_synthesize_exactly(frozenset({"rz", "sx"}))
    assert not can_synthesize_exactly(frozenset({"h", "t", "s"}))
    assert not can_synthesize_exactly(frozenset({"rz"}))


@pytest.mark.parametrize(
    ("name", "params", "count"),
    [
        ("cx", (), 1),
        ("cz", (), 1),
        ("ecr", (), 1),
        ("swap", (), 3),
        ("iswap", (), 2),
        ("rzz", (0.3,), 2),
        ("crz", (0.7,), 2),
        ("rxx", (math.pi / 2,), 1),
        ("id", (), 0),
    ],
)
def test_cnot_count_of_gates(name: str, params: tuple, count: int) -> None:
    m = gate_matrix(name, *params)
    if m.shape == (2, 2):
        m = np.kron(m, m)
    assert cnot_count(m) == count


def test_synth_2q_random_matches_qiskit_count() -> None:
    from qiskit.circuit.library import CXGate
    from qiskit.synthesis import TwoQubitBasisDecomposer

    dec = TwoQubitBasisDecomposer(CXGate())
    for i in range(25):
        u = unitary_group.rvs(4, random_state=100 + i)
        if i % 3 == 1:  # a 2-CNOT class
            u = (
                np.kron(unitary_group.rvs(2, random_state=i), np.eye(2))
                @ gate_matrix("rzz", 0.4 + i)
                @ gate_matrix("rxx", 1.1)
            )
        seq, phase = synth_2q(u, frozenset({"rz", "sx", "x"}))
        assert np.allclose(np.exp(1j * phase) * seq_unitary(seq), u, atol=1e-7)
        # qiskit is little-endian: reverse qubit order for its count
        u_le = u.reshape(2, 2, 2, 2).transpose(1, 0, 3, 2).reshape(4, 4)
        assert sum(1 for _, qs, _ in seq if len(qs) == 2) == dec.num_basis_gates(u_le)


def test_weyl_coordinates_swap() -> None:
    assert np.allclose(weyl_coordinates(gate_matrix("swap")), [math.pi / 4] * 3)


@pytest.mark.parametrize("precision", [1e-1, 1e-2])
def test_clifford_t_precision(precision: float) -> None:
    for i in range(3):
        u = unitary_group.rvs(2, random_state=i)
        seq, phase = approximate_1q(u, precision)
        assert {n for n, _ in seq} <= {"h", "t", "tdg", "s", "sdg", "z", "x", "y"}
        err = np.linalg.norm(u - np.exp(1j * phase) * word_matrix([n for n, _ in seq]), 2)
        assert err <= precision * 1.001


def test_clifford_t_exact_when_possible() -> None:
    seq, _ = approximate_1q(gate_matrix("rz", math.pi / 4), 1e-6)
    assert [n for n, _ in seq] == ["t"]
    seq, _ = approximate_1q(gate_matrix("h") @ gate_matrix("s"), 1e-6)
    assert len(seq) == 2


def test_simplify_word() -> None:
    assert simplify_word(["t", "t", "h", "h", "t"]) == ["s", "t"]
    assert simplify_word(["t", "tdg"]) == []
