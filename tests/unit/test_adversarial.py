"""Adversarial examples from input gradients: attacks, adversarial training, the
``adversarial_accuracy`` metric, and their coded errors."""

from __future__ import annotations

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.ir.model import Call
from qlang.train.adversarial import Attack, fgsm, pgd
from qlang.train.api import evaluate, train
from qlang.train.build import build_network
from qlang.train.losses import cross_entropy
from qlang.train.seeding import Seeds
from qlang.train.tasks.supervised import classifier_head

SOURCE = """
import encodings.angle
import ansatze.real_amplitudes
model adv {{
  data = moons(n = 60, seed = 2) |> minmax(0, 3)
  encoding = angle(x)
  ansatz = real_amplitudes(reps = 2)
  readout = expval(Z0) |> scale(3) |> sigmoid()
  task = classify(classes = 2)
  {metrics}
  optimizer = adam(lr = 0.1)
  train {{ epochs = 3, batch_size = 16{train} }}
}}
"""


def model(metrics: str = "", train: str = ""):
    return load_model(SOURCE.format(metrics=metrics, train=train))


def head_and_params():
    m = model()
    net = build_network(m, m.training, Seeds(0))
    head = classifier_head(net, 2, "cross_entropy", m)
    return head, net.init(np.random.default_rng(0))


def test_input_gradients_match_finite_differences() -> None:
    head, p = head_and_params()
    X = np.random.default_rng(1).uniform(0, 3, (5, 2))
    y = np.array([0, 1, 1, 0, 1])
    _, _, gx, _ = head.net.value_and_grads(X, p, lambda out: cross_entropy(out, y))
    h = 1e-6
    for j in range(2):
        e = np.zeros_like(X)
        e[:, j] = h
        up = cross_entropy(head.net.forward(X + e, p), y)[0]
        down = cross_entropy(head.net.forward(X - e, p), y)[0]
        # the loss is a batch mean: each sample's input moves only its own term
        fd_rows = [
            (cross_entropy(head.net.forward(X + e * (np.arange(5)[:, None] == b), p), y)[0]
             - cross_entropy(head.net.forward(X - e * (np.arange(5)[:, None] == b), p), y)[0])
            / (2 * h)
            for b in range(5)
        ]  # fmt: skip
        assert np.allclose(fd_rows, gx[:, j], atol=1e-7)
        assert abs((up - down) / (2 * h) - gx[:, j].sum()) < 1e-7


def test_attacks_stay_in_the_ball_and_raise_the_loss() -> None:
    head, p = head_and_params()
    X = np.random.default_rng(2).uniform(0, 3, (20, 2))
    y = head.predict(X, p)  # attack the model's own predictions

    def loss(out, Y):
        return cross_entropy(out, Y)

    clean = loss(head.net.forward(X, p), y)[0]
    rng = np.random.default_rng(0)
    for atk in (Attack("fgsm", 0.3), Attack("pgd", 0.3, 10), Attack("pgd", 0.3, 5, 0.1, True)):
        Xa = atk.perturb(head.net, p, X, y, loss, rng)
        assert np.max(np.abs(Xa - X)) <= 0.3 + 1e-12
        assert loss(head.net.forward(Xa, p), y)[0] > clean + 0.05, atk
    # a random sign perturbation of the same size hurts much less than FGSM
    noise = X + 0.3 * np.sign(np.random.default_rng(3).normal(size=X.shape))
    fgsm_x = Attack("fgsm", 0.3).perturb(head.net, p, X, y, loss)
    assert loss(head.net.forward(noise, p), y)[0] < loss(head.net.forward(fgsm_x, p), y)[0]


@pytest.mark.parametrize("make", [lambda: fgsm(0.2, 0.5), lambda: pgd(0.2, 3, None, 0.25, False)])
def test_adversarial_objective_mixes_clean_and_attacked_losses(make) -> None:
    head, p = head_and_params()
    adv = make()
    X = np.random.default_rng(4).uniform(0, 3, (8, 2))
    y = np.array([0, 1] * 4)

    def loss(out, Y):
        return cross_entropy(out, Y)

    value, grad = adv.value_and_grad(head.net, p, X, y, loss)
    Xa = adv.attack.perturb(head.net, p, X, y, loss)
    c, gc, _ = head.net.value_and_grad(X, p, lambda o: loss(o, y))
    a, ga, _ = head.net.value_and_grad(Xa, p, lambda o: loss(o, y))
    w = adv.weight
    assert value == pytest.approx((1 - w) * c + w * a, abs=1e-12)
    assert np.allclose(grad, (1 - w) * gc + w * ga, atol=1e-12)
    assert adv.value(head.net, p, X, y, loss) == pytest.approx(value, abs=1e-12)


def test_adversarial_training_changes_the_run_and_is_recorded(tmp_path) -> None:
    import json

    plain = train(model(), quiet=True)
    adv = train(model(train=", adversarial = pgd(eps = 0.3, steps = 3)"), quiet=True,
                out=tmp_path / "run")  # fmt: skip
    assert not np.allclose(plain.params, adv.params)
    prov = json.loads((tmp_path / "run" / "provenance.json").read_text())
    assert prov["settings"]["adversarial"].startswith("pgd(")


def test_the_metric_is_reported_only_when_listed_and_by_eval() -> None:
    plain = train(model(), quiet=True)
    assert "adversarial_accuracy" not in plain.metrics["test"]
    m = model(metrics="metrics = [accuracy, adversarial_accuracy(eps = 0.5)]")
    t = train(m, quiet=True)
    test = t.metrics["test"]
    assert set(test) == {"accuracy", "adversarial_accuracy"}
    assert test["adversarial_accuracy"] <= test["accuracy"]
    assert "val_adversarial_accuracy" in t.curve[-1]
    assert evaluate(m, t) == pytest.approx(test)
    weak = train(model(metrics="metrics = [adversarial_accuracy(eps = 0.01)]"), quiet=True)
    assert weak.metrics["test"]["adversarial_accuracy"] >= test["adversarial_accuracy"]


@pytest.mark.parametrize(
    "train_line, metrics, code",
    [
        (", adversarial = fgms(eps = 0.1)", "", "QL0305"),
        (", adversarial = fgsm(eps = 0)", "", "QL0310"),
        (", adversarial = pgd(eps = 0.1, alpha = 0.5)", "", "QL0310"),
        (", adversarial = pgd(eps = 0.1, weight = 0)", "", "QL0310"),
        ("", "metrics = [adversarial_accuracy(attack = \"fgsm\", steps = 3)]", "QL0310"),
        ("", "metrics = [adversarial_accuracy(eps = -1)]", "QL0310"),
    ],
)
def test_bad_settings_are_rejected_by_check(train_line: str, metrics: str, code: str) -> None:
    with pytest.raises(QLangError) as err:
        model(metrics=metrics, train=train_line)
    assert err.value.codes == [code]


def test_adversarial_training_of_a_task_without_inputs_is_QL0313() -> None:
    src = """
import ansatze.real_amplitudes
model m {
  qubits = 2
  ansatz = real_amplitudes(reps = 1)
  observable = Z0 Z1
  task = minimize(observable)
  train { adversarial = fgsm() }
}
"""
    with pytest.raises(QLangError) as err:
        load_model(src)
    assert err.value.codes == ["QL0313"]


def test_a_hand_built_ir_with_a_bad_attack_is_QL0670() -> None:
    from dataclasses import replace

    m = model()
    bad = replace(m, training=replace(m.training, adversarial=Call("fgsm", (), (("eps", -1.0),))))
    with pytest.raises(QLangError) as err:
        train(bad, quiet=True)
    assert err.value.codes == ["QL0670"]
