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
* :class:`~.portfolio.PortfolioRoutePass` (``route-portfolio``, -O3, in
  :mod:`.portfolio`) also routes on other layouts and, where it can pay off, with the
  peers' routers, and keeps the best finished result.

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
from qlang.passes.memo import active_memo, cyclic_gc_paused, route_memo
from qlang.passes.routing.chain_layout import chain_layouts
from qlang.passes.routing.engine import RouteResult
from qlang.passes.routing.layout import (
    VF2_CALLS,
    error_score,
    path_layout,
    perfect_layout,
    place,
    sabre_layout_only,
)
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
        with cyclic_gc_paused():  # (see there: full collections cost 0.1 s each here)
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
            lay = self._perfect(circuit)
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
        trials = self.layout_trials(circuit)
        lay, ranking = self._sabre(circuit, trials, starts)
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

    def _perfect(self, circuit: Circuit) -> tuple[int, ...] | None:
        """:func:`.layout.perfect_layout` with this pass's budget, memoised in the run's
        route memo. A search that found nothing within ``b`` candidate pairs finds nothing
        within fewer (VF2 with a smaller ``call_limit`` explores a prefix of the same
        search), so the portfolio's other layouts, which search with a tenth of the
        budget, and -O2's layout reuse the -O3 layout pass's answer."""
        memo = active_memo()
        key = (ops_key(circuit.ops), circuit.num_qubits, self.device, self.error_aware)
        known = memo.get("perfect", key)
        if isinstance(known, dict):
            if self.vf2_calls in known:
                return known[self.vf2_calls]  # type: ignore[no-any-return]
            if any(b >= self.vf2_calls and lay is None for b, lay in known.items()):
                return None
        lay = perfect_layout(circuit, self.device, self.vf2_calls, self.error_aware)
        memo.store("perfect", key, {**(known if isinstance(known, dict) else {}),
                                    self.vf2_calls: lay})  # fmt: skip
        return lay

    def _sabre(
        self, circuit: Circuit, trials: int, starts: list[tuple[int, ...]]
    ) -> tuple[tuple[int, ...], tuple[tuple[int, tuple[int, ...]], ...]]:
        """:func:`.layout.sabre_layout`'s best layout and ranking, memoised in the run's
        route memo: the -O3 portfolio asks again for -O2's layout of the same circuit,
        whose SABRE trials are the -O3 layout pass's (same seed and trial count)."""
        key = (ops_key(circuit.ops), circuit.num_qubits, self.device, self.seed, trials,
               tuple(starts), self.error_aware)  # fmt: skip

        def compute() -> tuple[tuple[int, ...], tuple[tuple[int, tuple[int, ...]], ...]]:
            ranking: list[tuple[int, tuple[int, ...]]] = []
            lay = sabre_layout_only(
                circuit, self.device, seed=self.seed, trials=trials, start=starts,
                error_aware=self.error_aware, ranking=ranking,
            )  # fmt: skip
            return lay, tuple(ranking)

        return active_memo().lookup("layout", key, compute)

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
