"""Losses, each returning ``(value, d value / d outputs)``.

Every loss is a mean over the batch, so gradients carry the ``1/B`` factor. The names,
options and the tasks each loss fits are in :mod:`qlang.catalog.tasks`.

Example::

    >>> import numpy as np
    >>> v, g = mse(np.array([[1.0], [3.0]]), np.array([0.0, 3.0]))
    >>> float(v), g.ravel().tolist()
    (0.5, [1.0, 0.0])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

EPS = 1e-12

LossFn = Callable[..., tuple[float, np.ndarray]]


def _match(outputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    t = np.asarray(targets, dtype=float)
    if t.shape != outputs.shape:
        t = t.reshape(outputs.shape)
    return t


def mse(outputs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over the batch, summed over output components."""
    t = _match(outputs, targets)
    d = outputs - t
    b = len(outputs)
    return float(np.sum(d**2) / b), 2.0 * d / b


def mae(outputs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean absolute error (subgradient 0 at a tie)."""
    t = _match(outputs, targets)
    d = outputs - t
    b = len(outputs)
    return float(np.sum(np.abs(d)) / b), np.sign(d) / b


def _labels_onehot(targets: np.ndarray, num: int) -> np.ndarray:
    t = np.asarray(targets)
    if t.ndim == 2:
        return t.astype(float)
    out = np.zeros((len(t), num))
    out[np.arange(len(t)), t.astype(int)] = 1.0
    return out


def cross_entropy(probs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """``-mean log p[label]`` on class probabilities (labels or one-hot rows)."""
    y = _labels_onehot(targets, probs.shape[1])
    p = np.clip(probs, EPS, None)
    b = len(probs)
    return float(-np.sum(y * np.log(p)) / b), -y / p / b


def nll(log_probs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Negative log-likelihood on log-probabilities."""
    y = _labels_onehot(targets, log_probs.shape[1])
    b = len(log_probs)
    return float(-np.sum(y * log_probs) / b), -y / b


def hinge(scores: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """``mean max(0, 1 - t s)``; binary scores with ``t`` in {-1, +1}, or one-vs-rest
    over columns when ``scores`` has several columns and ``targets`` holds labels."""
    s = np.asarray(scores, dtype=float)
    if s.ndim == 2 and s.shape[1] > 1:
        t = 2.0 * _labels_onehot(targets, s.shape[1]) - 1.0
    else:
        t = _match(s, targets)
    margin = 1.0 - t * s
    b = len(s)
    return float(np.sum(np.maximum(margin, 0.0)) / b), np.where(margin > 0, -t, 0.0) / b


def kl(probs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """``KL(target || p) = sum q log(q / p)`` per row, mean over rows."""
    p = np.atleast_2d(probs)
    q = np.broadcast_to(np.atleast_2d(np.asarray(targets, float)), p.shape)
    pc = np.clip(p, EPS, None)
    mask = q > 0
    val = np.sum(np.where(mask, q * (np.log(np.where(mask, q, 1.0)) - np.log(pc)), 0.0))
    b = len(p)
    return float(val / b), (-q / pc / b).reshape(np.shape(probs))


def mmd_kernel(num: int, sigmas: tuple[float, ...] = (0.1, 1.0, 10.0)) -> np.ndarray:
    """Gaussian-mixture kernel over bitstrings as integers (Liu and Wang 2018)."""
    x = np.arange(num, dtype=float)
    d2 = (x[:, None] - x[None, :]) ** 2
    return np.mean([np.exp(-d2 / (2.0 * s)) for s in sigmas], axis=0)


def mmd(
    probs: np.ndarray, targets: np.ndarray, sigmas: tuple[float, ...] = (0.1, 1.0, 10.0)
) -> tuple[float, np.ndarray]:
    """Squared maximum mean discrepancy ``(p - q)^T K (p - q)`` per row, mean over rows."""
    p = np.atleast_2d(probs)
    q = np.broadcast_to(np.atleast_2d(np.asarray(targets, float)), p.shape)
    K = mmd_kernel(p.shape[1], tuple(sigmas))
    d = p - q
    b = len(p)
    val = np.einsum("bi,ij,bj->", d, K, d)
    return float(val / b), (2.0 * d @ K / b).reshape(np.shape(probs))


def energy(outputs: np.ndarray, targets: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """The expectation value itself (summed over outputs, mean over the batch)."""
    b = len(outputs)
    return float(np.sum(outputs) / b), np.full_like(outputs, 1.0 / b, dtype=float)


def cvar(probs: np.ndarray, costs: np.ndarray, alpha: float = 0.1) -> tuple[float, np.ndarray]:
    """Conditional value at risk: mean cost of the lowest-cost ``alpha`` probability mass.

    For sorted costs ``c_1 <= c_2 <= ...`` with boundary index ``j``, the gradient is
    ``(c_i - c_j) / alpha`` for ``i < j`` and 0 otherwise.
    """
    p = np.atleast_2d(probs)
    c = np.asarray(costs, dtype=float)
    order = np.argsort(c, kind="stable")
    total = 0.0
    grad = np.zeros_like(p, dtype=float)
    for r in range(len(p)):
        ps, cs = p[r, order], c[order]
        before = np.concatenate([[0.0], np.cumsum(ps)[:-1]])
        take = np.clip(alpha - before, 0.0, ps)
        total += float(np.sum(take * cs) / alpha)
        j = int(np.searchsorted(np.cumsum(ps), alpha - 1e-15))
        j = min(j, len(ps) - 1)
        g = np.zeros_like(ps)
        g[:j] = (cs[:j] - cs[j]) / alpha
        grad[r, order] = g
    b = len(p)
    return total / b, (grad / b).reshape(np.shape(probs))


def kernel_target_alignment(K: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Negative kernel-target alignment ``-<K, yy^T> / (|K| |yy^T|)`` (labels -> +-1)."""
    y = np.asarray(labels, dtype=float)
    vals = np.unique(y)
    if len(vals) == 2:
        y = np.where(y == vals[1], 1.0, -1.0)
    T = np.outer(y, y)
    kt = float(np.sum(K * T))
    kk = float(np.linalg.norm(K))
    tt = float(np.linalg.norm(T))
    a = kt / (kk * tt)
    grad = T / (kk * tt) - kt * K / (kk**3 * tt)
    return -a, -grad
