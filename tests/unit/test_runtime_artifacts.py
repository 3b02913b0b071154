"""Artifact folder, reload, predict, eval and the CLI commands (with a stand-in driver)."""

from __future__ import annotations

import json
import sys
import types

import numpy as np
import pytest
from click.testing import CliRunner

from qlang.cli import main
from qlang.train.api import evaluate, load, train
from qlang.train.artifacts import load_trained
from tests.unit.runtime_models import tiny_classifier

FILES = {"weights.json", "metrics.json", "curve.csv", "curve.png", "provenance.json"}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "tiny"
    train(tiny_classifier(epochs=8), out=out, quiet=True, source="model tiny {}")
    return out


def test_folder_contents_are_json_csv_png_and_no_pickle(run_dir):
    names = {p.name for p in run_dir.iterdir()}
    assert FILES <= names
    assert names & {"model.qasm", "model.ir.json"}
    for p in run_dir.iterdir():
        assert not p.name.endswith((".pkl", ".pickle", ".npy", ".npz"))
    w = json.loads((run_dir / "weights.json").read_text())
    assert w["format"] == "qlang-weights/1" and len(w["params"]) == len(w["names"]) == 4
    prov = json.loads((run_dir / "provenance.json").read_text())
    assert prov["seed"] == 3 and len(prov["source_hash"]) == 64
    assert {"qlang", "numpy", "scipy", "qiskit"} <= set(prov["versions"])
    header = (run_dir / "curve.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["epoch", "step", "loss"]
    assert (run_dir / "curve.png").read_bytes()[:4] == b"\x89PNG"
    assert not any(p.name.startswith(".") for p in run_dir.parent.iterdir())


def test_same_seed_twice_gives_identical_weight_files(tmp_path):
    m = tiny_classifier(epochs=3)
    train(m, out=tmp_path / "a", quiet=True)
    train(m, out=tmp_path / "b", quiet=True)
    assert (tmp_path / "a" / "weights.json").read_bytes() == (
        tmp_path / "b" / "weights.json"
    ).read_bytes()


def test_a_folder_of_someone_elses_files_is_refused_and_kept(tmp_path):
    from qlang.diagnostics import QLangError

    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(QLangError) as err:
        train(tiny_classifier(epochs=2), out=out, quiet=True)
    assert err.value.codes == ["QL0850"]
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_second_run_goes_to_a_numbered_folder_and_overwrite_replaces(tmp_path):
    m = tiny_classifier(epochs=2)
    train(m, out=tmp_path / "run", quiet=True)
    first = (tmp_path / "run" / "weights.json").read_bytes()
    train(m, out=tmp_path / "run", quiet=True, seed=9)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run-2"]
    assert (tmp_path / "run" / "weights.json").read_bytes() == first
    train(m, out=tmp_path / "run", quiet=True, seed=9, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run-2"]
    assert (tmp_path / "run" / "weights.json").read_bytes() == (
        tmp_path / "run-2" / "weights.json"
    ).read_bytes()
    manifest = json.loads((tmp_path / "run" / "run.json").read_text())
    assert manifest["complete"] and manifest["model"] == "tiny" and manifest["seed"] == 9
    assert {"weights.json", "metrics.json", "provenance.json"} <= set(manifest["files"])


def test_reload_predict_and_eval_match_training_metrics(run_dir):
    m = tiny_classifier(epochs=8)
    trained = load_trained(run_dir)
    pred = load(m, run_dir)
    X = np.array([[0.0, 0.5], [1.0, -0.5], [2.0, 0.5]])
    labels = pred.predict(X)
    proba = pred.predict_proba(X)
    assert labels.shape == (3,) and np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(labels, np.argmax(proba, axis=1))
    metrics = evaluate(m, trained)
    assert metrics["accuracy"] == pytest.approx(trained.metrics["test"]["accuracy"])


def test_weights_from_another_model_are_rejected(run_dir):
    from qlang.diagnostics import QLangError
    from qlang.ir.model import Call, Readout
    from tests.unit.runtime_models import angle_circuit, model, z_obs

    other = model(
        angle_circuit(2, 2),
        Readout("expval", observables=(z_obs(0),)),
        data=Call("moons"),
        task=Call("classify", (), (("classes", 2),)),
    )
    with pytest.raises(QLangError) as err:
        load(other, run_dir)
    assert err.value.codes == ["QL0659"]
    with pytest.raises(QLangError) as err:
        load_trained(run_dir.parent / "missing")
    assert err.value.codes == ["QL0658"]


@pytest.fixture
def driver(monkeypatch):
    mod = types.ModuleType("qlang.driver")
    mod.load_model = lambda path: tiny_classifier(epochs=4)
    monkeypatch.setitem(sys.modules, "qlang.driver", mod)
    return mod


def test_cli_train_predict_eval(tmp_path, driver):
    src = tmp_path / "tiny.qml"
    src.write_text("// a stand-in source\n")
    runner = CliRunner()
    out = tmp_path / "out"
    r = runner.invoke(main, ["train", str(src), "--epochs", "3", "--seed", "5", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "epoch 3/3" in r.output  # the progress bar (stderr is mixed in by CliRunner)
    assert json.loads((out / "provenance.json").read_text())["seed"] == 5
    data = tmp_path / "in.csv"
    data.write_text("a,b\n0.0,0.5\n1.0,-0.5\n")
    r = runner.invoke(main, ["predict", str(src), "--weights", str(out), "--input", str(data)])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert lines[0] == "prediction,p0,p1" and len(lines) == 3
    r = runner.invoke(main, ["eval", str(src), "--weights", str(out)])
    assert r.exit_code == 0 and "accuracy" in json.loads(r.output)
    r = runner.invoke(
        main, ["train", str(src), "--epochs", "2", "--quiet", "--out", str(tmp_path / "q")]
    )
    assert "epoch 1/2" not in r.output and "epoch 2/2" not in r.output  # no progress bar


def test_cli_bad_input_is_a_diagnostic_not_a_traceback(tmp_path, driver):
    src = tmp_path / "tiny.qml"
    src.write_text("")
    runner = CliRunner()
    out = tmp_path / "out"
    assert (
        runner.invoke(main, ["train", str(src), "--epochs", "1", "--out", str(out), "-q"]).exit_code
        == 0
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n")
    r = runner.invoke(main, ["predict", str(src), "--weights", str(out), "--input", str(bad)])
    assert r.exit_code == 1 and "QL0408" in r.output and "Traceback" not in r.output
    r = runner.invoke(
        main, ["predict", str(src), "--weights", str(out), "--input", str(tmp_path / "no.csv")]
    )
    assert r.exit_code == 1 and "QL0403" in r.output


def _zz_encoding():
    from qlang.ir import expr as E
    from qlang.ir.circuit import Circuit, Operation, ParamDecl

    ops = []
    for _ in range(2):
        for q in range(2):
            ops += [Operation("h", (q,)), Operation("p", (q,), (E.mul(E.Const(2.0), E.Input(q)),))]
        angle = E.mul(E.sub(E.Const(np.pi), E.Input(0)), E.sub(E.Const(np.pi), E.Input(1)))
        ops.append(Operation("rzz", (0, 1), (E.mul(E.Const(2.0), angle),)))
    return Circuit(2, tuple(ops), inputs=(ParamDecl("x", (2,), 0),))


def test_kernel_artifacts_refit_and_predict_like_training(tmp_path):
    from qlang.ir.model import Call, Readout
    from tests.unit.runtime_models import model, z_obs

    enc = _zz_encoding()
    data = Call("ad_hoc", (), (("train", 20), ("test", 10), ("seed", 2)))
    m = model(
        enc,
        Readout("expval", observables=(z_obs(0),)),
        data=data,
        task=Call("kernel", (), (("C", 2.0),)),
        encoding=enc,
    )
    t = train(m, out=tmp_path / "k", quiet=True)
    assert evaluate(m, load_trained(tmp_path / "k"))["accuracy"] == t.metrics["test"]["accuracy"]
    w = json.loads((tmp_path / "k" / "weights.json").read_text())
    assert w["extra"]["method"] == "svc" and len(w["extra"]["X_train"]) == 20


def test_minimize_and_generate_eval_from_artifacts(tmp_path):
    from qlang.ir import expr as E
    from qlang.ir.circuit import Circuit, Operation, ParamDecl
    from qlang.ir.model import Call, Readout, Training
    from tests.unit.runtime_models import model, z_obs

    c = Circuit(1, (Operation("ry", (0,), (E.Weight(0),)),), weights=(ParamDecl("t", (1,), 0),))
    m = model(
        c,
        Readout("expval", observables=(z_obs(0),)),
        data=None,
        task=Call("minimize"),
        optimizer=Call("adam", (), (("lr", 0.2),)),
        training=Training(epochs=60),
    )
    t = train(m, out=tmp_path / "e", quiet=True)
    assert t.metrics["energy"] < -0.99
    # eval reports what train reports about the weights (exact energy, error, bitstring, ...)
    again = evaluate(m, load_trained(tmp_path / "e"))
    assert {"energy", "exact_energy", "energy_error", "approximation_ratio"} <= set(again)
    for key, value in again.items():
        assert value == pytest.approx(t.metrics[key]), key
    g = model(
        c,
        Readout("probs", qubits=(0,)),
        data=Call("csv", (str(tmp_path / "bits.csv"),), (("label", "y"),)),
        task=Call("generate"),
        training=Training(epochs=40),
        optimizer=Call("adam", (), (("lr", 0.2),)),
    )
    (tmp_path / "bits.csv").write_text("b,y\n" + "1,0\n" * 12 + "0,0\n" * 4)
    tg = train(g, out=tmp_path / "g", quiet=True)
    assert tg.metrics["kl"] < 0.05
    assert evaluate(g, load_trained(tmp_path / "g"))["kl"] == pytest.approx(tg.metrics["kl"])


def test_checkpoints_every_k_epochs_end_up_in_the_folder(tmp_path):
    from qlang.ir.model import Training

    m = tiny_classifier(training=Training(epochs=6, seed=3, checkpoint_every=2))
    t = train(m, out=tmp_path / "c", quiet=True)
    names = sorted(p.name for p in (tmp_path / "c" / "checkpoints").iterdir())
    assert names == ["epoch_00002.json", "epoch_00004.json", "epoch_00006.json"]
    last = json.loads((tmp_path / "c" / "checkpoints" / names[-1]).read_text())
    assert last["params"] == [float(v) for v in t.params]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]


def test_cli_predict_for_generate_needs_no_input(tmp_path, monkeypatch):
    from qlang.ir import expr as E
    from qlang.ir.circuit import Circuit, Operation, ParamDecl
    from qlang.ir.model import Call, Readout, Training
    from tests.unit.runtime_models import model

    c = Circuit(1, (Operation("ry", (0,), (E.Weight(0),)),), weights=(ParamDecl("t", (1,), 0),))
    g = model(
        c,
        Readout("probs", qubits=(0,)),
        data=Call("bars_and_stripes", (1, 1)),
        task=Call("generate"),
        training=Training(epochs=2),
    )
    mod = types.ModuleType("qlang.driver")
    mod.load_model = lambda path: g
    monkeypatch.setitem(sys.modules, "qlang.driver", mod)
    src = tmp_path / "g.qml"
    src.write_text("")
    runner = CliRunner()
    assert (
        runner.invoke(main, ["train", str(src), "-q", "--out", str(tmp_path / "g")]).exit_code == 0
    )
    r = runner.invoke(main, ["predict", str(src), "--weights", str(tmp_path / "g")])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert lines[0] == "bitstring,probability" and [x.split(",")[0] for x in lines[1:]] == [
        "0",
        "1",
    ]


def test_cli_without_front_end_is_a_clean_internal_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "qlang.driver", None)  # import fails like a missing module
    src = tmp_path / "m.qml"
    src.write_text("")
    r = CliRunner().invoke(main, ["train", str(src)])
    assert r.exit_code == 2 and "no front end" in r.output


def test_an_epochs_override_is_what_the_run_records(tmp_path):
    m = tiny_classifier(epochs=8)
    train(m, epochs=2, out=tmp_path / "r", quiet=True)
    prov = json.loads((tmp_path / "r" / "provenance.json").read_text())
    assert prov["settings"]["epochs"] == 2
    assert any("epochs = 2 from the command line" in n for n in prov["notes"])
    curve = (tmp_path / "r" / "curve.csv").read_text().splitlines()
    assert curve[-1].split(",")[0] == "2"
