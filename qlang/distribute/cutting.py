"""A cut circuit's subexperiments on Ray: ``distribute = ray(...)`` with ``cutting = auto(...)``.

:class:`RayCutFunction` is :class:`qlang.cutting.function.CutFunction` with its
subexperiments run as Ray tasks: one task per subexperiment (piece x term x measurement
group) and block of rows, each one batched engine call (the engine the serial cut path
builds, built once per worker process from the subexperiment's circuit, shipped once).
``forward`` submits every subexperiment's blocks at once and reconstructs on the driver;
``vjp`` submits every piece's adjoint vector-Jacobian product (the cotangents the
reconstruction gives each subexperiment) at once and sums them. The reconstruction is the
serial code, the values per row are the serial ones, and a weight gradient is the serial
sum split over blocks: the serial cut path's values and gradients to 1e-12
(tests/unit/test_distribute_cutting.py). Without ``block`` the rows split only as far as
the workers need (the subexperiments already give them tasks to share).

Example (how many row blocks 16 subexperiments on 2 workers use, and 1 subexperiment)::

    >>> from qlang.distribute.blocks import row_spans
    >>> len(row_spans(40, 2, None, tasks=16)), len(row_spans(40, 2, None, tasks=1))
    (1, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qlang.cutting.function import CutFunction
from qlang.distribute.blocks import row_spans, run_block


class RayCutFunction(CutFunction):
    """A :class:`CutFunction` whose subexperiments run on the ``distributor``'s cluster."""

    def __init__(self, *args: Any, distributor: Any, **kw: Any) -> None:
        self.distributor = distributor
        super().__init__(*args, **kw)

    def _functions(self, factory: Any) -> dict[Any, list[Any]]:
        """Nothing is built here: the specs (and ``factory``) are shipped to the workers."""
        self._factory = factory
        self._index = [(label, k) for label, specs in self.specs.items() for k in range(len(specs))]
        self._ref: list[Any] | None = None
        return {}

    def _shipped(self) -> list[Any]:
        if self._ref is None:
            flat = [(*self.specs[label][k], self._factory) for label, k in self._index]
            self._ref = [self.distributor.cluster.put(flat)]
        return self._ref

    def _submit(self, method: str, items: list[tuple[int, np.ndarray | None]], x: np.ndarray,
                w: np.ndarray, input_grads: bool = True) -> tuple[list[tuple[int, int]], list[Any]]:  # fmt: skip
        """``[[part of block 0, ...] per item]`` of ``(flat spec index, cotangent)`` items."""
        from qlang.distribute.gradients import get

        cluster = self.distributor.cluster
        ray = cluster.ray
        specs = self._shipped()
        spans = row_spans(len(x), cluster.workers, cluster.dist.block, tasks=max(1, len(items)))
        xs = [ray.put(np.ascontiguousarray(x[a:b])) for a, b in spans]
        wr = ray.put(np.asarray(w, dtype=float))
        task = cluster.remote(run_block)
        refs = [
            task.remote(specs, k, method, xs[s], wr,
                        None if cot is None else np.ascontiguousarray(cot[a:b]), input_grads)  # fmt: skip
            for k, cot in items
            for s, (a, b) in enumerate(spans)
        ]
        flat = get(ray, refs)
        cluster.counts.add(f"cut_{method}_tasks", len(refs))
        n = len(spans)
        return spans, [flat[i * n : (i + 1) * n] for i in range(len(items))]

    def _values(self, x: np.ndarray, w: np.ndarray) -> dict[Any, list[np.ndarray]]:
        _, parts = self._submit("forward", [(k, None) for k in range(len(self._index))], x, w)
        out: dict[Any, list[np.ndarray]] = {label: [] for label in self.specs}
        for (label, _), blocks in zip(self._index, parts, strict=True):
            out[label].append(np.concatenate(blocks, axis=0))
        return out

    def _vjps(
        self, x: np.ndarray, w: np.ndarray, jobs: list[tuple[Any, int, np.ndarray]],
        input_grads: bool,
    ) -> list[tuple[np.ndarray, np.ndarray | None]]:  # fmt: skip
        where = {key: k for k, key in enumerate(self._index)}
        items: list[tuple[int, np.ndarray | None]] = [(where[(label, k)], cot) for label, k, cot in jobs]
        if not items:
            return []
        _, parts = self._submit("vjp", items, x, w, input_grads)
        out = []
        for blocks in parts:
            gw = blocks[0][0]
            for g, _ in blocks[1:]:
                gw = gw + g
            gx = None
            if input_grads and all(b[1] is not None for b in blocks):
                gx = np.concatenate([b[1] for b in blocks], axis=0)
            out.append((gw, gx))
        return out
