"""Keep BLAS single-threaded inside the reference engine's calls.

The reference engine's matrix products are small (block dimension <= 32) and
memory-bound; on a shared CPU, BLAS worker threads mostly wait on each other, so
its entry points run with one BLAS thread. This is not a user setting: the one
thread setting of the package is ``QLANG_THREADS`` (:mod:`qlang.threads`), which
sets the compiled executor's worker threads. The loaded libraries are scanned again only
after new modules were imported (scanning is slow; a BLAS library loaded later, such as
scipy's own OpenBLAS, is still limited).

Example::

    >>> with blas_threads():
    ...     pass
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

#: BLAS threads inside the reference engine's calls
BLAS_THREADS = 1


def _controller() -> Any:
    """A new ``threadpoolctl`` controller (it scans the loaded libraries), or None without
    ``threadpoolctl``."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        return None
    return ThreadpoolController()


@lru_cache(maxsize=1)
def _libraries_at(modules: int) -> tuple[Any, ...]:
    """The loaded BLAS libraries' controllers, scanned once per count of imported modules."""
    controller = _controller()
    return () if controller is None else tuple(controller.select(user_api="blas").lib_controllers)


def _blas_libraries() -> tuple[Any, ...]:
    """The loaded BLAS libraries' controllers, scanned again only when modules were imported
    since the last scan (a BLAS library arrives with an extension module, e.g. scipy's own
    OpenBLAS with ``scipy.linalg``; scanning takes milliseconds, the check nanoseconds)."""
    return _libraries_at(len(sys.modules))


@contextlib.contextmanager
def blas_threads(limit: int = BLAS_THREADS) -> Iterator[None]:
    """Limit BLAS threads inside the block (no-op without ``threadpoolctl``). The libraries'
    own thread setters are called directly, only where the count differs (a
    ``threadpoolctl`` limit context costs about 18 us per call, this about 6 us)."""
    changed = []
    for lib in _blas_libraries():
        old = lib.get_num_threads()
        if old is not None and old != limit:
            lib.set_num_threads(limit)
            changed.append((lib, old))
    try:
        yield
    finally:
        for lib, old in reversed(changed):
            lib.set_num_threads(old)
