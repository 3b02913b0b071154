"""Stdlib entries equal Qiskit's circuit library (statevectors from random states)."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit.library import (
    efficient_su2,
    n_local,
    pauli_feature_map,
    real_amplitudes,
    zz_feature_map,
)
from qiskit.quantum_info import Statevector

from qlang.driver import lower_circuit
from qlang.ir.reference import equal_up_to_phase, statevector

SEED = 1234
SLOW = pytest.mark.slow  # n = 5, 6 run in the slow job


def _random_state(n: int, rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    return v / np.linalg.norm(v)


def _check(ours, theirs, n: int, values: np.ndarray, rng: np.random.Generator) -> None:
    psi0 = _random_state(n, rng)
    if ours.num_inputs:
        got = statevector(ours, inputs=values, initial=psi0)
    else:
        got = statevector(ours, weights=values, initial=psi0)
    bound = theirs.assign_parameters(list(values))
    want = Statevector(psi0).evolve(bound).data
    assert equal_up_to_phase(got, want), f"seed={SEED}"


@pytest.mark.parametrize("n", [2, 3, 4, pytest.param(5, marks=SLOW), pytest.param(6, marks=SLOW)])
@pytest.mark.parametrize("reps,ent", [(1, "full"), (2, "linear"), (2, "circular")])
def test_zz_feature_map(n: int, reps: int, ent: str) -> None:
    rng = np.random.default_rng(SEED + n)
    ours = lower_circuit("encodings", "zz_feature_map", n=n, reps=reps, entanglement=ent)
    theirs = zz_feature_map(n, reps=reps, entanglement=ent)
    _check(ours, theirs, n, rng.uniform(-np.pi, np.pi, n), rng)


PAULI_CASES = [
    pytest.param(n, paulis, ent, marks=SLOW) if n == 5 else (n, paulis, ent)
    for n in (2, 3, 4, 5)
    for paulis, ent in ((["Z", "XX"], "full"), (["Y", "ZX"], "linear"),
                        (["X", "YZ", "ZZZ"], "circular"))  # fmt: skip
    if n >= max(len(p) for p in paulis)  # a Pauli block never exceeds the register
]


@pytest.mark.parametrize("n,paulis,ent", PAULI_CASES)
def test_pauli_feature_map(n: int, paulis: list[str], ent: str) -> None:
    rng = np.random.default_rng(SEED + n)
    ours = lower_circuit(
        "encodings", "pauli_feature_map", n=n, reps=2, entanglement=ent, paulis=paulis
    )
    theirs = pauli_feature_map(n, reps=2, entanglement=ent, paulis=paulis)
    _check(ours, theirs, n, rng.uniform(-np.pi, np.pi, n), rng)


@pytest.mark.parametrize("n", [2, 3, 4, pytest.param(5, marks=SLOW), pytest.param(6, marks=SLOW)])
@pytest.mark.parametrize(
    "reps,ent", [(1, "full"), (2, "reverse_linear"), (3, "sca"), (2, "pairwise"), (2, "circular")]
)
def test_real_amplitudes(n: int, reps: int, ent: str) -> None:
    rng = np.random.default_rng(SEED + 7 * n + reps)
    ours = lower_circuit("ansatze", "real_amplitudes", n=n, reps=reps, entanglement=ent)
    theirs = real_amplitudes(n, reps=reps, entanglement=ent)
    _check(ours, theirs, n, rng.uniform(-np.pi, np.pi, theirs.num_parameters), rng)


@pytest.mark.parametrize("n", [2, 3, 4, pytest.param(5, marks=SLOW), pytest.param(6, marks=SLOW)])
@pytest.mark.parametrize("reps,ent", [(1, "full"), (2, "reverse_linear"), (2, "sca")])
def test_efficient_su2(n: int, reps: int, ent: str) -> None:
    rng = np.random.default_rng(SEED + 11 * n + reps)
    ours = lower_circuit("ansatze", "efficient_su2", n=n, reps=reps, entanglement=ent)
    theirs = efficient_su2(n, reps=reps, entanglement=ent)
    _check(ours, theirs, n, rng.uniform(-np.pi, np.pi, theirs.num_parameters), rng)


@pytest.mark.parametrize("n", [2, 3, 4, pytest.param(5, marks=SLOW), pytest.param(6, marks=SLOW)])
@pytest.mark.parametrize(
    "rot,ent_gate,ent",
    [
        (["ry"], "cx", "full"),
        (["ry", "rz"], "cz", "linear"),
        (["rx", "h"], "crx", "circular"),
        (["rz"], "rzz", "reverse_linear"),
    ],
)
def test_n_local(n: int, rot: list[str], ent_gate: str, ent: str) -> None:
    rng = np.random.default_rng(SEED + 13 * n)
    ours = lower_circuit(
        "ansatze",
        "two_local",
        n=n,
        reps=2,
        entanglement=ent,
        rotation_blocks=rot,
        entanglement_block=ent_gate,
    )
    theirs = n_local(n, rot, [ent_gate], entanglement=ent, reps=2)
    assert ours.num_weights == theirs.num_parameters
    _check(ours, theirs, n, rng.uniform(-np.pi, np.pi, theirs.num_parameters), rng)
