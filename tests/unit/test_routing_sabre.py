"""The flat SABRE search: relabelling invariance, traces, memoised trials, router comparison."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from qlang.passes.memo import route_memo
from qlang.passes.routing.engine import Heuristic
from qlang.passes.routing.kernels import compiled_available
from qlang.passes.routing.layout import _start, place, random_region_layout, sabre_layout
from qlang.passes.routing.sabre import prepare, route, search, search_python
from qlang.passes.routing.strategy import HEURISTICS, best_route, first_route
from qlang.passes.routing.verify import equivalent_up_to_layout, off_edge_gates

from benchmarks.routing_peers.workloads import efficient_su2, iqp, qaoa, qcnn, regular_graph
from qlang.devices import grid, heavy_hex, line
from qlang.ir.circuit import Layout

CIRCUITS = [iqp(7), qaoa(8, regular_graph(8, seed=3), p=2), qcnn(8), efficient_su2(6)]
DEVICES = [line(9), grid(3, 4), heavy_hex(3)]


@pytest.mark.parametrize("device", DEVICES, ids=str)
@pytest.mark.parametrize("circuit", CIRCUITS, ids=lambda c: c.name)
@pytest.mark.parametrize("heuristic", HEURISTICS[:3], ids=range(3))
def test_logical_program_on_a_layout_routes_like_the_placed_circuit(circuit, device, heuristic):
    """Wire labels never steer the search: starting logical wires on ``lay`` gives the
    same route as the circuit placed on ``lay``."""
    lay = random_region_layout(device, circuit.num_qubits, random.Random(5))
    placed = place(circuit, device, lay)
    want = route(placed.ops, device, seed=7, heuristic=heuristic)
    trial = search(prepare(circuit.ops), device, _start(lay, device.num_qubits), seed=7,
                   heuristic=heuristic)  # fmt: skip
    got = trial.result(circuit.ops)
    assert (got.ops, got.final, got.phase, got.key) == (want.ops, want.final, want.phase, want.key)


@pytest.mark.parametrize("circuit", CIRCUITS, ids=lambda c: c.name)
def test_trace_operations_are_on_edges_and_equivalent(circuit):
    dev = grid(3, 4)
    lay = random_region_layout(dev, circuit.num_qubits, random.Random(1))
    placed = place(circuit, dev, lay)
    trial = search(prepare(placed.ops), dev, range(dev.num_qubits), seed=3)
    ops = trial.operations(placed.ops)
    assert sum(op.name == "swap" for op in ops) == trial.swaps
    routed = replace(
        placed, ops=tuple(ops), layout=Layout(tuple(lay), tuple(trial.final[p] for p in lay))
    )
    assert off_edge_gates(routed, dev) == []
    assert equivalent_up_to_layout(circuit, routed, states=3)


def test_same_seed_same_route_and_seeds_matter():
    c, dev = qaoa(8, regular_graph(8, seed=1), p=2), line(8)
    prog = prepare(c.ops)
    runs = {search(prog, dev, range(8), seed=s, heuristic=Heuristic()).trace for s in range(6)}
    again = search(prog, dev, range(8), seed=0, heuristic=Heuristic()).trace
    assert again in runs and len(runs) > 1


def test_best_route_reuses_the_memoised_first_trial():
    c, dev = iqp(6), line(6)
    placed = place(c, dev, (3, 1, 4, 0, 5, 2))
    with route_memo():
        first = first_route(placed.ops, dev, seed=2)
        assert first_route(placed.ops, dev, seed=2) is first
        best = best_route(placed.ops, dev, seed=2, trials=3, network=False)
    assert best.key <= first.key
    assert route(placed.ops, dev, seed=2, heuristic=HEURISTICS[0]) == first


def test_sabre_layout_ranking_is_deterministic_and_best_first():
    c, dev = qcnn(8), grid(3, 4)
    r1: list = []
    r2: list = []
    lay1, res1 = sabre_layout(c, dev, seed=4, trials=3, ranking=r1)
    lay2, res2 = sabre_layout(c, dev, seed=4, trials=3, ranking=r2)
    assert (lay1, r1, res1) == (lay2, r2, res2)
    assert r1[0][1] == lay1 and len(r1) == 3


@pytest.mark.parametrize("circuit", CIRCUITS, ids=lambda c: c.name)
def test_sabre_layout_scores_candidates_like_finishing_them(circuit, monkeypatch):
    """Scoring candidates with the compiled trace key picks the same layouts, in the same
    order, as finishing every candidate route (``finish_codes`` -> None forces that)."""
    from qlang.passes.routing import layout

    dev = grid(3, 4)
    fast: list = []
    got = sabre_layout(circuit, dev, seed=2, trials=5, ranking=fast)
    monkeypatch.setattr(layout, "finish_codes", lambda ops: None)
    slow: list = []
    want = sabre_layout(circuit, dev, seed=2, trials=5, ranking=slow)
    assert (got, fast) == (want, slow)


def test_finish_codes_refuses_what_the_kernel_does_not_model():
    from qlang.passes.routing.rewrite import finish_codes

    from qlang.ir.circuit import Condition, Operation

    assert finish_codes([Operation("cx", (0, 1)), Operation("swap", (1, 0))]) is not None
    for op in [
        Operation("measure", (0,), clbits=(0,)),
        Operation("barrier", (0, 1)),
        Operation("ccx", (0, 1, 2)),
        Operation("x", (0,), condition=Condition((0,), 1)),
    ]:
        assert finish_codes([Operation("h", (0,)), op]) is None, op


def test_compare_routers_counts_both_routers():
    from benchmarks.routing_peers.compare import compare_routers

    r = compare_routers(qcnn(6), line(6), seed=1)
    assert r.native >= r.unrouted > 0
    assert r.qiskit is not None and r.qiskit >= r.unrouted
    assert r.ratio == r.native / r.qiskit


@pytest.mark.skipif(not compiled_available(), reason="the compiled search is not built")
@pytest.mark.parametrize("device", [*DEVICES, heavy_hex(5)], ids=str)
@pytest.mark.parametrize("commute_aware", [True, False])
def test_compiled_search_decides_exactly_like_the_python_search(device, commute_aware):
    """The C search is a port of the Python one (same scores, same tie-breaking stream):
    identical traces on every heuristic, layout and seed, including the stall valve."""
    circuits = [*CIRCUITS, qaoa(12, regular_graph(12, seed=1), p=3), efficient_su2(10)]
    for k, circuit in enumerate(c for c in circuits if c.num_qubits <= device.num_qubits):
        prog = prepare(list(circuit.ops), commute_aware)
        for t, h in enumerate((*HEURISTICS, Heuristic(decay_step=0.0, lookahead=0))):
            lay = random_region_layout(device, circuit.num_qubits, random.Random(31 * k + t))
            start = _start(lay, device.num_qubits)
            fast = search(prog, device, start, seed=t, heuristic=h)
            ref = search_python(prog, device, start, seed=t, heuristic=h)
            assert fast == ref, (circuit.name, t)


@pytest.mark.skipif(not compiled_available(), reason="the compiled search is not built")
@pytest.mark.parametrize("device", [*DEVICES, heavy_hex(5)], ids=str)
def test_compiled_layout_trial_passes_like_the_python_searches(device, monkeypatch):
    """``layout_passes`` in one compiled call (``layout_trial``) ends on the layout of the
    Python pass-by-pass loop over the pure-Python search, on every heuristic, random start
    layouts, seeds (also negative and above 2**32) and 0-3 iterations."""
    from qlang.passes.routing import layout

    circuits = [*CIRCUITS, qaoa(12, regular_graph(12, seed=1), p=3), efficient_su2(10)]
    seeds = [0, 7, -5, (1 << 40) + 3]
    for k, circuit in enumerate(c for c in circuits if c.num_qubits <= device.num_qubits):
        ops = list(circuit.ops)
        prog, rprog = prepare(ops), prepare(ops[::-1])
        for t, h in enumerate((*HEURISTICS, Heuristic(decay_step=0.0, lookahead=0))):
            lay = random_region_layout(device, circuit.num_qubits, random.Random(31 * k + t))
            args = (prog, rprog, device, lay, t % 4, seeds[t % 4], seeds[(t + 1) % 4] + 17, h)
            assert layout.KERNELS is not None
            fast = layout.layout_passes(*args)
            monkeypatch.setattr(layout, "KERNELS", None)
            monkeypatch.setattr("qlang.passes.routing.sabre.KERNELS", None)
            slow = layout.layout_passes(*args)
            monkeypatch.undo()
            assert fast == slow, (circuit.name, t)
            assert len(fast) == circuit.num_qubits and len(set(fast)) == len(fast)


@pytest.mark.skipif(not compiled_available(), reason="the compiled kernels are not built")
@pytest.mark.parametrize("case", range(40))
def test_compiled_chain_kernels_match_the_python_planners(case):
    """The greedy parity-chain planner and the chain-order exchange search give the same
    plans and orders compiled as in Python, and consume the caller's random stream alike."""
    from qlang.passes.routing.chain_layout import _exchange, _exchange_python
    from qlang.passes.routing.commuting import _greedy_plan, _greedy_plan_python

    r = random.Random(case)
    k = r.randrange(2, 30)
    order = r.sample(range(100), k)
    at = {w: i for i, w in enumerate(order)}
    density = r.random()
    pairs = {
        (min(a, b), max(a, b)) for a in order for b in order if a < b and r.random() < density
    }
    rest = {p for p in pairs if abs(at[p[0]] - at[p[1]]) > 1}
    for gain_weight in (1.0, 0.5, 0.0, 0.3):  # 0.3: the kernel scores in floats, not eighths
        r1, r2 = random.Random(case), random.Random(case)
        assert _greedy_plan(order, set(rest), r1, gain_weight) == _greedy_plan_python(
            order, set(rest), r2, gain_weight
        )
        assert r1.random() == r2.random()
    r1, r2 = random.Random(case), random.Random(case)
    assert _exchange(order, sorted(pairs), r1, 40 * k) == _exchange_python(
        order, sorted(pairs), r2, 40 * k
    )
    assert r1.random() == r2.random()


@pytest.mark.skipif(not compiled_available(), reason="the compiled kernels are not built")
def test_compiled_path_search_takes_the_python_search_steps(monkeypatch):
    """``find_path`` compiled and in Python: the same path, or None, on random regions,
    lengths and step budgets (including budgets that run out mid-search)."""
    from qlang.passes.routing import network

    found = []
    for case in range(40):
        r = random.Random(case)
        dev = [grid(7, 7), heavy_hex(5), grid(4, 6), line(12)][case % 4]
        region = frozenset(random_region_layout(dev, r.randrange(4, dev.num_qubits), r))
        seed = r.randrange(100)
        got: list = []
        for kernels in (network.KERNELS, None):
            monkeypatch.setattr(network, "KERNELS", kernels)
            got.append([
                network.find_path(dev, k, within=region, max_steps=steps, seed=seed)
                for k in (len(region), len(region) - 1, len(region) // 2)
                for steps in (10, 200, None)
            ])  # fmt: skip
        assert got[0] == got[1], case
        found += got[0]
    assert sum(p is None for p in found) > 20 and sum(p is not None for p in found) > 200


@pytest.mark.skipif(not compiled_available(), reason="the compiled kernels are not built")
@pytest.mark.parametrize("case", range(40))
def test_compiled_chain_cost_counts_like_the_python_planner(case):
    """The chain layout's quick planned cost compiled (``chain_cost``: its own Mersenne
    Twister seeded like ``random.Random(seed)``) equals ``best_plan(..., quick=True).cost``
    on random blocks, orders, paths with rungs and seeds (also above 2**32), dense and
    sparse; its refinement loop returns the Python loop's cost and order and consumes the
    caller's random stream alike."""
    from qlang.passes.routing.chain_layout import _QuickCost, _refine, quick_cost
    from qlang.passes.routing.network import find_path

    r = random.Random(case)
    dev = [grid(4, 5), heavy_hex(3), line(14), grid(3, 3)][case % 4]
    k = r.randrange(3, min(14, dev.num_qubits) + 1)
    path = find_path(dev, k, seed=case)
    assert path is not None
    labels = r.sample(range(3 * k), k)
    density = [0.15, 0.4, 0.9][case % 3]
    pairs = frozenset(
        (min(a, b), max(a, b)) for a in labels for b in labels if a < b and r.random() < density
    ) or frozenset({(min(labels[:2]), max(labels[:2]))})
    seed = [0, 11, 1011, (1 << 40) + 7][case % 4]
    cost = _QuickCost(pairs, dev, seed)
    assert cost.compiled
    orders = [r.sample(labels, k) for _ in range(6)]
    for order in orders:
        assert cost(order, path) == quick_cost(order, pairs, dev, path, seed)
    assert cost.many(orders, path) == [cost(o, path) for o in orders]
    with pytest.raises(ValueError):
        cost.many([orders[0], [*orders[0][1:], orders[0][1]]], path)  # not a permutation
    r1, r2 = random.Random(case), random.Random(case)
    order = r.sample(labels, k)
    rounds = 5 * k
    assert cost.refine(order, path, r1, rounds) == _refine(
        order, path, lambda o, p: quick_cost(o, pairs, dev, p, seed), r2, rounds
    )
    assert r1.random() == r2.random()


@pytest.mark.skipif(not compiled_available(), reason="the compiled kernels are not built")
@pytest.mark.parametrize("case", range(30))
def test_compiled_plan_costs_and_odd_even_match_python(case, monkeypatch):
    """``plan_costs`` counts each plan's cost (or None) as ``_plan_eval`` does, with the
    rungs run directly and not, for odd-even, greedy, previous-like and random (often
    incomplete) plans; ``odd_even`` is ``_odd_even_plan_python``; and ``best_plan`` picks
    the same plan, links and direct terms compiled as in pure Python."""
    from qlang.passes.routing import commuting as C
    from qlang.passes.routing.network import find_path

    r = random.Random(case)
    dev = [grid(4, 5), heavy_hex(3), line(14), grid(3, 3)][case % 4]
    k = r.randrange(3, min(14, dev.num_qubits) + 1)
    path = find_path(dev, k, seed=case)
    assert path is not None
    order = r.sample(range(3 * k), k)
    density = [0.2, 0.5, 0.9][case % 3]
    pairs = frozenset(
        (min(a, b), max(a, b)) for a in order for b in order if a < b and r.random() < density
    ) or frozenset({(min(order[:2]), max(order[:2]))})
    places = C.rung_positions(dev, tuple(path))
    rungs = C._rungs(order, pairs, places)
    at = {w: i for i, w in enumerate(order)}
    for direct, want in ((True, pairs - rungs), (False, pairs)):
        rest = {(a, b) for a, b in want if abs(at[a] - at[b]) > 1}
        oe = C._odd_even_plan(order, rest)
        assert oe == C._odd_even_plan_python(order, rest)
        plans = [oe, C._greedy_plan(order, rest, random.Random(case), 1.0), oe[::-1], []]
        plans += [[r.randrange(k - 1) for _ in range(r.randrange(1, 3 * k))] for _ in range(4)]
        got = C.KERNELS.plan_costs(order, sorted(pairs), places, plans, direct)
        assert got == [C._plan_eval(order, pairs, want, rungs, places, p)[0] for p in plans]
        assert got[0] is not None
    previous = [r.randrange(k - 1) for _ in range(k)]
    fast = C.best_plan(order, pairs, dev, path, random.Random(case), 4, previous)
    monkeypatch.setattr(C, "KERNELS", None)
    assert C.best_plan(order, pairs, dev, path, random.Random(case), 4, previous) == fast


def test_threaded_layout_trials_match_sequential_ones(monkeypatch):
    """Trials run in threads (the compiled search releases the GIL) give the same layouts
    and ranking as one after another."""
    from qlang.passes.routing import layout

    c, dev = qaoa(8, regular_graph(8, seed=3), p=2), grid(3, 4)
    monkeypatch.setattr(layout, "THREADED_MIN_OPS", 0)
    fast: list = []
    got = sabre_layout(c, dev, seed=3, trials=6, ranking=fast)
    monkeypatch.setattr(layout, "THREADED_MIN_OPS", 10**9)
    slow: list = []
    want = sabre_layout(c, dev, seed=3, trials=6, ranking=slow)
    assert (got, fast) == (want, slow)


def test_parallel_map_keeps_order_and_raises(monkeypatch):
    from qlang.passes.routing import kernels

    monkeypatch.setenv("QLANG_THREADS", "2")
    assert list(kernels.parallel_map(lambda x: -x, range(50))) == [-x for x in range(50)]

    def boom(x: int) -> int:
        raise ValueError(x)

    with pytest.raises(ValueError):
        list(kernels.parallel_map(boom, range(3)))


def test_search_on_a_disconnected_device_raises():
    from qlang.devices import Device
    from qlang.ir.circuit import Operation

    dev = Device("split", 4, ((0, 1), (2, 3)))
    with pytest.raises(RuntimeError, match="disconnected"):
        search(prepare([Operation("cx", (0, 2))]), dev, range(4), seed=0)


def test_greedy_chain_planner_gain_term_counts_newly_adjacent_pairs():
    """The exposed-pairs bonus is live: weighting it changes some plans (it once looked at
    the pairs already adjacent before the transposition, so it was always 0)."""
    from qlang.passes.routing.commuting import _greedy_plan, _greedy_plan_python

    differ = 0
    for case in range(20):
        r = random.Random(case)
        order = list(range(10))
        rest = {(a, b) for a in order for b in order if b > a + 1 and r.random() < 0.3}
        for plan in (_greedy_plan, _greedy_plan_python):
            differ += plan(order, set(rest), random.Random(0), 0.0) != plan(
                order, set(rest), random.Random(0), 3.0
            )
    assert differ > 0


@pytest.mark.skipif(not compiled_available(), reason="the compiled kernels are not built")
@pytest.mark.parametrize("case", range(8))
def test_compiled_chain_kernels_draw_from_a_random_subclass_through_getrandbits(case):
    """A stream that is not a plain ``random.Random`` (a subclass may draw differently) is
    drawn through its ``getrandbits``, not read as a Mersenne Twister state: the
    exchange search and the refinement still match Python and leave the stream alike."""
    from qlang.passes.routing.chain_layout import (
        _exchange,
        _exchange_python,
        _QuickCost,
        _refine,
        _stream,
        quick_cost,
    )
    from qlang.passes.routing.network import find_path

    class Stream(random.Random):
        pass

    r = random.Random(case)
    k = r.randrange(4, 12)
    order = r.sample(range(40), k)
    pairs = sorted({(min(a, b), max(a, b)) for a in order for b in order if a < b and r.random() < 0.4})
    pairs = pairs or [(min(order[:2]), max(order[:2]))]
    r1, r2 = Stream(case), Stream(case)
    assert _stream(r1) != r1
    assert _exchange(order, pairs, r1, 30 * k) == _exchange_python(order, pairs, r2, 30 * k)
    assert r1.random() == r2.random()
    dev = grid(4, 4)
    path = find_path(dev, k, seed=case)
    cost = _QuickCost(frozenset(pairs), dev, 11)
    r1, r2 = Stream(case), Stream(case)
    assert cost.refine(order, path, r1, 6 * k) == _refine(
        order, path, lambda o, p: quick_cost(o, frozenset(pairs), dev, p, 11), r2, 6 * k
    )
    assert r1.random() == r2.random()


@pytest.mark.skipif(not compiled_available(), reason="the compiled kernels are not built")
@pytest.mark.parametrize("case", range(12))
def test_compiled_refinement_with_its_cost_bound_keeps_the_python_loops_choices(case):
    """The compiled refinement stops planning a candidate order once a lower bound of its
    cost (the plan prefix's transpositions and links, the transpositions the pending pairs
    still need; the odd-even fallback's full layers) is above the best cost so far. On the
    benchmark's kind of blocks (sparse: 3-regular and random graphs, where most candidates
    cost more and are stopped early), on paths with and without rungs and in long runs,
    it returns the Python loop's cost and order and leaves the stream alike."""
    from qlang.passes.routing.chain_layout import _QuickCost, _refine, quick_cost
    from qlang.passes.routing.network import find_path

    r = random.Random(100 + case)
    dev = [line(14), grid(4, 4), heavy_hex(3)][case % 3]
    k = r.choice([6, 8, 10, 12])
    labels = r.sample(range(2 * k), k)
    if case % 2:
        edges = regular_graph(k, seed=case)
    else:
        edges = [(a, b) for a in range(k) for b in range(a + 1, k) if r.random() < 0.3]
    pairs = frozenset((min(labels[a], labels[b]), max(labels[a], labels[b])) for a, b in edges)
    path = find_path(dev, k, seed=case)
    assert path is not None and pairs
    seed = [11, 1011, 7][case % 3]
    cost = _QuickCost(pairs, dev, seed)
    order = r.sample(labels, k)
    rounds = 40 * k
    r1, r2 = random.Random(case), random.Random(case)
    got = cost.refine(order, path, r1, rounds)
    assert got == _refine(order, path, lambda o, p: quick_cost(o, pairs, dev, p, seed), r2, rounds)
    assert got[0] == quick_cost(got[1], pairs, dev, path, seed)  # the cost returned is exact
    assert r1.random() == r2.random()


@pytest.mark.parametrize("circuit", CIRCUITS, ids=lambda c: c.name)
def test_sabre_layout_only_is_sabre_layouts_layout_and_ranking(circuit):
    """The layout pass's SABRE search without the best trial's route: the same layout and
    ranking as :func:`sabre_layout`, with the run's memo (programs prepared once for
    several seeds) and without."""
    from qlang.passes.routing.layout import sabre_layout_only

    dev = grid(3, 4)
    for seed in (1, 1001):
        want_rank: list = []
        want, _ = sabre_layout(circuit, dev, seed=seed, trials=5, ranking=want_rank)
        with route_memo():
            got_rank: list = []
            got = sabre_layout_only(circuit, dev, seed=seed, trials=5, ranking=got_rank)
            assert sabre_layout_only(circuit, dev, seed=seed + 1, trials=3) is not None
        assert (got, got_rank) == (want, want_rank)
