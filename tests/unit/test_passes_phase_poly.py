"""`resynthesize-cnot-phase`: symbolic CNOT+Rz block resynthesis on qubit pairs."""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from qlang.passes.optimization.phase_poly import ResynthesizeCnotPhase
from qlang.passes.presets import build_preset
from qlang.passes.synthesis.two_qubit import cnot_count

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.reference import unitary

N_W = 3
W = (ParamDecl("w", (N_W,), 0),)
X = (ParamDecl("x", (1,), 0),)


def _circ(n: int, ops: list[Operation]) -> Circuit:
    return Circuit(n, tuple(ops), inputs=X, weights=W)


def _cx(c: int, t: int) -> Operation:
    return Operation("cx", (c, t))


def _rz(q: int, e: E.Expr) -> Operation:
    return Operation("rz", (q,), (e,))


def _cnots(c: Circuit) -> int:
    return sum(op.name == "cx" for op in c.ops)


def _same(a: Circuit, b: Circuit, trials: int = 3) -> bool:
    rng = np.random.default_rng(5)
    for _ in range(trials):
        x, w = rng.uniform(-3, 3, 1), rng.uniform(-3, 3, N_W)
        if not np.allclose(unitary(a, x, w), unitary(b, x, w), atol=1e-8):
            return False
    return True


@st.composite
def cnot_rz(draw: st.DrawFn, n: int | None = None, other: bool = False) -> Circuit:
    """Random cx/rz circuits (angles symbolic, constant or mixed); ``other`` adds h/sx."""
    n = n or draw(st.integers(2, 3))
    ops = []
    for _ in range(draw(st.integers(0, 16))):
        kind = draw(st.integers(0, 3 if other else 2))
        if kind == 0:
            a, b = draw(st.permutations(range(n)))[:2]
            ops.append(_cx(a, b))
        elif kind == 3:
            ops.append(
                Operation(draw(st.sampled_from(["h", "sx"])), (draw(st.integers(0, n - 1)),))
            )
        else:
            w = E.Weight(draw(st.integers(0, N_W - 1)))
            e = draw(st.sampled_from([w, -w, E.mul(E.Const(0.5), w), E.Const(0.7), w + E.Input(0)]))
            ops.append(_rz(draw(st.integers(0, n - 1)), e))
    return _circ(n, ops)


PROPS = settings(max_examples=150, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


@seed(20261206)
@PROPS
@given(c=cnot_rz(other=True))
def test_equal_never_more_cnots_input_untouched(c: Circuit) -> None:
    snapshot = copy.deepcopy(c)
    res = ResynthesizeCnotPhase().run(c)
    assert c == snapshot
    res.circuit.verify()
    if not res.changed:
        assert res.circuit == c
    assert _cnots(res.circuit) <= _cnots(c)
    assert _same(c, res.circuit), "not equal (global phase included)"


@seed(1206)
@PROPS
@given(c=cnot_rz(n=2))
def test_two_qubit_blocks_reach_the_kak_minimum(c: Circuit) -> None:
    """On 2 qubits with generic angles the result has exactly the KAK-optimal CNOT count
    (numeric KAK at a random binding is the lower bound over all circuits)."""
    out = ResynthesizeCnotPhase().run(c).circuit
    rng = np.random.default_rng(3)
    u = unitary(c, rng.uniform(-3, 3, 1), rng.uniform(-3, 3, N_W))
    assert _cnots(out) == cnot_count(u)


def test_qcnn_conv_then_pool_block_four_cnots_to_two() -> None:
    """The routed qcnn_8 block: conv (cx, cx) then crz as rz/cx/rz/cx, all symbolic."""
    t = E.Weight(0)
    ops = [_rz(1, E.Weight(1)), _cx(0, 1), _cx(1, 0), _rz(1, E.mul(E.Const(0.5), t)), _cx(0, 1),
           _rz(1, E.mul(E.Const(-0.5), t)), _cx(0, 1)]  # fmt: skip
    c = _circ(2, ops)
    out = ResynthesizeCnotPhase().run(c).circuit
    assert _cnots(out) == 2
    assert all(op.name in ("cx", "rz") for op in out.ops)
    assert _same(c, out)


def test_three_cnot_sandwich_is_one_cnot() -> None:
    a, b = E.Weight(0), E.Weight(1)
    c = _circ(2, [_cx(0, 1), _rz(1, a), _cx(0, 1), _rz(1, b), _cx(0, 1)])
    out = ResynthesizeCnotPhase().run(c).circuit
    assert [op.name for op in out.ops] == ["rz", "cx", "rz"]
    assert _same(c, out)


def test_optimal_blocks_and_other_gates_are_left_alone() -> None:
    rzz = _circ(2, [_cx(0, 1), _rz(1, E.Weight(0)), _cx(0, 1)])
    assert not ResynthesizeCnotPhase().run(rzz).changed
    split = _circ(2, [_cx(0, 1), Operation("h", (1,)), _cx(0, 1)])  # h breaks the block
    assert not ResynthesizeCnotPhase().run(split).changed
    swap = _circ(2, [_cx(0, 1), _cx(1, 0), _cx(0, 1)])
    assert not ResynthesizeCnotPhase().run(swap).changed


def test_blocks_on_different_pairs_interleaved() -> None:
    """A block is cut where a gate on another pair touches one of its qubits."""
    w = E.Weight(0)
    ops = [_cx(0, 1), _rz(1, w), _cx(0, 1), _cx(1, 2), _rz(1, w), _cx(0, 1), _cx(0, 1)]
    c = _circ(3, ops)
    out = ResynthesizeCnotPhase().run(c).circuit
    assert _same(c, out)
    assert _cnots(out) == 3  # rzz(0,1) and cx(1,2) stay; the last cx pair cancels


def test_o2_and_o3_use_it() -> None:
    """The presets run the pass after routing/translation (the 4-CNOT block above)."""
    for level in (2, 3):
        specs = str(build_preset(level, basis=("ibm",)))
        assert "resynthesize-cnot-phase" in specs
