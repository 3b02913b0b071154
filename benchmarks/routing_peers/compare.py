"""Router against router: qlang's layout + routing vs Qiskit's on the same input.

:func:`compare_routers` runs the ``-O<level>`` passes that come before routing, then
both routers on that same circuit: the native :class:`LayoutPass` + :class:`RoutePass`
(as :func:`routing_passes` configures them) and Qiskit's own O3 layout and routing
stages (:func:`qlang.passes.routing.adapters.route_with_peer`, no optimisation). The cost is the CNOT count of
the routed 2-qubit gates (a swap = 3, fused swaps as emitted, see :func:`.rewrite.cx_cost`).

Example::

    >>> from qlang.devices import line
    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(3, (Operation("cx", (0, 2)), Operation("cx", (1, 2)), Operation("cx", (0, 1))))
    >>> r = compare_routers(c, line(3))
    >>> r.native >= r.unrouted and r.qiskit is not None and r.qiskit >= r.unrouted
    True
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from qlang.passes.routing.adapters import route_with_peer
from qlang.passes.routing.rewrite import cx_cost

from qlang.devices import Device
from qlang.ir.circuit import Circuit


@dataclass(frozen=True)
class RouterComparison:
    """CNOT counts before routing, after the native router and after Qiskit's (None when
    Qiskit is missing or fails), with each router's time in seconds."""

    unrouted: int
    native: int
    qiskit: int | None
    native_seconds: float
    qiskit_seconds: float

    @property
    def ratio(self) -> float | None:
        """Native cost over Qiskit's (< 1: the native router is better)."""
        return None if not self.qiskit else self.native / self.qiskit

    @property
    def overhead_ratio(self) -> float | None:
        """Added CNOTs (native) over added CNOTs (Qiskit)."""
        if self.qiskit is None or self.qiskit == self.unrouted:
            return None
        return (self.native - self.unrouted) / (self.qiskit - self.unrouted)


def pre_routing(
    circuit: Circuit, device: Device, level: int = 2, basis: tuple[str, ...] = ("ibm",)
) -> Circuit:
    """``circuit`` after the passes of the ``-O<level>`` preset that precede ``layout``."""
    from qlang.passes.presets import preset_passes

    out = circuit
    for p in preset_passes(level, basis=basis, device=device):
        if p.name == "layout":
            return out
        out = p.run(out).circuit
    return out


def compare_routers(
    circuit: Circuit,
    device: Device,
    *,
    level: int = 2,
    seed: int = 0,
    basis: tuple[str, ...] = ("ibm",),
) -> RouterComparison:
    """Route ``circuit`` (after the pre-routing passes) natively and with Qiskit."""
    from qlang.passes.routing import routing_passes

    src = pre_routing(circuit, device, level, basis)
    layout, route = routing_passes(device, level, seed)[:2]
    t0 = time.process_time()
    placed = layout.run(src).circuit
    native = route.run(placed).circuit
    t1 = time.process_time()
    peer = route_with_peer(placed, device, "qiskit", seed)
    t2 = time.process_time()
    return RouterComparison(
        cx_cost(src.ops),
        cx_cost(native.ops),
        None if peer is None else cx_cost(peer.ops),
        t1 - t0,
        t2 - t1,
    )
