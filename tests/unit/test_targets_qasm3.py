"""OpenQASM 3 emission: header, names, definitions, conditions, layout; both parsers accept it."""

from __future__ import annotations

import numpy as np
import openqasm3
import pytest
from qiskit import qasm3
from qiskit.quantum_info import Operator
from qlang.targets.binding import bind_circuit
from qlang.targets.names import flat_identifier, parameter_identifiers
from qlang.targets.qasm3 import to_qasm3

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Condition, Layout, Operation, ParamDecl
from qlang.ir.gates import GATES
from qlang.ir.reference import unitary


def _circuit(**kw: object) -> Circuit:
    base: dict[str, object] = dict(
        num_qubits=2,
        ops=(Operation("ry", (0,), (E.Input(0) * 2,)), Operation("cx", (0, 1))),
        inputs=(ParamDecl("x", (2,), 0),),
        weights=(ParamDecl("theta", (1, 2), 0),),
    )
    base.update(kw)
    return Circuit(**base)  # type: ignore[arg-type]


def test_flat_identifiers() -> None:
    assert flat_identifier("x[0]") == "x_0"
    assert flat_identifier("theta[1,2]") == "theta_1_2"
    assert flat_identifier("a") == "a"


def test_identifiers_avoid_keywords_and_collisions() -> None:
    c = Circuit(1, (), inputs=(ParamDecl("pi", (), 0), ParamDecl("x", (1,), 1),
                               ParamDecl("x_0", (), 2)))  # fmt: skip
    assert parameter_identifiers(c) == ["pi_", "x_0", "x_0_"]


def test_header_lists_parameters_in_binding_order() -> None:
    text = to_qasm3(_circuit(), model_name="demo", source_hash="sha256:abc")
    assert "// model: demo" in text and "// source hash: sha256:abc" in text
    order = [line.split(":")[1].split("=")[0].strip() for line in text.splitlines()
             if line.startswith("//   ")]  # fmt: skip
    assert order == ["x_0", "x_1", "theta_0_0", "theta_0_1"]
    decls = [line.split()[-1][:-1] for line in text.splitlines() if line.startswith("input")]
    assert decls == order
    openqasm3.parse(text)


def test_every_gate_matches_its_unitary_in_qiskit() -> None:
    for name, gd in GATES.items():
        n = gd.num_qubits or 3
        params = tuple(E.Const(0.3 + 0.4 * i) for i in range(gd.num_params))
        c = Circuit(n, (Operation(name, tuple(range(n)), params),))
        text = to_qasm3(c)
        openqasm3.parse(text)
        assert np.allclose(Operator(qasm3.loads(text)).data, unitary(c), atol=1e-9), name


def test_unbound_parameters_load_in_qiskit_and_bind() -> None:
    c = _circuit(ops=(Operation("rx", (0,), (E.Input(1) * E.Weight(0) ** 2 - E.Weight(1) / 3,)),),
                 global_phase=E.Input(0))  # fmt: skip
    text = to_qasm3(c)
    assert "**" not in text.split("qubit[")[1]
    qc = qasm3.loads(text)
    assert sorted(p.name for p in qc.parameters) == ["theta_0_0", "theta_0_1", "x_0", "x_1"]
    vals = [0.1, 0.7, -1.2, 0.4]
    bound = qc.assign_parameters({p: vals[["x_0", "x_1", "theta_0_0", "theta_0_1"].index(p.name)]
                                  for p in qc.parameters})  # fmt: skip
    want = unitary(bind_circuit(c, vals))
    assert np.allclose(Operator(bound).data, want, atol=1e-9)


def test_functions_are_portable_openqasm() -> None:
    x = E.Input(0)
    c = _circuit(ops=(Operation("rx", (0,), (E.func("abs", x) + E.func("tanh", x),)),))
    text = to_qasm3(c)
    assert "abs(" not in text and "tanh(" not in text and "sqrt(x_0 * x_0)" in text
    openqasm3.parse(text)
    from qlang.targets.qasm_import import import_qasm

    back = import_qasm(text)
    val = np.array([[-0.7, 0.0]])
    got = E.evaluate(back.ops[0].params[0], val, np.zeros(0))
    assert np.isclose(got[0], abs(-0.7) + np.tanh(-0.7))


def test_conditions_measure_reset_barrier() -> None:
    ops = (
        Operation("h", (0,)),
        Operation("measure", (0, 1), clbits=(0, 1)),
        Operation("x", (1,), condition=Condition((0,), 1)),
        Operation("z", (1,), condition=Condition((0,), 0)),
        Operation("y", (0,), condition=Condition((0, 1, 2), 5)),
        Operation("h", (0,), condition=Condition((2, 0), 2)),
        Operation("reset", (0,)),
        Operation("barrier", (0, 1)),
    )
    c = Circuit(2, ops, num_clbits=3)
    text = to_qasm3(c)
    assert "if (c[0]) { x q[1]; }" in text
    assert "if (!c[0]) { z q[1]; }" in text
    assert "if (c == 5) { y q[0]; }" in text
    assert "if (!c[2]) { if (c[0]) { h q[0]; } }" in text
    assert "reset q[0];" in text and "barrier q[0], q[1];" in text
    openqasm3.parse(text)
    qc = qasm3.loads(text)
    assert [i.operation.name for i in qc.data].count("if_else") == 4


def test_layout_in_header() -> None:
    c = _circuit(num_qubits=3, layout=Layout((2, 0), (0, 2)))
    text = to_qasm3(c)
    assert "// initial layout (logical->physical): 0->2, 1->0" in text
    assert "// final layout (logical->physical): 0->0, 1->2" in text


def test_qiskit_importer_limits() -> None:
    """Evidence for docs/targets.md: Qiskit's importer has no `**` and no function calls."""
    head = 'OPENQASM 3.0;\ninclude "stdgates.inc";\ninput float[64] a;\nqubit[1] q;\n'
    qasm3.loads(head + "rx(2 * a + 1) q[0];")
    for body in ("rx(a ** 2) q[0];", "rx(sin(a)) q[0];"):
        openqasm3.parse(head + body)
        with pytest.raises(qasm3.QASM3ImporterError):
            qasm3.loads(head + body)
