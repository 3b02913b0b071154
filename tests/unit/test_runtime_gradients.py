"""Every gradient method against finite differences and against each other."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.model import Observable, PauliTerm, QuantumBlock, Readout
from qlang.sim import QuantumFunction

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from runtime_helpers import PARAM_GATES, random_circuit  # noqa: E402


def _readouts(n: int) -> list[Readout]:
    mixed = Observable(
        (
            PauliTerm(E.Const(0.7), ((0, "Z"),)),
            PauliTerm(E.Weight(1), tuple((q, "XYZ"[q % 3]) for q in range(n))),
        )
    )
    x_last = Observable((PauliTerm(E.Const(1.0), ((n - 1, "X"),)),))
    return [
        Readout("expval", (mixed, x_last)),
        Readout("probs", qubits=tuple(range(min(n, 2)))),
        Readout("parity", qubits=tuple(range(n))),
    ]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("method", ["adjoint", "parameter-shift"])
def test_jacobians_match_finite_differences(seed: int, method: str) -> None:
    rng = np.random.default_rng(seed)
    n = 1 + seed % 4
    c = random_circuit(rng, n, 14)
    x, w = rng.uniform(-2, 2, (3, 2)), rng.uniform(-2, 2, 4)
    for readout in _readouts(n):
        block = QuantumBlock("m", c, readout)
        out, jw, jx = QuantumFunction(block, gradient=method).jacobian(x, w)
        ref = QuantumFunction(block, gradient="finite-diff").jacobian(x, w)
        assert np.allclose(out, ref[0], atol=1e-10)
        assert np.allclose(jw, ref[1], atol=1e-6), f"seed={seed} {readout.kind} weights"
        assert np.allclose(jx, ref[2], atol=1e-6), f"seed={seed} {readout.kind} inputs"


@pytest.mark.parametrize("name", PARAM_GATES)
def test_every_parameterised_gate_differentiates(name: str) -> None:
    rng = np.random.default_rng(11)
    c = random_circuit(rng, 3, 8, gates=["h", "cx", name, "ry"])
    x, w = rng.uniform(-2, 2, (2, 2)), rng.uniform(-2, 2, 4)
    block = QuantumBlock("m", c, _readouts(3)[0])
    ref = QuantumFunction(block, gradient="finite-diff").jacobian(x, w)
    for method in ("adjoint", "parameter-shift"):
        _, jw, jx = QuantumFunction(block, gradient=method).jacobian(x, w)
        assert np.allclose(jw, ref[1], atol=1e-6), method
        assert np.allclose(jx, ref[2], atol=1e-6), method


@pytest.mark.parametrize("method", ["adjoint", "parameter-shift", "finite-diff"])
def test_vjp_equals_cotangent_times_jacobian(method: str) -> None:
    rng = np.random.default_rng(5)
    c = random_circuit(rng, 4, 30)
    block = QuantumBlock("m", c, _readouts(4)[0])
    x, w = rng.uniform(-2, 2, (5, 2)), rng.uniform(-2, 2, 4)
    cot = rng.normal(size=(5, 2))
    qf = QuantumFunction(block, gradient=method)
    out, gw, gx = qf.vjp(x, w, cot)
    _, jw, jx = qf.jacobian(x, w)
    assert np.allclose(gw, np.einsum("bk,bkw->w", cot, jw), atol=1e-8)
    assert np.allclose(gx, np.einsum("bk,bkx->bx", cot, jx), atol=1e-8)
    # a callable cotangent sees the outputs of the same pass
    out2, gw2, _ = qf.vjp(x, w, lambda o: cot * 0 + o)
    assert np.allclose(gw2, np.einsum("bk,bkw->w", out, jw), atol=1e-8)


def test_spsa_is_exact_for_one_parameter_and_unbiased_for_many() -> None:
    c = Circuit(1, (Operation("ry", (0,), (E.Weight(0),)),), weights=(ParamDecl("w", (1,), 0),))
    z = Observable((PauliTerm(E.Const(1.0), ((0, "Z"),)),))
    block = QuantumBlock("m", c, Readout("expval", (z,)))
    _, jw, _ = QuantumFunction(block, gradient="spsa", seed=1, spsa_step=1e-4).jacobian(
        np.zeros((1, 0)), np.array([0.4])
    )
    assert np.isclose(jw[0, 0, 0], -np.sin(0.4), atol=1e-6)
    rng = np.random.default_rng(2)
    c = random_circuit(rng, 2, 8, n_in=1, n_w=2)
    block = QuantumBlock("m", c, Readout("expval", (z,)))
    x, w = rng.uniform(-2, 2, (1, 1)), rng.uniform(-2, 2, 2)
    exact = QuantumFunction(block).jacobian(x, w)
    qf = QuantumFunction(block, gradient="spsa", seed=3, spsa_samples=600, spsa_step=1e-3)
    est = qf.jacobian(x, w)
    assert np.allclose(est[1], exact[1], atol=0.2)
    assert np.allclose(est[2], exact[2], atol=0.2)
    again = QuantumFunction(
        block, gradient="spsa", seed=3, spsa_samples=600, spsa_step=1e-3
    ).jacobian(x, w)
    assert np.array_equal(est[1], again[1])  # seeded


def test_observable_coefficient_weights_get_gradients() -> None:
    c = Circuit(1, (Operation("rx", (0,), (E.Weight(0),)),), weights=(ParamDecl("w", (2,), 0),))
    obs = Observable((PauliTerm(E.Weight(1) * 2.0, ((0, "Z"),)),))
    block = QuantumBlock("m", c, Readout("expval", (obs,)))
    _, gw, _ = QuantumFunction(block).vjp(np.zeros((1, 0)), np.array([0.3, 1.5]), np.ones((1, 1)))
    assert np.allclose(gw, [-3.0 * np.sin(0.3), 2.0 * np.cos(0.3)])


def test_shots_give_seeded_estimates_with_errors() -> None:
    rng = np.random.default_rng(8)
    c = random_circuit(rng, 3, 15)
    block = QuantumBlock("m", c, _readouts(3)[0])
    x, w = rng.uniform(-2, 2, (4, 2)), rng.uniform(-2, 2, 4)
    exact = QuantumFunction(block).forward(x, w)
    qf = QuantumFunction(block, shots=4000, seed=5, gradient="auto")
    est = qf.forward(x, w)
    assert qf.last_stderr is not None and np.all(qf.last_stderr < 0.05)
    assert np.all(np.abs(est - exact) < 5 * qf.last_stderr + 1e-9)
    same = QuantumFunction(block, shots=4000, seed=5, gradient="auto").forward(x, w)
    assert np.array_equal(est, same)
    assert qf.gradient == "parameter-shift"


def test_adjoint_with_shots_and_unknown_method_are_rejected() -> None:
    c = random_circuit(np.random.default_rng(0), 2, 5)
    block = QuantumBlock("m", c, _readouts(2)[0])
    with pytest.raises(QLangError) as err:
        QuantumFunction(block, gradient="adjoint", shots=100)
    assert err.value.codes == ["QL0604"]
    with pytest.raises(QLangError) as err:
        QuantumFunction(block, gradient="backprop")
    assert err.value.codes == ["QL0604"]


def test_complex64_gradients_are_close_to_complex128() -> None:
    rng = np.random.default_rng(12)
    c = random_circuit(rng, 5, 40)
    block = QuantumBlock("m", c, _readouts(5)[0])
    x, w = rng.uniform(-2, 2, (4, 2)), rng.uniform(-2, 2, 4)
    cot = rng.normal(size=(4, 2))
    a = QuantumFunction(block).vjp(x, w, cot)
    b = QuantumFunction(block, dtype="complex64").vjp(x, w, cot)
    for u, v in zip(a, b, strict=True):
        assert np.allclose(u, v, atol=1e-4)


def test_chunked_batches_give_the_same_gradients() -> None:
    rng = np.random.default_rng(13)
    c = random_circuit(rng, 4, 30)
    block = QuantumBlock("m", c, _readouts(4)[0])
    x, w = rng.uniform(-2, 2, (7, 2)), rng.uniform(-2, 2, 4)
    cot = rng.normal(size=(7, 2))
    full = QuantumFunction(block)
    small = QuantumFunction(block, memory_budget=2 * full.simulator.estimate_memory(1, True))
    assert len(small._chunks(7, adjoint=True)) == 4
    for a, b in zip(full.vjp(x, w, cot), small.vjp(x, w, cot), strict=True):
        assert np.allclose(a, b)
    for a, b in zip(full.jacobian(x, w), small.jacobian(x, w), strict=True):
        assert np.allclose(a, b)
    assert np.allclose(full.forward(x, w), small.forward(x, w))
