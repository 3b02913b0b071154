"""Quantum functions whose batched engine calls run as Ray tasks, in blocks of rows.

A :class:`RayFactory` stands where a run's quantum-function factory stands
(:func:`qlang.train.build.quantum_function`): every quantum block it is asked for becomes a
:class:`RayFunction`, whose ``forward`` / ``vjp`` / ``jacobian`` split the batch into
blocks of rows, one Ray task per block, each task one batched call of the engine the
serial run uses (built once per worker process from the block and its settings, shipped
once through the object store). Rows are independent, so the outputs are the serial ones
and the weight gradients their sums over the blocks (to 1e-12). A block wider than a
cutting's pieces becomes a :class:`qlang.distribute.cutting.RayCutFunction` instead (its
subexperiments x blocks are the tasks). ``qlang eval`` / ``qlang predict`` of a
distributed model run through this factory (docs/distributed.md).

Example (the row blocks of 7 rows for 2 workers and 3 tasks per block of rows)::

    >>> row_spans(7, 2, None, tasks=1), row_spans(7, 2, None, tasks=3)
    ([(0, 4), (4, 7)], [(0, 7)])
    >>> row_spans(7, 2, 3)
    [(0, 3), (3, 6), (6, 7)]
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from qlang.ir.model import QuantumBlock
from qlang.sim.arity import CircuitArity

#: per worker process: the quantum functions built from shipped specs (``(ref, index)``)
_FUNCTIONS: dict[tuple[str, int], Any] = {}


def row_spans(rows: int, workers: int, block: int | None, tasks: int = 1) -> list[tuple[int, int]]:
    """``[start, stop)`` of each block of rows: ``block`` rows each when set, else as few
    blocks as give every worker a task when ``tasks`` tasks run per block of rows (the
    subexperiments of a cut circuit already fill the workers)."""
    if block is None:
        blocks = max(1, -(-workers // max(1, tasks)))
        block = max(1, -(-rows // blocks))
    return [(a, min(a + block, rows)) for a in range(0, rows, max(1, block))]


def _function(specs: list[Any], k: int) -> Any:
    """The quantum function of spec ``k`` of the shipped list ``[ObjectRef]`` (built once
    per worker process)."""
    import ray

    ref = specs[0]
    key = (ref.hex(), k)
    fn = _FUNCTIONS.get(key)
    if fn is None:
        if len(_FUNCTIONS) > 256:  # one run ships a few lists
            _FUNCTIONS.clear()
        block, opts, factory = ray.get(ref)[k]
        fn = _FUNCTIONS[key] = factory(block, **opts)
    return fn


def run_block(
    specs: list[Any], k: int, method: str, x: np.ndarray, w: np.ndarray,
    cot: np.ndarray | None = None, input_grads: bool = True,
) -> Any:  # fmt: skip
    """One task: ``forward`` (the outputs), ``vjp`` (``(grad_weights, grad_inputs)``) or
    ``jacobian`` (``(outputs, J_w, J_x)``) of spec ``k`` on one block of rows, one
    batched engine call on one thread."""
    from qlang.sim.threads import blas_threads

    os.environ["QLANG_THREADS"] = "1"  # the task reserves one CPU
    fn = _function(specs, k)
    with blas_threads(1):
        if method == "forward":
            return np.asarray(fn.forward(x, w), dtype=float)
        if method == "vjp":
            _, gw, gx = fn.vjp(x, w, cot, input_grads=input_grads)
            return np.asarray(gw, dtype=float), None if gx is None else np.asarray(gx, dtype=float)
        out, jw, jx = fn.jacobian(x, w)
        return np.asarray(out, dtype=float), np.asarray(jw, dtype=float), np.asarray(jx, dtype=float)


class RayFactory:
    """A run's quantum-function factory whose functions run on the ``distributor``'s Ray
    cluster (``base``: the factory the serial run uses, called on the workers)."""

    def __init__(self, distributor: Any, base: Any = None) -> None:
        if base is None:
            from qlang.train.build import default_factory as base
        self.distributor = distributor
        self.base = base

    def __call__(self, block: QuantumBlock, **kw: Any) -> RayFunction:
        return RayFunction(self.distributor, block, kw, self.base)


class RayFunction(CircuitArity):
    """``block``'s quantum function (``base(block, **kw)``) evaluated in blocks of rows on
    Ray (see the module docstring)."""

    def __init__(self, distributor: Any, block: QuantumBlock, kw: dict[str, Any], base: Any):
        self.distributor = distributor
        self.block = block
        self.circuit = block.circuit
        self._spec = [(block, dict(kw), base)]
        self._local: Any = None  # built on demand for ``num_outputs``
        self._ref: list[Any] | None = None
        self.rng = None
        self.last_stderr: np.ndarray | None = None

    @property
    def num_outputs(self) -> int:
        if self._local is None:
            block, kw, base = self._spec[0]
            self._local = base(block, **kw)
        return int(self._local.num_outputs)

    def _run(self, method: str, x: np.ndarray, w: np.ndarray, cot: Any = None,
             input_grads: bool = True) -> tuple[list[tuple[int, int]], list[Any]]:  # fmt: skip
        cluster = self.distributor.cluster
        if self._ref is None:
            self._ref = [cluster.put(self._spec)]
        spans = row_spans(len(x), cluster.workers, cluster.dist.block)
        task = cluster.remote(run_block)
        wr = cluster.ray.put(np.asarray(w, dtype=float))
        refs = [
            task.remote(self._ref, 0, method, x[a:b], wr,
                        None if cot is None else cot[a:b], input_grads)  # fmt: skip
            for a, b in spans
        ]
        from qlang.distribute.gradients import get

        parts = get(cluster.ray, refs)
        cluster.counts.add(f"block_{method}_tasks", len(refs))
        return spans, parts

    def forward(self, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        x = np.asarray(inputs, dtype=float)
        _, parts = self._run("forward", x, weights)
        return np.concatenate(parts, axis=0)

    def vjp(
        self, inputs: np.ndarray, weights: np.ndarray, cotangent: Any, *, input_grads: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(outputs, grad_weights, grad_inputs)`` of ``sum(cotangent * outputs)``: the
        outputs first (one round of tasks), then the blocks' vector-Jacobian products."""
        x = np.asarray(inputs, dtype=float)
        out = self.forward(x, weights)
        cot = cotangent(out) if callable(cotangent) else cotangent
        cot = np.asarray(cot, dtype=float).reshape(out.shape)
        _, parts = self._run("vjp", x, weights, cot, input_grads)
        gw = np.zeros(len(np.atleast_1d(weights)))
        for g, _ in parts:
            gw = gw + g
        gx = None
        if input_grads and all(p[1] is not None for p in parts):
            gx = np.concatenate([p[1] for p in parts], axis=0)
        return out, gw, gx

    def jacobian(
        self, inputs: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        _, parts = self._run("jacobian", np.asarray(inputs, dtype=float), weights)
        return tuple(np.concatenate([p[k] for p in parts], axis=0) for k in range(3))  # type: ignore[return-value]
