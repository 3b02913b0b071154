"""Cheap, sound commutation checks between IR operations.

Each gate acts on each of its qubits as a *Z-type* (commutes with ``Z`` there,
e.g. a control or any diagonal gate), *X-type* (commutes with ``X``: a CNOT
target, ``rx``, ``rxx``) or *Y-type* operator, or none of these. Two gates
commute when on every shared qubit they have the same type; this is exact for
the supported gates (both are then sums of products of commuting local terms).

Example::

    >>> from qlang.ir.circuit import Operation
    >>> commutes(Operation("cx", (0, 1)), Operation("rz", (0,)))
    True
    >>> commutes(Operation("cx", (0, 1)), Operation("rz", (1,)))
    False
"""

from __future__ import annotations

from qlang.ir.circuit import Operation
from qlang.ir.gates import GATES

_X_GATES = {"x", "rx", "sx", "sxdg", "rxx"}
_Y_GATES = {"y", "ry", "ryy"}
_CONTROLLED = {"cx": "X", "cy": "Y", "crx": "X", "cry": "Y", "ccx": "X", "mcx": "X", "rzx": "X"}


def qubit_kind(op: Operation, position: int) -> str | None:
    """``'Z'``, ``'X'``, ``'Y'`` or ``None`` for the ``position``-th qubit of ``op``."""
    name = op.name
    gd = GATES.get(name)
    if gd is None:
        return None
    if gd.diagonal:
        return "Z"
    if name in _X_GATES:
        return "X"
    if name in _Y_GATES:
        return "Y"
    if name in _CONTROLLED:
        return _CONTROLLED[name] if position == len(op.qubits) - 1 else "Z"
    if name in ("ch", "cswap") and position == 0:
        return "Z"
    return None


def commutes(a: Operation, b: Operation) -> bool:
    """Soundly decide that ``a`` and ``b`` commute (``False`` means "not proven")."""
    shared = set(a.qubits) & set(b.qubits)
    a_cl = set(a.clbits) | set(a.condition.clbits if a.condition else ())
    b_cl = set(b.clbits) | set(b.condition.clbits if b.condition else ())
    if a_cl & b_cl:
        return False
    if not shared:
        return True
    if not a.is_gate or not b.is_gate or a.condition or b.condition:
        return False
    if a.name == "id" or b.name == "id":
        return True
    for q in shared:
        ka = qubit_kind(a, a.qubits.index(q))
        if ka is None or ka != qubit_kind(b, b.qubits.index(q)):
            return False
    return True
