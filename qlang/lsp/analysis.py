"""Per-document analysis for the language server, cached by document version.

:meth:`Workspace.analyse` parses a document incrementally (:mod:`qlang.lsp.chunks`) and,
when it has no syntax errors, checks it through :func:`qlang.driver.check_source`, the
entry path of ``qlang check``, with imported modules reused (:mod:`qlang.lsp.imports`).
The diagnostics are therefore ``qlang check``'s own: same codes, messages and spans.

Example::

    >>> ws = Workspace()
    >>> text = "model m {\\n  circuit = h_all()\\n  task = clasify()\\n}\\n"
    >>> a = ws.analyse("file:///tmp/demo.qml", 1, text)
    >>> [(d.code, a.lines.range(d.span)[0]) for d in a.diagnostics]
    [('QL0101', (1, 12)), ('QL0304', (0, 0)), ('QL0305', (2, 2))]
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from qlang import ast
from qlang.diagnostics import Diagnostic, QLangError
from qlang.lsp.chunks import ChunkCache, ParseOutcome, document_source
from qlang.lsp.imports import CachingLoader, ModuleCache
from qlang.semantics.loader import Loader, Module
from qlang.source import Span

__all__ = ["Analysis", "LineIndex", "Workspace", "path_to_uri", "uri_to_path"]


def uri_to_path(uri: str) -> Path:
    """The file a ``file:`` URI names (other schemes: a name in the working directory)."""
    u = urlparse(uri)
    if u.scheme == "file":
        return Path(unquote(u.path))
    return Path.cwd() / (Path(unquote(u.path)).name or "untitled.qml")


def path_to_uri(path: str | Path) -> str:
    return "file://" + quote(str(Path(path).resolve()))


def _units(text: str, encoding: str) -> int:
    """Length of ``text`` in the code units of an LSP position encoding."""
    if text.isascii() or encoding == "utf-32":
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


class LineIndex:
    """Offsets <-> LSP positions (0-based lines; columns in UTF-16 code units unless the
    client chose ``utf-8`` or ``utf-32``) of one text."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0]
        pos = text.find("\n")
        while pos >= 0:
            self.starts.append(pos + 1)
            pos = text.find("\n", pos + 1)

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, _units(self.text[self.starts[line] : offset], self.encoding)

    def offset(self, line: int, character: int) -> int:
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[line]
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        text = self.text[start:end]
        if text.isascii() or self.encoding == "utf-32":
            return start + min(character, len(text))
        units = 0
        for i, ch in enumerate(text):
            if units >= character:
                return start + i
            units += _units(ch, self.encoding)
        return end

    def range(self, span: Span) -> tuple[tuple[int, int], tuple[int, int]]:
        return self.position(span.start), self.position(max(span.start, span.end))


@dataclass
class Analysis:
    """One version of one document: its parse, its diagnostics and what the check loaded."""

    uri: str
    version: int
    text: str
    path: Path
    source_id: int
    lines: LineIndex
    parse: ParseOutcome
    diagnostics: tuple[Diagnostic, ...]
    module: Module | None = None  # the checked module (scope with imports), when checked
    loader: Loader | None = None
    internal_error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    imported: dict[str, object] | None = None  # what the imports bring in (features cache)

    @property
    def items(self) -> tuple[ast.Decl, ...]:
        return self.parse.items


@dataclass
class _Doc:
    chunks: ChunkCache = field(default_factory=ChunkCache)
    source_id: int | None = None
    latest: Analysis | None = None
    checked: Analysis | None = None  # the latest version that got past the parser


class Workspace:
    """Every open document's latest analysis, and the modules they import."""

    def __init__(self, encoding: str = "utf-16") -> None:
        self.modules = ModuleCache()
        self.docs: dict[str, _Doc] = {}
        self.encoding = encoding  # the LSP position encoding agreed with the client

    def get(self, uri: str) -> Analysis | None:
        doc = self.docs.get(uri)
        return doc.latest if doc is not None else None

    def last_checked(self, uri: str) -> Analysis | None:
        doc = self.docs.get(uri)
        return doc.checked if doc is not None else None

    def close(self, uri: str) -> None:
        self.docs.pop(uri, None)

    def analyse(self, uri: str, version: int, text: str) -> Analysis:
        """Parse and check ``text`` (cached: the same version is analysed once)."""
        doc = self.docs.setdefault(uri, _Doc())
        if doc.latest is not None and doc.latest.version == version and doc.latest.text == text:
            return doc.latest
        t0 = time.perf_counter()
        path = uri_to_path(uri)
        doc.source_id = document_source(str(path), text, doc.source_id)
        outcome = doc.chunks.parse(text, doc.source_id)
        t1 = time.perf_counter()
        analysis = Analysis(
            uri,
            version,
            text,
            path,
            doc.source_id,
            LineIndex(text, self.encoding),
            outcome,
            outcome.errors,
        )
        if outcome.module is not None:
            self._check(analysis, outcome.module)
            doc.checked = analysis
        analysis.seconds = {"parse": t1 - t0, "check": time.perf_counter() - t1}
        doc.latest = analysis
        return analysis

    def _check(self, a: Analysis, tree: ast.Module) -> None:
        from qlang.driver import check_source

        key = str(a.path.resolve())
        loader = CachingLoader(self.modules, key)
        a.loader = loader
        try:
            check_source(a.text, a.path, tree=tree, loader=loader)
            a.diagnostics = ()
        except QLangError as err:
            a.diagnostics = err.diagnostics
        except Exception as exc:  # noqa: BLE001 - `qlang check` would exit 2: say so
            a.internal_error = f"{type(exc).__name__}: {exc}"
            a.diagnostics = ()
        a.module = loader.modules.get(key)

    def file_changed(self, path: str | Path) -> None:
        """A file on disk changed (an imported file saved): drop its loaded module."""
        self.modules.forget(path)
