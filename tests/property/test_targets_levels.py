"""Compiled at every -O level (and routed), the targets still agree with the source circuit.

Random circuits as in ``test_targets_equivalence``; for each level the
compiled IR, Qiskit, OpenQASM 3 (via ``qiskit.qasm3.loads``) and pytket states
must match the *uncompiled* circuit's state once the final layout is undone.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, seed, settings
from qlang.targets.crosscheck import ir_state, logical_state, mismatches
from qlang.targets.qasm3 import to_qasm3

import qlang
from qlang.ir.circuit import Circuit
from qlang.ir.reference import equal_up_to_phase
from tests.property.test_targets_equivalence import circuits, values

SEED = 20261124
SETTINGS = settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _check_levels(circuit: Circuit, vals: list[float], device: str | None) -> None:
    want = ir_state(circuit, vals)
    for level in (0, 1, 2, 3):
        out = qlang.compile(circuit, device=device, optimization_level=level)
        got = logical_state(out.ir, vals, circuit.num_qubits)
        bad = mismatches(out.ir, vals)
        if bad or not equal_up_to_phase(got, want, atol=1e-7):
            print(f"seed={SEED} level={level} device={device} bad={bad}\n{to_qasm3(circuit)}")
        assert bad == []
        assert equal_up_to_phase(got, want, atol=1e-7)


@seed(SEED)
@SETTINGS
@given(circuits(functions=True), values)
def test_every_level_preserves_the_state(circuit: Circuit, vals: list[float]) -> None:
    _check_levels(circuit, vals, None)


@seed(SEED + 1)
@SETTINGS
@given(circuits(functions=False), values)
def test_every_level_routed_preserves_the_state(circuit: Circuit, vals: list[float]) -> None:
    _check_levels(circuit, vals, "line(5)")


@pytest.mark.slow
@seed(SEED + 2)
@settings(SETTINGS, max_examples=60)
@given(circuits(functions=True), values)
def test_every_level_many(circuit: Circuit, vals: list[float]) -> None:
    _check_levels(circuit, vals, None)
    _check_levels(circuit, vals, "line(5)")
