"""Backpropagation through dense, map and quantum stages (hybrid models)."""

from __future__ import annotations

import numpy as np
import pytest

from qlang.ir.model import Call, Dense, QuantumLayer, Readout, Training
from qlang.sim import QuantumFunction
from qlang.train.build import build_network, post_stages
from qlang.train.layers import DenseStage, MapStage, QuantumStage, init_decl
from qlang.train.network import Network
from qlang.train.seeding import Seeds
from tests.unit.runtime_models import angle_circuit, model, z_obs


def fd_params(net, X, p, loss, h=1e-6):
    g = np.zeros_like(p)
    for k in range(len(p)):
        e = np.zeros_like(p)
        e[k] = h
        g[k] = (loss(net.forward(X, p + e))[0] - loss(net.forward(X, p - e))[0]) / (2 * h)
    return g


def sq(Y):
    return float(np.sum(Y**2)), 2 * Y


@pytest.mark.parametrize("act", ["linear", "tanh", "relu", "sigmoid", "softmax"])
def test_dense_gradients(act):
    rng = np.random.default_rng(7)
    net = Network((DenseStage(3, 4, act), DenseStage(4, 2, "tanh")))
    p = net.init(rng) + 0.1
    X = rng.normal(size=(5, 3))
    _, g, _ = net.value_and_grad(X, p, sq)
    assert np.allclose(g, fd_params(net, X, p, sq), atol=1e-5)


@pytest.mark.parametrize(
    "kind", ["softmax", "sigmoid", "scale", "log", "parity_probs", "fold", "bernoulli"]
)
def test_map_stage_gradients(kind):
    rng = np.random.default_rng(3)
    width = 1 if kind in ("parity_probs", "bernoulli") else 4
    stage = MapStage(kind, width, factor=1.5, classes=3)
    X = rng.uniform(0.1, 0.9, size=(3, width))
    Y, cache = stage.forward(X, np.zeros(0))
    _, gx = stage.backward(cache, np.zeros(0), 2 * Y)
    num = np.zeros_like(X)
    for i in np.ndindex(X.shape):
        e = np.zeros_like(X)
        e[i] = 1e-6
        num[i] = (sq(stage.forward(X + e, [])[0])[0] - sq(stage.forward(X - e, [])[0])[0]) / 2e-6
    assert np.allclose(gx, num, atol=1e-5)


def test_hybrid_dense_quantum_dense_backprop():
    """dense(3 -> 2, tanh) -> 2-qubit block -> dense(1 -> 2) -> softmax, all trainable."""
    circ = angle_circuit(2, 1)
    m = model(
        circ,
        Readout("expval", observables=(z_obs(0),)),
        data=None,
        task=Call("classify"),
        layers=(Dense(3, 2, "tanh"), QuantumLayer("main"), Dense(1, 2, "softmax")),
    )
    net = build_network(m, Training(), Seeds(0))
    assert [type(s).__name__ for s in net.stages] == ["DenseStage", "QuantumStage", "DenseStage"]
    rng = np.random.default_rng(0)
    p = net.init(rng)
    X = rng.normal(size=(4, 3))
    _, g, _ = net.value_and_grad(X, p, sq)
    assert np.allclose(g, fd_params(net, X, p, sq), atol=1e-5)
    assert np.all(net.trainable())


def test_width_mismatch_between_layers_is_a_coded_error():
    from qlang.diagnostics import QLangError

    m = model(
        angle_circuit(2, 1),
        Readout("expval", observables=(z_obs(0),)),
        data=None,
        task=Call("classify"),
        layers=(Dense(3, 3, "tanh"), QuantumLayer("main")),
    )
    with pytest.raises(QLangError) as err:
        build_network(m, Training(), Seeds(0))
    assert err.value.codes == ["QL0656"]


def test_post_processing_linear_head_and_unknown_step():
    from qlang.diagnostics import QLangError

    stages = post_stages(
        Readout("expval", post=(Call("linear", (), (("out", 3),)), Call("softmax"))), 2
    )
    assert stages[0].num_params == 2 * 3 + 3 and stages[1].num_outputs == 3
    with pytest.raises(QLangError) as err:
        post_stages(Readout("expval", post=(Call("softmaks"),)), 2)
    assert err.value.codes == ["QL0660"] and "softmax" in str(err.value)


def test_weight_initialisers_and_frozen_mask():
    from qlang.ir.circuit import ParamDecl

    rng = np.random.default_rng(0)
    assert np.all(init_decl(ParamDecl("w", (3,), 0, ("zeros", ())), rng) == 0)
    assert np.all(init_decl(ParamDecl("w", (3,), 0, ("constant", (0.5,))), rng) == 0.5)
    u = init_decl(ParamDecl("w", (100,), 0, ("uniform", (-0.1, 0.1))), rng)
    assert u.min() >= -0.1 and u.max() <= 0.1
    n = init_decl(ParamDecl("w", (2000,), 0, ("normal", (1.0, 0.1))), rng)
    assert abs(n.mean() - 1.0) < 0.02
    circ = angle_circuit(2, 1, init=("zeros", ()))
    from dataclasses import replace

    frozen = replace(circ, weights=(replace(circ.weights[0], frozen=True),))
    m = model(frozen, Readout("expval", observables=(z_obs(0),)), data=None, task=Call("regress"))
    stage = QuantumStage(m.main, QuantumFunction(m.main))
    assert not stage.trainable().any()


def test_readout_shots_are_used_unless_training_sets_them():
    from qlang.train.build import block_shots, gradient_method

    m = model(
        angle_circuit(2, 1),
        Readout("expval", observables=(z_obs(0),), shots=100),
        data=None,
        task=Call("regress"),
    )
    assert block_shots(m.main, Training()) == 100
    assert block_shots(m.main, Training(shots=7)) == 7
    assert gradient_method(Training(), 100) == "parameter_shift"
    assert gradient_method(Training(), None) == "adjoint"
    assert gradient_method(Training(gradient="finite_diff"), 100) == "finite_diff"
    net = build_network(m, Training(), Seeds(0))
    assert net.stages[0].qf.shots == 100
