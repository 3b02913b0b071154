"""The layout and routing passes.

* :class:`LayoutPass` (``layout``) places logical qubits on the device (ensures
  ``layout-assigned``): ``perfect`` (VF2), ``sabre`` (bidirectional), ``trivial``, or
  ``auto`` = perfect first, then the best of SABRE layout, a path layout for swap
  networks and chain layouts for parity chains (searched harder when ``thorough``, and
  ``chain_restarts`` times from independent random streams), judged by the route each
  gives.
* :class:`RoutePass` (``route``) inserts swaps (ensures ``routed``) with the
  commutation-aware router (``method="commuting"``: SABRE trials, swap networks and
  parity chains, the cheapest wins) or plain SABRE (``"sabre"``).
* :class:`PortfolioRoutePass` (``route-portfolio``, -O3) also routes the same IR with
  Qiskit's and tket's routers and keeps the best valid result.

Parameters stay symbolic: only qubits change (and fused swap terms reuse the same
expressions).

Example::

    >>> from qlang.devices import line
    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(3, (Operation("cx", (0, 2)), Operation("cx", (1, 2)), Operation("cx", (0, 1))))
    >>> placed = LayoutPass(line(3)).run(c).circuit
    >>> routed = RoutePass(line(3)).run(placed).circuit
    >>> all(line(3).adjacent(*op.qubits) for op in routed.ops if len(op.qubits) == 2)
    True
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from qlang.passes.base import LAYOUT_ASSIGNED, ROUTED, Pass, PassResult
from qlang.passes.fixed_point import check_requirements
from qlang.passes.routing.chain_layout import chain_layouts
from qlang.passes.routing.engine import RouteResult
from qlang.passes.routing.layout import (
    VF2_CALLS,
    error_score,
    path_layout,
    perfect_layout,
    place,
    sabre_layout,
)
from qlang.passes.routing.memo import route_memo
from qlang.passes.routing.rewrite import consolidated_cost, cx_cost
from qlang.passes.routing.strategy import (
    Known,
    OpsKey,
    Scored,
    best_route,
    best_route_key,
    chain_beats_swaps,
    chain_plans,
    check_fits,
    first_key,
    lowered,
    network_candidate,
    ops_key,
)

from qlang.devices import Device
from qlang.diagnostics import InternalError
from qlang.ir.circuit import Circuit, Layout

LAYOUT_METHODS = ("auto", "perfect", "sabre", "trivial")
ROUTE_METHODS = ("commuting", "sabre")
#: ``auto`` layout: candidates whose first SABRE route costs more than this times the
#: best cheap route (first SABRE trial or swap network) get no further SABRE trials
PRUNE = 1.1


class _DevicePass(Pass):
    def to_json(self) -> dict[str, object]:
        out = super().to_json()
        opts = dict(out["options"])  # type: ignore[call-overload]
        opts["device"] = self.device.to_json()  # type: ignore[attr-defined]
        return {**out, "options": opts}


@dataclass(frozen=True)
class LayoutPass(_DevicePass):
    """Choose an initial layout and rewrite the circuit onto the device's qubits."""

    name: ClassVar[str] = "layout"
    ensures: ClassVar[frozenset[str]] = frozenset({LAYOUT_ASSIGNED})

    device: Device
    method: str = "auto"
    seed: int = 0
    trials: int = 4
    error_aware: bool = False
    vf2_calls: int = VF2_CALLS
    gate_budget: int = 0
    thorough: bool = False
    chain_restarts: int = 1

    def __post_init__(self) -> None:
        if self.chain_restarts < 1:
            raise ValueError("chain_restarts must be at least 1")
        if self.method not in LAYOUT_METHODS:
            raise ValueError(f"layout method must be one of {LAYOUT_METHODS}")

    def run(self, circuit: Circuit) -> PassResult:
        if circuit.layout is not None:
            return PassResult(circuit, changed=False)
        check_fits(circuit, self.device)
        src = lowered(circuit)
        lay = self.choose(src)
        return PassResult(place(src, self.device, lay), changed=True)

    def choose(self, circuit: Circuit) -> tuple[int, ...]:
        """The initial layout of the logical ``circuit`` (in the run's route memo: the
        routes judged here are reused by the routing pass of the same pipeline run)."""
        with route_memo():
            return self._choose(circuit)

    def _choose(self, circuit: Circuit) -> tuple[int, ...]:
        n, dev = circuit.num_qubits, self.device
        if self.method == "trivial":
            return tuple(range(n))
        if self.method in ("auto", "perfect"):
            lay = perfect_layout(circuit, dev, self.vf2_calls, self.error_aware)
            if lay is not None:
                return lay
            if self.method == "perfect":
                return tuple(range(n))
        starts = [s for s in [path_layout(circuit, dev, self.seed)] if s is not None]
        # the best 3 parity-chain layouts of ``chain_restarts`` independent searches
        chains: list[tuple[int, ...]] = []
        if self.method == "auto":
            chains = chain_layouts(circuit, dev, self.seed, self.thorough, self.chain_restarts)
            chains = chains[:3]
        ranking: list[tuple[int, tuple[int, ...]]] = []
        trials = self.layout_trials(circuit)
        lay, _ = sabre_layout(
            circuit, dev, seed=self.seed, trials=trials, start=starts,
            error_aware=self.error_aware, ranking=ranking,
        )  # fmt: skip
        if self.method == "sabre":
            return lay
        # the best 3 of every prefix of 8 trials (so more trials never lose what fewer
        # found), the best 3 overall, and the path layout
        cands: list[tuple[int, ...]] = []
        for limit in (*range(8, trials, 8), trials):
            cands += [lay for t, lay in ranking if t < limit][:3]
        cands = list(dict.fromkeys([*cands, *starts, *chains]))
        if len(cands) > 1 and not self.error_aware:
            return self._pick(circuit, cands)
        return min(cands, key=lambda c: self._score(self._route(circuit, c)))

    def _pick(self, circuit: Circuit, cands: list[tuple[int, ...]]) -> tuple[int, ...]:
        """The candidate with the best route, judged by route keys (CNOTs, depth); SABRE
        trials are scored by their compiled trace key, not finished. Each candidate first
        gets the cheap routes (parity chains, plain SABRE trial 0 and the swap network, all
        reused by the full routing); only candidates whose SABRE trial is within ``PRUNE``
        of the best cheap route get the remaining SABRE trials, the others keep their cheap
        routes. Swap networks run last, bounded by the best chain or SABRE route of any
        candidate: one that would cost more can neither set the floor nor win, so it is
        stopped early."""
        dev = self.device
        placed = [ops_key(place(circuit, dev, c).ops) for c in cands]
        quick = [self._quick_routes(ops) for ops in placed]
        bound = min(r.cost for rs, _ in quick for r in rs)
        for ops, (routes, chain_wins) in zip(placed, quick, strict=True):
            if not chain_wins:
                net = network_candidate(ops, dev, seed=self.seed, bound=bound)
                routes += [net] if net is not None else []
        floor = min(r.cost for rs, _ in quick for r in rs)

        def scored(i: int) -> list[Scored]:
            routes, chain_wins = quick[i]
            if not chain_wins and routes[0].cost <= PRUNE * floor:
                return [Known(best_route_key(
                    placed[i], dev, seed=self.seed, trials=min(self.trials, 4),
                    thorough=self.thorough,
                ))]  # fmt: skip
            return routes

        # the first candidate of least key (a candidate's key: its least route key); only
        # routes of the least cost overall need their depth (a chain's needs its ops)
        per = [scored(i) for i in range(len(cands))]
        low = min(r.cost for rs in per for r in rs)
        tied = [i for i, rs in enumerate(per) if any(r.cost == low for r in rs)]
        return cands[min(tied, key=lambda i: min(r.key for r in per[i] if r.cost == low))]

    def _quick_routes(self, ops: OpsKey) -> tuple[list[Scored], bool]:
        """The cheap routes of placed ``ops`` but the swap network (SABRE trial 0 first,
        by its trace key; the parity-chain plans) and whether a chain beats every swap
        route (:func:`chain_beats_swaps`: then only the chains are run, and they are what
        :func:`best_route` returns)."""
        dev, seed = self.device, self.seed
        chains: list[Scored] = list(chain_plans(ops, dev, seed=seed, thorough=self.thorough))
        if chain_beats_swaps(chains, ops):
            return chains, True
        return [Known(first_key(ops, dev, seed=seed)), *chains], False

    def layout_trials(self, circuit: Circuit) -> int:
        """SABRE layout trials for ``circuit``: ``trials``, or with a ``gate_budget`` about
        ``gate_budget / (2-qubit gates)`` of them (at least 4), so large circuits get a
        bounded layout search. Trial ``t`` does not depend on the count, so fewer trials
        are a prefix of more."""
        if not self.gate_budget:
            return self.trials
        per = self.gate_budget // max(1, circuit.num_two_qubit_gates)
        return min(self.trials, max(4, per))

    def _route(self, circuit: Circuit, lay: tuple[int, ...]) -> RouteResult:
        placed = place(circuit, self.device, lay)
        return best_route(
            placed.ops, self.device, seed=self.seed, trials=min(self.trials, 4),
            thorough=self.thorough,
        )  # fmt: skip

    def _score(self, res: RouteResult) -> tuple[float, ...]:
        if self.error_aware:
            return (error_score(res.ops, self.device), *res.key)
        return res.key


def apply_route(circuit: Circuit, res: RouteResult) -> Circuit:
    """The placed circuit with routed ops, phase and the final layout."""
    assert circuit.layout is not None
    start = circuit.layout.final
    final = tuple(res.final[p] for p in start)
    return replace(
        circuit,
        ops=res.ops,
        global_phase=circuit.global_phase + res.phase,
        layout=Layout(circuit.layout.initial, final),
    )


def _check_placed(circuit: Circuit, device: Device, name: str) -> None:
    if circuit.layout is None or circuit.num_qubits != device.num_qubits:
        raise InternalError(f"`{name}` needs a placed circuit: run `layout` first")


@dataclass(frozen=True)
class RoutePass(_DevicePass):
    """Insert swaps so every 2-qubit gate acts on a device edge."""

    name: ClassVar[str] = "route"
    requires: ClassVar[frozenset[str]] = frozenset({LAYOUT_ASSIGNED})
    ensures: ClassVar[frozenset[str]] = frozenset({ROUTED})

    device: Device
    method: str = "commuting"
    seed: int = 0
    trials: int = 4
    thorough: bool = False

    def __post_init__(self) -> None:
        if self.method not in ROUTE_METHODS:
            raise ValueError(f"route method must be one of {ROUTE_METHODS}")

    def run(self, circuit: Circuit) -> PassResult:
        _check_placed(circuit, self.device, self.name)
        src = lowered(circuit)
        res = self.route(src)
        return PassResult(apply_route(src, res), changed=res.ops != circuit.ops)

    def route(self, circuit: Circuit) -> RouteResult:
        commuting = self.method == "commuting"
        with route_memo():
            return best_route(
                circuit.ops, self.device, seed=self.seed, trials=self.trials,
                commute_aware=commuting, network=commuting, thorough=self.thorough,
            )  # fmt: skip


@dataclass(frozen=True)
class PortfolioRoutePass(_DevicePass):
    """Route natively and with Qiskit's and tket's routers; keep the best valid result.

    Candidates: the native route on the given layout, native routes on up to ``layouts``
    other layouts (other layout seeds; as many as fit in ``layout_work`` = extra layouts x
    CNOT cost x qubits, so large circuits get fewer; none when the first route adds
    nothing), and each peer's route (the peers get the logical circuit and choose their own layout). Each
    candidate is run through the ``finish`` passes (the post-routing optimisation) and the
    best *finished* circuit wins by (CNOT-equivalent count, depth): a route that looks
    worse before optimisation can end up better. Without ``finish``, candidates are
    compared as routed (CNOTs, CNOTs after block consolidation, depth).

    Example::

        >>> from qlang.devices import line
        >>> from qlang.ir.circuit import Circuit, Operation
        >>> from qlang.passes.optimization.cancel import CancelInverses
        >>> c = Circuit(3, (Operation("cx", (0, 2)), Operation("cx", (0, 2))))
        >>> placed = LayoutPass(line(3), "trivial").run(c).circuit
        >>> routed = PortfolioRoutePass(line(3), peers=()).run(placed).circuit
        >>> p = PortfolioRoutePass(line(3), peers=(), finish=(CancelInverses(),))
        >>> [op.name for op in routed.ops], [op.name for op in p.run(placed).circuit.ops]
        (['swap', 'cx', 'cx'], ['swap'])
    """

    name: ClassVar[str] = "route-portfolio"
    requires: ClassVar[frozenset[str]] = frozenset({LAYOUT_ASSIGNED})

    device: Device
    seed: int = 0
    trials: int = 8
    peers: tuple[str, ...] = ("qiskit", "tket")
    layouts: int = 0
    layout_work: int = 7000
    finish: tuple[Pass, ...] = ()

    def __post_init__(self) -> None:
        check_requirements(self.finish, frozenset({LAYOUT_ASSIGNED, ROUTED}))
        for p in self.finish:
            if p.invalidates & {LAYOUT_ASSIGNED, ROUTED}:
                raise ValueError(f"`{p.name}` may undo the routing: not allowed in a portfolio")

    @property
    def ensures(self) -> frozenset[str]:  # type: ignore[override]
        have = {ROUTED}
        for p in self.finish:
            have = (have - p.invalidates) | p.ensures
        return frozenset(have)

    @property
    def invalidates(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset(x for p in self.finish for x in p.invalidates) - self.ensures

    def run(self, circuit: Circuit) -> PassResult:
        _check_placed(circuit, self.device, self.name)
        best, best_key = None, None
        with route_memo():
            cands = self.candidates(circuit)
        for _, cand in cands:
            done = self.finished(cand)
            key = _final_key(done) if self.finish else _key(done)
            if best_key is None or key < best_key:
                best, best_key = done, key
        assert best is not None  # the native route always exists
        return PassResult(best, changed=True)

    def candidates(self, circuit: Circuit) -> list[tuple[str, Circuit]]:
        """Every routed (unfinished) candidate of the placed ``circuit``, with a label."""
        from qlang.passes.routing.adapters import route_with_peer

        src = lowered(circuit)
        native = self._native(src)
        out = [("native", native)]
        cost = cx_cost(src.ops)
        if cx_cost(native.ops) > cost:  # (else no other layout can do better)
            assert src.layout is not None
            extra = min(self.layouts, self.layout_work // max(1, cost * len(src.layout.initial)))
            out += [(f"layout{k}", self._relaid(src, k)) for k in range(1, extra + 1)]
        for peer in self.peers:
            cand = route_with_peer(src, self.device, peer, self.seed)
            if cand is not None:
                out.append((peer, cand))
        return out

    def _native(self, placed: Circuit) -> Circuit:
        return apply_route(
            placed,
            RoutePass(self.device, seed=self.seed, trials=self.trials, thorough=True).route(placed),
        )

    def _relaid(self, placed: Circuit, k: int) -> Circuit:
        """``placed`` moved to the layout chosen with seed number ``k``, then routed."""
        assert placed.layout is not None
        where = {p: q for q, p in enumerate(placed.layout.final)}
        n = len(where)
        ops = tuple(replace(op, qubits=tuple(where[q] for q in op.qubits)) for op in placed.ops)
        logical = replace(placed, num_qubits=n, ops=ops, layout=None)
        chooser = LayoutPass(
            self.device, "auto", self.seed + 1000 * k, trials=16,
            error_aware=self.device.has_errors, vf2_calls=VF2_CALLS // 10,
        )  # fmt: skip
        return self._native(place(logical, self.device, chooser.choose(logical)))

    def finished(self, routed: Circuit) -> Circuit:
        """``routed`` after the ``finish`` passes."""
        for p in self.finish:
            routed = p.run(routed).circuit
        return routed

    def spec(self) -> str:
        def seq(ps: tuple[Pass, ...]) -> str:
            return "(" + ",".join(p.spec() for p in ps) + ")"

        return (
            f"{self.name}{{device={self.device.name},seed={self.seed},trials={self.trials},"
            f"peers={':'.join(self.peers)},layouts={self.layouts},layout_work={self.layout_work},"
            f"finish={seq(self.finish)}}}"
        )

    def to_json(self) -> dict[str, object]:
        out = super().to_json()
        opts = dict(out["options"])  # type: ignore[call-overload]
        opts["finish"] = [p.to_json() for p in self.finish]
        return {**out, "options": opts}


def _key(c: Circuit) -> tuple[int, int, int]:
    """Order of unfinished routes: CNOTs, then CNOTs after 2-qubit block consolidation,
    then depth."""
    return (cx_cost(c.ops), consolidated_cost(c.ops), c.depth())


def _final_key(c: Circuit) -> tuple[int, int]:
    """Order of finished circuits: CNOT-equivalent count, then depth."""
    return (cx_cost(c.ops), c.depth())
