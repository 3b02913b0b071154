"""Readouts of density matrices, with readout (assignment) errors and shot sampling.

Every readout is an expectation over *measured* bitstrings: for each measurement basis
(a group of Pauli terms with the same X/Y pattern, rotated into Z by ``H`` or
``H S^dagger``) the distribution ``p = A diag(R rho R^dagger)`` of the bits read, where
``A`` applies every qubit's assignment matrix (matrix-free, one axis at a time); an
output is ``p @ V`` for a value table ``V`` (Pauli signs, outcome indicators, parity
signs or bits). So readout errors act exactly where a device makes them, shot samples
are drawn from ``p`` (seeded, with standard errors), and the cotangent of the outputs
is the observable ``Lambda = sum_g R^dagger diag(A^T V cot) R`` the density-matrix
engine sweeps back.

Example::

    >>> import numpy as np
    >>> from qlang.ir.expr import Const
    >>> from qlang.ir.model import Observable, PauliTerm, Readout
    >>> z0 = Observable((PauliTerm(Const(1.0), ((0, "Z"),)),))
    >>> flip = {0: np.array([[0.9, 0.1], [0.1, 0.9]])}
    >>> r = DensityReadout(Readout("expval", (z0,)), 1, flip)
    >>> rho = np.array([[1.0, 0, 0, 0]], dtype=complex)        # |0><0|
    >>> r.outputs(rho, np.zeros((1, 0)), np.zeros(0)).round(6).tolist()
    [[0.8]]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from qlang.ir.model import Readout
from qlang.sim.engine import State, apply_block, canonical
from qlang.sim.plan import Block
from qlang.sim.readout import (
    ReadoutPlan,
    add_shot_moments,
    apply_1q,
    bernoulli_error,
    multinomial,
)

_H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
_HSDG = _H @ np.diag([1, -1j])


class DensityReadout:
    """Outputs, cotangents and samples of one readout on ``n``-qubit density matrices."""

    def __init__(
        self,
        readout: Readout,
        n: int,
        assignment: dict[int, np.ndarray] | None = None,
        pure: bool = False,
        mitigation: dict[int, np.ndarray] | None = None,
    ):
        self.plan = ReadoutPlan(readout, n)
        #: states are statevectors ``(B, 2**n)`` (trajectories), not ``vec(rho)``
        self.pure = pure
        self.readout = readout
        self.n = n
        self.kind = readout.kind
        self.num_outputs = self.plan.num_outputs
        self.assignment = dict(assignment or {})
        rp = self.plan
        idx = np.arange(2**n)
        self.groups: list[tuple] = []
        self.columns: list[list[int]] = []
        self.tables: list[np.ndarray] = []
        if self.kind == "expval":
            for g, key in enumerate(rp.groups):
                cols = [i for i, t in enumerate(rp.terms) if t.group == g]
                self.groups.append(key)
                self.columns.append(cols)
                self.tables.append(rp.term_signs[:, cols])
        else:
            self.groups.append(())
            self.columns.append(list(range(self.num_outputs)))
            if self.kind == "probs":
                table = np.zeros((2**n, self.num_outputs))
                table[idx, rp.index] = 1.0
            elif self.kind == "parity":
                table = rp.parity_signs[:, None].astype(float)
            else:  # samples: the mean of each qubit's bit
                table = np.stack([(idx >> q) & 1 for q in readout.qubits], axis=1).astype(float)
            self.tables.append(table)
        #: readout mitigation: the value tables read the distribution A_hat^-1 p
        self.mitigation = dict(mitigation or {})
        if self.mitigation:
            self.tables = [self._unmix(t) for t in self.tables]

    def _unmix(self, table: np.ndarray) -> np.ndarray:
        """``(M^-1)^T table`` with ``M^-1`` the tensor product of the inverse calibration
        matrices, applied one qubit axis at a time (matrix-free)."""
        n = self.n
        k = table.shape[1]
        t = table.reshape((2,) * n + (k,))
        for q, inv in self.mitigation.items():
            axis = n - 1 - q
            t = np.moveaxis(np.tensordot(inv.T, t, axes=([1], [axis])), 0, axis)
        return np.ascontiguousarray(t).reshape(2**n, k)

    # --- distributions ------------------------------------------------------------------
    def _rotation(self, key: tuple, adjoint: bool = False) -> list[tuple[int, np.ndarray]]:
        out = []
        for q, p in key:
            r = _H if p == "X" else _HSDG
            out.append((q, r.conj().T if adjoint else r))
        return out

    def _rotate(self, vec: np.ndarray, key: tuple, adjoint: bool = False) -> np.ndarray:
        """``R X R^dagger`` of batched ``vec(X)`` (``R^dagger X R`` with ``adjoint``)."""
        if not key:
            return vec
        n = self.n
        st = State(vec, tuple(range(2 * n - 1, -1, -1)))
        for q, r in self._rotation(key, adjoint):
            st = apply_block(st, Block((q + n, q), (), False, False), np.kron(r, r.conj()))
        return canonical(st)

    def _assign(self, p: np.ndarray, transpose: bool = False) -> np.ndarray:
        """Apply every qubit's assignment matrix (or its transpose) to ``p (B, 2**n)``."""
        if not self.assignment:
            return p
        n = self.n
        b = p.shape[0]
        t = p.reshape((b,) + (2,) * n)
        for q, a in self.assignment.items():
            m = a.T if transpose else a
            axis = 1 + (n - 1 - q)
            t = np.moveaxis(np.tensordot(m, t, axes=([1], [axis])), 0, axis)
        return np.ascontiguousarray(t).reshape(b, 2**n)

    def distribution(self, rho: np.ndarray, g: int) -> np.ndarray:
        """Probabilities of the bitstrings read in measurement basis ``g``, ``(B, 2**n)``."""
        if self.pure:
            psi = rho
            for q, r in self._rotation(self.groups[g]):
                psi = apply_1q(psi, r, q, self.n)
            return self._assign(psi.real**2 + psi.imag**2)
        d = 2**self.n
        rot = self._rotate(rho, self.groups[g])
        diag = rot.reshape(-1, d, d).diagonal(axis1=1, axis2=2).real
        return self._assign(np.clip(diag, 0.0, None))

    # --- exact outputs ---------------------------------------------------------------------
    def coefficients(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self.plan.coefficients(x, w)

    def column_values(self, rho: np.ndarray) -> list[np.ndarray]:
        """Per basis group: ``p_g @ V_g`` (term values, or the outputs themselves)."""
        return [self.distribution(rho, g) @ self.tables[g] for g in range(len(self.groups))]

    def _combine(self, cols: list[np.ndarray], x: np.ndarray, w: np.ndarray) -> np.ndarray:
        b = cols[0].shape[0] if cols else x.shape[0]
        if self.kind != "expval":
            return cols[0]
        out = np.zeros((b, self.num_outputs))
        coeffs = self.coefficients(x, w)
        for g, idx in enumerate(self.columns):
            for j, i in enumerate(idx):
                out[:, self.plan.terms[i].obs] += coeffs[:, i] * cols[g][:, j]
        return out

    def outputs(self, rho: np.ndarray, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self._combine(self.column_values(rho), x, w)

    def term_values(self, rho: np.ndarray) -> np.ndarray:
        """``<P_t>`` as read (readout errors included) for every term, ``(B, T)``."""
        cols = self.column_values(rho)
        out = np.zeros((rho.shape[0], len(self.plan.terms)))
        for g, idx in enumerate(self.columns):
            out[:, idx] = cols[g]
        return out

    # --- gradients ---------------------------------------------------------------------
    def cotangent(self, cot: np.ndarray, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """``vec(Lambda)`` with ``<<Lambda|rho>> = sum_k cot_k out_k`` (coefficients fixed)."""
        b = cot.shape[0]
        d = 2**self.n
        coeffs = self.coefficients(x, w) if self.kind == "expval" else None
        lam = np.zeros((b, d * d), dtype=complex)
        for g, idx in enumerate(self.columns):
            if coeffs is not None:
                dcols = np.stack(
                    [cot[:, self.plan.terms[i].obs] * coeffs[:, i] for i in idx], axis=1
                )
            else:
                dcols = cot
            u = self._assign(dcols @ self.tables[g].T, transpose=True)  # (B, 2**n)
            diag = np.zeros((b, d * d), dtype=complex)
            diag[:, :: d + 1] = u
            lam += self._rotate(diag, self.groups[g], adjoint=True)
        return lam

    def coefficient_vjp(
        self, rho: np.ndarray, cot: np.ndarray, x: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gradient through weight/input-dependent observable coefficients."""
        if self.kind != "expval" or not any(self.plan.coeff_syms):
            return np.zeros(w.shape[0]), np.zeros(x.shape)
        return self.plan.coefficient_vjp_of(self.term_values(rho), cot, x, w)

    def coefficient_jacobian(
        self, rho: np.ndarray, x: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        if self.kind != "expval" or not any(self.plan.coeff_syms):
            b = rho.shape[0]
            return (np.zeros((b, self.num_outputs, w.shape[0])),
                    np.zeros((b, self.num_outputs, x.shape[1])))  # fmt: skip
        return self.plan.coefficient_jacobian_of(self.term_values(rho), x, w)

    # --- shots -----------------------------------------------------------------------
    def sample(
        self, rho: np.ndarray, x: np.ndarray, w: np.ndarray, shots: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Shot estimates of the outputs and their standard errors: ``shots`` bitstrings per
        measurement basis, drawn from the read distribution."""
        return self.sample_from(lambda g: self.distribution(rho, g), x, w, shots, rng)

    def sample_from(
        self,
        distribution: Callable[[int], np.ndarray],
        x: np.ndarray,
        w: np.ndarray,
        shots: int,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`sample` for read distributions ``distribution(g) -> (B, 2**n)``."""
        if self.kind == "expval":
            coeffs = self.coefficients(x, w)
            b = coeffs.shape[0]
            mean = np.zeros((b, self.num_outputs))
            var = np.zeros((b, self.num_outputs))
            for g, idx in enumerate(self.columns):
                freq = multinomial(rng, shots, distribution(g))
                for k in range(self.num_outputs):
                    mine = [j for j, i in enumerate(idx) if self.plan.terms[i].obs == k]
                    if not mine:
                        continue
                    value = coeffs[:, [idx[j] for j in mine]] @ self.tables[g][:, mine].T
                    add_shot_moments(freq, value, shots, mean[:, k], var[:, k])
            return mean, np.sqrt(var)
        freq = multinomial(rng, shots, distribution(0))
        est = freq @ self.tables[0]
        return est, bernoulli_error(self.kind, est, shots)
