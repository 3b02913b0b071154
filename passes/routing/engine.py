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

Example::

    >>> from qlang.devices import line
    >>> from qlang.ir.circuit import Operation
    >>> res = route([Operation("cx", (0, 2))], line(3), seed=1)
    >>> res.swaps, [o.name for o in res.ops]
    (1, ['swap', 'cx'])
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from qlang.passes.routing.commutation import dependencies
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
    merged, phase = merge_swaps(ops)
    trimmed, final = drop_trailing_swaps(merged, final)
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
        self.out.append(replace(op, qubits=qs))
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


def build_dag(ops: Sequence[Operation], commute_aware: bool = True) -> Dag:
    """The dependency DAG of ``ops`` (unchanged by relabelling qubits)."""
    preds = dependencies(ops, commute_aware)
    succs: list[list[int]] = [[] for _ in ops]
    for i, ps in enumerate(preds):
        for j in sorted(ps):
            succs[j].append(i)
    return Dag(tuple(tuple(x) for x in succs), tuple(len(p) for p in preds))


@dataclass(frozen=True)
class Program:
    """A flat view of ``ops`` for the search: each op's wires, the wires of each 2-qubit
    gate (``a[i] = b[i] = -1`` for everything else), which ops a swap can fuse with, and
    the dependency DAG. Build it once with :func:`prepare` and route it many times."""

    qubits: tuple[tuple[int, ...], ...]
    a: tuple[int, ...]
    b: tuple[int, ...]
    fusable: tuple[bool, ...]
    dag: Dag


def prepare(
    ops: Sequence[Operation], commute_aware: bool = True, dag: Dag | None = None
) -> Program:
    """The :class:`Program` of ``ops`` (``dag`` reused when given)."""
    a, b = [-1] * len(ops), [-1] * len(ops)
    for i, op in enumerate(ops):
        if len(op.qubits) == 2 and op.is_gate:
            a[i], b[i] = op.qubits
    return Program(
        tuple(op.qubits for op in ops),
        tuple(a),
        tuple(b),
        tuple(op.name in MERGEABLE and op.condition is None for op in ops),
        dag if dag is not None else build_dag(ops, commute_aware),
    )


@dataclass(frozen=True)
class Trial:
    """One routing run as a trace: ``i >= 0`` runs op ``i``; ``i < 0`` is a swap on the
    physical pair ``divmod(-1 - i, num_qubits)``. ``start[w]``/``final[w]``: the physical
    qubit of wire ``w`` before and after."""

    trace: tuple[int, ...]
    start: tuple[int, ...]
    final: tuple[int, ...]
    swaps: int

    def operations(self, ops: Sequence[Operation]) -> list[Operation]:
        """The routed physical operations (wires of ``ops`` relabelled, swaps inserted)."""
        n = len(self.start)
        pos = list(self.start)
        inv = [0] * n
        for w, p in enumerate(pos):
            inv[p] = w
        out: list[Operation] = []
        for t in self.trace:
            if t >= 0:
                op = ops[t]
                qs = tuple(pos[w] for w in op.qubits)
                if qs != op.qubits:
                    op = Operation(op.name, qs, op.params, op.clbits, op.condition, op.span)
                out.append(op)
            else:
                p1, p2 = divmod(-1 - t, n)
                out.append(Operation("swap", (p1, p2)))
                u, v = inv[p1], inv[p2]
                pos[u], pos[v] = p2, p1
                inv[p1], inv[p2] = v, u
        return out

    def result(self, ops: Sequence[Operation]) -> RouteResult:
        """The finished :class:`RouteResult` (swaps fused, trailing swaps dropped); its
        ``final`` is indexed by starting physical qubit."""
        final = [0] * len(self.start)
        for p, q in zip(self.start, self.final, strict=True):
            final[p] = q
        return finish(self.operations(ops), final, len(self.start))


def route(
    ops: Sequence[Operation],
    device: Device,
    *,
    seed: int = 0,
    commute_aware: bool = True,
    heuristic: Heuristic = DEFAULT_HEURISTIC,
    dag: Dag | None = None,
) -> RouteResult:
    """Route placed ``ops`` (qubits = physical, at most 2 per gate) on ``device``."""
    prog = prepare(ops, commute_aware, dag)
    trial = search(prog, device, range(device.num_qubits), seed=seed, heuristic=heuristic)
    assert trial is not None
    return trial.result(ops)


def search(
    prog: Program,
    device: Device,
    start: Sequence[int],
    *,
    seed: int = 0,
    heuristic: Heuristic = DEFAULT_HEURISTIC,
    max_swaps: int | None = None,
) -> Trial | None:
    """Route ``prog`` with wire ``w`` starting on physical qubit ``start[w]`` (one entry per
    device qubit); None when more than ``max_swaps`` swaps would be needed.

    A swap's score needs, per moved wire, the distances from its new place to its
    partners: one ``sum(map(...))`` over the partners' places per candidate, against the
    same sum from the old place computed once per step.
    """
    n = device.num_qubits
    dist, nbrs = device.distance_rows, device.neighbours
    qubits, pa, pb, fusable = prog.qubits, prog.a, prog.b, prog.fusable
    succs = prog.dag.succs
    indeg = list(prog.dag.indeg)
    h = heuristic
    wgt, adj, mb = h.weight, h.adjacency_bonus, h.merge_bonus
    rng = random.Random(seed)
    pos = list(start)
    inv = [0] * n
    for w, p in enumerate(pos):
        inv[p] = w
    ready = [i for i, d in enumerate(indeg) if d == 0]  # ascending: already a heap
    front: dict[int, tuple[int, int]] = {}
    by_wire: list[set[int]] = [set() for _ in range(n)]
    trace: list[int] = []
    last = [-1] * n
    dirty = True
    limit = max_swaps if max_swaps is not None else -1
    swaps = 0

    def drain() -> int:
        nonlocal dirty
        ran = 0
        while ready:
            i = heapq.heappop(ready)
            a = pa[i]
            if a >= 0:
                b = pb[i]
                if dist[pos[a]][pos[b]] != 1:
                    front[i] = (a, b)
                    by_wire[a].add(i)
                    by_wire[b].add(i)
                    dirty = True
                    continue
            trace.append(i)
            if mb:
                k = len(trace) - 1
                for w in qubits[i]:
                    last[pos[w]] = k
            for s in succs[i]:
                indeg[s] -= 1
                if indeg[s] == 0:
                    heapq.heappush(ready, s)
            ran += 1
        return ran

    def swap(p1: int, p2: int) -> int:
        nonlocal dirty, swaps
        u, v = inv[p1], inv[p2]
        trace.append(-1 - (p1 * n + p2))
        last[p1] = last[p2] = len(trace) - 1
        swaps += 1
        pos[u], pos[v] = p2, p1
        inv[p1], inv[p2] = v, u
        done = {
            g for w in (u, v) for g in by_wire[w] if dist[pos[front[g][0]]][pos[front[g][1]]] == 1
        }
        if not done:
            return 0
        for g in done:
            a, b = front.pop(g)
            by_wire[a].discard(g)
            by_wire[b].discard(g)
            heapq.heappush(ready, g)
        dirty = True
        return drain()

    decay = [1.0] * n
    drain()
    since_progress = 0
    swaps_since_reset = 0
    max_stall = 4 * n + 10
    f_part: dict[int, list[int]] = {}
    e_part: dict[int, list[int]] = {}
    nf = ne = f_sum = e_sum = 1
    at = pos.__getitem__
    incident, ahead, back = _moves(device)
    while front:
        if swaps > limit >= 0:
            return None
        if since_progress > max_stall:
            _force_one(front, pos, dist, nbrs, swap)
            since_progress = 0
            decay = [1.0] * n
            continue
        if dirty:  # the front changed: rebuild partner lists and distance sums
            dirty = False
            ext = _lookahead(front, succs, pa, pb, h.lookahead)
            f_part, e_part = {}, {}
            for a, b in front.values():
                f_part.setdefault(a, []).append(b)
                f_part.setdefault(b, []).append(a)
            for a, b in ext:
                e_part.setdefault(a, []).append(b)
                e_part.setdefault(b, []).append(a)
            nf, ne = len(front), max(1, len(ext))
            f_sum = sum(dist[pos[a]][pos[b]] for a, b in front.values())
            e_sum = sum(dist[pos[a]][pos[b]] for a, b in ext)
        cands = set()
        for w in f_part:
            cands.update(incident[pos[w]])
        best: list[tuple[int, int, int, int]] = []
        best_score = float("inf")
        for edge in sorted(cands):
            p1, p2 = edge
            u, v = inv[p1], inv[p2]
            df = de = newly = 0
            # u moves p1 -> p2 and v the other way; each excludes the other from its
            # partners (the sum counts that pair's distance going 1 -> 0: add 1 back)
            for w, other, step, new in ((u, v, ahead[edge], p2), (v, u, back[edge], p1)):
                ps = f_part.get(w)
                if ps is not None:
                    df += sum(map(step.__getitem__, map(at, ps))) + ps.count(other)
                    if adj:
                        newly += list(map(dist[new].__getitem__, map(at, ps))).count(1)
                ps = e_part.get(w)
                if ps is not None:
                    de += sum(map(step.__getitem__, map(at, ps))) + ps.count(other)
            score = (f_sum + df) / nf + wgt * (e_sum + de) / ne
            score *= max(decay[p1], decay[p2])
            score -= adj * newly
            if mb:
                j = last[p1]
                if j >= 0 and j == last[p2] and trace[j] >= 0 and fusable[trace[j]]:
                    score -= mb
            if score < best_score - 1e-9:
                best_score, best = score, [(p1, p2, df, de)]
            elif score <= best_score + 1e-9:
                best.append((p1, p2, df, de))
        p1, p2, df, de = best[rng.randrange(len(best))] if len(best) > 1 else best[0]
        f_sum += df
        e_sum += de
        ran = swap(p1, p2)
        decay[p1] += h.decay_step
        decay[p2] += h.decay_step
        swaps_since_reset += 1
        if ran:
            since_progress = 0
            decay = [1.0] * n
        else:
            since_progress += 1
            if swaps_since_reset >= 5:
                decay = [1.0] * n
                swaps_since_reset = 0
    if ready:
        raise RuntimeError("routing ended with unrouted operations")
    return Trial(tuple(trace), tuple(start), tuple(pos), swaps)


@lru_cache(maxsize=16)
def _moves(
    device: Device,
) -> tuple[
    list[tuple[tuple[int, int], ...]],
    dict[tuple[int, int], list[int]],
    dict[tuple[int, int], list[int]],
]:
    """Per physical qubit its edges ``(p, q)``, ``p < q``; per edge the change of every
    qubit's distance when moving from ``p`` to ``q`` (``ahead``) and back (``back``)."""
    dist = device.distance_rows
    incident: list[list[tuple[int, int]]] = [[] for _ in range(device.num_qubits)]
    ahead, back = {}, {}
    for p, q in device.edges:
        incident[p].append((p, q))
        incident[q].append((p, q))
        ahead[p, q] = [y - x for x, y in zip(dist[p], dist[q], strict=True)]
        back[p, q] = [-d for d in ahead[p, q]]
    return [tuple(e) for e in incident], ahead, back


def _lookahead(
    front: dict[int, tuple[int, int]],
    succs: Sequence[Sequence[int]],
    pa: Sequence[int],
    pb: Sequence[int],
    size: int,
) -> list[tuple[int, int]]:
    """Up to ``size`` 2-qubit gates that follow the front layer (breadth first)."""
    if size <= 0:
        return []
    out: list[tuple[int, int]] = []
    seen: set[int] = set(front)
    queue = list(front)
    k = 0
    budget = 20 * size
    while k < len(queue) and len(out) < size and k < budget:
        for s in succs[queue[k]]:
            if s in seen:
                continue
            seen.add(s)
            if pa[s] >= 0:
                out.append((pa[s], pb[s]))
            queue.append(s)
        k += 1
    return out[:size]


def _force_one(
    front: dict[int, tuple[int, int]],
    pos: list[int],
    dist: list[list[int]],
    nbrs: Sequence[Sequence[int]],
    swap: Callable[[int, int], int],
) -> None:
    """Escape a stall: walk the closest front gate's first qubit to its partner."""
    g = min(front, key=lambda i: (dist[pos[front[i][0]]][pos[front[i][1]]], i))
    a, b = front[g]
    while g in front:
        pa, pb = pos[a], pos[b]
        step = min(q for q in nbrs[pa] if dist[q][pb] < dist[pa][pb])
        swap(min(pa, step), max(pa, step))
