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


@contextlib.contextmanager
def blas_threads(limit: int = BLAS_THREADS) -> Iterator[None]:
    """Limit BLAS threads inside the block (no-op without ``threadpoolctl``)."""
    controller = _controller()
    if controller is None:
        yield
        return
    with controller.limit(limits=limit, user_api="blas"):
        yield
