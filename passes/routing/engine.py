"""The routing engine: SABRE-style swap insertion over a (commutation) DAG.

The circuit is already placed: its qubits are physical qubits ("wires" start on the
qubit of the same number). The engine keeps a front layer of 2-qubit gates whose
predecessors are done; any front gate whose qubits are adjacent runs at once. Otherwise it
scores every swap on an edge touching the front: mean front distance plus a weighted mean
over a lookahead window, times a decay factor for recently swapped qubits, minus a bonus
per front gate the swap makes adjacent and a bonus when the swap can fuse with the gate
just run on that pair (see :mod:`.rewrite`).

With ``commute_aware=True`` the DAG is the commutation DAG, so a block of commuting
gates (a ZZ feature map layer, a QAOA cost layer) sits in the front layer as one set and
runs in whatever order the device allows.

The search itself is :func:`.sabre.search` (``sabre.route`` runs one trial); this module
holds what it shares with the other routers: heuristics, the dependency DAG, the routing
state and the finishing of a route (:class:`RouteResult`).

Example::

    >>> from qlang.ir.circuit import Operation
    >>> build_dag([Operation("cx", (0, 1)), Operation("h", (1,))]).succs
    ((1,), ())
"""

from __future__ import annotations

import heapq
from array import array
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

from qlang.passes.commutation import dependencies
from qlang.passes.routing.rewrite import MERGEABLE, cx_cost, drop_trailing_swaps, merge_swaps

from qlang.devices import Device
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation


@dataclass(frozen=True)
class RouteResult:
    """Routed physical ops; ``final[w]`` is the physical qubit wire ``w`` ends on."""

    ops: tuple[Operation, ...]
    final: tuple[int, ...]
    phase: E.Expr
    swaps: int
    cost: int
    depth: int

    @property
    def key(self) -> tuple[int, int]:
        return (self.cost, self.depth)


@dataclass(frozen=True)
class Heuristic:
    """Tunable knobs of one trial."""

    lookahead: int = 20
    weight: float = 0.5
    decay_step: float = 0.001
    adjacency_bonus: float = 0.0
    merge_bonus: float = 0.0


DEFAULT_HEURISTIC = Heuristic()


def finish(ops: Sequence[Operation], final: list[int], num_qubits: int) -> RouteResult:
    """Fuse swaps with neighbouring terms, drop trailing swaps, measure the result."""
    if any(o.name == "swap" for o in ops):
        merged, phase = merge_swaps(ops)
        trimmed, final = drop_trailing_swaps(merged, final)
    else:  # parity chains: nothing to fuse or drop
        trimmed, phase = list(ops), E.ZERO
    ncl = 1 + max(
        (c for o in trimmed for c in o.clbits + (o.condition.clbits if o.condition else ())),
        default=-1,
    )
    depth = Circuit(num_qubits, tuple(trimmed), num_clbits=ncl).depth()
    n_swaps = sum(1 for o in trimmed if o.name == "swap")
    return RouteResult(tuple(trimmed), tuple(final), phase, n_swaps, cx_cost(trimmed), depth)


class _State:
    """Mutable bookkeeping shared by the engine and the swap-network router."""

    def __init__(
        self, ops: Sequence[Operation], device: Device, commute_aware: bool, dag: Dag | None
    ):
        self.ops = ops
        self.device = device
        self.dist = device.distance_rows
        n = device.num_qubits
        self.pos = list(range(n))
        self.inv = list(range(n))
        dag = dag if dag is not None else build_dag(ops, commute_aware)
        self.succs = dag.succs
        self.indeg = list(dag.indeg)
        self.version = 0
        self.hold = False  # lazy mode: 2-qubit gates wait in the front until asked for
        self.ready = [i for i, d in enumerate(self.indeg) if d == 0]
        heapq.heapify(self.ready)
        self.front: dict[int, tuple[int, int]] = {}
        self.front_by_wire: dict[int, set[int]] = defaultdict(set)
        self.out: list[Operation] = []
        self.last = [-1] * n
        self.swaps = 0

    def emit(self, i: int) -> None:
        op = self.ops[i]
        qs = tuple(self.pos[w] for w in op.qubits)
        if qs != op.qubits:
            op = Operation(op.name, qs, op.params, op.clbits, op.condition, op.span)
        self.out.append(op)
        for q in qs:
            self.last[q] = len(self.out) - 1
        for s in self.succs[i]:
            self.indeg[s] -= 1
            if self.indeg[s] == 0:
                heapq.heappush(self.ready, s)

    def drain(self) -> int:
        """Run everything runnable; return how many ops ran."""
        ran = 0
        while self.ready:
            i = heapq.heappop(self.ready)
            op = self.ops[i]
            if op.is_gate and len(op.qubits) == 2:
                a, b = op.qubits
                if self.hold or self.dist[self.pos[a]][self.pos[b]] != 1:
                    self.front[i] = (a, b)
                    self.version += 1
                    self.front_by_wire[a].add(i)
                    self.front_by_wire[b].add(i)
                    continue
            self.emit(i)
            ran += 1
        return ran

    def swap(self, p1: int, p2: int) -> int:
        """Apply a swap on physical ``(p1, p2)``; run front gates it enables."""
        u, v = self.inv[p1], self.inv[p2]
        self.out.append(Operation("swap", (p1, p2)))
        self.last[p1] = self.last[p2] = len(self.out) - 1
        self.swaps += 1
        self.pos[u], self.pos[v] = p2, p1
        self.inv[p1], self.inv[p2] = v, u
        if self.hold:
            return 0
        done = [
            g
            for w in (u, v)
            for g in self.front_by_wire.get(w, ())
            if self.dist[self.pos[self.front[g][0]]][self.pos[self.front[g][1]]] == 1
        ]
        for g in set(done):
            self.unfront(g)
            heapq.heappush(self.ready, g)
        return self.drain() if done else 0

    def run_gate_on(self, p1: int, p2: int) -> bool:
        """Run a front gate acting on exactly the qubits at ``p1``, ``p2`` (lazy mode)."""
        u, v = self.inv[p1], self.inv[p2]
        both = self.front_by_wire.get(u, set()) & self.front_by_wire.get(v, set())
        if not both:
            return False
        g = min(both)
        self.unfront(g)
        self.emit(g)
        self.drain()
        return True

    def unfront(self, g: int) -> None:
        a, b = self.front.pop(g)
        self.version += 1
        self.front_by_wire[a].discard(g)
        self.front_by_wire[b].discard(g)

    def mergeable(self, p1: int, p2: int) -> bool:
        j = self.last[p1]
        if j < 0 or j != self.last[p2]:
            return False
        op = self.out[j]
        return op.name in MERGEABLE and op.condition is None

    def result(self) -> RouteResult:
        if self.front or self.ready:
            raise RuntimeError("routing ended with unrouted operations")
        return finish(self.out, list(self.pos), self.device.num_qubits)


@dataclass(frozen=True)
class Dag:
    """Successor lists and in-degrees of a (commutation) DAG; reusable across layouts."""

    succs: tuple[tuple[int, ...], ...]
    indeg: tuple[int, ...]

    @cached_property
    def flat(self) -> tuple[array, array, array]:
        """The successor lists as int32 (offsets, entries) and the in-degrees, as the
        compiled search reads them: built once per DAG, which every layout of one circuit
        shares (:func:`.strategy.dag_of`).

        Example::

            >>> [list(a) for a in Dag(((1,), ()), (0, 1)).flat]
            [[0, 1, 1], [1], [0, 1]]
        """
        ptr = array("i", [0])
        ptr.extend(accumulate(map(len, self.succs)))
        return ptr, array("i", [s for row in self.succs for s in row]), array("i", self.indeg)


def build_dag(ops: Sequence[Operation], commute_aware: bool = True) -> Dag:
    """The dependency DAG of ``ops`` (unchanged by relabelling qubits)."""
    preds = dependencies(ops, commute_aware)
    succs: list[list[int]] = [[] for _ in ops]
    for i, ps in enumerate(preds):
        for j in sorted(ps):
            succs[j].append(i)
    return Dag(tuple(tuple(x) for x in succs), tuple(len(p) for p in preds))
