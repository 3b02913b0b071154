"""The classic offline data sets: iris, breast_cancer, wine, digits.

Bundled as small compressed arrays (``sets/*.npz``, exported from scikit-learn's copies of
the UCI data; see ``sets/README.md``), so loading them needs no scikit-learn.

Example::

    >>> import numpy as np
    >>> d = digits(size=4, classes=(3, 6), binarize=0.5, rng=np.random.default_rng(0))
    >>> d.X_train.shape[1], d.classes
    (16, (0, 1))
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources

import numpy as np

from qlang.source import Span
from qlang.train.data.dataset import Dataset, make_split
from qlang.train.errors import fail


def select_classes(
    X: np.ndarray, y: np.ndarray, classes: Sequence[int] | None, name: str, span: Span | None
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the rows whose label is in ``classes`` and relabel them ``0..k-1`` in that order."""
    if classes is None:
        return X, y
    wanted = [int(c) for c in classes]
    present = set(np.unique(y).tolist())
    missing = [c for c in wanted if c not in present]
    if missing or len(set(wanted)) != len(wanted) or len(wanted) < 2:
        fail(
            "QL0402",
            f"`{name}` has no class selection {tuple(wanted)}",
            span,
            help=f"choose at least two distinct classes among {sorted(present)}",
        )
    mask = np.isin(y, wanted)
    relabel = {c: i for i, c in enumerate(wanted)}
    return X[mask], np.array([relabel[int(v)] for v in y[mask]])


@cache
def _bundled(name: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """A bundled data set ``(X, y, feature_names)``, read once per process (read-only
    arrays; ``.npz`` of plain arrays, loaded without pickle)."""
    with resources.files("qlang.train.data").joinpath(f"sets/{name}.npz").open("rb") as fh:
        with np.load(fh, allow_pickle=False) as data:
            X = np.asarray(data["X"], dtype=float)
            y = np.asarray(data["y"], dtype=np.int64)
            names = tuple(str(f) for f in data["feature_names"])
    X.flags.writeable = y.flags.writeable = False
    return X, y, names or tuple(f"x{i}" for i in range(X.shape[1]))


def _sk(name: str, classes, test, rng, span) -> Dataset:
    data, target, names = _bundled(name)
    X, y = select_classes(data, target, classes, name, span)
    labels = tuple(int(c) for c in classes) if classes is not None else None
    return make_split(name, X, y, test, rng, span=span, feature_names=names, labels=labels)


def iris(classes=None, test: float = 0.25, *, rng: np.random.Generator, span=None) -> Dataset:
    """Fisher's iris: 150 samples, 4 features, 3 classes."""
    return _sk("iris", classes, test, rng, span)


def breast_cancer(classes=None, test: float = 0.25, *, rng, span=None) -> Dataset:
    """Wisconsin breast cancer: 569 samples, 30 features, 2 classes."""
    return _sk("breast_cancer", classes, test, rng, span)


def wine(classes=None, test: float = 0.25, *, rng, span=None) -> Dataset:
    """Wine recognition: 178 samples, 13 features, 3 classes."""
    return _sk("wine", classes, test, rng, span)


def downsample_images(X: np.ndarray, side: int, size: int) -> np.ndarray:
    """Average-pool square images of ``side x side`` pixels (row-major rows) to ``size x size``."""
    if size < 1 or side % size:
        raise ValueError(f"cannot downsample {side}x{side} images to {size}x{size}")
    f = side // size
    imgs = X.reshape(len(X), size, f, size, f)
    return imgs.mean(axis=(2, 4)).reshape(len(X), size * size)


def digits(
    size: int = 8,
    classes=None,
    binarize: float | None = None,
    test: float = 0.25,
    limit: int | None = None,
    *,
    rng: np.random.Generator,
    span=None,
) -> Dataset:
    """Handwritten 8x8 digits scaled to ``[0, 1]``; optionally pooled to ``size x size``,
    binarised at a threshold, restricted to ``classes`` (relabelled ``0..k-1``) and
    limited to ``limit`` samples (a seeded, stratified subset) before the split."""
    if size not in (1, 2, 4, 8):
        fail("QL0402", f"`digits` size must divide 8, got {size}", span, help="use 2, 4 or 8")
    data, target, _ = _bundled("digits")
    X, y = select_classes(data / 16.0, target, classes, "digits", span)
    if size != 8:
        X = downsample_images(X, 8, size)
    if binarize is not None:
        X = (X > float(binarize)).astype(float)
    if limit is not None and limit < len(X):
        from qlang.train.data.dataset import split_indices

        keep, _ = split_indices(len(X), len(X) - int(limit), rng, y, span)
        X, y = X[keep], y[keep]
    names = tuple(f"p{i}" for i in range(size**2))
    labels = tuple(int(c) for c in classes) if classes is not None else None
    return make_split("digits", X, y, test, rng, span=span, feature_names=names, labels=labels)
