"""Every example model and stdlib file lowers to verified IR; `qlang inspect` runs on each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qlang.commands.inspect import command as inspect_command
from qlang.driver import load_model, lower_circuit
from qlang.semantics import Loader, stdlib_modules

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.qml"))

# name -> (qubits, inputs, weights) of the main block
EXPECTED = {
    "havlicek_vqc": (2, 2, 6),
    "havlicek_kernel": (2, 2, 0),
    "iris_vqc": (4, 4, 36),
    "breast_cancer_vqc": (5, 5, 30),
    "breast_cancer_vqc_aqgd": (5, 5, 30),
    "breast_cancer_zz": (5, 5, 30),
    "breast_cancer_zz_aqgd": (5, 5, 30),
    "reuploading_circles": (2, 2, 48),
    "farhi_neven_digits": (17, 16, 64),
    "qcnn": (8, 8, 51),
    "qaoa_maxcut": (10, 0, 6),
    "qaoa_maxcut_cvar": (10, 0, 4),
    "vqe_ising": (6, 0, 42),
    "born_machine_bas": (4, 4, 48),
    "born_machine_bas3": (9, 9, 162),
    "reuploading_circles_1q": (1, 2, 24),
    "digits_kernel": (8, 8, 96),
    "dressed_circuit": (4, 4, 16),
    "qlstm_sine": (4, 4, 8),
    "vqe_ising_noisy": (6, 0, 18),
    "vqe_ising_zne": (6, 0, 18),
    "vqe_ising_zne_readout": (6, 0, 18),
    "noisy_reservoir_sine": (4, 4, 12),
    "iris_fake_sherbrooke": (4, 4, 12),
}


def test_all_reference_models_present() -> None:
    assert {p.stem for p in EXAMPLES} == set(EXPECTED)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_lowers_and_verifies(path: Path) -> None:
    model = load_model(path)
    model.verify()
    c = model.main.circuit
    assert (c.num_qubits, c.num_inputs, c.num_weights) == EXPECTED[path.stem]
    assert len(model.source_hash) == 64
    for block in model.blocks:
        block.circuit.verify()


def test_weights_are_named_after_the_entry() -> None:
    model = load_model(ROOT / "examples" / "havlicek_vqc.qml")
    assert [d.name for d in model.circuit.weights] == ["ansatz_theta"]
    assert model.circuit.weights[0].shape == (3, 2)
    assert model.circuit.weights[0].init == ("uniform", (0.0, 6.283185307179586))
    assert model.main.encoding is not None
    assert model.main.encoding.ops == model.circuit.ops[: len(model.main.encoding.ops)]


@pytest.mark.parametrize("name", stdlib_modules())
def test_stdlib_module_loads_without_diagnostics(name: str) -> None:
    loader = Loader()
    module = loader.load_stdlib(name)
    assert loader.diagnostics == []
    for d in module.definitions.values():
        assert d.node.doc.strip(), f"{d.name} has no doc comment"
        assert "Example" in d.node.doc, f"{d.name} doc has no example"


@pytest.mark.parametrize(
    "name",
    [
        "angle",
        "dense_angle",
        "basis",
        "amplitude",
        "zz_feature_map",
        "pauli_feature_map",
        "iqp",
        "reuploading",
        "hamiltonian_embedding",
    ],
)
def test_every_encoding_lowers(name: str) -> None:
    c = lower_circuit("encodings", name, qubits=3)
    c.verify()
    assert c.num_inputs > 0


def test_inspect_json_reports_resources() -> None:
    res = CliRunner().invoke(
        inspect_command, [str(ROOT / "examples" / "havlicek_vqc.qml"), "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    block = data[0]["blocks"][0]
    assert block["qubits"] == 2 and block["inputs"] == 2 and block["weights"] == 6
    assert block["gate_counts"] == {"cx": 2, "h": 4, "p": 4, "ry": 6, "rzz": 2}
    assert block["two_qubit_gates"] == 4 and block["depth"] == 11


def test_inspect_text_on_stdlib_file() -> None:
    res = CliRunner().invoke(
        inspect_command, [str(ROOT / "stdlib" / "ansatze.qml"), "--qubits", "3"]
    )
    assert res.exit_code == 0, res.output
    assert "circuit real_amplitudes" in res.output and "q2: " in res.output
    assert "circuit qaoa_mixer\n  qubits: 3" in res.output
    assert "not lowered without arguments: `qaoa` is missing argument `cost`" in res.output


def test_inspect_reports_errors_with_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.qml"
    bad.write_text("circuit c on q[2] { hh q[0]; }\nmodel m { circuit = c() task = regress() }\n")
    res = CliRunner().invoke(inspect_command, [str(bad)])
    assert res.exit_code == 1


def test_inspect_shows_settings_and_observables() -> None:
    res = CliRunner().invoke(
        inspect_command, [str(ROOT / "examples" / "vqe_ising.qml"), "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    (item,) = json.loads(res.output)
    assert item["optimizer"] == "lbfgsb(maxiter = 1000)" and item["data"] is None
    obs = item["blocks"][0]["observables"][0]
    assert obs.startswith("-0.5 * X0 - 0.5 * X1") and obs.endswith("- 1.0 * Z4 Z5")


def test_inspect_one_circuit_with_arguments() -> None:
    res = CliRunner().invoke(
        inspect_command,
        [str(ROOT / "stdlib" / "ansatze.qml"), "--circuit", "real_amplitudes", "--qubits", "3",
         "--arg", "reps=2", "--arg", "entanglement=full", "--format", "json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    (item,) = json.loads(res.output)
    assert item["blocks"][0]["weights"] == 9 and item["blocks"][0]["gate_counts"]["cx"] == 6
