"""The SABRE swap search on flat arrays: the core of :func:`route` and of the
layout search.

The circuit is a :class:`Program` (wires of each op, 2-qubit gate pairs, the dependency
DAG); a run is a :class:`Trial`, a trace of op indices and swaps, turned into
:class:`~qlang.ir.circuit.Operation` lists only for the routes that are kept.

Each step scores every swap on an edge touching the front layer: mean front distance
plus a weighted mean over a lookahead window, times a decay factor for recently swapped
qubits, minus a bonus per front gate the swap makes adjacent and a bonus when the swap
can fuse with the gate just run on that pair. A moved wire's distance change to its
partners is one ``sum(map(...))`` over a per-edge row ``dist[q] - dist[p]``; the sums
themselves are updated by the chosen swap's change and rebuilt only when the front
changes.

Example::

    >>> from qlang.devices import line
    >>> from qlang.ir.circuit import Operation
    >>> ops = [Operation("cx", (0, 2))]
    >>> trial = search(prepare(ops), line(3), range(3), seed=1)
    >>> trial.swaps, [o.name for o in trial.operations(ops)]
    (1, ['swap', 'cx'])
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate

from qlang.passes.memo import RouteMemo, active_memo
from qlang.passes.routing.engine import (
    DEFAULT_HEURISTIC,
    Dag,
    Heuristic,
    RouteResult,
    build_dag,
    finish,
)
from qlang.passes.routing.kernels import KERNELS
from qlang.passes.routing.rewrite import MERGEABLE

from qlang.devices import Device
from qlang.ir.circuit import Operation

_MASK = (1 << 64) - 1


class TieBreaker:
    """The splitmix64 stream that breaks ties between equally scored swaps (the compiled
    search uses the same stream, so both pick the same swaps)."""

    def __init__(self, seed: int) -> None:
        self.state = seed & _MASK

    def below(self, k: int) -> int:
        """A number in ``range(k)``."""
        self.state = z = (self.state + 0x9E3779B97F4A7C15) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return (z ^ (z >> 31)) % k


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
    flat: tuple[array, ...] = field(default=(), compare=False, repr=False)


def prepare(
    ops: Sequence[Operation], commute_aware: bool = True, dag: Dag | None = None
) -> Program:
    """The :class:`Program` of ``ops`` (``dag`` reused when given)."""
    a, b = [-1] * len(ops), [-1] * len(ops)
    for i, op in enumerate(ops):
        if len(op.qubits) == 2 and op.is_gate:
            a[i], b[i] = op.qubits
    qubits = tuple(op.qubits for op in ops)
    fusable = tuple(op.name in MERGEABLE and op.condition is None for op in ops)
    dag = dag if dag is not None else build_dag(ops, commute_aware)
    flat: tuple[array, ...] = ()
    if KERNELS is not None:
        q_ptr, q_idx = _csr(qubits)
        flat = (q_ptr, q_idx, array("i", a), array("i", b), array("i", fusable), *dag.flat)
    return Program(qubits, tuple(a), tuple(b), fusable, dag, flat)


def _csr(rows: Sequence[Sequence[int]]) -> tuple[array, array]:
    """``rows`` as (offsets, entries) int32 arrays."""
    ptr = array("i", [0])
    ptr.extend(accumulate(map(len, rows)))
    return ptr, array("i", [x for r in rows for x in r])


def device_arrays(device: Device, memo: RouteMemo | None = None) -> tuple[array, ...]:
    """The device as int32 arrays for the compiled kernels: distances (row-major), edge
    ends, incident edge ids (offsets, entries). Memoised per device in ``memo`` (by
    default the run's, :func:`.memo.route_memo`).

    Example::

        >>> from qlang.devices import line
        >>> [list(a) for a in device_arrays(line(3))]
        [[0, 1, 2, 1, 0, 1, 2, 1, 0], [0, 1, 1, 2], [0, 1, 3, 4], [0, 0, 1, 1]]
    """
    return (memo or active_memo()).lookup("device", ("arrays", device),
                                          lambda: _device_arrays(device))  # fmt: skip


def _device_arrays(device: Device) -> tuple[array, ...]:
    # the incident edge ids of :func:`device_moves`, without its per-edge distance rows
    ends = device.edges
    incident: list[list[int]] = [[] for _ in range(device.num_qubits)]
    for k, (p, q) in enumerate(ends):
        incident[p].append(k)
        incident[q].append(k)
    inc_ptr, inc_idx = _csr(incident)
    dist = array("i", [d for row in device.distance_rows for d in row])
    return dist, array("i", [q for e in ends for q in e]), inc_ptr, inc_idx


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

    def key(self, prog: Program, ops: Sequence[Operation], codes: array | None) -> tuple[int, int]:
        """``self.result(ops).key`` (CNOT cost, depth), computed by the compiled
        ``trace_key`` without building the operations when ``codes`` (from
        :func:`.rewrite.finish_codes`) and the kernels are there."""
        if codes is None or KERNELS is None or not prog.flat:
            return self.result(ops).key
        cost, depth = KERNELS.trace_key(len(self.start), self.trace, self.start, codes,
                                        *prog.flat[:2])  # fmt: skip
        return cost, depth

    def result(self, ops: Sequence[Operation]) -> RouteResult:
        """The finished :class:`RouteResult` (swaps fused, trailing swaps dropped); its
        ``final`` is indexed by starting physical qubit."""
        final = [0] * len(self.start)
        for p, q in zip(self.start, self.final, strict=True):
            final[p] = q
        return finish(self.operations(ops), final, len(self.start))


@dataclass(frozen=True, eq=False)
class ScoredTrial:
    """A trace with what scoring it needs: ``key`` (CNOT cost, depth) from
    :meth:`Trial.key`, the finished ``result`` built only when asked for."""

    trial: Trial
    prog: Program
    ops: Sequence[Operation]
    codes: array | None

    @cached_property
    def key(self) -> tuple[int, int]:
        return self.trial.key(self.prog, self.ops, self.codes)

    @property
    def cost(self) -> int:
        return self.key[0]

    @cached_property
    def result(self) -> RouteResult:
        return self.trial.result(self.ops)


def search(
    prog: Program,
    device: Device,
    start: Sequence[int],
    *,
    seed: int = 0,
    heuristic: Heuristic = DEFAULT_HEURISTIC,
    arrays: tuple[array, ...] | None = None,
) -> Trial:
    """Route ``prog`` with wire ``w`` starting on physical qubit ``start[w]`` (one entry per
    device qubit). Relabelling wires does not change the decisions, so a logical program
    started on a layout routes exactly like the placed circuit. Uses the compiled search
    when it is built (identical decisions), else :func:`search_python`. ``arrays``:
    :func:`device_arrays` of ``device``, when the caller has them (worker threads do not
    see the run's memo)."""
    if prog.flat and KERNELS is not None:
        h, n = heuristic, device.num_qubits
        if len(start) != n:
            raise ValueError("search: start needs one entry per device qubit")
        trace, final, swaps = KERNELS.search(
            n, *(arrays or device_arrays(device)), *prog.flat, array("i", start), h.lookahead, h.weight,
            h.decay_step, h.adjacency_bonus, h.merge_bonus, seed & _MASK,
        )  # fmt: skip
        return Trial(tuple(trace), tuple(start), tuple(final), swaps)
    return search_python(prog, device, start, seed=seed, heuristic=heuristic)


def search_python(
    prog: Program,
    device: Device,
    start: Sequence[int],
    *,
    seed: int = 0,
    heuristic: Heuristic = DEFAULT_HEURISTIC,
) -> Trial:
    """The pure-Python search: the reference for the compiled one."""
    n = device.num_qubits
    dist, nbrs = device.distance_rows, device.neighbours
    qubits, pa, pb, fusable = prog.qubits, prog.a, prog.b, prog.fusable
    succs = prog.dag.succs
    indeg = list(prog.dag.indeg)
    h = heuristic
    wgt, adj, mb = h.weight, h.adjacency_bonus, h.merge_bonus
    rng = TieBreaker(seed)
    pos = list(start)
    inv = [0] * n
    for w, p in enumerate(pos):
        inv[p] = w
    ready = [i for i, d in enumerate(indeg) if d == 0]  # ascending: already a heap
    front: dict[int, tuple[int, int]] = {}
    by_wire: list[set[int]] = [set() for _ in range(n)]
    f_part: dict[int, list[int]] = {}  # front partners of each wire (with multiplicity)
    trace: list[int] = []
    last = [-1] * n
    dirty = True
    swaps = 0
    f_sum = 0  # total distance of the front gates, kept up to date

    def drain() -> int:
        nonlocal dirty, f_sum
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
                    f_part.setdefault(a, []).append(b)
                    f_part.setdefault(b, []).append(a)
                    f_sum += dist[pos[a]][pos[b]]
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
        nonlocal dirty, swaps, f_sum
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
            for w, o in ((a, b), (b, a)):
                ps = f_part[w]
                ps.remove(o)
                if not ps:
                    del f_part[w]
            heapq.heappush(ready, g)
        f_sum -= len(done)  # each left the front at distance 1
        dirty = True
        return drain()

    decay = [1.0] * n
    drain()
    since_progress = 0
    swaps_since_reset = 0
    max_stall = 4 * n + 10
    e_part: dict[int, list[int]] = {}
    nf = ne = e_sum = 1
    at = pos.__getitem__
    incident, ends, ahead, back = device_moves(device)
    while front:
        if since_progress > max_stall:
            _force_one(front, pos, dist, nbrs, swap)
            f_sum = sum(dist[pos[a]][pos[b]] for a, b in front.values())
            since_progress = 0
            decay = [1.0] * n
            continue
        if dirty:  # the front changed: rebuild partner lists and distance sums
            dirty = False
            ext = _lookahead(front, succs, pa, pb, h.lookahead)
            e_part = {}
            for a, b in ext:
                e_part.setdefault(a, []).append(b)
                e_part.setdefault(b, []).append(a)
            nf, ne = len(front), max(1, len(ext))
            e_sum = sum(dist[pos[a]][pos[b]] for a, b in ext)
        cands = set()
        for w in f_part:
            cands.update(incident[pos[w]])
        best: list[tuple[int, int, int, int]] = []
        best_score = float("inf")
        f_get, e_get = f_part.get, e_part.get
        for k in sorted(cands):
            p1, p2 = ends[k]
            u, v = inv[p1], inv[p2]
            # u moves p1 -> p2 and v the other way; each excludes the other from its
            # partners (the sum counts that pair's distance going 1 -> 0: add 1 back)
            step = ahead[k]
            ps = f_get(u)
            df = 0 if ps is None else sum(map(step.__getitem__, map(at, ps))) + ps.count(v)
            ps = e_get(u)
            de = 0 if ps is None else sum(map(step.__getitem__, map(at, ps))) + ps.count(v)
            step = back[k]
            ps = f_get(v)
            if ps is not None:
                df += sum(map(step.__getitem__, map(at, ps))) + ps.count(u)
            ps = e_get(v)
            if ps is not None:
                de += sum(map(step.__getitem__, map(at, ps))) + ps.count(u)
            score = (f_sum + df) / nf + wgt * (e_sum + de) / ne
            score *= max(decay[p1], decay[p2])
            if adj:
                newly = 0
                for w, new in ((u, p2), (v, p1)):
                    ps = f_get(w)
                    if ps is not None:
                        newly += list(map(dist[new].__getitem__, map(at, ps))).count(1)
                score -= adj * newly
            if mb:
                j = last[p1]
                if j >= 0 and j == last[p2] and trace[j] >= 0 and fusable[trace[j]]:
                    score -= mb
            if score < best_score - 1e-9:
                best_score, best = score, [(p1, p2, df, de)]
            elif score <= best_score + 1e-9:
                best.append((p1, p2, df, de))
        p1, p2, df, de = best[rng.below(len(best))] if len(best) > 1 else best[0]
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


def device_moves(
    device: Device, memo: RouteMemo | None = None
) -> tuple[list[list[int]], tuple[tuple[int, int], ...], list[list[int]], list[list[int]]]:
    """Per physical qubit the ids of its edges; per edge ``k = (p, q)``, ``p < q``, the
    change of every qubit's distance when moving from ``p`` to ``q`` (``ahead[k]``) and
    back (``back[k]``). Edge ids follow the sorted edge list, so sorted ids = sorted edges.
    Memoised per device in ``memo`` (by default the run's).

    Example::

        >>> from qlang.devices import line
        >>> incident, ends, ahead, back = device_moves(line(3))
        >>> incident, ends, ahead[0]
        ([[0], [0, 1], [1]], ((0, 1), (1, 2)), [1, -1, -1])
    """
    return (memo or active_memo()).lookup("device", ("moves", device),
                                          lambda: _device_moves(device))  # fmt: skip


def _device_moves(
    device: Device,
) -> tuple[list[list[int]], tuple[tuple[int, int], ...], list[list[int]], list[list[int]]]:
    dist = device.distance_rows
    incident: list[list[int]] = [[] for _ in range(device.num_qubits)]
    ahead, back = [], []
    for k, (p, q) in enumerate(device.edges):
        incident[p].append(k)
        incident[q].append(k)
        ahead.append([y - x for x, y in zip(dist[p], dist[q], strict=True)])
        back.append([-d for d in ahead[k]])
    return incident, device.edges, ahead, back


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
        closer = [q for q in nbrs[pa] if dist[q][pb] < dist[pa][pb]]
        if not closer:  # as the compiled search reports it
            raise RuntimeError("routing: device is disconnected")
        step = min(closer)
        swap(min(pa, step), max(pa, step))


def route(
    ops: Sequence[Operation],
    device: Device,
    *,
    seed: int = 0,
    commute_aware: bool = True,
    heuristic: Heuristic = DEFAULT_HEURISTIC,
    dag: Dag | None = None,
) -> RouteResult:
    """Route placed ``ops`` (qubits = physical, at most 2 per gate) on ``device`` (one
    trial of :func:`search`).

    Example::

        >>> from qlang.devices import line
        >>> res = route([Operation("cx", (0, 2))], line(3), seed=1)
        >>> res.swaps, [o.name for o in res.ops]
        (1, ['swap', 'cx'])
    """
    trial = search(prepare(ops, commute_aware, dag), device, range(device.num_qubits),
                   seed=seed, heuristic=heuristic)  # fmt: skip
    return trial.result(ops)
