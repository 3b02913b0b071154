"""The routing memo: the routes, paths, programs and dependency graphs one compile has
already computed, owned by the run that computes them.

The layout pass judges candidate layouts by their routes and the routing pass asks for
the route of the chosen one, so both share one :class:`RouteMemo`. It lives for one
pipeline run (:class:`qlang.passes.manager.Pipeline` opens a :func:`route_memo` scope;
a layout or routing pass run on its own opens its own), and is dropped when the run
ends: nothing is kept between compiles, so a compile never depends on what ran before
it. Every entry is a pure function of its key; the tables are bounded (least recently
used entries go first), which changes only how often something is recomputed.

Example::

    >>> with route_memo() as memo:
    ...     memo.lookup("path", ("k",), lambda: (1, 2)), memo.size("path")
    ((1, 2), 1)
    >>> memo.size("path")  # the scope ended: the memo was cleared
    0
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

#: table name -> the most entries it keeps
LIMITS: dict[str, int] = {
    "choice": 16,  # best_route's winner per (ops, device, options)
    "chains": 16,  # parity-chain plans per (ops, device, seed, thorough)
    "network_inputs": 16,  # per ops: which ops confirm swaps, the unrouted floor
    "network": 32,  # swap-network candidates per (ops, device, seed, lazy) and bound
    "path": 64,  # paths through the active qubits per (device, qubits, seed, budget)
    "program": 16,  # search programs per (ops, commute_aware)
    "trial": 64,  # SABRE trial traces per (ops, device, seed, trial, commute_aware)
    "trial_route": 32,  # finished SABRE trials
    "dag": 8,  # dependency DAGs per circuit shape
    "layout": 8,  # SABRE layout searches per (circuit, device, seed, trials, starts)
    "perfect": 8,  # VF2 answers per (circuit, device, error_aware): {budget: layout}
    "device": 8,  # a device's flat arrays and move tables (sabre.device_arrays, device_moves)
    "rungs": 64,  # rung positions per (device, path) (commuting.rung_positions)
}


class RouteMemo:
    """Bounded tables of memoised routing work, one per kind of result (:data:`LIMITS`);
    :meth:`clear` forgets everything.

    Example::

        >>> m = RouteMemo()
        >>> calls = []
        >>> [m.lookup("dag", 1, lambda: calls.append(1) or "d") for _ in range(3)], calls
        (['d', 'd', 'd'], [1])
        >>> m.clear(); m.size("dag")
        0
    """

    __slots__ = ("_tables",)

    def __init__(self) -> None:
        self._tables: dict[str, dict[object, object]] = {name: {} for name in LIMITS}

    def lookup(self, table: str, key: object, compute: Callable[[], T]) -> T:
        """The entry of ``key`` in ``table``, computed by ``compute()`` when missing."""
        entries = self._tables[table]
        if key in entries:
            value = entries.pop(key)
            entries[key] = value  # most recently used last
            return value  # type: ignore[return-value]
        value = compute()
        self.store(table, key, value)
        return value

    def get(self, table: str, key: object) -> object | None:
        """The entry of ``key`` in ``table``, or None."""
        return self._tables[table].get(key)

    def store(self, table: str, key: object, value: object) -> None:
        """Set the entry of ``key``, dropping the least recently used one when full."""
        entries = self._tables[table]
        entries.pop(key, None)
        if len(entries) >= LIMITS[table]:
            del entries[next(iter(entries))]
        entries[key] = value

    def size(self, table: str) -> int:
        """How many entries ``table`` holds (tests read what was computed)."""
        return len(self._tables[table])

    def clear(self) -> None:
        """Forget every memoised result."""
        for entries in self._tables.values():
            entries.clear()


_ACTIVE: ContextVar[RouteMemo | None] = ContextVar("qlang_route_memo", default=None)


@contextmanager
def route_memo() -> Iterator[RouteMemo]:
    """The memo of the current run: the enclosing scope's, or a new one that lives until
    this scope ends (then it is cleared)."""
    memo = _ACTIVE.get()
    if memo is not None:
        yield memo
        return
    memo = RouteMemo()
    token = _ACTIVE.set(memo)
    try:
        yield memo
    finally:
        _ACTIVE.reset(token)
        memo.clear()


def active_memo() -> RouteMemo:
    """The memo of the enclosing :func:`route_memo` scope, or a fresh one (used for one
    call only) outside any scope."""
    memo = _ACTIVE.get()
    return memo if memo is not None else RouteMemo()


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the scope (restored as it was at the
    end; reference counting still frees everything that is not in a cycle).

    The portfolio allocates millions of short-lived IR objects (operations, expressions,
    tuples); each allocation burst triggers collections, and every so often a full one
    that walks every object of the process: about 0.14 s each in a process that has
    Qiskit and pytket loaded (290,000 objects), 0.17-0.31 s of the 1.4-1.6 s -O3 compile
    of `qcnn_100` on Eagle (measured with ``gc.callbacks``). The scope is bounded by the
    portfolio's own work, and what it leaves in cycles is collected by the next collection
    after it. Output never depends on it.

    Example::

        >>> before = gc.isenabled()
        >>> with cyclic_gc_paused():
        ...     gc.isenabled()
        False
        >>> gc.isenabled() == before
        True
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
