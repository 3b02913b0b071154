"""A routed circuit's Qiskit target carries a layout that maps observables correctly.

For each example-like model routed onto a small device, the expectation value of
an observable on the *logical* qubits, computed on the unrouted circuit, equals
the one computed on the routed Qiskit circuit after
``SparsePauliOp.apply_layout(qc.layout)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp, Statevector

import qlang

MODEL = """
import encodings.zz_feature_map
import ansatze.real_amplitudes

model m {
  data     = ad_hoc(dim = 4, train = 8, test = 4, seed = 1)
  qubits   = 4
  encoding = zz_feature_map(x, reps = 1, entanglement = "full")
  ansatz   = real_amplitudes(reps = 1, entanglement = "full")
  readout  = parity(q)
  task     = classify(classes = 2)
}
"""


@pytest.mark.parametrize("device", ["line(5)", "ring(6)", "grid(2,3)"])
@pytest.mark.parametrize("level", [1, 2, 3])
@pytest.mark.parametrize("label", ["ZZII", "IXYI", "ZIIX"])
def test_layout_maps_observable(device: str, level: int, label: str) -> None:
    logical = qlang.compile(MODEL, optimization_level=0)
    routed = qlang.compile(MODEL, device=device, optimization_level=level)
    assert routed.layout is not None
    rng = np.random.default_rng(level)
    values = rng.uniform(-np.pi, np.pi, len(logical.parameters))
    n = logical.ir.num_qubits
    obs = SparsePauliOp(label)
    want = Statevector(_qiskit(logical, values))
    want_value = want.expectation_value(obs).real
    qc = _qiskit(routed, values)
    mapped = obs.apply_layout(qc.layout)
    got_value = Statevector(qc).expectation_value(mapped).real
    assert n == 4
    assert np.isclose(got_value, want_value, atol=1e-8)


def _qiskit(compiled: qlang.Compiled, values: np.ndarray):  # type: ignore[no-untyped-def]
    qc = compiled.to_qiskit()
    return qc.assign_parameters(dict(zip(qc.parameters, _order(qc, compiled, values))))


def _order(qc, compiled, values):  # type: ignore[no-untyped-def]
    """Qiskit sorts parameters by name; map them back to qlang's binding order."""
    names = list(compiled.parameters)
    assert qc.metadata["qlang_parameters"] == names
    index = {name: k for k, name in enumerate(names)}
    return [values[index[p.name]] for p in qc.parameters]
