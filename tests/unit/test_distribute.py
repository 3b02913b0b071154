"""``train { distribute = ray(...) }``: the kernel matrix and the batch gradients on Ray.

Every distributed kernel matrix and batch loss/gradient equals the serial one to 1e-12
(on a local two-CPU Ray cluster, ``ray.init(num_cpus=2)``, shared by the module); whole
trainings with every optimizer reach the serial parameters (to 1e-9: the 1e-16 rounding
differences of a step are amplified by the optimizer over the run); the settings are
checked by ``qlang check`` with coded, located diagnostics; without Ray everything else
works and a distributed run stops with the install hint before any work.
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
from qlang.distribute import Distribution
from qlang.distribute.kernels import spans, tiles
from qlang.ir.model import Call

HEAD = "import encodings.angle\nimport encodings.zz_feature_map\nimport ansatze.real_amplitudes\n"


def model_source(train: str = "epochs = 2", **kw: str) -> str:
    entries = {
        "data": "moons(n = 40, seed = 1)",
        "encoding": "angle(x)",
        "ansatz": "real_amplitudes(reps = 2)",
        "readout": "expval(Z0) |> sigmoid()",
        "task": "classify(classes = 2)",
        "optimizer": "adam(lr = 0.1)",
    } | kw
    body = "".join(f"  {k} = {v}\n" for k, v in entries.items() if v is not None)
    return HEAD + "model m {\n" + body + f"  train {{ {train} }}\n}}\n"


def kernel_source(train: str = "seed = 3", **kw: str) -> str:
    return model_source(
        train,
        **{
            "data": "ad_hoc(dim = 2, gap = 0.3, train = 30, test = 10, seed = 1)",
            "qubits": "2",
            "encoding": "zz_feature_map(x, reps = 2)",
            "ansatz": None,
            "readout": None,
            "task": "kernel(method = \"svc\")",
            "optimizer": None,
        }
        | kw,
    )


def codes(src: str) -> list[str]:
    try:
        qlang.load_model(src)
    except QLangError as err:
        return err.codes
    return []


# --- settings and checks (no Ray needed) ---------------------------------------------------
def test_blocks_and_tiles_cover_the_matrix_once() -> None:
    for rows, block in ((7, 3), (6, 3), (5, 1), (4, 10)):
        cover = np.zeros((rows, rows), int)
        sp = spans(rows, block)
        for i, j in tiles(rows, None, block):
            (a, b), (c, d) = sp[i], sp[j]
            cover[a:b, c:d] += 1
            if i != j:
                cover[c:d, a:b] += 1
        assert (cover == 1).all(), (rows, block)
    assert len(tiles(5, 3, 2)) == 3 * 2
    assert Distribution().block_rows(600, 2) == 300
    assert Distribution(block=7).block_rows(600, 2) == 7


@pytest.mark.parametrize(
    ("train", "code", "at"),
    [
        ("distribute = ray(workers = 0)", "QL0310", "distribute"),
        ("distribute = ray(block = 0)", "QL0310", "distribute"),
        ('distribute = ray(address = "no port")', "QL0310", "distribute"),
        ("distribute = ray(worker = 2)", "QL0309", "distribute"),
        ("distribute = dask()", "QL0305", "distribute"),
        ("distribute = ray(workers = 1.5)", "QL0201", "distribute"),
        ("epochs = 2, adversarial = fgsm(), distribute = ray()", "QL0313", "adversarial"),
        ("epochs = 2, shots = 100, distribute = ray()", "QL0313", "shots"),
    ],
)
def test_bad_settings_are_coded_and_located(train: str, code: str, at: str) -> None:
    src = model_source(train)
    with pytest.raises(QLangError) as err:
        qlang.load_model(src)
    d = err.value.diagnostics[0]
    assert d.code == code, err.value
    assert d.span is not None and src[d.span.start :].startswith(at), err.value


def test_noise_backends_and_other_tasks_do_not_distribute(monkeypatch) -> None:
    _pretend_ray_is_installed(monkeypatch)
    def with_target(target: str) -> str:
        return model_source("distribute = ray()")[:-2] + f"  target {{ {target} }}\n}}\n"

    assert codes(with_target("noise = [depolarizing(0.01)]")) == ["QL0313"]
    assert "QL0313" in codes(with_target("shots = 100"))
    assert "QL0313" in codes(with_target("backend = density_matrix"))
    minimize = HEAD + (
        "model m {\n  qubits = 2\n  ansatz = real_amplitudes(reps = 1)\n  observable = Z0 Z1\n"
        "  task = minimize(observable)\n  train { distribute = ray() }\n}\n"
    )
    assert codes(minimize) == ["QL0313"]
    assert codes(model_source("epochs = 2, distribute = ray(workers = 2, block = 8)")) == []
    assert codes(with_target("backend = statevector")) == []


def _without_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ray is not importable (as if it were not installed)."""
    import importlib.util

    real_import, real_find = builtins.__import__, importlib.util.find_spec

    def fake_import(name: str, *a, **kw):  # noqa: ANN002, ANN003, ANN202
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "ray" else real_find(name, *a))  # fmt: skip
    for name in [m for m in sys.modules if m == "ray" or m.startswith("ray.")]:
        monkeypatch.delitem(sys.modules, name)


def _pretend_ray_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """``qlang check`` finds Ray (for the checks that do not depend on it)."""
    import importlib.util

    real_find = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: object() if name == "ray" else real_find(name, *a))  # fmt: skip


def test_without_ray_check_says_ql0315_and_everything_else_works(monkeypatch) -> None:
    _without_ray(monkeypatch)
    assert codes(model_source("epochs = 2, distribute = ray()")) == ["QL0315"]
    plain = qlang.load_model(model_source("epochs = 1"))
    from qlang.train.api import train

    assert train(plain, quiet=True).metrics["execution"].get("distribute") is None


def test_without_ray_a_run_stops_with_the_hint_before_any_work(monkeypatch, tmp_path) -> None:
    plain = qlang.load_model(model_source("epochs = 1"))
    with monkeypatch.context() as installed:  # checked where Ray was, run where it is not
        _pretend_ray_is_installed(installed)
        distributed = qlang.load_model(model_source("epochs = 1, distribute = ray()"))
    _without_ray(monkeypatch)
    from qlang.train import api

    def no_work(*a, **kw):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("work started before the install hint")

    monkeypatch.setattr(api, "run_task", no_work)
    for model, ray in ((distributed, False), (plain, True), (plain, "auto")):
        with pytest.raises(QLangError) as err:
            api.train_run(model, out=tmp_path / "run", quiet=True, ray=ray)
        assert err.value.codes == ["QL0907"]
        assert "pip install 'qlang[ray]'" in (err.value.diagnostics[0].help or "")
    assert not (tmp_path / "run").exists()
    res = CliRunner().invoke(main, ["train", str(_write(tmp_path, model_source("epochs = 1"))),
                                    "--ray", "--out", str(tmp_path / "cli")])  # fmt: skip
    assert res.exit_code == 1 and "QL0907" in res.output, res.output
    assert not (tmp_path / "cli").exists()


def _write(tmp: Path, text: str) -> Path:
    path = tmp / "m.qml"
    path.write_text(text)
    return path


def test_cli_ray_checks_the_address_and_the_model(tmp_path) -> None:
    pytest.importorskip("ray")
    path = _write(tmp_path, model_source("epochs = 1"))
    res = CliRunner().invoke(main, ["train", str(path), "--ray-address", "head node"])
    assert res.exit_code == 1 and "QL0908" in res.output, res.output
    res = CliRunner().invoke(main, ["train", str(path), "--ray-address", "127.0.0.1:1", "-q",
                                    "--out", str(tmp_path / "run")])  # fmt: skip
    assert res.exit_code == 1 and "QL0909" in res.output, res.output
    assert not (tmp_path / "run").exists()
    shots = _write(tmp_path, model_source("epochs = 1, shots = 64"))
    res = CliRunner().invoke(main, ["train", str(shots), "--ray"])
    assert res.exit_code == 1 and "QL0313" in res.output, res.output


# --- on a local Ray cluster -------------------------------------------------------------
# `ray_session`: tests/unit/conftest.py

def cluster(workers: int = 2, block: int | None = None):
    from qlang.distribute.cluster import open_cluster

    return open_cluster(Distribution(workers=workers, block=block))


@pytest.mark.parametrize("block", [None, 7, 1, 100])
def test_kernel_tiles_equal_the_serial_matrices(ray_session, block) -> None:
    from qlang.distribute.kernels import kernel_matrix
    from qlang.sim import kernel_matrix as serial
    from qlang.sim import projected_kernel

    model = qlang.load_model(kernel_source())
    enc = model.main.encoding or model.main.circuit
    rng = np.random.default_rng(5)
    X, T = rng.uniform(0, 2 * np.pi, (23, 2)), rng.uniform(0, 2 * np.pi, (9, 2))
    if block == 1:
        X, T = X[:6], T[:4]
    with cluster(2, block) as c:
        K = kernel_matrix(c, enc, X)
        np.testing.assert_allclose(K, serial(enc, X), rtol=0, atol=1e-12)
        assert np.array_equal(K, K.T)
        np.testing.assert_allclose(kernel_matrix(c, enc, T, X), serial(enc, T, X), rtol=0, atol=1e-12)
        P = kernel_matrix(c, enc, X, kind="projected", gamma=0.7)
        np.testing.assert_allclose(P, projected_kernel(enc, X, gamma=0.7), rtol=0, atol=1e-12)
        P2 = kernel_matrix(c, enc, T, X, kind="projected", gamma=0.7)
        np.testing.assert_allclose(P2, projected_kernel(enc, T, X, gamma=0.7), rtol=0, atol=1e-12)
        rec = c.record()
        for states in ("per_tile", "shipped"):  # both ways of feeding the tiles
            for k, args in ((K, (X,)), (P2, (T, X))):
                kind = "fidelity" if k is K else "projected"
                got = kernel_matrix(c, enc, *args, kind=kind, gamma=0.7, states=states)
                np.testing.assert_allclose(got, k, rtol=0, atol=1e-12)
    rows = Distribution(block=block).block_rows(len(X), 2)
    assert rec["kernel_tiles"] == 2 * len(tiles(len(X), None, rows)) + 2 * len(tiles(len(T), len(X), rows))


@pytest.mark.parametrize(
    "src",
    [
        model_source(),
        model_source(readout="expval([Z0, Z1])", task="classify(classes = 2)", loss="nll"),
        model_source(data="sine(n = 30, window = 2)", readout="expval(Z0)", task="regress()"),
        model_source(data="iris()", readout="probs(q)", task="classify(classes = 3)",
                     **{"encoding": "angle(x)"}).replace("iris()", "iris() |> pca(2)"),
        model_source("epochs = 2, gradient = parameter_shift", loss="hinge",
                     readout="expval(Z0)"),
    ],
    ids=["sigmoid-bce", "nll", "regress", "three-classes", "hinge-parameter-shift"],
)
def test_batch_gradients_equal_the_serial_ones(ray_session, src) -> None:
    from qlang.distribute.gradients import BatchGradients, build_objective
    from qlang.train.seeding import Seeds
    from qlang.train.tasks.common import load_data
    from qlang.train.tasks.supervised import label_encoder, num_classes_of

    model = qlang.load_model(src)
    from qlang.train.api import context

    ds, _ = load_data(model, context(model))
    net, loss = build_objective(model, 0)
    if model.task.name == "classify":
        name = model.loss.name if model.loss else "cross_entropy"
        Y = label_encoder(name, num_classes_of(model, ds), net.num_outputs)(ds.y_train)
    else:
        Y = ds.y_train.reshape(len(ds.y_train), -1)
    X = ds.X_train
    params = net.init(Seeds(0).rng("init")) + 0.3
    idx = np.random.default_rng(2).permutation(len(X))[:13]
    with cluster(2) as c:
        batch = BatchGradients(c, model, 0, X, Y)
        for block in (None, 1, 4):
            c.dist = Distribution(workers=2, block=block)
            for rows in (None, idx):
                XX, YY = (X, Y) if rows is None else (X[rows], Y[rows])
                v, g, _ = net.value_and_grad(XX, params, lambda o, YY=YY: loss(o, YY))
                dv, dg = batch.value_and_grad(params, rows)
                assert abs(dv - v) <= 1e-12 and np.abs(dg - g).max() <= 1e-12, (block, dv - v)
                # the loss alone is computed on the driver from the blocks' outputs: exact
                assert batch.value(params, rows) == loss(net.forward(XX, params), YY)[0]
        batch.close()


GRADIENT_OPTIMIZERS = ["adam(lr = 0.1)", "sgd(lr = 0.2)", "momentum(lr = 0.1)",
                       "rmsprop(lr = 0.05)", "adagrad(lr = 0.1)", "aqgd(maxiter = 3)",
                       "lbfgsb(maxiter = 3)"]  # fmt: skip


@pytest.mark.parametrize("optimizer", [*GRADIENT_OPTIMIZERS, "spsa(maxiter = 4)", "cobyla(maxiter = 10)", "nelder_mead(maxiter = 10)"])
def test_training_on_ray_reaches_the_serial_parameters(ray_session, optimizer, tmp_path) -> None:
    from qlang.train.api import train

    scipy = optimizer.startswith(("lbfgsb", "cobyla", "nelder_mead"))  # full batch, their own stopping
    run = "seed = 0" if scipy else "batch_size = 12" if "maxiter" in optimizer else "epochs = 3, batch_size = 12"
    serial = train(qlang.load_model(model_source(run, optimizer=optimizer)), quiet=True)
    src = model_source(f"{run}, distribute = ray(workers = 2, block = 5)", optimizer=optimizer)
    from qlang.train.api import train_run

    dist = train_run(qlang.load_model(src), quiet=True, out=tmp_path / "run")
    got = dist.trained
    np.testing.assert_allclose(got.params, serial.params, rtol=0, atol=1e-9)
    assert len(got.curve) == len(serial.curve)
    for a, b in zip(got.curve, serial.curve, strict=True):
        assert abs(a["loss"] - b["loss"]) <= 1e-9
    assert got.metrics["test"] == pytest.approx(serial.metrics["test"], abs=1e-9)
    record = json.loads((dist.path / "provenance.json").read_text())["execution"]["distribute"]
    assert record["workers"] == 2 and record["block"] == 5 and record["ray_version"]
    blocks = record.get("gradient_blocks", 0) + record.get("value_blocks", 0)
    assert blocks >= 3  # 24 training rows in blocks of 5, at least one step
    key = "gradient_blocks" if optimizer in GRADIENT_OPTIMIZERS else "value_blocks"
    assert record.get(key, 0) > 0, record
    settings = json.loads((dist.path / "provenance.json").read_text())["settings"]
    assert settings["distribute"] == "ray(workers = 2, block = 5)"


def test_kernel_task_on_ray_equals_the_serial_run(ray_session, tmp_path) -> None:
    from qlang.train.api import train, train_run

    serial = train(qlang.load_model(kernel_source()), quiet=True)
    res = train_run(qlang.load_model(kernel_source("seed = 3, distribute = ray(block = 8)")),
                    quiet=True, out=tmp_path / "run")  # fmt: skip
    got = res.trained
    assert got.metrics["test"] == serial.metrics["test"]
    assert abs(got.metrics["alignment"] - serial.metrics["alignment"]) <= 1e-12
    rec = got.metrics["execution"]["distribute"]
    # 30 training rows in blocks of 8: 4 blocks, 10 tiles; test x train: 2 x 4 tiles
    assert rec["kernel_tiles"] == 10 + 8 and rec["kernel_matrices"] == 2, rec


def test_trained_kernel_weights_on_ray(ray_session) -> None:
    from qlang.train.api import train

    src = (
        "import encodings.angle\n"
        "circuit enc(x: float[2], w: float[2]) on q[2] {\n"
        "  ry(x[0]) q[0];\n  ry(x[1]) q[1];\n  cx q[0], q[1];\n  ry(w[0]) q[0];\n  rz(w[1] * x[0]) q[1];\n}\n"
        "model m {\n  data = moons(n = 30, seed = 2)\n  qubits = 2\n  weight w: float[2]\n"
        "  encoding = enc(x, w)\n  task = kernel()\n  optimizer = spsa(maxiter = 3)\n"
        "  train { seed = 1%s }\n}\n"
    )
    serial = train(qlang.load_model(src % ""), quiet=True)
    got = train(qlang.load_model(src % ", distribute = ray(block = 7)"), quiet=True)
    np.testing.assert_allclose(got.params, serial.params, rtol=0, atol=1e-9)
    assert got.metrics["execution"]["distribute"]["kernel_matrices"] > 2


def test_cli_train_ray_records_the_distribution(ray_session, tmp_path) -> None:
    path = _write(tmp_path, model_source("epochs = 1, distribute = ray(block = 9)"))
    res = CliRunner().invoke(main, ["train", str(path), "--ray", "-q", "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    prov = json.loads((tmp_path / "r" / "provenance.json").read_text())
    assert prov["execution"]["distribute"]["block"] == 9  # the file's settings are kept
    assert prov["execution"]["distribute"]["gradient_blocks"] > 0
    assert Call("ray", (), (("block", 9),)) == Distribution(block=9).call()


@pytest.mark.parametrize(
    "name",
    ["qlang.distribute", "qlang.distribute.settings", "qlang.distribute.cluster",
     "qlang.distribute.kernels", "qlang.distribute.gradients", "qlang.distribute.run",
     "qlang.catalog.distribute"],
)  # fmt: skip
def test_doctests(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_the_estimator_api_distributes_too(ray_session) -> None:
    from qlang.train.estimator import QLangEstimator

    X = np.random.default_rng(3).uniform(0, 1, (20, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    serial = QLangEstimator(qlang.load_model(model_source("epochs = 2")), seed=1).fit(X, y)
    model = qlang.load_model(model_source("epochs = 2, distribute = ray(block = 6)"))
    est = QLangEstimator(model, seed=1).fit(X, y)
    assert est.trained_.metrics["distribute"]["gradient_blocks"] > 0
    np.testing.assert_allclose(est.trained_.params, serial.trained_.params, rtol=0, atol=1e-9)
