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

from collections.abc import Iterator

from qlang.passes import linear as L
from qlang.passes.commutation import commutes, commutes_mapped, commutes_on_qubit
from qlang.passes.memo import SynthesisMemo, active_synthesis_memo
from qlang.passes.optimization.rules import Fused, combine, may_combine

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.gates import NON_UNITARY

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
    # ops by qubit set: a partner must act on the same qubits, so a gate with no
    # such op nearby skips the (commutation) search entirely
    by_set: dict[tuple[int, ...], list[int]] = {}
    phase = L.PhaseSum(circuit.global_phase)
    changed = False
    memo = active_synthesis_memo()
    for op in circuit.ops:
        qs = op.qubits
        # (the qubit set as a sorted tuple: an op's qubits are distinct, so this groups
        # exactly as the set would, without building one per op)
        nq = len(qs)
        if nq == 1:
            key = qs
        elif nq == 2:
            key = qs if qs[0] < qs[1] else (qs[1], qs[0])
        else:
            key = tuple(sorted(qs))
        near = by_set.get(key)
        if near is not None and op.condition is None and op.name not in NON_UNITARY:
            lowest = -1
            for k in near[-4:]:
                if out[k] is not None:
                    lowest = k
                    break
            if lowest >= 0:
                fused = _try_fuse(op, out, per_q, commute, allowed, only_inverses, lowest, memo)
                if fused is not None:
                    changed = True
                    phase.add(fused)
                    continue
        idx = len(out)
        out.append(op)
        for q in qs:
            per_q[q].append(idx)
        if near is None:
            by_set[key] = [idx]
        else:
            near.append(idx)
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
    lowest: int,
    memo: SynthesisMemo,
) -> E.Expr | None:
    n = len(op.qubits)
    if n == 1:  # (the common case, without the generator: the same walk as _backwards)
        q = op.qubits[0]
        ks = per_q[q]
        name = op.name
        for i in range(len(ks) - 1, max(-1, len(ks) - WINDOW - 1), -1):
            k = ks[i]
            if k < lowest:
                return None
            prev = out[k]
            if prev is None:
                continue
            fused = _fusion(prev, op, 1, allowed, only_inverses, memo)
            if fused is not None:
                out[k] = fused.op
                return fused.phase
            if not commute:
                return None
            # commutes(prev, op) for this unconditioned 1-qubit op on one of prev's qubits
            pq = prev.qubits
            if prev.condition or not commutes_on_qubit(prev.name, len(pq), pq.index(q), name):
                return None
        return None
    if n == 2:  # (likewise: _backwards' merge of the two wires, inline)
        qa, qb = op.qubits
        wa, wb = per_q[qa], per_q[qb]
        i, j = len(wa) - 1, len(wb) - 1
        ia, jb = max(-1, len(wa) - WINDOW - 1), max(-1, len(wb) - WINDOW - 1)
        name = op.name
        while True:
            ka = wa[i] if i > ia and wa[i] >= lowest else -1
            kb = wb[j] if j > jb and wb[j] >= lowest else -1
            if ka < 0 and kb < 0:
                return None
            if ka >= kb:
                k = ka
                i -= 1
                if ka == kb:
                    j -= 1
            else:
                k = kb
                j -= 1
            prev = out[k]
            if prev is None:
                continue
            pq = prev.qubits
            fused = _fusion(prev, op, 2, allowed, only_inverses, memo)
            if fused is not None:
                out[k] = fused.op
                return fused.phase
            if not commute:
                return None
            # commutes(prev, op) for this unconditioned 2-qubit op sharing prev's qubits
            where = tuple(0 if x == qa else 1 if x == qb else -1 for x in pq)
            if prev.condition or not commutes_mapped(prev.name, where, name, 2):
                return None
    for k in _backwards(per_q, op.qubits, lowest):
        prev = out[k]
        if prev is None:
            continue
        fused = _fusion(prev, op, n, allowed, only_inverses, memo)
        if fused is not None:
            out[k] = fused.op
            return fused.phase
        if not commute or not commutes(prev, op):
            return None
    return None


def _fusion(
    prev: Operation,
    op: Operation,
    n: int,
    allowed: frozenset[str],
    only_inverses: bool,
    memo: SynthesisMemo,
) -> Fused | None:
    """``combine(prev, op)`` where the earlier ``prev`` and ``op`` (on ``n`` qubits) may fuse
    here, else None: gates on a different number of qubits never fuse (``combine`` needs the
    same qubits, as a tuple or, for symmetric gates of the same name, as a set), nor
    conditioned or non-unitary ones, nor names that cannot (:func:`may_combine`, checked
    first because it is cheap); ``only_inverses`` keeps only pairs that cancel."""
    if (
        len(prev.qubits) != n
        or prev.condition is not None
        or prev.name in NON_UNITARY
        or not may_combine(prev.name, op.name)
    ):
        return None
    fused = combine_remembered(prev, op, n, allowed, memo)
    if fused is None or (only_inverses and fused.op is not None):
        return None
    return fused


def combine_remembered(
    prev: Operation, op: Operation, n: int, allowed: frozenset[str], memo: SynthesisMemo
) -> Fused | None:
    """``combine(prev, op, allowed)`` for unconditioned gates on ``n`` qubits, kept in the
    run's synthesis memo (table ``"combine"``): the fixed-point rounds and the portfolio's
    candidates ask for the same pairs of angles again and again, and the symbolic ones cost
    linear forms. ``combine`` depends only on the names, the angles, ``allowed`` and how
    the qubits relate (the same tuple, the same pair reversed, or not the same pair); the
    gate it returns is always on ``prev``'s qubits, so a remembered one is moved there.

    Example::

        >>> from qlang.passes.memo import synthesis_memo
        >>> a, b = Operation("rz", (0,), (E.Weight(0),)), Operation("rz", (0,), (E.Weight(1),))
        >>> with synthesis_memo() as memo:
        ...     first = combine_remembered(a, b, 1, frozenset(), memo)
        ...     a3, b3 = Operation("rz", (3,), a.params), Operation("rz", (3,), b.params)
        ...     moved = combine_remembered(a3, b3, 1, frozenset(), memo)  # (remembered)
        >>> E.to_text(first.op.params[0]), moved.op.qubits, moved.op.params is first.op.params
        ('w[0] + w[1]', (3,), True)
    """
    pq = prev.qubits
    if n == 1:
        rel = 0 if pq == op.qubits else 2
    elif n == 2:
        oq = op.qubits
        rel = 0 if pq == oq else 1 if pq[0] == oq[1] and pq[1] == oq[0] else 2
    else:
        return combine(prev, op, allowed)
    key = (prev.name, op.name, rel, prev.params, op.params, allowed)
    hit = memo.get("combine", key)
    if hit is None:
        fused = combine(prev, op, allowed)
        memo.store("combine", key, (fused,))
        return fused
    fused = hit[0]  # type: ignore[index]
    if fused is None or fused.op is None or fused.op.qubits == pq:
        return fused  # type: ignore[no-any-return]
    return Fused(Operation(fused.op.name, pq, fused.op.params), fused.phase)


def _backwards(per_q: list[list[int]], qubits: tuple[int, ...], lowest: int) -> Iterator[int]:
    """The indices ``>= lowest`` among the last ``WINDOW`` ops on each of ``qubits``, each
    once, latest first (lazily: the search usually stops after a few)."""
    if len(qubits) == 1:
        ks = per_q[qubits[0]]
        for i in range(len(ks) - 1, max(-1, len(ks) - WINDOW - 1), -1):
            if ks[i] < lowest:
                return
            yield ks[i]
        return
    if len(qubits) == 2:
        a, b = per_q[qubits[0]], per_q[qubits[1]]
        i, j = len(a) - 1, len(b) - 1
        ia, jb = max(-1, len(a) - WINDOW - 1), max(-1, len(b) - WINDOW - 1)
        while True:
            ka = a[i] if i > ia and a[i] >= lowest else -1
            kb = b[j] if j > jb and b[j] >= lowest else -1
            if ka < 0 and kb < 0:
                return
            if ka >= kb:
                yield ka
                i -= 1
                if ka == kb:
                    j -= 1
            else:
                yield kb
                j -= 1
    cands: set[int] = set()
    for q in qubits:
        cands.update(k for k in per_q[q][-WINDOW:] if k >= lowest)
    yield from sorted(cands, reverse=True)
