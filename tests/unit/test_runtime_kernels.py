"""Fidelity and projected kernels from batched states."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from qlang.ir.reference import statevector
from qlang.sim import kernel_matrix, projected_kernel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from circuits import zz_feature_map  # noqa: E402


def _data(n: int = 12, d: int = 3) -> np.ndarray:
    return np.random.default_rng(0).uniform(0, 2 * np.pi, (n, d))


def test_fidelity_kernel_is_symmetric_psd_with_unit_diagonal() -> None:
    X = _data()
    k = kernel_matrix(zz_feature_map(3), X)
    assert k.shape == (12, 12)
    assert np.allclose(k, k.T)
    assert np.allclose(np.diag(k), 1.0)
    assert np.linalg.eigvalsh(k).min() > -1e-10
    assert np.all((k >= -1e-12) & (k <= 1 + 1e-12))


def test_fidelity_kernel_matches_dense_overlaps() -> None:
    X1, X2 = _data(5), _data(4) + 0.3
    enc = zz_feature_map(3)
    k = kernel_matrix(enc, X1, X2)
    for i in range(5):
        for j in range(4):
            ov = np.vdot(statevector(enc, X2[j]), statevector(enc, X1[i]))
            assert np.isclose(k[i, j], abs(ov) ** 2)
    assert np.allclose(kernel_matrix(enc, X1, X1), kernel_matrix(enc, X1))


def test_projected_kernel_properties() -> None:
    X = _data(8)
    enc = zz_feature_map(3)
    k = projected_kernel(enc, X, gamma=0.7)
    assert np.allclose(k, k.T) and np.allclose(np.diag(k), 1.0)
    assert np.all((k > 0) & (k <= 1 + 1e-12))
    assert np.linalg.eigvalsh(k).min() > -1e-10
    # against reduced density matrices computed densely
    states = [statevector(enc, x) for x in X[:2]]
    rhos = []
    for s in states:
        t = s.reshape([2] * 3)
        rhos.append([_rdm(t, q) for q in range(3)])
    dist = sum(np.linalg.norm(rhos[0][q] - rhos[1][q]) ** 2 for q in range(3))
    assert np.isclose(k[0, 1], np.exp(-0.7 * dist))


def _rdm(t: np.ndarray, q: int) -> np.ndarray:
    axis = t.ndim - 1 - q
    m = np.moveaxis(t, axis, 0).reshape(2, -1)
    return m @ m.conj().T


def _states(n: int, d: int, dtype: type, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    s = rng.normal(size=(n, d)) + 1j * rng.normal(size=(n, d))
    return (s / np.linalg.norm(s, axis=1, keepdims=True)).astype(dtype)


def test_gram_blocks_in_threads_equal_the_dense_product(monkeypatch) -> None:
    """Every row-block split (1, 2, 3 and more workers, odd sizes) gives |S S^H|**2."""
    from qlang.sim import kernels

    if kernels._gram is None:  # the helper was not built: the numpy product is the path
        return
    monkeypatch.setattr(kernels, "THREADED_GRAM", 0)
    for n, d in ((1, 4), (2, 2), (7, 8), (33, 16), (64, 32)):
        for dtype, tol in ((np.complex128, 1e-13), (np.complex64, 1e-5)):
            s = _states(n, d, dtype, n * d)
            ref = np.abs(s.astype(complex).conj() @ s.astype(complex).T) ** 2
            for workers in ("1", "2", "3", "5"):
                monkeypatch.setenv("QLANG_THREADS", workers)
                k = kernels._gram_fidelity(s)
                assert k.dtype == np.float64 and k.shape == (n, n)
                np.testing.assert_allclose(k, ref, rtol=0, atol=tol, err_msg=f"{n}x{d} {dtype} {workers}")
                assert np.array_equal(k, k.T)


def test_cross_kernel_blocks_equal_the_dense_product(monkeypatch) -> None:
    """The test x train matrix: row blocks of the first set in 1-5 workers, both
    precisions, odd sizes, against |S1 S2^H|**2."""
    from qlang.sim import kernels

    if kernels._gram is None:
        return
    monkeypatch.setattr(kernels, "THREADED_GRAM", 0)
    for n1, n2, d in ((1, 1, 2), (3, 7, 4), (17, 5, 8), (40, 33, 16)):
        for dtype, tol in ((np.complex128, 1e-13), (np.complex64, 1e-5)):
            s1, s2 = _states(n1, d, dtype, n1), _states(n2, d, dtype, n2 + 100)
            ref = np.abs(s1.astype(complex) @ s2.astype(complex).conj().T) ** 2
            for workers in ("1", "2", "3", "5"):
                monkeypatch.setenv("QLANG_THREADS", workers)
                k = kernels._cross_fidelity(s1, s2)
                assert k.shape == (n1, n2) and k.dtype == np.float64
                np.testing.assert_allclose(k, ref, rtol=0, atol=tol, err_msg=f"{n1}x{n2}x{d} {workers}")
    with pytest.raises(ValueError):  # states of different widths
        kernels._gram.fidelity_cross(kernels._blas(np.dtype(complex))[1], s1, s1[:, :2].copy(), np.empty((40, 40)), 1)


def test_gram_without_the_helper_is_the_same_matrix(monkeypatch) -> None:
    from qlang.sim import kernels

    s = _states(37, 8, np.complex128, 5)  # a size where numpy's product is not symmetric
    fast = kernels._gram_fidelity(s)
    monkeypatch.setattr(kernels, "_gram", None)
    slow = kernels._gram_fidelity(s)
    np.testing.assert_allclose(slow, fast, rtol=0, atol=1e-13)
    assert np.array_equal(slow, slow.T)  # exactly symmetric, as the helper's (Ray mirrors tiles)


def test_kernel_reuses_the_simulator_of_one_encoding_object() -> None:
    from qlang.sim import kernels

    enc, other = zz_feature_map(3), zz_feature_map(3, reps=1)
    assert kernels.simulator(enc) is kernels.simulator(enc)
    assert kernels.simulator(enc) is not kernels.simulator(enc, "complex64")
    assert kernels.simulator(other).circuit is other
    X = _data(6)
    assert not np.allclose(kernel_matrix(enc, X), kernel_matrix(other, X))
    # the global phase is dropped from the states and cancels in the kernel
    states = [statevector(enc, x) for x in X]
    ref = np.array([[abs(np.vdot(a, b)) ** 2 for b in states] for a in states])
    np.testing.assert_allclose(kernel_matrix(enc, X), ref, rtol=0, atol=1e-12)
