"""Adversarial examples from input gradients: FGSM and PGD attacks, adversarial training
and robust accuracy.

The gradient of the loss with respect to a network's inputs comes from the same
reverse pass as the weight gradient (``Network.value_and_grads``: the quantum blocks'
adjoint vector-Jacobian products with respect to their inputs). An attack moves every
input within the L-infinity ball of radius ``eps`` (in the preprocessed feature units
the model sees) in the direction that increases the loss:

* ``fgsm(eps)`` (Goodfellow et al. 2015): ``x_adv = x + eps * sign(dL/dx)``;
* ``pgd(eps, steps, alpha)`` (Madry et al. 2018): ``steps`` signed steps of size
  ``alpha`` (default ``2.5 eps / steps``), each projected back into the ball,
  optionally from a random start.

``train { adversarial = fgsm(eps = 0.1, weight = 0.5) }`` trains on
``(1 - weight) L(x) + weight L(x_adv)`` with a fresh attack on every batch (Lu et al.
2020 train quantum classifiers this way); the metric ``adversarial_accuracy(eps)`` is
the accuracy on attacked inputs (PGD by default), on the validation part every epoch
and on the test split once at the end.

Example (a linear "network" whose input gradient is known)::

    >>> import numpy as np
    >>> from qlang.train.layers import DenseStage
    >>> from qlang.train.network import Network
    >>> net = Network((DenseStage(2, 1),))
    >>> p = np.array([1.0, -2.0, 0.0])               # y = x0 - 2 x1
    >>> loss = lambda out, y: (float(out.sum()), np.ones_like(out))
    >>> Attack("fgsm", 0.5).perturb(net, p, np.zeros((1, 2)), None, loss).tolist()
    [[0.5, -0.5]]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from qlang.train.network import Network

LossFn = Callable[[np.ndarray, Any], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class Attack:
    """An L-infinity attack: ``fgsm`` (one step of size eps) or ``pgd``."""

    kind: str
    eps: float
    steps: int = 1
    alpha: float | None = None
    random_start: bool = False

    def perturb(
        self,
        net: Network,
        params: np.ndarray,
        X: np.ndarray,
        Y: Any,
        loss: LossFn,
        rng: np.random.Generator | None = None,
    ) -> np.ndarray:
        """``X`` moved within the eps-ball to increase ``loss(net(X), Y)``."""

        def grad_x(Z: np.ndarray) -> np.ndarray:
            g = net.value_and_grads(Z, params, lambda out: loss(out, Y))[2]
            return np.nan_to_num(g, nan=0.0)  # an undefined derivative moves nothing

        X = np.asarray(X, dtype=float)
        if self.kind == "fgsm":
            return X + self.eps * np.sign(grad_x(X))
        alpha = self.alpha if self.alpha is not None else 2.5 * self.eps / self.steps
        Z = X.copy()
        if self.random_start:
            gen = rng if rng is not None else np.random.default_rng(0)
            Z = Z + gen.uniform(-self.eps, self.eps, size=X.shape)
        for _ in range(self.steps):
            Z = np.clip(Z + alpha * np.sign(grad_x(Z)), X - self.eps, X + self.eps)
        return Z


@dataclass(frozen=True)
class AdversarialTraining:
    """``(1 - weight) L(x) + weight L(attack(x))`` and its gradient, on every batch."""

    attack: Attack
    weight: float

    def value_and_grad(
        self,
        net: Network,
        params: np.ndarray,
        X: np.ndarray,
        Y: Any,
        loss: LossFn,
        rng: np.random.Generator | None = None,
    ) -> tuple[float, np.ndarray]:
        X_adv = self.attack.perturb(net, params, X, Y, loss, rng)
        adv, g_adv, _ = net.value_and_grad(X_adv, params, lambda out: loss(out, Y))
        if self.weight >= 1.0:
            return float(adv), g_adv
        clean, g_clean, _ = net.value_and_grad(X, params, lambda out: loss(out, Y))
        w = self.weight
        return (1 - w) * float(clean) + w * float(adv), (1 - w) * g_clean + w * g_adv

    def value(
        self,
        net: Network,
        params: np.ndarray,
        X: np.ndarray,
        Y: Any,
        loss: LossFn,
        rng: np.random.Generator | None = None,
    ) -> float:
        """The same objective without the weight gradient (gradient-free optimizers)."""
        X_adv = self.attack.perturb(net, params, X, Y, loss, rng)
        adv = loss(net.forward(X_adv, params), Y)[0]
        if self.weight >= 1.0:
            return float(adv)
        clean = loss(net.forward(X, params), Y)[0]
        return (1 - self.weight) * float(clean) + self.weight * float(adv)


# --- the catalog's attack entries (``train { adversarial = ... }``) ---------------------
def fgsm(eps: float, weight: float) -> AdversarialTraining:
    return AdversarialTraining(Attack("fgsm", float(eps)), float(weight))


def pgd(
    eps: float, steps: int, alpha: float | None, weight: float, random_start: bool
) -> AdversarialTraining:
    a = None if alpha is None else float(alpha)
    return AdversarialTraining(
        Attack("pgd", float(eps), int(steps), a, bool(random_start)), float(weight)
    )


# --- the metric -----------------------------------------------------------------------
@dataclass(frozen=True)
class AttackTarget:
    """What the robust-accuracy metric attacks: the trained network (with its classifier
    head), its loss against the encoded labels, and how it predicts classes."""

    net: Network
    loss: LossFn
    encode: Callable[[np.ndarray], Any]
    predict: Callable[[np.ndarray, np.ndarray], np.ndarray]


def adversarial_accuracy(
    target: AttackTarget,
    params: np.ndarray,
    X: np.ndarray,
    labels: np.ndarray,
    eps: float,
    attack: str,
    steps: int,
) -> float:
    """Accuracy on ``X`` attacked within the eps-ball against the true ``labels``."""
    atk = Attack(attack, float(eps), int(steps) if attack == "pgd" else 1)
    X_adv = atk.perturb(target.net, params, X, target.encode(labels), target.loss)
    pred = target.predict(X_adv, params)
    return float(np.mean(pred == np.asarray(labels).astype(int)))
