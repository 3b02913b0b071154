"""OpenQASM 2/3 import: features, modifiers, fast path, and one test per error code."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import qasm2, qasm3
from qiskit.circuit import library as lib
from qiskit.quantum_info import Operator
from qlang.targets.qasm3 import to_qasm3
from qlang.targets.qasm_import import import_qasm, import_qasm_file
from qlang.targets.qasm_lower import Lowerer
from qlang.targets.qasm_parse import gate_definitions as _definitions
from qlang.targets.qasm_prelude import DECOMPOSITIONS, PRELUDE

from qlang.diagnostics import QLangError
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Condition, Operation
from qlang.ir.gates import GATES
from qlang.ir.reference import unitary
from qlang.source import SourceMap

H3 = 'OPENQASM 3.0;\ninclude "stdgates.inc";\n'
H2 = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'


def _same_unitary(text: str, circuit: Circuit) -> bool:
    """Our import of ``text`` vs Qiskit's reading of the same program (exact phase)."""
    ref = qasm2.loads(text) if text.startswith("OPENQASM 2") else qasm3.loads(text)
    return bool(np.allclose(Operator(ref).data, unitary(circuit), atol=1e-9))


def test_qasm2_program() -> None:
    text = H2 + (
        "qreg q[3];\ncreg c[3];\nu3(0.1,0.2,0.3) q[0];\nu2(0.4,0.5) q[1];\nu1(pi/8) q[2];\n"
        "cu1(0.7) q[0],q[1];\ncu3(0.1,0.2,0.3) q[1],q[2];\nccx q[0],q[1],q[2];\nU(1,2,3) q[0];\n"
        "CX q[0],q[2];\nid q[1];\n"
    )
    c = import_qasm(text, fast=False)
    assert _same_unitary(text, c)


def test_qasm3_gate_definitions_and_modifiers() -> None:
    text = H3 + (
        "input float[64] a;\nqubit[3] q;\n"
        "gate g(t) x, y { ctrl @ rx(t) x, y; gphase(t / 2); h y; }\n"
        "g(a) q[0], q[1];\n"
        "inv @ g(a) q[1], q[2];\n"
        "pow(2) @ s q[0];\n"
        "negctrl @ x q[1], q[2];\n"
        "ctrl(2) @ rz(a) q[0], q[1], q[2];\n"
        "ctrl @ g(a) q[2], q[0], q[1];\n"
        "h q;\n"
    )
    c = import_qasm(text)
    assert c.parameter_names() == ["a"]
    for a in (0.0, 0.37, -1.3):
        ref = qasm3.loads(text).assign_parameters([a])
        assert np.allclose(Operator(ref).data, unitary(c, np.array([a])), atol=1e-9)


def test_controlled_versions_of_every_gate_are_exact() -> None:
    for name, gd in GATES.items():
        n = gd.num_qubits or 2
        args = ", ".join(str(0.3 + 0.4 * i) for i in range(gd.num_params))
        call = f"{name}({args})" if args else name
        qs = ", ".join(f"q[{i}]" for i in range(n + 1))
        text = f"{H3}qubit[{n + 1}] q;\nctrl @ {to_qasm3_name(call)} {qs};\n"
        c = import_qasm(text)
        params = tuple(E.Const(0.3 + 0.4 * i) for i in range(gd.num_params))
        target = Circuit(n, (Operation(name, tuple(range(n)), params),))
        from qlang.ir.gates import controlled

        # qubit 0 controls; IR matrices put the first qubit most significant
        want_big = controlled(_big(unitary(target), n))
        assert np.allclose(_big(unitary(c), n + 1), want_big, atol=1e-9), name


def to_qasm3_name(call: str) -> str:
    return call.replace("u(", "U(", 1) if call.startswith("u(") else call


def _big(u: np.ndarray, n: int) -> np.ndarray:
    t = u.reshape([2] * (2 * n))
    perm = list(reversed(range(n))) + [n + i for i in reversed(range(n))]
    return t.transpose(perm).reshape(2**n, 2**n)


def test_prelude_and_decompositions_are_exact() -> None:
    for text in (PRELUDE, DECOMPOSITIONS):
        for name, gdef in _definitions(text).items():
            n, k = len(gdef.qubits), len(gdef.arguments)
            args = ", ".join(str(0.3 + 0.4 * i) for i in range(k))
            call = f"{name}({args})" if k else name
            qs = ", ".join(f"q[{i}]" for i in range(n))
            prog = f"{H3}qubit[{n}] q;\n{to_qasm3_name(call)} {qs};\n"
            if name in GATES:  # decomposition: compare with the IR gate
                params = tuple(E.Const(0.3 + 0.4 * i) for i in range(k))
                body = Lowerer(0, "").inline(gdef, params, tuple(range(n)), gdef, 0)
                phase = sum((p[0] for nm, p, _ in body if nm == "gphase"), E.ZERO)
                ops = tuple(Operation(nm, q, p) for nm, p, q in body if nm != "gphase")
                dec = Circuit(n, ops, global_phase=E.simplify(phase))
                ir = Circuit(n, (Operation(name, tuple(range(n)), params),))
                assert np.allclose(unitary(dec), unitary(ir), atol=1e-9), name
            else:  # prelude gate: compare with Qiskit's gate of the same name
                ref = Operator(QISKIT_GATES[name](*(0.3 + 0.4 * i for i in range(k)))).data
                assert np.allclose(ref, unitary(import_qasm(prog)), atol=1e-9), name


QISKIT_GATES = {
    "u2": lib.U2Gate, "u0": lambda _g: lib.IGate(), "cu": lib.CUGate, "cu3": lib.CU3Gate,
    "csx": lib.CSXGate, "cs": lib.CSGate, "csdg": lib.CSdgGate, "ccz": lib.CCZGate,
    "dcx": lib.DCXGate, "r": lib.RGate, "c3x": lib.C3XGate, "c4x": lambda: lib.MCXGate(4),
}  # fmt: skip


def test_const_loops_and_classical_variables() -> None:
    """Qiskit's importer cannot index with loop variables, so these are checked directly."""
    text = (
        H3
        + "const int n = 3;\nqubit[n] q;\nint k = 1;\nk = k + 1;\n"
        + "for int i in [0:n - 2] { cx q[i], q[i + 1]; }\nrz(k * pi) q[k];\n"
    )
    c = import_qasm(text)
    assert [(op.name, op.qubits) for op in c.ops] == [("cx", (0, 1)), ("cx", (1, 2)), ("rz", (2,))]
    assert c.ops[2].params == (E.Const(2 * np.pi),)
    d = import_qasm(
        H3 + "qubit[3] q;\nfor int i in {0, 2} { h q[i]; }\nfor int j in [2:-1:0] { x q[j]; }\n"
    )
    assert [(op.name, op.qubits[0]) for op in d.ops] == [
        ("h", 0),
        ("h", 2),
        ("x", 2),
        ("x", 1),
        ("x", 0),
    ]


def test_conditions_and_measurements() -> None:
    text = H3 + (
        "qubit[2] q;\nbit[2] c;\nbit d;\nh q[0];\nc[0] = measure q[0];\nmeasure q[1] -> c[1];\n"
        "d = measure q[0];\n"
        "if (c[0]) x q[1];\nif (!c[1]) { z q[0]; }\nif (c == 2) { y q[0]; } \n"
        "if (c[1] == 0) { x q[0]; } else { y q[0]; }\n"
        "if (d) { if (c[0]) { h q[1]; } }\nreset q[0];\nbarrier q;\n"
    )
    c = import_qasm(text)
    conds = [op.condition for op in c.ops if op.condition is not None]
    assert conds == [
        Condition((0,), 1), Condition((1,), 0), Condition((0, 1), 2), Condition((1,), 0),
        Condition((1,), 1), Condition((2, 0), 3),
    ]  # fmt: skip
    assert [op.clbits for op in c.ops if op.name == "measure"] == [(0,), (1,), (2,)]
    assert c.ops[-2].name == "reset" and c.ops[-1].qubits == (0, 1)


def test_in_file_definition_of_ir_gate_is_kept_when_equal() -> None:
    good = (
        H3 + "gate rzz(t) a, b { cx a, b; rz(t) b; cx a, b; }\nqubit[2] q;\nrzz(0.4) q[0], q[1];\n"
    )
    assert [op.name for op in import_qasm(good).ops] == ["rzz"]
    odd = H3 + "gate rzz(t) a, b { rx(t) a; }\nqubit[2] q;\nrzz(0.4) q[0], q[1];\n"
    assert [op.name for op in import_qasm(odd).ops] == ["rx"]


def test_physical_qubits() -> None:
    c = import_qasm(H3 + "h $3;\ncx $3, $0;\n")
    assert c.num_qubits == 4 and c.ops[1].qubits == (3, 0)


def test_round_trip_of_our_output_keeps_gates() -> None:
    ops = tuple(
        Operation(n, tuple(range(GATES[n].num_qubits or 3)),
                  tuple(E.Const(0.1 * (i + 1)) for i in range(GATES[n].num_params)))
        for n in GATES
    )  # fmt: skip
    c = Circuit(3, ops, global_phase=E.Const(0.25))
    back = import_qasm(to_qasm3(c))
    # `ctrl(2) @ x` (our spelling of a 3-qubit mcx) reads back as its IR name `ccx`
    assert [op.name for op in back.ops] == [op.name for op in ops[:-1]] + ["ccx"]
    assert np.allclose(unitary(back), unitary(c), atol=1e-9)


def test_fast_path_matches_reference_path() -> None:
    text = (
        H2
        + "qreg q[3];\ncreg c[3];\n"
        + "".join(
            f"u3({0.1 * i},pi/2,-3*pi/4) q[{i % 3}];\ncx q[{i % 3}],q[{(i + 1) % 3}];\n"
            f"rz(-pi) q[1]; // comment\n"
            for i in range(20)
        )
        + "barrier q[0],q[1];\nmeasure q[0] -> c[0];\nc[1] = measure q[1];\nreset q[2];\n"
    )
    sm = SourceMap()
    fast = import_qasm(text, sources=sm)
    slow = import_qasm(text, fast=False, sources=sm)
    assert fast == slow
    assert all(op.span is not None for op in fast.ops)


def test_fast_path_handles_large_flat_files() -> None:
    """A large flat file takes the fast path and agrees with the reference parser.

    Its speed is measured in ``benchmarks/targets_qasm_import.py``, not asserted here.
    """
    body = "".join(f"cx q[{i % 5}],q[{(i + 1) % 5}];\nrz({i * 0.01}) q[{i % 5}];\n"
                   for i in range(1500))  # fmt: skip
    text = H2 + "qreg q[5];\n" + body
    from qlang.targets import qasm_fast

    from qlang.source import GLOBAL_SOURCES

    direct = qasm_fast.try_parse(text, GLOBAL_SOURCES.add("flat.qasm", text).id)
    assert direct is not None  # the fast path accepts it
    fast = import_qasm(text)
    slow = import_qasm(text, fast=False)
    assert fast == slow and len(fast.ops) == 3000


# --- one test per error code --------------------------------------------------

BAD = [
    ("QL0501", H3 + "qubit[2] q;\nh q[0]\n", 4),
    ("QL0502", H3 + 'include "mine.inc";\n', 3),
    ("QL0503", H3 + "qubit[1] q;\nfoo q[0];\n", 4),
    ("QL0504", H3 + "qubit[2] q;\nrx q[0];\n", 4),
    ("QL0505", H3 + "qubit[1] q;\nrx(theta) q[0];\n", 4),
    ("QL0506", H3 + "qubit[2] q;\nx q[2];\n", 4),
    ("QL0507", H3 + "qubit[1] q;\nbit[1] c;\nwhile (c[0]) { x q[0]; }\n", 5),
    ("QL0508", H3 + "qubit[1] q;\nbit[2] c;\nrx(popcount(c)) q[0];\n", 5),
    ("QL0509", H3 + "qubit[1] q;\nbit[2] c;\nif (c == 1) { x q[0]; } else { z q[0]; }\n", 5),
    ("QL0510", H3 + "qubit[1] q;\npow(0.5) @ x q[0];\n", 4),
    ("QL0511", H2 + "opaque mygate a;\nqreg q[1];\n", 3),
    ("QL0512", H3 + "qubit[2] q;\nqubit[3] q;\n", 4),
    ("QL0513", H3 + "qubit[2] a;\nqubit[3] b;\ncx a, b;\n", 5),
    ("QL0514", H3 + "input int[32] n;\n", 3),
    ("QL0516", H3 + "qubit[2] q;\ncx q[0], q[0];\n", 4),
    ("QL0517", H3 + "qubit[1] q;\nfor int i in [0:2000000] { x q[0]; }\n", 4),
    ("QL0518", "OPENQASM 4.0;\nqubit q;\n", 1),
]


@pytest.mark.parametrize(("code", "text", "line"), BAD, ids=[b[0] for b in BAD])
def test_error_codes_are_located(code: str, text: str, line: int) -> None:
    sm = SourceMap()
    with pytest.raises(QLangError) as info:
        import_qasm(text, filename="bad.qasm", sources=sm)
    diag = info.value.diagnostics[0]
    assert diag.code == code
    assert diag.location(sm)[1] == line
    assert "bad.qasm" in info.value.render()


def test_unreadable_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QLangError) as info:
        import_qasm_file(tmp_path / "missing.qasm")
    assert info.value.codes == ["QL0515"]


def test_several_errors_are_collected() -> None:
    with pytest.raises(QLangError) as info:
        import_qasm(H3 + "qubit[1] q;\nfoo q[0];\nbar q[0];\nx q[5];\n")
    assert info.value.codes == ["QL0503", "QL0503", "QL0506"]


def test_fast_path_with_several_registers() -> None:
    text = H2 + (
        "qreg a[2];\nqreg b[3];\ncreg m[1];\ncreg n[2];\n"
        "h a[1];\ncx a[1],b[2];\nmeasure b[2] -> n[1];\nmeasure a[0] -> m[0];\n"
    )
    sm = SourceMap()
    fast = import_qasm(text, sources=sm)
    assert fast == import_qasm(text, fast=False, sources=sm)
    assert fast.num_qubits == 5 and fast.num_clbits == 3
    assert [(op.qubits, op.clbits) for op in fast.ops] == [
        ((1,), ()),
        ((1, 4), ()),
        ((4,), (2,)),
        ((0,), (0,)),
    ]


def test_header_restores_parameter_blocks_only_when_consistent() -> None:
    from qlang.ir.circuit import ParamDecl

    c = Circuit(
        1,
        (Operation("rx", (0,), (E.Input(1) * E.Weight(3),)), Operation("rz", (0,), (E.Weight(4),))),
        inputs=(ParamDecl("x", (2,), 0),),
        weights=(ParamDecl("theta", (2, 2), 0), ParamDecl("b", (), 4)),
        global_phase=E.Weight(0),
    )
    text = to_qasm3(c)
    assert import_qasm(text) == c
    edited = text.replace("//   1: x_1 = input x[1]", "//   1: x_1 = weight x[1]")
    plain = import_qasm(edited)  # kinds out of order: keep scalar inputs
    assert plain.parameter_names() == ["x_0", "x_1", "theta_0_0", "theta_0_1", "theta_1_0",
                                       "theta_1_1", "b"]  # fmt: skip
    assert plain.weights == ()
