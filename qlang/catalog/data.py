"""Data sets (``data = ...``) and preprocessing steps (``|> step(...)``): pure data.

Each data set records what the checker needs to know before any data is loaded
(:class:`DataInfo`: the kind of targets, the feature width and the class count as
functions of the arguments); each step records how it changes the width and
whether its arguments fit the width it receives (:class:`StepInfo`).

Example::

    >>> e = {x.name: x for x in ENTRIES}["digits"]
    >>> e.info.features({"size": 4}), e.info.classes({"classes": (3, 6)})
    (16, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from qlang.catalog.schema import (
    CHOICE,
    FLOAT,
    INT,
    INTS,
    REQUIRED,
    STR,
    Entry,
    Param,
    Range,
)
from qlang.limits import MAX_DATA_ROWS, MAX_FEATURES

Values = Mapping[str, Any]


@dataclass(frozen=True)
class DataInfo:
    """``kind``: ``classification``, ``regression`` or ``distribution`` (``None``:
    decided by the file's contents); width and class count from the arguments."""

    kind: str | None
    features: Callable[[Values], int | None]
    classes: Callable[[Values], int | None] = lambda v: None


@dataclass(frozen=True)
class StepInfo:
    """How a step changes the feature width, and why its arguments may not fit it."""

    width: Callable[[Values, int | None], int | None] = lambda v, w: w
    fits: Callable[[Values, int], str | None] = lambda v, w: None
    targets: bool = False  # acts on the targets (``one_hot``), not the features


TEST = Param(
    "test",
    FLOAT,
    0.25,
    "fraction of the samples held out as the test split (seen once, after training)",
    Range(0, 1, low_open=True, high_open=True),
    example=0.4,
    positional=False,
)
SEED = Param(
    "seed",
    INT,
    None,
    "generator and split seed (default: derived from the run seed)",
    Range(0, 2**63 - 1),
    example=123,
    positional=False,
)
ROWS = Range(2, MAX_DATA_ROWS)


def _classes(default: int) -> Callable[[Values], int | None]:
    return lambda v: len(v["classes"]) if v.get("classes") else default


def _sklearn(name: str, doc: str, width: int, k: int) -> Entry:
    return Entry(
        "data",
        name,
        doc,
        (
            Param(
                "classes",
                INTS,
                None,
                "keep only these classes (relabelled 0..k-1 in this order)",
                Range(0, k - 1),
                example=(1, 0) if k == 2 else (0, 1),
            ),
            TEST,
            SEED,
        ),
        impl=f"qlang.train.data.builtin:{name}",
        info=DataInfo("classification", lambda v: width, _classes(k)),
        rules=(_distinct_classes,),
    )


def _distinct_classes(v: Values, given: frozenset[str]) -> str | None:
    c = v.get("classes")
    if c is not None and (len(set(c)) != len(c) or len(c) < 2):
        return "`classes` needs at least two distinct classes"
    return None


def _series(name: str, doc: str, periodic: bool = True) -> Entry:
    periods = (
        Param("periods", FLOAT, 4.0, "periods over the series", Range(0, None, True), example=2.5),
    )
    return Entry(
        "data",
        name,
        doc + "; sliding windows predict a later value (chronological split)",
        (
            Param("n", INT, 200, "length of the series", Range(4, MAX_DATA_ROWS), example=120),
            Param(
                "window",
                INT,
                4,
                "values per sample (the feature width)",
                Range(1, MAX_FEATURES),
                example=3,
            ),
            *(periods if periodic else ()),
            Param("noise", FLOAT, 0.0, "std of added Gaussian noise", Range(0, None), example=0.1),
            Param("horizon", INT, 1, "steps ahead to predict", Range(1, MAX_DATA_ROWS), example=2),
            TEST,
            SEED,
        ),
        impl=f"qlang.train.data.synthetic:{name}",
        info=DataInfo("regression", lambda v: v["window"]),
        rules=(_series_length,),
    )


def _series_length(v: Values, given: frozenset[str]) -> str | None:
    if v["n"] < v["window"] + v["horizon"] + 2:
        return f"a series of n = {v['n']} is too short for window + horizon + 2"
    return None


def _bas_size(v: Values, given: frozenset[str]) -> str | None:
    rows, cols = v["rows"], v["cols"] or v["rows"]
    if rows * cols > 20:
        return f"`bars_and_stripes` has at most 20 pixels, got {rows}x{cols}"
    return None


def _parity_count(v: Values, given: frozenset[str]) -> str | None:
    if v["n"] is not None and v["n"] > 2 ** v["bits"]:
        return f"`parity` has only {2 ** v['bits']} distinct {v['bits']}-bit strings, n = {v['n']}"
    return None


DATASETS: tuple[Entry, ...] = (
    Entry(
        "data",
        "ad_hoc",
        "Havlicek et al. (2019) data: labels by the sign of a ZZ-feature-map parity, with a gap",
        (
            Param("dim", INT, 2, "features (= qubits of the feature map)", Range(1, 8), example=3),
            Param(
                "gap",
                FLOAT,
                0.3,
                "margin around the decision boundary",
                Range(0, 1, False, True),
                example=0.1,
            ),
            Param("train", INT, 40, "training samples", Range(2, 100_000), example=30),
            Param("test", INT, 20, "test samples", Range(1, 100_000), example=10),
            SEED,
        ),
        impl="qlang.train.data.synthetic:ad_hoc",
        info=DataInfo("classification", lambda v: v["dim"], lambda v: 2),
    ),
    _sklearn("iris", "Fisher's iris: 150 samples, 4 features, 3 classes", 4, 3),
    _sklearn(
        "breast_cancer", "Wisconsin breast cancer: 569 samples, 30 features, 2 classes", 30, 2
    ),
    _sklearn("wine", "wine recognition: 178 samples, 13 features, 3 classes", 13, 3),
    Entry(
        "data",
        "digits",
        "handwritten 8x8 digits scaled to [0, 1], optionally pooled, binarised, subset",
        (
            Param(
                "size",
                INT,
                8,
                "pool the images to size x size pixels",
                choices=(1, 2, 4, 8),
                example=4,
            ),
            Param(
                "classes",
                INTS,
                None,
                "keep only these digits (relabelled 0..k-1 in this order)",
                Range(0, 9),
                example=(3, 6),
                positional=False,
            ),
            Param(
                "binarize",
                FLOAT,
                None,
                "threshold pixels to 0/1",
                Range(0, 1),
                example=0.5,
                positional=False,
            ),
            TEST,
            Param(
                "limit",
                INT,
                None,
                "keep a seeded, stratified subset of this many samples",
                Range(4, 1797),
                example=100,
                positional=False,
            ),
            SEED,
        ),
        impl="qlang.train.data.builtin:digits",
        info=DataInfo("classification", lambda v: v["size"] ** 2, _classes(10)),
        rules=(_distinct_classes,),
    ),
    Entry(
        "data",
        "moons",
        "two interleaving half circles (scikit-learn make_moons)",
        (
            Param("n", INT, 200, "samples", ROWS, example=60),
            Param("noise", FLOAT, 0.1, "std of Gaussian noise", Range(0, None), example=0.3),
            TEST,
            SEED,
        ),
        impl="qlang.train.data.synthetic:moons",
        info=DataInfo("classification", lambda v: 2, lambda v: 2),
    ),
    Entry(
        "data",
        "circles",
        "a small circle inside a large one (scikit-learn make_circles)",
        (
            Param("n", INT, 200, "samples", ROWS, example=60),
            Param("noise", FLOAT, 0.05, "std of Gaussian noise", Range(0, None), example=0.2),
            Param(
                "factor", FLOAT, 0.5, "inner / outer radius", Range(0, 1, True, True), example=0.3
            ),
            TEST,
            SEED,
        ),
        impl="qlang.train.data.synthetic:circles",
        info=DataInfo("classification", lambda v: 2, lambda v: 2),
    ),
    Entry(
        "data",
        "blobs",
        "isotropic Gaussian clusters (scikit-learn make_blobs), one class per centre",
        (
            Param("n", INT, 200, "samples", ROWS, example=60),
            Param("centers", INT, 3, "clusters (= classes)", Range(2, 1000), example=2),
            Param("features", INT, 2, "feature width", Range(1, MAX_FEATURES), example=3),
            Param(
                "std", FLOAT, 1.0, "cluster standard deviation", Range(0, None, True), example=0.5
            ),
            TEST,
            SEED,
        ),
        impl="qlang.train.data.synthetic:blobs",
        info=DataInfo("classification", lambda v: v["features"], lambda v: v["centers"]),
    ),
    Entry(
        "data",
        "xor",
        "points uniform in [-1, 1]^2 labelled by the XOR of their signs, with Gaussian noise",
        (
            Param("n", INT, 200, "samples", ROWS, example=60),
            Param(
                "noise",
                FLOAT,
                0.1,
                "std of Gaussian noise on the features",
                Range(0, None),
                example=0.3,
            ),
            TEST,
            SEED,
        ),
        impl="qlang.train.data.synthetic:xor",
        info=DataInfo("classification", lambda v: 2, lambda v: 2),
    ),
    Entry(
        "data",
        "parity",
        "bit strings labelled by their parity (odd number of ones = class 1)",
        (
            Param("bits", INT, 4, "bits per sample (the feature width)", Range(1, 20), example=3),
            Param(
                "n",
                INT,
                None,
                "distinct strings drawn (seeded); default: all 2**bits",
                Range(4, MAX_DATA_ROWS),
                example=12,
            ),
            TEST,
            SEED,
        ),
        impl="qlang.train.data.synthetic:parity",
        info=DataInfo("classification", lambda v: v["bits"], lambda v: 2),
        rules=(_parity_count,),
    ),
    Entry(
        "data",
        "bars_and_stripes",
        "every bars-and-stripes image; its uniform distribution is the generate target",
        (
            Param("rows", INT, 2, "image rows", Range(1, 20), example=3),
            Param("cols", INT, None, "image columns (default: rows)", Range(1, 20), example=3),
        ),
        impl="qlang.train.data.synthetic:bars_and_stripes",
        info=DataInfo("distribution", lambda v: v["rows"] * (v["cols"] or v["rows"])),
        rules=(_bas_size,),
    ),
    Entry(
        "data",
        "lognormal",
        "log-normal samples rounded to the integers 0..2**bits - 1 (larger ones dropped), "
        "as little-endian bit rows; their histogram is the generate/gan target",
        (
            Param("mu", FLOAT, 1.0, "mean of the underlying normal", example=0.5),
            Param("sigma", FLOAT, 1.0, "standard deviation of the underlying normal",
                  Range(0, None, low_open=True), example=0.5),
            Param("bits", INT, 3, "bits per value (the grid 0..2**bits - 1)", Range(1, 12), example=2),
            Param("n", INT, 20000, "samples drawn", Range(10, MAX_DATA_ROWS), example=500),
            SEED,
        ),
        impl="qlang.train.data.synthetic:lognormal",
        info=DataInfo("distribution", lambda v: v["bits"]),
    ),  # fmt: skip
    _series("sine", "a sine wave"),
    _series("cosine", "a cosine wave"),
    _series("damped_sine", "a sine wave decaying as exp(-t / periods)"),
    _series("sawtooth", "a sawtooth wave in [-1, 1]"),
    _series("triangle", "a triangle wave in [-1, 1]"),
    _series("square_wave", "a square wave in {-1, 1}"),
    _series("random_walk", "a seeded Gaussian random walk scaled to [-1, 1]", periodic=False),
    Entry(
        "data",
        "csv",
        "a CSV file with a header row; the label column is the target",
        (
            Param("path", STR, REQUIRED, "file path, relative to the model file"),
            Param("label", STR, REQUIRED, "name of the target column", positional=False),
            TEST,
            Param(
                "task",
                CHOICE,
                None,
                "read the label as classes or as values (default: classes if all integers)",
                choices=("classify", "regress"),
                example="regress",
                positional=False,
            ),
            SEED,
        ),
        impl="qlang.train.data.csvdata:load_csv",
        info=DataInfo(None, lambda v: None),
    ),
)


def _pca_fits(v: Values, w: int) -> str | None:
    return f"`pca({v['k']})` needs k <= {w} features" if v["k"] > w else None


def _square(w: int) -> int | None:
    side = int(round(w**0.5))
    return side if side * side == w else None


def _downsample_fits(v: Values, w: int) -> str | None:
    side = _square(w)
    if side is None or side % v["size"]:
        return f"`downsample({v['size']})` needs square images whose side is a multiple of {v['size']}, got {w} features"
    return None


def _select_fits(v: Values, w: int) -> str | None:
    bad = [c for c in v["columns"] if c >= w]
    return f"`select` column {bad[0]} does not exist in {w} features" if bad else None


def _minmax_order(v: Values, given: frozenset[str]) -> str | None:
    return (
        None
        if v["low"] < v["high"]
        else f"`minmax` needs low < high, got ({v['low']}, {v['high']})"
    )


STEPS: tuple[Entry, ...] = (
    Entry(
        "preprocess",
        "standardize",
        "zero mean and unit variance per feature (fitted on the training split)",
        impl="qlang.train.data.preprocess:STANDARDIZE",
        info=StepInfo(),
    ),
    Entry(
        "preprocess",
        "minmax",
        "scale each feature linearly to [low, high] (fitted on the training split)",
        (
            Param("low", FLOAT, 0.0, "lower end", Range(), example=-1.0),
            Param("high", FLOAT, 1.0, "upper end", Range(), example=3.14159),
        ),
        impl="qlang.train.data.preprocess:MINMAX",
        info=StepInfo(),
        rules=(_minmax_order,),
    ),
    Entry(
        "preprocess",
        "pca",
        "project onto the first k principal components (fitted on the training split)",
        (Param("k", INT, 2, "components kept (the new width)", Range(1, MAX_FEATURES), example=1),),
        impl="qlang.train.data.preprocess:PCA",
        info=StepInfo(lambda v, w: v["k"], _pca_fits),
    ),
    Entry(
        "preprocess",
        "scale",
        "multiply every feature by a constant",
        (Param("factor", FLOAT, 1.0, "the constant", Range(), example=0.5),),
        impl="qlang.train.data.preprocess:SCALE",
        info=StepInfo(),
    ),
    Entry(
        "preprocess",
        "normalize",
        "scale each sample to unit Euclidean norm (e.g. for amplitude encoding)",
        impl="qlang.train.data.preprocess:NORMALIZE",
        info=StepInfo(),
    ),
    Entry(
        "preprocess",
        "binarize",
        "map each feature to 1 above the threshold, else 0",
        (Param("threshold", FLOAT, 0.5, "the threshold", Range(), example=0.0),),
        impl="qlang.train.data.preprocess:BINARIZE",
        info=StepInfo(),
    ),
    Entry(
        "preprocess",
        "select",
        "keep the listed feature columns (0-based), in that order",
        (
            Param(
                "columns",
                INTS,
                REQUIRED,
                "column indices",
                Range(0, MAX_FEATURES - 1),
                example=(1,),
            ),
        ),
        impl="qlang.train.data.preprocess:SELECT",
        info=StepInfo(lambda v, w: len(v["columns"]), _select_fits),
    ),
    Entry(
        "preprocess",
        "downsample",
        "average-pool square images to size x size pixels",
        (Param("size", INT, 4, "side of the pooled image", Range(1, 1000), example=2),),
        impl="qlang.train.data.preprocess:DOWNSAMPLE",
        info=StepInfo(lambda v, w: v["size"] ** 2, _downsample_fits),
    ),
    Entry(
        "preprocess",
        "one_hot",
        "regress onto one-hot class indicators (acts on the targets)",
        impl="qlang.train.data.preprocess:ONE_HOT",
        info=StepInfo(targets=True),
    ),
    Entry(
        "preprocess",
        "shuffle_labels",
        "randomisation test: a seeded permutation of the training labels (the validation "
        "part included); the test labels stay true (acts on the targets)",
        (
            Param(
                "seed",
                INT,
                None,
                "permutation seed (default: derived from the run seed)",
                Range(0, 2**63 - 1),
                example=3,
            ),
        ),
        impl="qlang.train.data.preprocess:SHUFFLE_LABELS",
        info=StepInfo(targets=True),
    ),
)

ENTRIES: tuple[Entry, ...] = DATASETS + STEPS

__all__ = ["DATASETS", "ENTRIES", "STEPS", "DataInfo", "StepInfo"]
