"""Syntax highlighting for qlang: a Pygments lexer and a TextMate grammar from one table.

- :mod:`qlang.highlight.tokens`: the lexical classes, keywords and patterns (one table,
  tested against ``grammar/qlang.lark``);
- :mod:`qlang.highlight.lexer`: :class:`QLangLexer`, the Pygments entry point ``qlang``
  (needs Pygments);
- :mod:`qlang.highlight.textmate`: the TextMate grammar, written to
  ``editors/vscode/syntaxes/qlang.tmLanguage.json`` by ``python -m qlang.highlight``.

Example::

    >>> from qlang.highlight.textmate import grammar
    >>> grammar()["scopeName"]
    'source.qlang'
"""

from __future__ import annotations

from typing import Any

__all__ = ["QLangLexer", "highlight_html"]


def __getattr__(name: str) -> Any:
    if name == "QLangLexer":
        from qlang.highlight.lexer import QLangLexer

        return QLangLexer
    raise AttributeError(f"module 'qlang.highlight' has no attribute {name!r}")


def highlight_html(text: str) -> str:
    """qlang source as HTML with inline styles (plain ``<pre>`` without Pygments)."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter

        from qlang.highlight.lexer import QLangLexer
    except ImportError:
        import html

        return f"<pre>{html.escape(text)}</pre>"
    return highlight(text, QLangLexer(), HtmlFormatter(noclasses=True, nowrap=False))
