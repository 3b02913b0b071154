"""The hook the ``qlang compile`` command uses to build its pipeline.

Example::

    >>> p = pipeline_from_cli("cancel-inverses", 2, (), False, True, None, None)
    >>> str(p)
    'cancel-inverses{commute=False}'
"""

from __future__ import annotations

from collections.abc import Sequence

from qlang.passes.manager import Pipeline
from qlang.passes.presets import preset_passes
from qlang.passes.registry import parse_pipeline


def pipeline_from_cli(
    passes: str | None,
    level: int,
    print_ir_after: tuple[str, ...],
    time_passes: bool,
    verify: bool,
    basis: Sequence[str] | str | None,
    device: object,
    seed: int = 0,
) -> Pipeline:
    """``--passes`` (custom) or ``-O<level>`` (preset), with the driver flags applied."""
    if isinstance(basis, str):
        basis = (basis,)
    if passes:
        plist = parse_pipeline(passes, device=device)
    else:
        plist = preset_passes(level, basis=basis, device=device, seed=seed)
    return Pipeline(
        tuple(plist),
        verify=verify,
        print_ir_after=tuple(print_ir_after),
        time_passes=time_passes,
    )
