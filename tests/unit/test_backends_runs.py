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

ROOT = Path(__file__).resolve().parents[2]
HEAD = "import encodings.angle\nimport ansatze.real_amplitudes\n"


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QLANG_CACHE_DIR", str(tmp_path / "cache"))


def small(readout: str = "expval(Z0) |> sigmoid()", target: str = "", extra: str = "",
          classes: int = 2, data: str = "moons(n = 40, seed = 1)") -> str:  # fmt: skip
    tgt = f"  target {{ {target} }}\n" if target else ""
    return HEAD + (
        "model m {\n"
        f"  data = {data}\n  qubits = 2\n  encoding = angle(x)\n"
        "  ansatz = real_amplitudes(reps = 1)\n"
        f"  readout = {readout}\n  task = classify(classes = {classes})\n"
        "  optimizer = adam(lr = 0.1)\n"
        f"  train {{ epochs = 1, batch_size = 64, seed = 3 {extra} }}\n{tgt}}}\n"
    )


def codes(err: pytest.ExceptionInfo[QLangError]) -> list[str]:
    return [d.code for d in err.value.diagnostics]


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
