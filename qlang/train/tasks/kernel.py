"""``kernel``: a fidelity quantum kernel with an SVM, SVR or kernel ridge on top.

``kernel(method = "svc" | "svr" | "krr", kind = "fidelity" | "projected", C = 1.0,
alpha = 1.0, gamma = 1.0)``; ``projected`` uses one-qubit reduced density matrices. The kernel
``k(x, x') = |<phi(x')|phi(x)>|^2`` comes from the block's ``encoding`` circuit (or the
whole circuit). If the encoding has trainable weights they are first fitted by
maximising kernel-target alignment (gradient-free by default: ``spsa``; gradient
optimizers get central finite differences of the alignment).

Example::

    >>> estimator_for("svc", {"C": 2.0}).get_params()["C"]
    2.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qlang.ir.model import Model
from qlang.train.errors import fail
from qlang.train.layers import init_decl
from qlang.train.losses import kernel_target_alignment
from qlang.train.metrics import classification_metrics, regression_metrics
from qlang.train.optimizers import make_optimizer
from qlang.train.tasks.common import (
    RunContext,
    Trained,
    check_width,
    fit_options,
    load_data,
    schedule_for,
)
from qlang.train.trainer import Objective, fit

METHODS = ("svc", "svr", "krr")
KINDS = ("fidelity", "projected")


def gram(ctx: RunContext, enc: Any, X1: Any, X2: Any, w: Any, opts: dict[str, Any]) -> np.ndarray:
    """The kernel matrix of the chosen kind: fidelity (default) or projected (``gamma``)."""
    if opts.get("kind", "fidelity") == "projected":
        from qlang.sim import projected_kernel

        return np.asarray(
            projected_kernel(enc, X1, X2, weights=w, gamma=float(opts.get("gamma", 1.0)))
        )
    return ctx.kernel_matrix(enc, X1, X2, w)


def estimator_for(method: str, options: dict[str, Any]) -> Any:
    """The scikit-learn estimator on a precomputed kernel."""
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.svm import SVC, SVR

    if method == "svc":
        return SVC(kernel="precomputed", C=float(options.get("C", 1.0)))
    if method == "svr":
        return SVR(
            kernel="precomputed",
            C=float(options.get("C", 1.0)),
            epsilon=float(options.get("epsilon", 0.1)),
        )
    return KernelRidge(kernel="precomputed", alpha=float(options.get("alpha", 1.0)))


def _method(model: Model, classification: bool) -> tuple[str, dict[str, Any]]:
    opts = model.task.options()
    first = model.task.args[0] if model.task.args else None
    method = str(
        opts.pop("method", first if isinstance(first, str) else None)
        or ("svc" if classification else "svr")
    )
    kind = opts.get("kind", "fidelity")
    if kind not in KINDS:
        fail(
            "QL0653",
            f"unknown kernel kind `{kind}`",
            model.task.span,
            help=f"use one of: {', '.join(KINDS)}",
        )
    for key, value in opts.items():
        if key == "kind":
            continue
        if key not in ("C", "alpha", "epsilon", "gamma"):
            fail(
                "QL0653",
                f"`kernel` has no option `{key}`",
                model.task.span,
                help="options: method, kind, C, alpha, epsilon, gamma",
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            fail("QL0653", f"`kernel` option `{key}` must be a positive number", model.task.span)
    if method not in METHODS:
        fail(
            "QL0653",
            f"unknown kernel method `{method}`",
            model.task.span,
            help=f"use one of: {', '.join(METHODS)}",
        )
    if method == "svc" and not classification:
        fail("QL0653", "`svc` needs class labels", model.task.span, help="use `svr` or `krr`")
    return method, opts


def kernel_weights(
    model: Model, ctx: RunContext, enc: Any, X: np.ndarray, y: np.ndarray, opts: dict[str, Any]
):
    """Initial (and, if trainable, alignment-trained) encoding weights plus the curve."""
    decls = enc.weights
    if not decls:
        return np.zeros(0), [], 0
    w0 = np.concatenate([init_decl(d, ctx.seeds.rng("init")) for d in decls])
    mask = np.ones(len(w0), dtype=bool)
    for d in decls:
        if d.frozen:
            mask[d.offset : d.offset + d.size] = False
    if not mask.any():
        return w0, [], 0

    def value(w: np.ndarray, idx: Any) -> float:
        Xs, ys = (X, y) if idx is None else (X[idx], y[idx])
        return kernel_target_alignment(gram(ctx, enc, Xs, None, w, opts), ys)[0]

    def vg(w: np.ndarray, idx: Any) -> tuple[float, np.ndarray]:
        h = 1e-4
        g = np.zeros_like(w)
        for k in np.flatnonzero(mask):
            e = np.zeros_like(w)
            e[k] = h
            g[k] = (value(w + e, idx) - value(w - e, idx)) / (2 * h)
        return value(w, idx), g

    optimizer = make_optimizer(model.optimizer, "spsa")
    res = fit(
        Objective(len(X), vg, value),
        w0,
        mask,
        optimizer,
        schedule_for(model.training, optimizer, ctx.epochs),
        ctx.seeds,
        **fit_options(model, ctx),
    )
    return res.params, res.curve, res.steps


def train_kernel(model: Model, ctx: RunContext) -> Trained:
    ds, steps = load_data(model, ctx)
    classification = ds.kind == "classification"
    method, opts = _method(model, classification)
    enc = model.main.encoding or model.main.circuit
    check_width(enc.num_inputs, ds.num_features, model)
    w, curve, nsteps = kernel_weights(model, ctx, enc, ds.X_train, ds.y_train, opts)
    K_train = gram(ctx, enc, ds.X_train, None, w, opts)
    est = estimator_for(method, opts).fit(K_train, ds.y_train)
    alignment = -kernel_target_alignment(K_train, ds.y_train)[0] if classification else None
    if not curve:
        curve = [{"epoch": 1, "step": 0, "loss": -alignment if alignment is not None else 0.0}]
    metrics: dict[str, Any] = {
        "task": "kernel",
        "method": method,
        "steps": nsteps,
        "final_loss": curve[-1]["loss"],
    }
    if alignment is not None:
        metrics["alignment"] = alignment
    parts = [("train", K_train, ds.y_train)]
    if len(ds.X_test):
        parts.append(("test", gram(ctx, enc, ds.X_test, ds.X_train, w, opts), ds.y_test))
    for part, K, y in parts:
        pred = est.predict(K)
        if method == "svc":
            metrics[part] = classification_metrics(y, pred)
        elif classification:
            metrics[part] = classification_metrics(y, np.rint(pred).astype(int))
        else:
            metrics[part] = regression_metrics(y, pred)
    extra = {
        "method": method,
        "options": opts,
        "X_train": ds.X_train.tolist(),
        "y_train": ds.y_train.tolist(),
        "classification": classification,
    }
    names = tuple(enc.weight_names())
    return Trained("kernel", w, names, metrics, curve, ctx.seed, steps, extra)


def kernel_predictor(model: Model, trained: Trained, ctx: RunContext):
    """Refit the estimator on the stored training set (deterministic) and predict."""
    enc = model.main.encoding or model.main.circuit
    X_train = np.asarray(trained.extra["X_train"], dtype=float)
    y_train = np.asarray(trained.extra["y_train"])
    est = estimator_for(trained.extra["method"], trained.extra["options"])
    opts = trained.extra["options"]
    est.fit(gram(ctx, enc, X_train, None, trained.params, opts), y_train)

    def predict(X: np.ndarray) -> np.ndarray:
        pred = est.predict(gram(ctx, enc, X, X_train, trained.params, opts))
        if trained.extra["classification"] and trained.extra["method"] != "svc":
            return np.rint(pred).astype(int)
        return pred

    return predict, None
