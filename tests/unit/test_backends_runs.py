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
