"""Import every built-in pass module so the registry knows them."""

from qlang.passes.basis import translate  # noqa: F401
from qlang.passes.optimization import (  # noqa: F401
    cancel,
    fuse_swaps,
    phase_poly,
    reorder,
    resynth,
    swaps,
)
from qlang.passes.registry import register
from qlang.passes.routing.passes import LayoutPass, PortfolioRoutePass, RoutePass

for _routing_pass in (LayoutPass, RoutePass, PortfolioRoutePass):
    register(_routing_pass)
