"""Codes of sweeps and runs tables (QL0900-QL0929): pure data.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0900"].title
    'bad sweep grid'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "sweeps",
    "Sweep errors",
    "Raised by `qlang sweep` and `qlang runs` (`qlang/sweep/`) and by `qlang check` for a "
    "`sweep { ... }` block: a grid of settings expands into one run per combination, each "
    "a normal run folder under the sweep folder, with a `runs.csv` / `runs.json` table. "
    "QL0907-QL0909 also come from a run distributed on Ray (`train { distribute }`, "
    "`qlang/distribute/`).",
    "QL0900",
    "QL0929",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0900",
        "bad sweep grid",
        'qlang sweep m.qml --grid "optimiser = [adam(), sgd()]"',
        'qlang sweep m.qml --grid "optimizer = [adam(), sgd()]; seed = 0..5"',
        "A grid (`--grid` or a `sweep { ... }` block) is a list of `key = values` entries "
        "separated by `;` or `,`. A key is a model setting (`optimizer`, `encoding`, ...) "
        "or a `train`/`target` setting (`seed`, `epochs`, `noise`, ...; `train_shots` or "
        "`target_shots` where the bare name is in both blocks). The values are a list "
        "`[a, b]` (one run each), a range `0..5` of integers (half-open: 0 to 4) or one "
        "value. Each key appears once.",
    ),
    ErrorInfo(
        "QL0901",
        "a sweep value makes an invalid model",
        'qlang sweep m.qml --grid "optimizer = [adam(lr = -1)]"',
        'qlang sweep m.qml --grid "optimizer = [adam(lr = 0.01)]"',
        "Every value of the grid is put into the model and checked before any run starts; "
        "this one makes a model `qlang check` rejects (the diagnostics follow, located in "
        "the model as the value makes it).",
    ),
    ErrorInfo(
        "QL0902",
        "the sweep folder holds another sweep or someone's files",
        "qlang sweep m.qml --grid \"seed = 0..5\" --out sw\n"
        "qlang sweep m.qml --grid \"seed = 0..9\" --out sw",
        'qlang sweep m.qml --grid "seed = 0..9" --out sw2',
        "A sweep folder holds `sweep.json` (the plan: the model's source hash and the grid). "
        "Running the same sweep again resumes it (finished runs are skipped, interrupted ones "
        "continued); a different model or grid needs another folder. A folder with files "
        "but no `sweep.json` is not a sweep folder: nothing is written or deleted.",
    ),
    ErrorInfo(
        "QL0903",
        "too many runs",
        'qlang sweep m.qml --grid "seed = 0..100000"',
        'qlang sweep m.qml --grid "seed = 0..10"',
        "A sweep expands into at most 10,000 runs (the product of the lengths of its axes).",
    ),
    ErrorInfo(
        "QL0904",
        "not a sweep folder",
        "qlang runs runs/iris",
        "qlang runs sweeps/iris",
        "`qlang runs DIR` reads the `runs.json` table `qlang sweep` writes in its folder.",
    ),
    ErrorInfo(
        "QL0905",
        "the plot needs matplotlib",
        "qlang runs sweeps/iris --plot cmp.png   # without matplotlib",
        "pip install matplotlib",
        "The comparison plot of `qlang runs` is drawn with matplotlib (a dependency of "
        "qlang that this environment lacks); `--no-plot` prints the table alone.",
    ),
    ErrorInfo(
        "QL0906",
        "unknown metric or setting for the runs table",
        "qlang runs sw --metric acuracy",
        "qlang runs sw --metric test.accuracy",
        "`--metric` names a metric column of the runs table and `--by` a setting (an axis "
        "of the grid); the message lists them.",
    ),
    ErrorInfo(
        "QL0907",
        "Ray is not installed",
        "qlang sweep m.qml --grid \"seed = 0..5\" --ray   # without Ray",
        "pip install 'qlang[ray]'",
        "`--ray` and `--ray-address` run the sweep's runs as Ray tasks, and "
        "`train { distribute = ray(...) }` (or `qlang train --ray`) one run's kernel matrix "
        "or batch gradients; Ray is an optional extra (`pip install qlang[ray]`). Without "
        "it, drop the option: the runs go to local worker processes, in parallel all the "
        "same, and a run without `distribute` computes in its own process. `qlang check` "
        "reports a `distribute` setting without Ray as QL0315.",
    ),
    ErrorInfo(
        "QL0908",
        "bad distribution setting",
        'qlang train m.qml --ray-address "head node"',
        "qlang train m.qml --ray-address 10.0.0.5:6379",
        "A distribution given at run time (`--ray-address`, or a model built through the "
        "Python API) is checked as `qlang check` checks `train { distribute = ray(...) }`: "
        "`workers` and `block` are positive integers, `address` is `auto`, `host:port` or "
        "`ray://host:port` (docs/distributed.md).",
    ),
    ErrorInfo(
        "QL0909",
        "cannot reach the Ray cluster",
        "qlang train m.qml --ray-address 10.0.0.5:6379   # no cluster there",
        "ray start --head --port 6379   # on 10.0.0.5, then the same command",
        "`address` (or `--ray-address`) names a running Ray cluster to join; nothing answered "
        "there (checked with a 5 s connection attempt before Ray's own retries), or Ray "
        "could not start a local cluster. Start the cluster, fix the address, or drop it: a "
        "local cluster is started for the run.",
    ),
)
