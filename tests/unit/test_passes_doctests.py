"""Run the docstring examples of the pass modules and the circuit IR (imported under their
package name)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "qlang.passes",
    "qlang.passes.manager",
    "qlang.passes.registry",
    "qlang.passes.presets",
    "qlang.passes.cli",
    "qlang.passes.errors",
    "qlang.passes.irtext",
    "qlang.passes.linear",
    "qlang.passes.commutation",
    "qlang.passes.analysis.metrics",
    "qlang.passes.optimization.rules",
    "qlang.passes.optimization.peephole",
    "qlang.passes.optimization.cancel",
    "qlang.passes.optimization.resynth",
    "qlang.passes.optimization.swaps",
    "qlang.passes.optimization.fuse_swaps",
    "qlang.passes.routing.passes",
    "qlang.passes.routing.portfolio",
    "qlang.passes.memo",
    "qlang.passes.fixed_point",
    "qlang.passes.basis.sets",
    "qlang.passes.basis.rules",
    "qlang.passes.basis.translate",
    "qlang.passes.synthesis.one_qubit",
    "qlang.passes.synthesis.two_qubit",
    "qlang.passes.synthesis.clifford_t",
    "qlang.ir.dag",
    "qlang.passes.optimization.phase_poly",
    "qlang.passes.routing.chain_layout",
    "qlang.passes.routing.commuting",
    "benchmarks.routing_peers.compare",
    "qlang.passes.routing.engine",
    "qlang.passes.routing.kernels",
    "qlang.passes.routing.layout",
    "qlang.passes.routing.network",
    "qlang.passes.routing.adapters",
    "qlang.passes.routing.rewrite",
    "qlang.passes.routing.sabre",
    "qlang.passes.routing.strategy",
    "qlang.passes.routing.verify",
    "benchmarks.routing_peers.workloads",
    "benchmarks.routing",
    "qlang.ir.circuit",
    "qlang.ir.expr",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0
