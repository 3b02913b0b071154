"""A distributed run: the cluster, the kernel and gradient hooks the tasks call, the record.

:func:`distributed` is what :func:`qlang.train.api.train_run` wraps a run in: ``None``
for a run without ``distribute`` (the serial path, unchanged), else a :class:`Distributor`
on a Ray cluster kept for the run. The tasks ask it for kernel matrices
(:meth:`Distributor.kernel`) and batch objectives (:meth:`Distributor.batch`).

Example::

    >>> from qlang.ir.model import Call, Model
    >>> with distributed(None) as d:
    ...     d is None
    True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from qlang.distribute.cluster import Cluster, import_ray, open_cluster
from qlang.distribute.settings import Distribution, conflicts
from qlang.ir.model import Model


class Distributor:
    """The hooks of a distributed run (see the module docstring)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._open: list[Any] = []

    def kernel(
        self, encoding: Any, X1: np.ndarray, X2: np.ndarray | None, weights: Any,
        kind: str = "fidelity", gamma: float = 1.0,
    ) -> np.ndarray:  # fmt: skip
        from qlang.distribute.kernels import kernel_matrix

        return kernel_matrix(self.cluster, encoding, X1, X2, weights, kind=kind, gamma=gamma)

    def batch(
        self, model: Model, seed: int, X: np.ndarray, Y: np.ndarray, loss: Any = None
    ) -> Any:
        """The batch objective over the training rows (:class:`BatchGradients`);
        ``loss(outputs, targets)`` is the run's (else built from the model)."""
        from qlang.distribute.gradients import BatchGradients

        b = BatchGradients(self.cluster, model, seed, X, Y, loss)
        self._open.append(b)
        return b

    def record(self) -> dict[str, Any]:
        return self.cluster.record()

    def close(self) -> None:
        for b in self._open:
            with contextlib.suppress(Exception):
                b.close()
        self._open = []


def check_model(model: Model) -> None:
    """What ``qlang check`` checks, for a model that did not come from a file (``QL0313``),
    and Ray installed (``QL0907``): before any work."""
    from qlang.catalog.distribute import DISTRIBUTED_TASKS
    from qlang.diagnostics import Diagnostic, QLangError

    call = model.training.distribute
    if call is None:
        return
    errors = [msg for _, msg in conflicts(model.training, model.target, model.blocks)]
    if model.task.name not in DISTRIBUTED_TASKS:
        errors.append(f"`distribute` does not apply to a `{model.task.name}` task")
    if errors:
        raise QLangError([Diagnostic.error("QL0313", e, call.span) for e in errors])
    Distribution.from_call(call)
    import_ray()


@contextlib.contextmanager
def distributed(model: Model | None) -> Iterator[Distributor | None]:
    """The run's :class:`Distributor` (``None`` without ``distribute``)."""
    call = None if model is None else model.training.distribute
    if call is None:
        yield None
        return
    assert model is not None
    check_model(model)
    with open_cluster(Distribution.from_call(call)) as cluster:
        d = Distributor(cluster)
        try:
            yield d
        finally:
            d.close()
