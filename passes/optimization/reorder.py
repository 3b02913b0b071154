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

from dataclasses import dataclass, replace
from typing import ClassVar

from qlang.passes.base import Pass, PassResult
from qlang.passes.commutation import commutes
from qlang.passes.registry import register

from qlang.ir.circuit import Circuit, Operation


@register
@dataclass(frozen=True)
class CommuteReorder(Pass):
    """Reorder groups of mutually commuting gates to reduce depth (at most ``max_group`` each)."""

    name: ClassVar[str] = "commute-reorder"
    max_group: int = 512

    def run(self, circuit: Circuit) -> PassResult:
        level = [0] * circuit.num_qubits
        out: list[Operation] = []
        group: list[Operation] = []
        on_qubit: dict[int, list[Operation]] = {}  # group members by qubit

        def flush() -> None:
            out.extend(_schedule(group, level) if len(group) > 2 else _place(group, level))
            group.clear()
            on_qubit.clear()

        def add(op: Operation) -> None:
            group.append(op)
            for q in op.qubits:
                on_qubit.setdefault(q, []).append(op)

        for op in circuit.ops:
            gate = op.is_gate and op.condition is None
            if (
                gate
                and len(group) < self.max_group
                and all(commutes(g, op) for q in op.qubits for g in on_qubit.get(q, ()))
            ):
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
    """Greedy list scheduling; ties keep the original order (deterministic)."""
    remaining = list(range(len(group)))
    out: list[Operation] = []
    while remaining:
        best = min(remaining, key=lambda i: (max(level[q] for q in group[i].qubits), i))
        remaining.remove(best)
        out.extend(_place([group[best]], level))
    return out
