"""Optimizers with their hyper-parameters, and the gradient methods: pure data.

Example::

    >>> e = {x.name: x for x in OPTIMIZERS}["spsa"]
    >>> e.signature().split(", ")[:2]
    ['spsa(maxiter = 100', 'lr = none']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qlang.catalog.schema import BOOL, FLOAT, INT, Entry, Param, Range
from qlang.limits import MAX_EPOCHS

POSITIVE = Range(0, None, low_open=True)


@dataclass(frozen=True)
class OptimizerInfo:
    """``family``: ``gradient`` (steps on gradients, mini-batches), ``spsa`` (two loss
    evaluations per step, mini-batches) or ``scipy`` (full batch, no early stopping);
    ``gradients``: whether it reads gradients of the quantum blocks."""

    family: str
    gradients: bool


UNIT = Range(0, 1, high_open=True)


def _maxiter(default: int | None) -> Param:
    doc = "optimizer steps (the schedule's length unless `train { epochs }` is set)"
    return Param("maxiter", INT, default, doc, Range(1, MAX_EPOCHS), example=7, positional=False)


def _lr(default: float | None = 0.01, doc: str = "step size") -> Param:
    return Param("lr", FLOAT, default, doc, POSITIVE, example=0.2, positional=False)


def _eps() -> Param:
    return Param(
        "eps", FLOAT, 1e-8, "added to the denominator", POSITIVE, example=0.5, positional=False
    )


def _calibration_only(v: Mapping[str, Any], given: frozenset[str]) -> str | None:
    if v["lr"] is not None:
        for key in ("target", "calibration"):
            if key in given:
                return f"`{key}` calibrates the step size and only applies without `lr`"
    return None


def _kw(*params: Param) -> tuple[Param, ...]:
    return params


OPTIMIZERS: tuple[Entry, ...] = (
    Entry(
        "optimizer",
        "adam",
        "Adam (Kingma and Ba 2015)",
        _kw(
            _lr(),
            Param("beta1", FLOAT, 0.9, "first-moment decay", UNIT, example=0.5, positional=False),
            Param("beta2", FLOAT, 0.999, "second-moment decay", UNIT, example=0.9, positional=False),
            _eps(),
            _maxiter(None),
        ),
        impl="qlang.train.optimizers:Adam",
        info=OptimizerInfo("gradient", True),
    ),
    Entry("optimizer", "sgd", "plain gradient descent", _kw(_lr(), _maxiter(None)), impl="qlang.train.optimizers:Sgd",
        info=OptimizerInfo("gradient", True)),
    Entry(
        "optimizer",
        "momentum",
        "gradient descent with (Nesterov) momentum",
        _kw(
            _lr(),
            Param("momentum", FLOAT, 0.9, "velocity decay", UNIT, example=0.5, positional=False),
            Param("nesterov", BOOL, False, "Nesterov's look-ahead", example=True, positional=False),
            _maxiter(None),
        ),
        impl="qlang.train.optimizers:Momentum",
        info=OptimizerInfo("gradient", True),
    ),
    Entry(
        "optimizer",
        "rmsprop",
        "RMSProp: steps scaled by a running RMS of the gradients",
        _kw(
            _lr(),
            Param("decay", FLOAT, 0.9, "running-average decay", UNIT, example=0.5, positional=False),
            _eps(),
            _maxiter(None),
        ),
        impl="qlang.train.optimizers:RmsProp",
        info=OptimizerInfo("gradient", True),
    ),
    Entry(
        "optimizer",
        "adagrad",
        "AdaGrad: steps scaled by the root of the summed squared gradients",
        _kw(_lr(), _eps(), _maxiter(None)),
        impl="qlang.train.optimizers:AdaGrad",
        info=OptimizerInfo("gradient", True),
    ),
    Entry(
        "optimizer",
        "aqgd",
        "analytic quantum gradient descent: exact gradients with a momentum blend, stops "
        "when the loss changes by less than tol",
        _kw(
            Param("eta", FLOAT, 1.0, "step size", POSITIVE, example=0.5, positional=False),
            Param("momentum", FLOAT, 0.25, "blend of the previous step", UNIT, example=0.5, positional=False),
            Param("tol", FLOAT, 1e-6, "convergence tolerance on the loss", Range(0, None), example=1.0, positional=False),
            _maxiter(None),
        ),
        impl="qlang.train.optimizers:Aqgd",
        info=OptimizerInfo("gradient", True),
    ),
    Entry(
        "optimizer",
        "spsa",
        "simultaneous perturbation stochastic approximation (Spall 1998); the step size is "
        "calibrated when `lr` is not given",
        _kw(
            _maxiter(100),
            _lr(None, "step size a (calibrated when not given)"),
            Param("perturbation", FLOAT, 0.2, "perturbation size c", POSITIVE, example=0.05, positional=False),
            Param("alpha", FLOAT, 0.602, "step-size decay exponent", POSITIVE, example=1.0, positional=False),
            Param("gamma", FLOAT, 0.101, "perturbation decay exponent", POSITIVE, example=0.3, positional=False),
            Param("stability", FLOAT, 0.0, "stability constant A", Range(0, None), example=10.0, positional=False),
            Param("target", FLOAT, 2 * math.pi / 10, "first-step size the calibration aims at", POSITIVE, example=0.1, positional=False),
            Param("calibration", INT, 10, "gradient estimates averaged by the calibration", Range(1, 10_000), example=2, positional=False),
        ),
        impl="qlang.train.optimizers:Spsa",
        info=OptimizerInfo("spsa", False),
        rules=(_calibration_only,),
    ),
    Entry(
        "optimizer",
        "cobyla",
        "scipy COBYLA (gradient-free), full batch",
        _kw(
            _maxiter(200),
            Param("rhobeg", FLOAT, 1.0, "initial step", POSITIVE, example=0.3, positional=False),
            Param("tol", FLOAT, 1e-4, "final trust-region radius", POSITIVE, example=0.1, positional=False),
        ),
        impl="qlang.train.optimizers:Cobyla",
        info=OptimizerInfo("scipy", False),
    ),
    Entry(
        "optimizer",
        "nelder_mead",
        "scipy Nelder-Mead simplex (gradient-free), full batch",
        _kw(
            _maxiter(200),
            Param("xatol", FLOAT, 1e-4, "parameter tolerance", POSITIVE, example=0.5, positional=False),
            Param("fatol", FLOAT, 1e-4, "loss tolerance", POSITIVE, example=0.5, positional=False),
            Param("adaptive", BOOL, False, "dimension-adapted parameters", example=True, positional=False),
        ),
        impl="qlang.train.optimizers:NelderMead",
        info=OptimizerInfo("scipy", False),
    ),
    Entry(
        "optimizer",
        "lbfgsb",
        "scipy L-BFGS-B with exact gradients, full batch",
        _kw(
            _maxiter(200),
            Param("ftol", FLOAT, 2.220446049250313e-09, "relative loss tolerance", POSITIVE, example=0.1, positional=False),
            Param("gtol", FLOAT, 1e-5, "gradient tolerance", POSITIVE, example=0.1, positional=False),
            Param("maxcor", INT, 10, "stored corrections", Range(1, 1000), example=2, positional=False),
        ),
        impl="qlang.train.optimizers:Lbfgsb",
        info=OptimizerInfo("scipy", True),
    ),
)  # fmt: skip

GRADIENTS: tuple[Entry, ...] = (
    Entry(
        "gradient",
        "auto",
        "adjoint for exact simulation, backprop for exact noisy (density-matrix) runs, "
        "parameter shift with shots or trajectories",
        impl="qlang.train.build:gradient_method",
    ),
    Entry(
        "gradient",
        "adjoint",
        "adjoint differentiation of the exact statevector (weights and inputs)",
        impl="qlang.sim.gradients:adjoint_vjp",
    ),
    Entry(
        "gradient",
        "backprop",
        "reverse mode through the density matrices (exact, with noise; no shots)",
        impl="qlang.sim.density:DensityProgram.adjoint",
    ),
    Entry(
        "gradient",
        "parameter_shift",
        "parameter-shift rules (exact, works with shots)",
        impl="qlang.sim.gradients:shift_vjp",
    ),
    Entry(
        "gradient",
        "finite_diff",
        "central finite differences",
        impl="qlang.sim.gradients:fd_jacobian",
    ),
    Entry(
        "gradient",
        "spsa",
        "simultaneous-perturbation estimates of the Jacobian",
        impl="qlang.sim.gradients:spsa_jacobian",
    ),
)

ENTRIES: tuple[Entry, ...] = OPTIMIZERS + GRADIENTS
