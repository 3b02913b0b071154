"""The shared engine of cancellation and merging passes.

Operations are appended one by one; each new gate looks backwards on its
qubits for a partner it can fuse with (:func:`rules.combine`). With
``commute=True`` the search walks through gates it provably commutes with
(:mod:`qlang.passes.commutation`), so ``cx a,b; rz a; cx a,b`` cancels the CNOTs.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(2, (Operation("cx", (0, 1)), Operation("rz", (0,), (E.Const(0.3),)),
    ...                 Operation("cx", (0, 1))))
    >>> [op.name for op in peephole(c, commute=True)[0].ops]
    ['rz']
"""

from __future__ import annotations

from qlang.passes import linear as L
from qlang.passes.commutation import commutes
from qlang.passes.optimization.rules import combine

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation

WINDOW = 48


def peephole(
    circuit: Circuit,
    *,
    commute: bool,
    allowed: frozenset[str] = frozenset(),
    only_inverses: bool = False,
) -> tuple[Circuit, bool]:
    """Fuse gate pairs; returns ``(circuit, changed)`` (the input object when unchanged)."""
    out: list[Operation | None] = []
    per_q: list[list[int]] = [[] for _ in range(circuit.num_qubits)]
    phase = L.PhaseSum(circuit.global_phase)
    changed = False
    for op in circuit.ops:
        if op.is_gate and op.condition is None:
            fused = _try_fuse(op, out, per_q, commute, allowed, only_inverses)
            if fused is not None:
                changed = True
                phase.add(fused)
                continue
        idx = len(out)
        out.append(op)
        for q in op.qubits:
            per_q[q].append(idx)
    if not changed:
        return circuit, False
    ops = [op for op in out if op is not None]
    return Circuit(
        circuit.num_qubits, tuple(ops), circuit.num_clbits, circuit.inputs, circuit.weights,
        phase.result() if phase.changed else circuit.global_phase, circuit.layout,
        circuit.name, circuit.span,
    ), True  # fmt: skip


def _try_fuse(
    op: Operation,
    out: list[Operation | None],
    per_q: list[list[int]],
    commute: bool,
    allowed: frozenset[str],
    only_inverses: bool,
) -> E.Expr | None:
    cands: set[int] = set()
    for q in op.qubits:
        cands.update(per_q[q][-WINDOW:])
    for k in sorted(cands, reverse=True):
        prev = out[k]
        if prev is None:
            continue
        if prev.is_gate and prev.condition is None:
            fused = combine(prev, op, allowed)
            if fused is not None and (not only_inverses or fused.op is None):
                out[k] = fused.op
                return fused.phase
        if not commute or not commutes(prev, op):
            return None
    return None
