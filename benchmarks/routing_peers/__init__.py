"""Benchmark and peer-comparison code of the routing benchmark (``benchmarks/routing.py``),
kept out of the compiler: the QML workload circuits (:mod:`.workloads`), router against
router on the same input (:mod:`.compare`) and the peers' whole transpilers timed side by
side (:mod:`.peers`). The compiler's own route portfolio calls the Qiskit and tket routers
through ``qlang.passes.routing.adapters``.
"""
