"""Property tests: every pass and preset preserves the unitary on random circuits.

Random circuits have 1-5 qubits, mixed gates and symbolic and constant
parameters; equivalence is checked with the reference simulator at random
bindings, including the global phase (all passes keep it exactly).
Hypothesis is seeded; a failure prints the minimal circuit.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from qlang.passes.basis.translate import BasisTranslation, UnrollMultiQubit
from qlang.passes.irtext import circuit_text
from qlang.passes.optimization.cancel import CancelInverses, MergeRotations, RemoveZeroRotations
from qlang.passes.optimization.fuse_swaps import FuseSwaps
from qlang.passes.optimization.phase_poly import ResynthesizeCnotPhase
from qlang.passes.optimization.reorder import CommuteReorder
from qlang.passes.optimization.resynth import ConsolidateBlocks, ResynthesizeOneQubit
from qlang.passes.optimization.swaps import ElideSwaps
from qlang.passes.presets import build_preset

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.gates import GATES
from qlang.ir.reference import unitary

N_IN, N_W = 2, 3
SPECIAL = [0.0, math.pi / 2, math.pi, 2 * math.pi, -math.pi / 4, 4 * math.pi, 0.3, -1.2]


@st.composite
def angles(draw: st.DrawFn) -> E.Expr:
    kind = draw(st.integers(0, 5))
    if kind <= 1:
        return E.Const(draw(st.sampled_from(SPECIAL)))
    if kind == 2:
        return E.Const(draw(st.floats(-7, 7, allow_nan=False)))
    w = E.Weight(draw(st.integers(0, N_W - 1)))
    x = E.Input(draw(st.integers(0, N_IN - 1)))
    if kind == 3:
        return draw(st.sampled_from([w, -w, x]))
    if kind == 4:
        return 2 * w + x - E.Const(0.5)
    return E.func("sin", x) * w


@st.composite
def circuits(draw: st.DrawFn, max_ops: int = 14) -> Circuit:
    n = draw(st.integers(1, 5))
    names = [g for g, gd in GATES.items() if gd.num_qubits <= n]
    ops = []
    for _ in range(draw(st.integers(0, max_ops))):
        name = draw(st.sampled_from(names))
        gd = GATES[name]
        k = gd.num_qubits or draw(st.integers(1, min(n, 4)))
        qubits = tuple(draw(st.permutations(range(n)))[:k])
        params = tuple(draw(angles()) for _ in range(gd.num_params))
        ops.append(Operation(name, qubits, params))
        if draw(st.booleans()) and ops:  # encourage cancellations: repeat or invert
            ops.append(draw(st.sampled_from([ops[-1], _inverse(ops[-1])])))
    return Circuit(
        n,
        tuple(ops),
        inputs=(ParamDecl("x", (N_IN,), 0),),
        weights=(ParamDecl("w", (N_W,), 0),),
    )


def _inverse(op: Operation) -> Operation:
    from qlang.ir.gates import inverse_of

    try:
        name, params = inverse_of(op.name, op.params)
    except ValueError:  # no inverse rule (iswap): repeat instead
        return op
    return Operation(name, op.qubits, tuple(params))


def output_permutation(n: int, final: tuple[int, ...]) -> np.ndarray:
    """Matrix moving logical qubit ``l`` to wire ``final[l]`` (little-endian)."""
    perm = np.zeros((2**n, 2**n))
    for i in range(2**n):
        j = sum(((i >> l) & 1) << final[l] for l in range(n))
        perm[j, i] = 1
    return perm


def assert_equivalent(before: Circuit, after: Circuit, trials: int = 2) -> None:
    rng = np.random.default_rng(7)
    for _ in range(trials):
        x, w = rng.uniform(-3, 3, N_IN), rng.uniform(-3, 3, N_W)
        a, b = unitary(before, x, w), unitary(after, x, w)
        if after.layout is not None and before.layout is None:
            assert after.layout.initial == tuple(range(after.num_qubits))
            a = output_permutation(after.num_qubits, after.layout.final) @ a
        assert np.allclose(a, b, atol=1e-6), (
            f"not equivalent at x={x}, w={w}\nbefore:\n{circuit_text(before)}\n"
            f"after:\n{circuit_text(after)}"
        )


PASSES = [
    CancelInverses(),
    CancelInverses(commute=True),
    MergeRotations(commute=False),
    MergeRotations(),
    MergeRotations(basis=("ibm",)),
    RemoveZeroRotations(),
    ResynthesizeOneQubit(),
    ResynthesizeOneQubit(basis=("rz", "sx", "x")),
    ResynthesizeOneQubit(basis=("rz", "ry")),
    ConsolidateBlocks(),
    BasisTranslation(basis=("ibm",)),
    BasisTranslation(basis=("quantinuum",)),
    BasisTranslation(basis=("ionq",)),
    BasisTranslation(basis=("rigetti",)),
    BasisTranslation(basis=("ibm-ecr",)),
    BasisTranslation(basis=("cz", "rx", "ry")),
    ConsolidateBlocks(allow_swaps=True),
    ResynthesizeCnotPhase(),
    ElideSwaps(),
    FuseSwaps(),
    UnrollMultiQubit(),
    CommuteReorder(),
]
COMMON = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@pytest.mark.parametrize("p", PASSES, ids=lambda p: p.spec())
@seed(20261123)
@COMMON
@given(c=circuits())
def test_pass_preserves_unitary(p, c: Circuit) -> None:
    snapshot = copy.deepcopy(c)
    res = p.run(c)
    assert c == snapshot, "input was mutated"
    res.circuit.verify()
    if not res.changed:
        assert res.circuit == c, "a pass reporting no change must leave the IR identical"
    assert_equivalent(c, res.circuit)


@pytest.mark.parametrize("basis", [None, ("ibm",), ("quantinuum",), ("rigetti",)], ids=str)
@pytest.mark.parametrize("level", [0, 1, 2, 3])
@seed(1123)
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(c=circuits())
def test_preset_preserves_unitary(level: int, basis, c: Circuit) -> None:
    out = build_preset(level, basis=basis).run(c)
    if basis is not None:
        from qlang.passes.basis.sets import resolve_basis

        allowed = set(resolve_basis(basis))
        assert {op.name for op in out.ops} <= allowed
    assert_equivalent(c, out, trials=1)


@pytest.mark.slow
@pytest.mark.parametrize("p", PASSES, ids=lambda p: p.spec())
@seed(777)
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(c=circuits(max_ops=24))
def test_pass_preserves_unitary_many(p, c: Circuit) -> None:
    res = p.run(c)
    if not res.changed:
        assert res.circuit == c
    assert_equivalent(c, res.circuit, trials=1)


@pytest.mark.slow
@pytest.mark.parametrize(
    "basis", [None, ("ibm",), ("quantinuum",), ("rigetti",), ("ionq",)], ids=str
)
@pytest.mark.parametrize("level", [0, 1, 2, 3])
@seed(4242)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(c=circuits(max_ops=24))
def test_preset_preserves_unitary_many(level: int, basis, c: Circuit) -> None:
    assert_equivalent(c, build_preset(level, basis=basis).run(c), trials=1)
