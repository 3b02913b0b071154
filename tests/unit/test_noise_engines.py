"""The noisy engines against Qiskit Aer and against each other.

* density matrices and expectation values equal Aer's density-matrix method with the same
  noise model (exported by ``qlang.sim.noise_qiskit.to_aer``) to 1e-8 on 50 random
  circuits (n <= 6) with every channel; read probabilities with readout errors too;
* trajectories agree with the density matrix within 4 standard errors;
* shot estimates are within 4 standard errors and reproducible from the seed;
* exact (backprop) gradients equal parameter shift and central finite differences.

Each randomised check prints its seed and circuit when it fails.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.expr import Const, Input, Weight
from qlang.ir.gates import GATES
from qlang.ir.model import Observable, PauliTerm, QuantumBlock, Readout
from qlang.ir.noise import Channel, NoiseModel
from qlang.sim.noise_engines import DensityFunction, TrajectoryFunction

#: gates Aer's density-matrix method runs natively (so the noise keys match one to one)
ONE = ("rx", "ry", "rz", "h", "s", "sx", "t", "u", "p", "x", "sdg")
TWO = ("cx", "cz", "rzz", "swap", "cp", "rxx", "ecr", "ryy", "rzx", "cy")


def random_circuit(rng: np.random.Generator, n: int, m: int, inputs: bool = False) -> Circuit:
    ops, nw = [], 0
    for _ in range(m):
        if n > 1 and rng.random() < 0.4:
            g = str(rng.choice(TWO))
            qs = tuple(int(q) for q in rng.choice(n, 2, replace=False))
        else:
            g, qs = str(rng.choice(ONE)), (int(rng.integers(n)),)
        k = GATES[g].num_params
        params = tuple(Weight(nw + i) for i in range(k))
        if inputs and params and rng.random() < 0.5:
            params = (params[0] + 2.0 * Input(0),) + params[1:]
        nw += k
        ops.append(Operation(g, qs, params))
    return Circuit(
        n,
        tuple(ops),
        inputs=(ParamDecl("x", (1,), 0),) if inputs else (),
        weights=(ParamDecl("w", (nw,), 0),) if nw else (),
    )


def every_channel(rng: np.random.Generator, n: int) -> NoiseModel:
    """Every catalog channel, with random strengths, some per gate, some per qubit."""
    u = lambda a, b: float(rng.uniform(a, b))  # noqa: E731
    q = (int(rng.integers(n)),)
    return NoiseModel(
        (
            Channel("depolarizing", (("p", u(0, 0.05)),)),
            Channel("depolarizing", (("p", u(0, 0.1)),), gates=TWO),
            Channel("amplitude_damping", (("gamma", u(0, 0.1)),), gates=("rx", "cx", "h", "u")),
            Channel("phase_damping", (("gamma", u(0, 0.1)),), qubits=q),
            Channel("thermal_relaxation", (("t1", 50.0), ("t2", u(20, 100)), ("time", u(0.1, 2)))),
            Channel("pauli_channel", (("px", u(0, 0.02)), ("py", u(0, 0.02)), ("pz", u(0, 0.02)))),
            Channel("bit_flip", (("p", u(0, 0.05)),), gates=("cz", "rzz", "ry")),
            Channel("phase_flip", (("p", u(0, 0.05)),)),
            Channel("over_rotation", (("angle", u(-0.2, 0.2)), ("axis", str(rng.choice(list("xyz")))))),
            Channel("readout_error", (("p", u(0, 0.05)), ("p1", u(0, 0.08)))),
            Channel("readout_error", (("p", u(0, 0.03)),), qubits=q),
        )
    )


def random_observables(rng: np.random.Generator, n: int, k: int = 3) -> tuple[Observable, ...]:
    out = []
    for _ in range(k):
        qs = sorted(int(q) for q in rng.choice(n, int(rng.integers(1, n + 1)), replace=False))
        terms = (
            PauliTerm(Const(float(rng.normal())), tuple((q, str(rng.choice(list("XYZ")))) for q in qs)),
            PauliTerm(Const(0.5), ((qs[0], "Z"),)),
        )
        out.append(Observable(terms))
    return tuple(out)


def _aer_run(circuit: Circuit, noise: NoiseModel, w: np.ndarray):
    aer = pytest.importorskip("qiskit_aer")
    from qlang.targets.qiskit import to_qiskit

    from qlang.sim.noise_qiskit import to_aer

    qc = to_qiskit(circuit)
    qc = qc.assign_parameters(dict(zip(qc.metadata["qlang_parameters"], w, strict=True)))
    qc.save_density_matrix()
    model = to_aer(noise, circuit)
    sim = aer.AerSimulator(method="density_matrix", noise_model=model)
    rho = np.asarray(sim.run(qc).result().data()["density_matrix"])
    return rho, model


@pytest.mark.parametrize("seed", range(50))
def test_density_matrix_equals_aer(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 7))
    circuit = random_circuit(rng, n, int(rng.integers(4, 16)))
    noise = every_channel(rng, n)
    w = rng.uniform(0, 2 * np.pi, circuit.num_weights)
    aer_rho, model = _aer_run(circuit, noise, w)
    obs = random_observables(rng, n)
    qf = DensityFunction(QuantumBlock("main", circuit, Readout("expval", obs)), noise=noise)
    rho = qf.density_matrices(np.zeros((1, 0)), w)[0]
    where = f"seed {seed}: {circuit.ops}"
    assert np.abs(rho - aer_rho).max() < 1e-8, where
    # expectation values, readout errors included: Aer's exact state read through the
    # assignment matrices of the Aer noise model it ran with
    ours = qf.forward(np.zeros((1, 0)), w)[0]
    assign = {qs[0]: np.asarray(e.probabilities).T for qs, e in model._local_readout_errors.items()}
    for k, o in enumerate(obs):
        want = sum(
            float(t.coeff.value) * _read_expectation(aer_rho, t.paulis, assign, n) for t in o.terms
        )
        assert abs(ours[k] - want) < 1e-8, where


def _read_expectation(rho: np.ndarray, paulis, assign: dict, n: int) -> float:
    """``sum_b s(b) p_read(b)``: rotate into the Pauli's basis, take the diagonal, apply
    each qubit's assignment matrix, weight by the Z signs (independent of qlang's code)."""
    from qiskit.quantum_info import DensityMatrix, Operator

    rot = np.eye(1)
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    basis = {q: p for q, p in paulis}
    for q in range(n - 1, -1, -1):
        m = np.eye(2)
        if basis.get(q) == "X":
            m = h
        elif basis.get(q) == "Y":
            m = h @ np.diag([1, -1j])
        rot = np.kron(rot, m)
    p = np.real(np.diag(Operator(rot).data @ DensityMatrix(rho).data @ Operator(rot).data.conj().T))
    t = p.reshape((2,) * n)
    for q, a in assign.items():
        axis = n - 1 - q
        t = np.moveaxis(np.tensordot(a, t, axes=([1], [axis])), 0, axis)
    p = t.reshape(-1)
    idx = np.arange(2**n)
    sign = np.ones(2**n)
    for q in basis:
        sign *= 1 - 2 * ((idx >> q) & 1)
    return float(p @ sign)


@pytest.mark.parametrize("seed", range(6))
def test_trajectories_agree_within_four_standard_errors(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 5))
    circuit = random_circuit(rng, n, 10)
    noise = every_channel(rng, n)
    block = QuantumBlock("main", circuit, Readout("expval", random_observables(rng, n)))
    w = rng.uniform(0, 2 * np.pi, circuit.num_weights)
    x = np.zeros((2, 0))
    exact = DensityFunction(block, noise=noise).forward(x, w)
    tf = TrajectoryFunction(block, noise=noise, samples=1500, seed=seed)
    est = tf.forward(x, w)
    assert tf.last_stderr is not None and np.all(tf.last_stderr > 0)
    z = np.abs(est - exact) / tf.last_stderr
    assert z.max() < 4, (seed, circuit.ops, z)
    again = TrajectoryFunction(block, noise=noise, samples=1500, seed=seed).forward(x, w)
    assert np.array_equal(again, est)


@pytest.mark.parametrize("kind", ["expval", "probs", "parity", "samples"])
def test_shots_within_four_standard_errors_and_reproducible(kind: str) -> None:
    rng = np.random.default_rng(7)
    n = 3
    circuit = random_circuit(rng, n, 12)
    noise = every_channel(rng, n)
    readout = (
        Readout("expval", random_observables(rng, n))
        if kind == "expval"
        else Readout(kind, qubits=(0, 2))
    )
    block = QuantumBlock("main", circuit, readout)
    w = rng.uniform(0, 2 * np.pi, circuit.num_weights)
    x = np.zeros((3, 0))
    exact = DensityFunction(block, noise=noise).forward(x, w)
    qf = DensityFunction(block, noise=noise, shots=20000, seed=11)
    est = qf.forward(x, w)
    err = qf.last_stderr
    assert err is not None
    ok = err > 0
    assert np.all(np.abs(est - exact)[ok] < 4 * err[ok]), (est, exact, err)
    assert np.allclose(est[~ok], exact[~ok], atol=1e-12)
    same = DensityFunction(block, noise=noise, shots=20000, seed=11).forward(x, w)
    assert np.array_equal(same, est)
    other = DensityFunction(block, noise=noise, shots=20000, seed=12).forward(x, w)
    assert not np.array_equal(other, est)


@pytest.mark.parametrize("seed", range(5))
def test_backprop_gradients_equal_shift_rules_and_finite_differences(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    n = int(rng.integers(1, 4))
    circuit = random_circuit(rng, n, 10, inputs=True)
    noise = every_channel(rng, n)
    obs = random_observables(rng, n, 2)
    # a weight-dependent coefficient too
    obs = (replace(obs[0], terms=(replace(obs[0].terms[0], coeff=Weight(0) * 0.5 + 1.0),) + obs[0].terms[1:]),) + obs[1:]
    block = QuantumBlock("main", circuit, Readout("expval", obs))
    w = rng.uniform(0, 2 * np.pi, circuit.num_weights)
    x = rng.uniform(0, 1, (3, 1))
    out, jw, jx = DensityFunction(block, noise=noise).jacobian(x, w)
    _, jw_ps, jx_ps = DensityFunction(block, noise=noise, gradient="parameter-shift").jacobian(x, w)
    _, jw_fd, jx_fd = DensityFunction(block, noise=noise, gradient="finite-diff").jacobian(x, w)
    assert np.allclose(jw, jw_ps, atol=1e-10) and np.allclose(jx, jx_ps, atol=1e-10), seed
    assert np.allclose(jw, jw_fd, atol=1e-6) and np.allclose(jx, jx_fd, atol=1e-6), seed
    cot = rng.normal(size=out.shape)
    _, gw, gx = DensityFunction(block, noise=noise).vjp(x, w, cot)
    assert np.allclose(gw, np.einsum("bk,bkw->w", cot, jw), atol=1e-12)
    assert np.allclose(gx, np.einsum("bk,bkx->bx", cot, jx), atol=1e-12)


def test_trajectory_parameter_shift_gradient_is_close() -> None:
    rng = np.random.default_rng(5)
    circuit = random_circuit(rng, 2, 8)
    noise = every_channel(rng, 2)
    block = QuantumBlock("main", circuit, Readout("expval", random_observables(rng, 2, 1)))
    w = rng.uniform(0, 2 * np.pi, circuit.num_weights)
    x = np.zeros((1, 0))
    _, jw, _ = DensityFunction(block, noise=noise).jacobian(x, w)
    _, jw_t, _ = TrajectoryFunction(block, noise=noise, samples=3000, seed=1).jacobian(x, w)
    assert np.abs(jw - jw_t).max() < 0.05


def test_noise_changes_outputs_and_zero_noise_is_exact() -> None:
    from qlang.sim import QuantumFunction

    rng = np.random.default_rng(1)
    circuit = random_circuit(rng, 3, 10)
    block = QuantumBlock("main", circuit, Readout("expval", random_observables(rng, 3)))
    w = rng.uniform(0, 2 * np.pi, circuit.num_weights)
    x = np.zeros((1, 0))
    exact = QuantumFunction(block).forward(x, w)
    zero = NoiseModel((Channel("depolarizing", (("p", 0.0),)),))
    assert np.allclose(DensityFunction(block, noise=zero).forward(x, w), exact, atol=1e-12)
    some = NoiseModel((Channel("depolarizing", (("p", 0.1),)),))
    assert not np.allclose(DensityFunction(block, noise=some).forward(x, w), exact, atol=1e-3)


def test_kernels_without_noise_equal_the_statevector_kernels_and_with_shots_are_sampled() -> None:
    from qlang.sim import kernel_matrix, projected_kernel
    from qlang.sim.noise_kernels import NoisyKernel

    rng = np.random.default_rng(12)
    c = random_circuit(rng, 3, 10, inputs=True)
    X, Y = rng.uniform(0, 1, (5, 1)), rng.uniform(0, 1, (3, 1))
    w = rng.uniform(0, 6, c.num_weights)
    k = NoisyKernel(c)
    assert np.allclose(k.matrix(X, None, w), kernel_matrix(c, X, None, w), atol=1e-12)
    assert np.allclose(k.matrix(X, Y, w), kernel_matrix(c, X, Y, w), atol=1e-12)
    assert np.allclose(k.projected(X, Y, w, 0.7), projected_kernel(c, X, Y, w, 0.7), atol=1e-12)
    noise = every_channel(rng, 3)
    exact = NoisyKernel(c, noise=noise).matrix(X, None, w)
    assert np.all(np.diag(exact) < 1 - 1e-3)  # compute-uncompute under noise
    sampled = NoisyKernel(c, noise=noise, shots=5000, seed=4)
    K = sampled.matrix(X, None, w)
    err = sampled.last_stderr
    assert err is not None and np.allclose(K, K.T) and np.all(np.abs(K - exact) < 4 * err + 1e-12)
    assert np.array_equal(K, NoisyKernel(c, noise=noise, shots=5000, seed=4).matrix(X, None, w))


def test_compiled_kernels_equal_the_numpy_kernels() -> None:
    from qlang.sim import density as D
    from qlang.sim.noise import lower

    if D._compiled is None or D.PURE_PYTHON:
        pytest.skip("the compiled density kernels are not built")
    rng = np.random.default_rng(21)
    for _ in range(6):
        n = int(rng.integers(1, 5))
        c = random_circuit(rng, n, 12, inputs=True)
        prog = lower(c, every_channel(rng, n))
        x = rng.uniform(0, 1, (3, 1))
        w = rng.uniform(0, 6, c.num_weights)
        fast = D.DensityProgram(prog)
        ref = D.DensityProgram(prog)
        ref.kernels = D.NumpyKernels(ref.n, ref.dtype, ref.workspace)
        assert isinstance(fast.kernels, D.CompiledKernels)
        assert np.allclose(fast.forward(x, w), ref.forward(x, w), atol=1e-12)
        lam = rng.normal(size=(3, 4**n)) + 0j
        g1, g2 = fast.adjoint(x, w, lam, True), ref.adjoint(x, w, lam, True)
        assert g1.keys() == g2.keys()
        for k in g1:
            assert np.allclose(g1[k], g2[k], atol=1e-10)
