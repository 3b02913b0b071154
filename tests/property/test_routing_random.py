"""Random circuits on small devices: routed == original up to layout, gates on edges."""

from __future__ import annotations

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from qlang.passes.routing import routing_passes
from qlang.passes.routing.kernels import compiled_available
from qlang.passes.routing.rewrite import finish_codes
from qlang.passes.routing.sabre import Trial, prepare
from qlang.passes.routing.verify import equivalent_up_to_layout, off_edge_gates

from qlang.devices import grid, heavy_hex, line, ring
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl

DEVICES = [line(5), ring(5), grid(2, 3), heavy_hex(3)]
ONE = ["h", "sx", "rz", "ry", "t"]
TWO = ["cx", "cz", "rzz", "cp", "crz", "swap", "rxx", "ccx"]


@st.composite
def circuits(draw):
    n = draw(st.integers(3, 5))
    ops = []
    for _ in range(draw(st.integers(1, 14))):
        name = draw(st.sampled_from(ONE + TWO))
        k = 3 if name == "ccx" else 2 if name in TWO else 1
        qs = tuple(draw(st.permutations(range(n)))[:k])
        params = (
            (E.Weight(0) * 0.5 + 0.3,) if name in ("rz", "ry", "rzz", "cp", "crz", "rxx") else ()
        )
        ops.append(Operation(name, qs, params))
    return Circuit(n, tuple(ops), weights=(ParamDecl("w", (1,), 0),))


@seed(20261123)
@settings(max_examples=25, deadline=None)
@given(circuits(), st.sampled_from(DEVICES), st.sampled_from([0, 1, 2]))
def test_random_circuits_route_correctly(circuit, device, level):
    routed = circuit
    for p in routing_passes(device, level, seed=1):
        routed = p.run(routed).circuit
    routed.verify()
    assert off_edge_gates(routed, device) == [], (device.name, level, circuit.ops)
    states = None if device.num_qubits <= 10 else 2
    assert equivalent_up_to_layout(circuit, routed, states=states), (device.name, level, circuit)


@st.composite
def traces(draw):
    """A random circuit of 1-qubit gates, fusable and other 2-qubit gates, and a trace
    that runs its ops in order with random swaps between them (the key does not care
    whether a swap is on an edge)."""
    n = draw(st.integers(2, 5))
    names = ["h", "rz", "reset", "cx", "cz", "rzz", "cp", "crz", "swap", "rxx", "iswap"]
    ops = []
    for _ in range(draw(st.integers(0, 16))):
        name = draw(st.sampled_from(names))
        k = 1 if name in ("h", "rz", "reset") else 2
        qs = tuple(draw(st.permutations(range(n)))[:k])
        params = (E.Weight(0) + 0.1,) if name in ("rz", "rzz", "cp", "crz", "rxx") else ()
        ops.append(Operation(name, qs, params))
    trace: list[int] = []
    for i in range(len(ops) + 1):
        for _ in range(draw(st.integers(0, 2))):
            p1, p2 = draw(st.permutations(range(n)))[:2]
            trace.append(-1 - (p1 * n + p2))
        if i < len(ops):
            trace.append(i)
    start = tuple(draw(st.permutations(range(n))))
    return ops, Trial(tuple(trace), start, start, 0)


@pytest.mark.skipif(not compiled_available(), reason="the compiled kernels are not built")
@seed(20261206)
@settings(max_examples=300, deadline=None)
@given(traces())
def test_compiled_trace_key_equals_the_finished_route_key(case):
    """``Trial.key`` (no operations built) scores every trace exactly like finishing it:
    swap fusion both ways, trailing swaps dropped with their 1-qubit work relabelled."""
    ops, trial = case
    prog = prepare(ops)
    assert trial.key(prog, ops, finish_codes(ops)) == trial.result(ops).key
