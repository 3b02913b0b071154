"""Circuit cutting (``target { cutting = auto(...) }``, issue 26 item 3).

The 8-qubit distributed QCNN of examples/qcnn_cut.qml, cut onto 5-qubit pieces, gives the
uncut expectation values exactly (1e-10) with exact subexperiments and within 4 standard
errors with shots; its gradients are the uncut gradients; the reconstruction agrees with
the add-on's own ``reconstruct_expectation_values`` on the add-on's exact simulation of its
own subexperiments; every new diagnostic code has a located invalid input.
"""

from __future__ import annotations

import doctest
import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model

pytest.importorskip("qiskit_addon_cutting")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "cutting" / "qcnn_cut.qml"


def uncut_source() -> str:
    text = EXAMPLE.read_text()
    return "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("target"))


def with_target(target: str, text: str | None = None) -> str:
    return (text or uncut_source()).replace(
        "  train     {", f"  target    {{ {target} }}\n  train     {{"
    )


@pytest.fixture(scope="module")
def model():
    return load_model(EXAMPLE)


@pytest.fixture(scope="module")
def cut_fn(model):
    from qlang.cutting.function import CutFunction
    from qlang.cutting.plan import settings_of

    return CutFunction(model.main, settings_of(model.target.cutting))


def sample(model, rows: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, np.pi, (rows, model.main.circuit.num_inputs))
    w = rng.uniform(0, 2 * np.pi, model.main.circuit.num_weights)
    return x, w


@pytest.mark.parametrize(
    "name", ["qlang.cutting", "qlang.cutting.plan", "qlang.cutting.convert",
             "qlang.cutting.function", "qlang.cutting.check", "qlang.catalog.cutting",
             "qlang.codes.cutting"],
)  # fmt: skip
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_the_qcnn_is_cut_onto_5_qubit_pieces(cut_fn) -> None:
    plan = cut_fn.plan
    assert max(plan.widths) <= 5 and len(plan.pieces) == 2
    assert [(c.kind, c.qubits) for c in plan.cuts] == [("wire", (0,))]
    assert plan.sampling_overhead == 16.0 and len(plan.coefficients) == 8
    # every model qubit is in a piece; the cut wire's qubit is in both
    held = sorted(q for p in plan.pieces for q in p.qubits)
    assert held == [0, 0, 1, 2, 3, 4, 5, 6, 7]


def test_exact_cut_values_and_gradients_equal_the_uncut_ones(model, cut_fn) -> None:
    from qlang.sim import QuantumFunction

    x, w = sample(model)
    qf = QuantumFunction(model.main)
    want = qf.forward(x, w)
    got = cut_fn.forward(x, w)
    assert np.abs(got - want).max() < 1e-10
    cot = np.random.default_rng(1).normal(size=want.shape)
    _, gw, gx = cut_fn.vjp(x, w, cot)
    _, gw0, gx0 = qf.vjp(x, w, cot)
    assert np.abs(gw - gw0).max() < 1e-10
    assert gx is not None and np.abs(gx - gx0).max() < 1e-10
    _, jw, jx = cut_fn.jacobian(x[:2], w)
    _, jw0, jx0 = qf.jacobian(x[:2], w)
    assert np.abs(jw - jw0).max() < 1e-10 and np.abs(jx - jx0).max() < 1e-10


def test_reconstruction_matches_the_addon_on_its_own_subexperiments(model, cut_fn) -> None:
    """Independent path: the add-on's subexperiments of the bound circuit, its exact
    sampler, its reconstruction; against ours and the uncut value."""
    from qiskit.primitives import SamplerResult
    from qiskit.quantum_info import PauliList
    from qiskit_addon_cutting import (
        cut_wires,
        expand_observables,
        find_cuts,
        generate_cutting_experiments,
        partition_problem,
        reconstruct_expectation_values,
    )
    from qiskit_addon_cutting.utils.simulation import ExactSampler

    from qlang.cutting.plan import _prepare, settings_of
    from qlang.sim import QuantumFunction

    x, w = sample(model, rows=2, seed=5)
    settings = settings_of(model.target.cutting)
    qc, names = _prepare(model.main.circuit)
    for row in range(2):
        values = dict(zip(names, [*x[row], *w], strict=True))
        bound = qc.assign_parameters({p: values[p.name] for p in qc.parameters})
        from qiskit_addon_cutting import DeviceConstraints, OptimizationParameters

        cut, _ = find_cuts(
            bound,
            OptimizationParameters(seed=settings.seed),
            DeviceConstraints(qubits_per_subcircuit=settings.max_qubits),
        )
        wired = cut_wires(cut)
        obs = expand_observables(PauliList(["IIIIIIIZ"]), bound, wired)
        problem = partition_problem(circuit=wired, observables=obs)
        subexps, coefs = generate_cutting_experiments(
            circuits=problem.subcircuits, observables=problem.subobservables, num_samples=np.inf
        )
        sampler = ExactSampler()
        results = {k: sampler.run(v).result() for k, v in subexps.items()}
        assert all(isinstance(r, SamplerResult) for r in results.values())
        addon = reconstruct_expectation_values(results, coefs, problem.subobservables)[0]
        ours = cut_fn.forward(x[row : row + 1], w)[0, 0]
        uncut = QuantumFunction(model.main).forward(x[row : row + 1], w)[0, 0]
        assert abs(addon - uncut) < 1e-10
        assert abs(ours - addon) < 1e-10


SMALL = """import encodings.angle
import ansatze.real_amplitudes
model m {
  data = sine(n = 30, window = 3)
  encoding = angle(x)
  ansatz = real_amplitudes(reps = 1)
  readout = expval([Z0 Z2, 0.5 * X1 + Z0, Y2 + 0.25])
  task = regress()
  optimizer = adam(lr = 0.1)
  train { epochs = 2 }
  target { TARGET }
}
"""


@pytest.mark.parametrize("cutting", ["auto(max_qubits = 2)", "auto(max_qubits = 1)",
                                     'auto(max_qubits = 2, cuts = "wires")'])  # fmt: skip
def test_gate_and_wire_cuts_are_exact_with_several_observables(cutting: str) -> None:
    """Gate cuts measure mid-circuit (deferred onto ancillas); X and Y readouts and a
    constant term go through the add-on's measurement groups."""
    from qlang.cutting.function import CutFunction
    from qlang.cutting.plan import settings_of
    from qlang.sim import QuantumFunction

    m = load_model(SMALL.replace("TARGET", f"cutting = {cutting}"))
    f = CutFunction(m.main, settings_of(m.target.cutting))
    assert max(f.plan.widths) <= settings_of(m.target.cutting).max_qubits
    if "wires" not in cutting:
        assert {c.kind for c in f.plan.cuts} == {"gate"}
        assert any(p.simulated > p.width for p in f.plan.pieces)  # deferred measurements
    x, w = sample(m, rows=5, seed=3)
    qf = QuantumFunction(m.main)
    assert np.abs(f.forward(x, w) - qf.forward(x, w)).max() < 1e-10
    cot = np.random.default_rng(0).normal(size=(5, 3))
    _, gw, gx = f.vjp(x, w, cot)
    _, gw0, gx0 = qf.vjp(x, w, cot)
    assert np.abs(gw - gw0).max() < 1e-10 and np.abs(gx - gx0).max() < 1e-10


def test_pieces_run_on_an_execution_backend() -> None:
    """`backend = aer` (exact Estimator): every subexperiment is an Aer job, and the
    reconstruction equals the uncut statevector values."""
    pytest.importorskip("qiskit_aer")
    from qlang.sim import QuantumFunction
    from qlang.train.build import quantum_function
    from qlang.train.seeding import Seeds

    src = with_target("cutting = auto(max_qubits = 5), backend = aer").replace(
        "gradient = auto", "gradient = parameter_shift"
    )
    m = load_model(src)
    fn = quantum_function(m.main, m.training, Seeds(0), None, m.target)
    x, w = sample(m, rows=3, seed=6)
    assert type(fn.fns[0][0]).__name__ == "BackendFunction"
    assert np.abs(fn.forward(x, w) - QuantumFunction(m.main).forward(x, w)).max() < 1e-8


def test_gate_cuts_on_an_execution_backend_are_ql0952() -> None:
    src = SMALL.replace("TARGET", "cutting = auto(max_qubits = 2), backend = aer")
    assert codes_of(src) == ["QL0952"]
    ok = SMALL.replace("TARGET", 'cutting = auto(max_qubits = 2, cuts = "wires"), backend = aer')
    assert codes_of(ok) == []


def test_sampled_values_are_within_4_standard_errors(model, cut_fn) -> None:
    from qlang.cutting.function import CutFunction
    from qlang.cutting.plan import settings_of
    from qlang.sim import QuantumFunction

    shots = 2000
    x, w = sample(model, rows=8, seed=2)
    exact = QuantumFunction(model.main).forward(x, w)[:, 0]
    sampled = CutFunction(
        model.main, settings_of(model.target.cutting), shots=shots, seed=4,
        gradient="parameter-shift",
    ).forward(x, w)[:, 0]  # fmt: skip
    # the standard error of the reconstruction from the exact piece values: each piece's
    # parity estimate has variance (1 - v^2) / shots; pieces are sampled independently
    results = {
        label: [np.asarray(f.forward(x, w), dtype=float) for f in fns]
        for label, fns in cut_fn.fns.items()
    }
    A = cut_fn._piece_values(results)  # label -> (terms, B, paulis)
    means = [a[:, :, 0] for a in A.values()]
    variances = [(1 - m**2) / shots for m in means]
    second = np.prod([v + m**2 for v, m in zip(variances, means, strict=True)], axis=0)
    var_terms = second - np.prod([m**2 for m in means], axis=0)  # Var of a product
    c = np.asarray(cut_fn.plan.coefficients)
    stderr = np.sqrt(np.einsum("i,ib->b", c**2, var_terms))
    assert np.all(np.abs(sampled - exact) < 4 * stderr), (sampled - exact) / stderr
    assert np.any(np.abs(sampled - exact) > 1e-6)  # really sampled


def test_training_with_cutting_equals_the_uncut_training() -> None:
    from qlang.train.api import train

    cut = load_model(EXAMPLE.read_text().replace("epochs = 20", "epochs = 1"))
    plain = load_model(uncut_source().replace("epochs = 20", "epochs = 1"))
    a = train(cut, quiet=True)
    b = train(plain, quiet=True)
    assert np.abs(a.params - b.params).max() < 1e-8
    assert a.metrics["test"]["accuracy"] == b.metrics["test"]["accuracy"]


def test_inspect_shows_the_cuts_and_the_overhead() -> None:
    from qlang.commands.inspect import _inspect, _text

    text = _text(_inspect(EXAMPLE, 0, None, None, None), drawing=False)
    assert "cutting: auto(max_qubits = 5): 1 cut, sampling overhead 16, 8 terms" in text
    assert "cut 0: wire cut on q0 before cx q4, q0" in text
    assert "piece 0: 4 qubits [q0, q1, q2, q3]" in text
    assert "piece 1: 5 qubits [q0, q4, q5, q6, q7]" in text


def test_the_artifact_records_the_cuts(tmp_path: Path) -> None:
    from qlang.train.execution import execution_summary

    summary = execution_summary(load_model(EXAMPLE))
    assert summary["cutting"]["cut"] is True
    assert summary["cutting"]["sampling_overhead"] == 16.0
    assert [p["width"] for p in summary["cutting"]["pieces"]] == [4, 5]


# --- diagnostics: one invalid input per code ------------------------------------------
def codes_of(src: str) -> list[str]:
    try:
        load_model(src)
    except QLangError as err:
        for d in err.diagnostics:
            assert d.span is not None, d  # located
        return err.codes
    return []


def test_device_narrower_than_the_model_is_ql0597_without_cutting_only() -> None:
    assert codes_of(with_target("device = line(5)")) == ["QL0597"]
    assert codes_of(with_target("device = line(5), cutting = auto(max_qubits = 5)")) == []


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ("cutting = auto(max_qubits = 2, cuts = \"gates\", max_cuts = 2)", "QL0951"),
        ("cutting = auto(max_qubits = 5, cuts = \"gates\", max_overhead = 100)", "QL0951"),
        ("cutting = auto(max_qubits = 5), noise = [depolarizing(0.01)]", "QL0952"),
        ("cutting = auto(max_qubits = 5), backend = density_matrix", "QL0952"),
        ("device = line(4), cutting = auto(max_qubits = 5)", "QL0953"),
        ("cutting = auto(max_qubits = 8)", "QL0954"),
        ("cutting = auto(max_qubits = 0)", None),
        ("cutting = auto(max_qubits = 5, cuts = \"wire\")", None),
        ("cutting = auto()", None),
        ("cutting = split(max_qubits = 5)", None),
    ],
)
def test_invalid_cutting_settings(target: str, code: str | None) -> None:
    got = codes_of(with_target(target))
    if code is None:  # the catalog's own argument checks
        assert len(got) == 1, got
    else:
        assert got[0] == code, got


def test_probs_readout_is_ql0952() -> None:
    src = with_target("cutting = auto(max_qubits = 5)").replace(
        "readout   = expval(Z0)", "readout   = probs([0])"
    ).replace("loss      = mse", "loss      = cross_entropy")
    assert codes_of(src) == ["QL0952"]


def test_missing_addon_is_ql0950_with_the_install_hint(monkeypatch) -> None:
    from qlang.cutting import plan

    monkeypatch.setitem(sys.modules, "qiskit_addon_cutting", None)  # import fails
    monkeypatch.setattr(plan, "_PLANS", {})
    try:
        load_model(EXAMPLE)
    except QLangError as err:
        assert err.codes == ["QL0950"]
        d = err.diagnostics[0]
        assert d.span is not None and "pip install 'qlang[cutting]'" in (d.help or "")
    else:
        raise AssertionError("no QL0950 without the add-on")


def test_compiling_a_cut_model_for_its_narrow_device_is_ql0955() -> None:
    import qlang

    with pytest.raises(QLangError) as err:
        qlang.compile(load_model(EXAMPLE))
    assert err.value.codes == ["QL0955"]
    assert qlang.compile(load_model(EXAMPLE), device="none").ir.num_qubits == 8
