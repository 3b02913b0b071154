"""Basis translation: rewrite every gate into a target gate set, angles kept symbolic.

Three stages: (1) multi-qubit gates -> ``cx``, ``rzz(theta)`` and 1-qubit gates
by the symbolic rules of :mod:`.rules` (constant 2-qubit gates without a rule
go through KAK); (2) ``cx``/``rzz`` -> the basis entangler (locals found by
:func:`~qlang.passes.synthesis.two_qubit.local_equivalence`); (3) symbolic
1-qubit rotations -> the basis's symbolic carrier (``rz``, ``p``, ``rx``...),
and runs of constant 1-qubit gates -> exact synthesis, or for finite sets
(``clifford+t``) the approximate synthesis of
:mod:`~qlang.passes.synthesis.clifford_t`. The global phase is kept exactly.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> from qlang.ir.expr import Weight
    >>> c = Circuit(2, (Operation("crz", (0, 1), (Weight(0),)),))
    >>> out = BasisTranslation(basis=("quantinuum",)).run(c).circuit
    >>> sorted({op.name for op in out.ops})
    ['rz', 'rzz']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache
from typing import ClassVar

import numpy as np
from qlang.passes import linear as L
from qlang.passes.base import IN_BASIS, Pass, PassResult
from qlang.passes.basis.rules import CARRIERS, RULES, SYMBOLIC_1Q, ccx_mirrored
from qlang.passes.basis.sets import check_universal, resolve_basis
from qlang.passes.basis.swap_orientation import orient_swaps
from qlang.passes.errors import pass_error
from qlang.passes.optimization.resynth import resynthesize_runs
from qlang.passes.synthesis.one_qubit import synth_1q, zyz_angles
from qlang.passes.synthesis.two_qubit import local_equivalence, synth_2q

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.gates import GATES, gate_matrix

PI = math.pi
#: angle at which a parametric entangler is locally equivalent to CNOT
ENT_ANGLE = {"rzz": PI / 2, "rxx": PI / 2, "ryy": PI / 2, "rzx": PI / 2, "cp": PI, "crz": PI,
             "crx": PI, "cry": PI}  # fmt: skip


@cache
def _cx_via(entangler: str) -> tuple[tuple[tuple[float, ...], ...], float]:
    """``(u-params of r0, r1, l0, l1), phase`` with ``cx = e^{i ph} (l0 l1) E (r0 r1)``."""
    params = (ENT_ANGLE[entangler],) if entangler in ENT_ANGLE else ()
    found = local_equivalence(gate_matrix("cx"), gate_matrix(entangler, *params))
    if found is None:  # pragma: no cover - entanglers are CNOT-equivalent by construction
        raise ArithmeticError(entangler)
    l0, l1, r0, r1, ph = found
    us = []
    for m in (r0, r1, l0, l1):
        t, f, lam = zyz_angles(m)
        u = gate_matrix("u", t, f, lam)
        k = np.unravel_index(int(np.argmax(np.abs(u))), u.shape)
        ph += float(np.angle(m[k] / u[k]))
        us.append((t, f, lam))
    return tuple(us), ph


def _u_op(q: int, ps: tuple[float, ...]) -> Operation:
    return Operation("u", (q,), tuple(E.Const(x) for x in ps))


@dataclass(frozen=True)
class BasisTranslation(Pass):
    """Translate every gate into ``basis`` (a named set or gate names), exactly.

    ``precision`` bounds the operator-norm error of each approximated constant
    1-qubit run for finite bases (``clifford+t``); symbolic rotations there are
    an error (``QL0562``).
    """

    name: ClassVar[str] = "basis-translation"
    ensures: ClassVar[frozenset[str]] = frozenset({IN_BASIS})
    basis: tuple[str, ...] = ("ibm",)
    precision: float = 1e-3

    def __post_init__(self) -> None:
        check_universal(resolve_basis(self.basis))
        if not 0 < self.precision < 1:
            raise pass_error("QL0563", f"precision must be in (0, 1), got {self.precision}")

    def run(self, circuit: Circuit) -> PassResult:
        names = resolve_basis(self.basis)
        uni = check_universal(names)
        allowed = frozenset(names)
        if all(op.name in allowed or not op.is_gate for op in circuit.ops):
            return PassResult(circuit, False)
        ops, phase = _expand_multi(circuit.ops, allowed, uni.entangler)
        ops, phase2 = _symbolic_1q(ops, allowed, uni.symbolic_carrier)
        total = L.PhaseSum(circuit.global_phase)
        total.add(phase)
        total.add(phase2)
        out = replace(circuit, ops=tuple(ops), global_phase=total.result())
        basis_1q = frozenset(g for g in allowed if GATES[g].num_qubits == 1)
        memo_key: tuple[object, ...]
        if uni.exact:
            memo_key = ("synth_1q", basis_1q)

            def synth(m: np.ndarray):  # noqa: ANN202
                return synth_1q(m, basis_1q)
        else:
            from qlang.passes.synthesis.clifford_t import approximate_1q

            memo_key = ("approximate_1q", self.precision)

            def synth(m: np.ndarray):  # noqa: ANN202
                return approximate_1q(m, self.precision)

        out, _ = resynthesize_runs(out, basis_1q, synth, True, memo_key=memo_key)
        out = _conditioned_1q(out, basis_1q, synth)
        bad = sorted({op.name for op in out.ops if op.is_gate and op.name not in allowed})
        if bad:
            raise pass_error(
                "QL0564",
                f"cannot translate `{bad[0]}` into basis `{','.join(names)}`",
                help="choose a basis with a symbolic rotation (e.g. `rz`) or bind the parameters",
            )
        return PassResult(out, True)


def _expand_multi(
    ops: tuple[Operation, ...], allowed: frozenset[str], entangler: str
) -> tuple[list[Operation], E.Expr]:
    out: list[Operation] = []
    phase = L.PhaseSum(E.ZERO)
    stack = list(reversed(ops if "swap" in allowed else orient_swaps(ops)))
    toffolis: dict[tuple[frozenset[int], int], int] = {}
    while stack:
        op = stack.pop()
        if op.name in allowed or not op.is_gate or (len(op.qubits) == 1 and op.name != "mcx"):
            out.append(op)
            continue
        if op.name == "ccx":  # alternate decompositions of Toffolis with the same controls
            key = (frozenset(op.qubits[:2]), op.qubits[2])
            toffolis[key] = toffolis.get(key, 0) + 1
            if toffolis[key] % 2 == 0:
                new, ph = ccx_mirrored(op.qubits, op.params)
                stack.extend(reversed(new))
                continue
        new, ph = _rewrite_multi(op, allowed, entangler)
        if op.condition is not None:  # phase inside a classical branch is unobservable
            new = [replace(n, condition=op.condition) for n in new]
        elif ph != E.ZERO:
            phase.add(ph)
        stack.extend(reversed(new))
    return out, phase.result()


def _rewrite_multi(
    op: Operation, allowed: frozenset[str], entangler: str
) -> tuple[list[Operation], E.Expr]:
    qs = op.qubits
    if op.name == "cx":
        us, ph = _cx_via(entangler)
        params = (ENT_ANGLE[entangler],) if entangler in ENT_ANGLE else ()
        ent = Operation(entangler, qs, tuple(E.Const(p) for p in params))
        return [_u_op(qs[0], us[0]), _u_op(qs[1], us[1]), ent, _u_op(qs[0], us[2]),
                _u_op(qs[1], us[3])], E.Const(ph)  # fmt: skip
    if op.name == "rzz":
        t = op.params[0]
        a, b = qs
        if "rxx" in allowed:
            hs = [Operation("h", (a,)), Operation("h", (b,))]
            return hs + [Operation("rxx", qs, (t,))] + hs, E.ZERO
        if "rzx" in allowed:
            return [Operation("h", (b,)), Operation("rzx", qs, (t,)), Operation("h", (b,))], E.ZERO
        return [Operation("cx", qs), Operation("rz", (b,), (t,)), Operation("cx", qs)], E.ZERO
    rule = RULES.get(op.name)
    if rule is not None:
        return rule(qs, op.params)
    if len(qs) == 2:  # constant 2-qubit gate: optimal CNOT synthesis
        consts = tuple(E.const_value(p) for p in op.params)
        seq, ph = synth_2q(gate_matrix(op.name, *consts), frozenset({"u"}))
        return [Operation(n, tuple(qs[i] for i in q), tuple(E.Const(x) for x in ps))
                for n, q, ps in seq], E.Const(ph)  # fmt: skip
    raise pass_error("QL0564", f"no translation rule for `{op.name}`")  # pragma: no cover


def _symbolic_1q(
    ops: list[Operation], allowed: frozenset[str], carrier: str | None
) -> tuple[list[Operation], E.Expr]:
    out: list[Operation] = []
    phase = L.PhaseSum(E.ZERO)
    stack = list(reversed(ops))
    while stack:
        op = stack.pop()
        if op.name in allowed or not op.is_gate or len(op.qubits) != 1 or not op.is_parameterized:
            out.append(op)
            continue
        if op.name in SYMBOLIC_1Q:
            new, ph = SYMBOLIC_1Q[op.name](op.qubits, op.params)
        elif op.name == "rz" and carrier is not None:
            new, ph = CARRIERS[carrier](op.qubits, op.params)
        else:
            raise pass_error(
                "QL0562",
                f"`{op.name}` with a symbolic angle cannot be expressed in a finite gate set",
                help="use a basis with a continuous rotation (e.g. add `rz`), or bind the "
                "parameters before translating to `clifford+t`",
            )
        if op.condition is not None:
            new = [replace(n, condition=op.condition) for n in new]
        elif ph != E.ZERO:
            phase.add(ph)
        stack.extend(reversed(new))
    return out, phase.result()


def _conditioned_1q(circuit: Circuit, basis: frozenset[str], synth) -> Circuit:  # noqa: ANN001
    """Translate conditioned constant 1-qubit gates one by one (their phase is unobservable)."""
    ops: list[Operation] = []
    changed = False
    for op in circuit.ops:
        if op.is_gate and op.condition is not None and op.name not in basis and len(op.qubits) == 1:
            res = synth(gate_matrix(op.name, *(E.const_value(p) for p in op.params)))
            if res is not None:
                ops.extend(
                    Operation(n, op.qubits, tuple(E.Const(x) for x in ps), condition=op.condition)
                    for n, ps in res[0]
                )
                changed = True
                continue
        ops.append(op)
    return replace(circuit, ops=tuple(ops)) if changed else circuit


@dataclass(frozen=True)
class UnrollMultiQubit(Pass):
    """Rewrite gates on 3 or more qubits (``ccx``, ``cswap``, ``mcx``) into 1- and 2-qubit gates.

    Routing needs every gate on at most two qubits; the result uses ``cx``,
    ``cp`` and 1-qubit gates (Toffolis sharing controls alternate their
    decomposition so that their tails can cancel).
    """

    name: ClassVar[str] = "unroll-multi-qubit"

    def run(self, circuit: Circuit) -> PassResult:
        if all(len(op.qubits) <= 2 or not op.is_gate for op in circuit.ops):
            return PassResult(circuit, False)
        out: list[Operation] = []
        stack = list(reversed(circuit.ops))
        toffolis: dict[tuple[frozenset[int], int], int] = {}
        phase = L.PhaseSum(circuit.global_phase)
        while stack:
            op = stack.pop()
            if not op.is_gate or len(op.qubits) <= 2 and op.name != "mcx":
                out.append(op)
                continue
            if op.name == "ccx":
                key = (frozenset(op.qubits[:2]), op.qubits[2])
                toffolis[key] = toffolis.get(key, 0) + 1
                rule = ccx_mirrored if toffolis[key] % 2 == 0 else RULES["ccx"]
            else:
                rule = RULES[op.name]
            new, ph = rule(op.qubits, op.params)
            if op.condition is not None:
                new = [replace(n, condition=op.condition) for n in new]
            else:
                phase.add(ph)
            stack.extend(reversed(new))
        gp = phase.result() if phase.changed else circuit.global_phase
        return PassResult(replace(circuit, ops=tuple(out), global_phase=gp), True)
