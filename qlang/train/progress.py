"""A plain-text progress bar on stderr: ``epoch 3/50 |###-------| loss 0.4123 acc 0.850 1.2s``.

On a terminal the line is redrawn in place; otherwise about ten lines are printed. With
:data:`DISPLAY` set (in a notebook after ``%load_ext qlang``) each bar goes to a live
display instead.

Example::

    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progress(2, stream=out, width=4)
    >>> bar.update(1, 0.5, {"accuracy": 0.75}); bar.update(2, 0.25, {}); bar.close()
    >>> print(out.getvalue().splitlines()[-1])  # doctest: +ELLIPSIS
    epoch 2/2 |####| loss 0.2500 ...
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

#: Where progress goes instead of the text bar, e.g. a live notebook display
#: (``%load_ext qlang`` sets it): called as ``DISPLAY(total, label)`` for each bar, it
#: returns an object with ``update(n, loss, metrics)``, ``note(text)`` and ``close()``.
DISPLAY: Callable[[int, str], Any] | None = None


class Progress:
    """Report per-epoch loss and metrics; ``quiet`` silences it."""

    def __init__(
        self,
        total: int,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        width: int = 20,
        label: str = "epoch",
    ) -> None:
        self.total = max(1, total)
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.label = label
        self.start = time.perf_counter()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = max(1, self.total // 10)
        self._open = False
        self.sink = DISPLAY(self.total, label) if DISPLAY is not None and not quiet else None

    def line(self, n: int, loss: float, metrics: dict[str, float]) -> str:
        done = int(self.width * min(n, self.total) / self.total)
        bar = "#" * done + "-" * (self.width - done)
        parts = [f"{self.label} {n}/{self.total} |{bar}| loss {loss:.4f}"]
        parts += [f"{k} {v:.3f}" for k, v in metrics.items()]
        parts.append(f"{time.perf_counter() - self.start:.1f}s")
        return " ".join(parts)

    def update(self, n: int, loss: float, metrics: dict[str, float]) -> None:
        if self.quiet:
            return
        if self.sink is not None:
            self.sink.update(n, loss, metrics)
            return
        text = self.line(n, loss, metrics)
        if self.tty:
            self.stream.write("\r" + text + "\033[K")
            self._open = True
        elif n % self.every == 0 or n == self.total or n == 1:
            self.stream.write(text + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        if self.quiet:
            return
        if self.sink is not None:
            self.sink.note(text)
            return
        if self._open:
            self.stream.write("\n")
            self._open = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.sink is not None:
            self.sink.close()
            return
        if self._open and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()
        self._open = False
