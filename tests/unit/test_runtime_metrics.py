"""The metrics agree with scikit-learn's (which they replace for speed: the per-epoch
validation metrics run every epoch)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from qlang.train import metrics as M


@pytest.mark.parametrize("seed", range(6))
def test_classification_metrics_match_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(50):
        k, n = int(rng.integers(2, 5)), int(rng.integers(3, 30))
        t, p = rng.integers(0, k, n), rng.integers(0, k, n)
        proba = rng.random((n, k))
        proba /= proba.sum(axis=1, keepdims=True)
        labels = np.unique(np.concatenate([t, p]))
        avg = "binary" if set(labels.tolist()) <= {0, 1} else "macro"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in ("precision", "recall", "f1"):
                want = getattr(skm, f"{name}_score")(t, p, average=avg, zero_division=0)
                assert getattr(M, name)(t, p) == pytest.approx(want, abs=1e-12), (seed, name)
            assert M.accuracy(t, p) == pytest.approx(skm.accuracy_score(t, p))
            try:
                want = (
                    skm.roc_auc_score(t, proba[:, 1])
                    if k == 2
                    else skm.roc_auc_score(t, proba, multi_class="ovr", labels=np.arange(k))
                )
            except ValueError:
                want = math.nan
            got = M.roc_auc(t, p, proba)
            if math.isnan(want):
                assert got is None  # undefined (a class missing): left out, never NaN
            else:
                assert got == pytest.approx(want, abs=1e-12)


def test_regression_and_distribution_metrics() -> None:
    t, p = np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.0])
    assert M.mse(t, p) == pytest.approx(skm.mean_squared_error(t, p))
    assert M.mae(t, p) == pytest.approx(skm.mean_absolute_error(t, p))
    assert M.r2(t, p) == pytest.approx(skm.r2_score(t, p))
    q, d = np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.25, 0.25, 0.25, 0.25])
    assert M.tvd(q, d) == pytest.approx(0.5) and M.valid_mass(q, d) == pytest.approx(0.5)
    assert M.kl(q, q) == pytest.approx(0.0) and M.mmd(q, q) == pytest.approx(0.0)


def test_a_metric_that_does_not_fit_the_targets_is_a_coded_error() -> None:
    from qlang.diagnostics import QLangError

    assert M.metric_names("kernel", "regression") == ("mse", "mae", "r2")
    with pytest.raises(QLangError) as err:  # a kernel fitted to values has no accuracy
        M.metric_names("kernel", "regression", ("accuracy",))
    assert err.value.codes == ["QL0668"]
    with pytest.raises(QLangError) as err:
        M.metric_names("classify", "classification", ("acuracy",))
    assert err.value.codes == ["QL0668"]


def test_ranks_with_ties_equal_scipys() -> None:
    """The AUC's ranks (numpy, so a run does not import scipy.stats) equal rankdata's."""
    from scipy.stats import rankdata

    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 40):
        score = np.round(rng.random(n), 1)  # many ties
        assert np.array_equal(M._rankdata(score), rankdata(score))
