"""The memos of one compile: what a pipeline run has already computed, owned by the run.

Two memos, one kind of object (:class:`Memo`: bounded tables, one per kind of result):

* the **route memo** (:class:`RouteMemo`, :func:`route_memo`): routes, paths, search
  programs, dependency graphs, layout searches. The layout pass judges candidate layouts
  by their routes and the routing pass asks for the route of the chosen one, so both
  share it.
* the **synthesis memo** (:class:`SynthesisMemo`, :func:`synthesis_memo`): resynthesised
  constant gate sequences. The same sequences come back many times in one compile: the
  consolidation loop of -O3 runs up to six times over a circuit whose blocks mostly did
  not change, and the -O3 route portfolio finishes several candidate routes of the same
  circuit, whose routed swaps and gates form the same few 2-qubit blocks (a 16-qubit QCNN
  routed on a line asks for about 1,000 block syntheses of 19 distinct blocks); the
  1-qubit synthesis of a matrix (``"1q_matrix"``) is asked for by translation, the 1-qubit
  resynthesis and the 2-qubit synthesis alike; merge-rotations' fusions of two gates
  (``"combine"``, by names, angles and how the qubits relate) recur in every round and
  every candidate too.

Each lives for one pipeline run (:class:`qlang.passes.manager.Pipeline` opens both scopes;
a pass run on its own opens its own for that call) and is cleared when the run ends:
nothing is kept between compiles, so a compile never depends on what ran before it. Every
entry is a pure function of its key; the tables are bounded (least recently used entries
go first), which changes only how often something is recomputed, never a result.

Example::

    >>> with route_memo() as memo:
    ...     memo.lookup("path", ("k",), lambda: (1, 2)), memo.size("path")
    ((1, 2), 1)
    >>> memo.size("path")  # the scope ended: the memo was cleared
    0
    >>> with synthesis_memo() as memo:
    ...     memo.lookup("2q", ("block",), lambda: 3), memo.size("2q")
    (3, 1)
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import ClassVar, TypeVar

T = TypeVar("T")
M = TypeVar("M", bound="Memo")

#: route memo: table name -> the most entries it keeps
ROUTE_LIMITS: dict[str, int] = {
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
    "rcm": 8,  # reverse Cuthill-McKee orders per graph (layout.rcm_order)
    "rungs": 64,  # rung positions per (device, path) (commuting.rung_positions)
    "sabre_programs": 4,  # a circuit's SABRE layout programs, forward and reversed
    "chain_path": 256,  # chain-layout paths per (device, length, region, seed)
}

#: synthesis memo: table name -> the most entries it keeps
SYNTHESIS_LIMITS: dict[str, int] = {
    "2q": 4096,  # consolidate-blocks: (gate sequence, basis, allow_swaps) -> replacement
    "1q": 4096,  # 1-qubit runs: (synthesis, gate sequence) -> replacement
    "1q_matrix": 50000,  # synth_1q: (basis, exact matrix bytes) -> shortest sequence
    # resynthesize-cnot-phase: (pair, ids of the block's ops) -> (those ops, replacement)
    "cnot_phase": 8192,
    # merge-rotations: (names, qubit relation, angles, allowed) -> rules.combine's fusion
    "combine": 16384,
}


class Memo:
    """Bounded tables of memoised results, one per kind (:attr:`LIMITS`); :meth:`clear`
    forgets everything.

    Example::

        >>> m = RouteMemo()
        >>> calls = []
        >>> [m.lookup("dag", 1, lambda: calls.append(1) or "d") for _ in range(3)], calls
        (['d', 'd', 'd'], [1])
        >>> m.clear(); m.size("dag")
        0
    """

    __slots__ = ("_tables",)
    LIMITS: ClassVar[dict[str, int]] = {}

    def __init__(self) -> None:
        self._tables: dict[str, dict[object, object]] = {name: {} for name in self.LIMITS}

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
        if len(entries) >= self.LIMITS[table]:
            del entries[next(iter(entries))]
        entries[key] = value

    def size(self, table: str) -> int:
        """How many entries ``table`` holds (tests read what was computed)."""
        return len(self._tables[table])

    def clear(self) -> None:
        """Forget every memoised result."""
        for entries in self._tables.values():
            entries.clear()


class RouteMemo(Memo):
    """The route memo's tables (:data:`ROUTE_LIMITS`)."""

    __slots__ = ()
    LIMITS = ROUTE_LIMITS


class SynthesisMemo(Memo):
    """The synthesis memo's tables (:data:`SYNTHESIS_LIMITS`)."""

    __slots__ = ()
    LIMITS = SYNTHESIS_LIMITS


_ROUTE: ContextVar[RouteMemo | None] = ContextVar("qlang_route_memo", default=None)
_SYNTHESIS: ContextVar[SynthesisMemo | None] = ContextVar("qlang_synthesis_memo", default=None)


@contextmanager
def _scope(var: ContextVar[M | None], make: Callable[[], M]) -> Iterator[M]:
    """The memo of the current run: the enclosing scope's, or a new one that lives until
    this scope ends (then it is cleared)."""
    memo = var.get()
    if memo is not None:
        yield memo
        return
    memo = make()
    token = var.set(memo)
    try:
        yield memo
    finally:
        var.reset(token)
        memo.clear()


def route_memo() -> AbstractContextManager[RouteMemo]:
    """The route memo of the current run (the enclosing scope's, or a new one until this
    scope ends)."""
    return _scope(_ROUTE, RouteMemo)


def synthesis_memo() -> AbstractContextManager[SynthesisMemo]:
    """The synthesis memo of the current run (the enclosing scope's, or a new one until
    this scope ends)."""
    return _scope(_SYNTHESIS, SynthesisMemo)


def active_memo() -> RouteMemo:
    """The route memo of the enclosing :func:`route_memo` scope, or a fresh one (used for
    one call only) outside any scope."""
    memo = _ROUTE.get()
    return memo if memo is not None else RouteMemo()


def active_synthesis_memo() -> SynthesisMemo:
    """The synthesis memo of the enclosing :func:`synthesis_memo` scope, or a fresh one
    (used for one call only) outside any scope."""
    memo = _SYNTHESIS.get()
    return memo if memo is not None else SynthesisMemo()


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the scope (restored as it was at the
    end; reference counting still frees everything that is not in a cycle).

    The layout pass and the -O3 route portfolio allocate millions of short-lived IR
    objects (operations, expressions, tuples); the allocations trigger collections, and
    every so often a full one that walks every object of the process: about 0.14 s each
    in a process that has Qiskit and pytket loaded (290,000 objects), 0.17-0.31 s of the
    1.4-1.6 s -O3 compile of ``qcnn_100`` on Eagle (measured with ``gc.callbacks``). The
    scope is bounded by the pass's own work, and what it leaves in cycles is collected by
    the first collection after it. Output never depends on it.

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
