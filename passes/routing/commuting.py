"""Parity-chain routing for blocks of commuting diagonal 2-qubit terms.

A block of diagonal terms (``rzz``, ``cz``, ``cp``, ``crz``: a ZZ feature-map layer, an IQP
layer, a QAOA cost layer) is a phase polynomial: ``rzz(t)`` on wires ``a, b`` is ``rz(t)``
on any qubit that currently holds the parity ``x_a + x_b`` (mod 2). Instead of moving
qubits with swaps (3 CNOTs) and running each term as ``cx; rz; cx`` (2 CNOTs), this router
moves *parities* with single CNOTs.

The active wires sit on a path ``p_0 .. p_{k-1}`` of the device in the order
``s_0 .. s_{k-1}``. A block runs in three phases:

1. **entry**: ``cx p_{i+1} -> p_i`` for ``i = 0 .. k-2`` leaves the *chain state*: ``p_i``
   holds ``x_{s_i} + x_{s_{i+1}}`` and ``p_{k-1}`` holds ``x_{s_{k-1}}``. Every
   chain-adjacent pair is exposed (its terms run as ``rz`` on that qubit, no CNOT).
2. **transpositions**: swapping ``s_j`` and ``s_{j+1}`` in the chain order is
   ``cx p_j -> p_{j-1}; cx p_j -> p_{j+1}`` (one CNOT at ``j = 0``) and exposes the two
   new chain-adjacent pairs ``(s_{j-1}, s_{j+1})`` and ``(s_j, s_{j+2})``. A greedy
   planner picks transpositions that expose pending pairs or shrink their summed chain
   distance (a stall valve walks the closest pending pair together); odd-even layers are
   the alternative for dense blocks. The cheaper plan wins.
3. **exit**: ``cx p_{i+1} -> p_i`` for ``i = k-2 .. 0`` returns to plain qubits, now in
   the final chain order (a permutation: the next block starts from it, and non-diagonal
   gates between blocks run on clean qubits).

So a block costs ``2 (k - 1)`` CNOTs for entry and exit plus 2 per transposition, against
2 per term plus 3 per swap (1 when fused) for swap routing; a full ZZ map on 16 qubits
needs about a third of the CNOTs. The router applies when every 2-qubit gate is
diagonal and the active wires lie on ``path``; otherwise it returns None.

Example::

    >>> from qlang.devices import line
    >>> from qlang.ir.circuit import Operation
    >>> from qlang.ir.expr import Weight
    >>> ops = [Operation("rzz", (a, b), (Weight(0),)) for a in range(4) for b in range(a + 1, 4)]
    >>> chain_route(ops, line(4), [0, 1, 2, 3]).cost < 12
    True
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import networkx as nx
from qlang.passes.routing.engine import RouteResult, finish
from qlang.passes.routing.layout import interaction_graph
from qlang.passes.routing.network import find_path
from qlang.passes.routing.rewrite import _diag_as_rzz

from qlang.devices import Device
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.gates import GATES

DIAGONAL_2Q = frozenset({"rzz", "cz", "cp", "crz"})


def chain_applicable(ops: Sequence[Operation], path: Sequence[int]) -> bool:
    """True when every 2-qubit gate is an unconditioned diagonal term on ``path`` wires."""
    on_path = set(path)
    for op in ops:
        if not op.is_gate:
            continue
        if len(op.qubits) > 2 or (op.condition is not None and len(op.qubits) == 2):
            return False
        if len(op.qubits) == 2 and (
            op.name not in DIAGONAL_2Q or not all(q in on_path for q in op.qubits)
        ):
            return False
    return True


def chain_route(
    ops: Sequence[Operation],
    device: Device,
    path: Sequence[int],
    *,
    seed: int = 0,
    trials: int = 2,
) -> RouteResult | None:
    """Route placed ``ops`` with parity chains along ``path`` (None when not applicable).

    ``trials`` greedy plans (different seeds and weights) plus the odd-even plan are
    tried for each block; the cheapest is kept (plans of one block do not affect the
    cost of the next except through the final order, which is the same set of wires).
    """
    if len(path) < 2 or not chain_applicable(ops, path):
        return None
    router = _ChainRouter(device, path, random.Random(seed), max(1, trials))
    block: list[Operation] = []
    for op in ops:
        if _is_diagonal(op):
            block.append(op)
            continue
        if block:
            router.run_block(block)
            block = []
        router.emit(op)
    if block:
        router.run_block(block)
    res = finish(router.out, router.pos, device.num_qubits)
    return replace(res, phase=res.phase + router.phase)


def _is_diagonal(op: Operation) -> bool:
    return op.is_gate and op.condition is None and GATES[op.name].diagonal


class _ChainRouter:
    """Clean-state bookkeeping between blocks and the emitted ops."""

    def __init__(self, device: Device, path: Sequence[int], rng: random.Random, trials: int):
        self.device = device
        self.path = list(path)
        self.pos = list(range(device.num_qubits))  # wire -> physical qubit (clean state)
        self.inv = list(range(device.num_qubits))
        self.out: list[Operation] = []
        self.phase: E.Expr = E.ZERO
        self.rng = rng
        self.trials = trials
        self.last: tuple[frozenset[Pair], list[int]] | None = None

    def emit(self, op: Operation) -> None:
        self.out.append(replace(op, qubits=tuple(self.pos[w] for w in op.qubits)))

    def run_block(self, block: Sequence[Operation]) -> None:
        terms: dict[Pair, list[E.Expr]] = defaultdict(list)
        for op in block:
            if len(op.qubits) == 1:
                self.emit(op)
                continue
            pre, angle, phase = _diag_as_rzz(op)
            for p in pre:
                self.emit(p)
            self.phase = self.phase + phase
            a, b = op.qubits
            terms[(min(a, b), max(a, b))].append(angle)
        if not terms:
            return
        order = [self.inv[p] for p in self.path]
        pairs = frozenset(terms)
        previous = None
        if self.last is not None and self.last[0] == pairs:
            previous = self.last[1][::-1]
        choice = best_plan(order, pairs, self.device, self.path, self.rng, self.trials, previous)
        self.last = (pairs, choice.plan)
        final = self._apply(order, terms, choice)
        for i, w in enumerate(final):
            self.pos[w] = self.path[i]
            self.inv[self.path[i]] = w

    def _apply(self, order: list[int], terms: dict[Pair, list[E.Expr]], choice: Plan) -> list[int]:
        """Emit direct terms, entry, the transpositions and exit; return the final order."""
        path = self.path
        vec = [1 << w for w in order]
        pending = {(1 << a) | (1 << b): list(angles) for (a, b), angles in terms.items()}

        def direct(pairs: frozenset[Pair], where: Sequence[int]) -> None:
            at = {w: path[i] for i, w in enumerate(where)}
            for a, b in sorted(pairs):
                rz = [Operation("rz", (at[b],), (t,)) for t in pending.pop((1 << a) | (1 << b))]
                self.out += [Operation("cx", (at[a], at[b])), *rz, Operation("cx", (at[a], at[b]))]

        direct(choice.direct_start, order)

        def cx(c: int, t: int) -> None:
            vec[t] ^= vec[c]
            self.out.append(Operation("cx", (path[c], path[t])))
            for angle in pending.pop(vec[t], ()):
                self.out.append(Operation("rz", (path[t],), (angle,)))

        sigma = list(order)
        links = sorted(choice.links)
        for i in links:
            cx(i + 1, i)
        for j in choice.plan:
            if j >= 1 and j - 1 in choice.links:
                cx(j, j - 1)
            cx(j, j + 1)
            sigma[j], sigma[j + 1] = sigma[j + 1], sigma[j]
        for i in reversed(links):
            cx(i + 1, i)
        direct(choice.direct_end, sigma)
        if pending or any(v != 1 << w for v, w in zip(vec, sigma, strict=True)):
            raise RuntimeError("parity chain ended with pending terms or an unclean state")
        return sigma


Pair = tuple[int, int]


@dataclass(frozen=True)
class Plan:
    """One block's schedule: transpositions, the chain links in use (the others are cut,
    saving their entry and exit CNOTs), the terms run directly on non-path edges before
    the entry and after the exit."""

    plan: list[int]
    links: frozenset[int]
    direct_start: frozenset[Pair]
    direct_end: frozenset[Pair]
    cost: int


def best_plan(
    order: Sequence[int],
    pairs: frozenset[Pair],
    device: Device,
    path: Sequence[int],
    rng: random.Random,
    trials: int,
    previous: list[int] | None = None,
    quick: bool = False,
) -> Plan:
    """The cheapest schedule for the block ``pairs`` from chain order ``order``.

    Pairs on a device edge off the path (a "rung") run directly as ``cx; rz; cx``; the
    rest come from the odd-even plan, ``trials`` greedy plans and ``previous`` (the last
    block's plan reversed, which visits the same chain states backwards). ``quick``
    (for layout search) tries one plan around the rungs: greedy, or odd-even when more
    than half of all pairs are pending (dense blocks, where greedy rarely wins and is
    slow; they get one greedy plan otherwise).
    """
    rungs = _rungs(order, pairs, device, path)
    best: Plan | None = None
    for want in (pairs - rungs, pairs):
        at = {w: i for i, w in enumerate(order)}
        rest = {(a, b) for a, b in want if abs(at[a] - at[b]) > 1}
        dense = 4 * len(rest) > len(order) * (len(order) - 1)
        plans = [] if quick and not dense else [_odd_even_plan(order, rest)]
        weights = (1.0, 2.0, 0.5, 1.5)
        for t in range(0 if quick and dense else 1 if dense else trials):
            plans.append(_greedy_plan(order, rest, rng, weights[t % len(weights)]))
        if previous is not None:
            plans.append(previous)
        for plan in plans:
            final = list(order)
            for j in plan:
                final[j], final[j + 1] = final[j + 1], final[j]
            end_rungs = _rungs(final, pairs, device, path) - rungs
            links = _links_used(order, want - end_rungs, plan)
            if links is None:
                continue
            done = _exposed(order, rungs | end_rungs, plan, links)
            start, end = rungs - done, end_rungs - done
            cost = 2 * (len(links) + len(start) + len(end))
            cost += sum(1 + (j >= 1 and j - 1 in links) for j in plan)
            if best is None or (cost, len(plan)) < (best.cost, len(best.plan)):
                best = Plan(plan, links, start, end, cost)
        if not rungs or quick:
            break
    assert best is not None  # the odd-even plan always covers ``want``
    return best


def _rungs(
    order: Sequence[int], pairs: frozenset[Pair], device: Device, path: Sequence[int]
) -> frozenset[Pair]:
    """The ``pairs`` on a device edge between path qubits that are not path neighbours."""
    at = {w: i for i, w in enumerate(order)}
    return frozenset(
        (a, b) for a, b in pairs
        if abs(at[a] - at[b]) > 1 and device.adjacent(path[at[a]], path[at[b]])
    )  # fmt: skip


def _exposed(
    order: Sequence[int], pairs: frozenset[Pair], plan: Sequence[int], links: frozenset[int]
) -> set[Pair]:
    """The ``pairs`` that the chain exposes when only ``links`` are in use."""
    k = len(order)
    sigma = list(order)
    out: set[Pair] = set()

    def expose(i: int) -> None:
        if i in links:
            u, v = sigma[i], sigma[i + 1]
            pair = (min(u, v), max(u, v))
            if pair in pairs:
                out.add(pair)

    for i in range(k - 1):
        expose(i)
    for j in plan:
        sigma[j], sigma[j + 1] = sigma[j + 1], sigma[j]
        if j >= 1:
            expose(j - 1)
        if j + 2 < k:
            expose(j + 1)
    return out


def _links_used(
    order: Sequence[int], want: frozenset[Pair], plan: Sequence[int]
) -> frozenset[int] | None:
    """Chain links (``i``: between positions ``i`` and ``i + 1``) the plan needs: those
    transposed and those where a wanted pair is first exposed; None if ``want`` is not
    covered."""
    k = len(order)
    sigma = list(order)
    left = set(want)
    used: set[int] = set()

    def expose(i: int) -> None:
        u, v = sigma[i], sigma[i + 1]
        pair = (min(u, v), max(u, v))
        if pair in left:
            left.discard(pair)
            used.add(i)

    for i in range(k - 1):
        expose(i)
    for j in plan:
        sigma[j], sigma[j + 1] = sigma[j + 1], sigma[j]
        used.add(j)
        if j >= 1:
            expose(j - 1)
        if j + 2 < k:
            expose(j + 1)
    return frozenset(used) if not left else None


def _odd_even_plan(order: Sequence[int], rest: set[Pair]) -> list[int]:
    """Odd-even transposition layers until every pair of ``rest`` has been chain-adjacent."""
    k = len(order)
    sigma = list(order)
    where = {w: i for i, w in enumerate(sigma)}
    pending = set(rest)
    plan: list[int] = []
    layer = 0
    while pending and layer <= k + 1:
        for j in range(layer % 2, k - 1, 2):
            if not pending:
                break
            plan.append(j)
            _transpose(sigma, where, j, pending)
        layer += 1
    return plan


def _transpose(
    sigma: list[int], where: dict[int, int], j: int, pending: set[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Swap chain positions ``j, j+1``; return the pending pairs it exposed (removed)."""
    done = []
    a, b = sigma[j], sigma[j + 1]
    sigma[j], sigma[j + 1] = b, a
    where[a], where[b] = j + 1, j
    for x, y in ((j - 1, j), (j + 1, j + 2)):
        if 0 <= x and y < len(sigma):
            u, v = sigma[x], sigma[y]
            pair = (min(u, v), max(u, v))
            if pair in pending:
                pending.discard(pair)
                done.append(pair)
    return done


def _greedy_plan(
    order: Sequence[int], rest: set[Pair], rng: random.Random, gain_weight: float
) -> list[int]:
    """Transpositions chosen one at a time by (summed chain distance change - exposed
    pending pairs) per CNOT; a stall valve moves the closest pending pair together."""
    k = len(order)
    sigma = list(order)
    where = {w: i for i, w in enumerate(sigma)}
    pending = set(rest)
    partners: dict[int, set[int]] = defaultdict(set)
    for a, b in pending:
        partners[a].add(b)
        partners[b].add(a)
    plan: list[int] = []
    last = -1
    stall = 0
    budget = 4 * k * k + 16
    while pending and len(plan) < budget:
        best: list[int] = []
        best_score = 0.0
        for j in range(k - 1):
            if j == last:
                continue
            a, b = sigma[j], sigma[j + 1]
            delta = 0
            for w, old, new, other in ((a, j, j + 1, b), (b, j + 1, j, a)):
                for o in partners[w]:
                    if o != other:
                        po = where[o]
                        delta += abs(new - po) - abs(old - po)
            gain = 0
            for x, y in ((j - 1, j), (j + 1, j + 2)):
                if 0 <= x and y < k:
                    u = b if x == j else sigma[x]
                    v = a if y == j + 1 else sigma[y]
                    gain += (min(u, v), max(u, v)) in pending
            score = (delta - gain_weight * gain) / (1 if j == 0 else 2)
            if score < best_score - 1e-9:
                best_score, best = score, [j]
            elif best and score <= best_score + 1e-9:
                best.append(j)
        if best and stall < k:
            j = best[rng.randrange(len(best))]
            stall = 0 if best_score < 0 else stall + 1
        else:
            j = _valve(sigma, where, pending)
            stall = 0
        plan.append(j)
        before = len(pending)
        for a, b in _transpose(sigma, where, j, pending):
            partners[a].discard(b)
            partners[b].discard(a)
        last = j if len(pending) == before else -1
    return plan if not pending else _odd_even_plan(order, rest)


def _valve(sigma: list[int], where: dict[int, int], pending: set[tuple[int, int]]) -> int:
    """A transposition moving the closest pending pair one step closer."""
    a, b = min(pending, key=lambda p: (abs(where[p[0]] - where[p[1]]), p))
    lo, hi = sorted((where[a], where[b]))
    return lo  # swap s_lo rightwards: distance shrinks by one


def chain_layout(
    circuit: Circuit, device: Device, seed: int = 0, thorough: bool = False
) -> tuple[int, ...] | None:
    """A layout for :func:`chain_route`: the active wires along a device path, ordered so
    that interacting wires are chain neighbours, rung neighbours or close (None when
    chains do not apply).

    Candidate paths: one through the whole device and ones inside compact regions (more
    rungs). Start orders (reverse Cuthill-McKee and greedy walks in the interaction graph)
    are improved by random exchanges that do not increase the summed excess chain
    distance; the best few are then refined by exchanges and segment reversals judged by
    the block's planned CNOT cost (:func:`best_plan`), more of them when ``thorough``.
    """
    n = circuit.num_qubits
    if not chain_applicable(circuit.ops, range(n)):
        return None
    g = nx.Graph()  # canonical: the same graph whatever the order of the terms
    g.add_edges_from(sorted({tuple(sorted(e)) for e in interaction_graph(circuit).edges()}))
    active = sorted(g)
    if len(active) < 3:
        return None
    rng = random.Random(seed)
    paths = _candidate_paths(device, len(active), rng, 8 if thorough else 2, seed)
    if not paths:
        return None
    pairs = frozenset((min(a, b), max(a, b)) for a, b in g.edges())
    k = len(active)
    dense = 4 * len(pairs) > k * (k - 1)  # then any order is about as good
    starts = [list(nx.utils.reverse_cuthill_mckee_ordering(g.subgraph(active)))]
    starts += [_walk(g, active, rng) for _ in range(0 if dense else 8 if thorough else 2)]
    steps = 0 if dense else 150 * k
    orders = [_exchange(order, sorted(pairs), rng, steps) for order in starts]

    def cost(order: Sequence[int], path: Sequence[int]) -> int:
        return best_plan(order, pairs, device, path, random.Random(seed), 1, quick=True).cost

    scored = sorted(
        (cost(o, p), i, o, p) for i, (o, p) in enumerate((o, p) for p in paths for o in orders)
    )
    best_cost, _, best_order, best_path = scored[0]
    rounds = 0 if dense or not thorough else 40 * k if k <= 20 else 100
    for _, _, order, path in scored[: 3 if thorough else 1]:
        c, o = _refine(order, path, cost, rng, rounds)
        if c < best_cost:
            best_cost, best_order, best_path = c, o, path
    lay: dict[int, int] = dict(zip(best_order, best_path, strict=True))
    used = set(best_path)
    free = iter(q for q in range(device.num_qubits) if q not in used)
    return tuple(lay[q] if q in lay else next(free) for q in range(n))


def _candidate_paths(
    device: Device, k: int, rng: random.Random, regions: int, seed: int
) -> list[list[int]]:
    """A ``k``-qubit path anywhere, and paths inside compact regions grown from random
    qubits (their off-path edges become rungs). Each path is the one
    :func:`~.network.find_path` returns for its qubit set and ``seed``: the path the
    router will find again from the placed circuit."""
    out = []
    found = [find_path(device, k, time_limit=0.2, seed=rng.randrange(1 << 30))]
    for _ in range(regions):
        region = [rng.randrange(device.num_qubits)]
        inside = set(region)
        while len(region) < k:  # the frontier qubit with most neighbours inside
            frontier = {r for q in region for r in device.neighbours[q]} - inside
            if not frontier:
                break
            q = max(
                sorted(frontier),
                key=lambda r: (len(inside & set(device.neighbours[r])), rng.random()),
            )
            region.append(q)
            inside.add(q)
        if len(region) == k:
            found.append(region)
    for cells in found:
        if cells is not None:
            path = find_path(device, k, within=frozenset(cells), time_limit=0.2, seed=seed)
            if path is not None and path not in out:
                out.append(path)
    return out


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
    jumping to the nearest unvisited wire when stuck."""
    left = set(active)
    cur = rng.choice(sorted(active, key=lambda q: g.degree(q))[: max(1, len(active) // 4)])
    order = [cur]
    left.discard(cur)
    while left:
        nxt = [q for q in g.neighbors(cur) if q in left]
        if nxt:
            cur = min(
                nxt, key=lambda q: (sum(1 for r in g.neighbors(q) if r in left), rng.random())
            )
        else:
            dist = nx.single_source_shortest_path_length(g, cur)
            cur = min(left, key=lambda q: (dist.get(q, len(g) + 1), rng.random()))
        order.append(cur)
        left.discard(cur)
    return order


def _exchange(
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
