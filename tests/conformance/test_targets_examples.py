"""Every example model compiles to every target at every -O level, with equal states.

Needs the front end (``qlang.driver.load_model``) and ``examples/*.qml``; skipped
until both are present on the branch.
"""

from __future__ import annotations

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
        out = qlang.compile(path, optimization_level=level)
        openqasm3.parse(out.qasm3)
        assert out.parameters == base.parameters
        assert mismatches(out.ir, vals) == [], f"{path.name} -O{level}"
        got = logical_state(out.ir, vals, base.ir.num_qubits)
        assert np.isclose(abs(np.vdot(got, want)), 1.0, atol=1e-7), f"{path.name} -O{level}"
