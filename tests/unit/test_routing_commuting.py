"""The parity-chain router for commuting diagonal blocks (passes/routing/commuting.py)."""

from __future__ import annotations

import random

import pytest
from qlang.passes.memo import RouteMemo, route_memo
from qlang.passes.routing import LayoutPass, RoutePass
from qlang.passes.routing.chain_layout import chain_layout, chain_layouts
from qlang.passes.routing.commuting import chain_applicable, chain_route
from qlang.passes.routing.kernels import compiled_available
from qlang.passes.routing.layout import place
from qlang.passes.routing.network import find_path, route_network
from qlang.passes.routing.passes import apply_route
from qlang.passes.routing.rewrite import cx_cost
from qlang.passes.routing.sabre import route
from qlang.passes.routing.strategy import chain_routes
from qlang.passes.routing.verify import equivalent_up_to_layout, off_edge_gates

from benchmarks.routing_peers.workloads import (
    efficient_su2,
    erdos_renyi,
    iqp,
    qaoa,
    regular_graph,
    zz_feature_map,
)
from qlang.devices import Device, grid, line, ring
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl


def _mixed(n: int, seed: int, measure: bool = False) -> Circuit:
    """Random diagonal blocks (rzz, cz, cp, crz, rz, t) between layers of h / sx, and
    optionally measurements at the end."""
    rng = random.Random(seed)
    ops: list[Operation] = []
    k = 0
    for _ in range(3):
        ops += [Operation(rng.choice(["h", "sx"]), (q,)) for q in range(n)]
        pairs = [(a, b) for a in range(n) for b in range(a + 1, n) if rng.random() < 0.5]
        for a, b in pairs:
            name = rng.choice(["rzz", "cz", "cp", "crz"])
            qs = (a, b) if rng.random() < 0.5 else (b, a)
            params = () if name == "cz" else (E.Weight(k),)
            k += name != "cz"
            ops.append(Operation(name, qs, params))
        ops += [Operation("t", (rng.randrange(n),)), Operation("rz", (0,), (E.Weight(k),))]
        k += 1
    if measure:
        ops += [Operation("measure", (q,), clbits=(q,)) for q in range(n)]
    return Circuit(
        n, tuple(ops), num_clbits=n if measure else 0, weights=(ParamDecl("theta", (k,), 0),)
    )


def _chain(c: Circuit, device: Device, path: list[int], seed: int = 0, shuffle: int = 1):
    lay = list(path)
    random.Random(shuffle).shuffle(lay)
    placed = place(c, device, lay[: c.num_qubits])
    res = chain_route(placed.ops, device, path, seed=seed, trials=3)
    assert res is not None
    return placed, res


CASES = [
    (zz_feature_map(6, 2, "full"), line(6), [0, 1, 2, 3, 4, 5]),
    (iqp(5), ring(5), [2, 3, 4, 0, 1]),
    (qaoa(6, regular_graph(6, seed=2), p=3), grid(2, 3), [0, 1, 2, 5, 4, 3]),
    (qaoa(7, erdos_renyi(7, 0.4, seed=1), p=2), line(7), list(range(7))),
    (zz_feature_map(5, 1, "linear"), line(5), list(range(5))),
    (_mixed(5, 3), grid(2, 3), [3, 0, 1, 4, 5, 2]),
    (_mixed(6, 8), line(6), list(range(6))),
]


@pytest.mark.parametrize(("circuit", "device", "path"), CASES, ids=lambda x: str(x)[:20])
def test_chain_route_on_edges_and_unitary_equivalent(circuit, device, path):
    placed, res = _chain(circuit, device, path)
    routed = apply_route(placed, res)
    routed.verify()
    assert off_edge_gates(routed, device) == []
    assert equivalent_up_to_layout(circuit, routed), circuit.name


@pytest.mark.parametrize("seed", range(6))
def test_random_blocks_equivalent(seed):
    circuit = _mixed(5, 100 + seed)
    placed, res = _chain(circuit, line(5), list(range(5)), seed=seed, shuffle=seed)
    routed = apply_route(placed, res)
    assert off_edge_gates(routed, line(5)) == []
    assert equivalent_up_to_layout(circuit, routed, seed=seed)


def test_measurements_follow_the_final_layout():
    circuit = _mixed(5, 4, measure=True)
    placed, res = _chain(circuit, line(5), list(range(5)))
    routed = apply_route(placed, res)
    routed.verify()
    assert routed.layout is not None
    measured = {op.clbits[0]: op.qubits[0] for op in routed.ops if op.name == "measure"}
    assert measured == {q: routed.layout.final[q] for q in range(5)}


def test_statevector_equivalence_above_ten_qubits():
    circuit = qaoa(12, regular_graph(12, 3), p=2)
    dev = grid(3, 4)
    path = [0, 1, 2, 3, 7, 6, 5, 4, 8, 9, 10, 11]
    placed, res = _chain(circuit, dev, path)
    routed = apply_route(placed, res)
    assert off_edge_gates(routed, dev) == []
    assert equivalent_up_to_layout(circuit, routed, states=2, seed=5)


def test_deterministic_for_a_seed():
    c = qaoa(8, regular_graph(8, 4), p=2)
    a = _chain(c, line(8), list(range(8)), seed=3)[1]
    b = _chain(c, line(8), list(range(8)), seed=3)[1]
    assert a.ops == b.ops and a.final == b.final
    assert chain_layout(c, grid(3, 3), seed=2) == chain_layout(c, grid(3, 3), seed=2)


@pytest.mark.parametrize(
    "circuit", [zz_feature_map(8, 1, "full"), qaoa(8, regular_graph(8, 1), p=1), iqp(7)]
)
def test_beats_order_following_and_swap_network_routes(circuit):
    """Set routing with parity chains against SABRE in gate order (no commutation) and
    the swap network with term+swap fusion, same placement."""
    n = circuit.num_qubits
    dev = line(n)
    placed = place(circuit, dev, tuple(range(n)))
    chain = chain_route(placed.ops, dev, list(range(n)))
    plain = route(placed.ops, dev, seed=0, commute_aware=False)
    network = route_network(placed.ops, dev, list(range(n)), lazy=True)
    assert chain is not None and network is not None
    assert chain.cost < plain.cost
    assert chain.cost < network.cost


def test_not_applicable_without_diagonal_terms_or_off_the_path():
    ops = [Operation("cx", (0, 1)), Operation("rzz", (1, 2), (E.Weight(0),))]
    assert not chain_applicable(ops, [0, 1, 2])
    assert chain_route(ops, line(3), [0, 1, 2]) is None
    ops = [Operation("rzz", (0, 3), (E.Weight(0),))]
    assert chain_route(ops, line(4), [0, 1, 2]) is None
    cx_only = Circuit(3, (Operation("cx", (0, 1)), Operation("cx", (1, 2))))
    assert chain_layout(cx_only, line(4)) is None


def test_chain_layout_puts_active_wires_on_a_path():
    c = qaoa(9, regular_graph(8, 2) + [(7, 8)], p=1)
    dev = grid(4, 4)
    lay = chain_layout(c, dev, seed=1, thorough=True)
    assert lay is not None and len(set(lay)) == c.num_qubits
    assert find_path(dev, 9, within=frozenset(lay)) is not None


def test_chain_layout_restarts_find_cheaper_routes_on_sparse_blocks():
    """Restart 0 is the single search; the others are independent streams, so the best
    route over the restarts' layouts is never worse and, on this sparse 3-regular layer on
    a grid (where one search lands between about 59 and 73 CNOTs), strictly better."""
    c = qaoa(16, regular_graph(16, 11), p=1)
    dev = grid(8, 8)
    one = chain_layouts(c, dev, seed=11, thorough=True)
    many = chain_layouts(c, dev, seed=11, thorough=True, restarts=8)
    assert len(one) == 1 and one[0] in many and len(set(many)) == len(many) > 1
    assert chain_layout(c, dev, seed=11, thorough=True) == one[0]

    def routed_cost(lay: tuple[int, ...]) -> int:
        ops = place(c, dev, lay).ops
        return min(r.cost for r in chain_routes(ops, dev, seed=11, thorough=True))

    assert routed_cost(many[0]) < routed_cost(one[0])
    dense = zz_feature_map(6, 1, "full")
    assert len(chain_layouts(dense, grid(3, 3), restarts=8)) == 1  # dense: one search


def test_chain_layout_effort_shrinks_with_the_block(monkeypatch: pytest.MonkeyPatch):
    """Restarts are budgeted by restarts x k**2 <= RESTART_WORK (8 up to 16 wires, 2 at
    32, 1 from 46 on) and the thorough search is for blocks of at most THOROUGH_WIRES
    wires; the chosen layouts of the small block are those of the unbudgeted search."""
    from qlang.passes.routing import chain_layout as C

    calls: list[tuple[int, bool]] = []
    search = C._search

    def counting(g, pairs, device, n, rng, seed, thorough, rcm):  # noqa: ANN001, ANN202
        calls.append((len(g), thorough))
        return search(g, pairs, device, n, rng, seed, thorough, rcm)

    monkeypatch.setattr(C, "_search", counting)
    assert [C.restart_budget(k, 8) for k in (3, 16, 17, 32, 45, 46, 100)] == [8, 8, 7, 2, 1, 1, 1]
    assert C.restart_budget(16, 3) == 3 and C.THOROUGH_WIRES < 32
    small = chain_layouts(qaoa(16, regular_graph(16, 11), p=1), grid(8, 8), 11, True, 8)
    assert calls == [(16, True)] * 8 and len(small) > 1
    calls.clear()
    chain_layouts(qaoa(32, regular_graph(32, 11), p=1), grid(8, 8), 11, True, 8)
    assert calls == [(32, False)] * 2
    calls.clear()
    chain_layouts(qaoa(48, regular_graph(48, 11), p=1), grid(8, 8), 11, True, 8)
    assert calls == [(48, False)]


def test_layout_pass_rejects_zero_chain_restarts():
    with pytest.raises(ValueError, match="chain_restarts"):
        LayoutPass(line(3), chain_restarts=0)


def test_layout_and_route_passes_pick_the_chain_for_a_dense_block():
    c = zz_feature_map(7, 1, "full")
    dev = grid(3, 3)
    placed = LayoutPass(dev, seed=0, trials=4, thorough=True).run(c).circuit
    routed = RoutePass(dev, seed=0, thorough=True).run(placed).circuit
    assert off_edge_gates(routed, dev) == []
    assert equivalent_up_to_layout(c, routed)
    path = find_path(dev, 7)
    assert path is not None
    net = route_network(place(c, dev, path).ops, dev, path, lazy=True)
    assert net is not None and cx_cost(routed.ops) < net.cost


def test_repeated_terms_and_rungs_on_a_grid():
    """Two terms on the same pair (one rz each on the shared parity) and rung pairs."""
    ops = [Operation("h", (q,)) for q in range(6)]
    for a, b in [(0, 5), (0, 5), (1, 4), (2, 3), (0, 2), (3, 5), (1, 4)]:
        ops.append(Operation("rzz", (a, b), (E.Weight(len(ops) % 3),)))
    circuit = Circuit(6, tuple(ops), weights=(ParamDecl("theta", (3,), 0),))
    dev = grid(2, 3)
    placed, res = _chain(circuit, dev, [0, 1, 2, 5, 4, 3], shuffle=2)
    routed = apply_route(placed, res)
    assert off_edge_gates(routed, dev) == []
    assert equivalent_up_to_layout(circuit, routed)


def test_find_path_rejects_sets_without_a_hamiltonian_path_before_searching():
    """A grid region with unbalanced colour classes (a plus shape: centre + 4 arms of the
    other colour) or a disconnected set has no path through all its qubits: the cheap check
    says so, and find_path agrees with it on every case."""
    from qlang.passes.routing.network import _may_have_hamiltonian_path

    dev = grid(3, 3)  # 0 1 2 / 3 4 5 / 6 7 8
    plus = frozenset({1, 3, 4, 5, 7})
    apart = frozenset({0, 1, 8})
    snake = frozenset({0, 1, 2, 5, 4})
    for cells, ok in ((plus, False), (apart, False), (snake, True)):
        nbrs = {q: [p for p in dev.neighbours[q] if p in cells] for q in cells}
        assert _may_have_hamiltonian_path(nbrs) is ok
        assert (find_path(dev, len(cells), within=cells) is not None) is ok
    # odd cycles are not bipartite: a triangle passes the check and has a path
    tri = {0: [1, 2], 1: [0, 2], 2: [0, 1]}
    assert _may_have_hamiltonian_path(tri)


def _random_diagonal_ops(rng: random.Random, n: int, terms: int) -> list[Operation]:
    names = ("rzz", "cz", "cp", "crz")
    ops = []
    for i in range(terms):
        a, b = rng.sample(range(n), 2)
        name = rng.choice(names)
        params = () if name == "cz" else (E.Weight(i),)
        ops.append(Operation(name, (a, b), params))
        if rng.random() < 0.3:
            ops.append(Operation("h", (rng.randrange(n),)))
    return ops


@pytest.mark.parametrize("seed", range(6))
def test_swap_route_floor_bounds_every_swap_route(seed):
    """The bound the router's pruning relies on: SABRE trials (plain and commutation-aware,
    with the merge bonus) and swap networks never cost less than ``swap_route_floor``."""
    from qlang.passes.routing.engine import Heuristic
    from qlang.passes.routing.strategy import swap_route_floor

    rng = random.Random(seed)
    dev = [line(7), grid(3, 3), ring(8)][seed % 3]
    ops = _random_diagonal_ops(rng, 7, rng.randrange(6, 30))
    floor = swap_route_floor(ops)
    assert floor == cx_cost(ops)
    for aware in (False, True):
        for h in (Heuristic(), Heuristic(merge_bonus=1.0)):
            assert route(ops, dev, seed=seed, commute_aware=aware, heuristic=h).cost >= floor
    path = find_path(dev, 7, within=frozenset(range(7)))
    if path is not None:
        for lazy in (False, True):
            net = route_network(ops, dev, path, lazy=lazy)
            assert net is None or net.cost >= floor


def test_best_route_skips_swap_routes_only_when_a_chain_beats_them():
    """When a parity chain costs less than any swap route can, best_route returns it
    without running them; the winner is the one the full comparison picks."""
    from qlang.passes.routing import strategy as S

    dense = place(zz_feature_map(8, 1, "full"), line(8), tuple(range(8))).ops
    with route_memo() as memo:
        won = S.best_route(dense, line(8), seed=1)
        assert memo.size("trial") == 0  # no SABRE trial ran
        full = min(
            [S.trial_route(dense, line(8), seed=1, trial=t) for t in range(4)]
            + [r for r in [S.network_route(dense, line(8), seed=1)] if r is not None]
            + S.chain_routes(dense, line(8), seed=1),
            key=lambda r: r.key,
        )
    assert won.key == full.key and won.cost < S.swap_route_floor(dense)
    sparse = place(qaoa(8, [(0, 7), (1, 6)], p=1), line(8), tuple(range(8))).ops
    with route_memo() as memo:
        S.best_route(sparse, line(8), seed=1)
        assert memo.size("trial") == 4  # chains lose here: SABRE ran


def _random_mixed_ops(rng: random.Random, n: int, count: int) -> list[Operation]:
    """Diagonal terms, ``cx``, input swaps and 1-qubit gates on ``n`` qubits."""
    ops = _random_diagonal_ops(rng, n, count)
    for _ in range(count // 3):
        a, b = rng.sample(range(n), 2)
        name = rng.choice(("cx", "cx", "swap"))
        ops.insert(rng.randrange(len(ops) + 1), Operation(name, (a, b)))
        ops.insert(rng.randrange(len(ops) + 1), Operation("ry", (a,), (E.Weight(0),)))
    return ops


@pytest.mark.parametrize("seed", range(8))
def test_bounded_network_stops_only_when_it_would_cost_more(seed):
    """``route_network(bound=b)`` returns the unbounded route unchanged, or None only when
    that route costs more than ``b`` (its running lower bound is sound)."""
    rng = random.Random(seed)
    dev = [line(7), grid(3, 3), ring(8)][seed % 3]
    ops = _random_mixed_ops(rng, 7, rng.randrange(8, 30))
    if seed % 2:  # a dense diagonal block, where lazy networks fuse nearly every swap
        pairs = [(a, b) for a in range(7) for b in range(a)]
        ops = [Operation("rzz", rng.sample(p, 2), (E.Weight(0),)) for p in pairs]
        rng.shuffle(ops)
    path = find_path(dev, 7, within=frozenset(range(7)))
    assert path is not None
    floor = cx_cost([op for op in ops if op.name != "swap"])
    for lazy in (False, True):
        full = route_network(ops, dev, path, lazy=lazy)
        assert full is not None
        for bound in range(floor - 1, full.cost + 2):
            got = route_network(ops, dev, path, lazy=lazy, bound=bound)
            if got is None:
                assert full.cost > bound
            else:
                assert got == full


def test_bounded_network_stops_early_on_a_dense_block():
    """The bound bites: a full block on a line is dropped well below its cost."""
    ops = [Operation("rzz", (i, j), (E.Weight(0),)) for i in range(8) for j in range(i)]
    path = list(range(8))
    for lazy in (False, True):
        full = route_network(ops, line(8), path, lazy=lazy)
        assert full is not None and full.cost > 60
        assert route_network(ops, line(8), path, lazy=lazy, bound=60) is None


def test_dag_of_is_shared_by_every_relabelling():
    """``dag_of`` keys on the ops' shape: a relabelled copy gets the same (correct) DAG,
    a different pattern of qubits its own."""
    from qlang.passes.routing.engine import build_dag
    from qlang.passes.routing.strategy import dag_of

    rng = random.Random(3)
    ops = _random_mixed_ops(rng, 6, 20)
    perm = rng.sample(range(10), 6)
    moved = [Operation(o.name, tuple(perm[q] for q in o.qubits), o.params) for o in ops]
    memo = RouteMemo()
    assert dag_of(moved, memo=memo) is dag_of(ops, memo=memo) and dag_of(moved) == build_dag(moved)
    a = [Operation("cx", (0, 1)), Operation("cx", (0, 1))]
    b = [Operation("cx", (0, 1)), Operation("cx", (1, 0))]
    assert dag_of(a) == build_dag(a) and dag_of(b) == build_dag(b) and dag_of(a) != dag_of(b)
    assert dag_of(a, commute_aware=False) == build_dag(a, commute_aware=False)


@pytest.mark.parametrize(
    "circuit",
    [
        qaoa(8, erdos_renyi(8, 0.5, 2), 2),
        efficient_su2(7, 1, "full"),
        zz_feature_map(7, 2),
        Circuit(
            8,
            tuple(Operation("rxx", (i, j), (E.Weight(0),)) for i in range(8) for j in range(i)),
            name="rxx_all_8",
        ),  # fmt: skip
    ],
    ids=lambda c: c.name,
)
def test_network_bounds_change_no_layout_or_route(circuit, monkeypatch):
    """Bounding the swap networks (layout pass and best_route) picks the same layout and
    the same route as running every network in full (on ``rxx_all_8`` on a line, the
    network is the winning route)."""
    from qlang.passes.routing import passes as P
    from qlang.passes.routing import strategy as S

    unbounded = S._network_route
    for dev in (line(8), grid(3, 3)):
        with route_memo():
            lay = LayoutPass(dev, seed=5).choose(circuit)
            routed = RoutePass(dev, seed=5).route(place(circuit, dev, lay))
        with monkeypatch.context() as m, route_memo():
            m.setattr(S, "_network_route", lambda memo, o, d, s, b: unbounded(memo, o, d, s, None))
            m.setattr(
                P,
                "network_candidate",
                lambda o, d, *, seed, bound: S.network_candidate(o, d, seed=seed),
            )
            lay_full = LayoutPass(dev, seed=5).choose(circuit)
            routed_full = RoutePass(dev, seed=5).route(place(circuit, dev, lay_full))
        assert lay == lay_full and routed == routed_full


def test_bounded_network_still_wins_where_it_is_best():
    """A full ``rxx`` block on a line in place: the swap network beats every SABRE trial
    (same CNOTs, lower depth); the bound best_route gives it must not drop it."""
    from qlang.passes.routing import strategy as S

    ops = S.ops_key([Operation("rxx", (i, j), (E.Weight(0),)) for i in range(8) for j in range(i)])
    net = S.network_route(ops, line(8), seed=5)
    trials = [S.trial_route(ops, line(8), seed=5, trial=t) for t in range(4)]
    assert net is not None and all(net.key < t.key for t in trials)
    assert S.best_route(ops, line(8), seed=5, memo=RouteMemo()) == net


@pytest.mark.parametrize("seed", range(4))
def test_best_route_is_the_least_finished_route_and_finishes_only_the_winner(seed):
    """Trials are compared by their trace keys; the result is still the first route of
    least key among all the finished trials, networks and chains, and at most the winning
    trial is finished. ``best_route_key`` agrees."""
    from qlang.passes.routing import strategy as S

    rng = random.Random(seed)
    dev = [line(7), grid(3, 3)][seed % 2]
    ops = S.ops_key(_random_mixed_ops(rng, 7, 24))
    memo = RouteMemo()
    got = S.best_route(ops, dev, seed=seed, memo=memo)
    assert memo.size("trial_route") <= 1
    assert S.best_route_key(ops, dev, seed=seed, memo=memo) == got.key
    finished = [S.trial_route(ops, dev, seed=seed, trial=t) for t in range(4)]
    finished += [r for r in [S.network_route(ops, dev, seed=seed)] if r is not None]
    finished += S.chain_routes(ops, dev, seed=seed)
    assert got == min(finished, key=lambda r: r.key)


@pytest.mark.parametrize("seed", range(10))
def test_chain_plan_cost_and_depth_are_the_built_routes(seed):
    """A chain plan's cost and its depth-only replay agree with the built route, with
    measurements, conditioned gates and barriers between the blocks."""
    from qlang.passes.routing.commuting import chain_plan

    from qlang.ir.circuit import Condition

    rng = random.Random(seed)
    n = rng.randrange(4, 9)
    dev = line(n) if seed % 2 else ring(n)
    ops = _random_diagonal_ops(rng, n, rng.randrange(6, 24))
    for _ in range(4):
        q = rng.randrange(n)
        extra = [
            Operation("measure", (q,), clbits=(rng.randrange(3),)),
            Operation("x", (q,), condition=Condition((rng.randrange(3),), 1)),
            Operation("barrier", tuple(rng.sample(range(n), 2))),
        ]
        ops.insert(rng.randrange(len(ops) + 1), rng.choice(extra))
    path = find_path(dev, n, within=frozenset(range(n)), seed=1)
    assert path is not None
    plan = chain_plan(ops, dev, path, seed=seed, trials=3)
    assert plan is not None
    depth = plan.depth  # computed before the route is built
    built = chain_route(ops, dev, path, seed=seed, trials=3)
    assert plan.result == built and plan.key == built.key == (plan.cost, depth)


@pytest.mark.skipif(not compiled_available(), reason="the compiled kernels are not built")
@pytest.mark.parametrize("seed", range(12))
def test_compiled_network_routes_exactly_like_the_python_network(seed):
    """``network_trial`` (the compiled kernel, as a trace) finishes into the route
    ``route_network`` builds, eager and lazy, with and without a bound; its trace key is
    that route's key."""
    from qlang.passes.routing.network import network_confirms, network_floor, network_trial
    from qlang.passes.routing.rewrite import finish_codes
    from qlang.passes.routing.sabre import prepare
    from qlang.passes.routing.strategy import dag_of

    rng = random.Random(seed)
    n = rng.randrange(5, 9)
    dev = [line(n), ring(n), grid(3, 3)][seed % 3]
    ops = _random_mixed_ops(rng, n, rng.randrange(6, 30))
    if seed % 4 == 1:  # a dense block, where the lazy network fuses its swaps
        ops = [Operation("rzz", (a, b), (E.Weight(0),)) for a in range(n) for b in range(a)]
    path = find_path(dev, n, within=frozenset(range(n)), seed=1)
    assert path is not None
    prog = prepare(ops, True, dag_of(ops))
    conf, floor = network_confirms(ops), network_floor(ops)
    for lazy in (False, True):
        full = route_network(ops, dev, path, lazy=lazy)
        assert full is not None
        for bound in (None, floor, (floor + full.cost) // 2, full.cost - 1, full.cost):
            want = route_network(ops, dev, path, lazy=lazy, bound=bound)
            trial = network_trial(prog, conf, dev, path, lazy=lazy, bound=bound, floor=floor)
            assert (trial is None) == (want is None)
            if trial is not None:
                assert trial.result(ops) == want
                assert trial.key(prog, ops, finish_codes(ops)) == want.key
