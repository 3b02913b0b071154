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
from qlang.ir.reference import equal_up_to_phase, unitary

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


@pytest.mark.parametrize("level", [0, 1, 2, 3])
@pytest.mark.parametrize("basis", [None, ("ibm",), ("rigetti",)], ids=str)
def test_presets_keep_dynamic_circuit_structure(level: int, basis) -> None:
    from qlang.passes.presets import build_preset

    from qlang.ir.circuit import Condition

    cond = Condition((0,), 1)
    w = E.Weight(0)
    c = Circuit(
        3,
        (
            Operation("h", (0,)),
            Operation("ccx", (0, 1, 2)),
            Operation("measure", (0,), clbits=(0,)),
            Operation("reset", (0,)),
            Operation("crz", (1, 2), (w,), condition=cond),
            Operation("swap", (1, 2), condition=cond),
            Operation("barrier", (0, 1, 2)),
            Operation("ry", (2,), (2 * w,)),
            Operation("measure", (2,), clbits=(1,)),
        ),
        num_clbits=2,
        weights=W,
    )
    out = build_preset(level, basis=basis).run(c)
    out.verify()
    kinds = [op.name for op in out.ops if not op.is_gate]
    assert kinds == ["measure", "reset", "barrier", "measure"]
    m = out.ops.index(next(op for op in out.ops if op.name == "measure"))
    between = out.ops[m + 2 : out.ops.index(next(op for op in out.ops if op.name == "barrier"))]
    assert between and all(op.condition == cond for op in between)
    assert out.layout is None  # conditioned swaps are never elided
    head = Circuit(3, out.ops[:m])
    ref = Circuit(3, c.ops[:2])
    # the global phase belongs to the whole circuit: compare the head up to phase
    assert equal_up_to_phase(unitary(ref), unitary(head))


@pytest.mark.parametrize(
    "ops, cnots",
    [
        # cx a,b; cx b,a; swap a,b == cx b,a
        ((Operation("cx", (0, 1)), Operation("cx", (1, 0)), Operation("swap", (0, 1))), 1),
        # swap next to a cx across a commuting rz on the control: 3 + 1 -> 2
        ((Operation("swap", (0, 1)), Operation("rz", (1,), (E.Const(0.3),)),
          Operation("cx", (1, 0))), 2),  # fmt: skip
        # a non-commuting gate in between: no cancellation possible, still exact
        ((Operation("cx", (0, 1)), Operation("h", (1,)), Operation("swap", (0, 1))), 4),
    ],
)
def test_swaps_oriented_to_cancel_with_neighbouring_cx(ops: tuple, cnots: int) -> None:
    from qlang.passes.presets import build_preset

    c = Circuit(2, ops)
    out = build_preset(2, basis=("ibm",)).run(c)
    assert out.num_two_qubit_gates == cnots
    assert equal_up_to_phase(unitary(c), unitary(out))
