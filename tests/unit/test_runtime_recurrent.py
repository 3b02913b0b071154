"""The QLSTM-style recurrent cell: backpropagation through time, a sine fit, and every
setting of the ``recurrent`` block honoured (``window``, ``gates``, the layers after it)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.ir.model import Call, Dense, Readout, Recurrent, Training
from qlang.train.api import train
from qlang.train.build import build_network
from qlang.train.seeding import Seeds
from tests.unit.runtime_models import angle_circuit, model, z_obs


def qlstm_model(hidden=2, epochs=10, **kw):
    n = hidden + 1
    return model(
        angle_circuit(n, 1),
        Readout("expval", observables=tuple(z_obs(q) for q in range(n))),
        data=Call("sine", (), (("n", 40), ("window", 4))),
        task=Call("regress"),
        optimizer=Call("adam", (), (("lr", 0.05),)),
        training=Training(epochs=epochs, seed=0),
        recurrent=Recurrent(Call("lstm", (), (("hidden", hidden),))),
        **kw,
    )


def test_backprop_through_time_matches_finite_differences():
    net = build_network(qlstm_model(), Training(), Seeds(0))
    rng = np.random.default_rng(1)
    p = net.init(rng)
    X = rng.uniform(-1, 1, size=(3, 4))

    def loss(Y):
        return float(np.sum(Y**2)), 2 * Y

    _, g, _ = net.value_and_grad(X, p, loss)
    num = np.zeros_like(p)
    for k in range(len(p)):
        e = np.zeros_like(p)
        e[k] = 1e-6
        num[k] = (loss(net.forward(X, p + e))[0] - loss(net.forward(X, p - e))[0]) / 2e-6
    assert np.allclose(g, num, atol=1e-5)


def test_qlstm_learns_a_sine_series():
    t = train(qlstm_model(epochs=25), quiet=True)
    assert t.curve[-1]["loss"] < 0.5 * t.curve[0]["loss"], t.curve
    assert t.metrics["test"]["mse"] < 0.2, t.metrics


def test_circuit_width_must_be_hidden_plus_features():
    m = qlstm_model(hidden=2)
    bad = replace(m, recurrent=Recurrent(Call("lstm", (), (("hidden", 3),))))
    with pytest.raises(QLangError) as err:
        train(bad, quiet=True)
    assert err.value.codes == ["QL0665"]


def test_layers_after_the_cell_replace_the_default_output():
    m = qlstm_model(hidden=2)
    default = build_network(m, Training(), Seeds(0))
    stacked = build_network(
        replace(m, layers=(Dense(2, 3, "tanh"), Dense(3, 1))), Training(), Seeds(0)
    )
    assert [type(s).__name__ for s in default.stages] == ["QLSTMStage", "DenseStage"]
    assert [s.num_outputs for s in stacked.stages] == [2, 3, 1]
    assert stacked.num_params == default.num_params - 3 + (2 * 3 + 3) + (3 + 1)


def test_window_fixes_the_steps_per_sample():
    m = qlstm_model(hidden=2)
    net = build_network(replace(m, recurrent=replace(m.recurrent, window=4)), Training(), Seeds(0))
    p = net.init(np.random.default_rng(0))
    net.forward(np.zeros((2, 4)), p)
    with pytest.raises(QLangError) as err:  # 3 steps where the window says 4
        net.forward(np.zeros((2, 3)), p)
    assert err.value.codes == ["QL0665"]


SOURCE = """
import encodings.angle
import ansatze.basic_entangler
model m {{
  data = sine(n = 40, window = 4)
  quantum cell {{
    input v: float[3]
    qubits = 3
    encoding = angle(v)
    ansatz = basic_entangler(layers = 1, rotation = "ry")
    readout = expval([Z0, Z1, Z2])
  }}
  recurrent {{ {recurrent} }}
  {layers}
  task = regress()
  train {{ epochs = 1, seed = 0 }}
}}
"""


def test_the_front_end_recurrent_block_trains_with_window_and_layers():
    m = load_model(
        SOURCE.format(
            recurrent="cell = lstm(hidden = 2), gates = [cell], window = 4",
            layers="layers = [dense(2 -> 1)]",
        )
    )
    assert m.recurrent == Recurrent(Call("lstm", (), (("hidden", 2),)), "cell", 4)
    assert m.layers == (Dense(2, 1),)
    assert np.isfinite(train(m, quiet=True).metrics["final_loss"])


@pytest.mark.parametrize(
    "recurrent, code",
    [
        ("cell = fast_weights(hidden = 2), gates = [cell]", "QL0305"),
        ("cell = lstm(hidden = 2), gates = [cell, cell]", "QL0310"),
        ("cell = lstm(hidden = 2), gates = [cel]", "QL0305"),
        ("cell = lstm(hidden = 3), gates = [cell]", "QL0306"),
        ("cell = lstm(hidden = 2), gates = [cell], window = 3", "QL0301"),
        ("cell = lstm(hidden = 2), gates = [cell], steps = 4", "QL0304"),
        ("gates = [cell]", "QL0304"),
    ],
)
def test_bad_recurrent_blocks_are_rejected_by_check(recurrent, code):
    with pytest.raises(QLangError) as err:
        load_model(SOURCE.format(recurrent=recurrent, layers=""))
    assert err.value.codes[0] == code, err.value.render()
