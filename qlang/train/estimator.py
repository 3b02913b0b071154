"""A scikit-learn compatible estimator around a qlang Model.

Works with ``clone``, ``Pipeline`` and ``GridSearchCV``. ``fit(X, y)`` trains on the
given arrays (the model's own ``data`` setting is ignored; its ``preprocess`` steps
are fitted on ``X``). Hyperparameters exposed for searches: ``epochs``, ``seed``,
``batch_size``, ``learning_rate`` (``None`` keeps what the model file says).

Example::

    >>> from qlang.train.estimator import QLangEstimator      # doctest: +SKIP
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
from qlang.train.errors import fail


def with_hyperparameters(
    model: Model, *, batch_size: int | None = None, learning_rate: float | None = None
) -> Model:
    """A copy of ``model`` with the batch size and learning rate overridden."""
    training = model.training
    if batch_size is not None:
        training = replace(training, batch_size=int(batch_size))
    optimizer = model.optimizer
    if learning_rate is not None:
        from qlang import catalog

        base = optimizer or Call("adam")
        entry, _ = catalog.runtime_bind("optimizer", base)
        key = "lr" if entry.param("lr") is not None else "eta"
        if entry.param(key) is None:
            fail("QL0651", f"`{entry.name}` has no learning rate to set", base.span)
        kwargs = tuple((k, v) for k, v in base.kwargs if k != key)
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

    @classmethod
    def from_artifacts(cls, model: Model, directory: Any, **params: Any) -> QLangEstimator:
        """A fitted estimator from a ``qlang train --out`` folder (no retraining)."""
        from qlang.train.api import predictor
        from qlang.train.artifacts import load_trained

        est = cls(model, **params)
        est._set_trained(load_trained(directory), predictor)
        return est

    def _set_trained(self, trained: Any, predictor: Any) -> None:
        self.trained_ = trained
        self.predictor_ = predictor(self.model, trained)
        if self._is_classifier and not hasattr(self, "classes_") and trained.extra.get("labels"):
            self.classes_ = np.asarray(trained.extra["labels"])
        if self._is_classifier and not hasattr(self, "classes_"):
            k = int(trained.extra.get("num_classes", 0)) or len(
                set(trained.extra.get("y_train", []))
            )
            self.classes_ = np.arange(k)
        n = self.predictor_.num_features
        if n is not None:
            self.n_features_in_ = n

    def fit(self, X: Any = None, y: Any = None) -> QLangEstimator:
        """Train on ``(X, y)``; with no arguments, on the model's own ``data`` setting."""
        from qlang.train.api import predictor

        if X is None:
            self.__dict__.pop("classes_", None)
            model = with_hyperparameters(
                self.model, batch_size=self.batch_size, learning_rate=self.learning_rate
            )
            self._set_trained(self._run(model), predictor)
            return self
        from qlang import catalog

        task = catalog.lookup("task", self.model.task.name)
        if task is None or not task.info.needs_data:
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
        self._set_trained(self._run(model, arrays=(X, y_enc)), predictor)
        return self

    def _run(self, model: Any, **kw: Any) -> Any:
        """Train ``model`` (on Ray when it says ``train { distribute }``)."""
        from qlang.distribute.run import distributed
        from qlang.train.api import context
        from qlang.train.tasks import run_task

        with distributed(model) as d:
            ctx = context(model, self.seed, epochs=self.epochs, quiet=self.quiet,
                          distributor=d, **kw)  # fmt: skip
            if d is not None:  # a cut model's subexperiments are Ray tasks
                ctx = replace(ctx, factory=d.training_factory(model, ctx.factory))
            trained = run_task(model, ctx)
            if d is not None:
                trained.metrics["distribute"] = d.record()
        return trained

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
