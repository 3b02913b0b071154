"""Where one run's batch work runs: ``train { distribute = ray(...) }`` (pure data).

``ray(workers = 2, address = "auto", block = 100)`` fans the kernel matrix (tiles of the
Gram matrix), the batch gradients (blocks of the batch) and, for a model with
``cutting``, every subexperiment on each block of rows out to Ray
(:mod:`qlang.distribute`, docs/distributed.md); ``qlang eval`` and ``qlang predict``
of such a model run there too. Without ``distribute`` a run computes in its own
process, as before. ``qlang train --ray`` / ``--ray-address ADDR`` set it from the
command line.

Example::

    >>> e = {x.name: x for x in ENTRIES}["ray"]
    >>> e.bind(Call("ray", (), (("workers", 0),))).message
    '`workers` of `ray` must be in [1, 4096], got 0'
    >>> e.bind(Call("ray", (), (("address", "local host"),))).message
    '`address` of `ray` must be `auto`, `host:port` or `ray://host:port`, got "local host"'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from qlang.catalog.schema import CALL, INT, STR, Entry, Param, Range
from qlang.ir.model import Call
from qlang.limits import MAX_DATA_ROWS

#: most Ray workers one run asks for
MAX_WORKERS = 4096
#: what ``address`` accepts: ``auto``, ``host:port`` or ``ray://host:port``
ADDRESS = re.compile(r"auto|(ray://)?[A-Za-z0-9_.\-\[\]:]+:\d{1,5}")

#: the tasks whose batch work distributes (the kernel task's Gram matrix, the supervised
#: tasks' batch gradients)
DISTRIBUTED_TASKS = ("classify", "regress", "kernel")


def _address(v: Mapping[str, Any], given: frozenset[str]) -> str | None:
    a = v["address"]
    if a is not None and not ADDRESS.fullmatch(a):
        return f'`address` of `ray` must be `auto`, `host:port` or `ray://host:port`, got "{a}"'
    return None


ENTRIES: tuple[Entry, ...] = (
    Entry(
        "train",
        "distribute",
        "where one run's batch work runs: the kernel matrix in tiles, the batch "
        "gradients in blocks and a cut model's subexperiments, each a Ray task; eval and "
        "predict run there too (default: this process)",
        (
            Param(
                "value", CALL, None, "a distribution", kind="distribution",
                example=Call("ray", (), (("workers", 2),)),
            ),
        ),  # fmt: skip
        tasks=DISTRIBUTED_TASKS,
        value_key=True,
    ),
    Entry(
        "distribution",
        "ray",
        "fan the batch work out to Ray tasks: a local cluster (started for the run) or the "
        "cluster at `address`; each kernel matrix, batch gradient and cut reconstruction "
        "equals the serial one to 1e-12",
        (
            Param(
                "workers",
                INT,
                None,
                "Ray workers (one CPU each; default: every CPU of the cluster)",
                Range(1, MAX_WORKERS),
                example=1,
            ),
            Param(
                "address",
                STR,
                None,
                "a running cluster to join (`auto`, `host:port` or `ray://host:port`; "
                "default: start a local one)",
                example="auto",
                positional=False,
            ),
            Param(
                "block",
                INT,
                None,
                "rows per block: kernel tiles are block x block, gradient blocks and cut "
                "subexperiments `block` samples (default: the rows split evenly over the "
                "workers)",
                Range(1, MAX_DATA_ROWS),
                example=8,
                positional=False,
            ),
        ),
        impl="qlang.distribute:Distribution",
        rules=(_address,),
    ),
)
