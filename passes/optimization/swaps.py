"""Swap elision: remove ``swap`` gates by relabelling the qubits after them.

The circuit then equals the original followed by a qubit permutation, which is
recorded in ``layout.final`` (``final[l]`` is the wire holding logical qubit
``l`` at the end; with an existing layout the permutation is composed onto
it). Measurements keep their classical bits, so sampled results are
unchanged. Not valid after routing (relabelled gates may leave the coupling
map), hence it invalidates ``routed``.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(2, (Operation("swap", (0, 1)), Operation("h", (0,))))
    >>> out = ElideSwaps().run(c).circuit
    >>> [(op.name, op.qubits) for op in out.ops], out.layout.final
    ([('h', (1,))], (1, 0))
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from qlang.passes.base import LAYOUT_ASSIGNED, ROUTED, Pass, PassResult

from qlang.ir.circuit import Circuit, Layout


@dataclass(frozen=True)
class ElideSwaps(Pass):
    """Drop unconditioned ``swap`` gates, tracking the output permutation in ``layout``."""

    name: ClassVar[str] = "elide-swaps"
    invalidates: ClassVar[frozenset[str]] = frozenset({ROUTED})

    def run(self, circuit: Circuit) -> PassResult:
        if not any(op.name == "swap" and op.condition is None for op in circuit.ops):
            return PassResult(circuit, False)
        m = list(range(circuit.num_qubits))  # original wire -> new wire
        ops = []
        for op in circuit.ops:
            if op.name == "swap" and op.condition is None:
                a, b = op.qubits
                m[a], m[b] = m[b], m[a]
                continue
            ops.append(replace(op, qubits=tuple(m[q] for q in op.qubits)))
        if circuit.layout is None:
            layout = Layout(tuple(range(circuit.num_qubits)), tuple(m))
        else:
            layout = Layout(circuit.layout.initial, tuple(m[p] for p in circuit.layout.final))
        return PassResult(replace(circuit, ops=tuple(ops), layout=layout), True)


_ = LAYOUT_ASSIGNED
