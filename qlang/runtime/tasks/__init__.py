"""Task dispatch: ``classify``, ``regress``, ``minimize``, ``generate``, ``kernel``.

Example::

    >>> sorted(TASKS)
    ['classify', 'generate', 'kernel', 'minimize', 'regress']
"""

from __future__ import annotations

from collections.abc import Callable

from qlang.diagnostics import did_you_mean
from qlang.ir.model import Model
from qlang.runtime.errors import fail
from qlang.runtime.tasks.common import RunContext, Trained

TASKS = ("classify", "regress", "minimize", "generate", "kernel")

__all__ = ["TASKS", "RunContext", "Trained", "run_task"]


def _runner(model: Model) -> Callable[[Model, RunContext], Trained]:
    name = model.task.name
    if name in ("classify", "regress"):
        from qlang.runtime.tasks.supervised import train_supervised

        return train_supervised
    if name == "minimize":
        from qlang.runtime.tasks.minimize import train_minimize

        return train_minimize
    if name == "generate":
        from qlang.runtime.tasks.generate import train_generate

        return train_generate
    if name == "kernel":
        from qlang.runtime.tasks.kernel import train_kernel

        return train_kernel
    fail(
        "QL0654",
        f"unknown task `{name}`",
        model.task.span,
        help=did_you_mean(name, TASKS) or f"tasks: {', '.join(TASKS)}",
    )


def run_task(model: Model, ctx: RunContext) -> Trained:
    """Train ``model`` for its task and return the trained state."""
    return _runner(model)(model, ctx)
