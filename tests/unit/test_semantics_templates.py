"""Stdlib entries equal the documented definitions of PennyLane templates and
textbook constructions (references built gate by gate in the test)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.linalg import expm

from qlang.driver import load_model, lower_circuit
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.gates import PAULI_MATRICES
from qlang.ir.reference import equal_up_to_phase, statevector, unitary

SEED = 2024


def _ops(*items: tuple) -> tuple[Operation, ...]:
    return tuple(Operation(n, tuple(q), tuple(E.Const(float(p)) for p in ps)) for n, q, ps in items)


def _unitary_of(n: int, ops: list[tuple]) -> np.ndarray:
    return unitary(Circuit(n, _ops(*ops)))


def _obs_matrix(obs, n: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    total = np.zeros((2**n, 2**n), dtype=complex)
    for t in obs.terms:
        letters = ["I"] * n
        for q, p in t.paulis:
            letters[n - 1 - q] = p
        m = np.array([[1.0]], dtype=complex)
        for ch in letters:
            m = np.kron(m, PAULI_MATRICES[ch])
        total += E.const_value(t.coeff) * m
    return total


@pytest.mark.parametrize("n", [2, 3, 4, 5, pytest.param(6, marks=pytest.mark.slow)])
@pytest.mark.parametrize("layers", [1, 3])
def test_strongly_entangling_layers(n: int, layers: int) -> None:
    rng = np.random.default_rng(SEED + n + layers)
    c = lower_circuit("ansatze", "strongly_entangling", n=n, layers=layers)
    w = rng.uniform(-np.pi, np.pi, (layers, n, 3))
    ref = []
    for l in range(layers):
        for i in range(n):  # Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)
            ref += [("rz", [i], [w[l, i, 0]]), ("ry", [i], [w[l, i, 1]]), ("rz", [i], [w[l, i, 2]])]
        r = l % (n - 1) + 1
        ref += [("cx", [i, (i + r) % n], []) for i in range(n)]
    assert np.allclose(unitary(c, weights=w.ravel()), _unitary_of(n, ref), atol=1e-9), (
        f"seed={SEED}"
    )


@pytest.mark.parametrize("n", [2, 3, 4, 5, pytest.param(6, marks=pytest.mark.slow)])
@pytest.mark.parametrize("rotation", ["rx", "ry", "rz"])
def test_basic_entangler_layers(n: int, rotation: str) -> None:
    rng = np.random.default_rng(SEED + n)
    c = lower_circuit("ansatze", "basic_entangler", n=n, layers=2, rotation=rotation)
    w = rng.uniform(-np.pi, np.pi, (2, n))
    ref = []
    for l in range(2):
        ref += [(rotation, [i], [w[l, i]]) for i in range(n)]
        ref += [("cx", [0, 1], [])] if n == 2 else [("cx", [i, (i + 1) % n], []) for i in range(n)]
    assert np.allclose(unitary(c, weights=w.ravel()), _unitary_of(n, ref), atol=1e-9)


@pytest.mark.parametrize("n", [2, 3, 4, 5, pytest.param(6, marks=pytest.mark.slow)])
def test_simplified_two_design(n: int) -> None:
    rng = np.random.default_rng(SEED + n)
    c = lower_circuit("ansatze", "simplified_two_design", n=n, layers=2)
    init, w = rng.uniform(-np.pi, np.pi, n), rng.uniform(-np.pi, np.pi, (2, n - 1, 2))
    ref = [("ry", [i], [init[i]]) for i in range(n)]
    for l in range(2):
        for i in range(n // 2):
            a, b = 2 * i, 2 * i + 1
            ref += [("cz", [a, b], []), ("ry", [a], [w[l, i, 0]]), ("ry", [b], [w[l, i, 1]])]
        for i in range((n - 1) // 2):
            a, b, k = 2 * i + 1, 2 * i + 2, n // 2 + i
            ref += [("cz", [a, b], []), ("ry", [a], [w[l, k, 0]]), ("ry", [b], [w[l, k, 1]])]
    got = unitary(c, weights=np.concatenate([init, w.ravel()]))
    assert np.allclose(got, _unitary_of(n, ref), atol=1e-9)


@pytest.mark.parametrize("n", [2, 3, 4, 5, pytest.param(6, marks=pytest.mark.slow)])
def test_iqp_embedding(n: int) -> None:
    rng = np.random.default_rng(SEED + n)
    x = rng.uniform(-1, 1, n)
    c = lower_circuit("encodings", "iqp", n=n, reps=2)
    ref = []
    for _ in range(2):
        ref += [("h", [i], []) for i in range(n)] + [("rz", [i], [x[i]]) for i in range(n)]
        ref += [("rzz", [i, j], [x[i] * x[j]]) for i, j in itertools.combinations(range(n), 2)]
    assert np.allclose(unitary(c, inputs=x), _unitary_of(n, ref), atol=1e-9)


@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("rotation", ["x", "y", "z"])
def test_angle_and_dense_angle(n: int, rotation: str) -> None:
    rng = np.random.default_rng(SEED + n)
    x = rng.uniform(-np.pi, np.pi, 2 * n)
    c = lower_circuit("encodings", "angle", n=n, rotation=rotation)
    ref = [(f"r{rotation}", [i], [x[i]]) for i in range(n)]
    assert np.allclose(unitary(c, inputs=x[:n]), _unitary_of(n, ref), atol=1e-9)
    d = lower_circuit("encodings", "dense_angle", n=n)
    ref = [op for i in range(n) for op in (("ry", [i], [x[2 * i]]), ("rz", [i], [x[2 * i + 1]]))]
    assert np.allclose(unitary(d, inputs=x), _unitary_of(n, ref), atol=1e-9)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_basis_encoding_prepares_the_bit_string(n: int) -> None:
    c = lower_circuit("encodings", "basis", n=n)
    for bits in itertools.product([0, 1], repeat=n):
        idx = sum(b << i for i, b in enumerate(bits))
        want = np.zeros(2**n)
        want[idx] = 1
        assert equal_up_to_phase(statevector(c, inputs=np.array(bits, float)), want)


@pytest.mark.parametrize("n", [2, 3, 4, 5, pytest.param(6, marks=pytest.mark.slow)])
@pytest.mark.parametrize("signed", [False, True])
def test_amplitude_encoding_is_exact(n: int, signed: bool) -> None:
    rng = np.random.default_rng(SEED + n + signed)
    c = lower_circuit("encodings", "amplitude", n=n, signed=signed)
    for trial in range(3):
        x = rng.normal(size=2**n) if signed else rng.uniform(0, 1, 2**n)
        if trial == 2:  # zero blocks and exact zeros
            x[: 2 ** (n - 1)] = 0.0
            x[-1] = 0.0 if not signed else -abs(x[-1])
        x = x / np.linalg.norm(x)
        got = statevector(c, inputs=x)
        assert np.allclose(got, x, atol=1e-9), f"seed={SEED} n={n} signed={signed} x={x}"
    assert c.count_ops()["cx"] == 2**n - 2


def test_evolve_matches_matrix_exponential() -> None:
    text = (
        "circuit evo(t: float) on q[3] { evolve(0.3 * X0 Y1 - 0.7 * Z1 Z2 + 0.2 * Y2 X0 Z1, t) q; }"
    )
    c = lower_circuit(text, "evo")
    i_, x_, y_, z_ = (PAULI_MATRICES[k] for k in "IXYZ")
    terms = [  # little-endian: qubit 0 is the rightmost factor
        0.3 * np.kron(np.kron(i_, y_), x_),
        -0.7 * np.kron(np.kron(z_, z_), i_),
        0.2 * np.kron(np.kron(y_, z_), x_),
    ]
    want = np.eye(8, dtype=complex)
    for k in _evolve_order(c):  # the product of term exponentials, in the lowered order
        want = expm(-1j * 0.9 * terms[k]) @ want
    assert equal_up_to_phase(unitary(c, weights=np.array([0.9])), want)


def test_hamiltonian_embedding_converges_to_the_exponential() -> None:
    x = np.array([0.4, -0.8, 0.3])
    i_, x_, z_ = PAULI_MATRICES["I"], PAULI_MATRICES["X"], PAULI_MATRICES["Z"]
    H = (
        x[0] * np.kron(np.kron(i_, i_), x_)
        + x[1] * np.kron(np.kron(i_, x_), i_)
        + x[2] * np.kron(np.kron(x_, i_), i_)
        + x[0] * x[1] * np.kron(np.kron(i_, z_), z_)
        + x[1] * x[2] * np.kron(np.kron(z_, z_), i_)
    )
    c = lower_circuit("encodings", "hamiltonian_embedding", n=3, t=0.7, steps=60)
    assert np.allclose(unitary(c, inputs=x), expm(-0.7j * H), atol=5e-3)


def _evolve_order(c: Circuit) -> list[int]:
    """Which term each rz belongs to, from its angle coefficient."""
    coeffs = {0.6: 0, -1.4: 1, 0.4: 2}
    out = []
    for op in c.ops:
        if op.name == "rz":
            val = E.evaluate(op.params[0], np.zeros((1, 0)), np.array([1.0]))[0]
            out.append(coeffs[round(float(val), 6)])
    return out


@pytest.mark.parametrize("p", [1, 2])
def test_qaoa_equals_exponentials(p: int) -> None:
    rng = np.random.default_rng(SEED + p)
    text = (
        "import ansatze.qaoa\nimport observables.maxcut\nconst g = random_regular(3, 6, seed = 2);\n"
        f"circuit a on q[6] {{ qaoa(maxcut(g), p = {p}) q; }}"
    )
    c = lower_circuit(text, "a")
    gamma, beta = rng.uniform(0, np.pi, p), rng.uniform(0, np.pi, p)
    m = load_model(
        text.replace(
            f"circuit a on q[6] {{ qaoa(maxcut(g), p = {p}) q; }}",
            "model m { qubits = 6 observable = maxcut(g) "
            f"ansatz = qaoa(maxcut(g), p = {p}) task = minimize(observable) }}",
        )
    )
    C = _obs_matrix(m.main.readout.observables[0], 6)
    B = sum(_obs_matrix_single("X", i, 6) for i in range(6))
    psi = np.ones(64, dtype=complex) / 8
    for l in range(p):
        psi = expm(-1j * beta[l] * B) @ (expm(-1j * gamma[l] * C) @ psi)
    assert equal_up_to_phase(statevector(c, weights=np.concatenate([gamma, beta])), psi)


def _obs_matrix_single(p: str, q: int, n: int) -> np.ndarray:
    m = np.array([[1.0]], dtype=complex)
    for k in reversed(range(n)):
        m = np.kron(m, PAULI_MATRICES[p if k == q else "I"])
    return m


def test_maxcut_and_qubo_diagonals_equal_classical_costs() -> None:
    text = (
        "import observables.{maxcut, qubo}\nconst g = graph([(0, 1), (1, 2, 2.0), (0, 2)]);\n"
        "const Q = [[1, -2, 0], [0, 3, 1], [0, 0, -1]];\n"
        "model a { qubits = 3 observable = maxcut(g) ansatz = c() task = minimize(observable) }\n"
        "model b { qubits = 3 observable = qubo(Q) ansatz = c() task = minimize(observable) }\n"
        "circuit c on q[3] { h q[0]; }"
    )
    Qm = np.array([[1, -2, 0], [0, 3, 1], [0, 0, -1]], float)
    da = np.diag(_obs_matrix(load_model(text, model="a").main.readout.observables[0], 3)).real
    db = np.diag(_obs_matrix(load_model(text, model="b").main.readout.observables[0], 3)).real
    for idx in range(8):
        z = [(idx >> i) & 1 for i in range(3)]
        cut = (z[0] != z[1]) + 2.0 * (z[1] != z[2]) + (z[0] != z[2])
        assert np.isclose(da[idx], -cut)
        assert np.isclose(db[idx], np.array(z) @ Qm @ np.array(z))


@pytest.mark.parametrize("n", [2, 3, 5])
def test_ising_matrix(n: int) -> None:
    text = (
        f"import observables.ising\ncircuit c on q[{n}] {{ h q[0]; }}\n"
        f"model m {{ qubits = {n} observable = ising(J = 0.8, h = 0.3, periodic = true) "
        "ansatz = c() task = minimize(observable) }"
    )
    obs = load_model(text).main.readout.observables[0]
    want = np.zeros((2**n, 2**n), dtype=complex)
    pairs = [(i, (i + 1) % n) for i in range(n)] if n > 2 else [(0, 1), (1, 0)]
    for i, j in pairs:
        want -= 0.8 * _obs_matrix_single("Z", i, n) @ _obs_matrix_single("Z", j, n)
    for i in range(n):
        want -= 0.3 * _obs_matrix_single("X", i, n)
    assert np.allclose(_obs_matrix(obs, n), want)
    assert list(obs.terms) == sorted(obs.terms, key=lambda t: (len(t.paulis), t.paulis))


def test_modifiers_on_circuits() -> None:
    text = """
    circuit body(a: float, b: float) on q[2] { ry(a) q[0]; cx q[0], q[1]; rz(b) q[1]; s q[0]; sx q[1]; }
    circuit plain on q[2] { body(0.3, -1.1) q; }
    circuit inverse on q[2] { inv @ body(0.3, -1.1) q; }
    circuit controlled on q[4] { ctrl(2) @ body(0.3, -1.1) q[3], q[0], q[1], q[2]; }
    circuit negative on q[3] { negctrl @ body(0.3, -1.1) q[2], q[0], q[1]; }
    circuit squared on q[2] { pow(2) @ body(0.3, -1.1) q; }
    """
    u = unitary(lower_circuit(text, "plain"))
    assert np.allclose(unitary(lower_circuit(text, "inverse")) @ u, np.eye(4), atol=1e-9)
    assert np.allclose(unitary(lower_circuit(text, "squared")), u @ u, atol=1e-9)
    # ctrl(2) on controls 3 and 0, body on 1, 2
    got = unitary(lower_circuit(text, "controlled"))
    for idx in range(16):
        on = (idx >> 3) & 1 and idx & 1
        col = got[:, idx]
        if not on:
            assert np.isclose(abs(col[idx]), 1.0)
    neg = unitary(lower_circuit(text, "negative"))
    for idx in range(8):
        if (idx >> 2) & 1:
            assert np.isclose(abs(neg[idx, idx]), 1.0)
    assert np.allclose(neg[:4, :4], u, atol=1e-9)  # control q2 = |0>: body on q0, q1
    # both controls |1> (q3 and q0): the body acts on (q1, q2)
    sel = [i for i in range(16) if (i >> 3) & 1 and i & 1]
    sub = got[np.ix_(sel, sel)]
    assert np.allclose(sub, u, atol=1e-9)


def test_mid_circuit_measurement_and_conditions() -> None:
    text = """
    circuit dyn on q[2] {
      bit[2] c;
      h q[0];
      c[0] = measure q[0];
      if (c[0] == 1) { x q[1]; } else { h q[1]; }
      measure q[1] -> c[1];
      if (c == 2) { z q[0]; }
      reset q[0];
      barrier q;
    }
    """
    c = lower_circuit(text, "dyn")
    assert c.num_clbits == 2
    conds = [(op.name, op.condition.clbits, op.condition.value) for op in c.ops if op.condition]
    assert conds == [("x", (0,), 1), ("h", (0,), 0), ("z", (0, 1), 2)]
    assert [op.name for op in c.ops if not op.is_gate] == ["measure", "measure", "reset", "barrier"]
