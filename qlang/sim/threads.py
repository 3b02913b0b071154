"""Bound the BLAS thread pool during simulation.

The simulator's matrix products are small (block dimension <= 32) and
memory-bound; on a shared CPU, BLAS worker threads mostly wait on each other.
Runtime entry points therefore run with ``QLANG_NUM_THREADS`` BLAS threads
(default 1). The controller is created once (scanning loaded libraries is slow).

Example::

    >>> with blas_threads():
    ...     pass
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

_CONTROLLER: object | None = None


def default_threads() -> int:
    return int(os.environ.get("QLANG_NUM_THREADS", "1"))


@contextlib.contextmanager
def blas_threads(limit: int | None = None) -> Iterator[None]:
    """Limit BLAS threads inside the block (no-op without ``threadpoolctl``)."""
    global _CONTROLLER
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        yield
        return
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    with _CONTROLLER.limit(limits=limit or default_threads(), user_api="blas"):  # type: ignore
        yield
