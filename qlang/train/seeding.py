"""One seed, many independent streams: every random choice derives from the model seed.

The streams are spawned from :class:`numpy.random.SeedSequence` in a fixed order, so
adding a new stream at the end never changes the existing ones.

Example::

    >>> s = Seeds(7)
    >>> a = s.rng("init").random()
    >>> a == Seeds(7).rng("init").random()
    True
    >>> s.rng("init").random() != s.rng("shuffle").random()
    True
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

#: Stream names in spawn order (append only).
STREAMS: tuple[str, ...] = (
    "init",
    "shuffle",
    "split",
    "spsa",
    "sampling",
    "data",
    "kernel",
    "twirling",
)


@dataclass(frozen=True, slots=True)
class Seeds:
    """The root seed of a run and its named child streams."""

    seed: int

    def sequence(self, name: str) -> np.random.SeedSequence:
        if name not in STREAMS:
            raise KeyError(f"unknown random stream {name!r}")
        children = np.random.SeedSequence(self.seed).spawn(len(STREAMS))
        return children[STREAMS.index(name)]

    def rng(self, name: str) -> np.random.Generator:
        """A fresh generator for stream ``name`` (same seed -> same numbers)."""
        return np.random.default_rng(self.sequence(name))

    def int_seed(self, name: str) -> int:
        """A 32-bit integer seed for libraries that want one (scikit-learn, the simulator)."""
        return int(self.sequence(name).generate_state(1)[0])


#: Generators that live inside a run's model (a shot-sampling simulator's RNG, ...),
#: in creation order, so a checkpoint can save and restore their states.
_TRACKED: contextvars.ContextVar[list[np.random.Generator] | None] = contextvars.ContextVar(
    "qlang_tracked_generators", default=None
)


@contextlib.contextmanager
def tracking() -> Iterator[list[np.random.Generator]]:
    """Collect the generators :func:`track` sees during the block (a run's hidden state).

    >>> with tracking() as found:
    ...     _ = track(np.random.default_rng(1))
    >>> len(found)
    1
    """
    found: list[np.random.Generator] = []
    token = _TRACKED.set(found)
    try:
        yield found
    finally:
        _TRACKED.reset(token)


def track(rng: object) -> object:
    """Register ``rng`` (if it is a generator) with the :func:`tracking` block in force."""
    found = _TRACKED.get()
    if found is not None and isinstance(rng, np.random.Generator):
        found.append(rng)
    return rng
