"""A Pygments lexer for qlang, registered as the Pygments entry point ``qlang``.

Built from the shared table :mod:`qlang.highlight.tokens` (tested against the Lark
grammar), so ``pygmentize -l qlang model.qml`` and Jupyter/Sphinx highlighting agree
with the TextMate grammar in ``editors/``.

Example::

    >>> from pygments.token import Keyword, Name
    >>> toks = [t for t in QLangLexer().get_tokens("circuit bell() on q[2] { h q[0]; }")]
    >>> toks[0], toks[2]
    ((Token.Keyword.Declaration, 'circuit'), (Token.Name.Function, 'bell'))
"""

from __future__ import annotations

from typing import Any

from pygments.lexer import RegexLexer, bygroups
from pygments.token import Whitespace, string_to_tokentype

from qlang.highlight.tokens import CLASSES, PATTERNS

__all__ = ["QLangLexer"]


def _rules() -> list[tuple[Any, ...]]:
    rules: list[tuple[Any, ...]] = [(r"[ \t\r\n\f]+", Whitespace)]
    for cls, regex in PATTERNS:
        token = string_to_tokentype(CLASSES[cls].pygments)
        if cls == "definition":
            keyword = string_to_tokentype(CLASSES["declaration"].pygments)
            rules.append((regex, bygroups(keyword, Whitespace, token)))
        else:
            rules.append((regex, token))
    rules.append((r".", string_to_tokentype(CLASSES["error"].pygments)))
    return rules


class QLangLexer(RegexLexer):
    """qlang: quantum machine-learning models (``.qml``)."""

    name = "qlang"
    aliases = ["qlang"]
    filenames: list[str] = []  # `.qml` is Qt's QML in Pygments: choose qlang by name
    mimetypes = ["text/x-qlang"]
    url = "https://pypi.org/project/qlang/"
    tokens = {"root": _rules()}

    def analyse_text(text: str) -> float:  # type: ignore[override]
        """Likely qlang when a model block or a circuit definition is present."""
        score = 0.0
        if "model " in text and "{" in text:
            score += 0.3
        if "circuit " in text and " on " in text:
            score += 0.3
        return score
