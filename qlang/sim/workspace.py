"""A small pool of reusable state buffers, owned by one simulator.

Fresh multi-megabyte arrays are returned to the operating system when freed
and page-fault again on the next allocation, which costs more than the gate
itself. The engine therefore takes its working buffers from the pool of the
simulator it runs for: a buffer is reused only when the pool holds the last
reference to it, so arrays still referenced anywhere (including results handed
to callers) are never overwritten. Each :class:`Workspace` has its own lock, so
one simulator may be used from several threads; nothing is shared between
workspaces.

Example::

    >>> import numpy as np
    >>> ws = Workspace()
    >>> a = ws.take((4, 8), np.complex128)
    >>> a.shape, ws.taken
    ((4, 8), 1)
    >>> del a
    >>> b = ws.take((4, 8), np.complex128)   # the same memory, reused
"""

from __future__ import annotations

import sys
import threading

import numpy as np
from numpy.typing import DTypeLike

#: Default maximum number of pooled buffers and their total size (bytes).
MAX_BUFFERS = 8
MAX_BYTES = 2 * 2**30


class Workspace:
    """Reusable buffers for one simulator (thread-safe; see the module docstring).

    ``taken`` counts the buffers handed out: each is one full write pass over a batch
    state, which the benchmarks use to state the memory-bandwidth bound.
    """

    def __init__(self, max_buffers: int = MAX_BUFFERS, max_bytes: int = MAX_BYTES) -> None:
        self.max_buffers = max_buffers
        self.max_bytes = max_bytes
        self.taken = 0
        self._pool: list[np.ndarray] = []
        self._lock = threading.Lock()

    def take(self, shape: tuple[int, ...], dtype: DTypeLike) -> np.ndarray:
        """An uninitialised C-contiguous array of ``shape``, reused when possible."""
        dt = np.dtype(dtype)
        size = int(np.prod(shape))
        with self._lock:
            self.taken += 1
            for buf in self._pool:
                # references: the pool list, the loop variable, getrefcount's argument
                if buf.dtype == dt and buf.size == size and sys.getrefcount(buf) <= 3:
                    return buf.reshape(shape)
            buf = np.empty(shape, dtype=dt)
            total = sum(b.nbytes for b in self._pool)
            if len(self._pool) >= self.max_buffers or total + buf.nbytes > self.max_bytes:
                self._evict()
                total = sum(b.nbytes for b in self._pool)
            if len(self._pool) < self.max_buffers and total + buf.nbytes <= self.max_bytes:
                self._pool.append(buf)
            return buf

    def _evict(self) -> None:
        """Drop free buffers (those only the pool references); the caller holds the lock."""
        self._pool[:] = [b for b in self._pool if sys.getrefcount(b) > 3]

    def clear(self) -> None:
        """Release every pooled buffer."""
        with self._lock:
            self._pool.clear()


def take(ws: Workspace | None, shape: tuple[int, ...], dtype: DTypeLike) -> np.ndarray:
    """A buffer from ``ws``, or a fresh array without a workspace."""
    if ws is None:
        return np.empty(shape, dtype=dtype)
    return ws.take(shape, dtype)
