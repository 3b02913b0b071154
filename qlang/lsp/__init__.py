"""The qlang language server (``qlang lsp``): diagnostics, hover, completion,
go-to-definition, formatting and document symbols for editors, over LSP on stdio.

- :mod:`qlang.lsp.analysis`: per-document analysis cached by version (``qlang check``'s
  own diagnostics), :mod:`qlang.lsp.chunks` (incremental parsing) and
  :mod:`qlang.lsp.imports` (imported modules loaded once);
- :mod:`qlang.lsp.features`: the answers, as plain data; :mod:`qlang.lsp.context` reads
  the cursor's surroundings from the text; :mod:`qlang.lsp.vocabulary` reads model
  settings from the vocabulary catalog;
- :mod:`qlang.lsp.server`: the pygls server (the optional extra ``lsp``).

See docs/editors.md for the editor setup.
"""

from __future__ import annotations

__all__ = ["INSTALL_HINT", "main"]

INSTALL_HINT = 'the language server needs pygls: pip install "qlang[lsp]"'


def main() -> None:
    """Serve LSP on stdin/stdout (raises ``ImportError`` with an install hint without pygls)."""
    try:
        from qlang.lsp.server import serve
    except ImportError as err:
        if err.name in ("pygls", "lsprotocol") or "pygls" in str(err):
            raise ImportError(INSTALL_HINT) from err
        raise
    serve()
