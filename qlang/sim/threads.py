"""Keep BLAS single-threaded inside the reference engine's calls.

The reference engine's matrix products are small (block dimension <= 32) and
memory-bound; on a shared CPU, BLAS worker threads mostly wait on each other, so
its entry points run with one BLAS thread. This is not a user setting: the one
thread setting of the package is ``QLANG_THREADS`` (:mod:`qlang.threads`), which
sets the compiled executor's worker threads. The ``threadpoolctl`` controller is
created once per process (scanning the loaded libraries is slow).

Example::

    >>> with blas_threads():
    ...     pass
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import cache
from typing import Any

#: BLAS threads inside the reference engine's calls
BLAS_THREADS = 1


@cache
def _controller() -> Any:
    """The process's ``threadpoolctl`` controller, or None without ``threadpoolctl``."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        return None
    return ThreadpoolController()


@cache
def _blas_libraries() -> tuple[Any, ...]:
    """The BLAS library controllers of :func:`_controller` (found once, like it)."""
    controller = _controller()
    if controller is None:
        return ()
    return tuple(controller.select(user_api="blas").lib_controllers)


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
