"""Model lowering: imports, implicit and explicit parameters, inference, blocks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model, load_module, lower_circuit
from qlang.ir.reference import statevector


def test_module_import_and_member_call() -> None:
    m = load_model(
        "import encodings\nimport ansatze as az\nmodel m { data = moons() "
        "encoding = encodings.angle(x) ansatz = az.mps() readout = expval(Z0) "
        "task = classify(classes = 2) }"
    )
    assert m.circuit.num_qubits == 2
    assert [d.name for d in m.circuit.weights] == ["ansatz_w"]


def test_explicit_weights_init_and_frozen() -> None:
    m = load_model(
        "import encodings.angle\nimport ansatze.real_amplitudes\nmodel m {\n"
        "  data = moons()\n  weight t: float[2, 2] = normal(0, 0.1) frozen\n"
        "  weight s: float[1] = constant(2.0)\n  encoding = angle(x)\n"
        "  ansatz = real_amplitudes(t, reps = 1)\n  readout = expval(s[0] * Z0)\n"
        "  task = regress()\n}"
    )
    t, s = m.circuit.weights
    assert (t.name, t.shape, t.init, t.frozen) == ("t", (2, 2), ("normal", (0.0, 0.1)), True)
    assert (s.name, s.init, s.frozen) == ("s", ("constant", (2.0,)), False)
    assert m.circuit.num_weights == 5


def test_weight_init_from_parameter_default() -> None:
    m = load_model(
        "import ansatze.qaoa\nimport observables.maxcut\nconst g = ring_graph(4);\n"
        "model m { qubits = 4 observable = maxcut(g) ansatz = qaoa(maxcut(g), p = 3) "
        "task = minimize(observable) }"
    )
    assert [(d.name, d.shape, d.init) for d in m.circuit.weights] == [
        ("ansatz_gamma", (3,), ("uniform", (0.0, np.pi))),
        ("ansatz_beta", (3,), ("uniform", (0.0, np.pi))),
    ]


def test_qubits_inferred_from_the_encoding() -> None:
    amp = load_model(
        "import encodings.amplitude\nmodel m { data = iris() encoding = amplitude(x) "
        "readout = probs(q) task = classify(classes = 3) }"
    )
    dense = load_model(
        "import encodings.dense_angle\nmodel m { data = iris() encoding = dense_angle(x) "
        "readout = probs(q) task = classify(classes = 3) }"
    )
    assert amp.circuit.num_qubits == 2 and dense.circuit.num_qubits == 2
    x = np.array([0.1, 0.5, 0.3, 0.8])
    x = x / np.linalg.norm(x)
    assert np.allclose(statevector(amp.main.encoding, inputs=x), x, atol=1e-9)


def test_whole_circuit_entry_with_ancilla_and_file_import(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "blocks.qml").write_text(
        "/// A block with an ancilla.\ncircuit anc_block(x: float[n]) on q[n] {\n"
        "  qubit a;\n  for i in 0..n { ry(x[i]) q[i]; cx q[i], a; }\n}\n"
    )
    (tmp_path / "m.qml").write_text(
        'import "lib/blocks.qml" as b\nmodel m { data = moons() circuit = b.anc_block(x) '
        "readout = expval(Z2) task = classify(classes = 2) }\n"
    )
    m = load_model(tmp_path / "m.qml")
    assert m.circuit.num_qubits == 3 and m.main.encoding is None
    assert load_module(tmp_path / "m.qml").models[0].name == "m"


def test_kernel_model_defaults_to_probs_and_keeps_the_encoding() -> None:
    m = load_model(Path(__file__).resolve().parents[2] / "examples" / "havlicek_kernel.qml")
    assert m.task.name == "kernel" and m.task.get("kind") == "fidelity"
    assert m.main.readout.kind == "probs"
    assert m.main.encoding is not None and m.main.encoding.ops == m.circuit.ops


def test_several_models_need_a_name() -> None:
    text = (
        "import encodings.angle\nmodel a { data = moons() encoding = angle(x) readout = "
        "expval(Z0) task = regress() }\nmodel b { data = iris() encoding = angle(x) "
        "readout = expval(Z3) task = regress() }"
    )
    with pytest.raises(QLangError) as info:
        load_model(text)
    assert info.value.codes == ["QL0108"]
    assert load_model(text, model="b").circuit.num_qubits == 4


def test_settings_become_calls() -> None:
    m = load_model(Path(__file__).resolve().parents[2] / "examples" / "breast_cancer_vqc.qml")
    assert m.data is not None and m.data.name == "breast_cancer"
    assert [p.name for p in m.preprocess] == ["standardize", "pca", "minmax"]
    assert m.preprocess[1].args == (5,)
    assert m.optimizer is not None and m.optimizer.get("maxiter") == 300
    assert m.target.basis == ("cx", "rz", "sx", "x") and m.target.shots is None
    assert m.target.device is not None and m.target.device.name == "ring"
    assert m.training.metrics == ("accuracy", "precision", "recall", "f1")
    assert [c.name for c in m.main.readout.post] == ["scale", "sigmoid"]
    assert m.num_features == 5


def test_csv_needs_a_declared_input() -> None:
    with pytest.raises(QLangError) as info:
        load_model(
            'import encodings.angle\nmodel m { data = csv("d.csv", label = "y") '
            "encoding = angle(x) readout = expval(Z0) task = regress() }"
        )
    assert "QL0301" in info.value.codes
    m = load_model(
        'import encodings.angle\nmodel m { data = csv("d.csv", label = "y")\n'
        "input x: float[3]\nencoding = angle(x) readout = expval(Z0) task = regress() }"
    )
    assert m.circuit.num_inputs == 3


def test_observables_are_sorted_and_combined() -> None:
    m = load_model(
        "import encodings.angle\nmodel m { data = iris() encoding = angle(x) "
        "readout = expval(Z1 Z0 + X2 + 0.5 * Z0 Z1 - X2 + 2 * Z3) task = regress() }"
    )
    (obs,) = m.main.readout.observables
    assert [(t.paulis, t.coeff.value) for t in obs.terms] == [
        (((3, "Z"),), 2.0),
        (((0, "Z"), (1, "Z")), 1.5),
    ]


def test_ctrl_of_a_gate_maps_to_the_controlled_gate() -> None:
    c = lower_circuit(
        "circuit c(t: float) on q[4] { ctrl @ x q[0], q[1]; ctrl(2) @ x q[0], q[1], q[2];"
        " ctrl(3) @ x q[0], q[1], q[2], q[3]; ctrl @ rz(t) q[0], q[1]; ctrl @ p(t) q[1], q[2];"
        " ctrl @ z q[2], q[3]; ctrl @ cx q[0], q[1], q[2]; ctrl @ swap q[0], q[1], q[2]; }",
        "c",
    )
    assert [op.name for op in c.ops] == ["cx", "ccx", "mcx", "crz", "cp", "cz", "ccx", "cswap"]


def test_inverse_keeps_parameters_symbolic() -> None:
    c = lower_circuit(
        "import encodings.zz_feature_map\ncircuit k(a: float[2], b: float[2]) on q[2] {"
        " zz_feature_map(a) q; inv @ zz_feature_map(b) q; }",
        "k",
    )
    x = np.array([0.3, -0.4, 0.3, -0.4])
    psi = statevector(c, inputs=x)
    assert np.isclose(abs(psi[0]), 1.0)  # U(x)^dagger U(x) = I
    y = np.array([0.3, -0.4, 1.1, 0.2])
    assert abs(statevector(c, inputs=y)[0]) < 0.999


def test_minimize_takes_the_observable_inline() -> None:
    m = load_model(
        "import ansatze.efficient_su2\nimport observables.ising\nmodel m { qubits = 3 "
        "ansatz = efficient_su2(reps = 1) task = minimize(ising(J = 1.0, h = 0.5)) loss = energy }"
    )
    (obs,) = m.main.readout.observables
    assert len(obs.terms) == 5 and m.task.name == "minimize"


def test_unknown_observable_name_is_an_unknown_name() -> None:
    with pytest.raises(QLangError) as info:
        load_model(
            "import ansatze.mps\nimport observables.ising\nmodel m { qubits = 3 "
            "ansatz = mps() observable = isng(J = 1.0) task = minimize(observable) }"
        )
    assert info.value.codes == ["QL0101"]
    assert info.value.diagnostics[0].help == "did you mean `ising`?"


def test_user_gates_and_broadcasting() -> None:
    c = lower_circuit(
        "gate zz(t: float) a, b { cx a, b; rz(2 * t) b; cx a, b; }\n"
        "circuit c on q[3] { h q; zz(0.25) q[0], q[2]; cx q[0:2], q[1:3]; }",
        "c",
    )
    assert [(op.name, op.qubits) for op in c.ops] == [
        ("h", (0,)), ("h", (1,)), ("h", (2,)), ("cx", (0, 2)), ("rz", (2,)), ("cx", (0, 2)),
        ("cx", (0, 1)), ("cx", (1, 2)),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "decl", ["weight x: float[2]", "weight angle: float[2]", "input angle: float[2]"]
)
def test_model_declarations_do_not_shadow(decl: str) -> None:
    with pytest.raises(QLangError) as info:
        load_model(
            f"import encodings.angle\nmodel m {{\n  data = moons()\n  {decl}\n"
            "  encoding = angle(x)\n  readout = expval(Z0)\n  task = regress()\n}"
        )
    assert "QL0105" in info.value.codes


def test_readout_forms() -> None:
    head = "import encodings.angle\nmodel m { data = iris() encoding = angle(x) task = regress() "
    r = load_model(head + "readout = expval(Z[i] for i in 0..len(q)) }").main.readout
    assert r.kind == "expval" and len(r.observables) == 4
    r = load_model(head + "readout = probs(q[0:2]) |> softmax() }").main.readout
    assert (r.kind, r.qubits, r.num_outputs, r.post[0].name) == ("probs", (0, 1), 4, "softmax")
    r = load_model(head + "readout = parity([1, 3]) }").main.readout
    assert (r.kind, r.qubits, r.num_outputs) == ("parity", (1, 3), 1)
    r = load_model(head + "readout = samples(100) }").main.readout
    assert (r.kind, r.shots, r.num_outputs) == ("samples", 100, 4)
    r = load_model(head + "readout = expval(Z0) |> linear(out = 3) }").main.readout
    assert r.post[0].get("out") == 3
