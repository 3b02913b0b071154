"""Random circuits on small devices: routed == original up to layout, gates on edges."""

from __future__ import annotations

from hypothesis import given, seed, settings
from hypothesis import strategies as st
from qlang.passes.routing import routing_passes
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
