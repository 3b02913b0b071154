"""QLangEstimator with scikit-learn: clone, Pipeline, GridSearchCV, labels, not-fitted."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.datasets import make_moons
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from qlang.train.estimator import QLangEstimator
from tests.unit.runtime_models import tiny_classifier


@pytest.fixture(scope="module")
def data():
    X, y = make_moons(48, noise=0.05, random_state=0)
    return X, np.where(y == 1, "b", "a")


def test_clone_and_params():
    est = QLangEstimator(tiny_classifier(), epochs=3, seed=1)
    c = clone(est)
    assert c.get_params()["epochs"] == 3 and c.model == est.model
    c.set_params(learning_rate=0.2)
    assert c.learning_rate == 0.2 and est.learning_rate is None
    assert is_classifier(est)
    with pytest.raises(NotFittedError):
        est.predict(np.zeros((1, 2)))


def test_pipeline_fit_predict_score_with_string_labels(data):
    X, y = data
    pipe = make_pipeline(
        MinMaxScaler((0.0, 1.0)), QLangEstimator(tiny_classifier(), epochs=20, seed=1)
    )
    pipe.fit(X, y)
    pred = pipe.predict(X)
    assert set(pred) <= {"a", "b"}
    assert pipe.score(X, y) >= 0.75
    proba = pipe.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1)


def test_grid_search_over_learning_rate_and_reproducible_fit(data):
    X, y = data
    est = QLangEstimator(tiny_classifier(), epochs=6, seed=2)
    gs = GridSearchCV(est, {"learning_rate": [0.01, 0.2]}, cv=2).fit(X, y)
    assert gs.best_params_["learning_rate"] in (0.01, 0.2)
    a = clone(est).fit(X, y).trained_.params
    b = clone(est).fit(X, y).trained_.params
    assert np.array_equal(a, b)


def test_from_artifacts_and_fit_on_the_model_data(tmp_path):
    from qlang.train.api import train

    m = tiny_classifier(epochs=3)
    t = train(m, out=tmp_path / "run", quiet=True)
    est = QLangEstimator.from_artifacts(m, tmp_path / "run")
    X = np.array([[0.0, 0.5], [1.0, -0.5]])
    assert np.array_equal(est.trained_.params, t.params)
    assert est.predict(X).shape == (2,) and est.n_features_in_ == 2
    own = QLangEstimator(m).fit()
    assert np.array_equal(own.trained_.params, t.params)
