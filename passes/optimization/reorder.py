"""Commutation-aware reordering for depth.

Consecutive gates that pairwise commute (a QAOA cost layer, the ``rzz``
terms of an IQP or ZZ encoding, rotations next to them) may run in any
order. This pass re-schedules each such group greedily: repeatedly emit the
gate that can start earliest given the qubits' current depth, so disjoint
gates share layers (a greedy edge colouring).

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> from qlang.ir.expr import Const
    >>> zz = lambda a, b: Operation("rzz", (a, b), (Const(0.5),))
    >>> c = Circuit(4, (zz(0, 1), zz(1, 2), zz(2, 3), zz(0, 3)))
    >>> out = CommuteReorder().run(c).circuit
    >>> c.depth(), out.depth()
    (4, 2)
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, replace
from typing import ClassVar

from qlang.passes.base import Pass, PassResult
from qlang.passes.commutation import qubit_kinds

from qlang.ir.circuit import Circuit, Operation


@dataclass(frozen=True)
class CommuteReorder(Pass):
    """Reorder groups of mutually commuting gates to reduce depth (at most ``max_group`` each)."""

    name: ClassVar[str] = "commute-reorder"
    max_group: int = 512

    def run(self, circuit: Circuit) -> PassResult:
        level = [0] * circuit.num_qubits
        out: list[Operation] = []
        group: list[Operation] = []
        # the kinds (Z/X/Y/None, see passes.commutation) of the non-`id` group members on
        # each qubit: a gate commutes with every member iff on each of its qubits it has
        # the one kind found there (the rule `commutes` applies pair by pair)
        kinds_on: dict[int, set[str | None]] = {}

        def flush() -> None:
            out.extend(_schedule(group, level) if len(group) > 2 else _place(group, level))
            group.clear()
            kinds_on.clear()

        def joins(op: Operation) -> bool:
            if op.name == "id":
                return True
            for q, k in zip(op.qubits, qubit_kinds(op), strict=True):
                there = kinds_on.get(q)
                if there and (k is None or there != {k}):
                    return False
            return True

        def add(op: Operation) -> None:
            group.append(op)
            if op.name != "id":
                for q, k in zip(op.qubits, qubit_kinds(op), strict=True):
                    kinds_on.setdefault(q, set()).add(k)

        for op in circuit.ops:
            gate = op.is_gate and op.condition is None
            if gate and len(group) < self.max_group and joins(op):
                add(op)
                continue
            flush()
            if gate:
                add(op)
            else:
                out.extend(_place([op], level))
        flush()
        if tuple(out) == circuit.ops:
            return PassResult(circuit, False)
        return PassResult(replace(circuit, ops=tuple(out)), True)


def _place(ops: list[Operation], level: list[int]) -> list[Operation]:
    for op in ops:
        start = max((level[q] for q in op.qubits), default=0)
        for q in op.qubits:
            level[q] = start + (0 if op.name == "barrier" else 1)
    return list(ops)


def _schedule(group: list[Operation], level: list[int]) -> list[Operation]:
    """Greedy list scheduling: repeatedly the gate that can start earliest, ties to the
    first in the original order (deterministic). Start levels only grow, so a heap of
    possibly stale starts is exact: a popped entry still current is the true minimum."""
    heap = [(max((level[q] for q in op.qubits), default=0), i) for i, op in enumerate(group)]
    heapq.heapify(heap)
    out: list[Operation] = []
    while heap:
        start, i = heapq.heappop(heap)
        now = max((level[q] for q in group[i].qubits), default=0)
        if now != start:
            heapq.heappush(heap, (now, i))
            continue
        out.extend(_place([group[i]], level))
    return out
