"""Batch loss and gradient in blocks on Ray: forward + adjoint per block, summed by weight.

Each Ray worker is an actor holding the run's network, built once from the model as the
serial run builds it, and the training rows (shipped once through the object store).
The loss alone (gradient-free optimizers) comes from the blocks' outputs, computed on the
batch by the driver: exactly the serial value.
A step ships the parameters once (``ray.put``) and splits the batch into blocks of
:meth:`Distribution.block_rows` rows; each block is one batched forward + backward pass
(the adjoint sweep of the quantum blocks) on a worker. Every loss of a supervised task is
a mean over its rows (:mod:`qlang.train.losses`), so the batch loss and gradient are the
blocks' values weighted by ``rows_in_block / rows_in_batch``: the serial values to 1e-12.

Example (the weights of three blocks of a batch of 5 rows)::

    >>> [len(b) for b in split_rows(np.arange(5), 2)]
    [2, 2, 1]
    >>> combine([(1.0, np.array([1.0]), 2), (4.0, np.array([0.0]), 1)])
    (2.0, array([0.66666667]))
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from qlang.distribute.cluster import Cluster
from qlang.ir.model import Model


def split_rows(rows: np.ndarray, block: int) -> list[np.ndarray]:
    """``rows`` in consecutive blocks of ``block`` (the last may be shorter)."""
    return [rows[a : a + block] for a in range(0, len(rows), block)]


def combine(parts: list[tuple[float, np.ndarray | None, int]]) -> tuple[float, Any]:
    """``(value, gradient)`` of the whole batch from ``(mean value, mean gradient, rows)``
    of each block, in block order."""
    total = sum(n for _, _, n in parts)
    value = 0.0
    grad: Any = None
    for v, g, n in parts:
        value += v * (n / total)
        if g is not None:
            grad = g * (n / total) if grad is None else grad + g * (n / total)
    return value, grad


def build_objective(model: Model, seed: int) -> tuple[Any, Any]:
    """``(network, loss(outputs, targets))`` of a supervised task, built as
    :func:`qlang.train.tasks.supervised.train_supervised` builds them (the classifier
    head included), for the statevector engine."""
    from qlang.train.build import build_network
    from qlang.train.seeding import Seeds
    from qlang.train.tasks.common import loss_for
    from qlang.train.tasks.supervised import classifier_head, num_classes_of

    net = build_network(model, model.training, Seeds(seed))
    loss_name, loss_fn, opts = loss_for(model.loss, model.task.name)
    if model.task.name == "classify":
        net = classifier_head(net, num_classes_of(model, None), loss_name, model).net

    def loss(out: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
        return loss_fn(out, Y, **opts)

    return net, loss


class GradientWorker:
    """A Ray actor (one CPU): the network and the training rows of one run."""

    def __init__(self, model: Model, seed: int, X: np.ndarray, Y: np.ndarray) -> None:
        os.environ["QLANG_THREADS"] = "1"  # the actor reserves one CPU
        self.net, self.loss = build_objective(model, seed)
        self.X, self.Y = X, Y

    def value_and_grad(self, params: np.ndarray, rows: np.ndarray) -> tuple[float, Any, int]:
        Y = self.Y[rows]
        value, grad, _ = self.net.value_and_grad(self.X[rows], params, lambda o: self.loss(o, Y))
        return float(value), grad, len(rows)

    def forward(self, params: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self.net.forward(self.X[rows], params)


class BatchGradients:
    """The driver side: ``value_and_grad(params, idx)`` and ``value(params, idx)`` over
    the training rows ``X``, ``Y`` (``idx`` ``None``: all of them), as the serial
    objective computes them."""

    def __init__(
        self, cluster: Cluster, model: Model, seed: int, X: np.ndarray, Y: np.ndarray,
        loss: Any = None,
    ) -> None:  # fmt: skip
        ray = cluster.ray
        self.cluster = cluster
        self.rows = len(X)
        self.Y = Y
        self.loss = loss if loss is not None else build_objective(model, seed)[1]
        actor = ray.remote(num_cpus=1, max_restarts=0)(GradientWorker)
        data = ray.put(np.ascontiguousarray(X)), ray.put(np.ascontiguousarray(Y))
        self.actors = [actor.remote(model, seed, *data) for _ in range(cluster.workers)]

    def _run(self, method: str, params: np.ndarray, idx: np.ndarray | None) -> Any:
        ray = self.cluster.ray
        rows = np.arange(self.rows) if idx is None else np.asarray(idx)
        block = self.cluster.dist.block_rows(len(rows), len(self.actors))
        shipped = ray.put(np.asarray(params, dtype=float))  # once per step
        blocks = split_rows(rows, block)
        refs = [
            getattr(self.actors[k % len(self.actors)], method).remote(shipped, b)
            for k, b in enumerate(blocks)
        ]
        parts = get(ray, refs)
        self.cluster.counts.add("gradient_blocks" if method == "value_and_grad" else "value_blocks",
                                len(blocks))  # fmt: skip
        return parts

    def value_and_grad(self, params: np.ndarray, idx: np.ndarray | None) -> tuple[float, np.ndarray]:
        return combine(self._run("value_and_grad", params, idx))

    def value(self, params: np.ndarray, idx: np.ndarray | None) -> float:
        """The loss alone: the blocks' outputs, in row order, then the loss of the batch
        here, so the value is exactly the serial one (gradient-free optimizers compare
        values; a last-bit difference could turn a tie)."""
        out = np.concatenate(self._run("forward", params, idx), axis=0)
        rows = slice(None) if idx is None else np.asarray(idx)
        return float(self.loss(out, self.Y[rows])[0])

    def close(self) -> None:
        for a in self.actors:
            self.cluster.ray.kill(a)
        self.actors = []


def get(ray: Any, refs: list[Any]) -> list[Any]:
    """``ray.get(refs)``; a coded error raised in a worker is raised here as itself."""
    from qlang.diagnostics import QLangError

    try:
        return list(ray.get(refs))
    except Exception as err:  # noqa: BLE001 - Ray wraps what the worker raised
        cause = getattr(err, "cause", None)
        if isinstance(cause, QLangError):
            raise cause from None
        raise
