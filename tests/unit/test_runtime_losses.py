"""Losses: known values and gradients against central finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from qlang import catalog
from qlang.train import losses as L


def fd_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def _probs(rng, b, k):
    p = rng.uniform(0.1, 1.0, size=(b, k))
    return p / p.sum(axis=1, keepdims=True)


CASES = {
    "mse": lambda rng: (rng.normal(size=(5, 2)), rng.normal(size=(5, 2)), {}),
    "mae": lambda rng: (rng.normal(size=(5, 2)), rng.normal(size=(5, 2)) + 3.0, {}),
    "cross_entropy": lambda rng: (_probs(rng, 6, 3), rng.integers(0, 3, 6), {}),
    "nll": lambda rng: (np.log(_probs(rng, 6, 3)), rng.integers(0, 3, 6), {}),
    "hinge": lambda rng: (
        rng.normal(size=(6, 1)) * 0.3,
        np.where(rng.random((6, 1)) < 0.5, -1.0, 1.0),
        {},
    ),
    "kl": lambda rng: (_probs(rng, 1, 8), _probs(rng, 1, 8)[0], {}),
    "mmd": lambda rng: (_probs(rng, 1, 8), _probs(rng, 1, 8)[0], {}),
    "energy": lambda rng: (rng.normal(size=(3, 2)), None, {}),
    "cvar": lambda rng: (_probs(rng, 1, 8), rng.permutation(8).astype(float), {"alpha": 0.3}),
    "kernel_target_alignment": lambda rng: (
        (lambda A: A @ A.T)(rng.normal(size=(6, 6))),
        np.array([0, 1, 0, 1, 1, 0]),
        {},
    ),
}


#: losses with their own signatures, checked against finite differences elsewhere
ELSEWHERE = {
    "expression": "tests/unit/test_loss_expression.py (readouts and weights)",
    "gan": "tests/unit/test_gan.py (the discriminator's binary cross-entropy)",
}


def test_every_catalog_loss_has_a_gradient_case():
    assert set(CASES) | set(ELSEWHERE) == set(catalog.names("loss"))
    assert not set(CASES) & set(ELSEWHERE)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_finite_differences(name):
    seed = 1234 + len(name)
    rng = np.random.default_rng(seed)
    out, target, opts = CASES[name](rng)
    fn = catalog.lookup("loss", name).load()
    value, grad = fn(out, target, **opts)
    assert np.isfinite(value)
    num = fd_grad(lambda o: fn(o, target, **opts)[0], out)
    assert np.allclose(grad, num, atol=1e-5), f"seed={seed} loss={name}"


def test_known_values():
    assert L.cross_entropy(np.array([[0.5, 0.5]]), np.array([1]))[0] == pytest.approx(np.log(2))
    assert L.hinge(np.array([[0.5], [-2.0]]), np.array([[1.0], [-1.0]]))[0] == pytest.approx(0.25)
    q = np.array([0.5, 0.5, 0.0, 0.0])
    assert L.kl(q.copy(), q)[0] == pytest.approx(0.0)
    assert L.mmd(q.copy(), q)[0] == pytest.approx(0.0)
    # CVaR with alpha = 1 is the mean cost; small alpha is the best cost in the support
    p, c = np.array([0.25, 0.25, 0.5]), np.array([3.0, 1.0, 2.0])
    assert L.cvar(p, c, 1.0)[0] == pytest.approx(p @ c)
    assert L.cvar(p, c, 0.1)[0] == pytest.approx(1.0)
    K = np.outer([1, -1, 1], [1, -1, 1]).astype(float)
    assert L.kernel_target_alignment(K, np.array([1, 0, 1]))[0] == pytest.approx(-1.0)


def test_multiclass_hinge_is_one_vs_rest():
    s = np.array([[2.0, -2.0, -2.0]])
    assert L.hinge(s, np.array([0]))[0] == pytest.approx(0.0)
    assert L.hinge(s, np.array([1]))[0] > 0
