"""Task dispatch through the catalog: ``classify``, ``regress``, ``minimize``,
``generate``, ``kernel``.

Each task entry of :mod:`qlang.catalog.tasks` names a :class:`TaskRunner` (train,
predict, evaluate); nothing here lists task names.

Example::

    >>> from qlang.ir.model import Call
    >>> runner(Call("regress")).train.__name__
    'train_supervised'
"""

from __future__ import annotations

from qlang.ir.model import Call, Model
from qlang.train.tasks.common import RunContext, TaskRunner, Trained

__all__ = ["RunContext", "TaskRunner", "Trained", "check_supported", "run_task", "runner"]


def runner(task: Call) -> TaskRunner:
    """The runner of a task setting (``QL0654``/``QL0653`` for a bad one)."""
    from qlang import catalog

    entry, _ = catalog.runtime_bind("task", task)
    return entry.load()


def check_supported(model: Model) -> None:
    """Refuse target settings the runtime cannot honour yet (``QL0311``), also for a
    model IR built without ``qlang check``."""
    from qlang import catalog

    t = model.target
    for ch in t.noise.channels:
        if ch.kind != "kraus":  # device channels (from_backend) are matrices, not catalog calls
            params = tuple((k, v) for k, v in ch.params)
            where: tuple = (("gates", ch.gates),) if ch.gates else ()
            where += (("qubits", ch.qubits),) if ch.qubits else ()
            catalog.runtime_bind("noise", Call(ch.kind, (), params + where), ch.span)
    for key, value, default in (
        ("shots", t.shots, None),
        ("mitigation", t.mitigation, ()),
        ("backend", t.backend, Call("auto")),
    ):
        if value != default:
            entry, values = catalog.runtime_bind("target", Call(key, (value,)))
            nested = values["value"]
            for c in nested if isinstance(nested, tuple) else (nested,):
                if isinstance(c, Call):
                    catalog.runtime_bind(entry.params[0].kind or "", c)


def run_task(model: Model, ctx: RunContext) -> Trained:
    """Train ``model`` for its task and return the trained state."""
    check_supported(model)
    return runner(model.task).train(model, ctx)
