"""Quantum kernels from batched states: fidelity and projected kernels.

``kernel_matrix`` computes ``|<psi(x2)|psi(x1)>|**2`` for every pair from the
encoded states of both sets (one batched run per set, one matrix product);
with ``X2 = None`` it encodes once and uses the Gram matrix. ``projected_kernel``
compares one-qubit reduced density matrices (through Bloch vectors):
``k = exp(-gamma * sum_q ||rho_q(x1) - rho_q(x2)||_F**2)``.

Example::

    >>> import numpy as np
    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Input
    >>> enc = Circuit(1, (Operation("ry", (0,), (Input(0),)),), inputs=(ParamDecl("x", (1,), 0),))
    >>> k = kernel_matrix(enc, np.array([[0.0], [np.pi / 2]]))
    >>> np.round(k, 6).tolist()
    [[1.0, 0.5], [0.5, 1.0]]
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from qlang.ir.circuit import Circuit
from qlang.sim.simulator import Simulator
from qlang.sim.threads import blas_threads
from qlang.threads import threads

_gram: ModuleType | None
try:
    from qlang.sim import _gram  # type: ignore[attr-defined,no-redef]
except ImportError:  # pragma: no cover - the extension was not built: numpy's products
    _gram = None

#: Gram matrices with fewer complex multiply-adds than this run on one thread
THREADED_GRAM = 2**21
#: simulators kept for repeated calls on the same encoding (keyed by identity)
CACHED_SIMULATORS = 8
_simulators: dict[tuple[int, str], tuple[Circuit, Simulator]] = {}


def simulator(encoding: Circuit, dtype: str = "complex128") -> Simulator:
    """The simulator of ``encoding``, built once per circuit object and dtype (a kernel
    is evaluated many times on one encoding: training, prediction, alignment)."""
    key = (id(encoding), dtype)
    hit = _simulators.get(key)
    if hit is not None and hit[0] is encoding:
        return hit[1]
    sim = Simulator(encoding, dtype=dtype)
    if len(_simulators) >= CACHED_SIMULATORS:
        _simulators.pop(next(iter(_simulators)))
    _simulators[key] = (encoding, sim)
    return sim


def encode(
    encoding: Circuit, X: np.ndarray, weights: np.ndarray | None = None, dtype: str = "complex128"
) -> np.ndarray:
    """Canonical encoded states ``(N, 2**n)`` of the rows of ``X``."""
    return simulator(encoding, dtype).statevector(X, weights)


def kernel_matrix(
    encoding: Circuit,
    X1: np.ndarray,
    X2: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    dtype: str = "complex128",
) -> np.ndarray:
    """Fidelity kernel ``K[i, j] = |<psi(X2[j])|psi(X1[i])>|**2`` of shape ``(N1, N2)``."""
    sim = simulator(encoding, dtype)
    # the global phase cancels in |<.|.>|**2: the states are used without it
    s1 = sim.statevector(X1, weights, phase=False)
    if X2 is None:
        return _gram_fidelity(s1)
    s2 = sim.statevector(X2, weights, phase=False)
    return _cross_fidelity(s1, s2)


def _blas(dtype: np.dtype) -> tuple[Any, Any]:
    """scipy's BLAS ``herk`` and ``gemm`` of the states' precision (capsules)."""
    from scipy.linalg import cython_blas  # imported on first use (scipy.linalg is slow)

    caps = cython_blas.__pyx_capi__  # type: ignore[attr-defined]
    return (caps["zherk"], caps["zgemm"]) if dtype == np.complex128 else (caps["cherk"], caps["cgemm"])


def _gram_fidelity(s: np.ndarray) -> np.ndarray:
    """``|<s_i|s_j>|**2`` for all pairs of rows of ``s``: Hermitian rank-k updates on the
    diagonal blocks and products on the others (half a matrix product in all), ``|.|**2``
    fused, the blocks shared by :func:`qlang.threads.threads` worker threads (BLAS itself
    single-threaded meanwhile); numpy's product without the compiled helper."""
    if _gram is None:  # the extension was not built: numpy's product, mirrored
        with blas_threads(threads()):
            k = (np.abs(s.conj() @ s.T) ** 2).astype(float)
        upper = np.triu(k)
        return upper + np.triu(upper, 1).T  # exactly symmetric, as the helper's
    s = np.ascontiguousarray(s)
    if s.dtype not in (np.complex128, np.complex64):
        s = s.astype(np.complex128)
    n, d = s.shape
    out = np.empty((n, n))
    workers = threads() if n * n * d // 2 >= THREADED_GRAM else 1
    herk, gemm = _blas(s.dtype)
    with blas_threads(1):
        _gram.fidelity_gram(herk, gemm, s, out, workers)
    return out


def _cross_fidelity(s1: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """``|<s2_j|s1_i>|**2`` of shape ``(N1, N2)``: one product per block of rows of ``s1``
    in worker threads, ``|.|**2`` fused (as :func:`_gram_fidelity`)."""
    if _gram is None:  # pragma: no cover - the extension was not built
        with blas_threads(threads()):
            return (np.abs(s1 @ s2.conj().T) ** 2).astype(float)
    dtype = np.result_type(s1.dtype, s2.dtype, np.complex64)
    if dtype not in (np.complex128, np.complex64):
        dtype = np.dtype(np.complex128)
    s1, s2 = np.ascontiguousarray(s1, dtype=dtype), np.ascontiguousarray(s2, dtype=dtype)
    out = np.empty((s1.shape[0], s2.shape[0]))
    workers = threads() if s1.shape[0] * s2.shape[0] * s1.shape[1] >= THREADED_GRAM else 1
    with blas_threads(1):
        _gram.fidelity_cross(_blas(dtype)[1], s1, s2, out, workers)
    return out


def bloch_vectors(states: np.ndarray, num_qubits: int) -> np.ndarray:
    """``(N, n, 3)``: ``<X_q>, <Y_q>, <Z_q>`` for every qubit of every state."""
    n_states = states.shape[0]
    out = np.empty((n_states, num_qubits, 3))
    for q in range(num_qubits):
        t = states.reshape(n_states, 2 ** (num_qubits - 1 - q), 2, 2**q)
        a0, a1 = t[:, :, 0, :], t[:, :, 1, :]
        cross = np.sum(np.conj(a0) * a1, axis=(1, 2))  # rho_10
        out[:, q, 0] = 2 * cross.real
        out[:, q, 1] = 2 * cross.imag
        out[:, q, 2] = np.sum(np.abs(a0) ** 2 - np.abs(a1) ** 2, axis=(1, 2))
    return out


def projected_kernel(
    encoding: Circuit,
    X1: np.ndarray,
    X2: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    gamma: float = 1.0,
    dtype: str = "complex128",
) -> np.ndarray:
    """Projected quantum kernel from one-qubit reduced density matrices (batched)."""
    sim = simulator(encoding, dtype)
    n = encoding.num_qubits
    b1 = bloch_vectors(sim.statevector(X1, weights), n).reshape(len(X1), -1)
    b2 = b1 if X2 is None else bloch_vectors(sim.statevector(X2, weights), n).reshape(len(X2), -1)
    # ||rho - rho'||_F^2 = |r - r'|^2 / 2 per qubit
    sq = np.sum(b1**2, axis=1)[:, None] + np.sum(b2**2, axis=1)[None, :] - 2 * b1 @ b2.T
    return np.exp(-gamma * 0.5 * np.maximum(sq, 0.0))
