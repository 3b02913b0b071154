"""Layouts for the parity-chain router (:mod:`.commuting`): active wires along a path.

The chain order decides which pairs the entry exposes for free and how far the others
are apart, so the order along the path is searched for (interaction graph, not gate
order); paths inside compact regions add rungs (direct terms).

Example::

    >>> from qlang.devices import grid
    >>> from qlang.ir.circuit import Operation
    >>> from qlang.ir.expr import Weight
    >>> edges = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]
    >>> c = Circuit(4, tuple(Operation("rzz", e, (Weight(0),)) for e in edges))
    >>> lay = chain_layout(c, grid(2, 2))
    >>> sorted(lay)
    [0, 1, 2, 3]
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence

import networkx as nx
from qlang.passes.memo import RouteMemo, active_memo
from qlang.passes.routing.commuting import best_plan, chain_applicable, rung_positions
from qlang.passes.routing.kernels import KERNELS
from qlang.passes.routing.layout import interaction_graph, rcm_order
from qlang.passes.routing.network import find_path

from qlang.devices import Device
from qlang.ir.circuit import Circuit

__all__ = ["chain_layout", "chain_layouts"]


def chain_layout(
    circuit: Circuit, device: Device, seed: int = 0, thorough: bool = False
) -> tuple[int, ...] | None:
    """A layout for :func:`chain_route`: the active wires along a device path, ordered so
    that interacting wires are chain neighbours, rung neighbours or close (None when
    chains do not apply). The first of :func:`chain_layouts`."""
    found = chain_layouts(circuit, device, seed, thorough)
    return found[0] if found else None


def chain_layouts(
    circuit: Circuit, device: Device, seed: int = 0, thorough: bool = False, restarts: int = 1
) -> list[tuple[int, ...]]:
    """Layouts for :func:`chain_route` from ``restarts`` independent searches (each a
    :func:`_search` with its own random stream), cheapest planned cost first, duplicates
    dropped; empty when chains do not apply. Sparse blocks on many paths land far apart
    from one search to the next (on an 8x8 grid a 16-qubit 3-regular QAOA layer plans
    between 59 and 73 CNOTs depending on the stream), so more restarts find cheaper ones;
    dense blocks get one search (any order is about as good), and large blocks fewer
    (:func:`restart_budget`); ``thorough`` applies to blocks of at most
    :data:`THOROUGH_WIRES` wires.

    Example::

        >>> from qlang.devices import grid
        >>> from qlang.ir.circuit import Operation
        >>> from qlang.ir.expr import Weight
        >>> edges = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 2)]
        >>> c = Circuit(5, tuple(Operation("rzz", e, (Weight(0),)) for e in edges))
        >>> lays = chain_layouts(c, grid(3, 3), restarts=3)
        >>> 1 <= len(lays) <= 3 and all(len(set(lay)) == 5 for lay in lays)
        True
    """
    n = circuit.num_qubits
    if not chain_applicable(circuit.ops, range(n)):
        return []
    g = nx.Graph()  # canonical: the same graph whatever the order of the terms
    g.add_edges_from(sorted({tuple(sorted(e)) for e in interaction_graph(circuit).edges()}))
    if len(g) < 3:
        return []
    pairs = frozenset((min(a, b), max(a, b)) for a, b in g.edges())
    found: dict[tuple[int, ...], int] = {}
    rcm = list(rcm_order(g.subgraph(sorted(g))))  # every restart's first start order
    for r in range(1 if _dense(pairs, len(g)) else restart_budget(len(g), restarts)):
        # restart 0 is the single search's stream; the paths keep ``seed`` (see below)
        rng = random.Random(seed if r == 0 else (seed << 8) + r)
        hit = _search(g, pairs, device, n, rng, seed, thorough and len(g) <= THOROUGH_WIRES,
                      rcm)  # fmt: skip
        if hit is not None and hit[1] not in found:
            found[hit[1]] = hit[0]
    return sorted(found, key=lambda lay: found[lay])


#: the largest block (wires) that gets the ``thorough`` search (more paths and start
#: orders, refinement against planned costs); on the routing benchmark it changes no
#: route from 32 wires on, and costs 40% of the -O3 layout pass of a 100-qubit QAOA
THOROUGH_WIRES = 24
#: the most ``restarts x k**2`` of a chain-layout search of ``k`` wires (one plan costs
#: O(k**2) steps and a search's refinement O(k) plans): 8 restarts up to k = 16, 2 at
#: k = 32, 1 from k = 46 on
RESTART_WORK = 8 * 16 * 16


def restart_budget(k: int, restarts: int) -> int:
    """How many of ``restarts`` searches a block of ``k`` wires gets: at most
    :data:`RESTART_WORK` ``// k**2``, at least one. On the routing benchmark, restarts
    beyond the first change no route from k = 32 on (they pay on the sparse 16-qubit
    blocks), while they cost the most there (2 s of the -O3 compile of a 100-qubit QAOA).

    Example::

        >>> [restart_budget(k, 8) for k in (8, 16, 24, 32, 64)]
        [8, 8, 3, 2, 1]
    """
    return max(1, min(restarts, RESTART_WORK // max(1, k * k)))


def _search(
    g: nx.Graph,
    pairs: frozenset[tuple[int, int]],
    device: Device,
    n: int,
    rng: random.Random,
    seed: int,
    thorough: bool,
    rcm: list[int],
) -> tuple[int, tuple[int, ...]] | None:
    """One layout search: (planned CNOT cost, layout), or None when no path fits.

    Candidate paths: one through the whole device and ones inside compact regions (more
    rungs). Start orders (``rcm``, the reverse Cuthill-McKee order of the interaction
    graph, the same for every restart, and greedy walks in the graph)
    are improved by random exchanges that do not increase the summed excess chain
    distance; the best few are then refined by exchanges and segment reversals judged by
    the block's planned CNOT cost (:func:`best_plan`), more of them when ``thorough``.
    """
    active = sorted(g)
    paths = _candidate_paths(device, len(active), rng, 8 if thorough else 2, seed)
    if not paths:
        return None
    k = len(active)
    dense = _dense(pairs, k)
    starts = [list(rcm)]
    starts += [_walk(g, active, rng) for _ in range(0 if dense else 8 if thorough else 2)]
    steps = 0 if dense else 150 * k
    orders = [_exchange(order, sorted(pairs), rng, steps) for order in starts]

    cost = _QuickCost(pairs, device, seed)
    costs = [c for p in paths for c in cost.many(orders, p)]
    scored = sorted(
        (c, i, o, p)
        for i, (c, (o, p)) in enumerate(zip(costs, ((o, p) for p in paths for o in orders)))
    )
    best_cost, _, best_order, best_path = scored[0]
    rounds = 0 if dense or not thorough else 40 * k if k <= 20 else 100
    for _, _, order, path in scored[: 3 if thorough else 1]:
        c, o = cost.refine(order, path, rng, rounds)
        if c < best_cost:
            best_cost, best_order, best_path = c, o, path
    lay: dict[int, int] = dict(zip(best_order, best_path, strict=True))
    used = set(best_path)
    free = iter(q for q in range(device.num_qubits) if q not in used)
    return best_cost, tuple(lay[q] if q in lay else next(free) for q in range(n))


def _dense(pairs: frozenset[tuple[int, int]], k: int) -> bool:
    """More than half of all pairs of the ``k`` wires interact: then any order is about as
    good (no order search, one restart)."""
    return 4 * len(pairs) > k * (k - 1)


def _candidate_paths(
    device: Device, k: int, rng: random.Random, regions: int, seed: int
) -> list[list[int]]:
    """A ``k``-qubit path anywhere, and paths inside compact regions grown from random
    qubits (their off-path edges become rungs). Each path is the one
    :func:`~.network.find_path` returns for its qubit set and ``seed``: the path the
    router will find again from the placed circuit."""
    out = []
    found = [find_path(device, k, seed=rng.randrange(1 << 30))]
    nbrs = device.neighbours
    for _ in range(regions):
        region = [rng.randrange(device.num_qubits)]
        inside = set(region)
        # the frontier (neighbours of the region outside it) and, for each of its qubits,
        # how many neighbours it has inside, kept up to date as the region grows
        near: dict[int, int] = {}
        for r in nbrs[region[0]]:
            if r not in inside:
                near[r] = near.get(r, 0) + 1
        while len(region) < k:  # the frontier qubit with most neighbours inside
            if not near:
                break
            # the first of the most, ties broken by a draw per frontier qubit in
            # ascending order (as max(sorted(frontier), key=(count, rng.random())))
            q, top = -1, (-1, 0.0)
            for r in sorted(near):
                key = (near[r], rng.random())
                if key > top:
                    q, top = r, key
            region.append(q)
            inside.add(q)
            del near[q]
            for r in nbrs[q]:
                if r not in inside:
                    near[r] = near.get(r, 0) + 1
        if len(region) == k:
            found.append(region)
    memo = active_memo()
    for cells in found:
        if cells is not None:
            path = _path_within(memo, device, k, frozenset(cells), seed)
            if path is not None and path not in out:
                out.append(path)
    return out


def _path_within(
    memo: RouteMemo, device: Device, k: int, cells: frozenset[int], seed: int
) -> list[int] | None:
    """``find_path(device, k, within=cells, seed=seed)``, memoised in ``memo``: the
    restarts of one search, and the searches of the portfolio's layouts with the same seed,
    grow many regions of the same qubits (on a line, every region of ``k`` qubits among
    ``k`` is the whole line)."""
    found = memo.lookup(
        "chain_path", (device, k, cells, seed),
        lambda: _as_tuple(find_path(device, k, within=cells, seed=seed)),
    )  # fmt: skip
    return None if found is None else list(found)


def _as_tuple(path: list[int] | None) -> tuple[int, ...] | None:
    return None if path is None else tuple(path)


class _QuickCost:
    """The planned CNOT cost of a chain order along a path, as the layout search judges
    it: ``best_plan(order, pairs, device, path, random.Random(seed), 1, quick=True).cost``
    (:func:`quick_cost`), compiled when the routing kernels are built (``chain_cost``:
    the same plans, rungs and links, counted alike; a property test compares them)."""

    def __init__(self, pairs: frozenset[tuple[int, int]], device: Device, seed: int):
        self.pairs, self.device, self.seed = pairs, device, seed
        self.flat = sorted(pairs)
        self.rungs: dict[tuple[int, ...], tuple[tuple[int, int], ...]] = {}
        self.compiled = KERNELS is not None and abs(seed) < 1 << 64

    def _rungs(self, path: Sequence[int]) -> tuple[tuple[int, int], ...]:
        key = tuple(path)
        if key not in self.rungs:
            self.rungs[key] = rung_positions(self.device, key)
        return self.rungs[key]

    def __call__(self, order: Sequence[int], path: Sequence[int]) -> int:
        if self.compiled:
            assert KERNELS is not None
            return int(KERNELS.chain_cost(list(order), self.flat, self._rungs(path),
                                          abs(self.seed), None, 0)[0])  # fmt: skip
        return quick_cost(order, self.pairs, self.device, path, self.seed)

    def many(self, orders: Sequence[Sequence[int]], path: Sequence[int]) -> list[int]:
        """``[self(order, path) for order in orders]`` (compiled: one ``chain_costs`` call
        for all of them, the orders being permutations of one another)."""
        if self.compiled and orders:
            assert KERNELS is not None
            return list(KERNELS.chain_costs([list(o) for o in orders], self.flat,
                                            self._rungs(path), abs(self.seed)))  # fmt: skip
        return [self(order, path) for order in orders]

    def refine(
        self, order: Sequence[int], path: Sequence[int], rng: random.Random, rounds: int
    ) -> tuple[int, list[int]]:
        """:func:`_refine` with this cost (compiled: the whole loop in one call, drawing
        from ``rng`` as the Python loop does)."""
        if self.compiled and rounds > 0:
            assert KERNELS is not None
            c, o = KERNELS.chain_cost(list(order), self.flat, self._rungs(path),
                                      abs(self.seed), _stream(rng), rounds)  # fmt: skip
            return int(c), list(o)
        return _refine(order, path, self, rng, rounds)


def quick_cost(
    order: Sequence[int],
    pairs: frozenset[tuple[int, int]],
    device: Device,
    path: Sequence[int],
    seed: int,
) -> int:
    """The planned CNOT cost of the block ``pairs`` from chain ``order`` along ``path``
    with one quick plan (the reference of the compiled ``chain_cost``)."""
    return best_plan(order, pairs, device, path, random.Random(seed), 1, quick=True).cost


def _refine(
    order: Sequence[int],
    path: Sequence[int],
    cost: Callable[[Sequence[int], Sequence[int]], int],
    rng: random.Random,
    rounds: int,
) -> tuple[int, list[int]]:
    """Exchanges and segment reversals of the order, kept when the planned cost does not
    grow."""
    best = list(order)
    best_cost = cost(best, path)
    k = len(best)
    for _ in range(rounds):
        i, j = sorted((rng.randrange(k), rng.randrange(k)))
        if i == j:
            continue
        cand = list(best)
        if rng.random() < 0.5:
            cand[i], cand[j] = cand[j], cand[i]
        else:
            cand[i : j + 1] = cand[i : j + 1][::-1]
        c = cost(cand, path)
        if c <= best_cost:
            best, best_cost = cand, c
    return best_cost, best


def _walk(g: nx.Graph, active: Sequence[int], rng: random.Random) -> list[int]:
    """A long walk through the interaction graph (fewest unvisited neighbours first),
    jumping to the nearest unvisited wire when stuck.

    Works on the graph's adjacency lists (in networkx's order) and its own breadth-first
    distances: the same walk and the same draws as through networkx's views, faster."""
    adj = {q: list(g[q]) for q in g}
    left = set(active)
    cur = rng.choice(sorted(active, key=lambda q: len(adj[q]))[: max(1, len(active) // 4)])
    order = [cur]
    left.discard(cur)
    while left:
        nxt = [q for q in adj[cur] if q in left]
        if nxt:
            cur = min(nxt, key=lambda q: (sum(1 for r in adj[q] if r in left), rng.random()))
        else:
            dist = _distances(adj, cur)
            cur = min(left, key=lambda q: (dist.get(q, len(adj) + 1), rng.random()))
        order.append(cur)
        left.discard(cur)
    return order


def _distances(adj: dict[int, list[int]], source: int) -> dict[int, int]:
    """Breadth-first distances from ``source`` (``nx.single_source_shortest_path_length``).

    Example::

        >>> _distances({0: [1], 1: [0, 2], 2: [1], 3: []}, 0)
        {0: 0, 1: 1, 2: 2}
    """
    dist = {source: 0}
    queue = [source]
    for q in queue:
        d = dist[q] + 1
        for r in adj[q]:
            if r not in dist:
                dist[r] = d
                queue.append(r)
    return dist


def _stream(rng: random.Random) -> object:
    """What a kernel draws ``rng``'s numbers from: ``rng`` itself when it is a plain
    ``random.Random`` (the kernel reads its Mersenne Twister state, draws in C and writes
    the advanced state back: the same numbers and the same state after as the Python
    loop, without a call into Python per draw), else its ``getrandbits``.

    Example::

        >>> r = random.Random(1)
        >>> _stream(r) is r
        True
    """
    return rng if type(rng) is random.Random else rng.getrandbits


def _exchange(
    order: list[int], pairs: Sequence[tuple[int, int]], rng: random.Random, steps: int
) -> list[int]:
    """:func:`_exchange_python`, compiled when the routing kernels are built (the same
    result: the kernel draws its random positions from ``rng``)."""
    if KERNELS is not None and steps > 0:
        return list(KERNELS.exchange(list(order), list(pairs), _stream(rng), steps))
    return _exchange_python(order, pairs, rng, steps)


def _exchange_python(
    order: list[int], pairs: Sequence[tuple[int, int]], rng: random.Random, steps: int
) -> list[int]:
    """Random position exchanges kept when the summed excess distance does not grow."""
    order = list(order)
    where = {w: i for i, w in enumerate(order)}
    partners: dict[int, list[int]] = defaultdict(list)
    for a, b in pairs:
        partners[a].append(b)
        partners[b].append(a)

    def local(w: int, at: int, skip: int) -> int:
        return sum(max(0, abs(at - where[o]) - 1) for o in partners[w] if o != skip)

    k = len(order)
    for _ in range(steps):
        i, j = rng.randrange(k), rng.randrange(k)
        if i == j:
            continue
        a, b = order[i], order[j]
        before = local(a, i, b) + local(b, j, a)
        after = local(a, j, b) + local(b, i, a)
        if after <= before:
            order[i], order[j] = b, a
            where[a], where[b] = j, i
    return order
