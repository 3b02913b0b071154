"""Optimisation presets ``-O0`` .. ``-O3``.

* ``-O0``: basis translation only (when a basis is given).
* ``-O1``: zero-rotation removal and adjacent merging/cancellation, then
  translation and 1-qubit resynthesis.
* ``-O2``: commutation-aware merging and cancellation to a fixed point,
  reordering of commuting groups for depth, translation, then the same in the basis
  together with symbolic resynthesis of 2-qubit ``cx``/``rz`` blocks
  (``resynthesize-cnot-phase``, when the basis has ``cx`` and ``rz``).
* ``-O3``: ``-O2`` plus 2-qubit block consolidation (KAK) after translation
  (before it when no basis is given) and, without a device, swap elision: swaps (explicit, or
  found by KAK as ``block = swap . cheaper``) become a qubit relabelling
  recorded in ``layout.final`` (the circuit is then equal to the original
  followed by that output permutation).

With a ``device``, the routing passes of :mod:`qlang.passes.routing` are placed
after the first optimisation stage. At ``-O3`` the post-routing stage (swap fusion across
1-qubit gates, translation, the consolidation loop) runs inside the routing portfolio on
every candidate route, and the best final circuit is kept (route-and-finish).

Example::

    >>> print(build_preset(1, basis=("ibm",)))   # doctest: +NORMALIZE_WHITESPACE
    remove-zero-rotations,merge-rotations{commute=False,basis=},basis-translation{basis=cx:rz:sx:x,precision=0.001},resynthesize-1q{basis=cx:rz:sx:x},merge-rotations{commute=False,basis=cx:rz:sx:x}
"""

from __future__ import annotations

from collections.abc import Sequence

from qlang.passes.base import Pass
from qlang.passes.basis.sets import resolve_basis
from qlang.passes.basis.translate import BasisTranslation, UnrollMultiQubit
from qlang.passes.errors import pass_error
from qlang.passes.manager import FixedPoint, Pipeline
from qlang.passes.optimization.cancel import MergeRotations, RemoveZeroRotations
from qlang.passes.optimization.fuse_swaps import FuseSwaps
from qlang.passes.optimization.phase_poly import ResynthesizeCnotPhase
from qlang.passes.optimization.reorder import CommuteReorder
from qlang.passes.optimization.resynth import ConsolidateBlocks, ResynthesizeOneQubit
from qlang.passes.optimization.swaps import ElideSwaps

LEVELS = (0, 1, 2, 3)


def preset_passes(
    level: int, *, basis: Sequence[str] | None = None, device: object = None, seed: int = 0
) -> list[Pass]:
    """The pass list of a preset (see :func:`build_preset`)."""
    if level not in LEVELS:
        raise pass_error(
            "QL0557", f"optimisation level `{level}` does not exist", help="use -O0 .. -O3"
        )
    b = resolve_basis(tuple(basis)) if basis else ()
    if level == 0:
        return _routing(device, level, seed) + ([BasisTranslation(basis=b)] if b else [])
    if level == 1:
        first: list[Pass] = [RemoveZeroRotations(), MergeRotations(commute=False)]
        after: list[Pass] = [ResynthesizeOneQubit(basis=b), MergeRotations(commute=False, basis=b)]
    else:
        first = [FixedPoint((RemoveZeroRotations(), MergeRotations(commute=True)))]
        swaps = level == 3 and device is None
        elide: tuple[Pass, ...] = (ElideSwaps(),) if swaps else ()
        if level == 3 and b:  # with a basis, consolidation runs after translation (basis-aware)
            first = [FixedPoint(elide + (RemoveZeroRotations(), MergeRotations(commute=True)))]
        elif level == 3:
            first = [
                FixedPoint(elide + (RemoveZeroRotations(), MergeRotations(commute=True))),
                FixedPoint(
                    (ConsolidateBlocks(allow_swaps=swaps),)
                    + elide
                    + (MergeRotations(commute=True), ResynthesizeOneQubit()),
                    max_iterations=4,
                ),  # fmt: skip
            ]
        loop: tuple[Pass, ...] = (
            ResynthesizeOneQubit(basis=b),
            MergeRotations(commute=True, basis=b),
        )
        if not b or {"cx", "rz"} <= set(b):  # symbolic cx/rz blocks (emits only cx, rz)
            loop = (ResynthesizeCnotPhase(),) + loop
        if level == 3 and b:
            loop = (ConsolidateBlocks(basis=b, allow_swaps=swaps),) + elide + (
                BasisTranslation(basis=b),) + loop  # fmt: skip
        elif level == 3:
            loop = (ConsolidateBlocks(allow_swaps=swaps),) + elide + loop
        first.append(CommuteReorder())
        after = [FixedPoint(loop, max_iterations=6)]
    translate: list[Pass] = [BasisTranslation(basis=b)] if b else []
    if level >= 2 and b and "cx" in b and "rzz" not in b:
        # Keep rzz(theta) whole while merging 1q gates: rz commutes through it (not
        # through its cx-rz-cx expansion), so e.g. cp's target phases reach their neighbours.
        br = b + ("rzz",)
        translate = [
            BasisTranslation(basis=br),
            FixedPoint((ResynthesizeOneQubit(basis=br), MergeRotations(commute=True, basis=br))),
        ] + translate
    if level == 3 and device is not None:
        # route-and-finish portfolio: every candidate route runs through the post-routing
        # stage, and the best final circuit wins
        finish = (FuseSwaps(), *translate, *after)
        return first + _routing(device, level, seed, finish=finish)
    return first + _routing(device, level, seed) + translate + after


def build_preset(
    level: int, *, basis: tuple[str, ...] | None = None, device: object = None, seed: int = 0
) -> Pipeline:
    """The ``-O<level>`` pipeline, optionally translating to ``basis`` and routing to ``device``."""
    return Pipeline(tuple(preset_passes(level, basis=basis, device=device, seed=seed)))


def _routing(
    device: object,
    level: int,
    seed: int,
    *,
    finish: tuple[Pass, ...] = (),
) -> list[Pass]:
    if device is None:
        return []
    from qlang.passes.routing import routing_passes

    return [UnrollMultiQubit(), *routing_passes(device, level, seed, finish=finish)]
