"""Import every built-in pass module so the registry knows them."""

from qlang.passes.basis import translate  # noqa: F401
from qlang.passes.optimization import cancel, fuse_swaps, reorder, resynth, swaps  # noqa: F401
from qlang.passes.registry import register
from qlang.passes.routing.passes import LayoutPass, PortfolioRoutePass, RoutePass

for _routing_pass in (LayoutPass, RoutePass, PortfolioRoutePass):
    register(_routing_pass)
