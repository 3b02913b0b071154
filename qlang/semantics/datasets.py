"""Static facts about the built-in data sets: feature width and class count.

Example::

    >>> data_shape(Call("iris"), ())
    (4, 3)
    >>> data_shape(Call("digits"), (Call("downsample", (4, 4)),))
    (16, 10)
"""

from __future__ import annotations

from qlang.ir.model import Call

#: name -> (features or None when it depends on arguments, classes or None)
DATASETS: dict[str, tuple[int | None, int | None]] = {
    "ad_hoc": (None, 2),
    "iris": (4, 3),
    "breast_cancer": (30, 2),
    "wine": (13, 3),
    "digits": (64, 10),
    "moons": (2, 2),
    "circles": (2, 2),
    "blobs": (2, None),
    "xor": (2, 2),
    "parity": (None, 2),
    "bars_and_stripes": (None, None),
    "sine": (None, None),
    "cosine": (None, None),
    "mackey_glass": (None, None),
    "csv": (None, None),
}

PREPROCESS = (
    "standardize",
    "minmax",
    "pca",
    "one_hot",
    "downsample",
    "binarize",
    "normalize",
    "select",
    "scale",
)


def data_shape(data: Call, preprocess: tuple[Call, ...]) -> tuple[int | None, int | None]:
    """``(features, classes)`` after preprocessing; ``None`` when unknown statically."""
    width, classes = DATASETS.get(data.name, (None, None))
    if data.name == "ad_hoc":
        width = _int(data.arg(0, "dim", 2))
    elif data.name == "parity":
        width = _int(data.arg(0, "bits", 4))
    elif data.name == "bars_and_stripes":
        r = _int(data.arg(0, "rows", 2))
        c = _int(data.arg(1, "cols", r))
        width = None if r is None or c is None else r * c
    elif data.name in ("sine", "cosine", "mackey_glass"):
        width = _int(data.get("window", 4))
    elif data.name == "digits":
        k = _int(data.get("classes", data.get("n_class", 10)))
        classes = k
        side = _int(data.arg(0, "size", 8))  # `digits(size = 4)` pools to 4x4 pixels
        width = None if side is None else side * side
    elif data.name == "blobs":
        width = _int(data.get("features", 2))
        classes = _int(data.get("centers", 3))
    if data.name in ("ad_hoc", "moons", "circles", "xor"):
        classes = 2
    for step in preprocess:
        if step.name == "pca":
            width = _int(step.arg(0, "k", width))
        elif step.name == "downsample":
            r = _int(step.arg(0, "rows", None))
            c = _int(step.arg(1, "cols", r))
            width = None if r is None or c is None else r * c
        elif step.name == "select":
            cols = step.arg(0, "columns", None)
            width = len(cols) if isinstance(cols, tuple) else width
    return width, classes


def _int(v: object) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None
