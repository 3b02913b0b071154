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
from qlang.passes.synthesis import one_qubit
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


def _try_fuse_reference(op, out, per_q, commute, allowed, only_inverses, lowest, memo=None):  # noqa: ANN001, ANN202
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


def _relabelled(circuit: Circuit, shift: int) -> Circuit:
    """``circuit`` on qubits moved by ``shift`` (cyclically): the same angles elsewhere."""
    n = circuit.num_qubits
    ops = tuple(
        Operation(op.name, tuple((q + shift) % n for q in op.qubits), op.params) for op in circuit.ops
    )
    return Circuit(n, ops, inputs=circuit.inputs, weights=circuit.weights)


@settings(max_examples=200, deadline=None)
@given(st.lists(circuits(max_ops=24), min_size=1, max_size=4), st.booleans(), st.booleans())
def test_remembered_fusions_equal_fresh_ones(batch, commute, in_basis):
    """Merge loops sharing one run's memo (its ``"combine"`` table filled by earlier
    circuits, the same circuits on moved qubits, and the loops' own outputs again, as the
    fixed point and the portfolio's candidates do) give what ``combine`` without a memo
    gives, operation for operation and phase for phase."""
    allowed = frozenset({"rz", "sx", "x", "cx"}) if in_basis else frozenset()
    work = [c for circ in batch for c in (circ, _relabelled(circ, 1), _relabelled(circ, 2))]
    with synthesis_memo():
        remembered = []
        for c in work + work:
            out = peephole(c, commute=commute, allowed=allowed)
            remembered.append(out)
            remembered.append(peephole(out[0], commute=commute, allowed=allowed))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(peephole_mod, "combine_remembered", lambda p, o, n, a, m: combine(p, o, a))
        fresh = []
        for c in work + work:
            out = peephole(c, commute=commute, allowed=allowed)
            fresh.append(out)
            fresh.append(peephole(out[0], commute=commute, allowed=allowed))
    for (a, ca), (b, cb) in zip(remembered, fresh, strict=True):
        assert ca == cb and a.ops == b.ops
        assert repr(a.global_phase) == repr(b.global_phase)


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


_BASES_2Q = [frozenset({"rz", "sx", "x"}), frozenset({"u"}), frozenset({"rz", "ry"}),
             frozenset({"p", "sx"}), frozenset({"rx", "ry", "h"})]  # fmt: skip


@pytest.mark.parametrize("basis", _BASES_2Q, ids=lambda b: "-".join(sorted(b)))
def test_synth_2q_early_stop_chooses_what_the_full_search_chose(basis):
    """The early stop, and the skip of a solution whose locals' lower bounds
    (``length_lower_bound``) already reach the best length, choose what emitting every
    solution in full chooses."""
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


def _kron_factor_reference(k):  # noqa: ANN001, ANN202
    """``kron_factor`` before the determinants and traces lost numpy's argument handling."""
    t = k.reshape(2, 2, 2, 2)
    i, j = max(itertools.product(range(2), range(2)), key=lambda ij: T._norm(t[ij[0], :, ij[1], :]))
    b = t[i, :, j, :]
    b = b / np.sqrt(np.linalg.det(b))
    a = np.array([[np.trace(b.conj().T @ t[r, :, s, :]) / 2 for s in range(2)] for r in range(2)])
    a = a / np.sqrt(np.linalg.det(a))
    return a, b


def _local_equivalences_reference(u, core, limit=1, seed=1234):  # noqa: ANN001, ANN202
    """``local_equivalences`` as it was: one ``np.allclose`` per permutation, numpy's own
    ``det`` and ``trace``."""
    special = lambda m: m / np.linalg.det(m) ** 0.25  # noqa: E731
    up = T._BD @ special(u) @ T._B
    cp = T._BD @ special(core) @ T._B
    pu, du = T._real_diagonalize(up.T @ up, seed)
    pc, dc = T._real_diagonalize(cp.T @ cp)
    a_inv = np.diag(np.exp(-0.5j * np.angle(du)))
    k1u = up @ pu @ a_inv
    found = 0
    signs = [np.ones(4)] + ([np.array(v) for v in T._SIGN_FLIPS] if limit > 1 else [])
    for s in (1, -1):
        cp2 = cp if s == 1 else 1j * cp
        for perm in itertools.permutations(range(4)):
            if not np.allclose(dc[list(perm)] * s, du, atol=1e-7):
                continue
            for flip in signs:
                pc2 = pc[:, list(perm)] * flip
                if np.linalg.det(pc2) < 0:
                    pc2[:, 0] = -pc2[:, 0]
                k1c = cp2 @ pc2 @ a_inv
                left = T._B @ (k1u @ k1c.T) @ T._BD
                right = T._B @ (pc2 @ pu.T) @ T._BD
                l0, l1 = _kron_factor_reference(left)
                r0, r1 = _kron_factor_reference(right)
                ph = phase_between(u, T._kron2(l0, l1) @ core @ T._kron2(r0, r1))
                if ph is not None:
                    yield l0, l1, r0, r1, ph
                    found += 1
                    if found >= limit:
                        return


def _bits(x) -> bytes:  # noqa: ANN001
    return np.asarray(x).tobytes()


def test_local_equivalences_are_the_same_floats_as_before():
    """Every solution, of every core synthesis tries, bit for bit as the previous code."""
    rng = np.random.default_rng(11)
    solutions = 0
    for i in range(32):
        u = _random_block(rng, i % 4)
        coords = T.weyl_coordinates(u)
        for kk in range(T.cnot_count(u), 4):
            for core_seq in T._cores(kk, coords):
                core = T.seq_unitary(core_seq)
                for limit in (1, T.LOCAL_CANDIDATES):
                    new = list(T.local_equivalences(u, core, limit=limit))
                    ref = list(_local_equivalences_reference(u, core, limit=limit))
                    assert [[_bits(x) for x in sol] for sol in new] == [
                        [_bits(x) for x in sol] for sol in ref
                    ]
                    solutions += len(new)
    assert solutions > 300  # (degenerate spectra give many: a real comparison)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.complex_numbers(max_magnitude=3, allow_nan=False, allow_infinity=False),
                min_size=16, max_size=16), st.booleans())  # fmt: skip
def test_det_is_numpys_det(entries, real):
    """``det`` gives numpy's determinant bit for bit: 2x2 and 4x4, complex and real, and
    strided views like kron_factor's."""
    m4 = np.array(entries, dtype=complex).reshape(4, 4)
    if real:
        m4 = m4.real.copy()
    for m in (m4, m4[:2, :2], m4[::2, 1::2], m4.T, m4.reshape(2, 2, 2, 2)[1, :, 0, :]):
        assert _bits(one_qubit.det(m)) == _bits(np.linalg.det(m))


def _near_patterns(rng: np.random.Generator) -> list[np.ndarray]:
    """1-qubit unitaries on and next to the short forms: the identity, the fixed gates,
    the axis rotations (times a phase, with tiny perturbations), and generic ones."""
    out = []
    for name, params in [("id", ()), ("x", ()), ("sx", ()), ("h", ()), ("s", ()), ("y", ()),
                         ("rz", (0.4,)), ("rx", (1.3,)), ("ry", (-2.0,)), ("p", (0.2,)),
                         ("u", (0.3, 0.1, -0.7))]:  # fmt: skip
        g = gate_matrix(name, *params) * cmath.exp(1j * rng.uniform(-3, 3))
        for eps in (0.0, 1e-9, 1e-6, 1e-3):
            out.append(g @ gate_matrix("u", *(eps * rng.uniform(-1, 1, 3))))
    out += [gate_matrix("u", *rng.uniform(-4, 4, 3)) for _ in range(20)]
    return out


@pytest.mark.parametrize("basis", _BASES_2Q + [frozenset({"rz", "h"}), frozenset({"rx", "rz", "x"})],
                         ids=lambda b: "-".join(sorted(b)))  # fmt: skip
def test_length_lower_bound_never_exceeds_the_synthesised_length(basis):
    """The bound is never above what ``synth_1q`` emits (so skipping a local solution on it
    is exact); it is not the trivial 0 either: a generic unitary gets 2 where no single gate
    of the basis can express it."""
    rng = np.random.default_rng(3)
    for u in _near_patterns(rng):
        with synthesis_memo():
            res = one_qubit.synth_1q(u, basis)
        assert res is not None
        assert one_qubit.length_lower_bound(u, basis) <= len(res[0])
    generic = gate_matrix("u", 1.1, 0.4, -0.9)
    assert one_qubit.length_lower_bound(generic, basis) == (1 if "u" in basis else 2)
    assert one_qubit.length_lower_bound(np.eye(2) * 1j, basis) == 0
