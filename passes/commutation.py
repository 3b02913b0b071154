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

from functools import cache

from qlang.ir.circuit import Operation
from qlang.ir.gates import GATES, NON_UNITARY

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


@cache
def _kinds(name: str, arity: int) -> tuple[str | None, ...]:
    probe = Operation(name, tuple(range(arity)))
    return tuple(qubit_kind(probe, i) for i in range(arity))


def qubit_kinds(op: Operation) -> tuple[str | None, ...]:
    """:func:`qubit_kind` of each qubit of ``op``, memoised per gate name and arity.

    Example::

        >>> qubit_kinds(Operation("cx", (3, 5)))
        ('Z', 'X')
    """
    return _kinds(op.name, len(op.qubits))


def commutes(a: Operation, b: Operation) -> bool:
    """Soundly decide that ``a`` and ``b`` commute (``False`` means "not proven")."""
    aq, bq = a.qubits, b.qubits
    if not any(q in bq for q in aq):
        if not (a.clbits or b.clbits or a.condition or b.condition):
            return True
        return not (_clbits(a) & _clbits(b))
    if a.name in NON_UNITARY or b.name in NON_UNITARY or a.condition or b.condition:
        return False
    if a.name == "id" or b.name == "id":
        return True
    ka, kb = _kinds(a.name, len(aq)), _kinds(b.name, len(bq))
    for i, q in enumerate(aq):
        if q in bq:
            k = ka[i]
            if k is None or k != kb[bq.index(q)]:
                return False
    return True


def _clbits(op: Operation) -> set[int]:
    return set(op.clbits) | set(op.condition.clbits if op.condition else ())
