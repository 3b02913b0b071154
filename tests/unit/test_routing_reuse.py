"""-O3's work is shared within a compile and not repeated: the synthesis memo
(passes/optimization/memo.py) computes each distinct 2-qubit block and 1-qubit run once
per pipeline run, the route portfolio finishes each distinct candidate route once, and
the routing memo holds the per-device tables and the SABRE layout search that -O2's
candidate shares with the -O3 layout pass. No routing module keeps a module-level cache.
None of it changes a result: the tests compile with the memo and with it switched off."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import qlang.passes.routing as routing_pkg
from qlang.passes.memo import (
    RouteMemo,
    SynthesisMemo,
    active_synthesis_memo,
    route_memo,
    synthesis_memo,
)
from qlang.passes.optimization import resynth
from qlang.passes.presets import build_preset
from qlang.passes.routing import passes as routing_passes
from qlang.passes.routing.passes import LayoutPass
from qlang.passes.routing.portfolio import PortfolioRoutePass
from qlang.targets.qasm3 import to_qasm3

from benchmarks.routing_peers.workloads import efficient_su2, qaoa, qcnn, regular_graph
from qlang.devices import grid, line

IBM = ("cx", "rz", "sx", "x")


def _no_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SynthesisMemo, "lookup", lambda self, table, key, compute: compute())


@pytest.mark.parametrize(
    ("circuit", "device"), [(qcnn(8), line(8)), (efficient_su2(6, 1, "full"), grid(2, 3))],
    ids=lambda x: x.name,
)  # fmt: skip
def test_memo_computes_each_block_once_and_changes_nothing(circuit, device, monkeypatch):
    computed: list[object] = []
    orig = resynth._consolidated

    def counting(seq, n2, basis, allow_swaps):  # noqa: ANN001, ANN202
        computed.append((seq, basis, allow_swaps))
        return orig(seq, n2, basis, allow_swaps)

    monkeypatch.setattr(resynth, "_consolidated", counting)
    pipe = build_preset(3, basis=IBM, device=device, seed=1)
    out = pipe.run(circuit)
    shared = list(computed)
    assert shared and len(shared) == len(set(shared))  # each distinct block once
    computed.clear()
    _no_memo(monkeypatch)
    again = pipe.run(circuit)
    assert len(computed) > 2 * len(shared)  # what the memo saved
    assert to_qasm3(again) == to_qasm3(out) and again.layout == out.layout


def test_memo_lives_for_one_run():
    with synthesis_memo() as memo:
        assert active_synthesis_memo() is memo
        with synthesis_memo() as inner:  # a nested scope shares the run's memo
            assert inner is memo
        memo.lookup("2q", "k", lambda: 1)
    assert memo.size("2q") == 0 and active_synthesis_memo() is not memo


def test_portfolio_finishes_each_distinct_candidate_once(monkeypatch):
    """-O2's route repeats the native one here: it is finished once."""
    c, dev = qcnn(8), line(8)
    finished: list[object] = []
    orig = PortfolioRoutePass.finished
    monkeypatch.setattr(
        PortfolioRoutePass, "finished", lambda self, r: finished.append(r.ops) or orig(self, r)
    )
    cands: list[list[object]] = []
    orig_cands = PortfolioRoutePass.candidates
    monkeypatch.setattr(
        PortfolioRoutePass, "candidates",
        lambda self, x: cands.append(orig_cands(self, x)) or cands[-1],
    )  # fmt: skip
    build_preset(3, basis=IBM, device=dev, seed=0).run(c)
    routes = [r.ops for _, r in cands[0]]
    assert len(set(routes)) < len(routes)  # the case this test is about: repeats
    assert len(finished) == len(set(finished)) == len(set(routes))


def test_routing_modules_keep_no_module_level_cache():
    """Every memoised routing result lives in the run's RouteMemo: no ``lru_cache`` or
    ``cache`` decorator in passes/routing (device tables and rung positions included)."""
    for path in sorted(Path(routing_pkg.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for d in node.decorator_list:
                    name = ast.unparse(d)
                    assert "lru_cache" not in name and name.split("(")[0].split(".")[-1] != "cache", (
                        f"{path.name}: {node.name} is cached at module level ({name})"
                    )


def test_device_tables_and_rungs_live_in_the_run_memo():
    c = qaoa(8, regular_graph(8, 3), 1)
    with route_memo() as memo:
        LayoutPass(grid(3, 4), thorough=True).run(c)
        assert memo.size("device") >= 1 and memo.size("rungs") >= 1 and memo.size("layout") == 1
    assert memo.size("device") == memo.size("rungs") == memo.size("layout") == 0


def test_o3_runs_the_sabre_layout_search_once_for_its_layout_and_o2s(monkeypatch):
    """-O2's layout (a portfolio candidate) asks for the same SABRE layout search as the
    -O3 layout pass (same seed and trials): the memo answers the second time."""
    calls: list[tuple[int, int]] = []
    orig = routing_passes.sabre_layout_only

    def counting(circuit, device, **kw):  # noqa: ANN001, ANN003, ANN202
        calls.append((kw["seed"], kw["trials"]))
        return orig(circuit, device, **kw)

    monkeypatch.setattr(routing_passes, "sabre_layout_only", counting)
    out = build_preset(3, basis=IBM, device=line(8), seed=5).run(qcnn(8))
    assert calls.count((5, 16)) == 1 and len(calls) > 1  # other layouts: other seeds
    monkeypatch.setattr(routing_passes, "active_memo", RouteMemo)  # a fresh memo per call
    calls.clear()
    again = build_preset(3, basis=IBM, device=line(8), seed=5).run(qcnn(8))
    assert calls.count((5, 16)) == 2  # without the memo: twice, and the same output
    assert to_qasm3(again) == to_qasm3(out)


def test_o3_runs_vf2_once_when_it_finds_no_perfect_layout(monkeypatch):
    """The -O3 layout pass's VF2 search finds no perfect layout; the portfolio's other
    layouts (a tenth of the budget: a prefix of the same search) and -O2's layout (the
    same budget) take that answer from the memo."""
    budgets: list[int] = []
    orig = routing_passes.perfect_layout

    def counting(circuit, device, calls, error_aware):  # noqa: ANN001, ANN202
        budgets.append(calls)
        return orig(circuit, device, calls, error_aware)

    monkeypatch.setattr(routing_passes, "perfect_layout", counting)
    out = build_preset(3, basis=IBM, device=line(8), seed=5).run(qcnn(8))
    assert budgets == [routing_passes.VF2_CALLS]
    monkeypatch.setattr(routing_passes, "active_memo", RouteMemo)  # a fresh memo per call
    budgets.clear()
    again = build_preset(3, basis=IBM, device=line(8), seed=5).run(qcnn(8))
    assert len(budgets) > 2 and to_qasm3(again) == to_qasm3(out)


def test_o3_prepares_the_sabre_layout_programs_once_for_all_its_seeds(monkeypatch):
    """The -O3 layout pass and the portfolio's other layouts run SABRE layout searches of
    the same circuit with several seeds: the search programs (forward and reversed) are
    prepared once per run, and the output is the one of a compile that prepares them for
    every search."""
    from qlang.passes.routing import layout as layout_mod

    prepared: list[int] = []
    orig = layout_mod.prepare

    def counting(ops):  # noqa: ANN001, ANN202
        prepared.append(len(ops))
        return orig(ops)

    monkeypatch.setattr(layout_mod, "prepare", counting)
    c = efficient_su2(8, 1, "full")
    out = build_preset(3, basis=IBM, device=line(8), seed=5).run(c)
    assert len(prepared) == 2  # forward and reversed, once
    monkeypatch.setattr(layout_mod, "active_memo", RouteMemo)  # a fresh memo per call
    prepared.clear()
    again = build_preset(3, basis=IBM, device=line(8), seed=5).run(c)
    assert len(prepared) > 2 and to_qasm3(again) == to_qasm3(out)


def test_chain_layout_paths_are_searched_once_per_region_and_seed(monkeypatch):
    """The chain layout's restarts grow many regions of the same qubits (on a line, every
    region is the whole line): the path through a region is searched once per run, and
    the layouts are those of searching it every time."""
    from qlang.passes.routing import chain_layout as chain_mod

    searched: list[frozenset[int] | None] = []
    orig = chain_mod.find_path

    def counting(device, k, **kw):  # noqa: ANN001, ANN003, ANN202
        searched.append(kw.get("within"))
        return orig(device, k, **kw)

    monkeypatch.setattr(chain_mod, "find_path", counting)
    c = qaoa(12, regular_graph(12, 2), 1)
    with route_memo() as memo:
        lays = chain_mod.chain_layouts(c, line(12), seed=3, thorough=True, restarts=8)
        assert memo.size("chain_path") == 1
    within = [w for w in searched if w is not None]
    assert len(within) == 1
    monkeypatch.setattr(chain_mod, "active_memo", RouteMemo)  # a fresh memo per restart
    searched.clear()
    with route_memo():
        assert chain_mod.chain_layouts(c, line(12), seed=3, thorough=True, restarts=8) == lays
    assert len([w for w in searched if w is not None]) == 8
