"""Optimizers configured from ``optimizer = name(key = value, ...)`` settings.

Three families share one entry point, :func:`make_optimizer` (the names, options and
their ranges are in :mod:`qlang.catalog.optimizers`):

* gradient steppers (``sgd``, ``momentum``, ``rmsprop``, ``adam``, ``adagrad``, ``aqgd``):
  ``state = opt.init(params)``, then ``params, state = opt.step(params, grad, state)``;
  state is a fresh dict each step (inputs are never mutated);
* ``spsa``: ``params, state, loss = opt.step(params, fun, state, rng)`` with two loss
  evaluations per step (Spall's gain sequences, optional calibration);
* scipy minimisers (``cobyla``, ``nelder_mead``, ``lbfgsb``): ``opt.minimize(fun, x0,
  jac, callback)`` runs to ``maxiter``.

Example (Adam on a quadratic)::

    >>> import numpy as np
    >>> from qlang.ir.model import Call
    >>> opt = make_optimizer(Call("adam", (), (("lr", 0.1),)))
    >>> x, st = np.array([3.0, -2.0]), opt.init(np.zeros(2))
    >>> for _ in range(300):
    ...     x, st = opt.step(x, 2 * x, st)
    >>> bool(np.all(np.abs(x) < 1e-2))
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

from qlang.ir.model import Call

State = dict[str, Any]


@dataclass(frozen=True)
class Sgd:
    family: ClassVar[str] = "gradient"
    lr: float = 0.01
    maxiter: int | None = None

    def init(self, params: np.ndarray) -> State:
        return {"t": 0}

    def step(self, params: np.ndarray, grad: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        return params - self.lr * grad, {"t": state["t"] + 1}


@dataclass(frozen=True)
class Momentum:
    family: ClassVar[str] = "gradient"
    lr: float = 0.01
    momentum: float = 0.9
    nesterov: bool = False
    maxiter: int | None = None

    def init(self, params: np.ndarray) -> State:
        return {"t": 0, "v": np.zeros_like(params)}

    def step(self, params, grad, state):
        v = self.momentum * state["v"] + grad
        d = grad + self.momentum * v if self.nesterov else v
        return params - self.lr * d, {"t": state["t"] + 1, "v": v}


@dataclass(frozen=True)
class RmsProp:
    family: ClassVar[str] = "gradient"
    lr: float = 0.01
    decay: float = 0.9
    eps: float = 1e-8
    maxiter: int | None = None

    def init(self, params):
        return {"t": 0, "s": np.zeros_like(params)}

    def step(self, params, grad, state):
        s = self.decay * state["s"] + (1 - self.decay) * grad**2
        return params - self.lr * grad / (np.sqrt(s) + self.eps), {"t": state["t"] + 1, "s": s}


@dataclass(frozen=True)
class Adam:
    family: ClassVar[str] = "gradient"
    lr: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    maxiter: int | None = None

    def init(self, params):
        return {"t": 0, "m": np.zeros_like(params), "v": np.zeros_like(params)}

    def step(self, params, grad, state):
        t = state["t"] + 1
        m = self.beta1 * state["m"] + (1 - self.beta1) * grad
        v = self.beta2 * state["v"] + (1 - self.beta2) * grad**2
        mhat = m / (1 - self.beta1**t)
        vhat = v / (1 - self.beta2**t)
        return params - self.lr * mhat / (np.sqrt(vhat) + self.eps), {"t": t, "m": m, "v": v}


@dataclass(frozen=True)
class AdaGrad:
    """AdaGrad (Duchi et al. 2011): ``s += g^2``, ``theta -= lr g / (sqrt(s) + eps)``."""

    family: ClassVar[str] = "gradient"
    lr: float = 0.01
    eps: float = 1e-8
    maxiter: int | None = None

    def init(self, params):
        return {"t": 0, "s": np.zeros_like(params)}

    def step(self, params, grad, state):
        s = state["s"] + grad**2
        return params - self.lr * grad / (np.sqrt(s) + self.eps), {"t": state["t"] + 1, "s": s}


@dataclass(frozen=True)
class Aqgd:
    """Analytic quantum gradient descent: exact gradients with a momentum blend
    ``m = mu m + (1 - mu) eta g``, ``theta -= m``; stops when the loss changes by
    less than ``tol`` (checked by the training loop)."""

    family: ClassVar[str] = "gradient"
    eta: float = 1.0
    momentum: float = 0.25
    tol: float = 1e-6
    maxiter: int | None = None

    def init(self, params):
        return {"t": 0, "m": np.zeros_like(params)}

    def step(self, params, grad, state):
        m = self.momentum * state["m"] + (1 - self.momentum) * self.eta * grad
        return params - m, {"t": state["t"] + 1, "m": m}


@dataclass(frozen=True)
class Spsa:
    """Simultaneous perturbation stochastic approximation (Spall 1998).

    Gains ``a_k = a / (A + k + 1)^alpha``, ``c_k = c / (k + 1)^gamma``. With
    ``lr = None`` the step size ``a`` is calibrated so the first steps move each
    parameter by about ``target`` (averaging ``calibration`` gradient estimates).
    """

    family: ClassVar[str] = "spsa"
    maxiter: int | None = 100
    lr: float | None = None
    perturbation: float = 0.2
    alpha: float = 0.602
    gamma: float = 0.101
    stability: float = 0.0
    target: float = 2 * np.pi / 10
    calibration: int = 10

    def init(self, params):
        return {"t": 0, "a": self.lr}

    def gradient(self, params, fun, k: int, rng: np.random.Generator):
        ck = self.perturbation / (k + 1) ** self.gamma
        delta = rng.choice([-1.0, 1.0], size=params.shape)
        fp, fm = fun(params + ck * delta), fun(params - ck * delta)
        return (fp - fm) / (2 * ck) * delta, 0.5 * (fp + fm)

    def step(self, params, fun: Callable[[np.ndarray], float], state, rng):
        k = state["t"]
        a = state["a"]
        if a is None:
            mags = [
                np.mean(np.abs(self.gradient(params, fun, 0, rng)[0]))
                for _ in range(self.calibration)
            ]
            mag = max(float(np.mean(mags)), 1e-12)
            a = self.target * (self.stability + 1) ** self.alpha / mag
        g, loss = self.gradient(params, fun, k, rng)
        ak = a / (self.stability + k + 1) ** self.alpha
        return params - ak * g, {"t": k + 1, "a": a}, loss


@dataclass(frozen=True)
class ScipyMinimizer:
    """``scipy.optimize.minimize`` with ``method``; the subclass's fields other than
    ``maxiter`` are passed as scipy options."""

    family: ClassVar[str] = "scipy"
    method: ClassVar[str] = ""
    maxiter: int | None = 200

    @property
    def uses_gradient(self) -> bool:
        return self.method == "L-BFGS-B"

    def options(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "maxiter"}

    def minimize(self, fun, x0, value_and_grad=None, callback=None):
        """Run scipy; gradient methods get ``value_and_grad`` (one call per evaluation)."""
        from scipy.optimize import minimize

        opts = self.options()
        opts["maxiter"] = int(self.maxiter or 200)
        if self.method == "COBYLA" and opts["maxiter"] < len(x0) + 2:
            from qlang.train.errors import fail

            fail(
                "QL0651",
                f"`cobyla` needs maxiter >= parameters + 2 = {len(x0) + 2} (it evaluates a "
                f"simplex first), got {opts['maxiter']}",
                help=f"use `cobyla(maxiter = {len(x0) + 2})` or more",
            )
        if self.uses_gradient and value_and_grad is not None:
            return minimize(
                value_and_grad, x0, jac=True, method=self.method, options=opts, callback=callback
            )
        return minimize(fun, x0, method=self.method, options=opts, callback=callback)


@dataclass(frozen=True)
class Cobyla(ScipyMinimizer):
    method: ClassVar[str] = "COBYLA"
    rhobeg: float = 1.0
    tol: float = 1e-4


@dataclass(frozen=True)
class NelderMead(ScipyMinimizer):
    method: ClassVar[str] = "Nelder-Mead"
    xatol: float = 1e-4
    fatol: float = 1e-4
    adaptive: bool = False


@dataclass(frozen=True)
class Lbfgsb(ScipyMinimizer):
    method: ClassVar[str] = "L-BFGS-B"
    ftol: float = 2.220446049250313e-09
    gtol: float = 1e-5
    maxcor: int = 10


def make_optimizer(call: Call | None, default: str = "adam"):
    """The optimizer a setting names, its hyper-parameters bound by the catalog
    (``QL0650`` for an unknown name, ``QL0651`` for a bad option)."""
    from qlang import catalog

    entry, values = catalog.runtime_bind("optimizer", call or Call(default))
    return entry.load()(**values)
