"""Readouts of batched states: Pauli-sum expectations, probabilities, parity, samples.

Every readout maps canonical states ``(batch, 2**n)`` to outputs
``(batch, num_outputs)``, builds the adjoint *cotangent state*
``lam = sum_k cot_k A_k psi`` for gradients, and (with shots) estimates its
outputs from seeded samples together with their shot-noise standard error.

* Z-only Pauli terms use precomputed sign vectors (``probs @ signs``).
* Other terms are grouped by their X/Y pattern; each group is measured once in
  a rotated basis (``H`` for X, ``H S^dagger`` for Y) and then read with signs.
* ``probs`` over ``qubits``: output index ``j`` has ``qubits[m]`` as bit ``m``.
* ``parity``: ``<Z...Z>`` over ``qubits``; ``samples``: the mean of each qubit's bit.

Example::

    >>> import numpy as np
    >>> from qlang.ir.expr import Const
    >>> from qlang.ir.model import Observable, PauliTerm, Readout
    >>> z0 = Observable((PauliTerm(Const(1.0), ((0, "Z"),)),))
    >>> r = ReadoutPlan(Readout("expval", (z0,)), num_qubits=1)
    >>> r.outputs(np.array([[0.6, 0.8]]), np.zeros((1, 0)), np.zeros(0)).round(2).tolist()
    [[-0.28]]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir import expr as E
from qlang.ir.model import Readout
from qlang.sim.compile_expr import compile_exprs

_H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
_HSDG = _H @ np.diag([1, -1j])


def _signs(n: int, mask: int) -> np.ndarray:
    """``(-1) ** popcount(i & mask)`` for every basis index ``i``."""
    idx = np.arange(2**n)
    bits = np.zeros(2**n, dtype=np.int64)
    for q in range(n):
        if mask >> q & 1:
            bits ^= (idx >> q) & 1
    return 1.0 - 2.0 * bits


def apply_1q(psi: np.ndarray, mat: np.ndarray, q: int, n: int) -> np.ndarray:
    """Apply a 2x2 matrix to qubit ``q`` of canonical states (a new array)."""
    b = psi.shape[0]
    t = psi.reshape(b, 2 ** (n - 1 - q), 2, 2**q)
    return np.einsum("ij,bajc->baic", mat, t).reshape(b, -1)


@dataclass(frozen=True)
class _Term:
    obs: int
    coeff: int  # index into the coefficient list
    xmask: int
    zmask: int
    ny: int
    group: int  # index of the measurement basis group


class ReadoutPlan:
    """Precomputed readout for one circuit size (see module docstring)."""

    def __init__(self, readout: Readout, num_qubits: int):
        self.readout = readout
        self.n = num_qubits
        self.kind = readout.kind
        if self.kind not in ("expval", "probs", "parity", "samples"):
            raise QLangError(
                [
                    Diagnostic.error(
                        "QL0605",
                        f"unknown readout kind `{self.kind}`",
                        readout.span,
                        help="use `expval`, `probs`, `parity` or `samples`",
                    )
                ]
            )
        self.num_outputs = readout.num_outputs
        self.zdiag: np.ndarray | None = None
        n = num_qubits
        if self.kind == "expval":
            coeffs: list[E.Expr] = []
            terms: list[_Term] = []
            groups: dict[tuple, int] = {}
            for k, obs in enumerate(readout.observables):
                for t in obs.terms:
                    xm = sum(1 << q for q, p in t.paulis if p in "XY")
                    zm = sum(1 << q for q, p in t.paulis if p in "ZY")
                    ny = sum(1 for _, p in t.paulis if p == "Y")
                    key = tuple(sorted((q, p) for q, p in t.paulis if p in "XY"))
                    gid = groups.setdefault(key, len(groups))
                    terms.append(_Term(k, len(coeffs), xm, zm, ny, gid))
                    coeffs.append(t.coeff)
            self.terms = tuple(terms)
            self.groups = tuple(groups)
            self.coeff_exprs = tuple(coeffs)
            self.coeff_fn = compile_exprs(coeffs)
            self.coeff_syms = tuple(tuple(sorted(E.symbols(c), key=_key)) for c in coeffs)
            self.coeff_diff = compile_exprs(
                [
                    E.diff(c, s)
                    for c, syms in zip(coeffs, self.coeff_syms, strict=True)
                    for s in syms
                ]
            )
            # signs in the measured basis: after rotation every Pauli reads as Z
            self.term_signs = (
                np.stack([_signs(n, t.xmask | t.zmask) for t in terms], axis=1)
                if terms
                else np.zeros((2**n, 0))
            )
            # Z-only terms with constant coefficients: outputs = probs @ zdiag, and the
            # cotangent state is (cot @ zdiag^T) * psi (one product each, no per-term work)
            if all(term.xmask == 0 for term in terms) and not any(self.coeff_syms):
                const = np.array([E.const_value(E.simplify(c)) for c in coeffs], dtype=float)
                zdiag = np.zeros((2**n, self.num_outputs))
                for i, term in enumerate(terms):
                    zdiag[:, term.obs] += const[i] * self.term_signs[:, i]
                self.zdiag = zdiag
        else:
            qs = readout.qubits
            idx = np.arange(2**n)
            self.index = np.zeros(2**n, dtype=np.int64)
            for m, q in enumerate(qs):
                self.index |= ((idx >> q) & 1) << m
            self.parity_signs = _signs(n, sum(1 << q for q in qs))
        #: outputs = |psi|**2 @ diagonal and lam = psi * (diagonal @ cot) when the readout is
        #: a diagonal observable with constant coefficients (None otherwise)
        self.diagonal: np.ndarray | None = None
        if self.kind == "expval":
            self.diagonal = self.zdiag
        elif self.kind == "parity":
            self.diagonal = np.ascontiguousarray(self.parity_signs[:, None], dtype=float)
        elif self.kind == "samples":
            idx = np.arange(2**n)
            self.diagonal = np.ascontiguousarray(
                np.stack([(idx >> q) & 1 for q in readout.qubits], axis=1), dtype=float
            )

    # --- exact outputs ------------------------------------------------------
    def _rotated(self, psi: np.ndarray, group: int) -> np.ndarray:
        out = psi
        for q, p in self.groups[group]:
            out = apply_1q(out, _H if p == "X" else _HSDG, q, self.n)
        return out

    def term_values(self, psi: np.ndarray) -> np.ndarray:
        """``<P_t>`` for every Pauli term, ``(batch, num_terms)``."""
        out = np.empty((psi.shape[0], len(self.terms)))
        for g in range(len(self.groups)):
            cols = [i for i, t in enumerate(self.terms) if t.group == g]
            probs = np.abs(self._rotated(psi, g)) ** 2
            out[:, cols] = probs @ self.term_signs[:, cols]
        return out

    def coefficients(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        vals = self.coeff_fn(x, w)
        return (
            np.stack([np.broadcast_to(v, (x.shape[0],)) for v in vals], axis=1)
            if vals
            else np.zeros((x.shape[0], 0))
        )

    def _combine(self, values: np.ndarray, coeffs: np.ndarray) -> np.ndarray:
        out = np.zeros((values.shape[0], self.num_outputs))
        for i, t in enumerate(self.terms):
            out[:, t.obs] += coeffs[:, i] * values[:, i]
        return out

    def probabilities(self, psi: np.ndarray) -> np.ndarray:
        """Marginal probabilities over the readout qubits, ``(batch, 2**k)``."""
        b, n = psi.shape[0], self.n
        qs = self.readout.qubits
        probs = (np.abs(psi) ** 2).reshape((b,) + (2,) * n)  # axis 1 + a holds qubit n-1-a
        other = tuple(1 + n - 1 - q for q in range(n) if q not in qs)
        red = probs.sum(axis=other) if other else probs
        kept = [q for q in range(n - 1, -1, -1) if q in qs]  # remaining axes, in order
        # output index j: qubits[m] is bit m, so qubits[-1] is the most significant axis
        axes = [0] + [1 + kept.index(q) for q in reversed(qs)]
        return np.transpose(red, axes).reshape(b, 2 ** len(qs))

    def outputs(self, psi: np.ndarray, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        if self.kind == "expval" and self.zdiag is not None:
            return (psi.real**2 + psi.imag**2) @ self.zdiag
        if self.kind == "expval":
            return self._combine(self.term_values(psi), self.coefficients(x, w))
        if self.kind == "probs":
            return self.probabilities(psi)
        if self.kind == "parity":
            return (np.abs(psi) ** 2 @ self.parity_signs)[:, None]
        probs = np.abs(psi) ** 2  # samples: mean bit per qubit
        n = self.n
        idx = np.arange(2**n)
        return np.stack([probs @ ((idx >> q) & 1) for q in self.readout.qubits], axis=1)

    # --- adjoint ------------------------------------------------------------
    def cotangent_state(
        self, psi: np.ndarray, cot: np.ndarray, x: np.ndarray, w: np.ndarray
    ) -> np.ndarray:
        """``lam = sum_k cot[:, k] A_k psi`` (so that ``d out.cot = 2 Re <lam|d psi>``)."""
        n = self.n
        if self.kind == "expval" and self.zdiag is not None:
            return (cot @ self.zdiag.T).astype(psi.real.dtype, copy=False) * psi
        if self.kind == "probs":
            return cot[:, self.index] * psi
        if self.kind == "parity":
            return (cot[:, 0:1] * self.parity_signs[None, :]) * psi
        if self.kind == "samples":
            idx = np.arange(2**n)
            bits = np.stack([(idx >> q) & 1 for q in self.readout.qubits], axis=0)
            return (cot @ bits) * psi
        coeffs = self.coefficients(x, w)
        weights = (
            np.stack([cot[:, t.obs] * coeffs[:, i] for i, t in enumerate(self.terms)], axis=1)
            if self.terms
            else np.zeros((psi.shape[0], 0))
        )
        lam = np.zeros_like(psi)
        diag = [i for i, t in enumerate(self.terms) if t.xmask == 0]
        if diag:
            lam += (weights[:, diag] @ self.term_signs[:, diag].T) * psi
        idx = np.arange(2**n)
        for i, t in enumerate(self.terms):
            if t.xmask == 0:
                continue
            phase = (1j) ** t.ny * _signs(n, t.zmask)
            lam += (weights[:, i : i + 1] * (phase * psi))[:, idx ^ t.xmask]
        return lam.astype(psi.dtype, copy=False)

    def coefficient_vjp(
        self, psi: np.ndarray, cot: np.ndarray, x: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gradient through weight/input-dependent coefficients: ``(g_w, g_x per sample)``."""
        if self.kind != "expval" or not any(self.coeff_syms):
            return np.zeros(w.shape[0]), np.zeros(x.shape)
        return self.coefficient_vjp_of(self.term_values(psi), cot, x, w)

    def coefficient_vjp_of(
        self, values: np.ndarray, cot: np.ndarray, x: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`coefficient_vjp` from the term values ``(B, terms)`` of any state kind
        (state vectors here, density matrices in :mod:`qlang.sim.noise_readout`)."""
        gw = np.zeros(w.shape[0])
        gx = np.zeros(x.shape)
        if self.kind != "expval" or not any(self.coeff_syms):
            return gw, gx
        for t, s, d in self._coefficient_terms(values, x, w):
            contrib = cot[:, t.obs] * d
            if isinstance(s, E.Weight):
                gw[s.index] += float(np.sum(contrib))
            else:
                gx[:, s.index] += contrib
        return gw, gx

    def coefficient_jacobian(
        self, psi: np.ndarray, x: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample Jacobians of the outputs through the coefficients only."""
        if self.kind != "expval" or not any(self.coeff_syms):
            b = psi.shape[0]
            return (np.zeros((b, self.num_outputs, w.shape[0])),
                    np.zeros((b, self.num_outputs, x.shape[1])))  # fmt: skip
        return self.coefficient_jacobian_of(self.term_values(psi), x, w)

    def coefficient_jacobian_of(
        self, values: np.ndarray, x: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`coefficient_jacobian` from the term values ``(B, terms)``."""
        b = values.shape[0]
        jw = np.zeros((b, self.num_outputs, w.shape[0]))
        jx = np.zeros((b, self.num_outputs, x.shape[1]))
        if self.kind != "expval" or not any(self.coeff_syms):
            return jw, jx
        for t, s, d in self._coefficient_terms(values, x, w):
            if isinstance(s, E.Weight):
                jw[:, t.obs, s.index] += d
            else:
                jx[:, t.obs, s.index] += d
        return jw, jx

    def _coefficient_terms(
        self, values: np.ndarray, x: np.ndarray, w: np.ndarray
    ) -> Iterator[tuple[Any, E.Symbol, np.ndarray]]:
        """``(term, symbol, value * d coefficient / d symbol)`` for every symbol of every
        term's coefficient, in :meth:`coeff_diff` order."""
        dvals = self.coeff_diff(x, w)
        k = 0
        for i, (t, syms) in enumerate(zip(self.terms, self.coeff_syms, strict=True)):
            for s in syms:
                yield t, s, values[:, i] * dvals[k]
                k += 1

    # --- sampling -----------------------------------------------------------
    def sample_outputs(
        self, psi: np.ndarray, x: np.ndarray, w: np.ndarray, shots: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Shot estimates of the outputs and their standard errors (seeded ``rng``)."""
        b = psi.shape[0]
        if self.kind == "expval":
            coeffs = self.coefficients(x, w)
            mean = np.zeros((b, self.num_outputs))
            var = np.zeros((b, self.num_outputs))
            for g in range(len(self.groups)):
                probs = np.abs(self._rotated(psi, g)) ** 2
                freq = multinomial(rng, shots, probs)
                cols = [i for i, t in enumerate(self.terms) if t.group == g]
                for k in range(self.num_outputs):
                    mine = [i for i in cols if self.terms[i].obs == k]
                    if not mine:
                        continue
                    value = coeffs[:, mine] @ self.term_signs[:, mine].T  # (b, 2**n)
                    add_shot_moments(freq, value, shots, mean[:, k], var[:, k])
            return mean, np.sqrt(var)
        probs = np.abs(psi) ** 2
        freq = multinomial(rng, shots, probs)
        est = self.outputs(np.sqrt(freq).astype(complex), x, w)
        return est, bernoulli_error(self.kind, est, shots)


def add_shot_moments(
    freq: np.ndarray, value: np.ndarray, shots: int, mean: np.ndarray, var: np.ndarray
) -> None:
    """Add the estimate ``sum(freq * value)`` of one measured basis to ``mean`` and its
    variance over ``shots`` draws to ``var`` (both ``(B,)`` views, updated in place)."""
    m1 = np.sum(freq * value, axis=1)
    m2 = np.sum(freq * value**2, axis=1)
    mean += m1
    var += np.maximum(m2 - m1**2, 0.0) / shots


def bernoulli_error(kind: str, est: np.ndarray, shots: int) -> np.ndarray:
    """Standard errors of shot estimates of parities (in [-1, 1]) or probabilities."""
    if kind == "parity":
        return np.sqrt(np.maximum(1 - est**2, 0.0) / shots)
    return np.sqrt(np.maximum(est * (1 - est), 0.0) / shots)


def multinomial(rng: np.random.Generator, shots: int, probs: np.ndarray) -> np.ndarray:
    """Observed frequencies of ``shots`` draws from each row of ``probs``."""
    p = np.clip(probs, 0.0, None)
    p = p / p.sum(axis=1, keepdims=True)
    return rng.multinomial(shots, p) / shots


def _key(s: E.Symbol) -> tuple[int, int]:
    return (0 if isinstance(s, E.Input) else 1, s.index)
