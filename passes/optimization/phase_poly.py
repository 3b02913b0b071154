"""Symbolic resynthesis of 2-qubit CNOT+Rz blocks via their phase polynomial.

A circuit made only of ``cx`` and ``rz`` on qubits ``a, b`` maps
``|x_a x_b>`` to ``e^{i f(x)} |L(x)>``: ``L`` is a linear reversible map over
GF(2) and ``f`` gives a (symbolic) angle to each parity ``x_a``, ``x_b``,
``x_a ^ x_b``. Every ``rz(t)`` on a wire holding parity ``p`` contributes
``e^{-it/2} e^{it p(x)}``. So two such circuits with the same ``L`` and the
same angle per parity are equal, global phase included, whatever the
angles: the block can be replaced by the shortest CNOT skeleton
(0-3 CNOTs) that realises ``L`` and passes through every parity that carries
an angle. Numeric KAK (``consolidate-blocks``) cannot do this for blocks
with free parameters, and rotation merging cannot see it either:
``cx a,b; rz b; cx a,b; rz b; cx a,b`` is ``rz b; cx a,b; rz b``.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> w = E.Weight(0)
    >>> c = Circuit(2, (Operation("cx", (0, 1)), Operation("rz", (1,), (w,)),
    ...                 Operation("cx", (0, 1)), Operation("rz", (1,), (-w,)),
    ...                 Operation("cx", (0, 1))), weights=(ParamDecl("w", (1,), 0),))
    >>> [op.name for op in ResynthesizeCnotPhase().run(c).circuit.ops]
    ['rz', 'cx', 'rz']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import product
from typing import ClassVar

from qlang.passes import linear as L
from qlang.passes.base import Pass, PassResult
from qlang.passes.memo import active_synthesis_memo
from qlang.passes.optimization.resynth import collect_blocks, rebuild

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl  # noqa: F401  (doctest)

#: parities as bit masks over (x_a, x_b): 1 = x_a, 2 = x_b, 3 = x_a ^ x_b
Parities = tuple[int, int]
#: one CNOT skeleton: directions (0: cx a,b; 1: cx b,a)
Skeleton = tuple[int, ...]


def _apply(state: Parities, d: int) -> Parities:
    pa, pb = state
    return (pa, pb ^ pa) if d == 0 else (pa ^ pb, pb)


@cache
def _skeletons() -> dict[tuple[Parities, bool], tuple[Skeleton, ...]]:
    """``(final map, visits x_a ^ x_b) -> skeletons`` of the fewest CNOTs, shortest first."""
    table: dict[tuple[Parities, bool], list[Skeleton]] = {}
    for k in range(4):
        for sk in product((0, 1), repeat=k):
            state: Parities = (1, 2)
            seen = False
            for d in sk:
                state = _apply(state, d)
                seen = seen or 3 in state
            for visits in {seen, False}:  # a skeleton visiting the parity also serves "no need"
                best = table.setdefault((state, visits), [])
                if not best or len(best[0]) == k:
                    best.append(sk)
    return {key: tuple(v) for key, v in table.items()}


def _phase_polynomial(
    ops: list[Operation], pair: tuple[int, int]
) -> tuple[Parities, dict[int, list[E.Expr]]]:
    """The block's linear map and its angles per parity."""
    a, b = pair
    state: dict[int, int] = {a: 1, b: 2}
    angles: dict[int, list[E.Expr]] = {1: [], 2: [], 3: []}
    for op in ops:
        if op.name == "cx":
            c, t = op.qubits
            state[t] ^= state[c]
        else:
            angles[state[op.qubits[0]]].append(op.params[0])
    return (state[a], state[b]), angles


def _emit(sk: Skeleton, pair: tuple[int, int], angles: dict[int, E.Expr]) -> list[Operation]:
    """``sk`` with each parity's ``rz`` at the first point a wire holds that parity."""
    a, b = pair
    out: list[Operation] = []
    todo = dict(angles)
    state: Parities = (1, 2)
    for i in range(len(sk) + 1):
        for q, p in ((a, state[0]), (b, state[1])):
            if p in todo:
                out.append(Operation("rz", (q,), (todo.pop(p),)))
        if i < len(sk):
            out.append(Operation("cx", (a, b) if sk[i] == 0 else (b, a)))
            state = _apply(state, sk[i])
    return out


def _is_member(op: Operation) -> bool:
    return op.name in _MEMBERS and op.condition is None  # (both are gates)


_MEMBERS = frozenset({"cx", "rz"})


def resynthesize_block(ops: list[Operation], pair: tuple[int, int]) -> list[Operation] | None:
    """The shortest equal CNOT+Rz circuit for ``ops`` (``cx``/``rz`` on ``pair``), or None
    when it is not shorter (fewer CNOTs, or as many and fewer ``rz``)."""
    final, parts = _phase_polynomial(ops, pair)
    angles: dict[int, E.Expr] = {}
    for p, terms in parts.items():
        if terms:
            total = L.normalize(_sum(terms))
            if not (isinstance(total, E.Const) and total.value == 0.0):
                angles[p] = total
    sk = _skeletons()[(final, 3 in angles)][0]
    n_cx = sum(op.name == "cx" for op in ops)
    if (len(sk), len(angles)) >= (n_cx, len(ops) - n_cx):
        return None
    return _emit(sk, pair, angles)


def _sum(terms: list[E.Expr]) -> E.Expr:
    total = terms[0]
    for t in terms[1:]:
        total = E.add(total, t)
    return total


@dataclass(frozen=True)
class ResynthesizeCnotPhase(Pass):
    """Replace each maximal ``cx``/``rz`` block on a qubit pair by its shortest form.

    Works on symbolic angles (the block's phase polynomial, see the module
    docstring); emits only ``cx`` and ``rz``, so it keeps any basis that has
    them, and a circuit without such blocks is returned unchanged.
    """

    name: ClassVar[str] = "resynthesize-cnot-phase"

    def run(self, circuit: Circuit) -> PassResult:
        plan: dict[int, list[Operation]] = {}
        drop: set[int] = set()
        memo = active_synthesis_memo()
        all_ops = circuit.ops
        for pair, idx in collect_blocks(circuit, _is_member):
            ops = [all_ops[i] for i in idx]
            if sum(op.name == "cx" for op in ops) < 2:
                continue  # 0 or 1 CNOT: only rotation merging could help, a different pass
            # The consolidation loop asks again about the blocks it did not change, and the
            # portfolio's candidates share many: remembered by the identity of the block's
            # operations (the entry holds them, so no other object can take their ids).
            key = (pair, tuple(map(id, ops)))
            hit = memo.get("cnot_phase", key)
            if hit is not None:
                new = hit[1]  # type: ignore[index]
            else:
                new = resynthesize_block(ops, pair)
                memo.store("cnot_phase", key, (ops, new))
            if new is None:
                continue
            plan[idx[-1]] = new
            drop.update(idx[:-1])
        if not plan:
            return PassResult(circuit, False)
        return PassResult(rebuild(circuit, plan, drop, L.PhaseSum(circuit.global_phase)), True)


__all__ = ["ResynthesizeCnotPhase", "resynthesize_block"]
