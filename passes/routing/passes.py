"""The layout and routing passes.

* :class:`LayoutPass` (``layout``) places logical qubits on the device (ensures
  ``layout-assigned``): ``perfect`` (VF2), ``sabre`` (bidirectional), ``trivial``, or
  ``auto`` = perfect first, then the best of SABRE layout, a path layout for swap
  networks and a chain layout for parity chains (searched harder when ``thorough``),
  judged by the route each gives.
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
from qlang.passes.routing.chain_layout import chain_layout
from qlang.passes.routing.engine import RouteResult
from qlang.passes.routing.layout import (
    error_score,
    path_layout,
    perfect_layout,
    place,
    sabre_layout,
)
from qlang.passes.routing.strategy import best_route, check_fits, lowered

from qlang.devices import Device
from qlang.diagnostics import InternalError
from qlang.ir.circuit import Circuit, Layout

LAYOUT_METHODS = ("auto", "perfect", "sabre", "trivial")
ROUTE_METHODS = ("commuting", "sabre")


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
    vf2_time: float = 1.0
    thorough: bool = False

    def __post_init__(self) -> None:
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
        n, dev = circuit.num_qubits, self.device
        if self.method == "trivial":
            return tuple(range(n))
        if self.method in ("auto", "perfect"):
            lay = perfect_layout(circuit, dev, self.vf2_time, self.error_aware)
            if lay is not None:
                return lay
            if self.method == "perfect":
                return tuple(range(n))
        starts = [s for s in [path_layout(circuit, dev, self.seed)] if s is not None]
        ranking: list[tuple[int, tuple[int, ...]]] = []
        lay, _ = sabre_layout(
            circuit, dev, seed=self.seed, trials=self.trials, start=starts,
            error_aware=self.error_aware, ranking=ranking,
        )  # fmt: skip
        if self.method == "sabre":
            return lay
        # the best 3 of every prefix of 8 trials (so more trials never lose what fewer
        # found), the best 3 overall, and the path layout
        cands: list[tuple[int, ...]] = []
        for limit in (*range(8, self.trials, 8), self.trials):
            cands += [lay for t, lay in ranking if t < limit][:3]
        chain = chain_layout(circuit, dev, self.seed, self.thorough)
        cands = list(dict.fromkeys([*cands, *starts, *([chain] if chain else [])]))
        return min(cands, key=lambda c: self._score(self._route(circuit, c)))

    def _route(self, circuit: Circuit, lay: tuple[int, ...]) -> RouteResult:
        placed = place(circuit, self.device, lay)
        return best_route(placed.ops, self.device, seed=self.seed, trials=min(self.trials, 4))

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
        return best_route(
            circuit.ops, self.device, seed=self.seed, trials=self.trials,
            commute_aware=commuting, network=commuting, thorough=self.thorough,
        )  # fmt: skip


@dataclass(frozen=True)
class PortfolioRoutePass(_DevicePass):
    """Route natively and with Qiskit's and tket's routers; keep the best valid result.

    The peers receive the logical circuit (they choose their own layout); results are
    compared by (CNOT-equivalent count, depth).
    """

    name: ClassVar[str] = "route-portfolio"
    requires: ClassVar[frozenset[str]] = frozenset({LAYOUT_ASSIGNED})
    ensures: ClassVar[frozenset[str]] = frozenset({ROUTED})

    device: Device
    seed: int = 0
    trials: int = 8
    peers: tuple[str, ...] = ("qiskit", "tket")

    def run(self, circuit: Circuit) -> PassResult:
        from qlang.passes.routing.peers import route_with_peer

        _check_placed(circuit, self.device, self.name)
        src = lowered(circuit)
        native = apply_route(src, RoutePass(self.device, seed=self.seed, trials=self.trials)
                             .route(src))  # fmt: skip
        best, best_key = native, _key(native)
        for peer in self.peers:
            cand = route_with_peer(src, self.device, peer, self.seed)
            if cand is not None and _key(cand) < best_key:
                best, best_key = cand, _key(cand)
        return PassResult(best, changed=True)


def _key(c: Circuit) -> tuple[int, int, int]:
    """Portfolio order: CNOTs, then CNOTs after 2-qubit block consolidation, then depth."""
    from qlang.passes.routing.rewrite import consolidated_cost, cx_cost

    return (cx_cost(c.ops), consolidated_cost(c.ops), c.depth())
