"""Layout and routing: on-edge gates, equivalence up to layout, perfect layouts, merging."""

from __future__ import annotations

import numpy as np
import pytest
from qlang.passes.base import LAYOUT_ASSIGNED, ROUTED
from qlang.passes.commutation import commutes as commute
from qlang.passes.commutation import dependencies
from qlang.passes.routing import LayoutPass, RoutePass, routing_passes
from qlang.passes.routing.layout import perfect_layout
from qlang.passes.routing.rewrite import cx_cost, gate_then_swap, merge_swaps
from qlang.passes.routing.strategy import lowered
from qlang.passes.routing.verify import embed, equivalent_up_to_layout, off_edge_gates

from benchmarks.routing_peers.workloads import (
    efficient_su2,
    iqp,
    qaoa,
    qcnn,
    queko,
    regular_graph,
    zz_feature_map,
)
from qlang.devices import grid, heavy_hex, line, parse_device, ring
from qlang.diagnostics import QLangError
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.reference import statevector, unitary


def _compile(c: Circuit, device, level: int, seed: int = 0) -> Circuit:
    for p in routing_passes(device, level, seed):
        c = p.run(c).circuit
        c.verify()
    return c


SMALL = [
    zz_feature_map(6, 1, "full"),
    zz_feature_map(5, 2, "linear"),
    iqp(5),
    qaoa(6, regular_graph(6, seed=2), p=2),
    efficient_su2(5),
    qcnn(6),
]


@pytest.mark.parametrize(
    ("device", "level"), [(line(6), 0), (ring(7), 1), (grid(2, 4), 2), (line(6), 2)], ids=str
)
@pytest.mark.parametrize("circuit", SMALL, ids=lambda c: c.name)
def test_routed_is_on_edges_and_unitary_equivalent(circuit, device, level):
    routed = _compile(circuit, device, level)
    assert off_edge_gates(routed, device) == []
    assert routed.layout is not None and len(routed.layout.initial) == circuit.num_qubits
    assert equivalent_up_to_layout(circuit, routed), (circuit.name, device.name, level)


def test_unitary_of_full_placement_matches_permuted_original():
    c = zz_feature_map(4, 2, "full")
    routed = _compile(c, line(4), 2)
    x = np.array([0.3, -1.1, 0.7, 2.0])
    u_orig, u_routed = unitary(c, x), unitary(routed, x)
    dim = 16
    perm_in = np.stack([embed(col, routed.layout.initial, 4) for col in np.eye(dim)], axis=1)
    perm_out = np.stack([embed(col, routed.layout.final, 4) for col in np.eye(dim)], axis=1)
    assert np.allclose(u_routed @ perm_in, perm_out @ u_orig, atol=1e-8)


@pytest.mark.parametrize("circuit", [qaoa(12, regular_graph(12, 3), 1), zz_feature_map(11)])
def test_statevector_equivalence_above_ten_qubits(circuit):
    device = grid(3, 4)
    routed = _compile(circuit, device, 2)
    assert off_edge_gates(routed, device) == []
    assert equivalent_up_to_layout(circuit, routed, states=2, seed=7)


def test_parameters_stay_symbolic_and_bind_later():
    c = qaoa(5, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 2)], p=1)
    routed = _compile(c, line(5), 2)
    assert any(op.is_parameterized for op in routed.ops)
    for seed in range(3):  # route once, bind many times
        w = np.random.default_rng(seed).uniform(-3, 3, c.num_weights)
        assert equivalent_up_to_layout(c, routed, weights=w, states=1, seed=seed)


@pytest.mark.parametrize(
    ("device", "n", "level"),
    [
        (grid(3, 4), 12, 1),
        (heavy_hex(3), 12, 2),
        (parse_device("falcon"), 20, 2),
        (parse_device("falcon"), 20, 3),
    ],
    ids=str,
)
def test_queko_circuits_need_no_swaps(device, n, level):
    c = queko(device, n, depth=6, seed=n + level)
    routed = _compile(c, device, level)
    assert routed.count_ops()["swap"] == 0
    assert cx_cost(routed.ops) == cx_cost(c.ops)
    assert routed.depth() == 6


def test_perfect_layout_absent_when_impossible():
    # a triangle cannot embed in a line
    c = Circuit(3, (Operation("cz", (0, 1)), Operation("cz", (1, 2)), Operation("cz", (0, 2))))
    assert perfect_layout(c, line(5)) is None
    assert perfect_layout(c, ring(3)) is not None


def test_error_aware_layout_prefers_good_qubits():
    from qlang.devices import Device

    # a line of 6 where edges (0,1),(1,2) are bad: a 3-qubit chain should go to 3-4-5
    errors = (((0, 1), 0.3), ((1, 2), 0.3), ((2, 3), 0.01), ((3, 4), 0.01), ((4, 5), 0.01))
    dev = Device("noisy", 6, tuple(e for e, _ in errors), edge_errors=errors)
    c = Circuit(3, (Operation("cx", (0, 1)), Operation("cx", (1, 2))))
    placed = LayoutPass(dev, error_aware=True).run(c).circuit
    assert set(placed.layout.initial) <= {2, 3, 4, 5}
    assert not set(placed.layout.initial) & {0}


def test_commuting_block_routes_with_fewer_gates_than_sequence_order():
    c = zz_feature_map(8, 1, "full")
    dev = line(8)
    placed = LayoutPass(dev, "trivial").run(c).circuit
    plain = RoutePass(dev, "sabre", trials=4).run(placed).circuit
    aware = RoutePass(dev, "commuting", trials=4).run(placed).circuit
    assert cx_cost(aware.ops) < cx_cost(plain.ops)
    assert equivalent_up_to_layout(c, aware, states=1)


def test_pass_declarations():
    dev = line(3)
    assert LAYOUT_ASSIGNED in LayoutPass(dev).ensures
    assert RoutePass.requires == frozenset({LAYOUT_ASSIGNED}) and ROUTED in RoutePass.ensures
    assert LayoutPass(dev).spec().startswith("layout{device=line(3)")
    assert LayoutPass(dev).to_json()["options"]["device"]["num_qubits"] == 3
    assert [p.name for p in routing_passes(dev, 3)] == ["layout", "route-portfolio"]


def test_circuit_larger_than_device_is_a_coded_error():
    with pytest.raises(QLangError) as err:
        LayoutPass(line(3)).run(Circuit(4, ()))
    assert err.value.codes == ["QL0597"]


def test_input_circuit_is_not_mutated():
    c = zz_feature_map(5)
    before = c.ops
    _compile(c, line(5), 2)
    assert c.ops == before and c.layout is None


# --- building blocks ---------------------------------------------------------------------
def test_commutation_rules():
    t = E.Weight(0)
    assert commute(Operation("rzz", (0, 1), (t,)), Operation("cz", (1, 2)))
    assert commute(Operation("cx", (0, 1)), Operation("cx", (0, 2)))  # shared control
    assert commute(Operation("cx", (0, 1)), Operation("rx", (1,), (t,)))  # X on target
    assert not commute(Operation("cx", (0, 1)), Operation("cx", (1, 2)))
    assert not commute(Operation("h", (0,)), Operation("rz", (0,), (t,)))
    assert not commute(Operation("measure", (0,), (), (0,)), Operation("rz", (0,), (t,)))
    ops = [Operation("rzz", (0, 1), (t,)), Operation("rz", (1,), (t,)), Operation("h", (1,)),
           Operation("cz", (1, 2))]  # fmt: skip
    assert [sorted(p) for p in dependencies(ops)] == [[], [], [0, 1], [2]]
    assert [sorted(p) for p in dependencies(ops, commute_aware=False)] == [[], [0], [1], [2]]


@pytest.mark.parametrize(
    "op",
    [
        Operation("rzz", (0, 1), (E.Weight(0),)),
        Operation("cp", (1, 0), (E.Weight(0),)),
        Operation("crz", (0, 1), (E.Weight(0),)),
        Operation("cz", (0, 1)),
        Operation("cx", (1, 0)),
    ],
    ids=lambda op: op.name,
)
def test_gate_then_swap_fusion_is_exact(op):
    seq, phase = gate_then_swap(op)
    decl = (ParamDecl("w", (1,), 0),)
    fused = Circuit(2, tuple(seq), weights=decl, global_phase=phase)
    plain = Circuit(2, (op, Operation("swap", (0, 1))), weights=decl)
    w = np.array([0.83])
    assert np.allclose(unitary(fused, weights=w), unitary(plain, weights=w), atol=1e-10)
    assert cx_cost(seq) < cx_cost(plain.ops)


def test_merge_swaps_both_orders():
    t = E.Weight(0)
    after, _ = merge_swaps([Operation("swap", (0, 1)), Operation("rzz", (1, 0), (t,))])
    assert cx_cost(after) == 3
    blocked, _ = merge_swaps(
        [Operation("rzz", (0, 1), (t,)), Operation("h", (0,)), Operation("swap", (0, 1))]
    )
    assert cx_cost(blocked) == 5


@pytest.mark.parametrize(
    "op",
    [
        Operation("ccx", (2, 0, 1)),
        Operation("cswap", (2, 0, 1)),
        Operation("mcx", (3, 0, 4, 1)),
        Operation("mcx", (4, 2, 0, 3, 1)),
    ],
    ids=["ccx", "cswap", "mcx3", "mcx4"],
)
def test_multi_qubit_lowering_is_exact(op):
    n = max(op.qubits) + 1
    low = lowered(Circuit(n, (op,)))
    assert all(len(o.qubits) <= 2 for o in low.ops)
    assert np.allclose(unitary(low), unitary(Circuit(n, (op,))), atol=1e-10)


def test_mcx_with_many_controls_is_routed():
    dev = line(5)
    src = Circuit(5, (Operation("h", (0,)), Operation("mcx", (4, 0, 2, 1, 3))))
    routed = RoutePass(dev).run(LayoutPass(dev).run(src).circuit).circuit
    assert all(dev.adjacent(*o.qubits) for o in routed.ops if len(o.qubits) == 2)
    assert routed.layout is not None
    assert equivalent_up_to_layout(src, routed)


def test_measurements_and_barriers_are_routed():
    ops = (
        Operation("h", (0,)),
        Operation("cx", (0, 3)),
        Operation("barrier", (0, 1, 2, 3)),
        Operation("cx", (1, 3)),
        Operation("measure", (3,), (), (0,)),
        Operation("measure", (0,), (), (1,)),
    )
    c = Circuit(4, ops, num_clbits=2)
    routed = _compile(c, line(4), 2)
    assert off_edge_gates(routed, line(4)) == []
    meas = {op.clbits[0]: op.qubits[0] for op in routed.ops if op.name == "measure"}
    assert meas == {0: routed.layout.final[3], 1: routed.layout.final[0]}
    unitary_part = Circuit(4, ops[:4])
    routed_u = routed.with_ops(op for op in routed.ops if op.name != "measure")
    sv = statevector(routed_u, initial=embed(np.eye(16)[0], routed.layout.initial, 4))
    want = embed(statevector(unitary_part), routed.layout.final, 4)
    assert np.allclose(sv, want)


@pytest.mark.parametrize("peer", ["qiskit", "tket"])
def test_peer_routes_are_equivalent(peer):
    from qlang.passes.routing.adapters import route_with_peer
    from qlang.passes.routing.layout import place

    c = Circuit(
        5,
        (
            Operation("h", (0,)),
            Operation("rzz", (0, 3), (E.Weight(0),)),
            Operation("crz", (4, 1), (E.Weight(1),)),
            Operation("cx", (2, 4)),
            Operation("ry", (2,), (E.Weight(0) * 2,)),
            Operation("cp", (0, 2), (E.Weight(1),)),
        ),
        weights=(ParamDecl("w", (2,), 0),),
    )
    dev = line(5)
    routed = route_with_peer(place(c, dev, (0, 1, 2, 3, 4)), dev, peer, seed=3)
    assert routed is not None
    assert off_edge_gates(routed, dev) == []
    assert equivalent_up_to_layout(c, routed)


def test_portfolio_pass_is_equivalent_and_not_worse_than_native():
    c = qaoa(6, regular_graph(6, seed=4), p=1)
    dev = grid(2, 3)
    placed = LayoutPass(dev).run(c).circuit
    native = RoutePass(dev, trials=8).run(placed).circuit
    best = routing_passes(dev, 3)[1].run(placed).circuit
    assert off_edge_gates(best, dev) == []
    assert equivalent_up_to_layout(c, best)
    assert cx_cost(best.ops) <= cx_cost(native.ops)


@pytest.mark.parametrize("lazy", [False, True])
def test_swap_network_all_to_all(lazy):
    from qlang.passes.routing.layout import place
    from qlang.passes.routing.network import route_network
    from qlang.passes.routing.passes import apply_route

    c = zz_feature_map(6, 2, "full")
    dev = line(6)
    placed = place(c, dev, tuple(range(6)))
    res = route_network(placed.ops, dev, list(range(6)), lazy=lazy)
    assert res is not None
    routed = apply_route(placed, res)
    assert off_edge_gates(routed, dev) == []
    assert equivalent_up_to_layout(c, routed)
    if lazy:  # the 2 x 15 terms fused with swaps (3 CNOTs each), at most one swap unfused
        assert cx_cost(routed.ops) <= 3 * 30 + 3


def test_perfect_layout_networkx_fallback(monkeypatch):
    from qlang.passes.routing import layout as layout_mod

    monkeypatch.setattr(layout_mod, "_rustworkx_monomorphisms", lambda *a: None)
    dev = grid(3, 4)
    c = queko(dev, 10, depth=4, seed=5)
    lay = layout_mod.perfect_layout(c, dev, calls=10_000_000)
    assert lay is not None
    placed = layout_mod.place(c, dev, lay)
    assert off_edge_gates(placed, dev) == []


def test_queko_on_eagle_large():
    from qlang.devices import eagle

    dev = eagle()
    c = queko(dev, 54, depth=8, seed=3)
    routed = _compile(c, dev, 2)
    assert routed.count_ops()["swap"] == 0 and routed.depth() == 8
