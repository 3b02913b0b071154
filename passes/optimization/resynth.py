"""Resynthesis of runs of constant gates: 1-qubit runs and 2-qubit blocks (KAK).

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(1, (Operation("h", (0,)), Operation("s", (0,)), Operation("h", (0,))))
    >>> [op.name for op in ResynthesizeOneQubit(basis=("rz", "sx")).run(c).circuit.ops]  # = sx
    ['sx']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
from qlang.passes import linear as L
from qlang.passes.base import IN_BASIS, Pass, PassResult
from qlang.passes.memo import active_synthesis_memo
from qlang.passes.synthesis.one_qubit import synth_1q
from qlang.passes.synthesis.two_qubit import (
    cnot_count,
    cnot_count_of,
    seq_unitary,
    synth_2q,
    weyl_coordinates,
)

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.gates import GATES, NON_UNITARY, gate_matrix

DEFAULT_1Q = ("u",)


def _const_params(op: Operation) -> tuple[float, ...]:
    return tuple(p.value if type(p) is E.Const else E.const_value(p) for p in op.params)  # type: ignore[attr-defined]


def _is_const_gate(op: Operation) -> bool:
    """A unitary, unconditioned gate (not ``mcx``) whose angles are all constant (the
    consolidation loop asks this of every operation, every round: plain constants and
    plain symbols are told apart without walking an expression)."""
    if op.condition is not None or op.name in NON_UNITARY or op.name == "mcx":
        return False
    for p in op.params:
        t = type(p)
        if t is E.Const:
            continue
        if t is E.Input or t is E.Weight or not E.is_constant(p):
            return False
    return True


def _basis_1q(basis: tuple[str, ...]) -> frozenset[str]:
    from qlang.passes.basis.sets import resolve_basis

    names = frozenset(resolve_basis(basis)) if basis else frozenset(DEFAULT_1Q)
    return frozenset(n for n in names if n in GATES and GATES[n].num_qubits == 1)


def rebuild(
    circuit: Circuit, plan: dict[int, list[Operation]], drop: set[int], phase: L.PhaseSum
) -> Circuit:
    ops: list[Operation] = []
    for i, op in enumerate(circuit.ops):
        if i in plan:
            ops.extend(plan[i])
        elif i not in drop:
            ops.append(op)
    gp = phase.result() if phase.changed else circuit.global_phase
    return replace(circuit, ops=tuple(ops), global_phase=gp)


@dataclass(frozen=True)
class ResynthesizeOneQubit(Pass):
    """Replace each run of constant 1-qubit gates by its shortest exact form in ``basis``.

    A run is replaced when the result is shorter or the run uses gates outside
    the basis. Empty ``basis``: resynthesise into a single ``u``.
    """

    name: ClassVar[str] = "resynthesize-1q"
    basis: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _basis_1q(self.basis)  # unknown gate names: QL0560 when the pipeline is built

    @property
    def invalidates(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset() if self.basis else frozenset({IN_BASIS})

    def run(self, circuit: Circuit) -> PassResult:
        basis = _basis_1q(self.basis)
        out, changed = resynthesize_runs(
            circuit, basis, lambda m: synth_1q(m, basis), False, memo_key=("synth_1q", basis)
        )
        return PassResult(out, changed)


Synth = Callable[[np.ndarray], "tuple[list[tuple[str, tuple[float, ...]]], float] | None"]


def resynthesize_runs(
    circuit: Circuit,
    basis: frozenset[str],
    synth: Synth,
    force_outside: bool,
    *,
    memo_key: object = None,
) -> tuple[Circuit, bool]:
    """Resynthesise maximal constant 1-qubit runs with ``synth``.

    A run is replaced when shorter, or when it uses gates outside ``basis``
    (with ``force_outside`` even if the result is longer). ``memo_key``, when given, names
    ``synth`` (equal keys: the same function): its results are then kept in the run's
    synthesis memo (:mod:`.memo`) for later calls; without it, only within this call.
    """
    runs: dict[int, list[int]] = {}
    done: list[list[int]] = []
    runs_pop = runs.pop
    for i, op in enumerate(circuit.ops):
        qs = op.qubits
        if len(qs) == 1 and _is_const_gate(op):
            r = runs.get(qs[0])
            if r is None:
                runs[qs[0]] = [i]
            else:
                r.append(i)
            continue
        for q in qs:
            r = runs_pop(q, None)
            if r is not None:
                done.append(r)
    done.extend(runs.values())
    plan: dict[int, list[Operation]] = {}
    drop: set[int] = set()
    phase = L.PhaseSum(circuit.global_phase)
    memo: dict[tuple, Any] = {}
    shared = None if memo_key is None else active_synthesis_memo()
    all_ops = circuit.ops
    for run in done:
        if len(run) == 1 and all_ops[run[0]].name in basis:
            continue  # a single gate of the basis: nothing to shorten
        ops = [all_ops[i] for i in run]
        outside = any(op.name not in basis for op in ops)
        key = tuple((op.name, _const_params(op)) for op in ops)
        if key in memo:
            res = memo[key]
        elif shared is not None:
            res = memo[key] = shared.lookup(
                "1q", (memo_key, key), lambda key=key: synth(_run_matrix(key))
            )
        else:
            res = memo[key] = synth(_run_matrix(key))
        if res is None:
            continue
        seq, ph = res
        if not (outside and force_outside):
            if len(seq) > len(ops) or (len(seq) == len(ops) and not outside):
                continue
        q = ops[0].qubits[0]
        plan[run[0]] = [Operation(n, (q,), tuple(E.Const(x) for x in ps)) for n, ps in seq]
        drop.update(run[1:])
        if abs(ph) > 1e-12:
            phase.add(E.Const(ph))
    if not plan:
        return circuit, False
    return rebuild(circuit, plan, drop, phase), True


def _run_matrix(run: tuple[tuple[str, tuple[float, ...]], ...]) -> np.ndarray:
    """The 2x2 unitary of a 1-qubit run ``(name, constant params)``, first gate first."""
    m = np.eye(2, dtype=complex)
    for name, ps in run:
        m = gate_matrix(name, *ps) @ m
    return m


@dataclass(frozen=True)
class ConsolidateBlocks(Pass):
    """Collect maximal blocks of constant gates on a qubit pair and resynthesise them.

    Each block's 4x4 unitary is decomposed with KAK into the minimum number of
    CNOTs (0-3); the block is replaced when that lowers the 2-qubit count (or
    the total count at equal 2-qubit count). Local gates use ``basis``.
    """

    name: ClassVar[str] = "consolidate-blocks"
    invalidates: ClassVar[frozenset[str]] = frozenset({IN_BASIS})
    basis: tuple[str, ...] = ()
    #: also try ``block = swap . V`` with a cheaper ``V`` (emits ``V; swap`` for `elide-swaps`)
    allow_swaps: bool = False

    def __post_init__(self) -> None:
        from qlang.passes.errors import pass_error
        from qlang.passes.synthesis.one_qubit import can_synthesize_exactly

        if not can_synthesize_exactly(_basis_1q(self.basis)):
            raise pass_error(
                "QL0561",
                f"`consolidate-blocks` needs 1-qubit gates that express any rotation exactly, "
                f"not `{','.join(self.basis)}`",
                help="give e.g. `basis=rz:sx:x`, or run it before translating to `clifford+t`",
            )

    def run(self, circuit: Circuit) -> PassResult:
        basis = _basis_1q(self.basis)
        blocks = collect_blocks(circuit, _is_const_gate)
        plan: dict[int, list[Operation]] = {}
        drop: set[int] = set()
        phase = L.PhaseSum(circuit.global_phase)
        memo = active_synthesis_memo()
        all_ops = circuit.ops
        allow_swaps = self.allow_swaps
        for pair, idx in blocks:
            ops = [all_ops[i] for i in idx]
            n2 = 0
            for op in ops:
                if len(op.qubits) == 2:
                    n2 += _CNOT_COST.get(op.name, 1)
            if n2 == 0:
                continue
            if n2 == 1 and ops_2q_perfect(ops):
                continue  # one CNOT-class gate cannot get cheaper
            p0 = pair[0]
            seq = tuple(
                (op.name, _local(op.qubits, p0), _const_params(op)) for op in ops
            )
            key = (seq, basis, allow_swaps)
            found = memo.lookup(
                "2q", key, lambda s=seq, n=n2: _consolidated_ops(s, n, basis, allow_swaps)
            )
            if found is None:
                continue
            new, ph = found
            plan[idx[-1]] = [
                Operation(n, (pair[qs[0]],) if len(qs) == 1 else (pair[qs[0]], pair[qs[1]]), ps)
                for n, qs, ps in new
            ]
            drop.update(idx[:-1])
            if abs(ph) > 1e-12:
                phase.add(E.Const(ph))
        if not plan:
            return PassResult(circuit, False)
        return PassResult(rebuild(circuit, plan, drop, phase), True)


_Q0, _Q1, _Q01, _Q10 = (0,), (1,), (0, 1), (1, 0)


def _local(qubits: tuple[int, ...], p0: int) -> tuple[int, ...]:
    """A block op's qubits on the block's local qubits (``p0``, the pair's first, is 0)."""
    if len(qubits) == 1:
        return _Q0 if qubits[0] == p0 else _Q1
    return _Q01 if qubits[0] == p0 else _Q10


def _consolidated_ops(
    seq: tuple[tuple[str, tuple[int, ...], tuple[float, ...]], ...],
    n2: int,
    basis: frozenset[str],
    allow_swaps: bool,
) -> tuple[list[tuple[str, tuple[int, ...], tuple[E.Expr, ...]]], float] | None:
    """:func:`_consolidated` with each angle as a constant expression (built once per
    distinct block, not once per occurrence)."""
    found = _consolidated(seq, n2, basis, allow_swaps)
    if found is None:
        return None
    new, ph = found
    return [(n, qs, tuple(E.Const(x) for x in ps)) for n, qs, ps in new], ph


def _consolidated(
    seq: tuple[tuple[str, tuple[int, ...], tuple[float, ...]], ...],
    n2: int,
    basis: frozenset[str],
    allow_swaps: bool,
) -> tuple[list[tuple[str, tuple[int, ...], tuple[float, ...]]], float] | None:
    """The replacement of the block ``seq`` (on local qubits 0, 1) and its global phase,
    or None when KAK needs no fewer than its ``n2`` CNOTs (with ``allow_swaps``: also
    ``block = swap . V`` with a cheaper ``V``, emitted as ``V; swap``)."""
    u = seq_unitary(list(seq))
    try:
        coords = weyl_coordinates(np.asarray(u, dtype=complex))
        k = cnot_count_of(coords)  # cnot_count(u)
        k_swap = cnot_count(_SWAP @ u) if allow_swaps else 4
        if min(k, k_swap) >= n2:
            return None
        if k <= k_swap:
            new, ph = synth_2q(u, basis, coords=coords)
        else:  # block = swap . V with a cheaper V: emit V, then a swap to elide
            new, ph = synth_2q(_SWAP @ u, basis)
            new = new + [("swap", (0, 1), ())]
    except ArithmeticError:
        return None
    return new, ph


_SWAP = gate_matrix("swap")
_PERFECT = frozenset({"cx", "cz", "cy", "ch", "ecr"})
#: CNOTs needed by a generic instance of each 2-qubit gate (default 1)
_CNOT_COST = {"swap": 3, "iswap": 2, "rzz": 2, "rxx": 2, "ryy": 2, "rzx": 2, "crz": 2, "cp": 2,
              "crx": 2, "cry": 2}  # fmt: skip


def ops_2q_perfect(ops: list[Operation]) -> bool:
    """Whether the single 2-qubit gate of ``ops`` is CNOT-equivalent."""
    return all(op.name in _PERFECT for op in ops if len(op.qubits) == 2)


def collect_blocks(
    circuit: Circuit, member: Callable[[Operation], bool]
) -> list[tuple[tuple[int, int], list[int]]]:
    """Maximal blocks of 1- and 2-qubit ``member`` ops: ``(pair, op indices)``; a block's
    ops are contiguous on its pair, so it may be re-emitted at its last index."""
    owner: dict[int, int] = {}  # qubit -> open block id
    pending: dict[int, list[int]] = {}  # qubit -> constant 1q ops not yet in a block
    blocks: list[tuple[tuple[int, int], list[int]]] = []
    owner_get, owner_pop, pending_pop = owner.get, owner.pop, pending.pop

    for i, op in enumerate(circuit.ops):
        qs = op.qubits
        n = len(qs)
        if n == 1 and member(op):
            q = qs[0]
            b = owner_get(q)
            if b is not None:
                blocks[b][1].append(i)
            else:
                run = pending.get(q)
                if run is None:
                    pending[q] = [i]
                else:
                    run.append(i)
            continue
        opens = n == 2 and member(op)  # a 2-qubit member not in its pair's open block
        if opens:
            qa, qb = qs
            oa = owner_get(qa)
            if oa is not None and owner_get(qb) == oa:
                blocks[oa][1].append(i)
                continue
            pre = sorted(pending.get(qa, []) + pending.get(qb, []))
        for q in qs:  # close the blocks and runs of the op's qubits
            ob = owner_pop(q, None)
            if ob is not None:
                for other in blocks[ob][0]:
                    if owner_get(other) == ob:
                        del owner[other]
            pending_pop(q, None)
        if opens:  # ... and open the pair's block with the op and their pending runs
            blocks.append(((qa, qb), pre + [i]))
            owner[qa] = owner[qb] = len(blocks) - 1
    return blocks
