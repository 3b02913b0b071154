"""The ``openqasm3`` reference parser, with located failures and no stderr noise.

Example::

    >>> try:
    ...     parse_reference("OPENQASM 3.0; qubit[2 q;")
    ... except ParseFailure as exc:
    ...     print(exc.line, exc.column, exc.message)
    1 22 unexpected `q`
"""

from __future__ import annotations

import functools

from antlr4 import CommonTokenStream, InputStream
from antlr4.error.ErrorListener import ErrorListener
from antlr4.error.Errors import ParseCancellationException, RecognitionException
from antlr4.error.ErrorStrategy import BailErrorStrategy
from openqasm3 import ast
from openqasm3._antlr.qasm3Lexer import qasm3Lexer
from openqasm3._antlr.qasm3Parser import qasm3Parser
from openqasm3.parser import QASMNodeVisitor

__all__ = ["ParseFailure", "gate_definitions", "parse_reference"]


class ParseFailure(Exception):
    """The reference parser rejected the program at ``line``/``column`` (1-based, 0-based)."""

    def __init__(self, message: str, line: int, column: int):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class _Recorder(ErrorListener):
    """Turns the first lexer/parser error into a :class:`ParseFailure`."""

    def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):  # type: ignore[no-untyped-def]  # noqa: N802
        raise ParseFailure(msg, line, column)


def parse_reference(text: str) -> ast.Program:
    """``openqasm3.parse`` with errors turned into :class:`ParseFailure` (no stderr noise)."""
    rec = _Recorder()
    lexer = qasm3Lexer(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(rec)
    parser = qasm3Parser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(rec)
    parser._errHandler = BailErrorStrategy()
    try:
        tree = parser.program()
    except ParseFailure as exc:
        if "<EOF>" in exc.message:
            raise _at_end(text) from None
        raise
    except (RecognitionException, ParseCancellationException) as exc:
        tok = None
        node: BaseException | None = exc
        while node is not None and tok is None:
            tok = getattr(node, "offendingToken", None)
            inner = [a for a in getattr(node, "args", ()) if isinstance(a, BaseException)]
            node = inner[0] if inner else (node.__cause__ or node.__context__)
        if tok is None:
            tok = parser.getCurrentToken()
        if tok is not None and (tok.text == "<EOF>" or tok.type == -1):
            raise _at_end(text) from None
        if tok is not None:
            raise ParseFailure(f"unexpected `{tok.text}`", tok.line, tok.column) from None
        raise ParseFailure("cannot parse the program", 1, 0) from None
    try:
        return QASMNodeVisitor().visitProgram(tree)
    except Exception as exc:  # the visitor raises plain errors on semantic oddities
        raise ParseFailure(str(exc) or exc.__class__.__name__, 1, 0) from None


def _at_end(text: str) -> ParseFailure:
    """A failure at the end of the last non-blank line (a missing `;` or `}`)."""
    before = text.rstrip()
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1)
    return ParseFailure("unexpected end of file (missing `;` or `}`?)", line, column)


@functools.cache
def gate_definitions(text: str) -> dict[str, ast.QuantumGateDefinition]:
    prog = parse_reference("OPENQASM 3.0;\n" + text)
    return {s.name.name: s for s in prog.statements if isinstance(s, ast.QuantumGateDefinition)}
