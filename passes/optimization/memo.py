"""The synthesis memo: what one compile has already resynthesised, owned by the run.

The same constant gate sequences come back many times in one compile: the consolidation
loop of -O3 runs up to six times over a circuit whose blocks mostly did not change, and
the -O3 route portfolio finishes several candidate routes of the same circuit, whose
routed swaps and gates form the same few 2-qubit blocks (a 16-qubit QCNN routed on a line
asks for about 1,000 block syntheses of 19 distinct blocks). Each answer is a pure
function of the gate sequence (names, local qubits, constant angles) and the options, so
it is computed once per run and looked up after that.

The memo lives for one pipeline run (:class:`qlang.passes.manager.Pipeline` opens a
:func:`synthesis_memo` scope; a pass run on its own gets a memo for that call only) and is
dropped when the run ends, like the routing memo (:mod:`qlang.passes.routing.memo`):
nothing is kept between compiles. Tables are bounded (least recently used entries go
first), which changes only how often something is recomputed, never a result.

Example::

    >>> with synthesis_memo() as memo:
    ...     memo.lookup("2q", ("block",), lambda: 3), memo.size("2q")
    (3, 1)
    >>> memo.size("2q")  # the scope ended: the memo was cleared
    0
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

#: table name -> the most entries it keeps
LIMITS: dict[str, int] = {
    "2q": 4096,  # consolidate-blocks: (gate sequence, basis, allow_swaps) -> replacement
    "1q": 4096,  # 1-qubit runs: (synthesis, gate sequence) -> replacement
}


class SynthesisMemo:
    """Bounded tables of memoised syntheses, one per kind (:data:`LIMITS`); :meth:`clear`
    forgets everything.

    Example::

        >>> m = SynthesisMemo()
        >>> calls = []
        >>> [m.lookup("1q", 1, lambda: calls.append(1) or "u") for _ in range(3)], calls
        (['u', 'u', 'u'], [1])
        >>> m.clear(); m.size("1q")
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
        if len(entries) >= LIMITS[table]:
            del entries[next(iter(entries))]
        entries[key] = value
        return value

    def size(self, table: str) -> int:
        """How many entries ``table`` holds (tests read what was computed)."""
        return len(self._tables[table])

    def clear(self) -> None:
        """Forget every memoised result."""
        for entries in self._tables.values():
            entries.clear()


_ACTIVE: ContextVar[SynthesisMemo | None] = ContextVar("qlang_synthesis_memo", default=None)


@contextmanager
def synthesis_memo() -> Iterator[SynthesisMemo]:
    """The memo of the current run: the enclosing scope's, or a new one that lives until
    this scope ends (then it is cleared)."""
    memo = _ACTIVE.get()
    if memo is not None:
        yield memo
        return
    memo = SynthesisMemo()
    token = _ACTIVE.set(memo)
    try:
        yield memo
    finally:
        _ACTIVE.reset(token)
        memo.clear()


def active_synthesis_memo() -> SynthesisMemo:
    """The memo of the enclosing :func:`synthesis_memo` scope, or a fresh one (used for
    one call only) outside any scope."""
    memo = _ACTIVE.get()
    return memo if memo is not None else SynthesisMemo()
