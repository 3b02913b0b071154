"""Noise passed through the Python API (``noise=`` of ``train``, ``evaluate``,
``predictor``): a Qiskit Aer ``NoiseModel`` runs as Aer runs it (local errors replace the
all-qubit ones on their qubits, as in Aer), and a noise the runtime cannot honour is a
coded error before anything runs."""

from __future__ import annotations

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.ir.model import QuantumBlock, Readout
from qlang.sim.noise_engines import DensityFunction
from qlang.train.execution import with_noise
from tests.unit.test_noise_check import model
from tests.unit.test_noise_engines import _read_expectation, random_circuit, random_observables

aer = pytest.importorskip("qiskit_aer")


def hand_model(n: int):
    """All-qubit errors, local errors that replace them on some qubits, and readout."""
    from qiskit_aer.noise import (
        NoiseModel,
        ReadoutError,
        amplitude_damping_error,
        depolarizing_error,
        pauli_error,
        thermal_relaxation_error,
    )

    nm = NoiseModel()
    nm.add_all_qubit_quantum_error(depolarizing_error(0.03, 1), ["rx", "ry", "h", "u", "sx"])
    nm.add_all_qubit_quantum_error(depolarizing_error(0.08, 2), ["cx", "cz", "rzz"])
    nm.add_quantum_error(amplitude_damping_error(0.2), ["rx", "h"], [0])
    nm.add_quantum_error(thermal_relaxation_error(40.0, 30.0, 2.0), ["ry"], [n - 1])
    nm.add_quantum_error(pauli_error([("XX", 0.1), ("II", 0.9)]), ["cx"], [0, 1])
    nm.add_all_qubit_readout_error(ReadoutError([[0.97, 0.03], [0.06, 0.94]]))
    nm.add_readout_error(ReadoutError([[0.9, 0.1], [0.2, 0.8]]), [1])
    return nm


@pytest.mark.parametrize("seed", range(8))
def test_an_aer_noise_model_runs_as_aer_runs_it(seed: int) -> None:
    from qlang.targets.qiskit import to_qiskit

    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 5))
    circuit = random_circuit(rng, n, 14)
    nm = hand_model(n)
    obs = random_observables(rng, n)
    block = QuantumBlock("main", circuit, Readout("expval", obs))
    m = load_model(model("", qubits=str(n)))
    noisy = with_noise(m, nm).target.noise
    qf = DensityFunction(block, noise=noisy)
    w = rng.uniform(0, 2 * np.pi, circuit.num_weights)
    qc = to_qiskit(circuit)
    qc = qc.assign_parameters(dict(zip(qc.metadata["qlang_parameters"], w, strict=True)))
    qc.save_density_matrix()
    want = np.asarray(aer.AerSimulator(method="density_matrix", noise_model=nm).run(qc).result().data()["density_matrix"])
    x0 = np.zeros((1, 0))
    assert np.abs(qf.density_matrices(x0, w)[0] - want).max() < 1e-8, seed
    # the read expectations: qubit 1 reads through its own (local) matrix only
    default = np.array([[0.97, 0.03], [0.06, 0.94]]).T
    assign = {q: default for q in range(n)} | {1: np.array([[0.9, 0.1], [0.2, 0.8]]).T}
    ours = qf.forward(x0, w)[0]
    for k, o in enumerate(obs):
        exp = sum(float(t.coeff.value) * _read_expectation(want, t.paulis, assign, n) for t in o.terms)
        assert abs(ours[k] - exp) < 1e-8, seed


def test_train_and_evaluate_take_an_aer_noise_model(tmp_path) -> None:
    import json

    from qiskit_aer.noise import NoiseModel, depolarizing_error

    from qlang.train.api import evaluate, train_run

    m = load_model(model("", train="epochs = 2, seed = 1"))
    nm = NoiseModel()
    nm.add_all_qubit_quantum_error(depolarizing_error(0.3, 1), ["ry", "rx"])
    clean = train_run(m, quiet=True).trained
    run = train_run(m, quiet=True, noise=nm, out=tmp_path / "run")
    assert run.trained.metrics != clean.metrics
    prov = json.loads((run.path / "provenance.json").read_text())
    assert "kraus(gates = [rx]" in " ".join(prov["execution"]["noise"]["channels"])
    assert prov["execution"]["engine"] == "density_matrix"
    assert evaluate(m, clean, noise=nm) != evaluate(m, clean)


def test_noise_the_runtime_cannot_honour_is_a_coded_error() -> None:
    from qiskit_aer.noise import NoiseModel, ReadoutError, depolarizing_error

    m = load_model(model("", qubits="2"))
    on_measure = NoiseModel()
    on_measure.add_all_qubit_quantum_error(depolarizing_error(0.1, 1), ["measure"])
    far = NoiseModel()
    far.add_quantum_error(depolarizing_error(0.1, 1), ["rx"], [5])
    correlated = NoiseModel()
    correlated.add_readout_error(ReadoutError([[0.9, 0.1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]), [0, 1])
    adjoint = load_model(model("", train="epochs = 1, gradient = adjoint", qubits="2"))
    cases = [
        (m, on_measure, "QL0305"),
        (m, far, "QL0310"),
        (m, correlated, "QL0305"),
        (m, "fake_nowhere", "QL0305"),
        (m, 0.1, "QL0305"),
        (adjoint, NoiseModel(), None),  # no errors: an exact run, adjoint is fine
    ]
    clean = NoiseModel()
    clean.add_all_qubit_quantum_error(depolarizing_error(0.1, 1), ["rx"])
    cases.append((adjoint, clean, "QL0303"))
    for mod, noise, code in cases:
        if code is None:
            with_noise(mod, noise)
            continue
        with pytest.raises(QLangError) as err:
            with_noise(mod, noise)
        assert err.value.diagnostics[0].code == code, (noise, err.value.diagnostics[0].message)
