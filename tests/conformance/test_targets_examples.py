"""Every example model compiles to every target at every -O level, with equal states,
and routes onto the device its ``target`` block names.

The all-targets check runs unrouted (``device="none"``): several examples name a 19-qubit
heavy-hex device, whose cross-target comparison is slow; the routed compile is checked
against the logical state once per example.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openqasm3
import pytest
from qlang.targets.crosscheck import logical_state, mismatches

import qlang

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.qml"))



@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_all_targets_all_levels(path: Path) -> None:
    base = qlang.compile(path, optimization_level=0, device="none", basis="none")
    rng = np.random.default_rng(0)
    vals = list(rng.uniform(-np.pi, np.pi, len(base.parameters)))
    want = logical_state(base.ir, vals, base.ir.num_qubits)
    for level in (0, 1, 2, 3):
        out = qlang.compile(path, optimization_level=level, device="none")
        openqasm3.parse(out.qasm3)
        assert out.parameters == base.parameters
        assert mismatches(out.ir, vals) == [], f"{path.name} -O{level}"
        got = logical_state(out.ir, vals, base.ir.num_qubits)
        assert np.isclose(abs(np.vdot(got, want)), 1.0, atol=1e-7), f"{path.name} -O{level}"


ROUTED = [p for p in EXAMPLES if re.search(r"\bdevice\s*=", p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("path", ROUTED, ids=[p.stem for p in ROUTED])
def test_example_routes_onto_its_target_device(path: Path) -> None:
    from qlang.devices import device_spec, parse_device
    from qlang.driver import load_model

    target = load_model(str(path)).target
    assert target.device is not None
    device = parse_device(device_spec(target.device))
    base = qlang.compile(path, optimization_level=0, device="none", basis="none")
    out = qlang.compile(path)
    assert out.layout is not None and out.stats.qubits == device.num_qubits
    assert all(device.adjacent(*op.qubits) for op in out.ir.ops if len(op.qubits) == 2)
    if target.basis:
        assert set(out.stats.gate_counts) <= set(target.basis) | {"measure", "barrier"}
    vals = list(np.random.default_rng(1).uniform(-np.pi, np.pi, len(base.parameters)))
    want = logical_state(base.ir, vals, base.ir.num_qubits)
    got = logical_state(out.ir, vals, base.ir.num_qubits)
    assert np.isclose(abs(np.vdot(got, want)), 1.0, atol=1e-7)
