"""Analysis results, DAG view, linear normal form, swap elision, peephole rules."""

from __future__ import annotations

import math

import numpy as np
from qlang.passes import linear as L
from qlang.passes.analysis import analyze
from qlang.passes.commutation import commutes
from qlang.passes.optimization.cancel import CancelInverses, MergeRotations, RemoveZeroRotations
from qlang.passes.optimization.swaps import ElideSwaps

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Condition, Operation, ParamDecl
from qlang.ir.dag import CircuitDAG
from qlang.ir.reference import unitary

W = (ParamDecl("w", (3,), 0),)


def test_metrics() -> None:
    c = Circuit(
        3,
        (
            Operation("h", (0,)),
            Operation("cx", (0, 1)),
            Operation("rz", (2,), (E.Weight(0),)),
            Operation("barrier", (0, 1, 2)),
            Operation("ccx", (0, 1, 2)),
        ),
        weights=W,
    )
    m = analyze(c)
    assert (m.depth, m.two_qubit_depth) == (3, 2)
    assert (m.counts.total, m.counts.one_qubit, m.counts.two_qubit, m.counts.multi_qubit) == (
        4,
        2,
        1,
        1,
    )
    assert m.counts.parameterized == 1 and m.counts.count("cx") == 1
    assert m.critical_path.length == 3 and m.critical_path.ops == (0, 1, 4)
    assert "depth 3" in m.render()


def test_dag() -> None:
    cond = Condition((0,), 1)
    c = Circuit(
        2,
        (
            Operation("h", (0,)),
            Operation("measure", (0,), clbits=(0,)),
            Operation("x", (1,), condition=cond),
            Operation("cx", (0, 1)),
        ),
        num_clbits=1,
    )
    d = CircuitDAG.from_circuit(c)
    assert d.predecessors(2) == (1,)  # through the classical bit
    assert d.successors(1) == (2, 3)
    assert d.layers() == ((0,), (1,), (2,), (3,))
    assert d.wire("q", 1) == (2, 3)
    runs = CircuitDAG.from_circuit(
        Circuit(
            3,
            (
                Operation("rzz", (0, 1), (E.Const(1.0),)),
                Operation("rzz", (1, 2), (E.Const(1.0),)),
                Operation("h", (1,)),
            ),
        )
    ).commuting_runs(commutes)
    assert runs == ((0, 1), (2,))


def test_linear_normal_form() -> None:
    w0, x1 = E.Weight(0), E.Input(1)
    assert L.normalize(w0 + x1 - w0) == x1
    assert L.constant_value(2 * w0 - w0 - w0 + E.Const(1.5)) == 1.5
    assert L.is_zero_mod(E.Const(4 * math.pi), 2 * math.pi) == (True, 2)
    assert L.is_zero_mod(w0, 2 * math.pi) == (False, 0)
    assert L.same(2 * (w0 + x1), 2 * x1 + 2 * w0)


def test_commutation() -> None:
    cx = Operation("cx", (0, 1))
    assert commutes(cx, Operation("rz", (0,), (E.Const(1.0),)))
    assert commutes(cx, Operation("rx", (1,), (E.Const(1.0),)))
    assert not commutes(cx, Operation("rz", (1,), (E.Const(1.0),)))
    assert commutes(cx, Operation("cx", (0, 2)))
    assert not commutes(cx, Operation("cx", (1, 0)))
    assert not commutes(cx, Operation("measure", (0,), clbits=(0,)))


def test_symbolic_merge_and_cancel() -> None:
    w = E.Weight(0)
    c = Circuit(
        2,
        (
            Operation("rz", (0,), (w,)),
            Operation("cx", (0, 1)),
            Operation("rz", (0,), (-w,)),
            Operation("cx", (0, 1)),
            Operation("p", (1,), (w,)),
            Operation("s", (1,)),
        ),
        weights=W,
    )
    out = MergeRotations().run(c).circuit
    assert [op.name for op in out.ops] == ["p"]
    assert L.same(out.ops[0].params[0], w + E.Const(math.pi / 2))
    vals = np.array([0.7, 0, 0])
    assert np.allclose(unitary(c, None, vals), unitary(out, None, vals))


def test_cancel_only_inverses() -> None:
    c = Circuit(
        1,
        (
            Operation("h", (0,)),
            Operation("rz", (0,), (E.Const(0.2),)),
            Operation("rz", (0,), (E.Const(0.3),)),
            Operation("h", (0,)),
        ),
    )
    res = CancelInverses().run(c)
    assert not res.changed and res.circuit is c


def test_zero_rotation_phase() -> None:
    c = Circuit(1, (Operation("rz", (0,), (E.Const(2 * math.pi),)), Operation("id", (0,))))
    out = RemoveZeroRotations().run(c).circuit
    assert out.ops == () and L.constant_value(out.global_phase) == math.pi
    assert np.allclose(unitary(c), unitary(out))


def test_elide_swaps_layout() -> None:
    c = Circuit(
        3,
        (
            Operation("swap", (0, 1)),
            Operation("cx", (0, 2)),
            Operation("swap", (1, 2)),
            Operation("measure", (0,), clbits=(0,)),
        ),
        num_clbits=1,
    )
    out = ElideSwaps().run(c).circuit
    assert [op.name for op in out.ops] == ["cx", "measure"]
    assert out.ops[0].qubits == (1, 2) and out.ops[1].qubits == (1,)
    assert out.layout.final == (1, 2, 0)
