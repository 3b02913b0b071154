"""Cheap, sound commutation checks between IR operations, and the dependency graph the
routers walk: the one commutation table of the compiler.

Each gate acts on each of its qubits as a *Z-type* (commutes with ``Z`` there,
e.g. a control or any diagonal gate), *X-type* (commutes with ``X``: a CNOT
target, ``rx``, ``rxx``) or *Y-type* operator, or none of these. Two gates
commute when on every shared qubit they have the same type; this is exact for
the supported gates (both are then sums of products of commuting local terms).
The optimisation passes ask :func:`commutes` / :func:`qubit_kinds`; the routers build
the commutation DAG with :func:`dependencies`.

Example::

    >>> from qlang.ir.circuit import Operation
    >>> commutes(Operation("cx", (0, 1)), Operation("rz", (0,)))
    True
    >>> commutes(Operation("cx", (0, 1)), Operation("rz", (1,)))
    False
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from qlang.ir.circuit import Operation
from qlang.ir.gates import GATES, NON_UNITARY

# the table: gates of one type on every qubit, and controlled gates (Z on the controls,
# the named type on the target); diagonal gates are Z everywhere (``GateDef.diagonal``)
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


@cache
def commutes_on_qubit(a: str, arity: int, position: int, b: str) -> bool:
    """:func:`commutes` of an unconditioned ``a`` gate on ``arity`` qubits and an
    unconditioned 1-qubit ``b`` gate on ``a``'s qubit number ``position``, by names alone
    (the merge loop's question, asked tens of thousands of times per compile).

    Example::

        >>> commutes_on_qubit("cx", 2, 0, "rz"), commutes_on_qubit("cx", 2, 1, "rz")
        (True, False)
    """
    if a in NON_UNITARY or b in NON_UNITARY:
        return False
    if a == "id" or b == "id":
        return True
    k = _kinds(a, arity)[position]
    return k is not None and k == _kinds(b, 1)[0]


@cache
def commutes_mapped(a: str, where: tuple[int, ...], b: str, arity: int) -> bool:
    """:func:`commutes` of an unconditioned ``a`` gate and an unconditioned ``b`` gate on
    ``arity`` qubits that share at least one qubit, by names alone: ``where[i]`` is the
    position in ``b`` of ``a``'s ``i``-th qubit (-1: not one of ``b``'s).

    Example::

        >>> commutes_mapped("cx", (0, -1), "cx", 2), commutes_mapped("cx", (1, -1), "cx", 2)
        (True, False)
    """
    if a in NON_UNITARY or b in NON_UNITARY:
        return False
    if a == "id" or b == "id":
        return True
    ka, kb = _kinds(a, len(where)), _kinds(b, arity)
    for i, j in enumerate(where):
        if j >= 0:
            k = ka[i]
            if k is None or k != kb[j]:
                return False
    return True


def _clbits(op: Operation) -> set[int]:
    return set(op.clbits) | set(op.condition.clbits if op.condition else ())


def wire_kinds(op: Operation) -> tuple[str | None, ...]:
    """:func:`qubit_kinds` of a gate without a condition; no claim (``None`` on every
    qubit) for measurements, resets, barriers and conditioned gates."""
    if not op.is_gate or op.condition is not None:
        return (None,) * len(op.qubits)
    return qubit_kinds(op)


def dependencies(ops: Sequence[Operation], commute_aware: bool = True) -> list[set[int]]:
    """``preds[i]``: indices of earlier ops that ``ops[i]`` must follow (the commutation
    DAG; with ``commute_aware=False`` the plain wire-order DAG). Every topological order
    of the commutation DAG is the same unitary.

    Per wire, ops form runs of mutually commuting ops ("groups"); a new op joins the
    current group of a wire when it commutes with all of it, depending on the previous
    group, and otherwise opens a new group depending on the current one (so the DAG stays
    transitively correct). Classical bits are wires too (a measurement and a later
    condition on its bit are ordered).

    Example::

        >>> from qlang.ir.expr import Weight
        >>> ops = [Operation("rzz", (0, 1), (Weight(0),)), Operation("rzz", (1, 2), (Weight(1),)),
        ...        Operation("h", (1,))]
        >>> [sorted(p) for p in dependencies(ops, commute_aware=True)]
        [[], [], [0, 1]]
    """
    groups: dict[object, tuple[list[int], list[int]]] = {}  # wire -> (previous, current)
    labels = [dict(zip(op.qubits, wire_kinds(op), strict=True)) for op in ops]
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
    """Whether one op (by its per-qubit kinds) commutes with every op of ``group``."""
    for j in group:
        other = labels[j]
        for q, label in mine.items():
            if q in other and (label is None or other[q] != label):
                return False
    return True
