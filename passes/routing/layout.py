"""Initial layout: perfect (VF2), SABRE bidirectional, path (for swap networks), error-aware.

A layout is a tuple ``initial[l] = physical qubit of logical qubit l``. :func:`place`
rewrites a logical circuit onto the device with that layout.

Example::

    >>> from qlang.devices import line
    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(3, (Operation("cx", (0, 2)), Operation("cx", (2, 1))))
    >>> lay = perfect_layout(c, line(3))
    >>> all(line(3).adjacent(lay[a], lay[b]) for a, b in [(0, 2), (2, 1)])
    True
"""

from __future__ import annotations

import math
import random
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import replace

import networkx as nx
from networkx.algorithms.isomorphism import GraphMatcher
from qlang.passes.memo import RouteMemo, active_memo
from qlang.passes.routing.engine import DEFAULT_HEURISTIC, Heuristic, RouteResult
from qlang.passes.routing.kernels import KERNELS, parallel_map
from qlang.passes.routing.network import find_path
from qlang.passes.routing.rewrite import finish_codes
from qlang.passes.routing.sabre import Program, Trial, device_arrays, prepare, search

from qlang.devices import Device
from qlang.ir.circuit import Circuit, Layout, Operation


def interaction_graph(circuit: Circuit) -> nx.Graph:
    """Logical qubits joined when some 2-qubit gate acts on them (``weight`` = count)."""
    g = nx.Graph()
    g.add_nodes_from(range(circuit.num_qubits))
    for op in circuit.ops:
        if op.is_gate and len(op.qubits) == 2:
            a, b = op.qubits
            w = g.get_edge_data(a, b, {"weight": 0})["weight"]
            g.add_edge(a, b, weight=w + 1)
    return g


def place(circuit: Circuit, device: Device, initial: Sequence[int]) -> Circuit:
    """The circuit on the device's qubits, ``layout = (initial, initial)``."""
    at = tuple(initial).__getitem__
    # Operation(...) rather than dataclasses.replace: the same operations, several times
    # faster (the layout search places every candidate layout it judges)
    ops = tuple(
        Operation(op.name, tuple(map(at, op.qubits)), op.params, op.clbits, op.condition, op.span)
        for op in circuit.ops
    )
    init = tuple(initial)
    return replace(circuit, num_qubits=device.num_qubits, ops=ops, layout=Layout(init, init))


#: the default VF2 budget of :func:`perfect_layouts`: candidate pairs the matcher may
#: try (rustworkx's ``call_limit``; the same count of feasibility checks in the networkx
#: fallback). A count, never a time: the answer is the same on any machine.
VF2_CALLS = 2_000_000


class _OutOfCalls(Exception):
    pass


class _BoundedMatcher(GraphMatcher):
    """networkx VF2 that gives up after ``calls`` feasibility checks."""

    def __init__(self, g1: nx.Graph, g2: nx.Graph, calls: int):
        super().__init__(g1, g2)
        self.left = calls

    def semantic_feasibility(self, g1_node: object, g2_node: object) -> bool:
        self.left -= 1
        if self.left < 0:
            raise _OutOfCalls
        return True


def perfect_layouts(
    circuit: Circuit, device: Device, calls: int = VF2_CALLS, limit: int = 64
) -> Iterator[tuple[int, ...]]:
    """Layouts under which every 2-qubit gate already lies on an edge (VF2 monomorphism:
    rustworkx when available, else networkx's matcher), the search stopped after ``calls``
    candidate pairs."""
    n = circuit.num_qubits
    if n > device.num_qubits:
        return
    g = interaction_graph(circuit)
    active = nx.Graph(g.subgraph([q for q in g if g.degree(q) > 0]))
    if any(d > max((len(x) for x in device.neighbours), default=0) for _, d in active.degree):
        return
    mappings = _rustworkx_monomorphisms(device, active, calls)
    if mappings is None:
        matcher = _BoundedMatcher(device.to_networkx(), active, calls)
        mappings = matcher.subgraph_monomorphisms_iter()
    found = 0
    try:
        for mapping in mappings:
            inv = {v: k for k, v in mapping.items()}
            free = iter(q for q in range(device.num_qubits) if q not in mapping)
            yield tuple(inv[q] if q in inv else next(free) for q in range(n))
            found += 1
            if found >= limit:
                return
    except _OutOfCalls:
        return


def _rustworkx_monomorphisms(
    device: Device, active: nx.Graph, calls: int
) -> Iterator[dict[int, int]] | None:
    """VF2 in rustworkx (Qiskit's graph library, much faster than networkx), bounded by
    ``calls``; None when rustworkx is missing."""
    try:
        import rustworkx as rx
    except ImportError:
        return None
    nodes = sorted(active)
    g1 = rx.PyGraph()
    g1.add_nodes_from(range(device.num_qubits))
    g1.add_edges_from_no_data(list(device.edges))
    g2 = rx.PyGraph()
    g2.add_nodes_from(nodes)
    index = {q: i for i, q in enumerate(nodes)}
    g2.add_edges_from_no_data([(index[a], index[b]) for a, b in active.edges()])
    it = rx.vf2_mapping(
        g1, g2, subgraph=True, induced=False, id_order=False,
        call_limit=calls,
    )  # fmt: skip
    return ({d: nodes[c] for d, c in m.items()} for m in it)


def perfect_layout(
    circuit: Circuit, device: Device, calls: int = VF2_CALLS, error_aware: bool = False
) -> tuple[int, ...] | None:
    """The first perfect layout, or the most reliable of the first few when error-aware."""
    layouts = perfect_layouts(circuit, device, calls, limit=64 if error_aware else 1)
    if not error_aware:
        return next(layouts, None)
    best = None
    best_score = math.inf
    for lay in layouts:
        score = error_score(place(circuit, device, lay).ops, device)
        if score < best_score:
            best, best_score = lay, score
    return best


def error_score(ops: Sequence[Operation], device: Device) -> float:
    """``-log`` of the estimated success probability (device error rates; 0 when none)."""
    from qlang.passes.routing.rewrite import CX_COST

    total = 0.0
    for op in ops:
        if not op.is_gate:
            continue
        if len(op.qubits) == 2:
            e = device.edge_error(*op.qubits)
            total += CX_COST.get(op.name, 2) * -math.log1p(-min(e, 0.999999))
        elif len(op.qubits) == 1:
            total += -math.log1p(-min(device.qubit_error(op.qubits[0]), 0.999999))
    return total


def rcm_order(graph: nx.Graph, memo: RouteMemo | None = None) -> tuple[int, ...]:
    """``networkx.utils.reverse_cuthill_mckee_ordering(graph)``, memoised in ``memo`` (by
    default the run's) by the graph's adjacency as networkx iterates it (nodes and each
    node's neighbours, in order: all the ordering depends on). The layout passes of one
    -O3 compile ask for the order of the same interaction graph many times (every chain
    layout restart, every other layout of the portfolio).

    Example::

        >>> g = nx.path_graph(4)
        >>> rcm_order(g)
        (0, 1, 2, 3)
    """
    key = tuple((u, tuple(graph[u])) for u in graph)
    return (memo or active_memo()).lookup(
        "rcm", key, lambda: tuple(nx.utils.reverse_cuthill_mckee_ordering(graph))
    )


def path_layout(circuit: Circuit, device: Device, seed: int = 0) -> tuple[int, ...] | None:
    """Active qubits along a simple path, in reverse Cuthill-McKee order of their graph."""
    g = interaction_graph(circuit)
    active = [q for q in g if g.degree(q) > 0]
    if not active:
        return None
    path = find_path(device, len(active), seed=seed)
    if path is None:
        return None
    order = rcm_order(g.subgraph(active))
    lay: dict[int, int] = dict(zip(order, path, strict=True))
    used = set(path)
    free = iter(q for q in range(device.num_qubits) if q not in used)
    return tuple(lay[q] if q in lay else next(free) for q in range(circuit.num_qubits))


def random_region_layout(device: Device, n: int, rng: random.Random) -> tuple[int, ...]:
    """``n`` logical qubits shuffled over a connected region grown from a random qubit."""
    region = [rng.randrange(device.num_qubits)]
    seen = set(region)
    k = 0
    while len(region) < n and k < len(region):
        nb = [q for q in device.neighbours[region[k]] if q not in seen]
        rng.shuffle(nb)
        for q in nb:
            if len(region) < n:
                region.append(q)
                seen.add(q)
        k += 1
    if len(region) < n:  # disconnected leftovers: fill from the rest
        region += [q for q in range(device.num_qubits) if q not in seen][: n - len(region)]
    rng.shuffle(region)
    return tuple(region)


#: circuits with at least this many ops run their layout trials in threads (below it, the
#: thread handoffs cost more than the searches)
THREADED_MIN_OPS = 200


def _start(lay: Sequence[int], num_qubits: int) -> list[int]:
    """``lay`` extended with the unused physical qubits (ascending) for the idle wires."""
    used = set(lay)
    return [*lay, *(q for q in range(num_qubits) if q not in used)]


def layout_passes(
    prog: Program,
    rprog: Program,
    device: Device,
    lay: Sequence[int],
    iterations: int,
    forward_seed: int,
    backward_seed: int,
    heuristic: Heuristic = DEFAULT_HEURISTIC,
    arrays: tuple[array, ...] | None = None,
) -> tuple[int, ...]:
    """The forward-backward passes of a SABRE layout trial: ``iterations`` times, route
    ``prog`` forward from ``lay`` (logical wire ``w`` on physical qubit ``lay[w]``, the
    idle wires on the unused qubits in ascending order) with seed ``forward_seed + it``,
    then ``rprog`` (the reversed program) from where the wires ended with seed
    ``backward_seed + it``; the layout is where the last pass leaves the logical wires.
    One call of the compiled ``layout_trial`` when the kernels are built (the same
    searches), else :func:`.sabre.search` pass by pass.

    Example::

        >>> from qlang.devices import line
        >>> from qlang.ir.circuit import Operation
        >>> ops = [Operation("cx", (0, 2)), Operation("cx", (1, 2))]
        >>> p, r = prepare(ops), prepare(ops[::-1])
        >>> layout_passes(p, r, line(4), (0, 1, 2), 2, 5, 9)
        (0, 1, 2)
    """
    n, big = len(lay), device.num_qubits
    arrays = arrays or device_arrays(device)
    h = heuristic
    if KERNELS is not None and prog.flat and rprog.flat and iterations > 0:
        return tuple(KERNELS.layout_trial(
            big, *arrays, *prog.flat, *rprog.flat, array("i", lay), iterations, h.lookahead,
            h.weight, h.decay_step, h.adjacency_bonus, h.merge_bonus, forward_seed,
            backward_seed,
        ))  # fmt: skip
    cur = list(lay)
    for it in range(iterations):
        end = search(prog, device, _start(cur, big), seed=forward_seed + it, heuristic=h,
                     arrays=arrays).final[:n]  # fmt: skip
        cur = list(search(rprog, device, _start(end, big), seed=backward_seed + it,
                          heuristic=h, arrays=arrays).final[:n])  # fmt: skip
    return tuple(cur)


def sabre_layout(
    circuit: Circuit,
    device: Device,
    *,
    seed: int = 0,
    trials: int = 4,
    iterations: int = 2,
    heuristic: Heuristic = DEFAULT_HEURISTIC,
    start: Sequence[Sequence[int]] = (),
    error_aware: bool = False,
    ranking: list[tuple[int, tuple[int, ...]]] | None = None,
) -> tuple[tuple[int, ...], RouteResult]:
    """SABRE's bidirectional layout search; returns the best layout and its forward route.

    ``ranking``, when given, receives every ``(trial, layout)`` tried, best first. Trial
    ``t`` depends only on ``seed`` and ``t``, so a run with more trials extends a run with
    fewer.

    Each trial starts from a random layout (or one of ``start``), routes forward and
    backward ``iterations`` times, each pass starting where the previous one ended.
    """
    lay, trial = _sabre_search(circuit, device, seed, trials, iterations, heuristic, start,
                               error_aware, ranking)  # fmt: skip
    return lay, trial.result(list(circuit.ops))


def sabre_layout_only(
    circuit: Circuit,
    device: Device,
    *,
    seed: int = 0,
    trials: int = 4,
    iterations: int = 2,
    heuristic: Heuristic = DEFAULT_HEURISTIC,
    start: Sequence[Sequence[int]] = (),
    error_aware: bool = False,
    ranking: list[tuple[int, tuple[int, ...]]] | None = None,
) -> tuple[int, ...]:
    """The layout of :func:`sabre_layout` (and its ``ranking``), without building the
    forward route of the best trial (the layout pass judges its candidates by their own
    routes).

    Example::

        >>> from qlang.devices import line
        >>> c = Circuit(3, (Operation("cx", (0, 2)), Operation("cx", (1, 2))))
        >>> sabre_layout_only(c, line(3), seed=1) == sabre_layout(c, line(3), seed=1)[0]
        True
    """
    return _sabre_search(circuit, device, seed, trials, iterations, heuristic, start,
                         error_aware, ranking)[0]  # fmt: skip


def _programs(ops: Sequence[Operation], memo: RouteMemo | None = None) -> tuple[
    Program, Program, array
]:
    """The search programs of ``ops`` and of ``ops`` reversed, and their ``finish_codes``,
    memoised in ``memo`` (by default the run's): the layout passes of one -O3 compile run
    SABRE layout searches of the same circuit with several seeds."""
    ops = tuple(ops)
    return (memo or active_memo()).lookup(
        "sabre_programs", ops,
        lambda: (prepare(ops), prepare(ops[::-1]), finish_codes(ops)),
    )  # fmt: skip


def _sabre_search(
    circuit: Circuit,
    device: Device,
    seed: int,
    trials: int,
    iterations: int,
    heuristic: Heuristic,
    start: Sequence[Sequence[int]],
    error_aware: bool,
    ranking: list[tuple[int, tuple[int, ...]]] | None,
) -> tuple[tuple[int, ...], Trial]:
    """:func:`sabre_layout`'s search: the best layout and its forward trial."""
    n, big = circuit.num_qubits, device.num_qubits
    ops = list(circuit.ops)
    prog, rprog, finish = _programs(ops)
    codes = None if error_aware else finish  # candidates scored without finishing
    rng = random.Random(seed)
    starts = [tuple(s) for s in start]
    while len(starts) < trials:
        starts.append(random_region_layout(device, n, rng))
    best: tuple[tuple[int, ...], Trial] | None = None
    best_key: tuple[float, ...] = (math.inf,)
    ranked: list[tuple[tuple[float, ...], int, tuple[int, ...]]] = []

    arrays = device_arrays(device)  # (worker threads do not see the run's memo)

    def run(p: Program, lay: Sequence[int], s: int) -> Trial:
        return search(p, device, _start(lay, big), seed=s, heuristic=heuristic, arrays=arrays)

    def score(trial: Trial) -> tuple[float, ...]:
        if error_aware:
            res = trial.result(ops)
            return (error_score(res.ops, device), *res.key)
        return trial.key(prog, ops, codes)

    def trial(t: int) -> list[tuple[tuple[int, ...], Trial]]:
        init = starts[t]
        lay = layout_passes(prog, rprog, device, init, iterations, seed + 31 * t,
                            seed + 17 * t, heuristic, arrays)  # fmt: skip
        given = [tuple(init)] if t < len(start) else []
        return [(cand, run(prog, cand, seed + t)) for cand in [*given, lay]]

    threaded = len(ops) >= THREADED_MIN_OPS  # trials are independent: run them in threads
    found = parallel_map(trial, range(len(starts))) if threaded else map(trial, range(len(starts)))
    for t, cands in enumerate(found):
        for cand_lay, cand in cands:
            ckey = score(cand)
            ranked.append((ckey, t, cand_lay))
            if ckey < best_key:
                best_key, best = ckey, (cand_lay, cand)
    assert best is not None
    ranked.sort(key=lambda r: (r[0], r[1]))
    if ranking is not None:
        ranking.extend((t, lay) for _, t, lay in ranked)
    return best
