"""Beyond one run: the ``sweep { ... }`` block for ``qlang sweep``, and the settings of
distributed execution that is not available yet (pure data).

``sweep { optimizer = [cobyla(maxiter = 100), aqgd()], seed = 0..5 }`` lists one axis per
setting; ``qlang sweep FILE`` runs one training per combination (:mod:`qlang.sweep`,
docs/sweeps.md) while ``qlang train FILE`` runs the model as written.

``train { distribute = ray(...) }`` (one run's kernel matrix and gradients over Ray) is
named here so that ``qlang check`` rejects it with ``QL0311`` and a reason, instead of
accepting and ignoring it. Circuit cutting is :mod:`qlang.catalog.cutting`.

Example::

    >>> [(e.kind, e.name, e.status.ok) for e in ENTRIES]
    [('model', 'sweep', True), ('train', 'distribute', False)]
"""

from __future__ import annotations

from qlang.catalog.schema import OPAQUE, Entry, Param, not_yet
from qlang.catalog.training import ALL_TASKS, Where
from qlang.ir.model import Call

ENTRIES: tuple[Entry, ...] = (
    Entry(
        "model",
        "sweep",
        "settings to vary for `qlang sweep`: `sweep { optimizer = [cobyla(), adam()], "
        "seed = 0..5 }` (one run per combination; `qlang train` runs the model as written)",
        (Param("value", OPAQUE, None, "a sweep block"),),
        info=Where(block=True),
        value_key=True,
    ),
    Entry(
        "train",
        "distribute",
        "where one run's batch work runs (kernel tiles, gradient blocks on Ray): not "
        "available yet",
        (Param("value", OPAQUE, None, "a distribution", example=Call("ray", (), (("workers", 2),))),),
        tasks=ALL_TASKS,
        value_key=True,
        status=not_yet(
            "distributing one run's kernel matrix or gradients (`train { distribute }`) is "
            "not available yet: a run computes in one process",
            "`qlang sweep --ray` runs whole runs as Ray tasks",
        ),
    ),
)
