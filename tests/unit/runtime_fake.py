"""A test-only stand-in for ``qlang.runtime.QuantumFunction`` built on the dense reference
simulator, with central finite-difference VJPs. Slow; tiny circuits only."""

from __future__ import annotations

import numpy as np

from qlang.ir import expr as E
from qlang.ir.model import QuantumBlock
from qlang.ir.reference import statevector

_PAULI = {
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def _pauli_matrix(paulis, n):
    mat = np.array([[1.0 + 0j]])
    ops = dict(paulis)
    for q in reversed(range(n)):  # kron with qubit n-1 first: little-endian
        mat = np.kron(mat, ops_get(ops, q))
    return mat


def ops_get(ops, q):
    return _PAULI[ops[q]] if q in ops else np.eye(2, dtype=complex)


class FakeQuantumFunction:
    def __init__(self, block: QuantumBlock, *, gradient="adjoint", dtype="complex128", shots=None, seed=None):
        self.block = block
        self.circuit = block.circuit
        self.readout = block.readout
        self.num_outputs = block.readout.num_outputs

    def _one(self, x, w):
        n = self.circuit.num_qubits
        psi = statevector(self.circuit, x, w)
        r = self.readout
        if r.kind == "expval":
            out = []
            for obs in r.observables:
                val = 0.0
                for t in obs.terms:
                    c = float(E.evaluate(t.coeff, x.reshape(1, -1), w)[0])
                    val += c * float(np.real(np.vdot(psi, _pauli_matrix(t.paulis, n) @ psi)))
                out.append(val)
            return np.array(out)
        probs = np.abs(psi) ** 2
        idx = np.arange(2**n)
        if r.kind == "parity":
            sign = np.ones(2**n)
            for q in r.qubits:
                sign *= 1 - 2 * ((idx >> q) & 1)
            return np.array([probs @ sign])
        sub = np.zeros(2 ** len(r.qubits))
        key = sum(((idx >> q) & 1) << k for k, q in enumerate(r.qubits))
        np.add.at(sub, key, probs)
        return sub

    def forward(self, inputs, weights):
        X = np.asarray(inputs, float).reshape(len(inputs), self.circuit.num_inputs)
        return np.stack([self._one(x, np.asarray(weights, float)) for x in X])

    def vjp(self, inputs, weights, cotangent):
        X = np.asarray(inputs, float).reshape(len(inputs), self.circuit.num_inputs)
        w = np.asarray(weights, float)
        ct = np.asarray(cotangent, float)
        out = self.forward(X, w)
        h = 1e-6
        gw = np.zeros_like(w)
        for k in range(len(w)):
            e = np.zeros_like(w)
            e[k] = h
            gw[k] = np.sum(ct * (self.forward(X, w + e) - self.forward(X, w - e))) / (2 * h)
        gx = np.zeros_like(X)
        for b in range(len(X)):
            for i in range(X.shape[1]):
                xp, xm = X[b].copy(), X[b].copy()
                xp[i] += h
                xm[i] -= h
                gx[b, i] = ct[b] @ (self._one(xp, w) - self._one(xm, w)) / (2 * h)
        return out, gw, gx


def fake_kernel_matrix(encoding, X1, X2=None, weights=None):
    w = np.zeros(encoding.num_weights) if weights is None else np.asarray(weights, float)
    S1 = np.stack([statevector(encoding, x, w) for x in np.asarray(X1, float)])
    S2 = S1 if X2 is None else np.stack([statevector(encoding, x, w) for x in np.asarray(X2, float)])
    return np.abs(S1.conj() @ S2.T) ** 2
