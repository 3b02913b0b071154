"""Differentiable stages of a hybrid model: quantum blocks, dense layers and readout heads.

Each stage has ``num_params``, ``init(rng) -> params``, ``forward(X, p) -> (Y, cache)``
and ``backward(cache, p, dY) -> (dp, dX)``. A quantum stage delegates to
``QuantumFunction.vjp`` (adjoint gradients w.r.t. weights *and* inputs), so a stack
``dense -> quantum -> dense`` backpropagates end to end.

Example::

    >>> import numpy as np
    >>> d = DenseStage(2, 1, "tanh")
    >>> p = np.array([0.5, -0.25, 0.1])            # W (1x2) then b (1)
    >>> y, cache = d.forward(np.array([[1.0, 2.0]]), p)
    >>> dp, dx = d.backward(cache, p, np.ones_like(y))
    >>> dp.shape, dx.shape
    ((3,), (1, 2))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from qlang.ir.circuit import ParamDecl
from qlang.ir.model import QuantumBlock


@dataclass(frozen=True)
class Activation:
    """``forward(Z) -> Y`` and ``grad(Y, dY) -> dZ`` (the gradient from the outputs)."""

    forward: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]


def _sigmoid(Z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-Z))


def _softmax(Z: np.ndarray) -> np.ndarray:
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


LINEAR = Activation(lambda Z: Z, lambda Y, dY: dY)
TANH = Activation(np.tanh, lambda Y, dY: dY * (1.0 - Y**2))
RELU = Activation(lambda Z: np.maximum(Z, 0.0), lambda Y, dY: dY * (Y > 0))
SIGMOID = Activation(_sigmoid, lambda Y, dY: dY * Y * (1.0 - Y))
SOFTMAX = Activation(_softmax, lambda Y, dY: Y * (dY - np.sum(dY * Y, axis=1, keepdims=True)))


@cache
def activation(name: str) -> Activation:
    """The activation ``name`` of the catalog (``QL0660`` if unknown)."""
    from qlang import catalog
    from qlang.ir.model import Call

    return catalog.runtime_bind("activation", Call(name))[0].load()


def _is_activation(kind: str) -> bool:
    from qlang import catalog

    return catalog.lookup("activation", kind) is not None


# --- weight initialisers (``weight w: float[3] = normal(0, 0.1)``) -----------------------
def init_uniform(size: int, rng: np.random.Generator, low: float, high: float) -> np.ndarray:
    return rng.uniform(low, high, size=size)


def init_normal(size: int, rng: np.random.Generator, mean: float, std: float) -> np.ndarray:
    return rng.normal(mean, std, size=size)


def init_zeros(size: int, rng: np.random.Generator) -> np.ndarray:
    return np.zeros(size)


def init_constant(size: int, rng: np.random.Generator, value: float) -> np.ndarray:
    return np.full(size, float(value))


def init_decl(decl: ParamDecl, rng: np.random.Generator) -> np.ndarray:
    """Initial values for one weight declaration; ``decl.init`` is ``(name, arguments in
    the catalog's order)``, default ``uniform(0, 2 pi)``."""
    from qlang import catalog
    from qlang.ir.model import Call

    kind, args = decl.init if decl.init is not None else ("uniform", (0.0, 2 * np.pi))
    entry, values = catalog.runtime_bind("init", Call(kind, tuple(args)), decl.span)
    return entry.load()(decl.size, rng, **values)


@dataclass(frozen=True, eq=False)
class QuantumStage:
    """A quantum block evaluated by a ``QuantumFunction``."""

    block: QuantumBlock
    qf: Any
    frozen: bool = False

    @property
    def num_inputs(self) -> int:
        return self.block.circuit.num_inputs

    @property
    def num_outputs(self) -> int:
        return int(self.qf.num_outputs)

    @property
    def num_params(self) -> int:
        return self.block.circuit.num_weights

    def trainable(self) -> np.ndarray:
        mask = np.ones(self.num_params, dtype=bool)
        for d in self.block.circuit.weights:
            if d.frozen or self.frozen or self.block.frozen:
                mask[d.offset : d.offset + d.size] = False
        return mask

    def init(self, rng: np.random.Generator) -> np.ndarray:
        parts = [init_decl(d, rng) for d in self.block.circuit.weights]
        return np.concatenate(parts) if parts else np.zeros(0)

    def forward(self, X: np.ndarray, p: np.ndarray):
        return np.asarray(self.qf.forward(X, p), dtype=float), X

    @property
    def skips_input_grads(self) -> bool:
        """The function can leave out the input gradient (an execution backend's
        parameter shift then shifts fewer angles)."""
        return getattr(self.qf, "engine", None) == "backend"

    def backward(self, cache, p, dY, input_grads: bool = True):
        if not input_grads:
            _, gw, _ = self.qf.vjp(cache, p, dY, input_grads=False)
            return np.asarray(gw, dtype=float), np.zeros_like(cache, dtype=float)
        _, gw, gx = self.qf.vjp(cache, p, dY)
        return np.asarray(gw, dtype=float), np.asarray(gx, dtype=float)


@dataclass(frozen=True)
class DenseStage:
    """``act(X W^T + b)``; parameters are ``W`` (row-major ``out x in``) then ``b``."""

    inputs: int
    outputs: int
    activation: str = "linear"
    frozen: bool = False

    @property
    def num_inputs(self) -> int:
        return self.inputs

    @property
    def num_outputs(self) -> int:
        return self.outputs

    @property
    def num_params(self) -> int:
        return self.inputs * self.outputs + self.outputs

    def trainable(self) -> np.ndarray:
        return np.full(self.num_params, not self.frozen)

    def init(self, rng: np.random.Generator) -> np.ndarray:
        limit = np.sqrt(6.0 / (self.inputs + self.outputs))
        W = rng.uniform(-limit, limit, size=self.inputs * self.outputs)
        return np.concatenate([W, np.zeros(self.outputs)])

    def _split(self, p):
        k = self.inputs * self.outputs
        return p[:k].reshape(self.outputs, self.inputs), p[k:]

    def forward(self, X, p):
        W, b = self._split(p)
        Z = X @ W.T + b
        Y = activation(self.activation).forward(Z)
        return Y, (X, Y)

    def backward(self, cache, p, dY):
        X, Y = cache
        W, _ = self._split(p)
        dZ = activation(self.activation).grad(Y, dY)
        dW = dZ.T @ X
        return np.concatenate([dW.ravel(), dZ.sum(axis=0)]), dZ @ W


@dataclass(frozen=True)
class MapStage:
    """A parameter-free element-wise or row-wise map: an activation of the catalog
    (softmax, sigmoid, tanh after ``factor``), or one of the classifier heads' internal
    maps (``scale``, ``log``, ``parity_probs``, ``bernoulli``, ``fold``)."""

    kind: str
    width: int
    factor: float = 1.0
    classes: int = 0
    meta: tuple = field(default=())

    num_params = 0

    @property
    def num_inputs(self) -> int:
        return self.width

    @property
    def num_outputs(self) -> int:
        if self.kind in ("parity_probs", "bernoulli"):
            return 2
        if self.kind == "fold":
            return self.classes
        return self.width

    def trainable(self) -> np.ndarray:
        return np.zeros(0, dtype=bool)

    def init(self, rng):
        return np.zeros(0)

    def forward(self, X, p):
        if _is_activation(self.kind):
            Y = activation(self.kind).forward(self.factor * X)
        elif self.kind == "scale":
            Y = self.factor * X
        elif self.kind == "log":
            Y = np.log(np.clip(X, 1e-12, None))
        elif self.kind == "parity_probs":  # <Z..Z> = s -> P(even) = (1+s)/2, P(odd) = (1-s)/2
            s = X[:, :1]
            Y = np.concatenate([(1 + s) / 2, (1 - s) / 2], axis=1)
        elif self.kind == "bernoulli":  # p = P(class 1) -> (1 - p, p)
            Y = np.concatenate([1 - X[:, :1], X[:, :1]], axis=1)
        elif self.kind == "fold":  # probs over 2^k outcomes -> class = outcome mod classes
            idx = np.arange(X.shape[1]) % self.classes
            Y = np.stack([X[:, idx == c].sum(axis=1) for c in range(self.classes)], axis=1)
        else:
            raise ValueError(self.kind)
        return Y, (X, Y)

    def backward(self, cache, p, dY):
        X, Y = cache
        if _is_activation(self.kind):
            return np.zeros(0), self.factor * activation(self.kind).grad(Y, dY)
        if self.kind == "scale":
            return np.zeros(0), self.factor * dY
        if self.kind == "log":
            return np.zeros(0), dY / np.clip(X, 1e-12, None)
        if self.kind == "parity_probs":
            g = np.zeros_like(X)
            g[:, 0] = (dY[:, 0] - dY[:, 1]) / 2
            return np.zeros(0), g
        if self.kind == "bernoulli":
            g = np.zeros_like(X)
            g[:, 0] = dY[:, 1] - dY[:, 0]
            return np.zeros(0), g
        idx = np.arange(X.shape[1]) % self.classes
        return np.zeros(0), dY[:, idx]
