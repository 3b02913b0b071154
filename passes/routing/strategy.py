"""Choosing among routes: seeded SABRE trials, swap networks and parity chains; keep the best.

What is computed is memoised in the run's :class:`.memo.RouteMemo` (every function takes
``memo=``; by default the enclosing :func:`.memo.route_memo` scope's).

Example::

    >>> from qlang.devices import line
    >>> from qlang.ir.circuit import Operation
    >>> best_route([Operation("cz", (0, 2))], line(3), trials=2).cost
    4
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import NamedTuple, Protocol, TypeAlias

from qlang.passes.memo import RouteMemo, active_memo
from qlang.passes.routing.commuting import ChainPlan, chain_applicable, chain_plan
from qlang.passes.routing.engine import Dag, Heuristic, RouteResult, build_dag
from qlang.passes.routing.kernels import KERNELS
from qlang.passes.routing.network import (
    PATH_STEPS_PER_QUBIT,
    find_path,
    network_confirms,
    network_floor,
    network_trial,
    route_network,
)
from qlang.passes.routing.rewrite import finish_codes
from qlang.passes.routing.sabre import Program, ScoredTrial, Trial, prepare, search

from qlang.devices import Device
from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir.circuit import Circuit, Operation

#: The heuristic portfolio cycled through by the trials (plain SABRE first).
HEURISTICS: tuple[Heuristic, ...] = (
    Heuristic(),
    Heuristic(merge_bonus=1.0, adjacency_bonus=0.1),
    Heuristic(adjacency_bonus=0.2),
    Heuristic(merge_bonus=0.5),
    Heuristic(lookahead=40, weight=0.3, merge_bonus=1.0),
)


class OpsKey(tuple):  # type: ignore[type-arg]
    """A tuple of operations that computes its hash once: the route memo keys on
    whole circuits, and one layout candidate is looked up in several of them.

    Example::

        >>> k = ops_key([Operation("cx", (0, 1))])
        >>> ops_key(k) is k, hash(k) == hash(tuple(k))
        (True, True)
    """

    _hash: int

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            self._hash = h = tuple.__hash__(self)
            return h


def ops_key(ops: Sequence[Operation]) -> OpsKey:
    """``ops`` as an :class:`OpsKey` (itself when it already is one)."""
    return ops if isinstance(ops, OpsKey) else OpsKey(ops)


def best_route(
    ops: Sequence[Operation],
    device: Device,
    *,
    seed: int = 0,
    trials: int = 4,
    commute_aware: bool = True,
    network: bool = True,
    thorough: bool = False,
    memo: RouteMemo | None = None,
) -> RouteResult:
    """The cheapest of ``trials`` SABRE runs (and swap-network and parity-chain runs when
    the active qubits lie on a path), by (CNOT count, depth). ``thorough`` also tries
    the parity-chain router along other paths through the same qubits. Memoised: the
    layout pass and the routing pass ask for the same route (in ``memo``, by default the
    current run's, :func:`.memo.route_memo`). Only the winning SABRE trial is finished
    into operations; the others are scored by their compiled trace key."""
    key, m = ops_key(ops), memo or active_memo()
    _, pick = _best_choice(m, key, device, seed, trials, commute_aware, network, thorough)
    if isinstance(pick, int):
        return _trial_route(m, key, device, seed, pick, commute_aware)
    return _finished(pick)


def best_route_key(
    ops: Sequence[Operation],
    device: Device,
    *,
    seed: int = 0,
    trials: int = 4,
    commute_aware: bool = True,
    network: bool = True,
    thorough: bool = False,
    memo: RouteMemo | None = None,
) -> tuple[int, int]:
    """``best_route(...).key`` without finishing the winning SABRE trial (what the layout
    pass needs to judge a candidate layout).

    Example::

        >>> from qlang.devices import line
        >>> best_route_key([Operation("cz", (0, 2))], line(3), trials=2)
        (4, 2)
    """
    m = memo or active_memo()
    return _best_choice(m, ops_key(ops), device, seed, trials, commute_aware, network, thorough)[0]


class Scored(Protocol):
    """A candidate route as the choosers see it: its CNOT ``cost`` at once, its ``key``
    (cost, depth) possibly computed on demand (:class:`.commuting.ChainPlan`)."""

    @property
    def cost(self) -> int: ...

    @property
    def key(self) -> tuple[int, int]: ...


class Known(NamedTuple):
    """A :class:`Scored` whose key is already known (a SABRE trial's trace key)."""

    key: tuple[int, int]

    @property
    def cost(self) -> int:
        return self.key[0]


#: a finished route, a parity-chain plan or a scored trace: what the choosers compare
Candidate: TypeAlias = RouteResult | ChainPlan | ScoredTrial


def first_least(items: Sequence[Scored]) -> int:
    """The index of the first item of least key, asking for keys only of the items of
    least cost (a chain's depth needs its operations built).

    Example::

        >>> first_least([Known((5, 9)), Known((4, 8)), Known((4, 7))])
        2
    """
    low = min(x.cost for x in items)
    return min((i for i, x in enumerate(items) if x.cost == low), key=lambda i: items[i].key)


def _best_choice(
    memo: RouteMemo,
    ops: tuple[Operation, ...],
    device: Device,
    seed: int,
    trials: int,
    commute_aware: bool,
    network: bool,
    thorough: bool,
) -> tuple[tuple[int, int], int | Candidate]:
    """The winning key and route of :func:`best_route`: a SABRE trial number, a swap
    network or a parity-chain plan. Candidates in the order trials, network, chains; the
    first with the least key wins."""
    key = (ops, device, seed, trials, commute_aware, network, thorough)
    return memo.lookup(
        "choice",
        key,
        lambda: _choose(memo, ops, device, seed, trials, commute_aware, network, thorough),
    )


def _choose(
    memo: RouteMemo,
    ops: tuple[Operation, ...],
    device: Device,
    seed: int,
    trials: int,
    commute_aware: bool,
    network: bool,
    thorough: bool,
) -> tuple[tuple[int, int], int | Candidate]:
    chains = _chain_routes(memo, ops, device, seed, thorough) if network and commute_aware else []
    if chain_beats_swaps(chains, ops):  # the same winner, without the swap routes
        best = chains[first_least(chains)]
        return best.key, best
    options: list[tuple[Scored, int | Candidate]] = [
        (Known(_trial_key(memo, ops, device, seed, t, commute_aware)), t) for t in range(max(1, trials))
    ]
    if network and commute_aware:
        # a network costing more than the best other route cannot win: stop it early
        bound = min([o.cost for o, _ in options] + [r.cost for r in chains])
        net = _network_route(memo, ops, device, seed, bound)
        options += [(net, net)] if net is not None else []
        options += [(r, r) for r in chains]
    scored, pick = options[first_least([o for o, _ in options])]
    return scored.key, pick


def swap_route_floor(ops: Sequence[Operation]) -> int:
    """A lower bound on the CNOT cost of any swap-based route of ``ops`` (SABRE, swap
    networks): they keep every 2-qubit gate and add swaps, and a swap fused with its
    neighbouring term costs at least the term (``rzz`` + swap: 3 >= 2, ``cx`` + swap:
    2 >= 1). Input swaps are left out (a router may fuse or drop them). A parity-chain
    route below it beats every swap route, so those need not be run.

    Example::

        >>> from qlang.ir.expr import Weight
        >>> swap_route_floor([Operation("rzz", (0, 1), (Weight(0),)), Operation("swap", (0, 1))])
        2
    """
    return network_floor(ops)


def chain_beats_swaps(chains: Sequence[Scored], ops: Sequence[Operation]) -> bool:
    """True when one of the parity-chain routes ``chains`` of ``ops`` costs less than any
    swap route can (:func:`swap_route_floor`), so the swap routes need not be run."""
    return bool(chains) and min(r.cost for r in chains) < swap_route_floor(ops)


def network_route(
    ops: Sequence[Operation],
    device: Device,
    *,
    seed: int = 0,
    bound: int | None = None,
    memo: RouteMemo | None = None,
) -> RouteResult | None:
    """The swap-network candidate of :func:`best_route`, finished (memoised, so
    ``best_route`` on the same ops reuses it): the cheaper of the eager and lazy networks along a path through
    the active qubits, or None (fewer than 4 active qubits, no such path, no result, or
    with a ``bound``, each network certain to cost more than ``bound`` CNOTs: a network
    stops as soon as it is, see :func:`.network.route_network`).

    Example::

        >>> from qlang.devices import line
        >>> from qlang.ir.expr import Weight
        >>> ops = [Operation("rzz", (i, j), (Weight(0),)) for i in range(6) for j in range(i)]
        >>> network_route(ops, line(6), bound=35), network_route(ops, line(6)).cost
        (None, 44)
    """
    net = _network_route(memo or active_memo(), ops_key(ops), device, seed, bound)
    return None if net is None else _finished(net)


def network_candidate(
    ops: Sequence[Operation],
    device: Device,
    *,
    seed: int = 0,
    bound: int | None = None,
    memo: RouteMemo | None = None,
) -> Scored | None:
    """:func:`network_route` as a :class:`Scored` candidate: with the compiled kernels, a
    trace scored by its trace key, the operations built only if it wins."""
    return _network_route(memo or active_memo(), ops_key(ops), device, seed, bound)


def _finished(route: Candidate) -> RouteResult:
    """The :class:`RouteResult` of a candidate route (plans and traces build it)."""
    return route if isinstance(route, RouteResult) else route.result


def _network_route(
    memo: RouteMemo, ops: tuple[Operation, ...], device: Device, seed: int, bound: int | None
) -> Candidate | None:
    active = _active(ops)
    if len(active) < 4:
        return None
    path = _path(memo, device, active, seed, 1)
    if path is None:
        return None
    found = [_network_one(memo, ops, device, seed, path, lazy, bound) for lazy in (False, True)]
    return min((r for r in found if r is not None), key=lambda r: r.key, default=None)


def _network_one(
    memo: RouteMemo,
    ops: tuple[Operation, ...],
    device: Device,
    seed: int,
    path: tuple[int, ...],
    lazy: bool,
    bound: int | None,
) -> Candidate | None:
    # memo "network": (ops, device, seed, lazy) -> (route or None, the bound it ran with);
    # None under a bound means "costs more than that bound"
    key = (ops, device, seed, lazy)
    hit = memo.get("network", key)
    if hit is not None:
        known, ran_with = hit  # type: ignore[misc]
        # a route is the same under any bound; None under a bound b stands for any b' <= b
        if known is not None or ran_with is None or (bound is not None and bound <= ran_with):
            return known
    res: Candidate | None
    prog, codes = _program(memo, ops, True)
    if KERNELS is not None and prog.flat:  # compiled: a trace, finished only if it wins
        confirms, floor = _network_inputs(memo, ops)
        trial = network_trial(
            prog, confirms, device, path, lazy=lazy, bound=bound, floor=floor
        )  # fmt: skip
        res = None if trial is None else ScoredTrial(trial, prog, ops, codes)
    else:
        dag = dag_of(ops, True, memo=memo)
        res = route_network(ops, device, path, lazy=lazy, bound=bound, dag=dag)
    memo.store("network", key, (res, None if res is not None else bound))
    return res


def _network_inputs(memo: RouteMemo, ops: tuple[Operation, ...]) -> tuple[array, int]:
    """What the compiled network needs of ``ops`` besides their program: which ops
    confirm swaps, and the unrouted cost (:func:`swap_route_floor`)."""
    return memo.lookup("network_inputs", ops, lambda: (network_confirms(ops), network_floor(ops)))


def chain_routes(
    ops: Sequence[Operation],
    device: Device,
    *,
    seed: int = 0,
    thorough: bool = False,
    memo: RouteMemo | None = None,
) -> list[RouteResult]:
    """The parity-chain candidates of :func:`best_route` (memoised): the chain router along a
    path through the active qubits, anchored at either end (``thorough``: also along up to
    3 other such paths). Empty when the circuit is not a chain-routable diagonal block."""
    return [p.result for p in chain_plans(ops, device, seed=seed, thorough=thorough, memo=memo)]


def chain_plans(
    ops: Sequence[Operation],
    device: Device,
    *,
    seed: int = 0,
    thorough: bool = False,
    memo: RouteMemo | None = None,
) -> list[ChainPlan]:
    """:func:`chain_routes` as plans: exact costs, operations built only when asked for."""
    return _chain_routes(memo or active_memo(), ops_key(ops), device, seed, thorough)


def _chain_routes(
    memo: RouteMemo, ops: tuple[Operation, ...], device: Device, seed: int, thorough: bool
) -> list[ChainPlan]:
    return memo.lookup(
        "chains", (ops, device, seed, thorough),
        lambda: _plan_chains(memo, ops, device, seed, thorough),
    )  # fmt: skip


def _plan_chains(
    memo: RouteMemo, ops: tuple[Operation, ...], device: Device, seed: int, thorough: bool
) -> list[ChainPlan]:
    active = _active(ops)
    # every path runs through the ``active`` qubits: the chain router applies on all or none
    if len(active) < 2 or not chain_applicable(ops, active):
        return []
    path = _path(memo, device, active, seed, 1)
    if path is None:
        return []
    paths = [path]
    if thorough:  # other paths through the same qubits
        for s in range(1, 4):
            p = _path(memo, device, active, seed + s, 2)
            if p is not None and p not in paths and p[::-1] not in paths:
                paths.append(p)
    out = []
    for p in [q for path in paths for q in (path, path[::-1])]:  # anchor at either end
        chain = chain_plan(ops, device, p, seed=seed, trials=4, applicable=True)
        if chain is not None:
            out.append(chain)
    return out


def _active(ops: Sequence[Operation]) -> frozenset[int]:
    return frozenset(q for op in ops if op.is_gate and len(op.qubits) == 2 for q in op.qubits)


def _path(
    memo: RouteMemo, device: Device, active: frozenset[int], seed: int, share: int
) -> tuple[int, ...] | None:
    """A path through the ``active`` qubits (:func:`.network.find_path` with ``1/share``
    of its default step budget)."""

    def compute() -> tuple[int, ...] | None:
        steps = PATH_STEPS_PER_QUBIT * len(active) // share
        path = find_path(device, len(active), within=active, max_steps=steps, seed=seed)
        return None if path is None else tuple(path)

    return memo.lookup("path", (device, active, seed, share), compute)


def first_route(
    ops: Sequence[Operation],
    device: Device,
    *,
    seed: int = 0,
    commute_aware: bool = True,
    memo: RouteMemo | None = None,
) -> RouteResult:
    """Trial 0 of :func:`best_route` (plain SABRE), memoised so that ``best_route`` on the
    same ops reuses it: a cheap first look at a candidate layout."""
    return _trial_route(memo or active_memo(), ops_key(ops), device, seed, 0, commute_aware)


def trial_route(
    ops: Sequence[Operation],
    device: Device,
    *,
    seed: int = 0,
    trial: int = 0,
    commute_aware: bool = True,
    memo: RouteMemo | None = None,
) -> RouteResult:
    """SABRE trial ``trial`` of :func:`best_route` (heuristic ``trial`` of
    :data:`HEURISTICS`, seed ``seed + trial``), finished.

    Example::

        >>> from qlang.devices import line
        >>> trial_route([Operation("cz", (0, 2))], line(3), trial=1).cost
        4
    """
    return _trial_route(memo or active_memo(), ops_key(ops), device, seed, trial, commute_aware)


def first_key(
    ops: Sequence[Operation],
    device: Device,
    *,
    seed: int = 0,
    commute_aware: bool = True,
    memo: RouteMemo | None = None,
) -> tuple[int, int]:
    """``first_route(...).key`` from the compiled trace key, without finishing the route.

    Example::

        >>> from qlang.devices import line
        >>> ops = [Operation("cz", (0, 2)), Operation("cx", (1, 2))]
        >>> first_key(ops, line(3)) == first_route(ops, line(3)).key
        True
    """
    return _trial_key(memo or active_memo(), ops_key(ops), device, seed, 0, commute_aware)


def _program(
    memo: RouteMemo, ops: tuple[Operation, ...], commute_aware: bool
) -> tuple[Program, array | None]:
    """The search program of ``ops`` and their ``finish_codes`` (for trace keys)."""
    return memo.lookup(
        "program", (ops, commute_aware),
        lambda: (prepare(ops, commute_aware, dag_of(ops, commute_aware, memo=memo)),
                 finish_codes(ops)),
    )  # fmt: skip


def _trial(
    memo: RouteMemo,
    ops: tuple[Operation, ...],
    device: Device,
    seed: int,
    t: int,
    commute_aware: bool,
) -> Trial:
    """SABRE trial ``t`` of ``ops`` (heuristic ``t`` of :data:`HEURISTICS`, seed
    ``seed + t``), as a trace."""

    def compute() -> Trial:
        heuristics = HEURISTICS if commute_aware else (Heuristic(),)
        prog, _ = _program(memo, ops, commute_aware)
        h = heuristics[t % len(heuristics)]
        return search(prog, device, range(device.num_qubits), seed=seed + t, heuristic=h)

    return memo.lookup("trial", (ops, device, seed, t, commute_aware), compute)


def _trial_key(
    memo: RouteMemo,
    ops: tuple[Operation, ...],
    device: Device,
    seed: int,
    t: int,
    commute_aware: bool,
) -> tuple[int, int]:
    prog, codes = _program(memo, ops, commute_aware)
    return _trial(memo, ops, device, seed, t, commute_aware).key(prog, ops, codes)


def _trial_route(
    memo: RouteMemo,
    ops: tuple[Operation, ...],
    device: Device,
    seed: int,
    t: int,
    commute_aware: bool,
) -> RouteResult:
    return memo.lookup(
        "trial_route", (ops, device, seed, t, commute_aware),
        lambda: _trial(memo, ops, device, seed, t, commute_aware).result(ops),
    )  # fmt: skip


def dag_of(
    ops: Sequence[Operation], commute_aware: bool = True, *, memo: RouteMemo | None = None
) -> Dag:
    """The dependency DAG of ``ops`` (:func:`.engine.build_dag`), memoised by the ops'
    shape: names, clbits, conditions and the pattern of qubits (relabelled in order of
    first use), which is all the DAG depends on. So every layout of one circuit shares it.

    Example::

        >>> from qlang.passes.memo import route_memo
        >>> a = [Operation("cx", (0, 1)), Operation("h", (1,))]
        >>> b = [Operation("cx", (5, 3)), Operation("h", (3,))]
        >>> with route_memo():
        ...     dag_of(a) is dag_of(b), dag_of(a).succs
        (True, ((1,), ()))
    """
    shaped = _Shaped(ops)
    return (memo or active_memo()).lookup(
        "dag", (shaped, commute_aware), lambda: build_dag(shaped.ops, commute_aware)
    )


class _Shaped:
    """``ops`` compared and hashed by their shape (what :func:`dag_of` keys on)."""

    __slots__ = ("ops", "shape", "_hash")

    def __init__(self, ops: Sequence[Operation]):
        index: dict[int, int] = {}
        self.ops = ops
        self.shape = tuple(
            (op.name, tuple(index.setdefault(q, len(index)) for q in op.qubits), op.clbits,
             op.condition)
            for op in ops
        )  # fmt: skip
        self._hash = hash(self.shape)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Shaped) and self.shape == other.shape


def lowered(circuit: Circuit) -> Circuit:
    """Gates on 3 or more qubits (``ccx``, ``cswap``, ``mcx`` with any number of controls)
    rewritten with 1- and 2-qubit gates by :class:`UnrollMultiQubit` (barriers kept)."""
    from qlang.passes.basis.translate import UnrollMultiQubit

    return UnrollMultiQubit().run(circuit).circuit


def check_fits(circuit: Circuit, device: Device) -> None:
    """Raise ``QL0597`` when the circuit needs more qubits than the device has."""
    if circuit.num_qubits > device.num_qubits:
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0597",
                    f"circuit `{circuit.name}` needs {circuit.num_qubits} qubits but device "
                    f"`{device.name}` has {device.num_qubits}",
                    circuit.span,
                    help="choose a larger device or use fewer qubits",
                )
            ]
        )
