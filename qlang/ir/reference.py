"""A small, obviously-correct dense simulator for tests and equivalence checks.

It builds full matrices and is meant for circuits up to ~12 qubits. The fast
batched simulator lives in :mod:`qlang.sim`.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(2, (Operation("h", (0,)), Operation("cx", (0, 1))))
    >>> import numpy as np
    >>> np.round(statevector(c), 3).tolist()
    [(0.707+0j), 0j, 0j, (0.707+0j)]
"""

from __future__ import annotations

import numpy as np

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.gates import GATES, gate_matrix


def bound_params(op: Operation, inputs: np.ndarray, weights: np.ndarray) -> list[float]:
    x = np.asarray(inputs, dtype=float).reshape(1, -1)
    return [float(E.evaluate(p, x, np.asarray(weights, dtype=float))[0]) for p in op.params]


def op_matrix(op: Operation, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The gate's matrix with the first qubit argument most significant."""
    gd = GATES[op.name]
    params = bound_params(op, inputs, weights)
    if gd.num_qubits == 0:
        return gate_matrix(op.name, num_qubits=len(op.qubits))
    return gate_matrix(op.name, *params)


def apply_matrix(state: np.ndarray, mat: np.ndarray, qubits: tuple[int, ...], n: int) -> np.ndarray:
    """Apply ``mat`` (first qubit most significant) to a little-endian state."""
    k = len(qubits)
    psi = state.reshape([2] * n)  # axis a holds qubit n-1-a
    axes = [n - 1 - q for q in qubits]
    m = mat.reshape([2] * (2 * k))
    psi = np.tensordot(m, psi, axes=(list(range(k, 2 * k)), axes))
    psi = np.moveaxis(psi, list(range(k)), axes)
    return psi.reshape(-1)


def statevector(
    circuit: Circuit,
    inputs: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    initial: np.ndarray | None = None,
) -> np.ndarray:
    """Final state of a unitary circuit (measure/reset rejected, barriers skipped)."""
    n = circuit.num_qubits
    x = np.zeros(circuit.num_inputs) if inputs is None else np.asarray(inputs, dtype=float)
    w = np.zeros(circuit.num_weights) if weights is None else np.asarray(weights, dtype=float)
    state = np.zeros(2**n, dtype=complex)
    if initial is None:
        state[0] = 1.0
    else:
        state = np.asarray(initial, dtype=complex).copy()
    for op in circuit.ops:
        if op.name == "barrier":
            continue
        if not op.is_gate or op.condition is not None:
            raise ValueError(f"reference simulator cannot run `{op.name}` with conditions")
        state = apply_matrix(state, op_matrix(op, x, w), op.qubits, n)
    phase = float(E.evaluate(circuit.global_phase, x.reshape(1, -1), w)[0])
    return state * np.exp(1j * phase)


def unitary(
    circuit: Circuit, inputs: np.ndarray | None = None, weights: np.ndarray | None = None
) -> np.ndarray:
    """The circuit's unitary in Qiskit's (little-endian) convention."""
    dim = 2**circuit.num_qubits
    cols = [statevector(circuit, inputs, weights, initial=np.eye(dim)[:, j]) for j in range(dim)]
    return np.stack(cols, axis=1)


def equal_up_to_phase(a: np.ndarray, b: np.ndarray, atol: float = 1e-8) -> bool:
    """True when ``a == exp(i phi) b`` for some phase (vectors or matrices)."""
    a, b = np.asarray(a).reshape(-1), np.asarray(b).reshape(-1)
    if a.shape != b.shape:
        return False
    k = int(np.argmax(np.abs(b)))
    if abs(b[k]) < atol:
        return bool(np.allclose(a, b, atol=atol))
    phase = a[k] / b[k]
    if not np.isclose(abs(phase), 1.0, atol=1e-6):
        return False
    return bool(np.allclose(a, phase * b, atol=atol))
