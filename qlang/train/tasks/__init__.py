"""Task dispatch: ``classify``, ``regress``, ``minimize``, ``generate``, ``kernel``.

Example::

    >>> sorted(TASKS)
    ['classify', 'generate', 'kernel', 'minimize', 'regress']
"""

from __future__ import annotations

from collections.abc import Callable

from qlang.diagnostics import did_you_mean
from qlang.ir.model import Model
from qlang.train.errors import fail
from qlang.train.tasks.common import RunContext, Trained

TASKS = ("classify", "regress", "minimize", "generate", "kernel")

__all__ = ["TASKS", "RunContext", "Trained", "run_task"]


def _runner(model: Model) -> Callable[[Model, RunContext], Trained]:
    name = model.task.name
    if name in ("classify", "regress"):
        from qlang.train.tasks.supervised import train_supervised

        return train_supervised
    if name == "minimize":
        from qlang.train.tasks.minimize import train_minimize

        return train_minimize
    if name == "generate":
        from qlang.train.tasks.generate import train_generate

        return train_generate
    if name == "kernel":
        from qlang.train.tasks.kernel import train_kernel

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
