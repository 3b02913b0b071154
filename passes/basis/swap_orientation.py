"""Orient each ``swap`` before it becomes three CNOTs, so one of them cancels a neighbour.

``swap a,b`` is ``cx a,b; cx b,a; cx a,b`` and equally ``cx b,a; cx a,b; cx b,a``. When
the nearest 2-qubit gate on the pair (before or after, across 1-qubit gates that commute
with it) is a ``cx``, the orientation that starts (or ends) with that same ``cx`` lets the
cancellation passes remove two CNOTs, and often more: ``cx a,b; cx b,a; swap a,b`` is a
single ``cx b,a``. A swap is symmetric, so reordering its qubits changes nothing else.

Example::

    >>> from qlang.ir.circuit import Operation
    >>> ops = [Operation("cx", (0, 1)), Operation("cx", (1, 0)), Operation("swap", (0, 1))]
    >>> orient_swaps(ops)[2].qubits
    (1, 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qlang.passes.commutation import commutes

from qlang.ir.circuit import Operation


def orient_swaps(ops: Sequence[Operation]) -> list[Operation]:
    """``ops`` with every plain swap's qubits ordered to match a neighbouring ``cx``."""
    out = list(ops)
    for i, op in enumerate(out):
        if op.name != "swap" or op.condition is not None:
            continue
        cx = _neighbour_cx(out, i, -1)
        if cx is None:
            cx = _neighbour_cx(out, i, 1)
        if cx is not None and cx.qubits != op.qubits:
            out[i] = replace(op, qubits=cx.qubits)
    return out


def _neighbour_cx(ops: list[Operation], i: int, step: int) -> Operation | None:
    """The nearest multi-qubit op on the swap's wires in direction ``step`` if it is a
    plain ``cx`` on the same pair and every 1-qubit op in between commutes with it."""
    a, b = ops[i].qubits
    between: list[Operation] = []
    j = i + step
    n = len(ops)
    while 0 <= j < n:
        op = ops[j]
        j += step
        qs = op.qubits
        if a not in qs and b not in qs:  # (the pair's wires only)
            continue
        if len(qs) == 1 and op.is_gate and op.condition is None:
            between.append(op)
            continue
        if op.name == "cx" and op.condition is None and (qs == (a, b) or qs == (b, a)):
            return op if all(commutes(g, op) for g in between) else None
        return None
    return None
