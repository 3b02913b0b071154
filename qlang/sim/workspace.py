"""A small pool of reusable state buffers.

Fresh multi-megabyte arrays are returned to the operating system when freed
and page-fault again on the next allocation, which costs more than the gate
itself. The engine therefore takes its working buffers from this pool: a
buffer is reused only when the pool holds the last reference to it, so arrays
still referenced anywhere (including results handed to callers) are never
overwritten. Not thread-safe: use one simulator per thread.

Example::

    >>> import numpy as np
    >>> a = take((4, 8), np.complex128)
    >>> a.shape
    (4, 8)
    >>> del a
    >>> b = take((4, 8), np.complex128)   # the same memory, reused
"""

from __future__ import annotations

import sys

import numpy as np
from numpy.typing import DTypeLike

#: Maximum number of pooled buffers and their total size (bytes).
MAX_BUFFERS = 8
MAX_BYTES = 2 * 2**30
_POOL: list[np.ndarray] = []
#: Number of state buffers handed out (each is one full write pass over a batch state).
STATS = {"buffers": 0}


def take(shape: tuple[int, ...], dtype: DTypeLike) -> np.ndarray:
    """An uninitialised C-contiguous array of ``shape``, reused when possible."""
    dt = np.dtype(dtype)
    size = int(np.prod(shape))
    STATS["buffers"] += 1
    for buf in _POOL:
        # references: the pool list, the loop variable, getrefcount's argument
        if buf.dtype == dt and buf.size == size and sys.getrefcount(buf) <= 3:
            return buf.reshape(shape)
    buf = np.empty(shape, dtype=dt)
    total = sum(b.nbytes for b in _POOL)
    if len(_POOL) >= MAX_BUFFERS or total + buf.nbytes > MAX_BYTES:
        _evict()
    if len(_POOL) < MAX_BUFFERS and total + buf.nbytes <= MAX_BYTES:
        _POOL.append(buf)
    return buf


def _evict() -> None:
    """Drop free buffers (those only the pool references)."""
    keep = [b for b in _POOL if sys.getrefcount(b) > 3]
    _POOL[:] = keep


def clear() -> None:
    """Release every pooled buffer."""
    _POOL.clear()
