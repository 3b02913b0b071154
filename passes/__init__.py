"""The optimising middle of the compiler: pass manager, presets and passes.

Example::

    >>> from qlang.passes import build_preset
    >>> from qlang.ir.circuit import Circuit, Operation
    >>> out = build_preset(2, basis=("ibm",)).run(Circuit(1, (Operation("h", (0,)),)))
    >>> [op.name for op in out.ops]
    ['rz', 'sx', 'rz']
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "FixedPoint",
    "Pipeline",
    "PipelineReport",
    "build_preset",
    "parse_pipeline",
    "pipeline_from_cli",
]


def __getattr__(name: str) -> Any:  # lazy: keep `import qlang.passes.base` light
    if name in ("FixedPoint", "Pipeline", "PipelineReport"):
        from qlang.passes import manager

        return getattr(manager, name)
    if name == "build_preset":
        from qlang.passes.presets import build_preset

        return build_preset
    if name == "parse_pipeline":
        from qlang.passes.registry import parse_pipeline

        return parse_pipeline
    if name == "pipeline_from_cli":
        from qlang.passes.cli import pipeline_from_cli

        return pipeline_from_cli
    raise AttributeError(name)
