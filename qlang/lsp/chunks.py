"""Incremental parsing for the language server: a file is a sequence of top-level items,
so each item (with the comments above it) is parsed on its own and reused while its
text is unchanged.

The result is exactly what :func:`qlang.parser.parse_full` gives for the whole text:

- without syntax errors the items are the same (each chunk is a complete ``item*``
  sequence, so the parser is between items at every chunk boundary); their spans are
  moved into the document's one :class:`~qlang.source.SourceFile`;
- with syntax errors, a chunk's errors are the whole parse's errors there when the
  parser's recovery still ended between items (it accepted the chunk's end); otherwise
  the text from that chunk on is parsed in one piece (the chunks before it are valid,
  so the whole parse is between items there).

A property test (``tests/unit/test_lsp_chunks.py``) edits the examples at random and
compares both ways.

Example::

    >>> text = "const a = 1;\\n\\n/// doc\\ncircuit c() on q[1] { h q[0]; }\\n"
    >>> [text[s:e] for s, e in split(text)]
    ['const a = 1;\\n', '\\n/// doc\\ncircuit c() on q[1] { h q[0]; }\\n']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from qlang import ast
from qlang.diagnostics import Diagnostic, Label, QLangError
from qlang.parser import MAX_ERRORS, parse_full
from qlang.source import GLOBAL_SOURCES, SourceMap, Span

__all__ = ["ChunkCache", "ParseOutcome", "split"]

_TOP = ("import", "const", "circuit", "gate", "observable", "model")
_SCAN = re.compile(
    r'//[^\n]*|/\*[\s\S]*?\*/|"(?:[^"\\\n]|\\.)*"|[(\[{]|[)\]}]|^(?:'
    + "|".join(_TOP)
    + r")(?![A-Za-z0-9_])",
    re.M,
)
_COMMENT_OR_BLANK = re.compile(r"[ \t\r\f]*(//[^\n]*)?")


def split(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each chunk: a top-level item and the comment lines above it.

    Boundaries sit at the start of a line that begins a top-level keyword at bracket
    depth 0 (outside comments and strings), moved up over comment and blank lines.
    """
    starts = [0]
    depth = 0
    for m in _SCAN.finditer(text):
        tok = m.group()
        c = tok[0]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        elif c.isalpha() and depth == 0 and m.start() > 0:
            b = m.start()
            while b > 0:  # include the comment and blank lines directly above
                prev = text.rfind("\n", 0, b - 1) + 1
                if not _COMMENT_OR_BLANK.fullmatch(text, prev, b - 1):
                    break
                b = prev
            if b > starts[-1]:
                starts.append(b)
    bounds = starts + [len(text)]
    return [(bounds[i], bounds[i + 1]) for i in range(len(starts))]


@dataclass(frozen=True, slots=True)
class _Parsed:
    """One chunk parsed on its own: items (spans relative to the chunk) or its errors."""

    items: tuple[ast.Decl, ...]
    doc: str
    errors: tuple[Diagnostic, ...]
    source: int  # the throwaway source id the relative spans carry
    local: bool = True  # errors stay inside the chunk: the parser ended between items
    aborts: bool = False  # the pre-scan stopped the parse (the whole file's would stop too)


@dataclass(frozen=True, slots=True)
class ParseOutcome:
    """The document's module (``None`` with syntax errors) and its syntax errors."""

    module: ast.Module | None
    errors: tuple[Diagnostic, ...]
    items: tuple[ast.Decl, ...]  # the items of the chunks that parsed, in document spans
    reparsed: int  # chunks parsed this time (0 when all were reused)
    tail: bool  # a syntax error: the text from its chunk on was parsed in one piece


class ChunkCache:
    """Per-document chunk parses, keyed by the chunk's text."""

    def __init__(self, limit: int = 512) -> None:
        self._parsed: dict[str, _Parsed] = {}
        self._sources = SourceMap()  # chunk texts live here, not in the global map
        self.limit = limit

    def _parse_chunk(self, text: str) -> _Parsed:
        got = self._parsed.get(text)
        if got is not None:
            return got
        if len(self._parsed) >= self.limit:
            self._parsed.clear()
            self._sources = SourceMap()
        try:
            res = parse_full(text, "<chunk>", sources=self._sources)
            got = _Parsed(res.module.items, res.module.doc, (), res.source.id)
        except QLangError as err:
            aborts = getattr(err, "scan_stopped", False)
            local = getattr(err, "parsed_to_end", False) and not aborts
            got = _Parsed((), "", err.diagnostics, -1, local, aborts)
        self._parsed[text] = got
        return got

    def parse(self, text: str, source_id: int) -> ParseOutcome:
        """Parse ``text``, the current contents of ``GLOBAL_SOURCES`` entry ``source_id``."""
        parts = split(text)
        items: list[ast.Decl] = []
        errors: list[Diagnostic] = []
        fresh = 0
        doc = ""
        for k, (start, end) in enumerate(parts):
            chunk = text[start:end]
            if chunk not in self._parsed:
                fresh += 1
            p = self._parse_chunk(chunk)
            if k == 0:
                doc = p.doc
            if p.aborts:
                # an unterminated comment or string, or too deep nesting, stops the whole
                # parse before any other error: only the whole text says which errors remain
                return ParseOutcome(
                    None, self._tail(text, 0, source_id)[0], tuple(items), fresh, True
                )
            if p.errors and (not p.local or len(errors) + len(p.errors) > MAX_ERRORS):
                # Recovery may run past this chunk: parse the rest in one piece, exactly as
                # the whole parse sees it (the chunks before it ended between items).
                tail, stopped = self._tail(text, start, source_id)
                if errors and stopped:
                    tail, _ = self._tail(text, 0, source_id)  # the pre-scan stops it all
                    errors = []
                errors.extend(tail)
                for s2, e2 in parts[k + 1 :]:
                    later = self._parsed.get(text[s2:e2])  # reused for navigation only
                    if later is not None and not later.errors:
                        items.extend(_shift(it, later.source, source_id, s2) for it in later.items)  # type: ignore[misc]
                return ParseOutcome(None, tuple(errors[:MAX_ERRORS]), tuple(items), fresh, True)
            errors.extend(_shift_diag(d, source_id, start) for d in p.errors)
            items.extend(_shift(it, p.source, source_id, start) for it in p.items)  # type: ignore[misc]
        if errors:
            return ParseOutcome(None, tuple(errors), tuple(items), fresh, False)
        module = ast.Module(tuple(items), doc=doc, span=Span(source_id, 0, len(text)))
        return ParseOutcome(module, (), tuple(items), fresh, False)

    def _tail(self, text: str, start: int, source_id: int) -> tuple[tuple[Diagnostic, ...], bool]:
        """The errors of ``text[start:]`` parsed in one piece, and whether the pre-scan
        stopped that parse."""
        try:
            parse_full(text[start:], "<tail>", sources=SourceMap())  # nothing kept
        except QLangError as err:
            errors = tuple(_shift_diag(d, source_id, start) for d in err.diagnostics)
            return errors, getattr(err, "scan_stopped", False)
        return (), False  # pragma: no cover - a chunk with errors never parses as part of a tail


# --- moving spans into the document's source ------------------------------------------


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls))
    return names


def _shift(node: ast.Node, old: int, new: int, delta: int) -> ast.Node:
    """A copy of ``node`` whose spans in source ``old`` are moved to ``new`` + ``delta``."""
    cls = type(node)
    out = object.__new__(cls)
    for name in _field_names(cls):
        v = getattr(node, name)
        if name == "span":
            if v is not None and v.source == old:
                v = Span(new, v.start + delta, v.end + delta)
        elif isinstance(v, ast.Node):
            v = _shift(v, old, new, delta)
        elif isinstance(v, tuple) and v and any(isinstance(x, ast.Node) for x in v):
            v = tuple(_shift(x, old, new, delta) if isinstance(x, ast.Node) else x for x in v)
        object.__setattr__(out, name, v)
    return out


def _move(span: Span | None, new: int, delta: int) -> Span | None:
    return None if span is None else Span(new, span.start + delta, span.end + delta)


def _shift_diag(d: Diagnostic, new: int, delta: int) -> Diagnostic:
    labels = tuple(Label(_move(lb.span, new, delta) or lb.span, lb.message) for lb in d.labels)
    return Diagnostic(
        d.severity, d.code, d.message, _move(d.span, new, delta), labels, d.notes, d.help
    )


def document_source(name: str, text: str, source_id: int | None) -> int:
    """The document's entry in the global source map, created or updated in place."""
    if source_id is None:
        return GLOBAL_SOURCES.add(name, text).id
    GLOBAL_SOURCES.update(source_id, text)
    return source_id
