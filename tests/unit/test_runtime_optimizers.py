"""Optimizers on small known problems, and their setting errors."""

from __future__ import annotations

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.ir.model import Call
from qlang.train.optimizers import make_optimizer
from qlang.train.seeding import Seeds
from qlang.train.trainer import Objective, Schedule, fit

A = np.diag([1.0, 4.0, 9.0])
X0 = np.array([1.5, -1.0, 0.5])


def quad(x):
    return 0.5 * x @ A @ x, A @ x


@pytest.mark.parametrize(
    "call",
    [
        Call("adam", (), (("lr", 0.1),)),
        Call("sgd", (), (("lr", 0.1),)),
        Call("momentum", (), (("lr", 0.05), ("momentum", 0.8))),
        Call("momentum", (), (("lr", 0.05), ("nesterov", True))),
        Call("rmsprop", (), (("lr", 0.003),)),
        Call("aqgd", (), (("eta", 0.1), ("tol", 0.0))),
    ],
    ids=lambda c: c.name + str(len(c.kwargs)),
)
def test_gradient_optimizers_minimise_a_quadratic(call):
    opt = make_optimizer(call)
    x, state = X0.copy(), opt.init(X0)
    for _ in range(1500):
        x, state = opt.step(x, quad(x)[1], state)
    assert quad(x)[0] < 1e-4, call


def test_adam_does_not_mutate_inputs():
    opt = make_optimizer(Call("adam"))
    x, g = X0.copy(), np.ones(3)
    state = opt.init(x)
    m_before = state["m"].copy()
    opt.step(x, g, state)
    assert np.array_equal(x, X0) and np.array_equal(state["m"], m_before)


def test_spsa_minimises_a_quadratic_and_is_seeded():
    opt = make_optimizer(Call("spsa", (), (("maxiter", 300),)))

    def run(seed):
        rng = np.random.default_rng(seed)
        x, state = X0.copy(), opt.init(X0)
        for _ in range(300):
            x, state, _ = opt.step(x, lambda z: quad(z)[0], state, rng)
        return x

    a, b = run(5), run(5)
    assert np.array_equal(a, b)
    assert quad(a)[0] < 0.05


@pytest.mark.parametrize("name", ["cobyla", "nelder_mead", "lbfgsb"])
def test_scipy_optimizers_through_the_training_loop(name):
    opt = make_optimizer(Call(name, (), (("maxiter", 400),)))
    obj = Objective(1, lambda p, idx: quad(p))
    res = fit(obj, X0, None, opt, Schedule(400, max_steps=400), Seeds(0), quiet=True)
    assert quad(res.params)[0] < 1e-4
    assert res.curve and res.curve[-1]["loss"] < 1e-3


def test_frozen_parameters_do_not_move():
    opt = make_optimizer(Call("adam", (), (("lr", 0.1),)))
    obj = Objective(1, lambda p, idx: quad(p))
    mask = np.array([True, False, True])
    res = fit(obj, X0, mask, opt, Schedule(50), Seeds(0), quiet=True)
    assert res.params[1] == X0[1]
    assert abs(res.params[0]) < abs(X0[0])


@pytest.mark.parametrize(
    "call, code",
    [
        (Call("adamm"), "QL0650"),
        (Call("adam", (), (("lrr", 0.1),)), "QL0651"),
        (Call("adam", (), (("lr", "fast"),)), "QL0651"),
        (Call("sgd", (), (("lr", -1.0),)), "QL0651"),
        (Call("cobyla", (), (("lr", 0.1),)), "QL0651"),
        (Call("adam", (0.1,)), "QL0651"),
    ],
)
def test_bad_settings_are_coded_errors(call, code):
    with pytest.raises(QLangError) as err:
        make_optimizer(call)
    assert err.value.codes == [code]


def test_unknown_optimizer_suggests_a_name():
    with pytest.raises(QLangError) as err:
        make_optimizer(Call("adamm"))
    assert "did you mean `adam`" in str(err.value)
