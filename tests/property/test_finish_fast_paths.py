"""The finishing loop's fast paths give exactly what the general code gives.

-O3's finishing loop (merge-rotations, consolidate-blocks, 2-qubit synthesis,
resynthesize-cnot-phase) has shortcuts that skip work whose answer is known: pairs of
gates that cannot fuse by name (``may_combine``), commutation decided by names and
qubit positions (``commutes_on_qubit``, ``commutes_mapped``), the merge loop's inline
walk of a gate's partners, a leaner ``collect_blocks``, a 2-qubit synthesis that stops
emitting a local solution once it cannot win. Each is checked here against the general
code (or the previous implementation, kept below as the reference) on random inputs:
the same answers, bit for bit.
"""

from __future__ import annotations

import cmath
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qlang.passes.commutation import commutes, commutes_mapped, commutes_on_qubit
from qlang.passes.memo import synthesis_memo
from qlang.passes.optimization import peephole as peephole_mod
from qlang.passes.optimization.peephole import _backwards, peephole
from qlang.passes.optimization.resynth import _is_const_gate, collect_blocks
from qlang.passes.optimization.rules import combine, may_combine
from qlang.passes.synthesis import two_qubit as T
from qlang.passes.synthesis.one_qubit import phase_between

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.gates import GATES, NON_UNITARY, gate_matrix, inverse_of
from tests.property.test_passes_equivalence import angles, circuits

NAMES = sorted(n for n, gd in GATES.items() if gd.num_qubits in (1, 2))


def _probe(name: str, qubits: tuple[int, ...], params: tuple[E.Expr, ...]) -> Operation:
    k = GATES[name].num_params
    return Operation(name, qubits, (tuple(params) + (E.Weight(0),) * k)[:k])


@pytest.mark.parametrize("first", NAMES)
def test_may_combine_is_false_only_when_combine_never_fuses(first):
    """For every pair of gate names, on the same qubits (both orders), with the angles
    that fuse most (the inverse's, equal ones, zero, opposite constants): whenever
    ``combine`` fuses, ``may_combine`` says it may."""
    w, x = E.Weight(0), E.Input(1)
    for second in NAMES:
        if GATES[first].num_qubits != GATES[second].num_qubits:
            continue
        qs = (0,) if GATES[first].num_qubits == 1 else (0, 1)
        for ps in ((w,), (E.Const(0.3),), (E.ZERO,), (x - w,)):
            prev = _probe(first, qs, ps * 3)
            try:
                _, inv = inverse_of(prev.name, prev.params)
            except ValueError:
                inv = prev.params
            for qs2 in {qs, qs[::-1]}:
                for ps2 in (tuple(inv), prev.params, (-w,) * 3, (E.Const(-0.3),) * 3):
                    op = _probe(second, qs2, ps2)
                    for allowed in (frozenset(), frozenset({"rz", "sx", "x", "cx"})):
                        if combine(prev, op, allowed) is not None:
                            assert may_combine(first, second), (prev, op)


def test_may_combine_rules_out_the_common_non_pairs():
    # the pairs the finishing loop meets most (sx/rz neighbours): no inverse, other axes
    assert not may_combine("sx", "rz") and not may_combine("rz", "sx")
    assert not may_combine("cx", "rzz") and not may_combine("s", "t")
    assert may_combine("rz", "s") and may_combine("sx", "sxdg") and may_combine("cx", "cx")


@st.composite
def op_pairs(draw: st.DrawFn) -> tuple[Operation, Operation]:
    """Two unconditioned ops sharing at least one qubit (barriers included)."""
    names = NAMES + ["barrier", "ccx"]

    def one() -> Operation:
        name = draw(st.sampled_from(names))
        k = 2 if name == "barrier" else GATES[name].num_qubits
        qs = tuple(draw(st.permutations(range(3)))[:k])
        nparams = 0 if name == "barrier" else GATES[name].num_params
        return Operation(name, qs, tuple(draw(angles()) for _ in range(nparams)))

    a, b = one(), one()
    if not set(a.qubits) & set(b.qubits):
        b = Operation(b.name, (a.qubits[0],) + b.qubits[1:], b.params)
        if len(set(b.qubits)) != len(b.qubits):
            b = Operation(b.name, tuple(dict.fromkeys(b.qubits + (0, 1, 2)))[: len(b.qubits)],
                          b.params)  # fmt: skip
    return a, b


@settings(max_examples=600, deadline=None)
@given(op_pairs())
def test_commutation_by_names_equals_commutes(pair):
    a, b = pair
    if not set(a.qubits) & set(b.qubits):
        return
    where = tuple(b.qubits.index(q) if q in b.qubits else -1 for q in a.qubits)
    assert commutes_mapped(a.name, where, b.name, len(b.qubits)) == commutes(a, b)
    if len(b.qubits) == 1 and b.name not in NON_UNITARY:
        pos = a.qubits.index(b.qubits[0])
        assert commutes_on_qubit(a.name, len(a.qubits), pos, b.name) == commutes(a, b)


def _try_fuse_reference(op, out, per_q, commute, allowed, only_inverses, lowest):  # noqa: ANN001, ANN202
    """The merge loop's partner search before its inline walks (the general code)."""
    n = len(op.qubits)
    for k in _backwards(per_q, op.qubits, lowest):
        prev = out[k]
        if prev is None:
            continue
        if len(prev.qubits) == n and prev.condition is None and prev.name not in NON_UNITARY:
            fused = combine(prev, op, allowed)
            if fused is not None and (not only_inverses or fused.op is None):
                out[k] = fused.op
                return fused.phase
        if not commute or not commutes(prev, op):
            return None
    return None


@settings(max_examples=300, deadline=None)
@given(circuits(max_ops=30), st.booleans(), st.booleans(), st.booleans())
def test_merge_loop_equals_the_general_search(circuit, commute, only_inverses, in_basis):
    allowed = frozenset({"rz", "sx", "x", "cx"}) if in_basis else frozenset()
    fast = peephole(circuit, commute=commute, allowed=allowed, only_inverses=only_inverses)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(peephole_mod, "_try_fuse", _try_fuse_reference)
        slow = peephole(circuit, commute=commute, allowed=allowed, only_inverses=only_inverses)
    assert fast[1] == slow[1]
    assert fast[0].ops == slow[0].ops
    assert repr(fast[0].global_phase) == repr(slow[0].global_phase)


def _collect_blocks_reference(circuit, member):  # noqa: ANN001, ANN202
    """``collect_blocks`` as it was before the fast version (the reference)."""
    owner: dict[int, int] = {}
    pending: dict[int, list[int]] = {}
    blocks: list[tuple[tuple[int, int], list[int]]] = []

    def close(q: int) -> None:
        b = owner.pop(q, None)
        if b is not None:
            for other in blocks[b][0]:
                if owner.get(other) == b:
                    del owner[other]
        pending.pop(q, None)

    for i, op in enumerate(circuit.ops):
        qs = op.qubits
        if len(qs) == 1 and member(op):
            q = qs[0]
            if q in owner:
                blocks[owner[q]][1].append(i)
            else:
                pending.setdefault(q, []).append(i)
            continue
        if len(qs) == 2 and member(op):
            a, b = qs
            if a in owner and owner.get(b) == owner[a]:
                blocks[owner[a]][1].append(i)
                continue
            pre = sorted(pending.get(a, []) + pending.get(b, []))
            close(a)
            close(b)
            blocks.append(((a, b), pre + [i]))
            owner[a] = owner[b] = len(blocks) - 1
            continue
        for q in qs:
            close(q)
    return blocks


@settings(max_examples=300, deadline=None)
@given(circuits(max_ops=40))
def test_collect_blocks_equals_the_reference(circuit):
    for member in (_is_const_gate, lambda op: op.name in ("cx", "rz") and not op.condition):
        assert collect_blocks(circuit, member) == _collect_blocks_reference(circuit, member)


def _synth_2q_reference(u, basis_1q):  # noqa: ANN001, ANN202
    """``synth_2q`` emitting every local solution in full (before the early stop)."""
    u = np.asarray(u, dtype=complex)
    coords = T.weyl_coordinates(u)
    k = T.cnot_count(u)
    a, b, c = coords
    best = None
    for kk, cc in [(kk, coords) for kk in range(k, 4)] + [(3, (a, b, -c))]:
        for core_seq in T._cores(kk, cc):
            core = T.seq_unitary(core_seq)
            ph0 = phase_between(u, core)
            if ph0 is not None:
                return list(core_seq), ph0
            sols = itertools.chain.from_iterable(
                T.local_equivalences(u, core, limit=T.LOCAL_CANDIDATES, seed=sd)
                for sd in T.SEEDS
            )
            for l0, l1, r0, r1, phase in sols:
                seq: list = []
                for mat, q in ((r0, 0), (r1, 1)):
                    phase += T._emit_1q(mat, q, basis_1q, seq)
                seq.extend(core_seq)
                for mat, q in ((l0, 0), (l1, 1)):
                    phase += T._emit_1q(mat, q, basis_1q, seq)
                if best is None or len(seq) < len(best[0]):
                    best = (seq, phase)
        if best is not None:
            return best
    raise ArithmeticError


def _random_block(rng: np.random.Generator, kind: int) -> np.ndarray:
    """A local (kind 0), CNOT-class (1), 2-CNOT (2) or generic (3) 2-qubit unitary."""

    def local() -> np.ndarray:
        return np.kron(gate_matrix("u", *rng.uniform(-4, 4, 3)), gate_matrix("u", *rng.uniform(-4, 4, 3)))

    core = {0: np.eye(4), 1: gate_matrix("cx"), 2: gate_matrix("rzz", rng.uniform(-3, 3)) @ gate_matrix("rxx", rng.uniform(-3, 3))}  # fmt: skip
    m = core.get(kind, gate_matrix("rzz", 0.7) @ gate_matrix("ryy", -0.4) @ gate_matrix("rxx", 1.1))
    if rng.uniform() < 0.3:  # exact Clifford-like locals (degenerate, many equal solutions)
        return np.kron(gate_matrix("h"), gate_matrix("sx")) @ m @ np.kron(gate_matrix("s"), gate_matrix("x"))
    return local() @ m @ local()


@pytest.mark.parametrize("basis", [frozenset({"rz", "sx", "x"}), frozenset({"u"})], ids=["rz-sx-x", "u"])
def test_synth_2q_early_stop_chooses_what_the_full_search_chose(basis):
    rng = np.random.default_rng(5)
    for i in range(24):
        u = _random_block(rng, i % 4)
        with synthesis_memo():
            fast = T.synth_2q(u, basis)
        with synthesis_memo():
            ref = _synth_2q_reference(u, basis)
        assert fast[0] == ref[0] and fast[1] == ref[1]
        assert math.isfinite(fast[1])


def test_cnot_phase_verdicts_are_remembered_per_block(monkeypatch):
    """A second run over the same operations (the consolidation loop's next round, or
    another candidate sharing them) resynthesises nothing again, and gets the same."""
    from qlang.passes.optimization import phase_poly

    w = E.Weight(0)
    ops = []
    for q in range(4):  # cx rz cx rz cx: shorter as a phase polynomial
        a, b = q, (q + 1) % 4
        ops += [Operation("cx", (a, b)), Operation("rz", (b,), (w,)), Operation("cx", (a, b)),
                Operation("rz", (b,), (-w,)), Operation("cx", (a, b))]  # fmt: skip
    c = Circuit(4, tuple(ops))
    calls: list[int] = []
    orig = phase_poly.resynthesize_block

    def counting(block, pair):  # noqa: ANN001, ANN202
        calls.append(1)
        return orig(block, pair)

    monkeypatch.setattr(phase_poly, "resynthesize_block", counting)
    p = phase_poly.ResynthesizeCnotPhase()
    with synthesis_memo():
        first = p.run(c)
        n = len(calls)
        second = p.run(c)
    assert n == 4 and len(calls) == n  # nothing asked twice
    assert first.circuit == second.circuit and first.changed
    with synthesis_memo():
        assert p.run(c).circuit == first.circuit and len(calls) == 2 * n  # a new run: again


def _seq_matrix_reference(seq):  # noqa: ANN001, ANN202
    m = np.eye(2, dtype=complex)
    for name, params in seq:
        m = gate_matrix(name, *params) @ m
    return m


def _phase_between_reference(u, m):  # noqa: ANN001, ANN202
    flat_m = m.reshape(-1)
    k = int(np.argmax(np.abs(flat_m)))
    if abs(flat_m[k]) < 1e-12:
        return None
    ph = u.reshape(-1)[k] / flat_m[k]
    if abs(abs(ph) - 1) > 1e-7:
        return None
    if float(np.max(np.abs(u - ph * m))) > 1e-7:
        return None
    return cmath.phase(ph)


ONE_Q = ["rz", "sx", "x", "rx", "ry", "h", "s", "u", "p"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(ONE_Q), st.lists(st.sampled_from(
            [0.0, -0.0, math.pi, -math.pi, math.pi / 2, 1e-13, 0.3, -2.1]), min_size=3, max_size=3)),
        max_size=5,
    ),
    st.integers(0, 3),
)  # fmt: skip
def test_seq_matrix_and_phase_between_are_the_same_floats(gates, shift):
    from qlang.passes.synthesis.one_qubit import seq_matrix

    seq = [(n, tuple(ps[: GATES[n].num_params])) for n, ps in gates]
    m = seq_matrix(seq)
    ref = _seq_matrix_reference(seq)
    assert m.tobytes() == ref.tobytes()
    for u in (ref, np.roll(ref.reshape(-1), shift).reshape(2, 2), gate_matrix("h") @ ref):
        a, b = phase_between(u, m), _phase_between_reference(u, ref)
        assert (a is None and b is None) or (a is not None and b is not None and
                                             np.float64(a).tobytes() == np.float64(b).tobytes())  # fmt: skip
