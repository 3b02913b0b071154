"""Beyond one run: the ``sweep { ... }`` block for ``qlang sweep`` (pure data).

``sweep { optimizer = [cobyla(maxiter = 100), aqgd()], seed = 0..5 }`` lists one axis per
setting; ``qlang sweep FILE`` runs one training per combination (:mod:`qlang.sweep`,
docs/sweeps.md) while ``qlang train FILE`` runs the model as written. Distributing one
run (``train { distribute = ray(...) }``) is :mod:`qlang.catalog.distribute`; circuit
cutting is :mod:`qlang.catalog.cutting`.

Example::

    >>> [(e.kind, e.name, e.status.ok) for e in ENTRIES]
    [('model', 'sweep', True)]
"""

from __future__ import annotations

from qlang.catalog.schema import OPAQUE, Entry, Param
from qlang.catalog.training import Where

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
)
