"""Commutation facts and the dependency graph the routers walk.

Two operations commute when, on every qubit they share, both act "in the same basis":
both diagonal in Z there (``rz``, ``cz`` either side, the control of ``cx``), or both
functions of X there (``rx``, the target of ``cx``, ``rxx``), or of Y. That rule is sound:
such operators are block diagonal in a common basis of the shared qubits.

:func:`dependencies` builds the commutation DAG: an op depends on an earlier op only when
they share a qubit and do not commute (kept transitively correct by grouping mutually
commuting runs per wire). With ``commute_aware=False`` it is the plain wire-order DAG. Every
topological order of the commutation DAG is the same unitary.

Example::

    >>> from qlang.ir.circuit import Operation
    >>> from qlang.ir.expr import Weight
    >>> ops = [Operation("rzz", (0, 1), (Weight(0),)), Operation("rzz", (1, 2), (Weight(1),)),
    ...        Operation("h", (1,))]
    >>> [sorted(p) for p in dependencies(ops, commute_aware=True)]
    [[], [], [0, 1]]
"""

from __future__ import annotations

from collections.abc import Sequence

from qlang.ir.circuit import Operation
from qlang.ir.gates import GATES

# Per-qubit basis labels: "Z" (diagonal there), "X", "Y"; missing -> commutes with nothing.
_LABELS: dict[str, tuple[str, ...]] = {
    "x": ("X",), "rx": ("X",), "sx": ("X",), "sxdg": ("X",),
    "y": ("Y",), "ry": ("Y",),
    "cx": ("Z", "X"), "crx": ("Z", "X"), "rzx": ("Z", "X"),
    "cy": ("Z", "Y"), "cry": ("Z", "Y"),
    "rxx": ("X", "X"), "ryy": ("Y", "Y"),
    "ccx": ("Z", "Z", "X"),
}  # fmt: skip


def qubit_labels(op: Operation) -> tuple[str | None, ...]:
    """The basis each qubit of ``op`` is acted on in (``None``: no commutation claim)."""
    if not op.is_gate or op.condition is not None:
        return (None,) * len(op.qubits)
    gd = GATES[op.name]
    if gd.diagonal:
        return ("Z",) * len(op.qubits)
    if op.name == "mcx":
        return ("Z",) * (len(op.qubits) - 1) + ("X",)
    return _LABELS.get(op.name, (None,) * len(op.qubits))


def commute(a: Operation, b: Operation) -> bool:
    """True when ``a`` and ``b`` provably commute (disjoint, or same basis on shared qubits)."""
    la = dict(zip(a.qubits, qubit_labels(a), strict=True))
    lb = dict(zip(b.qubits, qubit_labels(b), strict=True))
    for q, label in la.items():
        if q in lb and (label is None or lb[q] != label):
            return False
    return True


def dependencies(ops: Sequence[Operation], commute_aware: bool = True) -> list[set[int]]:
    """``preds[i]``: indices of earlier ops that ``ops[i]`` must follow.

    Per wire, ops form runs of mutually commuting ops ("groups"); a new op joins the
    current group of a wire when it commutes with all of it, depending on the previous
    group, and otherwise opens a new group depending on the current one. Classical bits
    are wires too (a measurement and a later condition on its bit are ordered).
    """
    groups: dict[object, tuple[list[int], list[int]]] = {}  # wire -> (previous, current)
    labels = [dict(zip(op.qubits, qubit_labels(op), strict=True)) for op in ops]
    preds: list[set[int]] = []
    for i, op in enumerate(ops):
        deps: set[int] = set()
        wires: list[object] = list(op.qubits)
        if op.clbits or op.condition:
            wires += [("c", c) for c in op.clbits + (op.condition.clbits if op.condition else ())]
        mine = labels[i]
        for w in wires:
            prev, cur = groups.get(w, ([], []))
            if commute_aware and isinstance(w, int) and _commutes_with_all(mine, cur, labels):
                deps.update(prev)
                cur.append(i)
                groups[w] = (prev, cur)
            else:
                deps.update(cur)
                groups[w] = (cur, [i])
        preds.append(deps)
    return preds


def _commutes_with_all(
    mine: dict[int, str | None], group: list[int], labels: list[dict[int, str | None]]
) -> bool:
    """:func:`commute` of one op (by its labels) with every op of ``group``."""
    for j in group:
        other = labels[j]
        for q, label in mine.items():
            if q in other and (label is None or other[q] != label):
                return False
    return True
