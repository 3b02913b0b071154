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

Refinements (:func:`best_plan`): pairs on a device edge between non-neighbouring path
qubits ("rungs") run directly as ``cx; rz; cx`` before the entry or after the exit; chain
links that no transposition crosses and where no wanted pair is exposed are cut (their
entry and exit CNOTs dropped); a block with the same pairs as the previous one may replay
the previous plan backwards (QAOA p >= 2, ZZ reps 2).

So a block costs ``2`` CNOTs per link in use, ``2`` per direct term and ``2`` per
transposition, against 2 per term plus 3 per swap (1 when fused) for swap routing; a full
ZZ map on 16 qubits needs about two thirds of the CNOTs of the best swap route. The router
applies when every 2-qubit gate is diagonal and the active wires lie on ``path``;
otherwise it returns None. :mod:`.chain_layout` chooses layouts for it.

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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from qlang.passes.memo import RouteMemo, active_memo
from qlang.passes.routing.engine import RouteResult, finish
from qlang.passes.routing.kernels import KERNELS
from qlang.passes.routing.rewrite import _diag_as_rzz

from qlang.devices import Device
from qlang.ir import expr as E
from qlang.ir.circuit import Operation
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
    plan = chain_plan(ops, device, path, seed=seed, trials=trials)
    return None if plan is None else plan.result


def chain_plan(
    ops: Sequence[Operation],
    device: Device,
    path: Sequence[int],
    *,
    seed: int = 0,
    trials: int = 2,
    applicable: bool = False,
) -> ChainPlan | None:
    """The schedule :func:`chain_route` would follow, with its exact CNOT cost, without
    building the operations (``.result`` builds them, once): what judging many candidate
    layouts needs. ``applicable``: the caller has checked :func:`chain_applicable` for
    ``ops`` on ``path``'s qubits (the check depends only on that set).

    Example::

        >>> from qlang.devices import line
        >>> from qlang.ir.expr import Weight
        >>> ops = [Operation("rzz", (a, b), (Weight(0),)) for a in range(4) for b in range(a)]
        >>> plan = chain_plan(ops, line(4), [0, 1, 2, 3])
        >>> plan.cost == plan.result.cost == chain_route(ops, line(4), [0, 1, 2, 3]).cost
        True
    """
    if len(path) < 2 or not (applicable or chain_applicable(ops, path)):
        return None
    router = _ChainRouter(device, path, random.Random(seed), max(1, trials), build=False)
    _walk(router, ops)
    return ChainPlan(ops, device, tuple(path), tuple(router.choices), router.cost)


@dataclass(frozen=True, eq=False)
class ChainPlan:
    """A parity-chain route as its per-block plans; ``cost`` is the routed CNOT count."""

    ops: Sequence[Operation]
    device: Device
    path: tuple[int, ...]
    choices: tuple[Plan, ...]
    cost: int

    @cached_property
    def result(self) -> RouteResult:
        """The routed operations, built by replaying the plans."""
        router = _ChainRouter(self.device, self.path, random.Random(0), 1, replay=self.choices)
        _walk(router, self.ops)
        res = finish(router.out, router.pos, self.device.num_qubits)
        return replace(res, phase=res.phase + router.phase)

    @cached_property
    def depth(self) -> int:
        """``result.depth``, from a replay that tracks circuit levels instead of building
        operations (or from ``result`` when it is built already)."""
        if "result" in self.__dict__:
            return self.result.depth
        router = _ChainRouter(
            self.device, self.path, random.Random(0), 1, replay=self.choices, depth_only=True
        )
        _walk(router, self.ops)
        assert router.level is not None
        return max([*router.level, *router.clevel.values(), 0])

    @property
    def key(self) -> tuple[int, int]:
        """``result.key``: (CNOT count, depth)."""
        return (self.cost, self.depth)


def _walk(router: _ChainRouter, ops: Sequence[Operation]) -> None:
    """Feed ``ops`` to ``router``: maximal runs of diagonal gates as blocks."""
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


def _is_diagonal(op: Operation) -> bool:
    return op.is_gate and op.condition is None and GATES[op.name].diagonal


class _ChainRouter:
    """Clean-state bookkeeping between blocks and the emitted ops. With ``build=False`` it
    only plans (``choices``, ``cost``); with ``replay`` it follows given plans instead of
    searching; with ``depth_only`` it tracks circuit levels (``level``, ``clevel``, by the
    rule of ``Circuit.depth``) instead of building operations."""

    def __init__(
        self,
        device: Device,
        path: Sequence[int],
        rng: random.Random,
        trials: int,
        *,
        build: bool = True,
        replay: Sequence[Plan] | None = None,
        depth_only: bool = False,
    ):
        self.device = device
        self.path = list(path)
        self.pos = list(range(device.num_qubits))  # wire -> physical qubit (clean state)
        self.inv = list(range(device.num_qubits))
        self.out: list[Operation] = []
        self.phase: E.Expr = E.ZERO
        self.rng = rng
        self.trials = trials
        self.last: tuple[frozenset[Pair], list[int]] | None = None
        self.build = build
        self.replay = None if replay is None else iter(replay)
        self.choices: list[Plan] = []
        self.cost = 0
        # depth_only: circuit levels per physical qubit / clbit instead of operations
        self.level = [0] * device.num_qubits if depth_only else None
        self.clevel: dict[int, int] = {}

    def emit(self, op: Operation) -> None:
        if not self.build:
            return
        qs = tuple(self.pos[w] for w in op.qubits)
        if self.level is None:
            self.out.append(Operation(op.name, qs, op.params, op.clbits, op.condition, op.span))
            return
        cs = op.clbits + (op.condition.clbits if op.condition else ())
        lv, clv = self.level, self.clevel
        end = max([lv[q] for q in qs] + [clv.get(c, 0) for c in cs] + [0])
        end += op.name != "barrier"
        for q in qs:
            lv[q] = end
        for c in cs:
            clv[c] = end

    def _cx(self, c: int, t: int) -> None:
        if self.level is None:
            self.out.append(Operation("cx", (c, t)))
        else:
            self.level[c] = self.level[t] = max(self.level[c], self.level[t]) + 1

    def _rz(self, q: int, angle: E.Expr) -> None:
        if self.level is None:
            self.out.append(Operation("rz", (q,), (angle,)))
        else:
            self.level[q] += 1

    def run_block(self, block: Sequence[Operation]) -> None:
        if not self.build:
            pairs = frozenset(
                (min(op.qubits), max(op.qubits)) for op in block if len(op.qubits) == 2
            )
            if pairs:
                self._schedule(pairs, None)
            return
        terms: dict[Pair, list[E.Expr]] = defaultdict(list)
        for op in block:
            if len(op.qubits) == 1:
                self.emit(op)
                continue
            pre, angle, phase = _diag_as_rzz(op)
            for p in pre:
                self.emit(p)
            if self.level is None:  # (a depth-only replay has no use for the phase)
                self.phase = self.phase + phase
            a, b = op.qubits
            terms[(min(a, b), max(a, b))].append(angle)
        if terms:
            self._schedule(frozenset(terms), terms)

    def _schedule(self, pairs: frozenset[Pair], terms: dict[Pair, list[E.Expr]] | None) -> None:
        """Choose (or replay) the block's plan, emit it when building, move to its order."""
        order = [self.inv[p] for p in self.path]
        if self.replay is not None:
            choice = next(self.replay)
        else:
            previous = None
            if self.last is not None and self.last[0] == pairs:
                previous = self.last[1][::-1]
            choice = best_plan(
                order, pairs, self.device, self.path, self.rng, self.trials, previous
            )
        self.last = (pairs, choice.plan)
        self.choices.append(choice)
        self.cost += choice.cost
        if terms is not None:
            final = self._apply(order, terms, choice)
        else:
            final = list(order)
            for j in choice.plan:
                final[j], final[j + 1] = final[j + 1], final[j]
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
                self._cx(at[a], at[b])
                for t in pending.pop((1 << a) | (1 << b)):
                    self._rz(at[b], t)
                self._cx(at[a], at[b])

        direct(choice.direct_start, order)

        def cx(c: int, t: int) -> None:
            vec[t] ^= vec[c]
            self._cx(path[c], path[t])
            for angle in pending.pop(vec[t], ()):
                self._rz(path[t], angle)

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
    places = rung_positions(device, tuple(path))
    rungs = _rungs(order, pairs, places)
    best: tuple[int, list[int], frozenset[Pair]] | None = None  # (cost, plan, want)
    flat = sorted(pairs) if KERNELS is not None else []
    for direct, want in ((True, pairs - rungs), (False, pairs)):  # rungs run directly or not
        at = {w: i for i, w in enumerate(order)}
        rest = {(a, b) for a, b in want if abs(at[a] - at[b]) > 1}
        dense = 4 * len(rest) > len(order) * (len(order) - 1)
        plans = [] if quick and not dense else [_odd_even_plan(order, rest)]
        # exposed-pairs bonus per greedy trial; weight 0 (distance only) wins as often as
        # not, so half the trials keep it
        weights = (0.0, 1.0, 0.0, 2.0)
        for t in range(0 if quick and dense else 1 if dense else trials):
            plans.append(_greedy_plan(order, rest, rng, weights[t % len(weights)]))
        if previous is not None:
            plans.append(previous)
        if KERNELS is not None:  # the same costs, counted by the compiled plan_costs
            costs = KERNELS.plan_costs(list(order), flat, places, plans, direct)
        else:
            costs = [_plan_eval(order, pairs, want, rungs, places, p)[0] for p in plans]
        for plan, cost in zip(plans, costs, strict=True):
            if cost is not None and (best is None or (cost, len(plan)) < (best[0], len(best[1]))):
                best = (cost, plan, want)
        if not rungs or quick:
            break
    assert best is not None  # the odd-even plan always covers ``want``
    cost, plan, want = best
    _, links, start, end = _plan_eval(order, pairs, want, rungs, places, plan)
    assert links is not None
    return Plan(plan, links, start, end, cost)


def _plan_eval(
    order: Sequence[int],
    pairs: frozenset[Pair],
    want: frozenset[Pair],
    rungs: frozenset[Pair],
    places: Sequence[tuple[int, int]],
    plan: Sequence[int],
) -> tuple[int | None, frozenset[int] | None, frozenset[Pair], frozenset[Pair]]:
    """``plan``'s cost from ``order`` for the block ``pairs`` (``rungs`` at the start,
    ``want`` the pairs the chain must expose), the chain links in use and the rungs run
    directly before the entry and after the exit; cost and links None when the plan
    leaves a wanted pair unexposed. The reference of the compiled ``plan_costs``."""
    final = list(order)
    for j in plan:
        final[j], final[j + 1] = final[j + 1], final[j]
    end_rungs = _rungs(final, pairs, places) - rungs
    links = _links_used(order, want - end_rungs, plan)
    if links is None:
        return None, None, frozenset(), frozenset()
    done = _exposed(order, rungs | end_rungs, plan, links)
    start, end = rungs - done, end_rungs - done
    cost = 2 * (len(links) + len(start) + len(end))
    cost += sum(1 + (j >= 1 and j - 1 in links) for j in plan)
    return cost, links, start, end


def _rungs(
    order: Sequence[int], pairs: frozenset[Pair], places: Sequence[tuple[int, int]]
) -> frozenset[Pair]:
    """The ``pairs`` at rung positions ``places`` (:func:`rung_positions` of the path)
    under the chain ``order``: on a device edge between path qubits that are not path
    neighbours."""
    out = []
    for i, j in places:
        a, b = order[i], order[j]
        pair = (a, b) if a < b else (b, a)
        if pair in pairs:
            out.append(pair)
    return frozenset(out)


def rung_positions(
    device: Device, path: tuple[int, ...], memo: RouteMemo | None = None
) -> tuple[tuple[int, int], ...]:
    """Path position pairs ``(i, j)``, ``j > i + 1``, whose qubits share a device edge: the
    places where a rung can be (none on a line). Memoised in ``memo`` (by default the
    run's, :func:`.memo.route_memo`).

    Example::

        >>> from qlang.devices import grid, line
        >>> rung_positions(grid(2, 2), (0, 1, 3, 2)), rung_positions(line(3), (0, 1, 2))
        (((0, 3),), ())
    """

    def compute() -> tuple[tuple[int, int], ...]:
        at = {p: i for i, p in enumerate(path)}
        return tuple((i, at[q]) for i, p in enumerate(path) for q in device.neighbours[p]
                     if q in at and at[q] > i + 1)  # fmt: skip

    return (memo or active_memo()).lookup("rungs", (device, path), compute)


def _exposed(
    order: Sequence[int], pairs: frozenset[Pair], plan: Sequence[int], links: frozenset[int]
) -> set[Pair]:
    """The ``pairs`` that the chain exposes when only ``links`` are in use."""
    k = len(order)
    sigma = list(order)
    out: set[Pair] = set()
    if not pairs:
        return out
    for i in links:
        u, v = sigma[i], sigma[i + 1]
        pair = (u, v) if u < v else (v, u)
        if pair in pairs:
            out.add(pair)
    for j in plan:
        a, b = sigma[j], sigma[j + 1]
        sigma[j], sigma[j + 1] = b, a
        if j >= 1 and j - 1 in links:  # the new neighbour pairs, where the link is in use
            u = sigma[j - 1]
            pair = (u, b) if u < b else (b, u)
            if pair in pairs:
                out.add(pair)
        if j + 2 < k and j + 1 in links:
            v = sigma[j + 2]
            pair = (a, v) if a < v else (v, a)
            if pair in pairs:
                out.add(pair)
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
    for i in range(k - 1):
        u, v = sigma[i], sigma[i + 1]
        pair = (u, v) if u < v else (v, u)
        if pair in left:
            left.discard(pair)
            used.add(i)
    for t, j in enumerate(plan):
        if not left:  # the rest of the plan only adds the links it transposes
            used.update(plan[t:])
            break
        a, b = sigma[j], sigma[j + 1]
        sigma[j], sigma[j + 1] = b, a
        used.add(j)
        if j >= 1:  # the new neighbour pairs: (sigma[j-1], b) and (a, sigma[j+2])
            u = sigma[j - 1]
            pair = (u, b) if u < b else (b, u)
            if pair in left:
                left.discard(pair)
                used.add(j - 1)
        if j + 2 < k:
            v = sigma[j + 2]
            pair = (a, v) if a < v else (v, a)
            if pair in left:
                left.discard(pair)
                used.add(j + 1)
    return frozenset(used) if not left else None


def _odd_even_plan(order: Sequence[int], rest: set[Pair]) -> list[int]:
    """Odd-even transposition layers until every pair of ``rest`` has been chain-adjacent
    (compiled when the routing kernels are built: the same plan)."""
    if KERNELS is not None:
        return list(KERNELS.odd_even(list(order), list(rest)))
    return _odd_even_plan_python(order, rest)


def _odd_even_plan_python(order: Sequence[int], rest: set[Pair]) -> list[int]:
    """The reference of :func:`_odd_even_plan`."""
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
    """:func:`_greedy_plan_python`, compiled when the routing kernels are built (the same
    plans: the kernel draws its random choices from ``rng``)."""
    if KERNELS is not None:
        plan = KERNELS.greedy_plan(list(order), list(rest), rng.getrandbits, gain_weight)
        return plan if plan is not None else _odd_even_plan(order, rest)
    return _greedy_plan_python(order, rest, rng, gain_weight)


def _greedy_plan_python(
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
            gain = 0  # pending pairs the transposition makes adjacent
            if j >= 1:
                u = sigma[j - 1]
                gain += (min(u, b), max(u, b)) in pending
            if j + 2 < k:
                v = sigma[j + 2]
                gain += (min(a, v), max(a, v)) in pending
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
    return min(where[a], where[b])  # move the left one right: the distance shrinks by one
