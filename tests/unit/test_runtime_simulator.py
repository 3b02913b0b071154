"""The batched simulator against Qiskit, the dense reference and its own options."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from qiskit.quantum_info import Statevector

from qlang.diagnostics import QLangError
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Condition, Operation, ParamDecl
from qlang.ir.gates import GATES
from qlang.ir.reference import statevector as reference_statevector
from qlang.sim import Simulator
from qlang.sim.gatelib import gate_derivatives, gate_matrix, shift_rule
from qlang.sim.plan import compile_plan

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from runtime_helpers import PARAM_GATES, random_circuit, to_qiskit  # noqa: E402


@pytest.mark.parametrize("name", PARAM_GATES)
def test_batched_gate_matrices_match_gate_set(name: str) -> None:
    rng = np.random.default_rng(0)
    k = GATES[name].num_params
    params = [rng.uniform(-3, 3, 5) for _ in range(k)]
    batched = gate_matrix(name, params)
    for b in range(5):
        ref = GATES[name].matrix(*[p[b] for p in params])
        assert np.allclose(batched[b], ref)


@pytest.mark.parametrize("name", PARAM_GATES)
def test_gate_derivatives_match_finite_differences(name: str) -> None:
    rng = np.random.default_rng(1)
    params = list(rng.uniform(-3, 3, GATES[name].num_params))
    h = 1e-6
    for i, d in enumerate(gate_derivatives(name, params)):
        up, down = list(params), list(params)
        up[i] += h
        down[i] -= h
        fd = (GATES[name].matrix(*up) - GATES[name].matrix(*down)) / (2 * h)
        assert np.allclose(d, fd, atol=1e-8)
    assert shift_rule(name)  # every parameterised gate has a rule


@pytest.mark.parametrize("seed", range(12))
def test_random_circuits_match_qiskit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 1 + seed % 6
    c = random_circuit(rng, n, 30)
    x = rng.uniform(-2, 2, (3, 2))
    w = rng.uniform(-2, 2, 4)
    states = Simulator(c).statevector(x, w)
    for b in range(3):
        ref = Statevector(to_qiskit(c, x[b], w)).data
        assert np.allclose(states[b], ref, atol=1e-9), f"seed={seed} sample={b}"


@pytest.mark.parametrize("limits", [(1, 1), (2, 1), (3, 2), (5, 3)])
def test_fusion_limits_do_not_change_results(limits: tuple[int, int]) -> None:
    rng = np.random.default_rng(42)
    c = random_circuit(rng, 5, 60)
    x, w = rng.uniform(-2, 2, (4, 2)), rng.uniform(-2, 2, 4)
    ref = np.stack([reference_statevector(c, x[b], w) for b in range(4)])
    got = Simulator(c, max_shared=limits[0], max_batched=limits[1]).statevector(x, w)
    assert np.allclose(got, ref, atol=1e-9)


def test_plan_fuses_one_qubit_runs_and_permutations() -> None:
    ops = (
        Operation("h", (0,)),
        Operation("rz", (0,), (E.Weight(0),)),
        Operation("cx", (0, 1)),
        Operation("cx", (1, 2)),
        Operation("ry", (1,), (E.Weight(0),)),
        Operation("rz", (1,), (E.Weight(0),)),
        Operation("rzz", (1, 2), (E.Weight(0),)),
    )
    c = Circuit(3, ops, weights=(ParamDecl("w", (1,), 0),))
    plan = compile_plan(c)
    assert [len(b.gates) for b in plan.prefix] == [2]
    kinds = [("perm" if b.permutation else "diag" if b.diagonal else "dense") for b in plan.blocks]
    assert kinds == ["perm", "dense"]


def test_complex64_is_close_to_complex128() -> None:
    rng = np.random.default_rng(3)
    c = random_circuit(rng, 6, 50)
    x, w = rng.uniform(-2, 2, (5, 2)), rng.uniform(-2, 2, 4)
    a = Simulator(c).statevector(x, w)
    b = Simulator(c, dtype="complex64").statevector(x, w)
    assert b.dtype == np.complex64
    assert np.allclose(a, b, atol=1e-5)


def test_memory_budget_too_small_raises_ql0601() -> None:
    c = Circuit(20, (Operation("h", (0,)),))
    with pytest.raises(QLangError) as err:
        Simulator(c, memory_budget=1_000_000).statevector()
    assert err.value.codes == ["QL0601"]
    assert "64.00 MiB per sample" in str(err.value) and "976.56 KiB" in str(err.value)


def test_memory_budget_splits_batches_without_changing_results() -> None:
    rng = np.random.default_rng(4)
    c = random_circuit(rng, 4, 25)
    x, w = rng.uniform(-2, 2, (10, 2)), rng.uniform(-2, 2, 4)
    sim = Simulator(c, memory_budget=3 * Simulator(c).estimate_memory(1))
    assert sim.chunk_size(10) == 3
    assert np.allclose(sim.statevector(x, w), Simulator(c).statevector(x, w))


def test_exact_mode_rejects_mid_circuit_measurement() -> None:
    c = Circuit(1, (Operation("h", (0,)), Operation("measure", (0,), clbits=(0,))), num_clbits=1)
    with pytest.raises(QLangError) as err:
        Simulator(c).statevector()
    assert err.value.codes == ["QL0602"]


def test_trajectories_follow_measurement_and_conditions() -> None:
    ops = (
        Operation("h", (0,)),
        Operation("measure", (0,), clbits=(0,)),
        Operation("x", (1,), condition=Condition((0,), 1)),  # copy the outcome to qubit 1
        Operation("reset", (0,)),
    )
    c = Circuit(2, ops, num_clbits=1)
    sim = Simulator(c)
    states, bits = sim.trajectories(np.zeros((2, 0)), np.zeros(0), 200, np.random.default_rng(9))
    probs = np.abs(states) ** 2
    # qubit 0 is reset; qubit 1 holds the measured bit
    assert np.allclose(probs[:, 0], bits[:, 0] == 0)
    assert np.allclose(probs[:, 2], bits[:, 0] == 1)
    assert 0.3 < bits.mean() < 0.7
    again = sim.trajectories(np.zeros((2, 0)), np.zeros(0), 200, np.random.default_rng(9))[1]
    assert np.array_equal(bits, again)


@pytest.mark.parametrize(
    ("inputs", "weights"),
    [
        (np.zeros((2, 3)), np.zeros(1)),
        (np.zeros((2, 1)), np.zeros(2)),
        (np.array([[np.nan]]), np.zeros(1)),
    ],
)
def test_bad_arrays_raise_ql0603(inputs: np.ndarray, weights: np.ndarray) -> None:
    c = Circuit(
        1,
        (Operation("rx", (0,), (E.Input(0) * E.Weight(0),)),),
        inputs=(ParamDecl("x", (1,), 0),),
        weights=(ParamDecl("w", (1,), 0),),
    )
    with pytest.raises(QLangError) as err:
        Simulator(c).statevector(inputs, weights)
    assert err.value.codes == ["QL0603"]


def test_global_phase_is_applied() -> None:
    c = Circuit(1, (Operation("x", (0,)),), global_phase=E.Const(0.5))
    assert np.allclose(Simulator(c).statevector()[0], [0, np.exp(0.5j)])
