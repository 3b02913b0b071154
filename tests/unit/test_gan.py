"""The ``gan`` task: discriminator lowering, its gradients, alternating training, the
``lognormal`` data set and the coded errors (QL0320)."""

from __future__ import annotations

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.ir.model import Call, Dense
from qlang.train.api import train
from qlang.train.data import load_dataset
from qlang.train.tasks.gan import Discriminator, discriminator_network, gan_losses

SOURCE = """
import ansatze.real_amplitudes
import ansatze.two_local
model g {{
  data = lognormal(mu = 1, sigma = 1, bits = 3, n = 5000, seed = 1)
  qubits = 3
  ansatz = {ansatz}
  readout = {readout}
  task = gan(discriminator = {disc}{opts})
  optimizer = {opt}
  train {{ epochs = {epochs}, seed = 2 }}
}}
"""
DISC = "[dense(3 -> 8, tanh), dense(8 -> 1, sigmoid)]"


def text(disc: str = DISC, readout: str = "probs(q)", opts: str = ", d_lr = 0.01",
         opt: str = "adam(lr = 0.01)", epochs: int = 200,
         ansatz: str = "real_amplitudes(reps = 2)") -> str:  # fmt: skip
    return SOURCE.format(disc=disc, readout=readout, opts=opts, opt=opt, epochs=epochs,
                         ansatz=ansatz)  # fmt: skip


def codes(src: str) -> list[str]:
    with pytest.raises(QLangError) as err:
        load_model(src)
    return [d.code for d in err.value.diagnostics]


def test_the_discriminator_lowers_to_dense_layers() -> None:
    m = load_model(text())
    assert m.discriminator == (Dense(3, 8, "tanh"), Dense(8, 1, "sigmoid"))
    assert m.task.name == "gan" and m.task.get("d_lr") == 0.01


def test_lognormal_rows_are_the_bits_of_the_samples() -> None:
    ds = load_dataset(Call("lognormal", (), (("bits", 3), ("n", 2000))), seed=4)
    values = ds.X_train @ (2 ** np.arange(3))
    assert np.array_equal(values, ds.y_train) and values.max() <= 7
    hist = np.bincount(values.astype(int), minlength=8) / len(values)
    np.testing.assert_allclose(ds.distribution, hist)
    assert np.argmax(ds.distribution) in (1, 2, 3)  # the mode of lognormal(1, 1) is e^0


def test_discriminator_gradient_matches_finite_differences() -> None:
    m = load_model(text())
    net = discriminator_network(m)
    rng = np.random.default_rng(0)
    phi = net.init(rng)
    p, q = rng.dirichlet(np.ones(8)), rng.dirichlet(np.ones(8))
    d = Discriminator(net, phi.copy(), lr=0.0, bits=3)

    def loss(params: np.ndarray) -> float:
        d.params = params
        return gan_losses(p, q, d.outputs())[0]

    captured = {}

    def lossf_grad() -> np.ndarray:
        # one step with lr = 0 leaves the params and returns the gradient through Adam's
        # state: m = (1 - beta1) g
        d.params = phi.copy()
        d.state = d.opt.init(phi)
        d.step(p, q)
        return d.state["m"] / (1 - d.opt.beta1)

    captured["g"] = lossf_grad()
    fd = np.array([(loss(phi + h) - loss(phi - h)) / 2e-6 for h in np.eye(len(phi)) * 1e-6])
    np.testing.assert_allclose(captured["g"], fd, atol=1e-6)


def test_alternating_training_approaches_the_data_distribution() -> None:
    fast = ", d_lr = 0.002"
    gen = 'two_local(rotation_blocks = ["ry"], entanglement_block = "cz", reps = 2)'
    m = load_model(text(opts=fast, opt="adam(lr = 0.002)", epochs=800, ansatz=gen))
    first = train(load_model(text(opts=fast, epochs=1, ansatz=gen)), quiet=True).metrics["kl"]
    trained = train(m, quiet=True)
    met = trained.metrics
    assert met["task"] == "gan" and met["kl"] < 0.2 * first, (met["kl"], first)
    assert set(met) >= {"kl", "tvd", "mmd", "valid_mass", "d_loss", "g_loss"}
    assert "kl" in trained.curve[-1] and "d_loss" in trained.curve[-1]
    assert len(trained.extra["discriminator"]) == 3 * 8 + 8 + 8 + 1


def test_d_steps_changes_the_run() -> None:
    a = train(load_model(text(epochs=20)), quiet=True).metrics["kl"]
    b = train(load_model(text(opts=", d_lr = 0.01, d_steps = 3", epochs=20)), quiet=True)
    assert a != b.metrics["kl"]


@pytest.mark.parametrize(
    "disc",
    [
        "[dense(3 -> 8, tanh), dense(8 -> 2, softmax)]",  # not one probability
        "[dense(3 -> 8, tanh), dense(8 -> 1, tanh)]",  # no sigmoid
        "[3, 4]",  # not dense layers
    ],
)
def test_bad_discriminators_are_QL0320(disc: str) -> None:
    assert "QL0320" in codes(text(disc=disc))


def test_missing_discriminator_is_QL0320() -> None:
    src = text().replace(f"discriminator = {DISC}, ", "")
    assert "QL0320" in codes(src)


def test_discriminator_width_must_match_the_bits() -> None:
    assert "QL0306" in codes(text(disc="[dense(4 -> 8, tanh), dense(8 -> 1, sigmoid)]"))


def test_generator_needs_probs_and_a_gradient_optimizer() -> None:
    assert "QL0302" in codes(text(readout="expval(Z0)"))
    assert "QL0313" in codes(text(opt="cobyla(maxiter = 5)"))
