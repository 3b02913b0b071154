"""End-to-end training of tiny hand-built models (2-4 qubits) on the real simulator."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.model import Call, Observable, PauliTerm, Readout, Training
from qlang.train.api import train
from tests.unit.runtime_models import angle_circuit, model, tiny_classifier, z_obs


def ansatz(n, layers, init=None):
    ops, k = [], 0
    for _ in range(layers):
        for q in range(n):
            ops.append(Operation("ry", (q,), (E.Weight(k),)))
            k += 1
        for q in range(n - 1):
            ops.append(Operation("cx", (q, q + 1)))
    for q in range(n):
        ops.append(Operation("ry", (q,), (E.Weight(k),)))
        k += 1
    return Circuit(n, tuple(ops), weights=(ParamDecl("t", (k,), 0, init),))


def test_tiny_classifier_reaches_threshold():
    t = train(tiny_classifier(epochs=40, n=60), quiet=True)
    assert t.metrics["train"]["accuracy"] >= 0.8, t.metrics
    assert t.metrics["test"]["accuracy"] >= 0.75, t.metrics
    assert t.curve[-1]["loss"] < t.curve[0]["loss"]
    assert set(t.metrics["test"]) >= {"accuracy", "precision", "recall", "f1", "roc_auc"}


def test_same_seed_same_weights_other_seed_other_weights():
    m = tiny_classifier(epochs=5, training=Training(epochs=5, batch_size=8, seed=3))
    a = train(m, quiet=True)
    b = train(m, quiet=True)
    c = train(m, seed=4, quiet=True)
    assert np.array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


def test_spsa_is_reproducible_and_learns():
    m = tiny_classifier(optimizer=Call("spsa", (), (("maxiter", 40),)), training=Training(seed=2))
    a, b = train(m, quiet=True), train(m, quiet=True)
    assert np.array_equal(a.params, b.params)
    assert a.steps if hasattr(a, "steps") else a.metrics["steps"] == 40
    assert a.curve[-1]["loss"] < a.curve[0]["loss"] + 0.05


def test_regression_on_a_sine_window():
    circ = angle_circuit(2, 2)
    head = (Call("linear", (), (("out", 1),)),)
    m = model(
        circ,
        Readout("expval", observables=(z_obs(0),), post=head),
        data=Call("sine", (), (("n", 60), ("window", 2))),
        preprocess=(Call("scale", (1.5,)),),
        task=Call("regress"),
        optimizer=Call("adam", (), (("lr", 0.1),)),
        training=Training(epochs=60, seed=1),
    )
    t = train(m, quiet=True)
    assert t.metrics["train"]["r2"] > 0.8, t.metrics


def test_hinge_and_nll_and_mse_losses_train():
    for loss in ("hinge", "nll", "mse"):
        t = train(tiny_classifier(epochs=25, loss=Call(loss)), quiet=True)
        assert t.metrics["train"]["accuracy"] >= 0.75, (loss, t.metrics)


def test_three_classes_with_softmax_post_processing():
    circ = angle_circuit(4, 1)
    obs = tuple(z_obs(q) for q in range(3))
    m = model(
        circ,
        Readout("expval", observables=obs, post=(Call("softmax", (), (("scale", 3.0),)),)),
        data=Call("iris"),
        preprocess=(Call("minmax", (0.0, 3.14)),),
        task=Call("classify", (), (("classes", 3),)),
        optimizer=Call("adam", (), (("lr", 0.1),)),
        training=Training(epochs=12, batch_size=32, seed=0),
    )
    t = train(m, quiet=True)
    assert t.metrics["test"]["accuracy"] >= 0.7, t.metrics


def test_early_stopping_stops_and_restores_best():
    m = tiny_classifier(
        training=Training(
            epochs=200,
            seed=3,
            early_stopping=Call("early_stopping", (), (("patience", 3), ("min_delta", 0.01))),
        )
    )
    t = train(m, quiet=True)
    assert len(t.curve) < 200


def test_vqe_reaches_exact_ground_energy():
    H = Observable(
        (
            PauliTerm(E.Const(-1.0), ((0, "Z"), (1, "Z"))),
            PauliTerm(E.Const(-1.0), ((1, "Z"), (2, "Z"))),
            PauliTerm(E.Const(-0.7), ((0, "X"),)),
            PauliTerm(E.Const(-0.7), ((1, "X"),)),
            PauliTerm(E.Const(-0.7), ((2, "X"),)),
        )
    )
    m = model(
        ansatz(3, 3, ("uniform", (-0.1, 0.1))),
        Readout("expval", observables=(H,)),
        data=None,
        task=Call("minimize"),
        optimizer=Call("lbfgsb", (), (("maxiter", 300),)),
        training=Training(seed=0),
    )
    t = train(m, quiet=True)
    assert abs(t.metrics["energy_error"]) < 1e-3, t.metrics


def test_qaoa_style_cvar_on_a_triangle():
    H = Observable(
        tuple(PauliTerm(E.Const(0.5), ((i, "Z"), (j, "Z"))) for i, j in ((0, 1), (1, 2), (0, 2)))
    )
    m = model(
        ansatz(3, 2),
        Readout("expval", observables=(H,)),
        data=None,
        task=Call("minimize", (), (("cvar", 0.2),)),
        optimizer=Call("cobyla", (), (("maxiter", 150),)),
        training=Training(seed=1),
    )
    t = train(m, quiet=True)
    assert t.metrics["cvar"] == pytest.approx(t.metrics["exact_energy"], abs=0.05), t.metrics
    assert "approximation_ratio" in t.metrics


def test_born_machine_fits_bars_and_stripes():
    m = model(
        ansatz(4, 3),
        Readout("probs", qubits=(0, 1, 2, 3)),
        data=Call("bars_and_stripes", (2, 2)),
        task=Call("generate"),
        optimizer=Call("adam", (), (("lr", 0.1),)),
        training=Training(epochs=80, seed=0),
    )
    t = train(m, quiet=True)
    assert t.metrics["kl"] < 0.5, t.metrics
    assert t.metrics["valid_mass"] > 0.7


def test_kernel_svm_on_ad_hoc_and_trainable_alignment():
    zz = []
    for _ in range(2):
        for q in range(2):
            zz += [Operation("h", (q,)), Operation("p", (q,), (E.mul(E.Const(2.0), E.Input(q)),))]
        zz.append(
            Operation(
                "rzz",
                (0, 1),
                (
                    E.mul(
                        E.Const(2.0),
                        E.mul(E.sub(E.Const(np.pi), E.Input(0)), E.sub(E.Const(np.pi), E.Input(1))),
                    ),
                ),
            )
        )
    enc = Circuit(2, tuple(zz), inputs=(ParamDecl("x", (2,), 0),))
    data = Call("ad_hoc", (), (("train", 40), ("test", 20), ("seed", 1)))
    m = model(
        enc,
        Readout("expval", observables=(z_obs(0),)),
        data=data,
        task=Call("kernel"),
        encoding=enc,
    )
    t = train(m, quiet=True)
    assert t.metrics["test"]["accuracy"] >= 0.9, t.metrics
    # trainable bandwidth: scale every input by a weight, align on the training set
    scaled = E.substitute
    ops = tuple(
        replace(
            op,
            params=tuple(
                scaled(p, lambda n: E.mul(E.Weight(0), n) if isinstance(n, E.Input) else None)
                for p in op.params
            ),
        )
        for op in zz
    )
    enc_w = Circuit(
        2, ops, inputs=enc.inputs, weights=(ParamDecl("bw", (1,), 0, ("constant", (0.3,))),)
    )
    m2 = model(
        enc_w,
        Readout("expval", observables=(z_obs(0),)),
        data=data,
        task=Call("kernel"),
        optimizer=Call("spsa", (), (("maxiter", 15),)),
        encoding=enc_w,
        training=Training(seed=2),
    )
    t2 = train(m2, quiet=True)
    assert t2.metrics["steps"] == 15 and len(t2.curve) == 15
    assert t2.curve[-1]["loss"] <= t2.curve[0]["loss"] + 1e-9 or t2.metrics["alignment"] > 0.1


@pytest.mark.parametrize(
    "change, code",
    [
        (dict(task=Call("clasify")), "QL0654"),
        (dict(loss=Call("kl")), "QL0653"),
        (dict(loss=Call("crossentropy")), "QL0652"),
        (dict(data=None), "QL0655"),
        (dict(data=Call("iris")), "QL0656"),
        (dict(data=Call("sine")), "QL0662"),
    ],
)
def test_model_errors_are_coded(change, code):
    m = replace(tiny_classifier(2), **change)
    with pytest.raises(QLangError) as err:
        train(m, quiet=True)
    assert err.value.codes == [code]


def test_divergence_is_reported():
    head = Readout("expval", observables=(z_obs(0),), post=(Call("linear", (), (("out", 1),)),))
    m = model(
        angle_circuit(2, 1),
        head,
        data=Call("sine", (), (("n", 30), ("window", 2))),
        task=Call("regress"),
        optimizer=Call("sgd", (), (("lr", 1e300),)),
        training=Training(epochs=5),
    )
    with pytest.raises(QLangError) as err:
        train(m, quiet=True)
    assert err.value.codes == ["QL0661"]


def test_one_hot_turns_regression_targets_into_indicators():
    circ = angle_circuit(2, 1)
    m = model(
        circ,
        Readout("expval", observables=(z_obs(0), z_obs(1))),
        data=Call("moons", (), (("n", 30),)),
        preprocess=(Call("minmax", (0.0, 3.14)), Call("one_hot")),
        task=Call("regress"),
        training=Training(epochs=3),
    )
    t = train(m, quiet=True)
    assert t.metrics["train"]["mse"] < 1.0


def test_training_with_shots_is_seeded():
    m = tiny_classifier(
        optimizer=Call("spsa", (), (("maxiter", 10),)), training=Training(seed=3, shots=128)
    )
    a, b = train(m, quiet=True), train(m, quiet=True)
    assert np.array_equal(a.params, b.params)
    c = train(m, seed=5, quiet=True)
    assert not np.array_equal(a.params, c.params)


@pytest.mark.parametrize(
    "loss", [Call("cross_entropy", (), (("weight", 2.0),)), Call("mmd", (), (("sigma", -1.0),))]
)
def test_bad_loss_options_are_coded(loss):
    m = replace(tiny_classifier(2), loss=loss)
    if loss.name == "mmd":
        m = model(
            ansatz(2, 1),
            Readout("probs", qubits=(0, 1)),
            data=Call("bars_and_stripes", (1, 2)),
            task=Call("generate"),
            loss=loss,
        )
    with pytest.raises(QLangError) as err:
        train(m, quiet=True)
    assert err.value.codes == ["QL0666"]


def test_mmd_with_one_bandwidth_and_cvar_as_a_task_argument():
    m = model(
        ansatz(2, 1),
        Readout("probs", qubits=(0, 1)),
        data=Call("bars_and_stripes", (1, 2)),
        task=Call("generate"),
        loss=Call("mmd", (), (("sigmas", 1.0),)),
        training=Training(epochs=5),
    )
    assert train(m, quiet=True).metrics["loss"] == "mmd"
    H = Observable((PauliTerm(E.Const(1.0), ((0, "Z"), (1, "Z"))),))
    m = model(
        ansatz(2, 1),
        Readout("expval", observables=(H,)),
        data=None,
        task=Call("minimize", (), (("cvar", 0.25),)),
        training=Training(epochs=5),
    )
    assert train(m, quiet=True).metrics["alpha"] == 0.25


def test_validation_split_reports_val_metrics_and_drives_early_stopping():
    es = Call("early_stopping", (), (("patience", 2), ("monitor", "val_accuracy")))
    m = tiny_classifier(
        training=Training(epochs=30, seed=3, validation=0.25, early_stopping=es)
    )
    t = train(m, quiet=True)
    assert {"val_loss", "val_accuracy"} <= set(t.curve[0])
    assert not any(k.startswith("test") for row in t.curve for k in row)
    assert len(t.curve) < 30
    bad = tiny_classifier(training=Training(epochs=2, validation=1.5))
    with pytest.raises(QLangError) as err:
        train(bad, quiet=True)
    assert err.value.codes == ["QL0667"]


def test_projected_kernel_with_krr():
    enc = angle_circuit(2, 0)
    from dataclasses import replace as dc_replace

    enc = dc_replace(enc, ops=enc.ops[:2], weights=())
    m = model(
        enc,
        Readout("expval", observables=(z_obs(0),)),
        data=Call("moons", (), (("n", 40),)),
        preprocess=(Call("minmax", (0.0, 3.0)),),
        task=Call(
            "kernel", (), (("method", "krr"), ("kind", "projected"), ("gamma", 2.0), ("alpha", 0.1))
        ),
        encoding=enc,
    )
    t = train(m, quiet=True)
    assert t.metrics["test"]["accuracy"] >= 0.7, t.metrics
    bad = replace(m, task=Call("kernel", (), (("kind", "projektd"),)))
    with pytest.raises(QLangError) as err:
        train(bad, quiet=True)
    assert err.value.codes == ["QL0653"]


def test_dressed_circuit_with_a_frozen_pre_layer_trains_only_the_rest():
    from qlang.ir.model import Dense, QuantumLayer

    m = tiny_classifier(
        epochs=5,
        layers=(Dense(2, 2, "tanh", frozen=True), QuantumLayer("main"), Dense(1, 2, "softmax")),
    )
    from qlang.train.build import build_network
    from qlang.train.seeding import Seeds

    net = build_network(m, m.training, Seeds(3))
    p0 = net.init(Seeds(3).rng("init"))
    t = train(m, quiet=True)
    assert np.array_equal(t.params[:6], p0[:6])  # the frozen dense(2 -> 2) block
    assert not np.array_equal(t.params[6:], p0[6:])
    assert t.metrics["train"]["accuracy"] > 0.5

