"""Property tests: random circuits over every gate, 1-6 qubits (hypothesis, seeded)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from hypothesis import given, note, settings
from hypothesis import strategies as st
from qiskit.quantum_info import Statevector

from qlang.ir import expr as E
from qlang.ir.model import Observable, PauliTerm, QuantumBlock, Readout
from qlang.sim import QuantumFunction, Simulator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from runtime_helpers import random_circuit, to_qiskit  # noqa: E402


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 6), depth=st.integers(1, 40))
def test_statevector_matches_qiskit(seed: int, n: int, depth: int) -> None:
    rng = np.random.default_rng(seed)
    c = random_circuit(rng, n, depth)
    x, w = rng.uniform(-3, 3, (2, 2)), rng.uniform(-3, 3, 4)
    note(f"reproduce: random_circuit(np.random.default_rng({seed}), {n}, {depth})")
    got = Simulator(c, max_shared=int(rng.integers(1, 6))).statevector(x, w)
    for b in range(2):
        assert np.allclose(got[b], Statevector(to_qiskit(c, x[b], w)).data, atol=1e-9)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 4), depth=st.integers(1, 20))
def test_adjoint_matches_finite_differences(seed: int, n: int, depth: int) -> None:
    rng = np.random.default_rng(seed)
    c = random_circuit(rng, n, depth)
    note(f"reproduce: random_circuit(np.random.default_rng({seed}), {n}, {depth})")
    obs = Observable(tuple(PauliTerm(E.Const(1.0), ((q, "XYZ"[q % 3]),)) for q in range(n)))
    block = QuantumBlock("m", c, Readout("expval", (obs,)))
    x, w = rng.uniform(-2, 2, (2, 2)), rng.uniform(-2, 2, 4)
    _, jw, jx = QuantumFunction(block).jacobian(x, w)
    _, fw, fx = QuantumFunction(block, gradient="finite-diff").jacobian(x, w)
    assert np.allclose(jw, fw, atol=1e-6) and np.allclose(jx, fx, atol=1e-6)
