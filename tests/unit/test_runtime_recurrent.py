"""The QLSTM-style recurrent cell: backpropagation through time and a sine fit."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.ir.model import Call, Readout, Training
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
        recurrent=Call("qlstm", (), (("hidden", hidden),)),
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
    from dataclasses import replace

    bad = replace(m, recurrent=Call("qlstm", (), (("hidden", 3),)))
    with pytest.raises(QLangError) as err:
        train(bad, quiet=True)
    assert err.value.codes == ["QL0665"]


def test_front_end_recurrent_block_maps_to_the_qlstm_cell():
    cell = Call("lstm", (), (("hidden", 2),))
    m = qlstm_model(hidden=2)
    block = Call("recurrent", (), (("cell", cell), ("gates", (m.main.name,))))
    ref = build_network(m, Training(), Seeds(0))
    net = build_network(replace(m, recurrent=block), Training(), Seeds(0))
    p = ref.init(np.random.default_rng(2))
    X = np.random.default_rng(3).uniform(-1, 1, size=(2, 4))
    assert np.allclose(net.forward(X, p), ref.forward(X, p))


def test_front_end_recurrent_block_with_four_gate_circuits_is_rejected():
    cell = Call("lstm", (), (("hidden", 2),))
    m = qlstm_model(hidden=2)
    block = Call("recurrent", (), (("cell", cell), ("gates", ("a", "b", "c", "d"))))
    with pytest.raises(QLangError) as err:
        build_network(replace(m, recurrent=block), Training(), Seeds(0))
    assert err.value.codes == ["QL0665"]
