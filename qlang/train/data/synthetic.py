"""Synthetic data sets: ``ad_hoc`` (Havlicek et al. 2019), moons, circles, blobs, xor,
parity, bars-and-stripes and time series windows (their arguments and ranges are in
:mod:`qlang.catalog.data`).

Example::

    >>> import numpy as np
    >>> d = ad_hoc(dim=2, gap=0.3, train=20, test=10, rng=np.random.default_rng(1))
    >>> d.X_train.shape, sorted(set(d.y_train.tolist()))
    ((20, 2), [0, 1])
"""

from __future__ import annotations

from itertools import combinations, product

import numpy as np

from qlang.source import Span
from qlang.train.data.dataset import Dataset, make_split
from qlang.train.errors import fail

# --- ad_hoc ------------------------------------------------------------------


def _z_eigen(dim: int) -> np.ndarray:
    """``z[k, b]``: eigenvalue (+1/-1) of Z on qubit ``k`` for basis state ``b`` (little-endian)."""
    idx = np.arange(2**dim)
    return np.array([1 - 2 * ((idx >> k) & 1) for k in range(dim)], dtype=float)


def feature_map_states(X: np.ndarray) -> np.ndarray:
    """The Havlicek feature-map states ``U_phi(x) H U_phi(x) H |0>`` for each row of ``X``.

    ``U_phi(x) = exp(i sum_S phi_S(x) prod_{k in S} Z_k)`` over single qubits
    (``phi_i = x_i``) and pairs (``phi_ij = (pi - x_i)(pi - x_j)``). The usual circuit
    ``h; p(2 x_i)`` and ``rzz(2 (pi - x_i)(pi - x_j))`` prepares the complex conjugate of
    this state up to a global phase (tested), so fidelity kernels agree exactly.
    """
    X = np.asarray(X, dtype=float)
    dim = X.shape[1]
    z = _z_eigen(dim)
    phase = X @ z  # singles
    for i, j in combinations(range(dim), 2):
        phase = phase + np.outer((np.pi - X[:, i]) * (np.pi - X[:, j]), z[i] * z[j])
    diag = np.exp(1j * phase)  # (B, 2^dim)
    h1 = np.array([[1.0, 1.0], [1.0, -1.0]]) / np.sqrt(2.0)
    hn = np.array([[1.0]])
    for _ in range(dim):
        hn = np.kron(hn, h1)
    psi = np.zeros((len(X), 2**dim), dtype=complex)
    psi[:, 0] = 1.0
    psi = diag * (psi @ hn.T)
    psi = diag * (psi @ hn.T)
    return psi


def haar_unitary(dim: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random unitary (QR of a complex Gaussian matrix with phase correction)."""
    z = (rng.standard_normal((dim, dim)) + 1j * rng.standard_normal((dim, dim))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    d = np.diag(r)
    return q * (d / np.abs(d))


def ad_hoc_labels(X: np.ndarray, V: np.ndarray) -> np.ndarray:
    """``f(x) = <Phi(x)| V^dagger Pi V |Phi(x)>`` with ``Pi`` the Z-parity of all qubits."""
    dim = X.shape[1]
    parity = np.prod(_z_eigen(dim), axis=0)
    phi = feature_map_states(X) @ V.T
    return np.real(np.sum(np.abs(phi) ** 2 * parity, axis=1))


def ad_hoc(
    dim: int = 2,
    gap: float = 0.3,
    train: int = 40,
    test: int = 20,
    *,
    rng: np.random.Generator,
    span: Span | None = None,
) -> Dataset:
    """Havlicek et al. 2019 data: class 0 where ``f(x) >= gap``, class 1 where ``f(x) <= -gap``.

    ``x`` is uniform in ``[0, 2 pi)^dim``; points inside the gap are rejected. ``train``
    and ``test`` are total counts, balanced over the two classes.
    """
    if not 1 <= dim <= 8:
        fail("QL0402", f"`ad_hoc` needs 1 <= dim <= 8, got {dim}", span)
    if not 0 <= gap < 1:
        fail("QL0402", f"`ad_hoc` needs 0 <= gap < 1, got {gap}", span)
    V = haar_unitary(2**dim, rng)
    need = [(train + 1) // 2 + (test + 1) // 2, train // 2 + test // 2]
    got: list[list[np.ndarray]] = [[], []]
    counts = [0, 0]
    for _ in range(10_000):
        if counts[0] >= need[0] and counts[1] >= need[1]:
            break
        X = rng.uniform(0.0, 2 * np.pi, size=(4096, dim))
        f = ad_hoc_labels(X, V)
        for cls, mask in ((0, f >= gap), (1, f <= -gap)):
            take = X[mask][: max(0, need[cls] - counts[cls])]
            got[cls].append(take)
            counts[cls] += len(take)
    else:  # pragma: no cover - only for pathological gaps
        fail("QL0402", f"`ad_hoc` found too few points outside gap {gap}", span)
    X0, X1 = np.concatenate(got[0]), np.concatenate(got[1])
    tr0, tr1 = (train + 1) // 2, train // 2
    X_train = np.concatenate([X0[:tr0], X1[:tr1]])
    y_train = np.array([0] * tr0 + [1] * tr1)
    X_test = np.concatenate([X0[tr0:], X1[tr1:]])
    y_test = np.array([0] * (len(X0) - tr0) + [1] * (len(X1) - tr1))
    p_tr, p_te = rng.permutation(len(X_train)), rng.permutation(len(X_test))
    return Dataset(
        "ad_hoc",
        X_train[p_tr],
        y_train[p_tr],
        X_test[p_te],
        y_test[p_te],
        classes=(0, 1),
        labels=(0, 1),
        feature_names=tuple(f"x{i}" for i in range(dim)),
    )


# --- scikit-learn toy generators -------------------------------------------


def moons(
    n: int = 200, noise: float = 0.1, test: float = 0.25, *, rng: np.random.Generator, span=None
) -> Dataset:
    """Two interleaving half circles (``sklearn.datasets.make_moons``), seeded."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n, noise=noise, random_state=int(rng.integers(2**31)))
    return make_split("moons", X, y, test, rng, span=span, feature_names=("x0", "x1"))


def circles(
    n: int = 200,
    noise: float = 0.05,
    factor: float = 0.5,
    test: float = 0.25,
    *,
    rng: np.random.Generator,
    span=None,
) -> Dataset:
    """A small circle inside a large one (``sklearn.datasets.make_circles``), seeded."""
    from sklearn.datasets import make_circles

    if not 0 < factor < 1:
        fail("QL0402", f"`circles` needs 0 < factor < 1, got {factor}", span)
    X, y = make_circles(
        n_samples=n, noise=noise, factor=factor, random_state=int(rng.integers(2**31))
    )
    return make_split("circles", X, y, test, rng, span=span, feature_names=("x0", "x1"))


def blobs(
    n: int = 200,
    centers: int = 3,
    features: int = 2,
    std: float = 1.0,
    test: float = 0.25,
    *,
    rng: np.random.Generator,
    span=None,
) -> Dataset:
    """Isotropic Gaussian clusters, one class per centre (``sklearn.datasets.make_blobs``)."""
    from sklearn.datasets import make_blobs

    X, y = make_blobs(
        n_samples=n,
        centers=centers,
        n_features=features,
        cluster_std=std,
        random_state=int(rng.integers(2**31)),
    )
    names = tuple(f"x{i}" for i in range(features))
    return make_split("blobs", X, y, test, rng, span=span, feature_names=names)


def xor(
    n: int = 200, noise: float = 0.1, test: float = 0.25, *, rng: np.random.Generator, span=None
) -> Dataset:
    """Points uniform in ``[-1, 1]^2``, class 1 where exactly one coordinate is positive;
    Gaussian noise of std ``noise`` is added to the features after labelling."""
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(int)
    X = X + noise * rng.standard_normal(X.shape)
    return make_split("xor", X, y, test, rng, span=span, feature_names=("x0", "x1"))


def parity(
    bits: int = 4,
    n: int | None = None,
    test: float = 0.25,
    *,
    rng: np.random.Generator,
    span=None,
) -> Dataset:
    """Bit strings (bit ``k`` = feature ``k``) labelled by their parity: all ``2**bits``
    strings, or ``n`` distinct ones drawn without replacement (seeded)."""
    total = 2**bits
    idx = np.arange(total) if n is None else np.sort(rng.choice(total, size=n, replace=False))
    X = ((idx[:, None] >> np.arange(bits)) & 1).astype(float)
    y = X.sum(axis=1).astype(int) % 2
    names = tuple(f"b{i}" for i in range(bits))
    return make_split("parity", X, y, test, rng, span=span, feature_names=names)


# --- bars and stripes --------------------------------------------------------


def bas_patterns(rows: int, cols: int) -> np.ndarray:
    """All bars-and-stripes images as 0/1 rows of length ``rows*cols`` (row-major)."""
    pats = set()
    for sel in product((0, 1), repeat=cols):  # bars: whole columns on
        pats.add(tuple(sel[j] for _ in range(rows) for j in range(cols)))
    for sel in product((0, 1), repeat=rows):  # stripes: whole rows on
        pats.add(tuple(sel[i] for i in range(rows) for _ in range(cols)))
    return np.array(sorted(pats), dtype=float)


def bars_and_stripes(
    rows: int = 2, cols: int | None = None, *, rng: np.random.Generator, span=None
) -> Dataset:
    """The bars-and-stripes patterns and their uniform distribution over bitstrings.

    Pixel ``(i, j)`` is qubit ``i*cols + j``; the distribution is indexed little-endian
    (qubit ``k`` = bit ``k``). Train and test both hold every pattern. ``cols`` defaults
    to ``rows`` (square images).
    """
    cols = rows if cols is None else cols
    if rows < 1 or cols < 1 or rows * cols > 20:
        fail("QL0402", f"`bars_and_stripes` needs 1..20 pixels, got {rows}x{cols}", span)
    X = bas_patterns(rows, cols)
    weights = 2 ** np.arange(rows * cols)
    idx = (X @ weights).astype(int)
    dist = np.zeros(2 ** (rows * cols))
    dist[idx] = 1.0 / len(idx)
    y = idx.copy()
    return Dataset(
        "bars_and_stripes",
        X,
        y,
        X.copy(),
        y.copy(),
        kind="distribution",
        distribution=dist,
        feature_names=tuple(f"p{i}" for i in range(rows * cols)),
    )


def lognormal(
    mu: float = 1.0,
    sigma: float = 1.0,
    bits: int = 3,
    n: int = 20000,
    *,
    rng: np.random.Generator,
    span=None,
) -> Dataset:
    """``n`` samples of a log-normal distribution (``mu``, ``sigma`` of the underlying
    normal) rounded to the nearest integer; samples above ``2**bits - 1`` are dropped
    (Zoufal et al. 2019 truncate to the grid). Each row is the value's ``bits``
    little-endian bits; the distribution is the samples' histogram over the grid.
    Train and test both hold every sample (a generator has no test split).
    """
    top = 2**bits - 1
    values = np.rint(rng.lognormal(mu, sigma, size=n)).astype(int)
    values = values[values <= top]
    if len(values) == 0:
        fail("QL0402", f"no `lognormal` sample falls in 0..{top}", span)
    X = ((values[:, None] >> np.arange(bits)) & 1).astype(float)
    dist = np.bincount(values, minlength=top + 1).astype(float)
    dist /= dist.sum()
    return Dataset(
        "lognormal",
        X,
        values.copy(),
        X.copy(),
        values.copy(),
        kind="distribution",
        distribution=dist,
        feature_names=tuple(f"b{i}" for i in range(bits)),
    )


# --- time series -------------------------------------------------------------


def series_values(kind: str, n: int, periods: float, rng: np.random.Generator) -> np.ndarray:
    t = np.linspace(0.0, periods, n, endpoint=False)
    phase = t % 1.0
    if kind == "sine":
        return np.sin(2 * np.pi * t)
    if kind == "cosine":
        return np.cos(2 * np.pi * t)
    if kind == "damped_sine":
        return np.exp(-t / max(periods, 1e-9)) * np.sin(2 * np.pi * t)
    if kind == "sawtooth":
        return 2 * phase - 1
    if kind == "triangle":
        return 1 - 4 * np.abs(phase - 0.5)
    if kind == "square_wave":
        return np.where(phase < 0.5, 1.0, -1.0)
    assert kind == "random_walk", kind
    walk = np.cumsum(rng.standard_normal(n))
    return walk / max(1e-9, np.max(np.abs(walk)))


def series(
    kind: str = "sine",
    n: int = 200,
    window: int = 4,
    periods: float = 4.0,
    noise: float = 0.0,
    horizon: int = 1,
    test: float = 0.25,
    *,
    rng: np.random.Generator,
    span=None,
) -> Dataset:
    """Sliding windows ``X[t] = s[t:t+window]`` predicting ``y[t] = s[t+window+horizon-1]``.

    The split is chronological: the last ``test`` part of the windows is the test set.
    """
    if window < 1 or horizon < 1 or n < window + horizon + 2:
        fail("QL0402", f"`{kind}` needs n >= window + horizon + 2 (n={n}, window={window})", span)
    s = series_values(kind, n, periods, rng)
    if noise:
        s = s + noise * rng.standard_normal(n)
    m = n - window - horizon + 1
    X = np.stack([s[i : i + window] for i in range(m)])
    y = np.array([s[i + window + horizon - 1] for i in range(m)])
    n_test = int(round(test * m))
    if not 0 <= n_test < m:
        fail("QL0411", f"cannot split {m} windows into a test part of {n_test}", span)
    cut = m - n_test
    return Dataset(
        kind,
        X[:cut],
        y[:cut],
        X[cut:],
        y[cut:],
        kind="regression",
        feature_names=tuple(f"t{i}" for i in range(window)),
        ordered=True,
    )


def _series_loader(kind: str):
    def load(
        n: int = 200,
        window: int = 4,
        periods: float = 4.0,
        noise: float = 0.0,
        horizon: int = 1,
        test: float = 0.25,
        *,
        rng: np.random.Generator,
        span=None,
    ) -> Dataset:
        return series(kind, n, window, periods, noise, horizon, test, rng=rng, span=span)

    load.__name__ = load.__qualname__ = kind
    load.__doc__ = f"The ``{kind}`` series as sliding windows (see :func:`series`)."
    return load


def random_walk(
    n: int = 200,
    window: int = 4,
    noise: float = 0.0,
    horizon: int = 1,
    test: float = 0.25,
    *,
    rng: np.random.Generator,
    span=None,
) -> Dataset:
    """A seeded Gaussian random walk scaled to ``[-1, 1]`` as sliding windows (no periods)."""
    return series("random_walk", n, window, 1.0, noise, horizon, test, rng=rng, span=span)


sine = _series_loader("sine")
cosine = _series_loader("cosine")
damped_sine = _series_loader("damped_sine")
sawtooth = _series_loader("sawtooth")
triangle = _series_loader("triangle")
square_wave = _series_loader("square_wave")
