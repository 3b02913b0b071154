"""A chain of differentiable stages with one flat parameter vector.

Example::

    >>> import numpy as np
    >>> from qlang.train.layers import DenseStage, MapStage
    >>> net = Network((DenseStage(2, 3, "tanh"), MapStage("softmax", 3)))
    >>> p = net.init(np.random.default_rng(0))
    >>> net.forward(np.ones((4, 2)), p).shape
    (4, 3)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class Network:
    stages: tuple[Any, ...]

    @property
    def num_params(self) -> int:
        return sum(s.num_params for s in self.stages)

    @property
    def num_inputs(self) -> int:
        return self.stages[0].num_inputs

    @property
    def num_outputs(self) -> int:
        return self.stages[-1].num_outputs

    def offsets(self) -> list[tuple[int, int]]:
        out, start = [], 0
        for s in self.stages:
            out.append((start, start + s.num_params))
            start += s.num_params
        return out

    def init(self, rng: np.random.Generator) -> np.ndarray:
        parts = [s.init(rng) for s in self.stages]
        return np.concatenate(parts) if parts else np.zeros(0)

    def trainable(self) -> np.ndarray:
        parts = [s.trainable() for s in self.stages]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)

    def forward(self, X: np.ndarray, params: np.ndarray) -> np.ndarray:
        Y = np.asarray(X, dtype=float)
        for s, (a, b) in zip(self.stages, self.offsets(), strict=True):
            Y, _ = s.forward(Y, params[a:b])
        return Y

    def value_and_grad(
        self,
        X: np.ndarray,
        params: np.ndarray,
        loss: Callable[[np.ndarray], tuple[float, np.ndarray]],
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """``(loss, d loss / d params, outputs)`` by reverse-mode through the stages."""
        Y = np.asarray(X, dtype=float)
        caches = []
        offs = self.offsets()
        for s, (a, b) in zip(self.stages, offs, strict=True):
            Y, cache = s.forward(Y, params[a:b])
            caches.append(cache)
        value, dY = loss(Y)
        grad, _ = self._backward(caches, params, dY, input_grads=False)
        return value, grad, Y

    def value_and_grads(
        self,
        X: np.ndarray,
        params: np.ndarray,
        loss: Callable[[np.ndarray], tuple[float, np.ndarray]],
    ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """``(loss, d loss / d params, d loss / d X, outputs)``: also the gradient with
        respect to the inputs (adversarial examples, PyTorch and JAX layers)."""
        Y = np.asarray(X, dtype=float)
        caches = []
        for s, (a, b) in zip(self.stages, self.offsets(), strict=True):
            Y, cache = s.forward(Y, params[a:b])
            caches.append(cache)
        value, dY = loss(Y)
        grad, dX = self._backward(caches, params, dY)
        return value, grad, dX, Y

    def vjp(
        self, X: np.ndarray, params: np.ndarray, cotangent: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(outputs, cot . d out / d params, cot . d out / d X)`` for a cotangent of the
        outputs' shape."""
        _, grad, dX, Y = self.value_and_grads(
            X, params, lambda out: (0.0, np.asarray(cotangent, dtype=float).reshape(out.shape))
        )
        return Y, grad, dX

    def _backward(
        self, caches: list[Any], params: np.ndarray, dY: np.ndarray, input_grads: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Without ``input_grads`` the first stage may skip ``d / d X`` (the data): a
        quantum stage on an execution backend then does not shift input-only angles."""
        grad = np.zeros_like(params, dtype=float)
        g = np.asarray(dY, dtype=float)
        first = len(self.stages) - 1
        for i, (s, (a, b), cache) in enumerate(zip(
            reversed(self.stages), reversed(self.offsets()), reversed(caches), strict=True
        )):  # fmt: skip
            if i == first and not input_grads and getattr(s, "skips_input_grads", False):
                gp, g = s.backward(cache, params[a:b], g, input_grads=False)
            else:
                gp, g = s.backward(cache, params[a:b], g)
            grad[a:b] = gp
        return grad, g
