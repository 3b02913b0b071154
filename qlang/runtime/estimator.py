"""A scikit-learn compatible estimator around a qlang Model.

Works with ``clone``, ``Pipeline`` and ``GridSearchCV``. ``fit(X, y)`` trains on the
given arrays (the model's own ``data`` setting is ignored; its ``preprocess`` steps
are fitted on ``X``). Hyperparameters exposed for searches: ``epochs``, ``seed``,
``batch_size``, ``learning_rate`` (``None`` keeps what the model file says).

Example::

    >>> from qlang.runtime.estimator import QLangEstimator      # doctest: +SKIP
    >>> est = QLangEstimator(model, epochs=30).fit(X_train, y_train)   # doctest: +SKIP
    >>> est.score(X_test, y_test)                              # doctest: +SKIP
    0.93
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from qlang.ir.model import Call, Model
from qlang.runtime.errors import fail


def with_hyperparameters(
    model: Model, *, batch_size: int | None = None, learning_rate: float | None = None
) -> Model:
    """A copy of ``model`` with the batch size and learning rate overridden."""
    training = model.training
    if batch_size is not None:
        training = replace(training, batch_size=int(batch_size))
    optimizer = model.optimizer
    if learning_rate is not None:
        base = optimizer or Call("adam")
        key = "eta" if base.name == "aqgd" else "lr"
        kwargs = tuple((k, v) for k, v in base.kwargs if k not in (key, "learning_rate"))
        optimizer = Call(base.name, base.args, (*kwargs, (key, float(learning_rate))), base.span)
    return replace(model, training=training, optimizer=optimizer)


class QLangEstimator(BaseEstimator):
    """``fit`` / ``predict`` / ``predict_proba`` / ``score`` for classify, regress and
    kernel models."""

    def __init__(
        self,
        model: Model,
        epochs: int | None = None,
        seed: int | None = None,
        batch_size: int | None = None,
        learning_rate: float | None = None,
        quiet: bool = True,
    ) -> None:
        self.model = model
        self.epochs = epochs
        self.seed = seed
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.quiet = quiet

    # --- scikit-learn protocol ---------------------------------------------
    @property
    def _is_classifier(self) -> bool:
        return self.model.task.name == "classify" or (
            self.model.task.name == "kernel" and self.model.task.get("method", "svc") == "svc"
        )

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier" if self._is_classifier else "regressor"
        if self._is_classifier and tags.classifier_tags is None:
            from sklearn.utils import ClassifierTags

            tags.classifier_tags = ClassifierTags()
        return tags

    def fit(self, X: Any, y: Any) -> QLangEstimator:
        from qlang.runtime.api import context, predictor
        from qlang.runtime.tasks import run_task

        if self.model.task.name not in ("classify", "regress", "kernel"):
            fail(
                "QL0664",
                f"a `{self.model.task.name}` model cannot be fitted to (X, y)",
                self.model.task.span,
                help="use `qlang train` for minimize and generate tasks",
            )
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        if self._is_classifier:
            self.classes_, y_enc = np.unique(y, return_inverse=True)
        else:
            y_enc = y.astype(float)
        model = with_hyperparameters(
            self.model, batch_size=self.batch_size, learning_rate=self.learning_rate
        )
        ctx = context(model, self.seed, epochs=self.epochs, quiet=self.quiet, arrays=(X, y_enc))
        self.trained_ = run_task(model, ctx)
        self.predictor_ = predictor(model, self.trained_)
        self.n_features_in_ = X.shape[1]
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "trained_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("call `fit` before `predict`")

    def predict(self, X: Any) -> np.ndarray:
        self._check_fitted()
        out = self.predictor_.predict(np.asarray(X, dtype=float))
        if self._is_classifier:
            return self.classes_[np.asarray(out).astype(int)]
        return np.asarray(out, dtype=float)

    def predict_proba(self, X: Any) -> np.ndarray:
        self._check_fitted()
        return self.predictor_.predict_proba(np.asarray(X, dtype=float))

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        from sklearn.metrics import accuracy_score, r2_score

        pred = self.predict(X)
        if self._is_classifier:
            return float(accuracy_score(y, pred, sample_weight=sample_weight))
        return float(r2_score(y, pred, sample_weight=sample_weight))
