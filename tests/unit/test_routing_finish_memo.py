"""-O3's finishing work is shared within a compile and not repeated: the synthesis memo
(passes/optimization/memo.py) computes each distinct 2-qubit block and 1-qubit run once
per pipeline run, and the route portfolio finishes each distinct candidate route once.
Neither changes a result: the tests compile with the memo and with it switched off."""

from __future__ import annotations

import pytest
from qlang.passes.optimization import resynth
from qlang.passes.optimization.memo import SynthesisMemo, active_synthesis_memo, synthesis_memo
from qlang.passes.presets import build_preset
from qlang.passes.routing.portfolio import PortfolioRoutePass
from qlang.targets.qasm3 import to_qasm3

from benchmarks.routing_peers.workloads import efficient_su2, qcnn
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
