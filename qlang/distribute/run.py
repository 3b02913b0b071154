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

    def __init__(self, cluster: Cluster | None, model: Model | None = None) -> None:
        self._cluster = cluster
        self.model = model
        self._open: list[Any] = []
        self._stack: contextlib.ExitStack | None = None

    @property
    def cluster(self) -> Cluster:
        """The Ray cluster (a :func:`session`'s is started or joined on first use)."""
        if self._cluster is None:
            assert self.model is not None and self.model.training.distribute is not None
            self._stack = contextlib.ExitStack()
            dist = Distribution.from_call(self.model.training.distribute)
            self._cluster = self._stack.enter_context(open_cluster(dist))
        return self._cluster

    @property
    def started(self) -> bool:
        """Whether any work reached the cluster (a session's opens on first use)."""
        return self._cluster is not None

    def cuts(self, model: Model | None = None) -> bool:
        """Whether the model runs a block cut into pieces (``target { cutting }``): its
        subexperiments are then the Ray tasks, not blocks of its batch."""
        model = model if model is not None else self.model
        if model is None or model.target.cutting is None:
            return False
        from qlang.cutting.plan import cut_blocks, settings_of

        return bool(cut_blocks(model.blocks, settings_of(model.target.cutting)))

    def factory(self, base: Any = None) -> Any:
        """The quantum-function factory whose functions run on this cluster
        (:class:`qlang.distribute.blocks.RayFactory` around ``base``)."""
        from qlang.distribute.blocks import RayFactory

        return RayFactory(self, base)

    def training_factory(self, model: Model, base: Any = None) -> Any:
        """The factory a training run builds its network with: ``base`` (the batch
        gradients go to Ray actors, :meth:`batch`), or for a cut model the Ray factory
        (its subexperiments are the tasks)."""
        return self.factory(base) if self.cuts(model) else base

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
        ``loss(outputs, targets)`` is the run's (else built from the model). ``None`` for
        a cut model: its network's subexperiments run on Ray (:meth:`training_factory`)."""
        from qlang.distribute.gradients import BatchGradients

        if self.cuts(model):
            return None

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
        if self._stack is not None:  # a session (:func:`session`): its cluster too
            stack, self._stack = self._stack, None
            stack.close()


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
        d = Distributor(cluster, model)
        try:
            yield d
        finally:
            d.close()


def session(model: Model | None) -> Distributor | None:
    """A :class:`Distributor` whose cluster is started (or joined) on first use and kept
    until :meth:`Distributor.close` (a predictor's: ``qlang predict``,
    :func:`qlang.train.api.load`); ``None`` without ``distribute``. Ray is checked here
    (``QL0907``), before any work."""
    if model is None or model.training.distribute is None:
        return None
    check_model(model)
    return Distributor(None, model)


def for_evaluation(model: Model, ray: bool | str | None) -> Model:
    """``model`` as ``qlang eval`` / ``qlang predict`` run it: ``ray`` ``None`` keeps the
    file's ``distribute`` (checked: ``QL0313`` names ``--no-ray`` when an override such as
    ``--shots`` conflicts with it), ``True`` / an address distributes it (``--ray``),
    ``False`` computes in this process (``--no-ray``)."""
    from dataclasses import replace

    from qlang.diagnostics import Diagnostic, QLangError

    if ray is False:
        if model.training.distribute is None:
            return model
        return replace(model, training=replace(model.training, distribute=None))
    if ray:
        from qlang.distribute.settings import with_ray

        model = with_ray(model, ray if isinstance(ray, str) else None)
    call = model.training.distribute
    if call is None:
        return model
    found = [msg for _, msg in conflicts(model.training, model.target, model.blocks)]
    if found:
        raise QLangError([
            Diagnostic.error("QL0313", f"{msg} (the model says `distribute = {Distribution.from_call(call).text()}`)",
                             call.span, help="evaluate in this process: `--no-ray` (API: `ray=False`)")
            for msg in found
        ])  # fmt: skip
    check_model(model)
    return model
