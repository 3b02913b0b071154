"""The -O3 route portfolio: native routes on several layouts and, where they can pay off,
the peers' routers; every candidate is finished and the best finished circuit wins.

The portfolio chooses its effort by the circuit (``adaptive``, the default):

* the peers (Qiskit's, tket's routers, through :mod:`.adapters`) are not called for a
  *tiny* circuit (at most :data:`TINY_QUBITS` logical qubits: one other layout at most
  there), nor when the native route is provably optimal as a route: it costs no more
  CNOTs than the unrouted circuit (a parity-chain route of a dense commuting block
  usually costs less);
* other layouts are tried only when the native route adds CNOTs, as many as fit in
  ``layout_work`` (extra layouts x CNOT cost x qubits), so the work grows polynomially
  with the circuit; when ``layouts`` allows other layouts at all, the layout and route
  -O2 would choose are always a candidate (label ``O2``), so -O3 is judged against
  -O2's route after the same finishing.

:func:`portfolio_plan` is that choice, made before anything is finished.

Example::

    >>> from qlang.devices import line
    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(3, (Operation("cx", (0, 2)),))
    >>> placed = LayoutPass(line(3), "trivial").run(c).circuit
    >>> portfolio_plan(placed, placed, ("qiskit", "tket"), layouts=4, layout_work=7000)
    PortfolioPlan(peers=(), layouts=0, reason='tiny')
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import ClassVar, NamedTuple

from qlang.passes.base import LAYOUT_ASSIGNED, ROUTED, Pass, PassResult
from qlang.passes.fixed_point import check_requirements
from qlang.passes.memo import cyclic_gc_paused, route_memo, synthesis_memo
from qlang.passes.routing import adapters
from qlang.passes.routing.layout import VF2_CALLS, place
from qlang.passes.routing.passes import (
    LayoutPass,
    RoutePass,
    _check_placed,
    _DevicePass,
    apply_route,
)
from qlang.passes.routing.rewrite import consolidated_cost, cx_cost
from qlang.passes.routing.strategy import lowered

from qlang.devices import Device
from qlang.ir.circuit import Circuit

#: circuits on at most this many logical qubits are tiny: no peer is called for them and
#: at most :data:`TINY_LAYOUTS` other layouts are tried (each candidate costs a finish, the
#: KAK consolidation loop, which dominates a tiny compile)
TINY_QUBITS = 5
TINY_LAYOUTS = 1


class PortfolioPlan(NamedTuple):
    """What the portfolio runs besides the native route: these peers and this many other
    layouts, and why (``"tiny"``, ``"no routing cost"``, ``"routing cost"``, or
    ``"every peer"`` when not adaptive)."""

    peers: tuple[str, ...]
    layouts: int
    reason: str


def portfolio_plan(
    src: Circuit,
    native: Circuit,
    peers: tuple[str, ...],
    *,
    layouts: int,
    layout_work: int,
    adaptive: bool = True,
) -> PortfolioPlan:
    """The candidates worth running for the placed circuit ``src`` (lowered) whose native
    route is ``native`` (see the module docstring). ``adaptive=False``: every peer."""
    assert src.layout is not None
    n = len(src.layout.initial)
    cost, routed = cx_cost(src.ops), cx_cost(native.ops)
    extra = 0
    if routed > cost:  # (else no other layout can do better)
        extra = min(layouts, layout_work // max(1, cost * n))
    if not adaptive:
        return PortfolioPlan(peers, extra, "every peer")
    if n <= TINY_QUBITS:
        return PortfolioPlan((), min(extra, TINY_LAYOUTS), "tiny")
    if routed <= cost:
        return PortfolioPlan((), extra, "no routing cost")
    return PortfolioPlan(peers, extra, "routing cost")


@dataclass(frozen=True)
class PortfolioRoutePass(_DevicePass):
    """Route natively, on other layouts and with the peers' routers; keep the best result.

    Candidates: the native route on the given layout, native routes on up to ``layouts``
    other layouts (other layout seeds; as many as fit in ``layout_work`` = extra layouts x
    CNOT cost x qubits, so large circuits get fewer; none when the first route adds
    nothing), and the route of each of ``peers`` that :func:`portfolio_plan` finds worth
    calling (all of them with ``adaptive=False``; the peers get the logical circuit and
    choose their own layout). Each candidate is run through the ``finish`` passes (the post-routing optimisation) and the
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
    layout_work: int = 6000
    finish: tuple[Pass, ...] = ()
    adaptive: bool = True

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
        with cyclic_gc_paused():
            with route_memo():
                cands = self.candidates(circuit)
            with synthesis_memo():  # the candidates' finishing meets the same blocks
                for cand in _distinct(c for _, c in cands):
                    done = self.finished(cand)
                    key = _final_key(done) if self.finish else _key(done)
                    if best_key is None or key < best_key:
                        best, best_key = done, key
        assert best is not None  # the native route always exists
        return PassResult(best, changed=True)

    def candidates(self, circuit: Circuit) -> list[tuple[str, Circuit]]:
        """Every routed (unfinished) candidate of the placed ``circuit``, with a label."""
        src = lowered(circuit)
        native = self._native(src)
        out = [("native", native)]
        plan = self.plan(src, native)
        out += [(f"layout{k}", self._relaid(src, k)) for k in range(1, plan.layouts + 1)]
        if self.layouts and plan.reason != "no routing cost":  # -O2's layout and route
            out.append(("O2", self._o2(src)))
        for peer in plan.peers:
            cand = adapters.route_with_peer(src, self.device, peer, self.seed)
            if cand is not None:
                out.append((peer, cand))
        return out

    def plan(self, src: Circuit, native: Circuit) -> PortfolioPlan:
        """:func:`portfolio_plan` with this pass's options."""
        return portfolio_plan(
            src, native, self.peers, layouts=self.layouts, layout_work=self.layout_work,
            adaptive=self.adaptive,
        )  # fmt: skip

    def _native(self, placed: Circuit) -> Circuit:
        return apply_route(
            placed,
            RoutePass(self.device, seed=self.seed, trials=self.trials, thorough=True).route(placed),
        )

    def _relaid(self, placed: Circuit, k: int) -> Circuit:
        """``placed`` moved to the layout chosen with seed number ``k``, then routed."""
        logical = _logical(placed)
        chooser = LayoutPass(
            self.device, "auto", self.seed + 1000 * k, trials=16,
            error_aware=self.device.has_errors, vf2_calls=VF2_CALLS // 10,
        )  # fmt: skip
        return self._native(place(logical, self.device, chooser.choose(logical)))

    def _o2(self, placed: Circuit) -> Circuit:
        """``placed`` moved to the layout -O2 chooses and routed as -O2 routes."""
        logical = _logical(placed)
        layout = LayoutPass(
            self.device, "auto", self.seed, trials=16, error_aware=self.device.has_errors
        )
        relaid = place(logical, self.device, layout.choose(logical))
        return apply_route(relaid, RoutePass(self.device, seed=self.seed, trials=4).route(relaid))

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
            f"finish={seq(self.finish)},adaptive={self.adaptive}}}"
        )

    def to_json(self) -> dict[str, object]:
        out = super().to_json()
        opts = dict(out["options"])  # type: ignore[call-overload]
        opts["finish"] = [p.to_json() for p in self.finish]
        return {**out, "options": opts}


def _distinct(cands: Iterable[Circuit]) -> Iterator[Circuit]:
    """``cands`` without the repeats of an earlier candidate (same operations, phase and
    layout): a repeat finishes to the same circuit, and the first of equal keys wins, so
    finishing it again cannot change the choice. -O2's route is often the native one.

    Example::

        >>> from qlang.ir.circuit import Operation
        >>> a, b = Circuit(1, (Operation("h", (0,)),)), Circuit(1, (Operation("x", (0,)),))
        >>> [c.ops[0].name for c in _distinct([a, b, a])]
        ['h', 'x']
    """
    seen: set[tuple[object, ...]] = set()
    for c in cands:
        key = (c.num_qubits, c.ops, c.global_phase, c.layout)
        if key not in seen:
            seen.add(key)
            yield c


def _logical(placed: Circuit) -> Circuit:
    """The placed circuit back on logical qubits (``layout.final`` undone, no layout)."""
    assert placed.layout is not None
    where = {p: q for q, p in enumerate(placed.layout.final)}
    ops = tuple(replace(op, qubits=tuple(where[q] for q in op.qubits)) for op in placed.ops)
    return replace(placed, num_qubits=len(where), ops=ops, layout=None)


def _key(c: Circuit) -> tuple[int, int, int]:
    """Order of unfinished routes: CNOTs, then CNOTs after 2-qubit block consolidation,
    then depth."""
    return (cx_cost(c.ops), consolidated_cost(c.ops), c.depth())


def _final_key(c: Circuit) -> tuple[int, int]:
    """Order of finished circuits: CNOT-equivalent count, then depth."""
    return (cx_cost(c.ops), c.depth())
