"""Codes of the data sets, CSV files and preprocessing (QL0401-QL0499): pure data.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0403"].title
    'data file not found'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "data",
    "Data errors",
    "Raised while a model's data set is loaded, split and preprocessed by `qlang train`, "
    "`qlang predict`, `qlang eval`, `qlang.train.api` and `QLangEstimator` "
    "(`qlang/train/data/`).",
    "QL0401",
    "QL0499",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0401",
        "unknown data set",
        "data = irsi()",
        "data = iris()",
        "The data sets are the `data` table of the catalog (docs/training.md#data), including "
        "`csv(path, label = col)`. The message suggests the closest name; `qlang check` "
        "reports the same mistake as QL0305 before anything runs.",
    ),
    ErrorInfo(
        "QL0402",
        "bad data set argument",
        "data = iris(tset = 0.2)\ndata = ad_hoc(gap = 2.0)",
        "data = iris(test = 0.2)\ndata = ad_hoc(gap = 0.3)",
        "An argument the data set does not have, or a value out of range (ad_hoc needs 0 <= "
        "gap < 1; digits classes must exist).",
    ),
    ErrorInfo(
        "QL0403",
        "data file not found",
        'data = csv("missing.csv", label = "y")',
        'data = csv("data/train.csv", label = "y")',
        "Relative paths start at the folder of the model file.",
    ),
    ErrorInfo(
        "QL0404",
        "data file has no data rows",
        "a,b,y\n(no rows)",
        "a,b,y\n1.0,2.0,0",
        "The CSV is empty or holds only the header line.",
    ),
    ErrorInfo(
        "QL0405",
        "label column missing",
        'data = csv("d.csv", label = "lable")  # columns a,b,label',
        'data = csv("d.csv", label = "label")',
        "The message lists close column names.",
    ),
    ErrorInfo(
        "QL0406",
        "NaN or non-numeric value",
        "a,b,y\n1,,0\n1,nan,0",
        "a,b,y\n1,0.5,0\n1,0.7,0",
        "Every cell must be a finite number; arrays given to `fit` must not hold NaN or inf.",
    ),
    ErrorInfo(
        "QL0407",
        "row with the wrong number of fields",
        "a,b,y\n1,2,0\n1,2",
        "a,b,y\n1,2,0\n1,2,1",
        "Every row needs one value per header column.",
    ),
    ErrorInfo(
        "QL0408",
        "wrong feature count",
        "qlang predict m.qml --weights runs/m --input three_columns.csv  # trained on 2",
        "qlang predict m.qml --weights runs/m --input two_columns.csv",
        "Pass exactly the feature columns of the training data (`--label COL` drops a label).",
    ),
    ErrorInfo(
        "QL0409",
        "unknown preprocessing step",
        "data = iris() |> standardise()",
        "data = iris() |> standardize()",
        "The steps are the `preprocess` table of the catalog (docs/training.md#data); "
        "`qlang check` reports the same mistake as QL0305.",
    ),
    ErrorInfo(
        "QL0410",
        "bad preprocessing argument",
        "data = iris() |> pca(9)  # 4 features",
        "data = iris() |> pca(2)",
        "pca needs 1 <= k <= min(samples, features); minmax needs low < high; downsample "
        "needs a size dividing the image side.",
    ),
    ErrorInfo(
        "QL0411",
        "impossible train/test split",
        "data = iris(test = 500)",
        "data = iris(test = 0.25)",
        "A fraction below 1 or a count below the number of samples.",
    ),
)
