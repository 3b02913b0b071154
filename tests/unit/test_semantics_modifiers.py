"""ctrl/inv/pow of every gate of the gate set, exactly (1 to 3 controls)."""

from __future__ import annotations

import numpy as np
import pytest

from qlang.ir.circuit import Circuit, Operation
from qlang.ir.expr import Const
from qlang.ir.gates import GATES, controlled, gate_matrix
from qlang.ir.reference import apply_matrix, unitary
from qlang.semantics.modifiers import control_ops, inverse_ops, power_ops

SEED = 5


def _embed(m: np.ndarray, qubits: tuple[int, ...], n: int) -> np.ndarray:
    eye = np.eye(2**n, dtype=complex)
    return np.stack([apply_matrix(eye[:, j], m, qubits, n) for j in range(2**n)], axis=1)


@pytest.mark.parametrize("name", sorted(GATES))
@pytest.mark.parametrize("k", [1, 2, pytest.param(3, marks=pytest.mark.slow)])
def test_control_of_every_gate(name: str, k: int) -> None:
    rng = np.random.default_rng(SEED)
    gd = GATES[name]
    nq = gd.num_qubits or 2
    params = tuple(rng.uniform(-3, 3, gd.num_params))
    n = nq + k
    op = Operation(name, tuple(range(k, n)), tuple(Const(p) for p in params))
    ops = control_ops((op,), tuple(range(k)))
    want = _embed(controlled(gate_matrix(name, *params, num_qubits=nq), k), tuple(range(n)), n)
    assert np.allclose(unitary(Circuit(n, ops)), want, atol=1e-9), f"seed={SEED}"
    if k == 1 and name in ("x", "z", "rz", "p", "swap", "h", "ry", "rx", "y"):
        assert len(ops) == 1  # the controlled gate of the gate set
    inv = unitary(Circuit(n, inverse_ops(ops)))
    assert np.allclose(inv @ unitary(Circuit(n, ops)), np.eye(2**n), atol=1e-9)


@pytest.mark.parametrize("name", ["rx", "ry", "rz", "p", "rzz", "crx"])
def test_fractional_power_of_rotations(name: str) -> None:
    gd = GATES[name]
    op = Operation(name, tuple(range(gd.num_qubits)), (Const(0.8),))
    half = unitary(Circuit(gd.num_qubits, power_ops((op,), 0.5)))
    assert np.allclose(half @ half, unitary(Circuit(gd.num_qubits, (op,))), atol=1e-9)


def test_power_rejects_non_rotations() -> None:
    with pytest.raises(ValueError):
        power_ops((Operation("h", (0,)),), 0.5)
    two = power_ops((Operation("s", (0,)),), -2)
    assert [o.name for o in two] == ["sdg", "sdg"]
