"""Qiskit and pytket lowering: exact unitaries, expressions, layout, placement, serialisation."""

from __future__ import annotations

import io
import json

import numpy as np
import sympy
from qiskit import qpy
from qiskit.circuit import Parameter
from qiskit.quantum_info import Operator, SparsePauliOp
from qlang.targets.crosscheck import mismatches
from qlang.targets.qasm3 import to_qasm3
from qlang.targets.qiskit import expr_to_qiskit, to_qiskit
from qlang.targets.tket import tket_placement, to_tket, to_tket_json

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Condition, Layout, Operation, ParamDecl
from qlang.ir.gates import GATES
from qlang.ir.reference import unitary


def _big_to_little(u: np.ndarray, n: int) -> np.ndarray:
    t = u.reshape([2] * (2 * n))
    perm = list(reversed(range(n))) + [n + i for i in reversed(range(n))]
    return t.transpose(perm).reshape(2**n, 2**n)


def test_every_gate_exact_in_qiskit_and_tket() -> None:
    for name, gd in GATES.items():
        n = gd.num_qubits or 3
        params = tuple(E.Const(0.3 + 0.4 * i) for i in range(gd.num_params))
        c = Circuit(n, (Operation(name, tuple(range(n)), params),), global_phase=E.Const(0.2))
        want = unitary(c)
        assert np.allclose(Operator(to_qiskit(c)).data, want, atol=1e-9), name
        assert np.allclose(_big_to_little(to_tket(c).get_unitary(), n), want, atol=1e-9), name


def test_parameters_have_one_name_in_every_target() -> None:
    c = Circuit(
        1,
        (Operation("rx", (0,), (E.Weight(1) + E.Input(0),)), Operation("rz", (0,), (E.Weight(0),))),
        inputs=(ParamDecl("x", (1,), 0),),
        weights=(ParamDecl("theta", (2,), 0),),
    )
    qc = to_qiskit(c)
    names = ["x_0", "theta_0", "theta_1"]
    assert sorted(str(p) for p in qc.parameters) == sorted(names)
    assert qc.metadata["qlang_parameters"] == names
    assert qc.metadata["qlang_flat_names"] == ["x[0]", "theta[0]", "theta[1]"]
    assert sorted(str(s) for s in to_tket(c).free_symbols()) == sorted(names)
    assert [ln.split()[-1].rstrip(";") for ln in to_qasm3(c).splitlines() if ln.startswith("input")] == names
    assert mismatches(c, [0.3, -0.2, 1.1]) == []


def test_qiskit_even_functions_survive_symbolic_addition() -> None:
    """Qiskit 2.6 folds f(u) + f(-u) to 0; our lowering must not produce that pattern."""
    a, b = Parameter("a"), Parameter("b")
    u, w = E.Input(0) - E.Weight(0), E.Weight(0) - E.Input(0)
    for name in ("cos", "exp", "abs", "cosh", "arccos"):
        arg = (lambda z: E.func("sin", z)) if name == "arccos" else (lambda z: z)  # noqa: E731
        e = E.func(name, arg(u)) + E.func(name, arg(w))
        q = expr_to_qiskit(e, [a], [b])
        want = E.evaluate(e, np.array([[0.3]]), np.array([-0.4]))[0]
        assert np.isclose(complex(q.bind({a: 0.3, b: -0.4}).numeric()), want), name


def test_conditions_in_qiskit() -> None:
    ops = (
        Operation("h", (0,)),
        Operation("measure", (0,), clbits=(0,)),
        Operation("x", (1,), condition=Condition((0,), 1)),
        Operation("x", (1,), condition=Condition((0, 1), 3)),
        Operation("x", (1,), condition=Condition((1, 0), 1)),
    )
    qc = to_qiskit(Circuit(2, ops, num_clbits=3))
    names = [i.operation.name for i in qc.data]
    assert names == ["h", "measure", "if_else", "if_else", "if_else"]
    buf = io.BytesIO()
    qpy.dump(qc, buf)
    buf.seek(0)
    assert [i.operation.name for i in qpy.load(buf)[0].data] == names


def test_routed_layout_maps_observables() -> None:
    c = Circuit(
        4,
        (Operation("cx", (2, 0)), Operation("swap", (0, 1)), Operation("cx", (1, 3))),
        layout=Layout(initial=(2, 0, 3), final=(2, 1, 3)),
    )
    qc = to_qiskit(c)
    assert qc.layout.initial_index_layout(filter_ancillas=True) == [2, 0, 3]
    assert qc.layout.final_index_layout() == [2, 1, 3]
    mapped = SparsePauliOp("IZX").apply_layout(qc.layout)  # X on logical 0, Z on logical 1
    label = mapped.paulis[0].to_label()[::-1]  # index = physical qubit
    assert label[2] == "X" and label[1] == "Z" and label.count("I") == 2
    buf = io.BytesIO()
    qpy.dump(qc, buf)
    buf.seek(0)
    assert qpy.load(buf)[0].layout.final_index_layout() == [2, 1, 3]


def test_tket_symbols_half_turns_and_placement() -> None:
    c = Circuit(
        3,
        (Operation("rx", (0,), (E.Input(0) * 2,)), Operation("cx", (0, 2))),
        inputs=(ParamDecl("x", (1,), 0),),
        layout=Layout((0, 2), (2, 0)),
    )
    tc = to_tket(c)
    (cmd, _) = tc.get_commands()
    assert sympy.simplify(cmd.op.params[0] - 2 * sympy.Symbol("x_0") / sympy.pi) == 0
    assert [str(q) for q in tc.qubits] == ["node[0]", "node[1]", "node[2]"]
    initial, final = tket_placement(c)
    assert [n.index[0] for n in initial.values()] == [0, 2]
    assert [n.index[0] for n in final.values()] == [2, 0]
    bundle = json.loads(json.dumps(to_tket_json(c)))
    assert bundle["parameters"] == ["x_0"] and bundle["placement"]["final"]
    from pytket import Circuit as TketCircuit

    assert TketCircuit.from_dict(bundle["circuit"]).n_gates == 2


def test_tket_conditions() -> None:
    ops = (
        Operation("measure", (0,), clbits=(0,)),
        Operation("x", (1,), condition=Condition((0,), 1)),
    )
    cmds = to_tket(Circuit(2, ops, num_clbits=1)).get_commands()
    assert "IF ([c[0]] == 1) THEN X q[1];" in str(cmds)
