"""The built-in passes, by class: the registry (:mod:`qlang.passes.registry`) starts from
this table, so no pass module registers itself by import side effect."""

from qlang.passes.base import Pass
from qlang.passes.basis.translate import BasisTranslation, UnrollMultiQubit
from qlang.passes.mitigation.folding import FoldGates, FoldGlobal
from qlang.passes.mitigation.twirling import PauliTwirl
from qlang.passes.optimization.cancel import CancelInverses, MergeRotations, RemoveZeroRotations
from qlang.passes.optimization.fuse_swaps import FuseSwaps
from qlang.passes.optimization.phase_poly import ResynthesizeCnotPhase
from qlang.passes.optimization.reorder import CommuteReorder
from qlang.passes.optimization.resynth import ConsolidateBlocks, ResynthesizeOneQubit
from qlang.passes.optimization.swaps import ElideSwaps
from qlang.passes.routing.passes import LayoutPass, RoutePass
from qlang.passes.routing.portfolio import PortfolioRoutePass

#: every built-in pass class (``fixed-point`` is the pipeline's own combinator, not here)
BUILTIN_PASSES: tuple[type[Pass], ...] = (
    FuseSwaps,
    ResynthesizeOneQubit,
    ConsolidateBlocks,
    ResynthesizeCnotPhase,
    CommuteReorder,
    CancelInverses,
    MergeRotations,
    RemoveZeroRotations,
    ElideSwaps,
    BasisTranslation,
    UnrollMultiQubit,
    LayoutPass,
    RoutePass,
    PortfolioRoutePass,
    FoldGlobal,
    FoldGates,
    PauliTwirl,
)
