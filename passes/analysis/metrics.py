"""Typed circuit metrics.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(2, (Operation("h", (0,)), Operation("cx", (0, 1)), Operation("x", (1,))))
    >>> m = analyze(c)
    >>> m.depth, m.two_qubit_depth, m.counts.two_qubit, m.critical_path.ops
    (3, 1, 1, (0, 1, 2))
"""

from __future__ import annotations

from dataclasses import dataclass

from qlang.ir.circuit import Circuit


@dataclass(frozen=True, slots=True)
class GateCounts:
    """Gate counts (barriers, measurements and resets are not gates)."""

    total: int
    one_qubit: int
    two_qubit: int
    multi_qubit: int
    parameterized: int
    by_name: tuple[tuple[str, int], ...]

    def count(self, name: str) -> int:
        return dict(self.by_name).get(name, 0)


@dataclass(frozen=True, slots=True)
class CriticalPath:
    """The longest dependency chain: its length and operation indices (in order)."""

    length: int
    ops: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CircuitMetrics:
    num_qubits: int
    depth: int
    two_qubit_depth: int
    counts: GateCounts
    critical_path: CriticalPath

    def render(self) -> str:
        c = self.counts
        names = ", ".join(f"{n}: {k}" for n, k in c.by_name)
        return (
            f"qubits {self.num_qubits}, gates {c.total} (1q {c.one_qubit}, 2q {c.two_qubit}, "
            f"multi {c.multi_qubit}, parameterized {c.parameterized}), depth {self.depth}, "
            f"2q depth {self.two_qubit_depth}, critical path {self.critical_path.length}\n"
            f"  {names}"
        )


def gate_counts(circuit: Circuit) -> GateCounts:
    gates = [op for op in circuit.ops if op.is_gate]
    by: dict[str, int] = {}
    for op in gates:
        by[op.name] = by.get(op.name, 0) + 1
    return GateCounts(
        total=len(gates),
        one_qubit=sum(1 for op in gates if len(op.qubits) == 1),
        two_qubit=sum(1 for op in gates if len(op.qubits) == 2),
        multi_qubit=sum(1 for op in gates if len(op.qubits) > 2),
        parameterized=sum(1 for op in gates if op.is_parameterized),
        by_name=tuple(sorted(by.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def critical_path(circuit: Circuit) -> CriticalPath:
    """Longest chain of dependent operations (barriers cost 0)."""
    n = len(circuit.ops)
    best = [0] * n
    prev = [-1] * n
    last_q: dict[int, int] = {}
    last_c: dict[int, int] = {}
    for i, op in enumerate(circuit.ops):
        cost = 0 if op.name == "barrier" else 1
        deps = [last_q[q] for q in op.qubits if q in last_q]
        cl = op.clbits + (op.condition.clbits if op.condition else ())
        deps += [last_c[c] for c in cl if c in last_c]
        if deps:
            j = max(deps, key=lambda d: best[d])
            best[i], prev[i] = best[j] + cost, j
        else:
            best[i] = cost
        for q in op.qubits:
            last_q[q] = i
        for c in cl:
            last_c[c] = i
    if n == 0:
        return CriticalPath(0, ())
    end = max(range(n), key=lambda i: best[i])
    path = []
    while end >= 0:
        path.append(end)
        end = prev[end]
    path.reverse()
    return CriticalPath(best[path[-1]], tuple(i for i in path if circuit.ops[i].name != "barrier"))


def analyze(circuit: Circuit) -> CircuitMetrics:
    return CircuitMetrics(
        num_qubits=circuit.num_qubits,
        depth=circuit.depth(),
        two_qubit_depth=circuit.depth(only_multi_qubit=True),
        counts=gate_counts(circuit),
        critical_path=critical_path(circuit),
    )
