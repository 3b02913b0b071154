"""The :class:`Dataset` container and the seeded train/test split.

Example::

    >>> import numpy as np
    >>> X, y = np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5)
    >>> tr, te = split_indices(10, test=0.3, rng=np.random.default_rng(0), stratify=y)
    >>> len(tr), len(te)
    (7, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qlang.source import Span
from qlang.train.errors import fail


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features and targets, already split.

    ``kind`` is ``classification``, ``regression`` or ``distribution`` (a Born-machine
    target: ``distribution`` holds probabilities over bitstrings, little-endian).
    ``ordered`` rows (time series) are split chronologically.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    kind: str = "classification"
    classes: tuple[int, ...] = ()
    distribution: np.ndarray | None = None
    feature_names: tuple[str, ...] = field(default=())
    labels: tuple[object, ...] = ()  # original label of each class index (classification)
    ordered: bool = False  # rows are in time order (series): hold-outs come from the end

    @property
    def num_features(self) -> int:
        return int(self.X_train.shape[1])


def split_indices(
    n: int,
    test: float | int,
    rng: np.random.Generator,
    stratify: np.ndarray | None = None,
    span: Span | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle ``0..n-1`` and cut off a test part (a fraction < 1 or a count).

    With ``stratify`` (class labels), every class is split in the same proportion.
    """
    n_test = int(round(test * n)) if isinstance(test, float) and test < 1 else int(test)
    if n_test < 0 or n_test >= n:
        fail(
            "QL0411",
            f"cannot split {n} samples into a test part of {n_test}",
            span,
            help="use a test size between 0 and the number of samples minus one",
        )
    if stratify is None or n_test == 0:
        perm = rng.permutation(n)
        return np.sort(perm[n_test:]), np.sort(perm[:n_test])
    labels = np.asarray(stratify)
    test_idx: list[np.ndarray] = []
    train_idx: list[np.ndarray] = []
    classes = np.unique(labels)
    # largest-remainder allocation of the test count over classes
    counts = np.array([np.sum(labels == c) for c in classes])
    exact = counts * n_test / n
    alloc = np.floor(exact).astype(int)
    order = np.argsort(-(exact - alloc), kind="stable")
    alloc[order[: n_test - alloc.sum()]] += 1
    for c, k in zip(classes, alloc, strict=True):
        idx = rng.permutation(np.flatnonzero(labels == c))
        test_idx.append(idx[:k])
        train_idx.append(idx[k:])
    return np.sort(np.concatenate(train_idx)), np.sort(np.concatenate(test_idx))


def make_split(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    test: float | int,
    rng: np.random.Generator,
    kind: str = "classification",
    span: Span | None = None,
    labels: tuple[object, ...] | None = None,
    **extra: object,
) -> Dataset:
    """Split ``(X, y)`` into a :class:`Dataset` (stratified for classification).

    Class labels are encoded ``0..k-1`` in sorted order; ``labels`` (default: the sorted
    original values) records what each index stands for.
    """
    if kind == "classification":
        uniq = np.unique(y)
        if labels is None:
            labels = tuple(v.item() if hasattr(v, "item") else v for v in uniq)
        y = np.searchsorted(uniq, y)
    strat = y if kind == "classification" else None
    tr, te = split_indices(len(X), test, rng, strat, span)
    classes = tuple(range(len(np.unique(y)))) if kind == "classification" else ()
    return Dataset(
        name,
        X[tr],
        y[tr],
        X[te],
        y[te],
        kind=kind,
        classes=classes,
        labels=labels or (),
        **extra,  # type: ignore[arg-type]
    )
