"""Circuit analysis: depth, 2-qubit depth, gate counts, critical path (typed results)."""

from qlang.passes.analysis.metrics import (
    CircuitMetrics,
    CriticalPath,
    GateCounts,
    analyze,
    critical_path,
    gate_counts,
)

__all__ = [
    "CircuitMetrics",
    "CriticalPath",
    "GateCounts",
    "analyze",
    "critical_path",
    "gate_counts",
]
