"""Small rewrites around routing: 2-qubit cost, swap merging, trailing swaps, 3q lowering.

``merge_swaps`` fuses a 2-qubit term with a swap on the same pair when nothing else
touches the pair in between: ``rzz(t) a,b; swap a,b`` becomes ``cx a,b; rz(t) b; cx b,a;
cx a,b`` (3 CNOTs instead of 5) and ``cx a,b; swap a,b`` becomes ``cx b,a; cx a,b``.
``drop_trailing_swaps`` removes swaps followed only by 1-qubit work on their wires and
folds them into the final layout.

Example::

    >>> from qlang.ir.circuit import Operation
    >>> from qlang.ir.expr import Weight
    >>> ops = [Operation("rzz", (0, 1), (Weight(0),)), Operation("swap", (0, 1))]
    >>> new, _ = merge_swaps(ops)
    >>> [o.name for o in new], cx_cost(ops), cx_cost(new)
    (['cx', 'rz', 'cx', 'cx'], 5, 3)
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence

from qlang.ir import expr as E
from qlang.ir.circuit import Operation

#: CNOT count of each 2-qubit gate after translation to a CNOT basis.
CX_COST: dict[str, int] = {
    "cx": 1, "cz": 1, "cy": 1, "ch": 1, "ecr": 1, "swap": 3, "iswap": 2,
    "crx": 2, "cry": 2, "crz": 2, "cp": 2, "rxx": 2, "ryy": 2, "rzz": 2, "rzx": 2,
}  # fmt: skip
MERGEABLE = frozenset({"rzz", "cz", "cp", "crz", "cx"})


def cx_cost(ops: Sequence[Operation]) -> int:
    """CNOT-equivalent count of the 2-qubit gates (3q gates must be lowered first)."""
    return sum(CX_COST.get(op.name, 2) for op in ops if op.is_gate and len(op.qubits) == 2)


#: ``finish_codes`` kinds: the swap-fusion class of each 2-qubit gate (others: 6)
_FUSE_KIND = {"cx": 1, "rzz": 2, "crz": 3, "cp": 4, "cz": 4, "swap": 5}


def finish_codes(ops: Sequence[Operation]) -> array | None:
    """Per op ``kind << 4 | CNOT cost``, what the compiled ``trace_key`` needs to score a
    route exactly like :func:`.engine.finish`; ``kind`` 0 is a 1-qubit op, 1-5 are ``cx``,
    ``rzz``, ``crz``, ``cp``/``cz`` and ``swap`` (their fused forms differ), 6 any other
    2-qubit gate. None when an op is outside what the kernel models (conditions, clbits,
    barriers, ops on 3+ qubits or 2-qubit non-gates).

    Example::

        >>> list(finish_codes([Operation("rzz", (0, 1), (E.Weight(0),)), Operation("h", (0,))]))
        [34, 0]
    """
    out = array("i")
    for op in ops:
        nq = len(op.qubits)
        if op.condition is not None or op.clbits or op.name == "barrier" or not 1 <= nq <= 2:
            return None
        if nq == 1:
            out.append(0)
        elif not op.is_gate:
            return None
        else:
            out.append(_FUSE_KIND.get(op.name, 6) << 4 | CX_COST.get(op.name, 2))
    return out


def consolidated_cost(ops: Sequence[Operation]) -> int:
    """CNOT estimate after 2-qubit block consolidation: each maximal run of gates on one
    pair (1-qubit gates in between allowed) costs at most 3 CNOTs (KAK)."""
    total = 0
    block_of: dict[int, int] = {}  # qubit -> id of the open block on it
    blocks: list[int] = []  # cost of each block so far
    pair_of: list[tuple[int, int]] = []
    for op in ops:
        if not op.is_gate or op.condition is not None or len(op.qubits) > 2:
            for q in op.qubits:
                block_of.pop(q, None)
            continue
        if len(op.qubits) == 1:
            continue
        a, b = op.qubits
        key = (min(a, b), max(a, b))
        j = block_of.get(a)
        cost = CX_COST.get(op.name, 2)
        if j is not None and block_of.get(b) == j and pair_of[j] == key:
            blocks[j] += cost
            continue
        block_of[a] = block_of[b] = len(blocks)
        blocks.append(cost)
        pair_of.append(key)
    total = sum(min(c, 3) for c in blocks)
    return total


def _diag_as_rzz(op: Operation) -> tuple[list[Operation], E.Expr, E.Expr]:
    """Write a diagonal 2q gate as ``1q diagonals + rzz(angle)`` and a global phase."""
    a, b = op.qubits
    if op.name == "rzz":
        return [], op.params[0], E.ZERO
    if op.name == "crz":  # crz(t) c,t = rz(t/2) t . rzz(-t/2)
        t = op.params[0]
        return [Operation("rz", (b,), (t / 2,))], -(t / 2), E.ZERO
    lam = E.Const(math.pi) if op.name == "cz" else op.params[0]
    # cp(l) = e^{il/4} rz(l/2) a . rz(l/2) b . rzz(-l/2)
    pre = [Operation("rz", (a,), (lam / 2,)), Operation("rz", (b,), (lam / 2,))]
    return pre, -(lam / 2), lam / 4


def gate_then_swap(op: Operation) -> tuple[list[Operation], E.Expr]:
    """``op`` followed by a swap on its pair, as few CNOTs, plus the global phase added."""
    a, b = op.qubits
    if op.name == "cx":
        return [Operation("cx", (b, a)), Operation("cx", (a, b))], E.ZERO
    pre, angle, phase = _diag_as_rzz(op)
    core = [
        Operation("cx", (a, b)),
        Operation("rz", (b,), (angle,)),
        Operation("cx", (b, a)),
        Operation("cx", (a, b)),
    ]
    return pre + core, phase


def merge_swaps(ops: Sequence[Operation]) -> tuple[list[Operation], E.Expr]:
    """Fuse each swap with a mergeable gate on the same pair adjacent to it on both wires."""
    out: list[Operation | None] = []
    last: dict[int, int] = {}
    phase: E.Expr = E.ZERO
    merged: set[int] = set()
    for op in ops:
        qs = op.qubits
        if op.name == "swap" and op.condition is None:
            a, b = qs
            j = last.get(a)
            prev = out[j] if j is not None else None
            if (
                j is not None
                and last.get(b) == j
                and j not in merged
                and prev is not None
                and prev.name in MERGEABLE
                and prev.condition is None
            ):
                seq, ph = gate_then_swap(prev)
                out[j] = None
                phase = phase + ph
                start = len(out)
                out.extend(seq)
                merged.update(range(start, len(out)))
                for q in (a, b):
                    last[q] = len(out) - 1
                continue
        if len(qs) == 2 and op.name in MERGEABLE and op.condition is None:
            j = last.get(qs[0])
            prev = out[j] if j is not None else None
            if (
                j is not None
                and last.get(qs[1]) == j
                and prev is not None
                and prev.name == "swap"
                and prev.condition is None
                and j not in merged
            ):
                # swap then G(a, b) == G(b, a) then swap
                flipped = Operation(op.name, (qs[1], qs[0]), op.params)
                seq, ph = gate_then_swap(flipped)
                out[j] = None
                phase = phase + ph
                start = len(out)
                out.extend(seq)
                merged.update(range(start, len(out)))
                for q in qs:
                    last[q] = len(out) - 1
                continue
        out.append(op)
        for q in qs:
            last[q] = len(out) - 1
    return [o for o in out if o is not None], phase


def drop_trailing_swaps(
    ops: Sequence[Operation], final: list[int]
) -> tuple[list[Operation], list[int]]:
    """Remove swaps with only 1-qubit ops after them on their wires.

    ``final[w]`` is the physical qubit holding wire ``w``; it is updated, and the later
    1-qubit ops are relabelled.
    """
    ops = list(ops)
    final = list(final)
    multi_after: set[int] = set()  # physical qubits with a multi-qubit op later on
    keep = [True] * len(ops)
    for i in range(len(ops) - 1, -1, -1):
        op = ops[i]
        if op.name == "swap" and op.condition is None and not (set(op.qubits) & multi_after):
            keep[i] = False
            a, b = op.qubits
            # later ops on a (after the swap) now run on b and vice versa
            for j in range(i + 1, len(ops)):
                if keep[j] and any(q in (a, b) for q in ops[j].qubits):
                    ops[j] = _swap_labels(ops[j], a, b)
            for w, p in enumerate(final):
                if p == a:
                    final[w] = b
                elif p == b:
                    final[w] = a
            continue
        if len(op.qubits) > 1:
            multi_after.update(op.qubits)
    return [op for op, k in zip(ops, keep, strict=False) if k], final


def _swap_labels(op: Operation, a: int, b: int) -> Operation:
    qs = tuple(b if q == a else a if q == b else q for q in op.qubits)
    return Operation(op.name, qs, op.params, op.clbits, op.condition, op.span)
