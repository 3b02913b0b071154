"""The compiled executor agrees with the reference engine on random circuits.

Every gate of the gate set, affine and general angle expressions, ``cx; p; cx`` units,
multi-controlled permutations; states and adjoint gradients (summed and per sample) to
1e-10 in complex128 (about 1e-5 in complex64), in both execution modes: whole states in one
tile (n <= tile bits) and cache passes over tiles (forced with small tiles). A failure
prints the seed and the circuit (the reproducer: ``case(seed)``).
"""

from __future__ import annotations

import numpy as np
import pytest

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.gates import GATES
from qlang.ir.model import Observable, PauliTerm, QuantumBlock, Readout
from qlang.sim import executor as X
from qlang.sim.engine import State, canonical, reorder, run_adjoint
from qlang.sim.gradients import chain_rule
from qlang.sim.readout import ReadoutPlan
from qlang.sim.simulator import Simulator

pytestmark = pytest.mark.skipif(X._compiled is None, reason="compiled executor not built")

N_IN, N_W = 3, 4


def random_angle(rng: np.random.Generator) -> E.Expr:
    r = rng.random()
    if r < 0.3:
        return E.Input(int(rng.integers(N_IN))) * float(rng.normal()) + float(rng.normal())
    if r < 0.55:
        return E.Weight(int(rng.integers(N_W)))
    if r < 0.7:
        return E.Input(int(rng.integers(N_IN))) * E.Weight(int(rng.integers(N_W)))
    if r < 0.85:
        return E.func("sin", E.Weight(int(rng.integers(N_W)))) + 0.5
    return E.Const(float(rng.normal()))


def random_circuit(rng: np.random.Generator, n: int, n_ops: int) -> Circuit:
    names = [g for g in GATES if g != "mcx" and GATES[g].num_qubits <= n]
    ops = []
    for _ in range(n_ops):
        name = names[int(rng.integers(len(names)))]
        gd = GATES[name]
        qs = tuple(int(q) for q in rng.choice(n, gd.num_qubits, replace=False))
        ops.append(Operation(name, qs, tuple(random_angle(rng) for _ in range(gd.num_params))))
        if n >= 2 and rng.random() < 0.15:  # a cx; diagonal; cx unit (a parity phase)
            a, b = (int(q) for q in rng.choice(n, 2, replace=False))
            ops += [Operation("cx", (a, b)), Operation("p", (b,), (random_angle(rng),)),
                    Operation("rz", (b,), (random_angle(rng),)), Operation("cx", (a, b))]  # fmt: skip
    if n >= 4 and rng.random() < 0.5:
        ops.append(Operation("mcx", tuple(int(q) for q in rng.choice(n, 4, replace=False))))
    return Circuit(
        n,
        tuple(ops),
        inputs=(ParamDecl("x", (N_IN,), 0),),
        weights=(ParamDecl("w", (N_W,), 0),),
    )


def reference(c: Circuit, x: np.ndarray, w: np.ndarray, lam: np.ndarray, per_sample: bool):
    """States and ``(g_w, g_x)`` of ``2 Re <lam|d psi>`` by the reference engine."""
    sim = Simulator(c)
    plan = sim.plan
    values = plan.evaluate(x, w)
    cache: dict = {}
    st = sim.run(x, w, values, cache)
    psi = canonical(st).copy()
    order = tuple(range(c.num_qubits - 1, -1, -1))
    lam_st = reorder(State(lam.astype(complex), order), st.order)
    grads = run_adjoint(plan, values, State(st.data.copy(), st.order), lam_st, per_sample, cache)
    return psi, chain_rule(plan, grads, x, w, per_sample=per_sample)


def with_bilinear_angles(rng: np.random.Generator, c: Circuit) -> Circuit:
    """``c`` with about half of its angles replaced by bilinear ones in two inputs
    (``k (pi - x_i)(pi - x_j)``, ``a x_i + b x_j + d x_i x_j``: the program's bilinear
    slots)."""

    first = [True]

    def angle(p: E.Expr) -> E.Expr:
        if rng.random() < 0.5 and not first[0]:  # the first angle always
            return p
        first[0] = False
        i, j = (int(v) for v in rng.choice(N_IN, 2, replace=False))
        xi, xj = E.Input(i), E.Input(j)
        if rng.random() < 0.5:
            return (np.pi - xi) * (np.pi - xj) * float(rng.normal())
        return xi * float(rng.normal()) + xj * float(rng.normal()) + xi * xj * float(rng.normal())

    ops = tuple(Operation(op.name, op.qubits, tuple(angle(p) for p in op.params)) for op in c.ops)
    return Circuit(c.num_qubits, ops, inputs=c.inputs, weights=c.weights)


def case(seed: int, tile_bits: int = X.TILE_BITS, dtype: type = np.complex128, bilinear: bool = False):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 9)) if tile_bits >= 9 else int(rng.integers(tile_bits + 1, tile_bits + 4))
    c = random_circuit(rng, n, int(rng.integers(1, 30)))
    if bilinear:
        c = with_bilinear_angles(rng, c)
    b = int(rng.integers(1, 6))
    x, w = rng.normal(size=(b, N_IN)), rng.normal(size=N_W)
    lam = rng.normal(size=(b, 2**n)) + 1j * rng.normal(size=(b, 2**n))
    return c, x, w, lam


def _check(seed: int, tile_bits: int, dtype: type, tol: float, bilinear: bool = False) -> None:
    c, x, w, lam = case(seed, tile_bits, dtype, bilinear)
    ex = X.Executor(c, dtype, tile_bits=tile_bits)
    try:
        psi = ex.forward(x, w)
        for per_sample in (False, True):
            ref_psi, (ref_gw, ref_gx) = reference(c, x, w, lam, per_sample)
            assert np.max(np.abs(psi - ref_psi)) < tol
            gw, gx = ex.adjoint(x, w, ref_psi.astype(dtype), lam.astype(dtype), per_sample)
            assert np.allclose(gw, ref_gw, atol=tol, rtol=0)
            assert np.allclose(gx, ref_gx, atol=tol, rtol=0)
            # from the forward run's tape (psi only read), and without input gradients
            # (small states then run the shared prefix tails as ops)
            for inputs in (True, False):
                psi2, tape = ex.forward(x, w, keep=True, inputs=inputs)
                lam2 = lam.astype(dtype)
                gw2, gx2 = ex.adjoint(x, w, psi2, lam2, per_sample, inputs=inputs, tape=tape)
                assert np.allclose(gw2, ref_gw, atol=tol, rtol=0)
                if inputs:
                    assert np.allclose(gx2, ref_gx, atol=tol, rtol=0)
                else:
                    assert gx2 is None
                    psi3 = ex.forward(x, w)  # without a tape the sweep consumed psi2
                    gw3, _ = ex.adjoint(x, w, psi3, lam.astype(dtype), per_sample, inputs=False)
                    assert np.allclose(gw3, ref_gw, atol=tol, rtol=0)
    except AssertionError:
        print(f"seed {seed}, tile bits {tile_bits}, {np.dtype(dtype).name}: case({seed}) ->")
        print(c.ops)
        raise


@pytest.mark.parametrize("seed", range(60))
def test_whole_state_mode_matches_reference(seed: int) -> None:
    _check(seed, X.TILE_BITS, np.complex128, 1e-10)


@pytest.mark.parametrize("seed", range(25))
def test_tiled_passes_match_reference(seed: int) -> None:
    """Small tiles force the pass-by-pass mode on 7 to 9 qubits."""
    _check(1000 + seed, 6, np.complex128, 1e-10)


@pytest.mark.parametrize("seed", range(20))
def test_bilinear_slots_match_reference(seed: int) -> None:
    """Angles bilinear in two inputs run as bilinear slots (evaluated in C, the chain rule
    to both inputs in C): states and gradients agree with the reference engine, whole-state
    and in small tiles."""
    from qlang.sim.program import SLOT_BILINEAR, build_program

    c, *_ = case(3000 + seed, bilinear=True)
    if any(op.params for op in c.ops):
        assert SLOT_BILINEAR in [s.kind for s in build_program(c).slots]
    _check(3000 + seed, X.TILE_BITS, np.complex128, 1e-10, bilinear=True)
    _check(3100 + seed, 6, np.complex128, 1e-10, bilinear=True)


@pytest.mark.parametrize("seed", range(15))
def test_complex64_matches_reference(seed: int) -> None:
    _check(2000 + seed, X.TILE_BITS if seed % 2 else 6, np.complex64, 2e-4)


DIAGONAL_GATES = ("rz", "p", "cz", "cp", "crz", "rzz", "s", "t")


def diagonal_gates(rng: np.random.Generator, n: int, count: int, cx_rate: float) -> list[Operation]:
    """``count`` random diagonal gates on random qubits, each followed by a ``cx; rz; cx``
    parity unit on a random pair with probability ``cx_rate``."""
    ops: list[Operation] = []
    for _ in range(count):
        name = DIAGONAL_GATES[int(rng.integers(len(DIAGONAL_GATES)))]
        gd = GATES[name]
        if gd.num_qubits > n:
            continue
        qs = tuple(int(q) for q in rng.choice(n, gd.num_qubits, replace=False))
        ops.append(Operation(name, qs, tuple(random_angle(rng) for _ in range(gd.num_params))))
        if n >= 2 and rng.random() < cx_rate:
            a, b = (int(q) for q in rng.choice(n, 2, replace=False))
            ops += [Operation("cx", (a, b)), Operation("rz", (b,), (random_angle(rng),)),
                    Operation("cx", (a, b))]  # fmt: skip
    return ops


def iqp_circuit(rng: np.random.Generator, n: int) -> Circuit:
    """IQP-type layers (ZZ / Pauli-Z feature maps, QAOA cost layers): Hadamards on every
    qubit, then diagonal gates (and ``cx; rz; cx`` parity units) on random qubits."""
    ops: list[Operation] = []
    for _ in range(int(rng.integers(1, 4))):
        ops += [Operation("h", (q,)) for q in range(n)]
        ops += diagonal_gates(rng, n, int(rng.integers(1, 3 * n + 1)), cx_rate=0.3)
    return Circuit(
        n, tuple(ops), inputs=(ParamDecl("x", (N_IN,), 0),), weights=(ParamDecl("w", (N_W,), 0),)
    )


@pytest.mark.parametrize("seed", range(20))
def test_iqp_circuits_match_reference(seed: int) -> None:
    """Diagonal layers over every qubit run as phase tables in state order (applied without
    a gather in the forward run): states, gradients and the shift rules' explicit angles
    agree with the reference engine, in both precisions and with small tiles."""
    rng = np.random.default_rng(4000 + seed)
    n = int(rng.integers(2, 9))
    c = iqp_circuit(rng, n)
    b = int(rng.integers(1, 6))
    x, w = rng.normal(size=(b, N_IN)), rng.normal(size=N_W)
    lam = rng.normal(size=(b, 2**n)) + 1j * rng.normal(size=(b, 2**n))
    ex = X.Executor(c)
    try:
        psi = ex.forward(x, w)
        for per_sample in (False, True):
            ref_psi, (ref_gw, ref_gx) = reference(c, x, w, lam, per_sample)
            assert np.max(np.abs(psi - ref_psi)) < 1e-10
            gw, gx = ex.adjoint(x, w, ref_psi.copy(), lam.copy(), per_sample)
            assert np.allclose(gw, ref_gw, atol=1e-10, rtol=0)
            assert np.allclose(gx, ref_gx, atol=1e-10, rtol=0)
            psi2, tape = ex.forward(x, w, keep=True)
            gw2, _ = ex.adjoint(x, w, psi2, lam.copy(), per_sample, tape=tape)
            assert np.allclose(gw2, ref_gw, atol=1e-10, rtol=0)
        sim = Simulator(c)
        values = list(sim.plan.evaluate(x, w))
        values[-1] = values[-1] + 0.3 if values else values
        ref = canonical(sim.run(x, w, tuple(values))).copy()
        assert np.max(np.abs(ex.forward(x, w, tuple(values)) - ref)) < 1e-10
        psi64 = X.Executor(c, np.complex64).forward(x, w)
        assert np.max(np.abs(psi64 - psi)) < 2e-5
        tiled = X.Executor(c, tile_bits=6).forward(x, w) if n > 6 else psi
        assert np.max(np.abs(tiled - psi)) < 1e-10
    except AssertionError:
        print(f"seed {seed}: iqp_circuit(np.random.default_rng({4000 + seed}), {n}) ->")
        print(c.ops)
        raise


ROTATIONS = ("u", "rx", "ry", "rz", "h", "sx", "p", "x", "y")


def layered_circuit(rng: np.random.Generator, n: int) -> Circuit:
    """Strongly-entangling-type layers: one to three random one-qubit gates on every qubit
    (fused into one 2x2 op per qubit), then a ring of ``cx`` with a random stride."""
    ops: list[Operation] = [Operation("rx", (q,), (E.Input(q % N_IN),)) for q in range(n)]
    for _ in range(int(rng.integers(2, 4))):
        for q in range(n):
            for _ in range(int(rng.integers(1, 4))):
                name = ROTATIONS[int(rng.integers(len(ROTATIONS)))]
                params = tuple(random_angle(rng) for _ in range(GATES[name].num_params))
                ops.append(Operation(name, (q,), params))
        r = int(rng.integers(1, n))
        ops += [Operation("cx", (q, (q + r) % n)) for q in range(n)]
    return Circuit(
        n, tuple(ops), inputs=(ParamDecl("x", (N_IN,), 0),), weights=(ParamDecl("w", (N_W,), 0),)
    )


@pytest.mark.parametrize("seed", range(12))
def test_rotation_layers_of_tiled_passes_match_reference(seed: int) -> None:
    """Cache passes with a layer of one-qubit ops on distinct qubits (the forward run applies
    it as two phase tables and real rotations, tiles gathered several at a time): states,
    the shift rules' explicit angles and gradients agree with the reference engine. Tiles of
    6 bits (the whole layer in one L1 block) and of 11 bits (rotations on the bits above
    the block run row-wise), in both precisions."""
    rng = np.random.default_rng(5000 + seed)
    tile_bits = 6 if seed % 2 else 11
    n = int(rng.integers(tile_bits + 1, tile_bits + 3))
    c = layered_circuit(rng, n)
    b = int(rng.integers(1, 4))
    x, w = rng.normal(size=(b, N_IN)), rng.normal(size=N_W)
    lam = rng.normal(size=(b, 2**n)) + 1j * rng.normal(size=(b, 2**n))
    ex = X.Executor(c, tile_bits=tile_bits)
    assert len(ex.program.passes) > 1
    try:
        psi = ex.forward(x, w)
        ref_psi, (ref_gw, ref_gx) = reference(c, x, w, lam, False)
        assert np.max(np.abs(psi - ref_psi)) < 1e-10
        gw, gx = ex.adjoint(x, w, ref_psi.copy(), lam.copy(), False)
        assert np.allclose(gw, ref_gw, atol=1e-10, rtol=0)
        assert np.allclose(gx, ref_gx, atol=1e-10, rtol=0)
        sim = Simulator(c)
        values = list(sim.plan.evaluate(x, w))
        values[-1] = values[-1] + 0.3
        ref = canonical(sim.run(x, w, tuple(values))).copy()
        assert np.max(np.abs(ex.forward(x, w, tuple(values)) - ref)) < 1e-10
        psi64 = X.Executor(c, np.complex64, tile_bits=tile_bits).forward(x, w)
        assert np.max(np.abs(psi64 - psi)) < 2e-5
    except AssertionError:
        print(f"seed {seed}: layered_circuit(np.random.default_rng({5000 + seed}), {n}) ->")
        print(c.ops)
        raise


chunked = pytest.mark.skipif(
    not X.compiled_available(), reason="the compiled executor is not in use (QLANG_PURE_PYTHON or not built)"
)


@chunked
@pytest.mark.parametrize("seed", range(16))
def test_chunk_runs_match_reference(seed: int) -> None:
    """Chunk runs (several cache passes applied to one chunk of the state before the next):
    forced with 6-bit tiles and chunks of 7 to n - 1 bits on 8 to 10 qubits, random and
    strongly-entangling-type circuits. States, a diagonal readout computed in the same call
    (one and two columns) and gradients agree with the reference engine to 1e-10, and the
    states with those of the same executor without chunk runs."""
    rng = np.random.default_rng(7000 + seed)
    n = int(rng.integers(8, 11))
    c = layered_circuit(rng, n) if seed % 2 else random_circuit(rng, n, int(rng.integers(10, 40)))
    b = int(rng.integers(1, 4))
    x, w = rng.normal(size=(b, N_IN)), rng.normal(size=N_W)
    lam = rng.normal(size=(b, 2**n)) + 1j * rng.normal(size=(b, 2**n))
    ref_psi, (ref_gw, ref_gx) = reference(c, x, w, lam, False)
    plain = X.Executor(c, tile_bits=6, chunk_bits=0)
    assert all(stop - start == 1 for start, stop in plain.program.runs)
    psi0 = plain.forward(x, w)
    multi = False
    try:
        for chunk_bits in (n - 1, n - 2, 7):
            ex = X.Executor(c, tile_bits=6, chunk_bits=chunk_bits)
            runs = ex.program.runs
            multi |= any(stop - start > 1 for start, stop in runs)
            psi = ex.forward(x, w)
            assert np.max(np.abs(psi - ref_psi)) < 1e-10
            assert np.max(np.abs(psi - psi0)) < 1e-12
            for k in (1, 2):
                diag = rng.normal(size=(2**n, k))
                psi2, out = ex.forward(x, w, diag=diag)
                assert np.max(np.abs(psi2 - ref_psi)) < 1e-10
                assert np.allclose(out, np.abs(ref_psi) ** 2 @ diag, atol=1e-10, rtol=0)
            gw, gx = ex.adjoint(x, w, psi.copy(), lam.copy(), False)
            assert np.allclose(gw, ref_gw, atol=1e-10, rtol=0)
            assert np.allclose(gx, ref_gx, atol=1e-10, rtol=0)
            psi64 = X.Executor(c, np.complex64, tile_bits=6, chunk_bits=chunk_bits).forward(x, w)
            assert np.max(np.abs(psi64 - psi)) < 2e-5
    except AssertionError:
        print(f"seed {seed}: n = {n}, runs {runs}; circuit ->")
        print(c.ops)
        raise
    if seed % 2:  # layered circuits always give runs of several passes
        assert multi


@chunked
def test_chunk_runs_cover_the_passes() -> None:
    """The compiled program rejects a chunk-run table that does not cover its passes in
    order (a stale or corrupt table must not run part of the circuit)."""
    c = layered_circuit(np.random.default_rng(3), 9)
    prog = X.build_program(c, 6, True, 8)
    assert len(prog.runs) >= 2
    plain = X.build_program(c, 6, True, 0)
    assert plain.memory_passes() == len(plain.passes) + 1  # every pass, product state, readout
    assert prog.memory_passes() < plain.memory_passes()
    arrays = list(prog.arrays())
    for bad in ([(0, 1)], [(1, len(prog.passes))], [(0, 2), (1, len(prog.passes))]):
        arrays[-1] = np.array(bad, dtype=np.int32).reshape(-1, 2)
        with pytest.raises(ValueError, match="chunk run"):
            X._compiled.Program(*arrays)


def test_prefix_heads_with_shared_gates_before_the_input_gate() -> None:
    """A qubit's first gates ``h; rx(w); ry(x)`` (shared gates, then the one input gate) run
    as one vectorised head over the batch; states and gradients match the reference."""
    rng = np.random.default_rng(11)
    ops = []
    for q in range(4):
        ops += [Operation("h", (q,)), Operation("rx", (q,), (E.Weight(q % N_W),)),
                Operation("ry", (q,), (E.Input(q % N_IN) * 0.7 + 0.1,))]  # fmt: skip
    ops += [Operation("cx", (0, 1)), Operation("cx", (2, 3)), Operation("rz", (1,), (E.Weight(0),))]
    c = Circuit(4, tuple(ops), inputs=(ParamDecl("x", (N_IN,), 0),), weights=(ParamDecl("w", (N_W,), 0),))
    x, w = rng.normal(size=(5, N_IN)), rng.normal(size=N_W)
    lam = rng.normal(size=(5, 16)) + 1j * rng.normal(size=(5, 16))
    ex = X.Executor(c)
    psi = ex.forward(x, w)
    for per_sample in (False, True):
        ref_psi, (ref_gw, ref_gx) = reference(c, x, w, lam, per_sample)
        assert np.max(np.abs(psi - ref_psi)) < 1e-10
        gw, gx = ex.adjoint(x, w, ref_psi.copy(), lam.copy(), per_sample)
        assert np.allclose(gw, ref_gw, atol=1e-10, rtol=0) and np.allclose(gx, ref_gx, atol=1e-10, rtol=0)
        psi2, tape = ex.forward(x, w, keep=True)
        gw2, gx2 = ex.adjoint(x, w, psi2, lam.copy(), per_sample, tape=tape)
        assert np.allclose(gw2, ref_gw, atol=1e-10, rtol=0) and np.allclose(gx2, ref_gx, atol=1e-10, rtol=0)


def test_zz_feature_map_phase_layers_span_the_state() -> None:
    """The layout the IQP test exercises: a ZZ feature map's phase layers are diagonal ops
    over every qubit (tables in state order), and its states match the reference."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from circuits import zz_feature_map

    for ent in ("linear", "full"):
        c = zz_feature_map(5, entanglement=ent)
        ex = X.Executor(c)
        assert sum(op.kind == 3 and len(op.qubits) == 5 for op in ex.program.ops) == 2
        x = np.random.default_rng(3).uniform(0, 2 * np.pi, (7, 5))
        ref = canonical(Simulator(c).run(x, np.zeros(0))).copy()
        assert np.max(np.abs(ex.forward(x, np.zeros(0)) - ref)) < 1e-10


@pytest.mark.parametrize("seed", range(10))
def test_explicit_angles_and_diagonal_readout(seed: int) -> None:
    """The shift rules' explicit angle values, and the readout computed inside the call
    (outputs and the cotangent state) against the numpy readout."""
    c, x, w, _ = case(3000 + seed)
    n = c.num_qubits
    ex = X.Executor(c)
    sim = Simulator(c)
    values = list(sim.plan.evaluate(x, w))
    if values:
        values[0] = values[0] + 0.3  # a shifted angle
    ref = canonical(sim.run(x, w, tuple(values))).copy()
    assert np.max(np.abs(ex.forward(x, w, tuple(values)) - ref)) < 1e-10
    terms = (PauliTerm(E.Const(0.7), ((0, "Z"),)), PauliTerm(E.Const(-0.4), ((n - 1, "Z"),)))
    readout = ReadoutPlan(Readout("expval", (Observable(terms), Observable(terms[1:]))), n)
    assert readout.diagonal is not None
    psi, out = ex.forward(x, w, diag=readout.diagonal)
    assert np.allclose(out, readout.outputs(psi, x, w), atol=1e-12)
    cot = np.random.default_rng(seed).normal(size=out.shape)
    lam = readout.cotangent_state(psi, cot, x, w)
    gw, gx = ex.adjoint(x, w, psi.copy(), lam)
    gw2, gx2 = ex.adjoint(x, w, psi.copy(), diag=readout.diagonal, cot=cot)
    assert np.allclose(gw, gw2, atol=1e-12) and np.allclose(gx, gx2, atol=1e-12)


def test_threads_give_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker threads split the batch; sums are reduced per thread, so results agree to
    rounding with one thread."""
    c, x, w, lam = case(77)
    x = np.repeat(x, 20, axis=0)
    lam = np.repeat(lam, 20, axis=0)
    ex = X.Executor(c)
    monkeypatch.setattr(X, "THREADED_WORK", 0)
    monkeypatch.setenv("QLANG_THREADS", "1")
    psi1 = ex.forward(x, w)
    g1 = ex.adjoint(x, w, psi1.copy(), lam.copy())
    monkeypatch.setenv("QLANG_THREADS", "3")
    psi3 = ex.forward(x, w)
    g3 = ex.adjoint(x, w, psi3.copy(), lam.copy())
    assert np.array_equal(psi1, psi3)
    assert np.allclose(g1[0], g3[0], atol=1e-12) and np.array_equal(g1[1], g3[1])


def test_block_through_the_public_api_matches_reference() -> None:
    """QuantumFunction uses the executor (with the readout in C) and agrees with the
    reference engine end to end, for the outputs, the vjp and the Jacobians."""
    from qlang.sim.function import QuantumFunction

    rng = np.random.default_rng(5)
    c = random_circuit(rng, 5, 25)
    z = Observable((PauliTerm(E.Const(1.0), ((0, "Z"),)), PauliTerm(E.Const(0.5), ((2, "Z"), (3, "Z")))))
    xx = Observable((PauliTerm(E.Weight(1), ((1, "X"),)),))
    x, w = rng.normal(size=(7, N_IN)), rng.normal(size=N_W)
    for readout in (Readout("expval", (z,)), Readout("expval", (z, xx)), Readout("probs", qubits=(0, 2))):
        block = QuantumBlock("main", c, readout)
        fast = QuantumFunction(block)
        slow = QuantumFunction(block)
        monkey = pytest.MonkeyPatch()  # the reference engine for `slow`
        monkey.setattr(type(slow.simulator), "executor", property(lambda s: None))
        try:
            ref = slow.vjp(x, w, lambda o: np.sin(o)), slow.jacobian(x, w)
        finally:
            monkey.undo()
        got = fast.vjp(x, w, lambda o: np.sin(o)), fast.jacobian(x, w)
        for a, b in zip((*ref[0], *ref[1]), (*got[0], *got[1]), strict=True):
            assert np.allclose(a, b, atol=1e-10)


@pytest.mark.skipif(
    not X.compiled_available(), reason="the pooled output buffers are the compiled path's"
)
def test_pooled_state_buffers_give_the_same_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large states that only feed the outputs (forward with a diagonal readout, the fast
    vjp) are written into a buffer of the simulator's pool, reused call after call: the
    results equal fresh buffers', and outputs handed out are never overwritten."""
    from qlang.sim import function as F

    rng = np.random.default_rng(9)
    c = random_circuit(rng, 5, 25)
    z = Observable((PauliTerm(E.Const(1.0), ((0, "Z"),)),))
    block = QuantumBlock("main", c, Readout("expval", (z,)))
    x, w = rng.normal(size=(6, N_IN)), rng.normal(size=N_W)
    x2 = rng.normal(size=(6, N_IN))
    cot = rng.normal(size=(6, 1))
    fresh = F.QuantumFunction(block)
    ref = fresh.forward(x, w), fresh.forward(x2, w), fresh.vjp(x, w, cot)
    monkeypatch.setattr(F, "POOLED_BYTES", 0)
    pooled = F.QuantumFunction(block)
    taken = pooled.simulator.workspace.taken
    out1 = pooled.forward(x, w)
    out2 = pooled.forward(x2, w)
    got = pooled.vjp(x, w, cot)
    assert pooled.simulator.workspace.taken == taken + 3  # the pool was used
    assert len(pooled.simulator.workspace._pool) == 1  # one buffer, reused
    np.testing.assert_array_equal(out1, ref[0])
    np.testing.assert_array_equal(out2, ref[1])
    for a, b in zip(got, ref[2], strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_gate_larger_than_a_tile_falls_back_to_the_reference_engine() -> None:
    """A multi-controlled gate on more qubits than a cache tile cannot run pass by pass: the
    simulator runs such a circuit on the reference engine (same states)."""
    n = X.TILE_BITS + 1
    c = Circuit(n, (*(Operation("h", (q,)) for q in range(n)), Operation("mcx", tuple(range(n)))))
    with pytest.raises(X.Unsupported):
        X.Executor(c)
    sim = Simulator(c)
    assert sim.executor is None
    psi = sim.statevector()
    assert np.allclose(np.abs(psi) ** 2, 2.0**-n)


def test_fast_vjp_path_matches_the_general_one_and_keeps_diagnostics() -> None:
    """The two-call vjp path gives the general path's numbers, skips input gradients only
    when asked, and still reports bad inputs with QL0603."""
    from qlang.diagnostics import QLangError
    from qlang.sim.function import QuantumFunction

    rng = np.random.default_rng(11)
    c = random_circuit(rng, 4, 20)
    z = Observable((PauliTerm(E.Const(0.5), ((1, "Z"),)),))
    qf = QuantumFunction(QuantumBlock("main", c, Readout("expval", (z, z))))
    x, w = rng.normal(size=(9, N_IN)), rng.normal(size=N_W)
    cot = rng.normal(size=(9, 2))
    fast = qf.vjp(x, w, cot)
    general = qf.vjp(x.tolist(), w.tolist(), cot)  # lists: the general path
    for a, b in zip(fast, general, strict=True):
        assert np.allclose(a, b, atol=1e-12)
    out, gw, gx = qf.vjp(x, w, cot, input_grads=False)
    assert gx is None and np.allclose(gw, fast[1], atol=1e-12)
    bad = x.copy()
    bad[3, 1] = np.inf
    with pytest.raises(QLangError) as err:
        qf.vjp(bad, w, cot)
    assert "QL0603" in str(err.value)


def test_a_build_of_another_interface_version_is_not_used() -> None:
    """A compiled module left over from an older ``_executor.c`` (no or another ``ABI``)
    falls back to the reference engine with a warning instead of failing mid-run."""
    import subprocess
    import sys

    code = (
        "import sys, types, warnings\n"
        "sys.modules['qlang.sim._executor'] = types.ModuleType('qlang.sim._executor')\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    from qlang.sim.executor import compiled_available\n"
        "print(compiled_available(), [str(w.message) for w in caught])\n"
    )
    env_out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    ).stdout
    assert env_out.startswith("False"), env_out
    assert "compiled executor was built from an older" in env_out
    if X.compiled_available():  # the real build matches this source
        assert X._compiled is not None and X._compiled.ABI == X.ABI  # noqa: SLF001


compiled = pytest.mark.skipif(
    not X.compiled_available(), reason="the compiled executor is not in use (QLANG_PURE_PYTHON=1)"
)


def _forward_reference(c: Circuit, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return canonical(Simulator(c).run(x, w)).copy()


@compiled
def test_zz_feature_map_takes_the_encoding_fast_paths() -> None:
    """A ZZ feature map's forward run: the first phase layer with the product state folded
    in (3), the Hadamard layer as one Walsh-Hadamard transform (2), the second phase layer
    by doubling (1); full entanglement at 8 qubits (7 lower bits on one level) falls back to
    the phase-form kernels (0) for its phase layers. States match the reference engine
    (more samples than one batch of gate entries), in both precisions and from a run that
    keeps a tape (no folded head there)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from circuits import zz_feature_map

    for n, ent, paths in ((5, "linear", (3, 2, 2, 2, 2, 2, 1)), (8, "linear", (3,) + (2,) * 8 + (1,)),
                          (8, "full", (0,) + (2,) * 8 + (0,))):  # fmt: skip
        c = zz_feature_map(n, entanglement=ent)
        ex = X.Executor(c)
        assert ex._variant(True).c.encoding_paths() == paths
        assert ex._variant(True).c.lanes() == (ent == "linear")  # the lane path: fast paths only
        x = np.random.default_rng(n).uniform(0, 2 * np.pi, (150, n))
        ref = _forward_reference(c, x, np.zeros(0))
        assert np.max(np.abs(ex.forward(x, np.zeros(0)) - ref)) < 1e-10
        kept, _ = ex.forward(x, np.zeros(0), keep=True)
        assert np.max(np.abs(kept - ref)) < 1e-10
        assert np.max(np.abs(X.Executor(c, np.complex64).forward(x, np.zeros(0)) - ref)) < 2e-5


def lane_angle(rng: np.random.Generator) -> E.Expr:
    """An encoding's angle: affine in one input or a product of two (a weight or a constant
    angle would split a layer into ops that share parameters and ops that do not)."""
    xi = E.Input(int(rng.integers(N_IN)))
    if rng.random() < 0.5:
        return xi * float(rng.normal()) + float(rng.normal())
    return (np.pi - xi) * (np.pi - E.Input(int(rng.integers(N_IN)))) * float(rng.normal())


def lane_circuit(rng: np.random.Generator, n: int) -> Circuit:
    """The shape of the lane path: a product state (``h`` and a random one-qubit gate per
    qubit), a diagonal layer over every qubit (two-qubit gates on neighbours), then Hadamards on random subsets of the
    qubits, each followed by another diagonal layer over every qubit (or, sometimes, none);
    diagonal gates of every kind on random qubits, angles as an encoding's."""
    ops: list[Operation] = []
    for q in range(n):
        name = ("p", "rz", "ry", "rx")[int(rng.integers(4))]
        ops += [Operation("h", (q,)), Operation(name, (q,), (lane_angle(rng),))]
    for layer in range(int(rng.integers(1, 4))):
        if layer:
            qs = rng.permutation(n)[: int(rng.integers(1, n + 1))]
            ops += [Operation("h", (int(q),)) for q in qs]
            if rng.random() < 0.15:
                break
        for q in range(n - 1):  # neighbours: the layer covers every qubit
            two = ("cz", "cp", "crz", "rzz")[int(rng.integers(4))]
            pair = (q, q + 1) if rng.random() < 0.5 else (q + 1, q)
            ops.append(Operation(two, pair, tuple(lane_angle(rng) for _ in range(GATES[two].num_params))))
        ops += [Operation(("rz", "p")[int(rng.integers(2))], (q,), (lane_angle(rng),)) for q in range(n)]
        for _ in range(int(rng.integers(0, n + 1))):
            gd = GATES[name := DIAGONAL_GATES[int(rng.integers(len(DIAGONAL_GATES)))]]
            if gd.num_qubits <= n:
                qs = tuple(int(q) for q in rng.choice(n, gd.num_qubits, replace=False))
                ops.append(Operation(name, qs, tuple(lane_angle(rng) for _ in range(gd.num_params))))
    return Circuit(n, tuple(ops), inputs=(ParamDecl("x", (N_IN,), 0),))


@compiled
def test_lane_path_matches_reference() -> None:
    """The lane path (four samples per vector lane: the folded product state, Hadamard
    pairs and singles, diagonal ops whose last doubling level multiplies the state, the
    Hadamards' scale folded into the next level or the final store, and the transposed
    store of 1 to 4 lanes) on random circuits of its shape: states agree with the reference
    engine to 1e-10 for batch sizes around the lane width and the batch of gate entries,
    and with explicit angles (the shift rules' calls)."""
    taken = 0
    for seed in range(30):
        rng = np.random.default_rng(9100 + seed)
        n = int(rng.integers(1, 11))
        c = lane_circuit(rng, n)
        ex = X.Executor(c)
        if not ex._variant(True).c.lanes():
            continue
        taken += 1
        for b in (1, 3, 4, 7, 67, 130):
            x, w = rng.normal(size=(b, N_IN)), np.zeros(0)
            ref = _forward_reference(c, x, w)
            err = np.max(np.abs(ex.forward(x, w) - ref))
            assert err < 1e-10, (seed, n, b, err, c.ops)
        sim = Simulator(c)
        values = list(sim.plan.evaluate(x, w))
        if values:
            values[0] = values[0] + 0.3
        ref2 = canonical(sim.run(x, w, tuple(values))).copy()
        assert np.max(np.abs(ex.forward(x, w, tuple(values)) - ref2)) < 1e-10, (seed, c.ops)
    assert taken >= 15, taken  # most circuits of this shape take the path


def hadamard_diagonal_circuit(rng: np.random.Generator, n: int) -> Circuit:
    """Layers of Hadamards on random subsets of the qubits and diagonal gates (one- and
    two-qubit, on any pair, with ``cx; rz; cx`` parity units), some one-qubit gates between:
    Hadamard runs of every length and qubit set, doubling levels with 0 to n - 1 lower bits
    (beyond the plan's limit the general kernels run)."""
    ops: list[Operation] = []
    for _ in range(int(rng.integers(1, 5))):
        qs = rng.permutation(n)[: int(rng.integers(1, n + 1))]
        ops += [Operation("h", (int(q),)) for q in qs]
        ops += diagonal_gates(rng, n, int(rng.integers(0, 3 * n + 1)), cx_rate=0.2)
        if rng.random() < 0.3:
            ops.append(Operation("ry", (int(rng.integers(n)),), (random_angle(rng),)))
    return Circuit(
        n, tuple(ops), inputs=(ParamDecl("x", (N_IN,), 0),), weights=(ParamDecl("w", (N_W,), 0),)
    )


@compiled
@pytest.mark.parametrize("seed", range(40))
def test_hadamard_and_diagonal_layers_match_reference(seed: int) -> None:
    """The encoding fast paths (Walsh-Hadamard layers, diagonal ops by doubling, the folded
    product state) on random circuits: states agree with the reference engine to 1e-10
    (complex128) and 2e-5 (complex64), with and without a tape, with explicit angles, and
    with batches larger than one batch of gate entries."""
    rng = np.random.default_rng(6000 + seed)
    n = int(rng.integers(1, 9))
    c = hadamard_diagonal_circuit(rng, n)
    b = int(rng.integers(1, 6)) if seed % 3 else int(rng.integers(65, 140))
    x, w = rng.normal(size=(b, N_IN)), rng.normal(size=N_W)
    ex = X.Executor(c)
    try:
        ref = _forward_reference(c, x, w)
        psi = ex.forward(x, w)
        assert np.max(np.abs(psi - ref)) < 1e-10
        kept, _ = ex.forward(x, w, keep=True)
        assert np.max(np.abs(kept - ref)) < 1e-10
        assert np.max(np.abs(X.Executor(c, np.complex64).forward(x, w) - ref)) < 2e-5
        sim = Simulator(c)
        values = list(sim.plan.evaluate(x, w))
        if values:
            values[-1] = values[-1] + 0.3
        ref2 = canonical(sim.run(x, w, tuple(values))).copy()
        assert np.max(np.abs(ex.forward(x, w, tuple(values)) - ref2)) < 1e-10
    except AssertionError:
        print(f"seed {seed}: hadamard_diagonal_circuit(np.random.default_rng({6000 + seed}), {n}) ->")
        print(c.ops, ex._variant(True).c.encoding_paths())
        raise
