"""A dependency-graph (DAG) view of a circuit.

Nodes are operation indices; an edge ``i -> j`` means ``j`` is the next
operation after ``i`` on some qubit or classical bit (a *wire*).

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(2, (Operation("h", (0,)), Operation("x", (1,)), Operation("cx", (0, 1))))
    >>> d = CircuitDAG.from_circuit(c)
    >>> d.predecessors(2), d.layers()
    ((0, 1), ((0, 1), (2,)))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qlang.ir.circuit import Circuit, Operation

Wire = tuple[str, int]  # ("q", 3) or ("c", 0)


@dataclass(frozen=True, slots=True)
class CircuitDAG:
    circuit: Circuit
    preds: tuple[tuple[int, ...], ...]
    succs: tuple[tuple[int, ...], ...]
    wires: tuple[tuple[Wire, tuple[int, ...]], ...]  # wire -> ops on it, in order

    @staticmethod
    def from_circuit(circuit: Circuit) -> CircuitDAG:
        n = len(circuit.ops)
        preds: list[list[int]] = [[] for _ in range(n)]
        succs: list[list[int]] = [[] for _ in range(n)]
        on_wire: dict[Wire, list[int]] = {}
        for i, op in enumerate(circuit.ops):
            for w in op_wires(op):
                seq = on_wire.setdefault(w, [])
                if seq and seq[-1] not in preds[i]:
                    preds[i].append(seq[-1])
                    succs[seq[-1]].append(i)
                seq.append(i)
        return CircuitDAG(
            circuit,
            tuple(tuple(sorted(p)) for p in preds),
            tuple(tuple(sorted(s)) for s in succs),
            tuple((w, tuple(v)) for w, v in sorted(on_wire.items())),
        )

    def predecessors(self, i: int) -> tuple[int, ...]:
        return self.preds[i]

    def successors(self, i: int) -> tuple[int, ...]:
        return self.succs[i]

    def wire(self, kind: str, index: int) -> tuple[int, ...]:
        return dict(self.wires).get((kind, index), ())

    def layers(self) -> tuple[tuple[int, ...], ...]:
        """ASAP layers: each op in the layer after its latest predecessor."""
        level: list[int] = []
        for i in range(len(self.preds)):
            level.append(1 + max((level[p] for p in self.preds[i]), default=-1))
        out: dict[int, list[int]] = {}
        for i, lv in enumerate(level):
            out.setdefault(lv, []).append(i)
        return tuple(tuple(out[k]) for k in sorted(out))

    def commuting_runs(
        self, commutes: Callable[[Operation, Operation], bool]
    ) -> tuple[tuple[int, ...], ...]:
        """Maximal consecutive runs of mutually commuting operations (in circuit order)."""
        runs: list[list[int]] = []
        for i, op in enumerate(self.circuit.ops):
            if runs and all(commutes(self.circuit.ops[j], op) for j in runs[-1]):
                runs[-1].append(i)
            else:
                runs.append([i])
        return tuple(tuple(r) for r in runs)


def op_wires(op: Operation) -> list[Wire]:
    cl = op.clbits + (op.condition.clbits if op.condition else ())
    return [("q", q) for q in op.qubits] + [("c", c) for c in dict.fromkeys(cl)]
