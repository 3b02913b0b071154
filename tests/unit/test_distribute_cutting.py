"""Cut subexperiments on Ray, and ``qlang eval`` / ``qlang predict`` on Ray (issue 26).

With ``distribute = ray(...)`` and ``cutting = auto(...)`` every subexperiment (piece x
term x measurement group) and block of rows is a Ray task, forward and adjoint gradient,
and the values and gradients equal the serial cut path's to 1e-12; a training run reaches
the serial parameters and records the tasks. A model that trained with ``distribute``
evaluates and predicts on Ray as it trained (kernel tiles, batch blocks, cut
subexperiments) with the serial metrics and predictions; ``--ray`` distributes any model
that can, ``--no-ray`` computes in this process, and a conflicting override is ``QL0313``.
Ray runs locally (``ray.init(num_cpus=2)``, one session for the module); the checks that
need no cluster run without Ray too.
"""

from __future__ import annotations

import builtins
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import qlang
from qlang.cli import main
from qlang.diagnostics import QLangError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "cutting" / "qcnn_cut.qml"

CUT = """import encodings.angle
import ansatze.real_amplitudes

model m {
  data      = moons(n = 24, seed = 1)
  qubits    = 3
  encoding  = angle(x)
  ansatz    = real_amplitudes(reps = 1)
  readout   = expval(Z0 * Z2) |> sigmoid()
  task      = classify(classes = 2)
  optimizer = adam(lr = 0.1)
  train     { epochs = 2, batch_size = 6, seed = 3%s }
  target    { cutting = auto(max_qubits = 2) }
}
"""

PLAIN = """import encodings.angle
import ansatze.real_amplitudes

model m {
  data      = moons(n = 40, seed = 1)
  encoding  = angle(x)
  ansatz    = real_amplitudes(reps = 2)
  readout   = expval(Z0) |> sigmoid()
  task      = classify(classes = 2)
  optimizer = adam(lr = 0.1)
  train     { epochs = 2, seed = 4%s }
}
"""

KERNEL = """import encodings.zz_feature_map

model m {
  data      = ad_hoc(dim = 2, gap = 0.3, train = 30, test = 10, seed = 1)
  qubits    = 2
  encoding  = zz_feature_map(x, reps = 2)
  task      = kernel(method = "svc")
  train     { seed = 3%s }
}
"""


def _write(tmp: Path, text: str, name: str = "m.qml") -> Path:
    path = tmp / name
    path.write_text(text)
    return path


# --- without a cluster ----------------------------------------------------------------
def test_no_ray_and_ray_together_is_a_usage_error(tmp_path) -> None:
    path = _write(tmp_path, PLAIN % "")
    res = CliRunner().invoke(main, ["eval", str(path), "--weights", str(tmp_path), "--ray", "--no-ray"])
    assert res.exit_code == 1 and "QL0880" in res.output and "--no-ray" in res.output, res.output


def test_eval_overrides_that_cannot_distribute_are_ql0313_naming_no_ray(tmp_path) -> None:
    pytest.importorskip("ray")
    from qlang.distribute.run import for_evaluation

    model = qlang.load_model(PLAIN % ", distribute = ray(workers = 2)")
    from qlang.train.execution import with_shots

    with pytest.raises(QLangError) as err:
        for_evaluation(with_shots(model, 100), None)
    d = err.value.diagnostics[0]
    assert d.code == "QL0313" and "--no-ray" in (d.help or "") and d.span is not None
    assert for_evaluation(with_shots(model, 100), False).training.distribute is None
    assert for_evaluation(model, False).training.distribute is None
    plain = qlang.load_model(PLAIN % "")
    assert for_evaluation(plain, None) is plain
    assert for_evaluation(plain, True).training.distribute is not None
    with pytest.raises(QLangError) as err:
        for_evaluation(with_shots(plain, 100), True)
    assert err.value.codes == ["QL0313"]


def test_without_ray_eval_of_a_distributed_model_stops_with_the_hint(monkeypatch, tmp_path) -> None:
    from qlang.train import api

    model = qlang.load_model(PLAIN % "")
    trained = api.train(model, quiet=True)
    dist = qlang.load_model(PLAIN % ", distribute = ray()") if _has_ray() else None
    monkeypatch.setitem(sys.modules, "ray", None)
    real_import = builtins.__import__

    def no_ray(name, *a, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    for call in (lambda m: api.evaluate(m, trained, ray=True),
                 lambda m: api.predictor(m, trained, ray=True)):  # fmt: skip
        with pytest.raises(QLangError) as err:
            call(model)
        assert err.value.codes == ["QL0907"]
        assert "pip install 'qlang[ray]'" in (err.value.diagnostics[0].help or "")
    if dist is not None:  # checked where Ray was; without it --no-ray still evaluates
        with pytest.raises(QLangError) as err:
            api.evaluate(dist, trained)
        assert err.value.codes == ["QL0907"]
        assert api.evaluate(dist, trained, ray=False) == api.evaluate(model, trained)


def _has_ray() -> bool:
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


# --- on a local Ray cluster -------------------------------------------------------------
@pytest.fixture(scope="module")
def cut_ray_session(ray_session):
    """``ray_session`` (tests/unit/conftest.py), skipped without the cutting add-on."""
    pytest.importorskip("qiskit_addon_cutting")
    return ray_session


def _distributor(block: int | None = None):
    from qlang.distribute import Distribution
    from qlang.distribute.cluster import open_cluster
    from qlang.distribute.run import Distributor

    class Session:
        def __enter__(self):  # noqa: ANN204
            self.cm = open_cluster(Distribution(workers=2, block=block))
            return Distributor(self.cm.__enter__())

        def __exit__(self, *exc):  # noqa: ANN002, ANN204
            return self.cm.__exit__(*exc)

    return Session()


@pytest.mark.parametrize("block", [None, 5, 1])
def test_qcnn_subexperiments_on_ray_equal_the_serial_cut_path(cut_ray_session, block) -> None:
    from qlang.cutting.function import CutFunction, cut_function
    from qlang.cutting.plan import settings_of
    from qlang.distribute.cutting import RayCutFunction

    model = qlang.load_model(EXAMPLE)
    serial = CutFunction(model.main, settings_of(model.target.cutting))
    rng = np.random.default_rng(5)
    x = rng.uniform(0, np.pi, (11, 8))
    w = rng.uniform(0, 2 * np.pi, model.main.circuit.num_weights)
    cot = rng.normal(size=(11, 1))
    with _distributor(block) as d:
        fn = cut_function(model.main, model.target.cutting, d.factory(), {})
        assert isinstance(fn, RayCutFunction) and not fn.fns  # nothing runs in this process
        np.testing.assert_allclose(fn.forward(x, w), serial.forward(x, w), rtol=0, atol=1e-12)
        out, gw, gx = fn.vjp(x, w, cot)
        ref = serial.vjp(x, w, cot)
        np.testing.assert_allclose(out, ref[0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(gw, ref[1], rtol=0, atol=1e-12)
        np.testing.assert_allclose(gx, ref[2], rtol=0, atol=1e-12)
        assert np.max(np.abs(gw)) > 1e-3  # a gradient, not zeros
        rec = d.record()
    subexps = serial.plan.num_subexperiments
    blocks = 1 if block is None else -(-11 // block)  # 16 subexperiments fill 2 workers
    assert rec["cut_forward_tasks"] == 2 * subexps * blocks, rec
    assert 0 < rec["cut_vjp_tasks"] <= subexps * blocks, rec


def test_training_a_cut_model_on_ray_equals_the_serial_training(cut_ray_session, tmp_path) -> None:
    from qlang.train.api import train, train_run

    serial = train(qlang.load_model(CUT % ""), quiet=True)
    res = train_run(qlang.load_model(CUT % ", distribute = ray(workers = 2)"), quiet=True,
                    out=tmp_path / "run")  # fmt: skip
    got = res.trained
    np.testing.assert_allclose(got.params, serial.params, rtol=0, atol=1e-9)
    assert got.metrics["test"] == serial.metrics["test"]
    prov = json.loads((tmp_path / "run" / "provenance.json").read_text())["execution"]
    rec = prov["distribute"]
    assert rec["cut_forward_tasks"] > 0 and rec["cut_vjp_tasks"] > 0, rec
    assert "gradient_blocks" not in rec  # the subexperiments are the tasks, not the batch
    assert prov["cutting"]["subexperiments"] == 12


def test_the_estimator_api_trains_a_cut_model_on_ray(cut_ray_session) -> None:
    from qlang.train.estimator import QLangEstimator

    X = np.random.default_rng(3).uniform(0, 1, (12, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    serial = QLangEstimator(qlang.load_model(CUT % ""), seed=1).fit(X, y)
    est = QLangEstimator(qlang.load_model(CUT % ", distribute = ray(workers = 2)"), seed=1).fit(X, y)
    assert est.trained_.metrics["distribute"]["cut_vjp_tasks"] > 0
    np.testing.assert_allclose(est.trained_.params, serial.trained_.params, rtol=0, atol=1e-9)
    np.testing.assert_allclose(est.predict_proba(X), serial.predict_proba(X), rtol=0, atol=1e-12)
    assert est.predictor_.distribution()["cut_forward_tasks"] > 0


@pytest.mark.parametrize(
    ("src", "key"),
    [(CUT, "cut_forward_tasks"), (PLAIN, "block_forward_tasks"), (KERNEL, "kernel_tiles")],
)
def test_eval_and_predict_of_a_distributed_model_run_on_ray(cut_ray_session, tmp_path, src, key) -> None:
    from qlang.train.api import evaluate, predictor, train

    model = qlang.load_model(src % ", distribute = ray(workers = 2)")
    trained = train(qlang.load_model(src % ""), quiet=True)
    serial = evaluate(model, trained, ray=False)
    got = evaluate(model, trained)
    rec = got.pop("distribute")
    assert rec[key] > 0 and rec["setting"] == "ray(workers = 2)", rec
    for k, v in serial.items():
        assert abs(got[k] - v) <= 1e-12, (k, got[k], v)
    X = np.random.default_rng(0).uniform(-1, 2, (9, 2))
    ref = predictor(model, trained, ray=False)
    pred = predictor(model, trained)
    try:
        assert pred.distribution() is None or key == "kernel_tiles"  # started on first use
        np.testing.assert_array_equal(pred.predict(X), ref.predict(X))
        if ref.proba_fn is not None:
            np.testing.assert_allclose(pred.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-12)
        assert pred.distribution()[key] > 0
    finally:
        pred.close()
    plain = qlang.load_model(src % "")  # --ray on a model without `distribute`
    assert evaluate(plain, trained, ray=True)["distribute"]["setting"] == "ray()"


def test_cli_eval_and_predict_with_ray(cut_ray_session, tmp_path) -> None:
    path = _write(tmp_path, PLAIN % "")
    res = CliRunner().invoke(main, ["train", str(path), "-q", "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    serial = CliRunner().invoke(main, ["eval", str(path), "--weights", str(tmp_path / "r")])
    assert serial.exit_code == 0 and "distribute" not in serial.stdout, serial.output
    res = CliRunner().invoke(main, ["eval", str(path), "--weights", str(tmp_path / "r"), "--ray"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert got.pop("distribute")["block_forward_tasks"] > 0
    assert got == json.loads(serial.stdout)
    rows = tmp_path / "x.csv"
    rows.write_text("a,b\n0.1,0.2\n1.5,-0.3\n0.7,0.9\n")
    ser = CliRunner().invoke(main, ["predict", str(path), "--weights", str(tmp_path / "r"),
                                    "--input", str(rows)])  # fmt: skip
    res = CliRunner().invoke(main, ["predict", str(path), "--weights", str(tmp_path / "r"),
                                    "--input", str(rows), "--ray"])  # fmt: skip
    assert res.exit_code == 0 and res.stdout == ser.stdout, res.output
    assert "predicted on Ray (2 workers" in res.stderr
    shots = CliRunner().invoke(main, ["eval", str(path), "--weights", str(tmp_path / "r"),
                                      "--ray", "--shots", "64"])  # fmt: skip
    assert shots.exit_code == 1 and "QL0313" in shots.output, shots.output


def test_doctests() -> None:
    import doctest
    import importlib

    for name in ("qlang.distribute.blocks", "qlang.distribute.cutting"):
        result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, name
