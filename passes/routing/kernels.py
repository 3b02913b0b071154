"""The compiled routing kernels (``_kernels``, built from ``_kernels.c``), when available.

The inner loops listed in :data:`FUNCTIONS` have a C version that decides exactly like
its Python reference: the SABRE swap search :func:`.sabre.search` (reference
:func:`.sabre.search_python`), its trace scoring and the forward-backward passes of a
SABRE layout trial (:func:`.layout.layout_passes`), the parity-chain planner
``commuting._greedy_plan`` with its plan costing and odd-even networks, the chain-layout
exchange search and chain costing (one order, or many at once) of ``chain_layout``, and
the swap-network builder and path search of ``network``.
The extension is an optional build; without it, or with ``QLANG_PURE_PYTHON=1``, the Python
versions run.

Example::

    >>> isinstance(compiled_available(), bool)
    True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import TypeVar

from qlang.threads import threads

T = TypeVar("T")
R = TypeVar("R")

_compiled: ModuleType | None
try:
    from qlang.passes.routing import _kernels as _compiled  # type: ignore[attr-defined,no-redef]
except ImportError:  # pragma: no cover - the extension was not built: pure Python
    _compiled = None

#: every function of ``_kernels`` the routing modules call
FUNCTIONS = (
    "search", "greedy_plan", "exchange", "network", "trace_key", "chain_cost", "plan_costs",
    "odd_even", "find_path", "layout_trial", "chain_costs",
)  # fmt: skip


#: the interface version the routing modules call (``API_VERSION`` of ``_kernels.c``):
#: raised when a function's arguments change meaning (2: ``exchange`` and ``chain_cost``
#: take the caller's ``random.Random`` itself, not its ``getrandbits``; 3: adds
#: ``layout_trial`` and ``chain_costs``)
API_VERSION = 3


def complete(module: ModuleType | None) -> ModuleType | None:
    """``module`` when it has every one of :data:`FUNCTIONS` and is built for
    :data:`API_VERSION`, else None (a stale build: an in-place build of an older
    ``_kernels.c``; the Python references run until it is rebuilt).

    Example::

        >>> complete(None) is None, complete(os) is None
        (True, True)
    """
    if module is None or not all(hasattr(module, f) for f in FUNCTIONS):
        return None
    if getattr(module, "API_VERSION", 0) != API_VERSION:
        return None
    return module


#: ``QLANG_PURE_PYTHON=1`` forces the Python versions even when the extension is built
PURE_PYTHON = os.environ.get("QLANG_PURE_PYTHON", "") not in ("", "0")

#: the compiled module in use, or None
KERNELS: ModuleType | None = None if PURE_PYTHON else complete(_compiled)


def compiled_available() -> bool:
    """Whether the compiled kernels are built and in use."""
    return KERNELS is not None


def _threads() -> int:
    """Worker threads for :func:`parallel_map`: :func:`qlang.threads.threads` (the one
    ``QLANG_THREADS`` setting); 1 without the compiled kernels (the Python search holds
    the GIL)."""
    if KERNELS is None:
        return 1
    return threads()


_POOL: ThreadPoolExecutor | None = None


def parallel_map(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """``map(fn, items)`` in worker threads, results in order (the compiled search releases
    the GIL, so independent routing trials run on several cores with the same results as
    one after another). Sequential when there is one thread.

    Example::

        >>> list(parallel_map(lambda x: x * x, range(4)))
        [0, 1, 4, 9]
    """
    global _POOL
    workers = _threads()
    if workers == 1:
        return map(fn, items)
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qlang-route")
    return _POOL.map(fn, items)
