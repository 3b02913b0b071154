"""Bad noise, shots and mitigation settings are located, coded diagnostics of ``qlang check``
(exit 1), before any work starts: one test per code. And ``from_backend`` runs the block
compiled for the device with the device's noise, as Aer runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model

HEAD = "import encodings.angle\nimport ansatze.real_amplitudes\n"


def model(target: str, train: str = "epochs = 1", qubits: str = "") -> str:
    return (
        HEAD
        + "model m {\n  data = moons(n = 30)\n"
        + (f"  qubits = {qubits}\n" if qubits else "")
        + "  encoding = angle(x)\n  ansatz = real_amplitudes(reps = 1)\n"
        + "  readout = expval(Z0) |> sigmoid()\n  task = classify(classes = 2)\n"
        + f"  train {{ {train} }}\n  target {{ {target} }}\n}}\n"
    )


def check(src: str, tmp: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    f = tmp / "m.qml"
    f.write_text(src)
    import os

    return subprocess.run(
        [sys.executable, "-m", "qlang.cli", "check", str(f)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


CASES = {
    "unknown channel": ("noise = [depolarising(0.01)]", "QL0305", "did you mean `depolarizing`?"),
    "probability above 1": ("noise = [amplitude_damping(1.5)]", "QL0310", "must be in [0, 1]"),
    "negative probability": ("noise = [readout_error(-0.1)]", "QL0310", "must be in [0, 1]"),
    "pauli probabilities sum above 1": ("noise = [pauli_channel(0.5, 0.4, 0.3)]", "QL0310", "px + py + pz <= 1"),
    "T2 above 2 T1": ("noise = [thermal_relaxation(50, 120, 0.1)]", "QL0310", "t2 <= 2 t1"),
    "unknown device": ('noise = from_backend("fake_sherbrok")', "QL0305", "fake_sherbrooke"),
    "unknown gate to attach to": ("noise = [depolarizing(0.01, gates = [cnot2])]", "QL0305", "unknown gate"),
    "qubit out of range": ("noise = [bit_flip(0.01, qubits = [7])]", "QL0310", "acts on qubit 7"),
    "statevector with noise": ("noise = [depolarizing(0.01)], backend = statevector", "QL0314", "cannot simulate noise"),
    "mitigation without noise": ("mitigation = [readout()]", "QL0314", "nothing to mitigate"),
    "zne with one scale": ("noise = [depolarizing(0.01)], mitigation = [zne(scales = [1])]", "QL0310", "two different scales"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_setting_is_a_coded_check_error(case: str, tmp_path: Path) -> None:
    setting, code, text = CASES[case]
    r = check(model(setting), tmp_path)
    assert r.returncode == 1, (r.stdout, r.stderr)
    out = r.stdout + r.stderr
    assert f"error[{code}]" in out and text in out, out
    assert "m.qml:" in out  # located


def test_adjoint_with_noise_is_a_gradient_mode_error(tmp_path: Path) -> None:
    r = check(model("noise = [depolarizing(0.01)]", "gradient = adjoint"), tmp_path)
    assert r.returncode == 1 and "error[QL0303]" in r.stdout + r.stderr
    r = check(model("shots = 100", "gradient = backprop"), tmp_path)
    assert r.returncode == 1 and "error[QL0303]" in r.stdout + r.stderr


def test_a_density_matrix_that_does_not_fit_is_refused_before_training(tmp_path: Path) -> None:
    src = HEAD + (
        "model m {\n  qubits = 12\n  ansatz = real_amplitudes(reps = 1)\n  observable = Z0 Z1\n"
        "  task = minimize(observable)\n  train { epochs = 1 }\n"
        "  target { noise = [depolarizing(0.01)], backend = density_matrix }\n}\n"
    )
    r = check(src, tmp_path, {"QLANG_MEMORY": "64M"})
    assert r.returncode == 1 and "error[QL0821]" in r.stdout + r.stderr, r.stdout + r.stderr
    assert "density-matrix engine" in r.stdout + r.stderr
    # the same model on auto picks trajectories, which fit
    ok = check(src.replace(", backend = density_matrix", ""), tmp_path, {"QLANG_MEMORY": "64M"})
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_a_missing_extra_names_its_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    from qlang.sim import noise_qiskit

    monkeypatch.setitem(sys.modules, "qiskit_aer", None)  # import fails as if not installed
    noise_qiskit.fake_backends.cache_clear()
    with pytest.raises(QLangError) as err:
        load_model(model('noise = from_backend("fake_manila")'))
    d = err.value.diagnostics[0]
    assert d.code == "QL0315" and 'pip install "qlang[aer]"' in (d.help or "")


# --- from_backend --------------------------------------------------------------------------
def test_from_backend_runs_the_compiled_block_with_the_devices_noise() -> None:
    pytest.importorskip("qiskit_ibm_runtime")
    aer = pytest.importorskip("qiskit_aer")
    from qiskit import QuantumCircuit
    from qlang.targets.qiskit import to_qiskit

    from qlang.sim.noise_device import device_run
    from qlang.sim.noise_engines import DensityFunction
    from qlang.sim.noise_qiskit import aer_model_of

    m = load_model(model('noise = from_backend("fake_manila")', qubits="2"))
    run = device_run(m.main, "fake_manila")
    qf = DensityFunction(run.block, noise=run.noise)
    x = np.array([[0.3, -0.7]])
    w = np.random.default_rng(0).uniform(0, 6, m.circuit.num_weights)
    rho = qf.density_matrices(x, w)[0]
    # Aer: the same compiled circuit on the device's physical qubits, Aer's own noise model
    local = to_qiskit(run.block.circuit)
    local = local.assign_parameters(dict(zip(local.metadata["qlang_parameters"], [*x[0], *w], strict=True)))
    full = QuantumCircuit(5)
    full.compose(local, qubits=list(run.physical), inplace=True)
    full.save_density_matrix(qubits=list(run.physical))
    sim = aer.AerSimulator(method="density_matrix", noise_model=aer_model_of("fake_manila"))
    want = np.asarray(sim.run(full).result().data()["density_matrix"])
    assert np.abs(rho - want).max() < 1e-8
    # and noise changes the model's outputs
    from qlang.sim import QuantumFunction

    exact = QuantumFunction(run.block).forward(x, w)
    assert not np.allclose(qf.forward(x, w), exact, atol=1e-4)


def test_mitigation_on_a_kernel_task_is_rejected(tmp_path: Path) -> None:
    src = HEAD + (
        "model m {\n  data = moons(n = 30)\n  encoding = angle(x)\n  task = kernel()\n"
        "  target { noise = [depolarizing(0.01)], mitigation = [readout()] }\n}\n"
    )
    r = check(src, tmp_path)
    assert r.returncode == 1 and "error[QL0313]" in r.stdout + r.stderr, r.stdout + r.stderr


def test_compile_routes_for_the_device_of_from_backend() -> None:
    pytest.importorskip("qiskit_ibm_runtime")
    import qlang

    c = qlang.compile(model('noise = from_backend("fake_manila")'))
    assert any("fake_manila" in n for n in c.notes)
    assert set(c.ir.count_ops()) <= {"cx", "rz", "sx", "x"}
