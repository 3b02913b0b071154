"""Execution backends (issue 23): Aer, fake IBM devices, IBM Runtime (mocked) and pytket.

The bars: exact EstimatorV2 outputs equal the embedded simulator to 1e-8; without noise
a sampling backend agrees within 4 standard errors; every ISA instruction is supported by
the backend's own Target (``Target.instruction_supported``); a 64-sample batch with its
gradient is one job; bad input is coded before any job is sent.
"""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

pytest.importorskip("qiskit_aer")
pytest.importorskip("qiskit_ibm_runtime")

from qlang.targets.measure import measurement  # noqa: E402

from qlang.backends import make_backend, parse_spec, recording  # noqa: E402
from qlang.backends.function import BackendFunction  # noqa: E402
from qlang.diagnostics import QLangError  # noqa: E402
from qlang.driver import load_model  # noqa: E402
from qlang.ir.model import Call  # noqa: E402
from qlang.sim import QuantumFunction  # noqa: E402
from qlang.train.api import context, predictor, train  # noqa: E402
from qlang.train.execution import with_backend  # noqa: E402
from qlang.train.tasks.common import load_data  # noqa: E402
from tests.unit.backend_models import codes, small  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QLANG_CACHE_DIR", str(tmp_path / "cache"))


# --- exact: EstimatorV2 on Aer equals the embedded simulator ----------------------------
def test_aer_estimator_outputs_equal_predict_proba_to_1e_8() -> None:
    src = (ROOT / "examples" / "iris_vqc.qml").read_text().replace("epochs = 30", "epochs = 1")
    model = load_model(src)
    trained = train(model, quiet=True)
    ds, _ = load_data(model, context(model))
    embedded = predictor(model, trained).proba_fn(ds.X_test)
    with recording() as jobs:
        on_aer = predictor(model, trained, backend="aer()").proba_fn(ds.X_test)
    assert len(jobs) == 1 and jobs[0]["pubs"] == 1  # the whole test split in one PUB
    assert np.max(np.abs(on_aer - embedded)) < 1e-8


def test_aer_gradients_equal_the_adjoint_gradients() -> None:
    model = load_model(small(readout="expval([Z0, Z1])", classes=2))
    block = model.main
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (5, 2))
    w = rng.uniform(0, 6, block.circuit.num_weights)
    cot = rng.normal(size=(5, 2))
    ref = QuantumFunction(block).vjp(x, w, cot)
    fn = BackendFunction(block, make_backend(Call("aer")))
    got = fn.vjp(x, w, cot)
    for a, b in zip(got, ref, strict=True):
        assert np.allclose(a, b, atol=1e-8)
    assert len(fn.jobs) == 1


# --- sampled, noise off: within 4 standard errors -------------------------------------------
@pytest.mark.parametrize(
    "spec", ['fake("manila", noise = false)', 'tket("AerBackend")', 'aer()']
)
def test_noise_free_backends_agree_with_the_simulator_within_4_standard_errors(spec: str) -> None:
    model = load_model(small(readout="probs(q)", classes=4, data="blobs(n = 40, centers = 4, seed = 2)"))
    block = model.main
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 3, (6, 2))
    w = rng.uniform(0, 6, block.circuit.num_weights)
    exact = QuantumFunction(block).forward(x, w)
    fn = BackendFunction(block, make_backend(parse_spec(spec), seed=5), shots=4000)
    got = fn.forward(x, w)
    assert fn.last_stderr is not None and np.all(fn.last_stderr > 0)
    assert np.all(np.abs(got - exact) <= 4 * fn.last_stderr + 1e-9), (got - exact) / fn.last_stderr
    assert not np.allclose(got, exact, atol=1e-6)  # really sampled


def test_expval_with_x_and_y_terms_is_measured_in_rotated_bases() -> None:
    model = load_model(small(readout="expval([X0, Y1, 0.5 * Z0 * X1])"))
    block = model.main
    m = measurement(block.readout, 2)
    assert len(m.groups) == 2  # X0 Y1 share a basis, Z0 X1 needs another
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 3, (4, 2))
    w = rng.uniform(0, 6, block.circuit.num_weights)
    exact = QuantumFunction(block).forward(x, w)
    fn = BackendFunction(block, make_backend(parse_spec('fake("manila", noise = false)'), seed=2),
                         shots=4000)  # fmt: skip
    got = fn.forward(x, w)
    assert np.all(np.abs(got - exact) <= 4 * fn.last_stderr + 1e-9)


# --- ISA circuits respect the Target -------------------------------------------------------
def _unsupported(qc, target) -> list:
    bad = []
    for inst in qc.data:
        qargs = tuple(qc.find_bit(q).index for q in inst.qubits)
        if inst.operation.name == "barrier":
            continue
        if not target.instruction_supported(inst.operation.name, qargs):
            bad.append((inst.operation.name, qargs))
    return bad


@pytest.mark.parametrize("device", ["sherbrooke", "torino", "manila"])
@pytest.mark.parametrize("example", ["iris_vqc.qml", "havlicek_vqc.qml", "qcnn.qml"])
def test_every_isa_instruction_is_supported_by_the_target(device: str, example: str) -> None:
    model = load_model(ROOT / "examples" / example)
    block = model.main
    backend = make_backend(parse_spec(f'fake("{device}")'))
    if block.circuit.num_qubits > backend.info.num_qubits:
        pytest.skip("larger than the device")
    prepared = backend.prepare(block.circuit, measurement(block.readout, block.circuit.num_qubits))
    target = backend.backend().target
    for qc in prepared.native:
        assert _unsupported(qc, target) == []
    assert any(i.operation.name == "measure" for i in prepared.native[-1].data)


def test_without_orientation_many_ecrs_point_the_wrong_way() -> None:
    """What the direction pass fixes: qlang's undirected routing alone is not ISA."""
    import qlang

    backend = make_backend(parse_spec('fake("sherbrooke")'))
    target = backend.backend().target
    info = backend.info
    from qlang.backends.isa import device_of

    raw = qlang.compile(ROOT / "examples" / "iris_vqc.qml", target="qiskit",
                        device=device_of(info), basis=list(info.basis)).to_qiskit()  # fmt: skip
    fixed = qlang.compile(ROOT / "examples" / "iris_vqc.qml", target="qiskit",
                          device=backend.backend()).to_qiskit()  # fmt: skip
    assert len(_unsupported(raw, target)) > 0
    assert _unsupported(fixed, target) == []


def test_compile_accepts_a_target_and_a_coupling_map() -> None:
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    import qlang

    b = FakeManilaV2()
    for dev in (b, b.target, b.coupling_map):
        qc = qlang.compile(ROOT / "examples" / "havlicek_vqc.qml", target="qiskit", device=dev)
        assert _unsupported(qc.to_qiskit(), b.target) == []


# --- jobs: one per batch and gradient --------------------------------------------------
@pytest.mark.parametrize("spec", ["aer()", 'fake("manila")'])
def test_a_64_sample_batch_with_gradients_is_one_job(spec: str) -> None:
    model = load_model(small(target=f"backend = {spec}, shots = 64"))
    fn = BackendFunction(model.main, make_backend(parse_spec(spec), seed=1), shots=64)
    x = np.random.default_rng(0).uniform(0, 3, (64, 2))
    w = np.zeros(model.main.circuit.num_weights)
    with recording() as jobs:
        out, gw, gx = fn.vjp(x, w, np.ones((64, 1)))
    assert len(jobs) == 1 and out.shape == (64, 1) and np.any(gw != 0)


def test_training_on_aer_takes_at_most_two_jobs_per_optimizer_step() -> None:
    model = load_model(small(data="moons(n = 200, seed = 1)", target="backend = aer()"))
    with recording() as jobs:
        trained = train(model, quiet=True)
    steps = sum(1 for j in jobs if j["rows"] > 64)  # gradient jobs carry the shift points
    assert steps >= 2
    assert len(jobs) <= 2 * steps + 4  # + validation and test evaluations
    assert trained.metrics["execution"]["engine"] == "aer"


# --- cache ------------------------------------------------------------------------------
def test_transpiled_circuits_are_cached_on_disk(tmp_path: Path) -> None:
    model = load_model(ROOT / "examples" / "iris_vqc.qml")
    block = model.main
    m = measurement(block.readout, 4)
    first = make_backend(parse_spec('fake("sherbrooke")')).prepare(block.circuit, m)
    second = make_backend(parse_spec('fake("sherbrooke")')).prepare(block.circuit, m)
    assert not first.isa.cached and second.isa.cached
    assert second.isa.circuit == first.isa.circuit and second.isa.final == first.isa.final
    assert list((tmp_path / "cache").glob("*.json"))


# --- bad input: coded before any job --------------------------------------------------------
def test_unknown_backend_is_coded() -> None:
    model = load_model(small())
    with pytest.raises(QLangError) as err:
        with_backend(model, 'qpu("x")')
    assert codes(err) == ["QL0700"]
    with pytest.raises(QLangError) as err:
        with_backend(model, "aer(method = ")
    assert codes(err) == ["QL0706"]
    with pytest.raises(QLangError) as err:
        with_backend(model, 'fake("sherbroke")')
    assert codes(err) == ["QL0701"]
    with pytest.raises(QLangError) as err:
        with_backend(model, 'tket("QulacsBackend")')
    assert codes(err) == ["QL0701"]
    with pytest.raises(QLangError) as err:
        make_backend(Call("aer")).info  # noqa: B018
        from qlang.backends.isa import target_info

        target_info(object())
    assert codes(err) == ["QL0700"]


def test_ibm_without_credentials_is_coded_before_any_job(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:  # fmt: skip
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("QISKIT_IBM_TOKEN", raising=False)
    monkeypatch.delenv("QISKIT_IBM_INSTANCE", raising=False)
    model = with_backend(load_model(small()), 'ibm("ibm_torino")')
    trained = train(load_model(small()), quiet=True)
    with recording() as jobs, pytest.raises(QLangError) as err:
        predictor(model, trained)
    assert codes(err) == ["QL0702"] and jobs == []


def test_backend_too_small_is_coded_before_any_job() -> None:
    model = load_model(ROOT / "examples" / "qcnn.qml")
    block = model.main
    backend = make_backend(parse_spec('fake("lima")'))
    with recording() as jobs, pytest.raises(QLangError) as err:
        BackendFunction(block, backend)
    assert codes(err) == ["QL0703"] and jobs == []


def test_target_lacking_the_basis_is_coded() -> None:
    from qiskit.circuit import Measure, Parameter
    from qiskit.circuit.library import CXGate, RZGate
    from qiskit.transpiler import Target

    from qlang.backends.isa import target_info

    t = Target(num_qubits=2)
    t.add_instruction(CXGate(), {(0, 1): None})
    t.add_instruction(RZGate(Parameter("a")), {(0,): None, (1,): None})
    t.add_instruction(Measure(), {(0,): None, (1,): None})
    with pytest.raises(QLangError) as err:
        target_info(t)
    assert codes(err) == ["QL0705"] and "sx" in err.value.diagnostics[0].message


def test_check_rejects_noise_mitigation_and_adjoint_on_a_backend() -> None:
    from qlang.driver import check_source

    for tgt, extra in (
        ('backend = tket("AerBackend"), noise = [depolarizing(0.01)]', ""),
        ('backend = aer(), noise = [from_backend("fake_manila")]', ""),
        ("backend = aer()", ", gradient = adjoint"),
        ('backend = fake("manila"), mitigation = [readout], noise = [bit_flip(0.1)]', ""),
    ):
        with pytest.raises(QLangError) as err:
            check_source(small(target=tgt, extra=extra), "m.qml")
        assert "QL0707" in codes(err), tgt


# --- IBM Runtime at the primitive boundary (mocked) ------------------------------------------
def test_ibm_runs_in_a_runtime_batch_with_sampler_v2() -> None:
    from qiskit_aer.primitives import SamplerV2 as AerSampler
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    device = FakeManilaV2()
    service = mock.MagicMock()
    service.return_value.backend.return_value = device
    batch = mock.MagicMock()
    sent: list = []

    class Sampler:
        def __init__(self, mode):
            assert mode is batch.return_value
            self.inner = AerSampler(seed=3)

        def run(self, pubs):
            sent.append(pubs)
            return self.inner.run(pubs)

    import qiskit_ibm_runtime as rt

    with mock.patch.object(rt, "QiskitRuntimeService", service), \
            mock.patch.object(rt, "Batch", batch), mock.patch.object(rt, "SamplerV2", Sampler):  # fmt: skip
        model = load_model(small())
        backend = make_backend(parse_spec('ibm("ibm_manila", instance = "crn:x")'), seed=1)
        fn = BackendFunction(model.main, backend, shots=4000)
        x = np.random.default_rng(0).uniform(0, 3, (5, 2))
        w = np.random.default_rng(1).uniform(0, 6, model.main.circuit.num_weights)
        got = fn.forward(x, w)
    service.assert_called_once_with(instance="crn:x")
    batch.assert_called_once_with(backend=device)
    assert len(sent) == 1 and len(sent[0]) == len(fn.measurement.groups)
    for pub in sent[0]:
        assert _unsupported(pub[0], device.target) == []
    exact = QuantumFunction(model.main).forward(x, w)
    assert np.all(np.abs(got - exact) <= 4 * fn.last_stderr + 0.05)  # manila's noise
    assert len(fn.jobs) == 1


# --- the CLI ------------------------------------------------------------------------------
def test_qlang_run_writes_metrics_provenance_and_never_overwrites(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from qlang.cli import main

    src = tmp_path / "m.qml"
    src.write_text(small())
    runner = CliRunner()
    r = runner.invoke(main, ["train", str(src), "--out", str(tmp_path / "w"), "-q"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "res"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    r = runner.invoke(main, ["run", str(src), "--weights", str(tmp_path / "w"), "--backend",
                             'fake("manila")', "--shots", "200", "--out", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert (out / "mine.txt").read_text() == "keep" and sorted(p.name for p in out.iterdir()) == ["mine.txt"]
    got = tmp_path / "res-2"
    prov = json.loads((got / "provenance.json").read_text())
    metrics = json.loads((got / "metrics.json").read_text())
    assert prov["backend"] == 'fake("manila")' and prov["jobs"] and all(prov["jobs"])
    assert metrics["execution"]["shots"] == 200 and 0 <= metrics["accuracy"] <= 1
    r = runner.invoke(main, ["run", str(src), "--weights", str(tmp_path / "w"), "--backend", "qpu"])
    assert r.exit_code == 1 and "QL0700" in r.output


# --- export with measurement --------------------------------------------------------------
def test_compile_measure_counts_decode_to_the_model_outputs(tmp_path: Path) -> None:
    from qiskit_aer import AerSimulator

    import qlang

    model = load_model(small(readout="expval([X0, Z0 * Z1, Y1]) |> softmax()", classes=3,
                             data="blobs(n = 40, centers = 3, seed = 2)"))  # fmt: skip
    trained = train(model, quiet=True)
    ds, _ = load_data(model, context(model))
    x = ds.X_test[0]
    exact = QuantumFunction(model.main).forward(x[None], np.asarray(trained.params))[0]
    c = qlang.compile(model, measure=True, device="line(4)", basis="ibm")
    man = c.manifest
    assert man is not None and len(c.measured) == len(man["groups"]) == 2
    shots = 20000
    ev = np.ones(len(man["paulis"]))
    var = np.zeros(len(man["paulis"]))
    for g, m in enumerate(c.measured):
        qc = m.bind_weights(trained, inputs=list(x)).to_qiskit()
        counts = AerSimulator(seed_simulator=g).run(qc, shots=shots).result().get_counts()
        clbit_of = {phys: i for i, phys, _ in man["circuits"][g]["clbits"]}
        for k in man["groups"][g]["members"]:
            cols = [clbit_of[phys] for phys, _ in man["paulis"][k]]
            total = sum(n * (-1) ** sum(int(key[::-1][i]) for i in cols) for key, n in counts.items())
            ev[k] = total / shots
            var[k] = (1 - ev[k] ** 2) / shots
    out = np.asarray(man["matrix"]) @ ev + np.asarray(man["offset"])
    err = np.sqrt(np.asarray(man["matrix"]) ** 2 @ var)
    assert man["post"] == ["softmax"]
    assert np.all(np.abs(out - exact) <= 4 * err + 1e-9), (out, exact, err)


def test_aer_method_reaches_aer() -> None:
    b = make_backend(parse_spec('aer(method = "matrix_product_state")'), seed=4)
    assert b.estimator().options.backend_options["method"] == "matrix_product_state"
    assert b.sampler().options.backend_options["method"] == "matrix_product_state"


@pytest.mark.parametrize("mode", ["session", "job"])
def test_ibm_mode_and_channel_reach_the_runtime(mode: str) -> None:
    import qiskit_ibm_runtime as rt
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    device = FakeManilaV2()
    service = mock.MagicMock()
    service.return_value.backend.return_value = device
    session, batch, sampler = mock.MagicMock(), mock.MagicMock(), mock.MagicMock()
    with mock.patch.object(rt, "QiskitRuntimeService", service), \
            mock.patch.object(rt, "Session", session), mock.patch.object(rt, "Batch", batch), \
            mock.patch.object(rt, "SamplerV2", sampler):  # fmt: skip
        spec = f'ibm("ibm_manila", channel = "ibm_cloud", mode = "{mode}")'
        make_backend(parse_spec(spec)).sampler()
    service.assert_called_once_with(channel="ibm_cloud")
    batch.assert_not_called()
    if mode == "session":
        session.assert_called_once_with(backend=device)
        sampler.assert_called_once_with(mode=session.return_value)
    else:
        session.assert_not_called()
        sampler.assert_called_once_with(mode=device)


@pytest.mark.parametrize("example", ["iris_vqc.qml", "havlicek_vqc.qml"])
@pytest.mark.parametrize("spec", ['fake("sherbrooke", noise = false)', 'tket("AerBackend")'])
def test_example_models_without_noise_match_the_simulator(example: str, spec: str) -> None:
    """The bar's models on the bar's backends, noise off: within 4 standard errors."""
    model = load_model(ROOT / "examples" / example)
    block = model.main
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, (4, block.circuit.num_inputs))
    w = rng.uniform(0, 6, block.circuit.num_weights)
    exact = QuantumFunction(block).forward(x, w)
    fn = BackendFunction(block, make_backend(parse_spec(spec), seed=11), shots=3000)
    got = fn.forward(x, w)
    assert np.all(np.abs(got - exact) <= 4 * fn.last_stderr + 1e-9), (got - exact) / fn.last_stderr


# --- mitigation on a backend: variants and calibration in the same job -------------------------
def test_readout_mitigation_and_zne_on_a_fake_device_reduce_the_error() -> None:
    model = load_model(small(readout="expval([Z0, Z1, Z0 * Z1])", classes=3,
                             data="blobs(n = 40, centers = 3, seed = 2)"))  # fmt: skip
    block = model.main
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 3, (8, 2))
    w = rng.uniform(0, 6, block.circuit.num_weights)
    exact = QuantumFunction(block).forward(x, w)

    def error(mitigation: tuple[Call, ...]) -> tuple[float, int]:
        fn = BackendFunction(block, make_backend(parse_spec('fake("manila")'), seed=9),
                             shots=8000, mitigation=mitigation)  # fmt: skip
        with recording() as jobs:
            got = fn.forward(x, w)
        return float(np.mean(np.abs(got - exact))), len(jobs)

    raw, n_raw = error(())
    readout, n_readout = error((Call("readout"),))
    both, n_both = error((Call("readout"), Call("zne", ((1.0, 3.0),), (("extrapolation", "richardson"),))))
    assert n_raw == n_readout == n_both == 1
    assert readout < 0.7 * raw, (raw, readout)
    assert both < raw, (raw, readout, both)


def test_mitigation_needs_a_noisy_sampling_backend() -> None:
    from qlang.driver import check_source

    for tgt in ("backend = aer(), mitigation = [readout]",
                'backend = fake("manila", noise = false), mitigation = [readout]',
                'backend = tket("AerBackend"), mitigation = [readout]'):  # fmt: skip
        with pytest.raises(QLangError) as err:
            check_source(small(target=tgt), "m.qml")
        assert codes(err) == ["QL0707"], tgt
    check_source(small(target='backend = fake("manila"), mitigation = [readout, twirling(2)]'), "m.qml")


def test_twirled_instances_run_in_one_job_and_keep_the_outputs() -> None:
    model = load_model(small(readout="expval([Z0, Z0 * Z1])", classes=2))
    block = model.main
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 3, (4, 2))
    w = rng.uniform(0, 6, block.circuit.num_weights)
    exact = QuantumFunction(block).forward(x, w)
    fn = BackendFunction(block, make_backend(parse_spec('fake("manila")'), seed=2), shots=4000,
                         mitigation=(Call("twirling", (3,)),), twirl_seed=5)  # fmt: skip
    assert len(fn.variants[0]) == 3
    assert all(p.circuit != fn.prepared.circuit for p in fn.variants[0])  # Paulis inserted
    with recording() as jobs:
        got = fn.forward(x, w)
    assert len(jobs) == 1 and jobs[0]["pubs"] == 3 * len(fn.measurement.groups)
    assert np.max(np.abs(got - exact)) < 0.15  # the device's noise, twirled
