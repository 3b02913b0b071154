"""Source files and spans.

A :class:`Span` is a source id plus start/end character offsets. Line and
column are computed on demand (1-based) through the :class:`SourceMap`, so
spans stay small and cheap to copy.

Example::

    >>> sm = SourceMap()
    >>> src = sm.add("demo.qml", "h q[0];\\nx q[1];\\n")
    >>> span = Span(src.id, 8, 14)
    >>> sm.line_col(span)
    (2, 1)
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range ``[start, end)`` of character offsets in one source."""

    source: int
    start: int
    end: int

    def merge(self, other: Span | None) -> Span:
        """The smallest span covering ``self`` and ``other`` (same source)."""
        if other is None or other.source != self.source:
            return self
        return Span(self.source, min(self.start, other.start), max(self.end, other.end))


@dataclass(slots=True)
class SourceFile:
    """The text of one file, with a line index for offset -> line/col."""

    id: int
    name: str
    text: str
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        for i, ch in enumerate(self.text):
            if ch == "\n":
                starts.append(i + 1)
        self._line_starts = starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        if line < 1 or line > len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]


class SourceMap:
    """All sources of one compilation, addressed by integer id."""

    def __init__(self) -> None:
        self._files: list[SourceFile] = []

    def add(self, name: str, text: str) -> SourceFile:
        src = SourceFile(len(self._files), name, text)
        self._files.append(src)
        return src

    def get(self, source_id: int) -> SourceFile:
        return self._files[source_id]

    def update(self, source_id: int, text: str) -> SourceFile:
        """Replace the text of a source in place (an editor buffer that changed), so a
        long-lived process keeps one record per file instead of one per version.
        Spans into it keep their meaning only if they were made for the new text."""
        old = self._files[source_id]
        src = SourceFile(old.id, old.name, text)
        self._files[source_id] = src
        return src

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._files)

    def line_col(self, span: Span) -> tuple[int, int]:
        return self._files[span.source].line_col(span.start)


#: A process-wide source map, used when callers do not pass their own.
GLOBAL_SOURCES = SourceMap()
