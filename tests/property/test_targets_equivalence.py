"""Random circuits: IR == Qiskit == OpenQASM 3 (via qiskit.qasm3.loads) == pytket.

Every gate of the IR, symbolic angles over inputs and weights (sums, products,
quotients, powers, functions), random bindings; states compared up to global
phase. Hypothesis runs derandomised (fixed seed); on failure it prints the
falsifying circuit and bindings, and the test prints the OpenQASM text.
"""

from __future__ import annotations

import math

import numpy as np
import openqasm3
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from qlang.targets.binding import bind_circuit
from qlang.targets.crosscheck import ir_state, mismatches, qiskit_can_load_unbound
from qlang.targets.qasm3 import to_qasm3
from qlang.targets.qasm_import import import_qasm

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.gates import GATES
from qlang.ir.reference import equal_up_to_phase

SEED = 20261123
N_IN, N_W = 2, 3
SETTINGS = settings(
    max_examples=12, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip
SLOW = settings(SETTINGS, max_examples=300)


@st.composite
def angles(draw: st.DrawFn, depth: int = 2, functions: bool = True) -> E.Expr:
    leaf = st.one_of(
        st.floats(-3, 3, allow_nan=False).map(E.Const),
        st.integers(0, N_IN - 1).map(E.Input),
        st.integers(0, N_W - 1).map(E.Weight),
    )
    if depth == 0:
        return draw(leaf)
    kind = draw(st.sampled_from(["leaf", "add", "sub", "mul", "div", "neg", "pow", "func"]))
    if kind == "leaf" or (kind == "func" and not functions):
        return draw(leaf)
    a = draw(angles(depth - 1, functions))
    b = draw(angles(depth - 1, functions))
    positive = E.add(E.mul(a, a), E.Const(1.0))
    if kind == "add":
        return a + b
    if kind == "sub":
        return a - b
    if kind == "mul":
        return a * b
    if kind == "div":
        return E.div(a, E.add(E.mul(b, b), E.Const(0.5)))
    if kind == "neg":
        return -a
    if kind == "pow":
        exp = draw(st.sampled_from([2.0, 3.0] + ([0.5, 1.5] if functions else [])))
        return E.power(positive if exp % 1 else a, E.Const(exp))
    name = draw(st.sampled_from(sorted(E.FUNCTIONS)))
    if name in ("arcsin", "arccos"):
        return E.func(name, E.func("sin", a))
    if name in ("log", "sqrt"):
        return E.func(name, positive)
    if name in ("exp", "sinh", "cosh"):
        return E.func(name, E.func("sin", a))
    return E.func(name, a)


@st.composite
def circuits(draw: st.DrawFn, functions: bool = True) -> Circuit:
    n = draw(st.integers(1, 4))
    names = [g for g, gd in GATES.items() if gd.num_qubits <= n]
    ops = []
    for _ in range(draw(st.integers(1, 12))):
        name = draw(st.sampled_from(names))
        gd = GATES[name]
        k = gd.num_qubits or draw(st.integers(1, n))
        qubits = tuple(draw(st.permutations(range(n)))[:k])
        params = tuple(draw(angles(2, functions)) for _ in range(gd.num_params))
        ops.append(Operation(name, qubits, params))
    phase = draw(st.one_of(st.just(E.ZERO), angles(1, functions)))
    return Circuit(
        n, tuple(ops), inputs=(ParamDecl("x", (N_IN,), 0),),
        weights=(ParamDecl("theta", (N_W,), 0),), global_phase=phase,
    )  # fmt: skip


values = st.lists(
    st.floats(-math.pi, math.pi, allow_nan=False), min_size=N_IN + N_W, max_size=N_IN + N_W
)


def _check(circuit: Circuit, vals: list[float], qasm_bound: bool | None) -> None:
    bad = mismatches(circuit, vals, qasm_bound=qasm_bound)
    if bad:
        print(f"seed={SEED} mismatching targets: {bad}\n{to_qasm3(circuit)}")
    assert bad == []


@seed(SEED)
@SETTINGS
@given(circuits(functions=True), values)
def test_all_targets_agree_with_functions(circuit: Circuit, vals: list[float]) -> None:
    circuit.verify()
    openqasm3.parse(to_qasm3(circuit))
    openqasm3.parse(to_qasm3(bind_circuit(circuit, vals)))
    _check(circuit, vals, qasm_bound=None)


@seed(SEED + 1)
@SETTINGS
@given(circuits(functions=False), values)
def test_unbound_qasm_loads_in_qiskit(circuit: Circuit, vals: list[float]) -> None:
    assert qiskit_can_load_unbound(circuit)
    _check(circuit, vals, qasm_bound=False)


@seed(SEED + 2)
@settings(SETTINGS, max_examples=10)
@given(circuits(functions=True), values)
def test_import_round_trip_is_equivalent(circuit: Circuit, vals: list[float]) -> None:
    back = import_qasm(to_qasm3(circuit))
    # the header restores the parameter blocks: the round trip is exact up to spans
    assert back.parameter_names() == circuit.parameter_names()
    assert back.num_inputs == N_IN and back.num_weights == N_W
    assert equal_up_to_phase(ir_state(back, vals), ir_state(circuit, vals))
    assert np.isclose(np.linalg.norm(ir_state(back, vals)), 1.0)


@pytest.mark.slow
@seed(SEED + 3)
@SLOW
@given(circuits(functions=True), values)
def test_all_targets_agree_many(circuit: Circuit, vals: list[float]) -> None:
    openqasm3.parse(to_qasm3(circuit))
    _check(circuit, vals, qasm_bound=None)
    back = import_qasm(to_qasm3(circuit))
    assert equal_up_to_phase(ir_state(back, vals), ir_state(circuit, vals))
