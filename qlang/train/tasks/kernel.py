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

from qlang.ir.model import Model, Target
from qlang.train.errors import fail
from qlang.train.layers import init_decl
from qlang.train.losses import kernel_target_alignment
from qlang.train.metrics import compute, metric_names
from qlang.train.optimizers import make_optimizer
from qlang.train.tasks.common import (
    RunContext,
    TaskRunner,
    Trained,
    check_width,
    fit_options,
    load_data,
    schedule_for,
)
from qlang.train.trainer import Objective, fit


def gram(
    ctx: RunContext,
    enc: Any,
    X1: Any,
    X2: Any,
    w: Any,
    opts: dict[str, Any],
    target: Target | None = None,
) -> np.ndarray:
    """The kernel matrix of the chosen kind: fidelity (default) or projected (``gamma``).
    With noise, shots or another backend on the ``target`` the entries are estimated as a
    device would (compute-uncompute on the noisy engine, :mod:`qlang.sim.noise_kernels`)."""
    if target is not None and (
        target.noise or target.noise.source or target.shots is not None
        or target.backend.name not in ("auto", "statevector")
    ):  # fmt: skip
        from qlang.sim.noise_kernels import NoisyKernel

        k = NoisyKernel(enc, noise=target.noise, shots=target.shots,
                        seed=ctx.seeds.int_seed("kernel"), backend=target.backend)  # fmt: skip
        if opts["kind"] == "projected":
            return k.projected(X1, X2, w, float(opts["gamma"]))
        return k.matrix(X1, X2, w)
    if ctx.distributor is not None:  # train { distribute }: tiles on Ray
        return ctx.distributor.kernel(enc, X1, X2, w, opts["kind"], float(opts["gamma"]))
    if opts["kind"] == "projected":
        from qlang.sim import projected_kernel

        return np.asarray(projected_kernel(enc, X1, X2, weights=w, gamma=float(opts["gamma"])))
    return ctx.kernel_matrix(enc, X1, X2, w)


def estimator_for(method: str, options: dict[str, Any]) -> Any:
    """The scikit-learn estimator on a precomputed kernel."""
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.svm import SVC, SVR

    if method == "svc":
        return SVC(kernel="precomputed", C=float(options["C"]))
    if method == "svr":
        return SVR(kernel="precomputed", C=float(options["C"]), epsilon=float(options["epsilon"]))
    return KernelRidge(kernel="precomputed", alpha=float(options["alpha"]))


def _method(model: Model, classification: bool) -> tuple[str, dict[str, Any]]:
    """The estimator and its options, bound by the catalog's ``kernel`` entry."""
    from qlang import catalog

    _, values = catalog.runtime_bind("task", model.task)
    method = values.pop("method") or ("svc" if classification else "svr")
    if method == "svc" and not classification:
        fail("QL0653", "`svc` needs class labels", model.task.span, help="use `svr` or `krr`")
    return str(method), values


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
        return kernel_target_alignment(gram(ctx, enc, Xs, None, w, opts, model.target), ys)[0]

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
    K_train = gram(ctx, enc, ds.X_train, None, w, opts, model.target)
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
    names = metric_names(
        "kernel", "classification" if classification else "regression", model.training.metrics
    )
    metrics["train"] = _scores(names, est, K_train, ds.y_train, method, classification)
    if len(ds.X_test):  # the only look at the test split
        K_test = gram(ctx, enc, ds.X_test, ds.X_train, w, opts, model.target)
        metrics["test"] = _scores(names, est, K_test, ds.y_test, method, classification)
    extra = {
        "method": method,
        "options": opts,
        "X_train": ds.X_train.tolist(),
        "y_train": ds.y_train.tolist(),
        "classification": classification,
    }
    names = tuple(enc.weight_names())
    return Trained("kernel", w, names, metrics, curve, ctx.seed, steps, extra)


def _scores(names, est, K, y, method: str, classification: bool) -> dict[str, float]:
    pred = est.predict(K)
    if classification and method != "svc":
        pred = np.rint(pred).astype(int)
    return compute(names, y, pred)


def kernel_predictor(model: Model, trained: Trained, ctx: RunContext):
    """Refit the estimator on the stored training set (deterministic) and predict."""
    enc = model.main.encoding or model.main.circuit
    X_train = np.asarray(trained.extra["X_train"], dtype=float)
    y_train = np.asarray(trained.extra["y_train"])
    opts = _method(model, bool(trained.extra["classification"]))[1] | trained.extra["options"]
    est = estimator_for(trained.extra["method"], opts)
    est.fit(gram(ctx, enc, X_train, None, trained.params, opts, model.target), y_train)

    def predict(X: np.ndarray) -> np.ndarray:
        pred = est.predict(gram(ctx, enc, X, X_train, trained.params, opts, model.target))
        if trained.extra["classification"] and trained.extra["method"] != "svc":
            return np.rint(pred).astype(int)
        return pred

    return predict, None


def kernel_params(model: Model, ctx: RunContext) -> int:
    return (model.main.encoding or model.main.circuit).num_weights


def evaluate_kernel(model: Model, trained: Trained, ctx: RunContext) -> dict[str, Any]:
    """The kernel model's metrics on its test split."""
    predict, _ = kernel_predictor(model, trained, ctx)
    ds, _ = load_data(model, ctx)
    classification = bool(trained.extra["classification"])
    names = metric_names(
        "kernel", "classification" if classification else "regression", model.training.metrics
    )
    return compute(names, ds.y_test, predict(ds.X_test))


KERNEL = TaskRunner(train_kernel, kernel_predictor, kernel_params, evaluate_kernel)
