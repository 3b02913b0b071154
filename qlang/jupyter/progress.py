"""A live training progress display for notebooks (no ipywidgets: one HTML output updated
in place through an IPython display handle).

:func:`qlang.jupyter.load_ipython_extension` installs :class:`NotebookProgress` as the
trainer's progress display (:data:`qlang.train.progress.DISPLAY`).
"""

from __future__ import annotations

import html
import time
from typing import Any

__all__ = ["NotebookProgress"]


class NotebookProgress:
    """One progress bar: ``update`` redraws it (at most every ``interval`` seconds, and
    always for the last step), ``note`` adds a line under it."""

    def __init__(self, total: int, label: str = "epoch", interval: float = 0.2) -> None:
        from IPython.display import HTML, display

        self.total = max(1, total)
        self.label = label
        self.interval = interval
        self.start = time.perf_counter()
        self.last = 0.0
        self.notes: list[str] = []
        self.state: tuple[int, float, dict[str, float]] | None = None
        self._html = HTML
        self.handle = display(HTML(self._render()), display_id=True)

    def _render(self) -> str:
        n, loss, metrics = self.state if self.state is not None else (0, float("nan"), {})
        frac = min(n, self.total) / self.total
        parts = [f"loss {loss:.4f}"] if n else []
        parts += [f"{html.escape(k)} {v:.3f}" for k, v in metrics.items()]
        parts.append(f"{time.perf_counter() - self.start:.1f}s")
        notes = "".join(f"<div>{html.escape(t)}</div>" for t in self.notes)
        return (
            "<div class='qlang-progress' style='font-family:monospace;font-size:12px'>"
            f"<div>{html.escape(self.label)} {n}/{self.total}</div>"
            "<div style='width:320px;height:8px;background:#e0e0e0;border-radius:4px'>"
            f"<div style='width:{100 * frac:.1f}%;height:8px;background:#1565c0;"
            "border-radius:4px'></div></div>"
            f"<div>{' '.join(parts)}</div>{notes}</div>"
        )

    def _show(self) -> None:
        if self.handle is not None:
            self.handle.update(self._html(self._render()))

    def update(self, n: int, loss: float, metrics: dict[str, float]) -> None:
        self.state = (n, loss, dict(metrics))
        now = time.perf_counter()
        if now - self.last >= self.interval or n >= self.total:
            self.last = now
            self._show()

    def note(self, text: str) -> None:
        self.notes.append(text)
        self._show()

    def close(self) -> None:
        self._show()


def factory(total: int, label: str) -> Any:
    return NotebookProgress(total, label)
