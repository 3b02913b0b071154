"""Property tests for the training runtime (hypothesis, derandomised: failures print the
falsifying example, which is the reproducer)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qlang.train import losses as L
from qlang.train.data.dataset import split_indices

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)


@SETTINGS
@given(
    n=st.integers(2, 60),
    frac=st.floats(0.05, 0.9),
    seed=st.integers(0, 2**31 - 1),
    classes=st.integers(1, 4),
)
def test_split_is_a_partition_and_stratified(n, frac, seed, classes):
    labels = np.arange(n) % classes
    n_test = int(round(frac * n))
    if not 0 <= n_test < n:
        return
    tr, te = split_indices(n, frac, np.random.default_rng(seed), labels)
    assert len(tr) + len(te) == n and len(te) == n_test
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(n))
    for c in range(classes):  # each class within one sample of its proportional share
        share = np.sum(labels == c) * n_test / n
        assert abs(np.sum(labels[te] == c) - share) <= 1.0 + 1e-9, (seed, c)
    again = split_indices(n, frac, np.random.default_rng(seed), labels)
    assert np.array_equal(again[1], te)


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(2, 16), alpha=st.floats(0.05, 1.0))
def test_cvar_and_divergences_are_bounded_and_consistent(seed, k, alpha):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(k))
    q = rng.dirichlet(np.ones(k))
    costs = rng.normal(size=k)
    c = L.cvar(p, costs, alpha)[0]
    assert costs.min() - 1e-9 <= c <= p @ costs + 1e-9  # between the optimum and the mean
    assert L.kl(p, q)[0] >= -1e-12 and L.kl(q, q)[0] < 1e-9
    assert L.mmd(p, q)[0] >= -1e-12 and L.mmd(q, q)[0] < 1e-12


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1), b=st.integers(1, 6), k=st.integers(2, 5))
def test_cross_entropy_gradient_is_the_finite_difference(seed, b, k):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(k), size=b) * 0.9 + 0.1 / k
    y = rng.integers(0, k, size=b)
    _, g = L.cross_entropy(p, y)
    h = 1e-6
    for i in range(b):
        for j in range(k):
            e = np.zeros_like(p)
            e[i, j] = h
            num = (L.cross_entropy(p + e, y)[0] - L.cross_entropy(p - e, y)[0]) / (2 * h)
            assert abs(num - g[i, j]) < 1e-5, (seed, i, j)
