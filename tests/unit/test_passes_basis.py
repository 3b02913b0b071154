"""Basis translation: rules exact, named sets, universality errors, symbolic angles kept."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qlang.passes.basis.rules import CARRIERS, RULES, SYMBOLIC_1Q
from qlang.passes.basis.sets import NAMED_BASES, check_universal, resolve_basis
from qlang.passes.basis.translate import BasisTranslation

from qlang.diagnostics import QLangError
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.gates import GATES
from qlang.ir.reference import unitary

W = (ParamDecl("w", (3,), 0),)


@pytest.mark.parametrize("table", [RULES, SYMBOLIC_1Q], ids=["multi", "1q"])
def test_rules_are_exact(table: dict) -> None:
    for name, rule in table.items():
        gd = GATES[name]
        n = gd.num_qubits or 4
        params = tuple(E.Const(v) for v in (0.37, 1.1, -0.6)[: gd.num_params])
        ops, ph = rule(tuple(range(n)), params)
        ref = Circuit(n, (Operation(name, tuple(range(n)), params),))
        assert np.allclose(unitary(ref), unitary(Circuit(n, tuple(ops), global_phase=ph))), name


def test_carriers_are_exact() -> None:
    ref = unitary(Circuit(1, (Operation("rz", (0,), (E.Const(0.37),)),)))
    for name, rule in CARRIERS.items():
        ops, ph = rule((0,), (E.Const(0.37),))
        assert np.allclose(ref, unitary(Circuit(1, tuple(ops), global_phase=ph))), name


def test_mcx_many_controls() -> None:
    c = Circuit(5, (Operation("mcx", (0, 1, 2, 3, 4)),))
    out = BasisTranslation(basis=("ibm",)).run(c).circuit
    assert {op.name for op in out.ops} <= {"cx", "rz", "sx", "x"}
    assert np.allclose(unitary(c), unitary(out), atol=1e-8)


@pytest.mark.parametrize("basis", sorted(set(NAMED_BASES) - {"clifford+t"}))
def test_named_bases_symbolic(basis: str) -> None:
    w = E.Weight(0)
    ops = (
        Operation("h", (0,)),
        Operation("crx", (0, 1), (2 * w,)),
        Operation("u", (1,), (w, E.Weight(1), E.Const(0.2))),
        Operation("rxx", (1, 2), (E.Weight(2),)),
        Operation("ccx", (0, 1, 2)),
        Operation("iswap", (2, 0)),
    )
    c = Circuit(3, ops, weights=W)
    out = BasisTranslation(basis=(basis,)).run(c).circuit
    assert {op.name for op in out.ops} <= set(resolve_basis((basis,)))
    assert any(op.is_parameterized for op in out.ops)
    vals = np.array([0.3, -1.2, 2.0])
    assert np.allclose(unitary(c, None, vals), unitary(out, None, vals), atol=1e-8)


def test_quantinuum_keeps_rzz_native() -> None:
    c = Circuit(2, (Operation("rzz", (0, 1), (E.Weight(0),)),), weights=W)
    out = BasisTranslation(basis=("quantinuum",)).run(c)
    assert not out.changed and out.circuit is c


def test_clifford_t_constant_and_symbolic() -> None:
    c = Circuit(
        2,
        (
            Operation("ry", (0,), (E.Const(0.3),)),
            Operation("cx", (0, 1)),
            Operation("rz", (1,), (E.Const(math.pi / 4),)),
        ),
    )
    out = BasisTranslation(basis=("clifford+t",), precision=1e-2).run(c).circuit
    assert {op.name for op in out.ops} <= set(NAMED_BASES["clifford+t"])
    a, b = unitary(c), unitary(out)
    k = np.argmax(np.abs(a))
    assert np.linalg.norm(a - b * (a.flat[k] / b.flat[k]), 2) < 3e-2
    sym = Circuit(1, (Operation("ry", (0,), (E.Weight(0),)),), weights=W)
    with pytest.raises(QLangError) as e:
        BasisTranslation(basis=("clifford+t",)).run(sym)
    assert e.value.codes == ["QL0562"]


@pytest.mark.parametrize(
    ("basis", "code"),
    [
        (("rz", "sx", "x"), "QL0561"),
        (("cx", "rz"), "QL0561"),
        (("cx", "h", "s"), "QL0561"),
        (("cx", "nope"), "QL0560"),
        ((), "QL0560"),
    ],
)
def test_universality_errors(basis: tuple[str, ...], code: str) -> None:
    with pytest.raises(QLangError) as e:
        check_universal(basis)
    assert e.value.codes == [code]


def test_user_basis_universal() -> None:
    u = check_universal(("cz", "rx", "ry"))
    assert u.exact and u.entangler == "cz" and u.symbolic_carrier == "rx"
    assert not check_universal(("cx", "h", "t")).exact


def test_conditioned_gates_keep_condition() -> None:
    from qlang.ir.circuit import Condition

    cond = Condition((0,), 1)
    c = Circuit(
        2,
        (
            Operation("measure", (0,), clbits=(0,)),
            Operation("cz", (0, 1), condition=cond),
            Operation("h", (1,), condition=cond),
        ),
        num_clbits=1,
    )
    out = BasisTranslation(basis=("ibm",)).run(c).circuit
    out.verify()
    gates = [op for op in out.ops if op.is_gate]
    assert gates and all(op.condition == cond for op in gates)
    assert {op.name for op in gates} <= {"cx", "rz", "sx", "x"}
