"""One name per parameter: weights.json, model.qasm, Qiskit, tket and
``Compiled.parameters`` agree, and ``Compiled.bind_weights`` binds a trained artifact
into any target so that it computes what the embedded simulator computed."""

from __future__ import annotations

import json

import numpy as np
import pytest
from qiskit import qasm3
from qiskit.quantum_info import SparsePauliOp, Statevector

import qlang
from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.ir.reference import equal_up_to_phase
from qlang.train.api import load, train

SOURCE = """
import encodings.angle
import ansatze.real_amplitudes

model tiny {
  data = moons(n = 40) |> minmax(0, 3.14159)
  encoding = angle(x)
  ansatz = real_amplitudes(reps = 1)
  readout = expval([Z0, Z1])
  task = regress()
  train { epochs = 2, seed = 3 }
}
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    model = load_model(SOURCE.replace("task = regress()", "task = classify(classes = 2)"))
    run = tmp_path_factory.mktemp("naming") / "run"
    train(model, out=run, quiet=True)
    return model, run


def qasm_inputs(text: str) -> list[str]:
    return [ln.split()[-1].rstrip(";") for ln in text.splitlines() if ln.startswith("input ")]


def test_every_target_uses_the_artifact_names(trained):
    model, run = trained
    names = json.loads((run / "weights.json").read_text())["names"]
    compiled = qlang.compile(model, optimization_level=0)
    n_in = compiled.ir.num_inputs
    assert compiled.parameters[:n_in] == ["x_0", "x_1"]
    assert compiled.parameters[n_in:] == names  # the model is its main block alone
    assert names[0] == "ansatz_theta_0_0"
    assert qasm_inputs((run / "model.qasm").read_text()) == compiled.parameters
    assert qasm_inputs(compiled.qasm3) == compiled.parameters
    qc = compiled.to_qiskit()
    assert sorted(p.name for p in qc.parameters) == sorted(compiled.parameters)
    assert qc.metadata["qlang_parameters"] == compiled.parameters
    assert sorted(map(str, compiled.to_tket().free_symbols())) == sorted(compiled.parameters)


@pytest.mark.parametrize("level", [0, 2])
def test_bound_targets_compute_what_the_simulator_computed(trained, level):
    model, run = trained
    pred = load(model, run)
    x_raw = np.array([[0.4, -0.2]])
    x = pred.prepare(x_raw)[0]
    # the embedded simulator's readout at the trained weights
    from qlang.sim import QuantumFunction

    qf = QuantumFunction(model.main)
    want = qf.forward(x[None, :], pred.trained.params)[0]
    compiled = qlang.compile(model, optimization_level=level, device="none", basis="none")
    bound = compiled.bind_weights(run, inputs=x)
    assert bound.parameters == []
    n = compiled.ir.num_qubits
    obs = [SparsePauliOp.from_list(o.label(n)) for o in model.main.readout.observables]
    state = Statevector(bound.to_qiskit())
    got = [state.expectation_value(o).real for o in obs]
    assert np.allclose(got, want, atol=1e-9)
    from_qasm = Statevector(qasm3.loads(bound.qasm3)).data
    assert equal_up_to_phase(from_qasm, state.data)
    tk = bound.to_tket()
    big = np.asarray(tk.get_statevector())
    little = big.reshape([2] * n).transpose(list(range(n))[::-1]).reshape(-1)
    assert equal_up_to_phase(little, state.data)
    # weights only: the data input stays a free parameter, named as before
    assert compiled.bind_weights(run).parameters == ["x_0", "x_1"]


def test_bind_weights_of_a_named_block(tmp_path):
    from tests.unit.test_multi_block import two_blocks

    model = two_blocks()
    train(model, out=tmp_path / "run", quiet=True)
    for block in ("a", "b"):
        compiled = qlang.compile(model, block=block, optimization_level=0)
        assert all(p.startswith(f"{block}_") for p in compiled.parameters[2:])
        assert compiled.bind_weights(tmp_path / "run").parameters == compiled.parameters[:2]


def test_weights_of_another_model_are_a_coded_error(trained, tmp_path):
    model, run = trained
    other = load_model(SOURCE.replace("reps = 1", "reps = 2"))
    with pytest.raises(QLangError) as err:
        qlang.compile(other, optimization_level=0).bind_weights(run)
    assert err.value.codes == ["QL0522"]
    with pytest.raises(QLangError) as err:
        qlang.compile(model, block="nope")
    assert err.value.codes == ["QL0522"]
