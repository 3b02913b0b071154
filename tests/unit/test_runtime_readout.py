"""Readouts against dense references: Pauli sums, probabilities, parity, samples."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp, Statevector

from qlang.diagnostics import QLangError
from qlang.ir import expr as E
from qlang.ir.model import Observable, PauliTerm, QuantumBlock, Readout
from qlang.sim import QuantumFunction
from qlang.sim.readout import ReadoutPlan

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from runtime_helpers import random_circuit, to_qiskit  # noqa: E402


def _random_observable(rng: np.random.Generator, n: int, terms: int) -> Observable:
    out = []
    for _ in range(terms):
        qs = sorted(rng.choice(n, size=int(rng.integers(1, n + 1)), replace=False))
        out.append(
            PauliTerm(
                E.Const(float(rng.normal())),
                tuple((int(q), str(rng.choice(list("XYZ")))) for q in qs),
            )
        )
    return Observable(tuple(out))


@pytest.mark.parametrize("seed", range(5))
def test_pauli_sums_match_qiskit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 2 + seed % 4
    c = random_circuit(rng, n, 25)
    obs = tuple(_random_observable(rng, n, 4) for _ in range(3))
    x, w = rng.uniform(-2, 2, (2, 2)), rng.uniform(-2, 2, 4)
    out = QuantumFunction(QuantumBlock("m", c, Readout("expval", obs))).forward(x, w)
    for b in range(2):
        sv = Statevector(to_qiskit(c, x[b], w))
        for k, o in enumerate(obs):
            ref = sv.expectation_value(SparsePauliOp.from_list(o.label(n))).real
            assert np.isclose(out[b, k], ref), f"seed={seed} sample={b} obs={k}"


def test_probs_parity_and_samples_match_statevector() -> None:
    rng = np.random.default_rng(7)
    c = random_circuit(rng, 4, 30)
    x, w = rng.uniform(-2, 2, (3, 2)), rng.uniform(-2, 2, 4)
    qs = (2, 0)
    probs = QuantumFunction(QuantumBlock("m", c, Readout("probs", qubits=qs))).forward(x, w)
    parity = QuantumFunction(QuantumBlock("m", c, Readout("parity", qubits=qs))).forward(x, w)
    bits = QuantumFunction(QuantumBlock("m", c, Readout("samples", qubits=qs))).forward(x, w)
    for b in range(3):
        p = np.abs(Statevector(to_qiskit(c, x[b], w)).data) ** 2
        idx = np.arange(16)
        ref = np.array([p[((idx >> 2) & 1) + 2 * ((idx >> 0) & 1) == j].sum() for j in range(4)])
        assert np.allclose(probs[b], ref)
        assert np.isclose(parity[b, 0], ref[0] - ref[1] - ref[2] + ref[3])
        assert np.allclose(bits[b], [ref[1] + ref[3], ref[2] + ref[3]])


def test_sampled_probabilities_have_shot_noise_errors() -> None:
    rng = np.random.default_rng(9)
    c = random_circuit(rng, 3, 20)
    block = QuantumBlock("m", c, Readout("probs", qubits=(0, 1)))
    x, w = rng.uniform(-2, 2, (2, 2)), rng.uniform(-2, 2, 4)
    exact = QuantumFunction(block).forward(x, w)
    qf = QuantumFunction(block, shots=20000, seed=1, gradient="spsa")
    est = qf.forward(x, w)
    assert np.allclose(est.sum(axis=1), 1.0)
    assert np.all(np.abs(est - exact) <= 5 * qf.last_stderr + 1e-3)


def test_unknown_readout_kind_raises_ql0605() -> None:
    with pytest.raises(QLangError) as err:
        ReadoutPlan(Readout("histogram"), 2)
    assert err.value.codes == ["QL0605"]


def test_dynamic_circuit_expectations_by_trajectories() -> None:
    from qlang.ir.circuit import Circuit, Condition, Operation, ParamDecl

    ops = (
        Operation("ry", (0,), (E.Input(0),)),
        Operation("measure", (0,), clbits=(0,)),
        Operation("x", (1,), condition=Condition((0,), 1)),
    )
    c = Circuit(2, ops, num_clbits=1, inputs=(ParamDecl("x", (1,), 0),))
    z1 = Observable((PauliTerm(E.Const(1.0), ((1, "Z"),)),))
    block = QuantumBlock("m", c, Readout("expval", (z1,)))
    with pytest.raises(QLangError) as err:
        QuantumFunction(block)
    assert err.value.codes == ["QL0602"]
    qf = QuantumFunction(block, shots=3000, seed=4, gradient="spsa")
    x = np.array([[0.3], [2.0]])
    est = qf.forward(x, np.zeros(0))
    assert np.allclose(est[:, 0], np.cos(x[:, 0]), atol=5 * qf.last_stderr[:, 0] + 1e-3)
