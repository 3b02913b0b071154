"""Diagnostics: coded, located messages rendered in the style of rustc.

Example::

    >>> from qlang.source import GLOBAL_SOURCES, Span
    >>> src = GLOBAL_SOURCES.add("demo.qml", "h q[0]\\n")
    >>> d = Diagnostic.error("QL0002", "expected `;` after gate statement",
    ...                      Span(src.id, 6, 7), help="add `;` at the end of the statement")
    >>> print(d.render())          # doctest: +NORMALIZE_WHITESPACE
    error[QL0002]: expected `;` after gate statement
     --> demo.qml:1:7
      |
    1 | h q[0]
      |       ^
      = help: add `;` at the end of the statement

Messages are lowercase without a trailing period, code in backticks. Several
diagnostics are collected per run and raised together as :class:`QLangError`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from qlang.source import GLOBAL_SOURCES, SourceMap, Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Label:
    """A secondary span with a short message (``-- defined here``)."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    code: str
    message: str
    span: Span | None = None
    labels: tuple[Label, ...] = ()
    notes: tuple[str, ...] = ()
    help: str | None = None

    @staticmethod
    def error(
        code: str,
        message: str,
        span: Span | None = None,
        *,
        help: str | None = None,
        notes: Sequence[str] = (),
        labels: Sequence[Label] = (),
    ) -> Diagnostic:
        return Diagnostic(Severity.ERROR, code, message, span, tuple(labels), tuple(notes), help)

    @staticmethod
    def warning(
        code: str, message: str, span: Span | None = None, *, help: str | None = None
    ) -> Diagnostic:
        return Diagnostic(Severity.WARNING, code, message, span, (), (), help)

    def location(self, sources: SourceMap = GLOBAL_SOURCES) -> tuple[str, int, int, int, int]:
        """``(file, line, col, end_line, end_col)``, 1-based; zeros when unlocated."""
        if self.span is None:
            return ("<unknown>", 0, 0, 0, 0)
        src = sources.get(self.span.source)
        line, col = src.line_col(self.span.start)
        end_line, end_col = src.line_col(self.span.end)
        return (src.name, line, col, end_line, end_col)

    def to_json(self, sources: SourceMap = GLOBAL_SOURCES) -> dict[str, object]:
        file, line, col, end_line, end_col = self.location(sources)
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": file,
            "line": line,
            "col": col,
            "end": {"line": end_line, "col": end_col},
            "help": self.help,
            "notes": list(self.notes),
        }

    def render(self, sources: SourceMap = GLOBAL_SOURCES) -> str:
        head = f"{self.severity.value}[{self.code}]: {self.message}"
        lines = [head]
        if self.span is not None:
            lines.extend(_render_snippet(self.span, self.labels, sources))
        for note in self.notes:
            lines.append(f"  = note: {note}")
        if self.help:
            lines.append(f"  = help: {self.help}")
        return "\n".join(lines)


def _render_snippet(span: Span, labels: tuple[Label, ...], sources: SourceMap) -> list[str]:
    src = sources.get(span.source)
    line, col = src.line_col(span.start)
    end_line, end_col = src.line_col(max(span.start, span.end))
    gutter = len(
        str(max(line, *(sources.line_col(lb.span)[0] for lb in labels)) if labels else line)
    )
    pad = " " * gutter
    out = [f"{pad}--> {src.name}:{line}:{col}", f"{pad} |"]
    text = src.line_text(line)
    out.append(f"{line:>{gutter}} | {text.expandtabs(1)}")
    width = (end_col - col) if end_line == line else max(1, len(text) - col + 1)
    out.append(f"{pad} | {' ' * (col - 1)}{'^' * max(1, width)}")
    for lb in labels:
        if lb.span.source != span.source:
            lsrc = sources.get(lb.span.source)
            lline, lcol = lsrc.line_col(lb.span.start)
            out.append(f"{pad} = note: {lb.message} at {lsrc.name}:{lline}:{lcol}")
            continue
        lline, lcol = src.line_col(lb.span.start)
        lend_line, lend_col = src.line_col(lb.span.end)
        ltext = src.line_text(lline)
        lwidth = (lend_col - lcol) if lend_line == lline else max(1, len(ltext) - lcol + 1)
        if lline != line:
            out.append(f"{lline:>{gutter}} | {ltext.expandtabs(1)}")
        out.append(f"{pad} | {' ' * (lcol - 1)}{'-' * max(1, lwidth)} {lb.message}")
    return out


class QLangError(Exception):
    """Bad input: carries one or more diagnostics.

    ``str(err)`` renders all of them; ``err.diagnostics`` gives the objects.
    """

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: SourceMap = GLOBAL_SOURCES):
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        self.sources = sources
        super().__init__(self.render())

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.diagnostics]

    def render(self) -> str:
        return "\n\n".join(d.render(self.sources) for d in self.diagnostics)

    def to_json(self) -> str:
        return json.dumps([d.to_json(self.sources) for d in self.diagnostics], indent=2)

    def _repr_html_(self) -> str:
        from qlang.jupyter.render import diagnostics_html

        return diagnostics_html(self)


class InternalError(Exception):
    """A bug in qlang itself (not in the user's input)."""


@dataclass
class DiagnosticSink:
    """Collects diagnostics; ``check()`` raises them together when any is an error."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    limit: int = 50

    def add(self, diag: Diagnostic) -> None:
        if len(self.diagnostics) < self.limit:
            self.diagnostics.append(diag)

    def error(self, code: str, message: str, span: Span | None = None, **kw: object) -> None:
        self.add(Diagnostic.error(code, message, span, **kw))  # type: ignore[arg-type]

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)

    def check(self) -> None:
        if self.has_errors:
            raise QLangError(self.diagnostics)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A ``help:`` text suggesting the closest candidate, if one is close enough."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else None
