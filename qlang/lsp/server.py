"""The qlang language server on pygls: ``qlang lsp`` speaks LSP over stdin/stdout.

Features: diagnostics as you type (``qlang check``'s own, :mod:`qlang.lsp.analysis`),
hover, completion, go-to-definition, formatting (``qlang fmt``) and document symbols
(:mod:`qlang.lsp.features`). Documents sync incrementally; each version is parsed
incrementally and checked once, with imported modules loaded once per server.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types as T
from pygls.lsp.server import LanguageServer

from qlang.diagnostics import Diagnostic, Severity
from qlang.lsp import features as F
from qlang.lsp.analysis import Analysis, Workspace, uri_to_path

__all__ = ["QLangServer", "create_server"]

log = logging.getLogger("qlang.lsp")

_SEVERITY = {
    Severity.ERROR: T.DiagnosticSeverity.Error,
    Severity.WARNING: T.DiagnosticSeverity.Warning,
    Severity.NOTE: T.DiagnosticSeverity.Information,
}
_COMPLETION_KIND = {
    "keyword": T.CompletionItemKind.Keyword,
    "function": T.CompletionItemKind.Function,
    "class": T.CompletionItemKind.Class,
    "variable": T.CompletionItemKind.Variable,
    "field": T.CompletionItemKind.Field,
    "module": T.CompletionItemKind.Module,
    "constant": T.CompletionItemKind.Constant,
    "property": T.CompletionItemKind.Property,
    "value": T.CompletionItemKind.Value,
}
_SYMBOL_KIND = {
    "function": T.SymbolKind.Function,
    "class": T.SymbolKind.Class,
    "constant": T.SymbolKind.Constant,
    "module": T.SymbolKind.Module,
    "property": T.SymbolKind.Property,
    "variable": T.SymbolKind.Variable,
    "struct": T.SymbolKind.Struct,
}


class QLangServer(LanguageServer):
    """A pygls server holding the qlang :class:`Workspace` (analyses and loaded modules)."""

    def __init__(self) -> None:
        from qlang import __version__

        super().__init__(
            "qlang", __version__, text_document_sync_kind=T.TextDocumentSyncKind.Incremental
        )
        self.qlang = Workspace()

    def analyse(self, uri: str) -> Analysis | None:
        try:
            doc = self.workspace.get_text_document(uri)
        except Exception:  # noqa: BLE001 - a document the client never opened
            return None
        return self.qlang.analyse(uri, doc.version or 0, doc.source)


def _range(a: Analysis, start: int, end: int) -> T.Range:
    (l1, c1), (l2, c2) = a.lines.position(start), a.lines.position(end)
    return T.Range(T.Position(l1, c1), T.Position(l2, c2))


def _loc_range(loc: F.Location) -> T.Range:
    return T.Range(T.Position(*loc.start), T.Position(*loc.end))


def _message(d: Diagnostic) -> str:
    parts = [d.message]
    parts += [f"note: {n}" for n in d.notes]
    if d.help:
        parts.append(f"help: {d.help}")
    return "\n".join(parts)


def _import_range(a: Analysis, source_name: str) -> T.Range:
    """Where to show a diagnostic of an imported file: the import that brings it in."""
    from qlang import ast as A

    stem = source_name.rsplit("/", 1)[-1].removesuffix(".qml")
    for it in a.items:
        if isinstance(it, A.Import) and it.span is not None:
            names = (it.file or "").rsplit("/", 1)[-1].removesuffix(".qml"), *(it.module[:1])
            if stem in names:
                return _range(a, it.span.start, it.span.end)
    return T.Range(T.Position(0, 0), T.Position(0, 0))


def lsp_diagnostics(a: Analysis) -> list[T.Diagnostic]:
    """The analysis' diagnostics as LSP diagnostics (imported files' at their import)."""
    from qlang.lsp.features import _span_location
    from qlang.source import GLOBAL_SOURCES

    out = []
    for d in a.diagnostics:
        related = []
        if d.span is None:
            rng = T.Range(T.Position(0, 0), T.Position(0, 0))
        elif d.span.source == a.source_id:
            rng = _range(a, d.span.start, d.span.end)
        else:
            src = GLOBAL_SOURCES.get(d.span.source)
            rng = _import_range(a, src.name)
            loc = _span_location(d.span, a)
            if loc is not None:
                related.append(
                    T.DiagnosticRelatedInformation(T.Location(loc.uri, _loc_range(loc)), d.message)
                )
        for lb in d.labels:
            loc = _span_location(lb.span, a)
            if loc is not None:
                related.append(
                    T.DiagnosticRelatedInformation(T.Location(loc.uri, _loc_range(loc)), lb.message)
                )
        out.append(
            T.Diagnostic(
                range=rng,
                message=_message(d),
                severity=_SEVERITY.get(d.severity, T.DiagnosticSeverity.Error),
                code=d.code,
                source="qlang",
                related_information=related or None,
            )
        )
    if a.internal_error is not None:
        out.append(
            T.Diagnostic(
                range=T.Range(T.Position(0, 0), T.Position(0, 0)),
                message=f"internal error in qlang (please report it): {a.internal_error}",
                severity=T.DiagnosticSeverity.Warning,
                source="qlang",
            )
        )
    return out


def _matches(prefix: str, label: str) -> bool:
    """The typed prefix appears in order in ``label`` (clients filter further)."""
    it = iter(label.lower())
    return all(ch in it for ch in prefix.lower())


def create_server() -> QLangServer:
    """A server with every feature registered (not started)."""
    server = QLangServer()

    def publish(ls: QLangServer, uri: str) -> None:
        a = ls.analyse(uri)
        if a is None:
            return
        ls.text_document_publish_diagnostics(
            T.PublishDiagnosticsParams(uri=uri, version=a.version, diagnostics=lsp_diagnostics(a))
        )

    @server.feature(T.INITIALIZED)
    def initialized(ls: QLangServer, params: T.InitializedParams) -> None:
        enc: Any = ls.server_capabilities.position_encoding
        ls.qlang.encoding = str(getattr(enc, "value", enc) or "utf-16")

    @server.feature(T.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: QLangServer, params: T.DidOpenTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: QLangServer, params: T.DidChangeTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(T.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: QLangServer, params: T.DidSaveTextDocumentParams) -> None:
        # files that import the saved one see its new contents
        ls.qlang.file_changed(uri_to_path(params.text_document.uri))
        for uri in list(ls.qlang.docs):
            ls.qlang.docs[uri].latest = None
            publish(ls, uri)

    @server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: QLangServer, params: T.DidCloseTextDocumentParams) -> None:
        ls.qlang.close(params.text_document.uri)
        ls.text_document_publish_diagnostics(
            T.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(T.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: QLangServer, params: T.HoverParams) -> T.Hover | None:
        a = ls.analyse(params.text_document.uri)
        if a is None:
            return None
        offset = a.lines.offset(params.position.line, params.position.character)
        h = F.hover(ls.qlang, a, offset)
        if h is None:
            return None
        return T.Hover(
            contents=T.MarkupContent(kind=T.MarkupKind.Markdown, value=h.markdown),
            range=_range(a, h.start, h.end),
        )

    @server.feature(
        T.TEXT_DOCUMENT_COMPLETION,
        T.CompletionOptions(trigger_characters=[".", "(", ","]),
    )
    def on_completion(ls: QLangServer, params: T.CompletionParams) -> T.CompletionList:
        a = ls.analyse(params.text_document.uri)
        if a is None:
            return T.CompletionList(is_incomplete=False, items=[])
        offset = a.lines.offset(params.position.line, params.position.character)
        w = F.word_at(a.text, offset)
        prefix = a.text[w[0] : offset] if w is not None and w[0] < offset else ""
        seen: set[str] = set()
        items = []
        for c in F.completion(ls.qlang, a, offset):
            if c.label in seen or not _matches(prefix, c.label):
                continue
            seen.add(c.label)
            snippet = c.insert_text is not None and "$0" in c.insert_text
            items.append(
                T.CompletionItem(
                    label=c.label,
                    kind=_COMPLETION_KIND.get(c.kind, T.CompletionItemKind.Text),
                    detail=c.detail or None,
                    documentation=(
                        T.MarkupContent(kind=T.MarkupKind.Markdown, value=c.documentation)
                        if c.documentation
                        else None
                    ),
                    insert_text=c.insert_text,
                    insert_text_format=T.InsertTextFormat.Snippet if snippet else None,
                    sort_text=f"{c.sort}{c.label}",
                )
            )
        return T.CompletionList(is_incomplete=False, items=items)

    @server.feature(T.TEXT_DOCUMENT_DEFINITION)
    def on_definition(ls: QLangServer, params: T.DefinitionParams) -> T.Location | None:
        a = ls.analyse(params.text_document.uri)
        if a is None:
            return None
        offset = a.lines.offset(params.position.line, params.position.character)
        loc = F.definition(ls.qlang, a, offset)
        return T.Location(loc.uri, _loc_range(loc)) if loc is not None else None

    @server.feature(T.TEXT_DOCUMENT_FORMATTING)
    def on_formatting(
        ls: QLangServer, params: T.DocumentFormattingParams
    ) -> list[T.TextEdit] | None:
        a = ls.analyse(params.text_document.uri)
        if a is None:
            return None
        new = F.formatting(a)
        if new is None or new == a.text:
            return [] if new is not None else None
        return [T.TextEdit(range=_range(a, 0, len(a.text)), new_text=new)]

    @server.feature(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def on_symbols(ls: QLangServer, params: T.DocumentSymbolParams) -> list[T.DocumentSymbol]:
        a = ls.analyse(params.text_document.uri)
        if a is None:
            return []

        def convert(s: F.Symbol) -> T.DocumentSymbol:
            return T.DocumentSymbol(
                name=s.name,
                kind=_SYMBOL_KIND.get(s.kind, T.SymbolKind.Variable),
                range=_range(a, s.start, s.end),
                selection_range=_range(a, s.name_start, s.name_end),
                detail=s.detail or None,
                children=[convert(c) for c in s.children] or None,
            )

        return [convert(s) for s in F.document_symbols(a)]

    return server


def serve(**_: Any) -> None:
    """Run the server on stdin/stdout until the client exits."""
    logging.basicConfig(level=logging.WARNING)
    create_server().start_io()
