"""-O3 with a device: swap fusion across 1-qubit gates and the route-and-finish portfolio."""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass

import numpy as np
import pytest
from qlang.passes.base import IN_BASIS, LAYOUT_ASSIGNED, ROUTED
from qlang.passes.basis.sets import resolve_basis
from qlang.passes.manager import Pipeline
from qlang.passes.optimization.fuse_swaps import FuseSwaps
from qlang.passes.optimization.swaps import ElideSwaps
from qlang.passes.presets import build_preset, preset_passes
from qlang.passes.routing import LayoutPass, PortfolioRoutePass
from qlang.passes.routing.portfolio import _final_key, _key
from qlang.passes.routing.rewrite import cx_cost
from qlang.passes.routing.strategy import lowered
from qlang.passes.routing.verify import equivalent_up_to_layout, off_edge_gates

from benchmarks.routing_peers.workloads import (
    efficient_su2,
    qaoa,
    qcnn,
    regular_graph,
    zz_feature_map,
)
from qlang.devices import grid, heavy_hex, line
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.reference import unitary

IBM = ("ibm",)


def _random_swap_circuit(rng: random.Random, n: int, length: int) -> Circuit:
    ops: list[Operation] = []
    k = 0
    for _ in range(length):
        a, b = rng.sample(range(n), 2)
        r = rng.random()
        if r < 0.3:
            ops.append(Operation("swap", (a, b)))
        elif r < 0.6:
            name = rng.choice(["cx", "cz", "rzz", "cp", "crz", "ryy"])
            params = () if name in ("cx", "cz") else (E.Weight(k % 4),)
            k += 1
            ops.append(Operation(name, (a, b), params))
        else:
            ops.append(Operation(rng.choice(["ry", "rx", "h"]), (a,), ()))
            if ops[-1].name != "h":
                ops[-1] = Operation(ops[-1].name, (a,), (E.Weight(k % 4) * 0.7,))
    return Circuit(n, tuple(ops), weights=(ParamDecl("w", (4,), 0),))


def test_fuse_swaps_is_exact_on_random_circuits():
    rng = random.Random(20261123)
    fused = 0
    for trial in range(120):
        c = _random_swap_circuit(rng, 3, 14)
        res = FuseSwaps().run(c)
        fused += res.changed
        w = np.random.default_rng(trial).uniform(-3, 3, 4)
        # exact, global phase included (seeded: rerun with this trial number to reproduce)
        assert np.allclose(unitary(c, weights=w), unitary(res.circuit, weights=w), atol=1e-9), (
            trial,
            c.ops,
        )
        pairs = {frozenset(op.qubits) for op in c.ops if len(op.qubits) == 2}
        assert {frozenset(op.qubits) for op in res.circuit.ops if len(op.qubits) == 2} <= pairs
        if res.changed:
            assert cx_cost(res.circuit.ops) < cx_cost(c.ops)
        else:
            assert res.circuit == c
    assert fused > 40


@pytest.mark.parametrize("swap_first", [False, True])
def test_fuse_swaps_looks_through_one_qubit_gates(swap_first):
    w = (E.Weight(0),)
    middle = [Operation("ry", (0,), (E.Weight(1),)), Operation("h", (1,))]
    term, swap = Operation("rzz", (0, 1), w), Operation("swap", (0, 1))
    ops = [swap, *middle, term] if swap_first else [term, *middle, swap]
    c = Circuit(2, tuple(ops), weights=(ParamDecl("w", (2,), 0),))
    out = FuseSwaps().run(c).circuit
    assert cx_cost(c.ops) == 5 and cx_cost(out.ops) == 3
    x = np.array([0.4, -1.3])
    assert np.allclose(unitary(c, weights=x), unitary(out, weights=x), atol=1e-10)


def test_fuse_swaps_stops_at_other_two_qubit_gates_and_measurements():
    c = Circuit(
        3,
        (
            Operation("cx", (0, 1)),
            Operation("cx", (1, 2)),
            Operation("swap", (0, 1)),  # cx(1, 2) sits between it and cx(0, 1)
            Operation("measure", (1,), (), (0,)),
            Operation("cz", (0, 1)),  # the measurement sits between it and the swap
        ),
        num_clbits=1,
    )
    assert FuseSwaps().run(c).changed is False


SMALL = [
    qcnn(6),
    efficient_su2(5),
    zz_feature_map(5, 2, "full"),
    qaoa(6, regular_graph(6, seed=2), p=2),
]


@pytest.mark.parametrize("device", [line(6), grid(2, 4)], ids=lambda d: d.name)
@pytest.mark.parametrize("circuit", SMALL, ids=lambda c: c.name)
def test_o3_with_device_is_equivalent_on_edges_and_in_basis(circuit, device):
    out = build_preset(3, basis=IBM, device=device, seed=0).run(circuit)
    assert off_edge_gates(out, device) == []
    assert {op.name for op in out.ops} <= set(resolve_basis(IBM))
    assert out.layout is not None and len(out.layout.initial) == circuit.num_qubits
    assert equivalent_up_to_layout(circuit, out), (circuit.name, device.name)


def test_o3_on_heavy_hex_statevector_equivalence():
    c, dev = qcnn(6), heavy_hex(3)  # 19 device qubits: random input states
    out = build_preset(3, basis=IBM, device=dev, seed=0).run(c)
    assert off_edge_gates(out, dev) == []
    assert equivalent_up_to_layout(c, out, states=2, seed=5)


def _split_preset(circuit: Circuit, device) -> tuple[Circuit, PortfolioRoutePass]:
    passes = preset_passes(3, basis=IBM, device=device, seed=0)
    portfolio = passes[-1]
    assert isinstance(portfolio, PortfolioRoutePass)
    return Pipeline(tuple(passes[:-1])).run(circuit), portfolio


@pytest.mark.parametrize(
    ("circuit", "device"),
    [
        (qcnn(6), line(6)),
        (efficient_su2(5), grid(2, 3)),
        (qaoa(6, regular_graph(6, 2), 2), line(6)),
    ],
    ids=lambda x: x.name,
)
def test_portfolio_result_is_no_worse_than_any_candidate_finished_alone(circuit, device):
    placed, portfolio = _split_preset(circuit, device)
    out = portfolio.run(placed).circuit
    cands = portfolio.candidates(placed)
    assert {lab for lab, _ in cands} >= {"native", "layout1"}
    finished = {lab: _final_key(portfolio.finished(c)) for lab, c in cands}
    assert _final_key(out) == min(finished.values())
    # in particular no worse than the route that looks best before finishing
    pre_best = min(cands, key=lambda lc: _key(lc[1]))[0]
    assert _final_key(out) <= finished[pre_best]
    assert equivalent_up_to_layout(circuit, out)


@dataclass(frozen=True)
class _TwoCandidates(PortfolioRoutePass):
    """The portfolio's selection on two fixed routes: ``cheap`` looks better as routed
    (4 CNOTs vs 5), ``fusable`` is better once finished (its swap fuses: 3 CNOTs)."""

    def candidates(self, circuit: Circuit) -> list[tuple[str, Circuit]]:
        cheap = circuit.with_ops(tuple(Operation("cx", (i % 2, 1 - i % 2)) for i in range(4)))
        fusable = circuit.with_ops(
            (
                Operation("rzz", (0, 1), (E.Weight(0),)),
                Operation("ry", (0,), (E.Weight(0),)),
                Operation("swap", (0, 1)),
            )
        )
        return [("cheap", cheap), ("fusable", fusable)]


def test_portfolio_picks_the_candidate_best_after_finishing():
    c = Circuit(2, (), weights=(ParamDecl("w", (1,), 0),))
    placed = LayoutPass(line(2), "trivial").run(c).circuit
    as_routed = _TwoCandidates(line(2), peers=()).run(placed).circuit
    finished = _TwoCandidates(line(2), peers=(), finish=(FuseSwaps(),)).run(placed).circuit
    assert cx_cost(as_routed.ops) == 4  # without finish: the cheaper route as routed
    assert cx_cost(finished.ops) == 3  # with finish: the other one


def test_portfolio_pass_protocol():
    dev = line(4)
    passes = preset_passes(3, basis=IBM, device=dev, seed=0)
    portfolio = passes[-1]
    assert isinstance(portfolio, PortfolioRoutePass) and portfolio.name == "route-portfolio"
    assert portfolio.requires == {LAYOUT_ASSIGNED}
    assert {ROUTED, IN_BASIS} <= portfolio.ensures
    assert IN_BASIS in Pipeline(tuple(passes)).ensures
    data = json.loads(json.dumps(portfolio.to_json()))
    assert data["options"]["device"]["num_qubits"] == 4
    assert [p["name"] for p in data["options"]["finish"]][0] == "fuse-swaps"
    assert portfolio.spec().startswith("route-portfolio{device=line(4)")
    with pytest.raises(ValueError, match="undo the routing"):
        PortfolioRoutePass(dev, finish=(ElideSwaps(),))
    c = zz_feature_map(4, 1, "full")
    placed = Pipeline(tuple(passes[:-1])).run(c)
    snapshot = copy.deepcopy(placed)
    portfolio.run(placed)
    assert placed == snapshot


def test_levels_below_three_do_not_finish_inside_routing():
    for level in (0, 1, 2):
        names = [p.name for p in preset_passes(level, basis=IBM, device=line(4))]
        assert "route-portfolio" not in names and "fuse-swaps" not in names


@pytest.mark.parametrize("seed", range(6))
def test_o3_on_tiny_circuits_calls_no_peer_and_finishes_few_candidates(seed, monkeypatch):
    """At most 5 logical qubits: no peer is called and at most three candidates (native,
    one other layout, -O2's) are finished, whatever the circuit's length: the effort is
    bounded by the size (measured: at most 0.23 s of CPU for 80 operations)."""
    from qlang.passes.routing import adapters
    from qlang.passes.routing.portfolio import TINY_QUBITS

    rng = random.Random(seed)
    n = 2 + seed % (TINY_QUBITS - 1)
    dev = [line(5), grid(2, 3), grid(3, 3)][seed % 3]
    c = _random_swap_circuit(rng, n, 30 + 10 * seed)
    peers: list[str] = []
    monkeypatch.setattr(adapters, "route_with_peer", lambda *a: peers.append(a[2]))
    finished: list[int] = []
    orig = PortfolioRoutePass.finished
    monkeypatch.setattr(
        PortfolioRoutePass, "finished", lambda self, r: finished.append(1) or orig(self, r)
    )
    out = build_preset(3, basis=IBM, device=dev, seed=seed).run(c)
    assert peers == [] and 1 <= len(finished) <= 3
    assert off_edge_gates(out, dev) == [] and equivalent_up_to_layout(c, out)


def test_portfolio_plan_calls_peers_only_where_they_can_win():
    """Peers for a circuit whose route costs something; none for a tiny circuit or one
    routed at no cost (a line on a line; a dense block by parity chains)."""
    from qlang.passes.routing.portfolio import portfolio_plan

    def plan(circuit, device):
        passes = preset_passes(3, basis=IBM, device=device, seed=0)
        placed = Pipeline(tuple(passes[:-1])).run(circuit)
        portfolio = passes[-1]
        assert isinstance(portfolio, PortfolioRoutePass) and portfolio.peers == ("qiskit",)
        src = lowered(placed)
        return portfolio_plan(src, portfolio._native(src), ("qiskit", "tket"), layouts=4,
                              layout_work=7000)  # fmt: skip

    assert plan(qcnn(8), line(8)) == ((("qiskit", "tket")), 4, "routing cost")
    assert plan(qcnn(4), line(4)).peers == ()  # tiny
    assert plan(zz_feature_map(8, 1, "linear"), line(8)).reason == "no routing cost"
    assert plan(zz_feature_map(8, 1, "full"), line(8)).reason == "no routing cost"


@pytest.mark.parametrize("seed", range(4))
def test_qiskit_router_stages_equal_the_whole_presets_stages(seed):
    """The portfolio builds only Qiskit O3's layout and routing stages (not the whole
    preset, whose other stages cost most of a call); they route exactly as the layout and
    routing stages of ``generate_preset_pass_manager(3, ...)`` on random circuits."""
    pytest.importorskip("qiskit")
    from qiskit import QuantumCircuit
    from qlang.passes.routing import adapters

    rng = random.Random(seed)
    dev = [heavy_hex(3), grid(3, 4), line(7), heavy_hex(5)][seed]
    n = min(dev.num_qubits, 7 + seed)
    qc = QuantumCircuit(n)
    for _ in range(40):
        a, b = rng.sample(range(n), 2)
        qc.cx(a, b) if rng.random() < 0.7 else qc.ry(rng.random(), a)
    fast = adapters._qiskit_stages(dev, seed).run(qc)
    ref = adapters._qiskit_preset_stages(dev, seed).run(qc)
    assert fast == ref and fast.count_ops().get("swap", 0) > 0
    lay = (fast.layout.initial_index_layout(), fast.layout.final_index_layout())
    assert lay == (ref.layout.initial_index_layout(), ref.layout.final_index_layout())
