"""Beyond one run: the ``sweep { ... }`` block for ``qlang sweep``, and the setting of cut
execution that is not available yet (pure data).

``sweep { optimizer = [cobyla(maxiter = 100), aqgd()], seed = 0..5 }`` lists one axis per
setting; ``qlang sweep FILE`` runs one training per combination (:mod:`qlang.sweep`,
docs/sweeps.md) while ``qlang train FILE`` runs the model as written.

``target { cutting = auto(...) }`` (circuit cutting) is named here so that ``qlang check``
rejects it with ``QL0311`` and a reason, instead of accepting and ignoring it.
``train { distribute = ray(...) }`` is in :mod:`qlang.catalog.distribute`.

Example::

    >>> [(e.kind, e.name, e.status.ok) for e in ENTRIES]
    [('model', 'sweep', True), ('target', 'cutting', False)]
"""

from __future__ import annotations

from qlang.catalog.schema import OPAQUE, Entry, Param, not_yet
from qlang.catalog.training import Where
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
        "target",
        "cutting",
        "cut a circuit wider than the device into pieces: not available yet",
        (
            Param(
                "value", OPAQUE, None, "a cutting mode",
                example=Call("auto", (), (("max_qubits", 5),)),
            ),
        ),  # fmt: skip
        value_key=True,
        status=not_yet(
            "circuit cutting (`target { cutting }`) is not available yet",
            "choose a device with as many qubits as the model (`qlang inspect` shows them)",
        ),
    ),
)
