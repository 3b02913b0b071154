"""Execution backends, the second round (issue 23): jobs and rows per evaluation and
gradient, the Runtime primitives' own mitigation options (mocked at the primitive
boundary), gate durations, more pytket backends, mitigation and hand-written noise on Aer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("qiskit_aer")
pytest.importorskip("qiskit_ibm_runtime")

from qlang.backends import make_backend, parse_spec, recording  # noqa: E402
from qlang.backends.function import BackendFunction  # noqa: E402
from qlang.diagnostics import QLangError  # noqa: E402
from qlang.driver import load_model  # noqa: E402
from qlang.ir.model import Call  # noqa: E402
from qlang.sim import QuantumFunction  # noqa: E402
from qlang.train.api import evaluate, train  # noqa: E402
from qlang.train.execution import with_backend  # noqa: E402
from tests.unit.backend_models import codes, small  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QLANG_CACHE_DIR", str(tmp_path / "cache"))


# --- item 5: jobs and rows --------------------------------------------------------------
def test_evaluation_is_one_job_for_labels_and_probabilities() -> None:
    model = load_model(small())
    trained = train(model, quiet=True)
    with recording() as jobs:
        metrics = evaluate(model, trained, backend="aer()")
    # before: labels and probabilities each ran the forward pass (2 jobs)
    assert len(jobs) == 1, jobs
    assert 0 <= metrics["accuracy"] <= 1


def test_parameter_shift_shifts_only_trainable_weight_angles() -> None:
    model = load_model(ROOT / "examples" / "havlicek_vqc.qml")  # a feature map: x-only angles
    block = model.main
    fn = BackendFunction(block, make_backend(Call("aer")))
    angles = len(fn.slots)
    weight_angles = sum(
        any(type(s).__name__ == "Weight" for s in syms) for syms in fn.slots.slot_symbols
    )
    assert 0 < weight_angles < angles  # the encoding's angles are input-only
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (64, block.circuit.num_inputs))
    w = rng.uniform(0, 6, block.circuit.num_weights)
    cot = rng.normal(size=(64, fn.num_outputs))
    with recording() as full:
        out, gw, gx = fn.vjp(x, w, cot)
    with recording() as lean:
        out2, gw2, gx2 = fn.vjp(x, w, cot, input_grads=False)
    # every angle shifted twice with input gradients; only the weights' without
    assert full[0]["rows"] == 64 * (1 + 2 * angles)
    assert lean[0]["rows"] == 64 * (1 + 2 * weight_angles) < full[0]["rows"]
    ref = QuantumFunction(block).vjp(x, w, cot)
    assert np.allclose(gw2, ref[1], atol=1e-8) and np.allclose(out2, ref[0], atol=1e-8)
    assert gx2 is None and np.allclose(gx, ref[2], atol=1e-8)


def test_training_on_a_backend_shifts_only_weight_angles() -> None:
    src = (ROOT / "examples" / "havlicek_vqc.qml").read_text()
    src = src.replace("spsa(maxiter = 200)", "adam(lr = 0.1)").replace(
        "seed = 7,", "seed = 7, epochs = 1, batch_size = 64,")
    model = with_backend(load_model(src), "aer()")
    with recording() as jobs:
        train(model, quiet=True)
    fn = BackendFunction(model.main, make_backend(Call("aer")))
    weight_angles = sum(
        any(type(s).__name__ == "Weight" for s in syms) for syms in fn.slots.slot_symbols
    )
    gradient_jobs = [j for j in jobs if j["rows"] % (1 + 2 * weight_angles) == 0 and j["rows"] > 64]
    assert gradient_jobs and all(j["rows"] <= 64 * (1 + 2 * weight_angles) for j in jobs)


# --- item 1: the IBM Runtime primitives' own mitigation (mocked at the primitive) --------
RUNTIME_MITIGATION = ("mitigation = [readout(via = runtime), zne([1, 3], extrapolation = "
                      "richardson, via = runtime), twirling(4, via = runtime)]")  # fmt: skip


class _Estimator:
    """The Runtime's EstimatorV2 at the primitive boundary: records mode, options and
    PUBs, computes exact expectations with Aer and reports ``stds`` of 0.01."""

    made: list = []
    runs: list = []

    def __init__(self, mode, options=None):
        from qiskit_aer.primitives import EstimatorV2

        type(self).made.append((mode, options))
        self.inner = EstimatorV2()

    def run(self, pubs):
        type(self).runs.append(pubs)
        inner = self.inner.run(pubs)

        class Data:
            def __init__(self, d):
                self.evs = d.evs
                self.stds = np.full_like(np.asarray(d.evs, dtype=float), 0.01)

        class Job:
            def job_id(self):
                return "rt-job-1"

            def result(self):
                return [type("R", (), {"data": Data(r.data)})() for r in inner.result()]

        return Job()


def _mock_runtime():
    from unittest import mock

    import qiskit_ibm_runtime as rt
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    device = FakeManilaV2()
    service = mock.MagicMock()
    service.return_value.backend.return_value = device
    batch = mock.MagicMock()
    sampler = mock.MagicMock()
    _Estimator.made, _Estimator.runs = [], []
    patches = [mock.patch.object(rt, "QiskitRuntimeService", service),
               mock.patch.object(rt, "Batch", batch), mock.patch.object(rt, "SamplerV2", sampler),
               mock.patch.object(rt, "EstimatorV2", _Estimator)]  # fmt: skip
    return device, batch, sampler, patches


def test_runtime_mitigation_options_reach_the_estimator_and_results_decode() -> None:
    from contextlib import ExitStack

    from qlang.train.api import predictor
    from qlang.train.execution import execution_summary

    plain = load_model(small(readout="expval([Z0, Z1, Z0 * Z1]) |> softmax()", classes=3,
                             data="blobs(n = 40, centers = 3, seed = 2)"))  # fmt: skip
    trained = train(plain, quiet=True)
    src = small(readout="expval([Z0, Z1, Z0 * Z1]) |> softmax()", classes=3,
                data="blobs(n = 40, centers = 3, seed = 2)",
                target=f'backend = ibm("ibm_manila"), shots = 1000, {RUNTIME_MITIGATION}')  # fmt: skip
    model = load_model(src)
    x = np.random.default_rng(0).uniform(-1, 1, (7, 2))
    exact = predictor(plain, trained).predict_proba(x)
    device, batch, sampler, patches = _mock_runtime()
    with ExitStack() as stack:
        for p in patches:
            stack.enter_context(p)
        with recording() as jobs:
            pred = predictor(model, trained)
            got = pred.predict_proba(x)
    sampler.assert_not_called()  # qlang's own circuits are not run: the Runtime mitigates
    assert len(_Estimator.made) == 1 and _Estimator.made[0][0] is batch.return_value
    opts = _Estimator.made[0][1]
    assert opts.resilience_level == 0 and opts.default_shots == 1000
    assert opts.resilience.measure_mitigation is True and opts.resilience.zne_mitigation is True
    assert list(opts.resilience.zne.noise_factors) == [1.0, 3.0]
    assert opts.resilience.zne.extrapolator == "polynomial_degree_1"  # richardson over 2 scales
    assert opts.resilience.zne.amplifier == "gate_folding" and opts.resilience.pec_mitigation is False
    assert opts.twirling.enable_gates is True and opts.twirling.num_randomizations == 4
    assert opts.twirling.enable_measure is True
    # one job, one PUB: the ISA circuit with every row of the batch
    assert len(_Estimator.runs) == 1 and len(_Estimator.runs[0]) == 1
    circuit = _Estimator.runs[0][0][0]
    for inst in circuit.data:
        qargs = tuple(circuit.find_bit(q).index for q in inst.qubits)
        assert device.target.instruction_supported(inst.operation.name, qargs)
    assert len(jobs) == 1 and jobs[0]["job_id"] == "rt-job-1"
    assert jobs[0]["options"]["resilience"]["zne"]["extrapolator"] == "polynomial_degree_1"
    assert np.max(np.abs(got - exact)) < 1e-8  # decoded through the final layout
    summary = execution_summary(model)
    assert summary["runtime_options"] == jobs[0]["options"]
    assert summary["runtime_options"]["twirling"]["num_randomizations"] == 4


def test_runtime_mitigation_stds_become_the_outputs_standard_errors() -> None:
    from contextlib import ExitStack

    model = load_model(small(readout="expval([Z0, Z0 * Z1])"))
    _, _, _, patches = _mock_runtime()
    with ExitStack() as stack:
        for p in patches:
            stack.enter_context(p)
        backend = make_backend(parse_spec('ibm("ibm_manila")'), seed=1)
        fn = BackendFunction(model.main, backend, shots=500,
                             mitigation=(Call("readout", (), (("via", "runtime"),)),))  # fmt: skip
        x = np.random.default_rng(1).uniform(0, 3, (3, 2))
        w = np.random.default_rng(2).uniform(0, 6, model.main.circuit.num_weights)
        got = fn.forward(x, w)
    assert np.allclose(got, QuantumFunction(model.main).forward(x, w), atol=1e-8)
    assert np.allclose(fn.last_stderr, 0.01)
    assert _Estimator.made[0][1].default_shots == 500


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ('backend = fake("manila"), mitigation = [readout(via = runtime)]', "QL0709"),
        ("backend = aer(), mitigation = [zne(via = runtime)]", "QL0709"),
        ('backend = tket("AerBackend"), mitigation = [twirling(via = runtime)]', "QL0709"),
        ("noise = [depolarizing(0.05)], mitigation = [readout(via = runtime)]", "QL0709"),
        ('backend = ibm("x"), mitigation = [readout(via = runtime), zne([1, 3])]', "QL0709"),
    ],
)
def test_runtime_mitigation_where_it_cannot_run_is_coded(target: str, code: str) -> None:
    from qlang.driver import check_source

    with pytest.raises(QLangError) as err:
        check_source(small(target=target), "m.qml")
    assert codes(err) == [code], target
    diag = err.value.diagnostics[0]
    assert diag.span is not None  # located at the mitigation setting


@pytest.mark.parametrize(
    "zne",
    ["zne([1, 3], folding = gates, via = runtime)", "zne([1, 3], extrapolation = exponential, "
     "asymptote = 0.5, via = runtime)", "zne([1, 2, 3, 4, 5, 6, 7, 8, 9], extrapolation = "
     "richardson, via = runtime)"],
)
def test_runtime_zne_arguments_the_runtime_does_not_take_are_rejected(zne: str) -> None:
    from qlang.driver import check_source

    with pytest.raises(QLangError) as err:
        check_source(small(target=f'backend = ibm("x"), mitigation = [{zne}]'), "m.qml")
    assert len(codes(err)) == 1 and "runtime" in err.value.diagnostics[0].message.lower()


# --- item 2: gate durations and T1/T2 from the Target ------------------------------------
@pytest.mark.parametrize("device", ["FakeSherbrooke", "FakeTorino"])
@pytest.mark.parametrize("example", ["iris_vqc.qml", "qcnn.qml"])
def test_scheduled_duration_equals_qiskits_estimate(device: str, example: str) -> None:
    import qiskit_ibm_runtime.fake_provider as fp

    import qlang
    from qlang.backends.timing import schedule, timing_of

    b = getattr(fp, device)()
    c = qlang.compile(ROOT / "examples" / example, measure=True, device=b)
    t = timing_of(b.target)
    for m in c.measured:
        ours = schedule(m.ir, t).duration
        theirs = m.to_qiskit().estimate_duration(b.target, unit="s")
        assert ours > 0 and abs(ours - theirs) <= 1e-12 * theirs + 1e-15
    sched = c.manifest["schedule"]
    assert sched["device"] == b.name and len(sched["circuits"]) == len(c.measured)
    assert 0 < sched["circuits"][0]["estimated_success"] < 1
    assert any("scheduled duration" in n for n in c.notes)


def test_success_probability_counts_decoherence_over_the_live_time() -> None:
    from qlang.backends.timing import Timing, schedule, success_probability
    from qlang.ir.circuit import Circuit, Operation

    t = Timing({("sx", (0,)): 1e-6, ("sx", (1,)): 1e-6, ("measure", (0,)): 2e-6},
               {("sx", (0,)): 0.01, ("measure", (0,)): 0.1}, (1e-4, None), (5e-5, None))  # fmt: skip
    c = Circuit(2, (Operation("sx", (1,)), Operation("sx", (1,)), Operation("sx", (0,)),
                    Operation("measure", (0,), clbits=(0,))), num_clbits=1)  # fmt: skip
    s = schedule(c, t)
    assert s.duration == pytest.approx(3e-6) and s.first == (0.0, 0.0)
    # qubit 0 live 3 us: exp(-3e-6/1e-4 - 3e-6/5e-5); qubit 1 has no T1/T2
    expect = 0.99 * 0.9 * np.exp(-3e-6 / 1e-4 - 3e-6 / 5e-5)
    assert success_probability(c, t, s) == pytest.approx(expect, rel=1e-12)


@pytest.mark.parametrize("device", ["torino", "sherbrooke"])
def test_layout_is_chosen_by_estimated_success_with_decoherence(device: str) -> None:
    """The benchmark's figures (benchmarks/backend_layout.py): best of 8 layouts by ESP."""
    from qlang.backends import isa

    info = make_backend(parse_spec(f'fake("{device}")')).info
    circuit = load_model(ROOT / "examples" / "qcnn.qml").main.circuit
    one = isa.estimated_success(isa._compile(circuit, info, 1, 0), info)
    chosen = isa.compile_isa(circuit, info, level=1, seed=0, cache=False)
    best = isa.estimated_success(chosen, info)
    cands = [isa.estimated_success(isa._compile(circuit, info, 1, s), info) for s in range(8)]
    assert best == pytest.approx(max(cands)) and best > 2 * one  # 0.024 -> 0.218 on torino
    level0 = isa.compile_isa(circuit, info, level=0, seed=0, cache=False)
    assert isa.estimated_success(level0, info) == pytest.approx(
        isa.estimated_success(isa._compile(circuit, info, 0, 0), info))  # -O0: one layout


def test_inspect_and_provenance_show_the_schedule_on_a_fake_device() -> None:
    from click.testing import CliRunner

    from qlang.cli import main
    from qlang.train.execution import execution_summary

    src = small(target='backend = fake("sherbrooke")')
    model = load_model(src)
    ex = execution_summary(model)
    assert ex["schedule"]["device"] == "fake_sherbrooke" and ex["schedule"]["duration_s"] > 0
    with CliRunner().isolated_filesystem():
        Path("m.qml").write_text(src)
        r = CliRunner().invoke(main, ["inspect", "m.qml"])
    assert r.exit_code == 0 and "schedule:" in r.output and "fake_sherbrooke" in r.output
    assert "schedule" not in execution_summary(load_model(small(target="backend = aer()")))


# --- item 3: pytket backends beyond AerBackend ----------------------------------------------
@pytest.mark.parametrize("name", ["AerStateBackend", "AerDensityMatrixBackend"])
@pytest.mark.parametrize("level", [None, 2])
def test_tket_exact_backends_equal_the_simulator_to_1e_8(name: str, level: int | None) -> None:
    pytest.importorskip("pytket.extensions.qiskit")
    model = load_model(ROOT / "examples" / "iris_vqc.qml")
    block = model.main
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (4, block.circuit.num_inputs))
    w = rng.uniform(0, 6, block.circuit.num_weights)
    cot = rng.normal(size=(4, block.readout.num_outputs))
    spec = f'tket("{name}"' + (f", optimisation_level = {level})" if level is not None else ")")
    fn = BackendFunction(block, make_backend(parse_spec(spec)))
    assert fn.shots is None  # exact: nothing sampled
    ref = QuantumFunction(block).vjp(x, w, cot)
    with recording() as jobs:
        got = fn.vjp(x, w, cot)
    assert len(jobs) == 1
    for a, b in zip(got, ref, strict=True):
        assert np.max(np.abs(a - b)) < 1e-8


def test_tket_optimisation_level_runs_tkets_own_passes() -> None:
    pytest.importorskip("pytket.extensions.qiskit")
    block = load_model(ROOT / "examples" / "iris_vqc.qml").main
    plain = make_backend(parse_spec('tket("AerStateBackend")'))
    tuned = make_backend(parse_spec('tket("AerStateBackend", optimisation_level = 2)'))
    assert tuned.tket_level == 2 and plain.tket_level is None
    m = BackendFunction(block, plain).prepared.native[0]
    t = BackendFunction(block, tuned).prepared.native[0]
    assert t.n_gates < m.n_gates  # tket's FullPeepholeOptimise ran (84 -> 27 gates on iris)


@pytest.mark.parametrize(
    ("name", "code", "word"),
    [("AerUnitaryBackend", "QL0710", "unitary"), ("IBMQEmulatorBackend", "QL0710", "account"),
     ("IBMQBackend", "QL0710", "account"), ("QulacsBackend", "QL0701", "unknown")],
)
def test_tket_backends_that_cannot_run_here_are_coded(name: str, code: str, word: str) -> None:
    from qlang.driver import check_source

    with pytest.raises(QLangError) as err:
        check_source(small(target=f'backend = tket("{name}")'), "m.qml")
    assert codes(err) == [code] and word in err.value.diagnostics[0].message
    assert err.value.diagnostics[0].span is not None
    with pytest.raises(QLangError) as err:
        make_backend(parse_spec(f'tket("{name}")'))
    assert codes(err) == [code]


def test_shots_on_an_exact_tket_backend_are_coded_not_ignored() -> None:
    from qlang.driver import check_source

    with pytest.raises(QLangError) as err:
        check_source(small(target='backend = tket("AerStateBackend"), shots = 100'), "m.qml")
    assert codes(err) == ["QL0707"]
    with pytest.raises(QLangError) as err:
        BackendFunction(load_model(small()).main, make_backend(parse_spec('tket("AerStateBackend")')),
                        shots=100)  # fmt: skip
    assert codes(err) == ["QL0707"]
    from qlang.train.execution import execution_summary

    ex = execution_summary(load_model(small(target='backend = tket("AerStateBackend")')))
    assert ex["shots"] is None  # exact, not the sampling default


def test_training_and_prediction_on_tket_aer_state_backend() -> None:
    from qlang.train.api import predictor

    model = load_model(small())
    trained = train(model, quiet=True)
    x = np.random.default_rng(3).uniform(-1, 1, (6, 2))
    exact = predictor(model, trained).predict_proba(x)
    got = predictor(model, trained, backend='tket("AerStateBackend")').predict_proba(x)
    assert np.max(np.abs(got - exact)) < 1e-8


# --- item 4: hand-written noise and mitigation on Aer ------------------------------------------
def _noise(calls: tuple[Call, ...], n: int):
    from qlang.semantics.noise import noise_model

    return noise_model(calls, n, None)


def test_hand_written_noise_on_aer_equals_the_density_matrix_engine() -> None:
    from qlang.sim.noise_engines import DensityFunction

    block = load_model(ROOT / "examples" / "iris_vqc.qml").main
    nm = _noise((Call("depolarizing", (0.05,)),
                 Call("amplitude_damping", (0.1,), (("gates", ("cx",)),))), block.circuit.num_qubits)  # fmt: skip
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (5, block.circuit.num_inputs))
    w = rng.uniform(0, 6, block.circuit.num_weights)
    ref = DensityFunction(block, noise=nm).forward(x, w)
    backend = make_backend(parse_spec("aer()"))
    fn = BackendFunction(block, backend, noise=nm)
    got = fn.forward(x, w)
    assert backend.sim_method == "density_matrix" and backend.noise_model is not None
    assert np.max(np.abs(got - ref)) < 1e-8
    assert np.max(np.abs(QuantumFunction(block).forward(x, w) - ref)) > 0.1  # noise matters


def test_readout_errors_on_sampled_aer_agree_with_the_engine_within_4_standard_errors() -> None:
    from qlang.sim.noise_engines import DensityFunction

    block = load_model(small(readout="probs(q)", classes=4, data="blobs(n = 40, centers = 4, seed = 2)")).main
    nm = _noise((Call("depolarizing", (0.03,)), Call("readout_error", (0.1,))), 2)
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 3, (6, 2))
    w = rng.uniform(0, 6, block.circuit.num_weights)
    ref = DensityFunction(block, noise=nm).forward(x, w)
    fn = BackendFunction(block, make_backend(parse_spec("aer()"), seed=4), noise=nm, shots=6000)
    got = fn.forward(x, w)
    assert np.all(np.abs(got - ref) <= 4 * fn.last_stderr + 1e-9)
    ideal = QuantumFunction(block).forward(x, w)
    assert np.max(np.abs(ideal - ref)) > 6 * np.max(fn.last_stderr)  # the noise is visible


def test_readout_mitigation_and_zne_on_noisy_aer_reduce_the_error_in_one_job() -> None:
    block = load_model(small(readout="expval([Z0, Z1, Z0 * Z1])", classes=3,
                             data="blobs(n = 40, centers = 3, seed = 2)")).main  # fmt: skip
    nm = _noise((Call("depolarizing", (0.03,)), Call("readout_error", (0.08,))), 2)
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 3, (8, 2))
    w = rng.uniform(0, 6, block.circuit.num_weights)
    exact = QuantumFunction(block).forward(x, w)

    def err(mitigation: tuple[Call, ...]) -> tuple[float, int]:
        fn = BackendFunction(block, make_backend(parse_spec("aer()"), seed=9), noise=nm,
                             shots=8000, mitigation=mitigation)  # fmt: skip
        with recording() as jobs:
            got = fn.forward(x, w)
        return float(np.mean(np.abs(got - exact))), len(jobs)

    raw, n0 = err(())
    ro, n1 = err((Call("readout"),))
    both, n2 = err((Call("readout"), Call("zne", ((1.0, 3.0),), (("extrapolation", "richardson"),))))
    assert n0 == n1 == n2 == 1
    assert ro < 0.7 * raw and both < 0.5 * raw, (raw, ro, both)  # 0.183 -> 0.075 -> 0.019


@pytest.mark.parametrize(
    "target",
    [
        "backend = aer(), noise = [readout_error(0.1)]",  # bits need shots
        'backend = aer(method = "statevector"), noise = [depolarizing(0.1)]',
        "backend = aer(), noise = [depolarizing(0.1)], mitigation = [readout]",  # no shots
        'backend = tket("AerBackend"), noise = [depolarizing(0.1)], shots = 100',
        'backend = tket("AerBackend"), noise = [depolarizing(0.1)], shots = 100, mitigation = [readout]',
        'backend = fake("manila", noise = false), mitigation = [readout]',
        "backend = aer(), shots = 100, mitigation = [readout]",  # nothing to mitigate
    ],
)
def test_noise_and_mitigation_that_cannot_run_are_coded(target: str) -> None:
    from qlang.driver import check_source

    with pytest.raises(QLangError) as err:
        check_source(small(target=target), "m.qml")
    assert set(codes(err)) == {"QL0707"}, target


def test_noise_and_mitigation_on_aer_check_and_train() -> None:
    from qlang.driver import check_source

    tgt = ("backend = aer(), shots = 200, noise = [depolarizing(0.02), readout_error(0.05)], "
           "mitigation = [readout, zne([1, 3])]")  # fmt: skip
    check_source(small(target=tgt), "m.qml")
    model = load_model(small(target=tgt))
    with recording() as jobs:
        trained = train(model, quiet=True)
    assert jobs and trained.metrics["execution"]["noise"]["channels"]
    assert trained.metrics["execution"]["mitigation"] == ["readout", "zne([1, 3])"]


def test_frozen_weight_angles_are_not_shifted() -> None:
    from qlang.ir.circuit import Circuit, Operation, ParamDecl
    from qlang.ir.expr import Const, Weight
    from qlang.ir.model import Observable, PauliTerm, QuantumBlock, Readout

    c = Circuit(1, (Operation("ry", (0,), (Weight(0),)), Operation("rx", (0,), (Weight(1),))),
                weights=(ParamDecl("a", (1,), 0, frozen=True), ParamDecl("b", (1,), 1)))  # fmt: skip
    z = Observable((PauliTerm(Const(1.0), ((0, "Z"),)),))
    block = QuantumBlock("main", c, Readout("expval", (z,)))
    fn = BackendFunction(block, make_backend(Call("aer")))
    w = np.array([0.4, 0.7])
    with recording() as jobs:
        _, gw, _ = fn.vjp(np.zeros((3, 0)), w, np.ones((3, 1)), input_grads=False)
    assert jobs[0]["rows"] == 3 * (1 + 2 * 1)  # only `b` shifted
    ref = QuantumFunction(block).vjp(np.zeros((3, 0)), w, np.ones((3, 1)))[1]
    assert gw[0] == 0.0 and gw[1] == pytest.approx(ref[1], abs=1e-8)
