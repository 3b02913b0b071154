"""``classify`` and ``regress``: a network trained on labelled data.

Classification turns the model outputs into class probabilities with a head chosen
from the readout: a trailing ``softmax``/``sigmoid`` is used as is, ``probs`` outcomes
are folded onto classes (outcome mod classes), one ``<Z...Z>`` value ``s`` gives
``P(0) = (1 + s)/2`` (parity convention), ``k = classes`` raw values get a softmax.
The ``hinge`` loss uses raw scores instead (positive score = class 0 for one output).

Example::

    >>> import numpy as np
    >>> hinge_targets(np.array([0, 1, 1]), 2).tolist()
    [1.0, -1.0, -1.0]
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from qlang.ir.model import Model
from qlang.train.adversarial import AttackTarget
from qlang.train.build import build_network
from qlang.train.data.preprocess import one_hot_classes
from qlang.train.errors import fail
from qlang.train.layers import MapStage
from qlang.train.metrics import compute, metric_names
from qlang.train.network import Network
from qlang.train.optimizers import make_optimizer
from qlang.train.tasks.common import (
    RunContext,
    TaskRunner,
    Trained,
    check_width,
    fit_options,
    load_data,
    loss_for,
    param_names,
    schedule_for,
    validation_split,
)
from qlang.train.trainer import Objective, fit


def encode_one_hot(y: np.ndarray, classes: list[int]) -> np.ndarray:
    """Rows of the identity for each label (labels outside ``classes`` give zero rows)."""
    lookup = {c: i for i, c in enumerate(classes)}
    out = np.zeros((len(y), len(classes)))
    for r, v in enumerate(np.asarray(y).ravel()):
        if int(v) in lookup:
            out[r, lookup[int(v)]] = 1.0
    return out


def hinge_targets(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Binary labels -> +1 (class 0) / -1 (class 1); multi-class labels are kept."""
    y = np.asarray(labels)
    return np.where(y == 0, 1.0, -1.0) if num_classes == 2 else y


@dataclass(frozen=True, eq=False)
class Classifier:
    """A network plus the head that yields class probabilities (or hinge scores)."""

    net: Network
    num_classes: int
    mode: str  # "probs" | "scores" | "logprobs"

    def proba(self, X: np.ndarray, params: np.ndarray) -> np.ndarray:
        out = self.net.forward(X, params)
        if self.mode == "logprobs":
            return np.exp(out)
        if self.mode == "scores":
            if out.shape[1] == 1:
                s = np.clip(out[:, 0], -1.0, 1.0)
                return np.stack([(1 + s) / 2, (1 - s) / 2], axis=1)
            e = np.exp(out - out.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        return out

    def predict(self, X: np.ndarray, params: np.ndarray) -> np.ndarray:
        return np.argmax(self.proba(X, params), axis=1)


def classifier_head(net: Network, num_classes: int, loss: str, model: Model) -> Classifier:
    last = net.stages[-1]
    width = net.num_outputs
    readout = model.main.readout
    if loss == "hinge":
        if width not in (1, num_classes):
            fail(
                "QL0653",
                f"hinge loss needs 1 or {num_classes} outputs, the model has {width}",
                model.loss.span if model.loss else None,
            )
        return Classifier(net, num_classes, "scores")
    extra: list[Any] = []
    is_map = isinstance(last, MapStage)
    if is_map and last.kind == "sigmoid" and width == 1 and num_classes == 2:
        extra.append(MapStage("bernoulli", 1))
    elif is_map and last.kind == "softmax" and width == num_classes:
        pass
    elif readout.kind == "probs" and not model.layers and width >= num_classes:
        if width != num_classes:
            extra.append(MapStage("fold", width, classes=num_classes))
    elif width == 1 and num_classes == 2:
        extra.append(MapStage("parity_probs", 1))
    elif width == num_classes:
        extra.append(MapStage("softmax", width))
    else:
        fail(
            "QL0653",
            f"the model gives {width} outputs, which cannot be read as {num_classes} classes",
            readout.span,
            help="read out one value per class (with softmax), one parity value for two classes, "
            "or probabilities",
        )
    mode = "probs"
    if loss == "nll":
        extra.append(MapStage("log", num_classes))
        mode = "logprobs"
    return Classifier(Network(net.stages + tuple(extra)), num_classes, mode)


def label_encoder(loss: str, num_classes: int, outputs: int):
    """Raw class labels -> the targets the loss reads (hinge: +-1; mse/mae: one-hot)."""

    def encode(labels: np.ndarray) -> np.ndarray:
        if loss == "hinge":
            t = hinge_targets(labels, num_classes)
            return t.reshape(-1, 1) if outputs == 1 else t
        if loss in ("mse", "mae"):
            return np.eye(num_classes)[np.asarray(labels).astype(int)]
        return np.asarray(labels).astype(int)

    return encode


def model_metric_calls(model: Model, names: tuple[str, ...]) -> list[tuple[Any, dict]]:
    """``(entry, values)`` of the listed metrics computed from the model itself."""
    from qlang import catalog
    from qlang.ir.model import Call

    calls = {c.name: c for c in model.training.metric_calls}
    out = []
    for name in names:
        entry, values = catalog.runtime_bind("metric", calls.get(name, Call(name)))
        if entry.info.model:
            out.append((entry, values))
    return out


def adversarial_training(model: Model) -> Any:
    """The ``train { adversarial = ... }`` attack as an ``AdversarialTraining``, or None."""
    call = model.training.adversarial
    if call is None:
        return None
    from qlang import catalog

    entry, values = catalog.runtime_bind("attack", call)
    return entry.load()(**values)


def num_classes_of(model: Model, ds: Any) -> int:
    from qlang import catalog

    values = catalog.runtime_bind("task", model.task)[1]
    return int(values["classes"])


def train_supervised(model: Model, ctx: RunContext) -> Trained:
    """Train on the training split, minus the validation part; the per-epoch metrics
    come from the validation part only, and the test split is scored once, at the end."""
    task = model.task.name
    classify = task == "classify"
    ds, steps = load_data(model, ctx)
    if classify and ds.kind != "classification":
        fail(
            "QL0662",
            f"`classify` needs labelled classes, `{ds.name}` is {ds.kind} data",
            model.data.span if model.data else None,
            help="use `regress` for continuous targets",
        )
    seeds = ctx.seeds
    net = build_network(model, model.training, seeds, ctx.factory)
    check_width(net.num_inputs, ds.num_features, model)
    loss_name, loss_fn, opts = loss_for(model.loss, task)
    family = "classification" if classify else "regression"
    names = metric_names(task, family, model.training.metrics)
    if classify:
        num_classes = num_classes_of(model, ds)
        if len(ds.classes) > num_classes or (ds.classes and max(ds.classes) >= num_classes):
            fail(
                "QL0662",
                f"the data has {len(ds.classes)} classes, the task says {num_classes}",
                model.task.span,
                help=f"write `classify(classes = {len(ds.classes)})`",
            )
        head = classifier_head(net, num_classes, loss_name, model)
        train_net = head.net
        encode = label_encoder(loss_name, num_classes, head.net.num_outputs)
    else:
        train_net = net
        classes = one_hot_classes(list(steps))
        if classes is not None:  # regress onto one-hot class indicators
            ds = replace(
                ds,
                y_train=encode_one_hot(ds.y_train, classes),
                y_test=encode_one_hot(ds.y_test, classes),
            )

        def encode(values: np.ndarray) -> np.ndarray:
            return np.asarray(values).reshape(len(values), -1)

        width = encode(ds.y_train).shape[1]
        if width != net.num_outputs:
            fail(
                "QL0653",
                f"the targets have {width} columns, the model gives {net.num_outputs} outputs",
                model.main.readout.span,
            )
    y_train = encode(ds.y_train)

    fit_idx = np.arange(len(ds.X_train))
    val_idx = None
    parts = validation_split(model, ctx, ds, ds.y_train if classify else None)
    if parts is not None:
        fit_idx, val_idx = parts
    X_fit, y_fit = ds.X_train[fit_idx], y_train[fit_idx]

    def lossf(out: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
        return loss_fn(out, Y, **opts)

    target = AttackTarget(train_net, lossf, encode, head.predict) if classify else None
    model_metrics = model_metric_calls(model, names)

    def scores(X: np.ndarray, labels: np.ndarray, params: np.ndarray) -> dict[str, float]:
        """The model's metrics on ``X`` (raw labels / values ``labels``)."""
        if classify:
            proba = head.proba(X, params)
            out = compute(names, labels, np.argmax(proba, axis=1), proba)
            for entry, values in model_metrics:
                out[entry.name] = entry.load()(target, params, X, labels, **values)
            return out
        return compute(names, labels, net.forward(X, params))

    adversarial = adversarial_training(model)
    attack_rng = seeds.rng("attack")
    # train { distribute }: the batch in blocks on Ray (never with adversarial training)
    batch = ctx.distributor.batch(model, ctx.seed, X_fit, y_fit, lossf) if ctx.distributor else None

    def vg(params: np.ndarray, idx: np.ndarray | None) -> tuple[float, np.ndarray]:
        if batch is not None:
            return batch.value_and_grad(params, idx)
        X = X_fit if idx is None else X_fit[idx]
        Y = y_fit if idx is None else y_fit[idx]
        if adversarial is not None:
            return adversarial.value_and_grad(train_net, params, X, Y, lossf, attack_rng)
        value, grad, _ = train_net.value_and_grad(X, params, lambda out: lossf(out, Y))
        return value, grad

    def value(params: np.ndarray, idx: np.ndarray | None) -> float:
        if batch is not None:
            return batch.value(params, idx)
        X = X_fit if idx is None else X_fit[idx]
        Y = y_fit if idx is None else y_fit[idx]
        if adversarial is not None:
            return adversarial.value(train_net, params, X, Y, lossf, attack_rng)
        return lossf(train_net.forward(X, params), Y)[0]

    evaluate = None
    if val_idx is not None:
        X_val, y_val, raw_val = ds.X_train[val_idx], y_train[val_idx], ds.y_train[val_idx]

        def evaluate(params: np.ndarray) -> dict[str, float]:
            out = {"val_loss": float(lossf(train_net.forward(X_val, params), y_val)[0])}
            out.update({f"val_{k}": v for k, v in scores(X_val, raw_val, params).items()})
            return out

    optimizer = make_optimizer(model.optimizer, "adam")
    schedule = schedule_for(model.training, optimizer, ctx.epochs)
    params0 = net.init(seeds.rng("init"))
    res = fit(
        Objective(len(X_fit), vg, value, evaluate),
        params0,
        net.trainable(),
        optimizer,
        schedule,
        seeds,
        **fit_options(model, ctx),
    )
    metrics: dict[str, Any] = {
        "task": task,
        "loss": loss_name,
        "final_loss": res.curve[-1]["loss"],
        "steps": res.steps,
        "seconds": res.seconds,
        "train": scores(X_fit, ds.y_train[fit_idx], res.params),
    }
    if val_idx is not None:
        metrics["validation"] = scores(ds.X_train[val_idx], ds.y_train[val_idx], res.params)
    if len(ds.X_test):  # the only look at the test split
        metrics["test"] = scores(ds.X_test, ds.y_test, res.params)
    extra: dict[str, Any] = {}
    if classify:
        extra["num_classes"] = num_classes
        if ds.labels:
            extra["labels"] = list(ds.labels)
    return Trained(task, res.params, param_names(net), metrics, res.curve, ctx.seed, steps, extra)


def _last_rows(fn: Any) -> Any:
    """``fn`` remembering its last input rows (compared by content) and outputs."""
    memo: dict[str, Any] = {}

    def call(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if "x" not in memo or memo["x"].shape != X.shape or not np.array_equal(memo["x"], X):
            memo["x"], memo["y"] = X.copy(), np.asarray(fn(X))
        return memo["y"].copy()

    return call


def supervised_predictor(model: Model, trained: Trained, ctx: RunContext):
    """``(predict(X) -> labels or values, proba(X) or None)`` for already-preprocessed X."""
    net = build_network(model, model.training, ctx.seeds, ctx.factory)
    if trained.task == "classify":
        loss_name = model.loss.name if model.loss is not None else "cross_entropy"
        head = classifier_head(net, int(trained.extra["num_classes"]), loss_name, model)
        proba = _last_rows(lambda X: head.proba(X, trained.params))
        # the labels are the argmax of the same probabilities: one forward pass (one
        # backend job) for both, and sampled labels that agree with the sampled proba
        return (lambda X: np.argmax(proba(X), axis=1)), proba
    return (
        lambda X: (
            net.forward(X, trained.params)[:, 0]
            if net.num_outputs == 1
            else net.forward(X, trained.params)
        )
    ), None


def supervised_params(model: Model, ctx: RunContext) -> int:
    return build_network(model, model.training, ctx.seeds, ctx.factory).num_params


def evaluate_supervised(model: Model, trained: Trained, ctx: RunContext) -> dict[str, Any]:
    """The model's metrics on its test split (same seed -> same split and preprocessing)."""
    predict, proba = supervised_predictor(model, trained, ctx)
    ds, steps = load_data(model, ctx)
    classify = trained.task == "classify"
    names = metric_names(
        trained.task, "classification" if classify else "regression", model.training.metrics
    )
    y_test = ds.y_test
    classes = one_hot_classes(list(steps))
    if not classify and classes is not None:
        y_test = encode_one_hot(y_test, classes)
    p = proba(ds.X_test) if proba is not None else None
    out = compute(names, y_test, predict(ds.X_test), p)
    calls = model_metric_calls(model, names) if classify else []
    if calls:
        loss_name, loss_fn, opts = loss_for(model.loss, "classify")
        k = int(trained.extra["num_classes"])
        head = classifier_head(build_network(model, model.training, ctx.seeds, ctx.factory), k,
                               loss_name, model)  # fmt: skip
        target = AttackTarget(
            head.net,
            lambda o, Y: loss_fn(o, Y, **opts),
            label_encoder(loss_name, k, head.net.num_outputs),
            head.predict,
        )
        for entry, values in calls:
            out[entry.name] = entry.load()(target, trained.params, ds.X_test, ds.y_test, **values)
    return out


CLASSIFY = TaskRunner(
    train_supervised, supervised_predictor, supervised_params, evaluate_supervised
)
REGRESS = CLASSIFY
