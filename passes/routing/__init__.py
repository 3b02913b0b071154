"""Layout and routing onto device coupling maps (issue 6).

Public entry point for the pass manager::

    >>> from qlang.devices import parse_device
    >>> [p.name for p in routing_passes(parse_device("line(4)"), 2, seed=0)]
    ['layout', 'route']

Levels: -O0 trivial layout + one plain SABRE trial; -O1/-O2 perfect layout first, then the
best of SABRE (4/16 layout trials) and path layouts, commutation-aware routing with 2/4
routing trials (``LayoutPass(gate_budget=...)`` can cap layout trials on large circuits;
the presets do not: with the compiled search, 16 rather than 8 layout trials at -O2 took
the router-alone worst case from 1.12x to 1.04x Qiskit's SABRE for about 30% more routing
time); -O3 16 layout trials (and 8 thorough parity-chain layout searches), 8 routing trials
and the route portfolio (:mod:`.portfolio`: other layouts, and Qiskit's router where the
native route is not provably out of its reach; tket's router only when asked for with
``route-portfolio{peers=qiskit:tket}``: on the routing benchmark it never won a row and
costs 0.2-2 s a call).
"""

from __future__ import annotations

from qlang.passes.base import Pass
from qlang.passes.routing.passes import LayoutPass, RoutePass
from qlang.passes.routing.portfolio import PortfolioRoutePass

from qlang.devices import Device

__all__ = ["LayoutPass", "RoutePass", "PortfolioRoutePass", "routing_passes"]

#: -O3 parity-chain layout searches (independent random streams; the best 3 layouts are
#: judged by their routes). One search costs 0.1-0.6 s on the benchmark's sparse blocks;
#: dense blocks get one whatever this says.
CHAIN_RESTARTS = 8
#: the peers' routers the -O3 portfolio may call (see :mod:`.portfolio` for when it does)
O3_PEERS = ("qiskit",)


def routing_passes(
    device: Device,
    level: int,
    seed: int = 0,
    *,
    finish: tuple[Pass, ...] = (),
) -> list[Pass]:
    """The layout and routing passes for optimisation ``level`` (0-3).

    At -O3, ``finish`` (the post-routing passes) goes to :class:`PortfolioRoutePass`, which
    judges every candidate route after them.
    """
    if level <= 0:
        return [LayoutPass(device, "trivial", seed), RoutePass(device, "sabre", seed, trials=1)]
    trials = {1: 2, 2: 4}.get(level, 8)
    layout_trials = {1: 4}.get(level, 16)
    error_aware = device.has_errors
    layout = LayoutPass(
        device, "auto", seed, trials=layout_trials, error_aware=error_aware,
        thorough=level >= 3, chain_restarts=CHAIN_RESTARTS if level >= 3 else 1,
    )  # fmt: skip
    if level >= 3:
        portfolio = PortfolioRoutePass(
            device, seed, trials, peers=O3_PEERS, layouts=4, finish=finish
        )
        return [layout, portfolio]
    return [layout, RoutePass(device, "commuting", seed, trials=trials)]
