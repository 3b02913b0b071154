"""Parse ``.qml`` text into the AST (:mod:`qlang.ast`).

The grammar (``grammar/qlang.lark``) is LALR(1): parsing is linear-time and
unambiguous. Syntax errors never escape as Lark exceptions: they become
coded diagnostics with a located message in words, and the parser recovers
(inserting a missing ``;``/``)``/``]``/``}`` or skipping a token) so that one
run reports several errors.

Example::

    >>> m = parse("circuit bell() on q[2] { h q[0]; cx q[0], q[1]; }")
    >>> m.items[0].name, len(m.items[0].body)
    ('bell', 2)
"""

from __future__ import annotations

import contextvars
import copy
import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from qlang import ast
from qlang.ast_builder import AstBuilder, BuildError
from qlang.diagnostics import Diagnostic, Label, QLangError, did_you_mean
from qlang.limits import MAX_CHAIN_TERMS, MAX_EXPR_DEPTH, MAX_LITERAL_DIGITS, MAX_SOURCE_BYTES
from qlang.parser_tables import load_or_build
from qlang.source import GLOBAL_SOURCES, SourceFile, SourceMap, Span

#: Deepest bracket nesting accepted (deeper input gets QL0006, not a crash).
MAX_NESTING = 100
#: Rules whose node is one operation of an expression (depth 1 each).
_EXPR_RULES = frozenset(
    {
        "arrow",
        "unary",
        "comparison",
        "range_expr",
        "power",
        "call",
        "index",
        "member",
        "tuple_expr",
        "list_expr",
        "list_comp",
        "pauli_product",
        "pauli_factor",
        "number",
        "string",
        "true",
        "false",
        "name",
    }
)
#: Flat chains ``a op b op c ...`` and how many children one operand takes.
_CHAIN_RULES = {"pipe": 1, "or_expr": 1, "and_expr": 1, "sum": 2, "product": 2}
#: Most syntax errors reported for one file.
MAX_ERRORS = 20

#: Reserved words (also used by the tests that generate programs).
KEYWORDS = _KEYWORDS = (
    "circuit",
    "gate",
    "observable",
    "model",
    "import",
    "const",
    "let",
    "for",
    "in",
    "repeat",
    "if",
    "else",
    "measure",
    "reset",
    "barrier",
    "bit",
    "qubit",
    "input",
    "weight",
    "frozen",
    "true",
    "false",
    "and",
    "or",
    "not",
    "as",
    "on",
)
_TOP_LEVEL = ("import", "const", "circuit", "gate", "observable", "model")
_STATEMENT_KEYWORDS = {
    "MEASURE": "measurement",
    "RESET": "`reset`",
    "BARRIER": "`barrier`",
    "LET": "`let` binding",
    "BIT": "bit declaration",
    "QUBIT": "qubit declaration",
    "CONST": "constant definition",
}
_FRIENDLY = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "PAULI_NUM": "a Pauli term",
    "PAULI_LETTER": "a Pauli letter",
    "COMP_OP": "a comparison",
    "ADD_OP": "`+` or `-`",
    "MUL_OP": "`*`, `/` or `%`",
    "$END": "end of file",
    "FROZEN": "`frozen`",
    "TRUE": "`true`",
    "FALSE": "`false`",
    "NOT": "`not`",
}
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
# Tokens the recovery may insert before the offending token, most likely first.
_INSERTABLE = ("SEMICOLON", "RPAR", "RSQB", "RBRACE", "COMMA")


#: The parser currently collecting comments (set for the duration of one parse).
_ACTIVE: contextvars.ContextVar[_Parser | None] = contextvars.ContextVar(
    "qlang_parser", default=None
)


def _comment_callback(doc: bool):  # type: ignore[no-untyped-def]
    def collect(tok: Token) -> Token:
        active = _ACTIVE.get()
        if active is not None:
            active.add_comment(tok, doc)
        return tok

    return collect


@functools.cache
def _lark() -> Lark:
    text = resources.files("qlang.grammar").joinpath("qlang.lark").read_text(encoding="utf-8")
    options = dict(parser="lalr", lexer="contextual", propagate_positions=True,
                   maybe_placeholders=True)  # fmt: skip
    callbacks = {
        "DOC_COMMENT": _comment_callback(True),
        "LINE_COMMENT": _comment_callback(False),
        "BLOCK_COMMENT": _comment_callback(False),
    }
    # the LALR tables are cached (as JSON data) between runs: see qlang.parser_tables
    return load_or_build(
        text, options, callbacks, lambda: Lark(text, lexer_callbacks=callbacks, **options)
    )


@dataclass(frozen=True, slots=True)
class Comment:
    """A source comment kept for the formatter (``//``, ``/* */`` or ``///``)."""

    text: str
    span: Span
    doc: bool


class SyntaxErrors(QLangError):
    """The syntax errors of one parse, with two facts the language server's incremental
    parsing relies on: ``parsed_to_end``, error recovery still ended with the parser
    accepting the end of the input (between top-level items); ``scan_stopped``, the
    pre-scan (an unterminated comment or string, too deep nesting) stopped the parse."""

    def __init__(
        self,
        diagnostics: list[Diagnostic],
        sources: SourceMap,
        *,
        parsed_to_end: bool,
        scan_stopped: bool = False,
    ) -> None:
        super().__init__(diagnostics, sources)
        self.parsed_to_end = parsed_to_end
        self.scan_stopped = scan_stopped


@dataclass(slots=True)
class ParseResult:
    module: ast.Module
    source: SourceFile
    comments: list[Comment] = field(default_factory=list)


def parse(
    text: str, filename: str = "<string>", *, sources: SourceMap = GLOBAL_SOURCES
) -> ast.Module:
    """Parse source text; raises :class:`~qlang.diagnostics.QLangError` on bad input."""
    return parse_full(text, filename, sources=sources).module


def parse_full(
    text: str, filename: str = "<string>", *, sources: SourceMap = GLOBAL_SOURCES
) -> ParseResult:
    """Parse and also return the source record and the comments (for the formatter)."""
    src = sources.add(filename, text)
    return _Parser(src, sources).run()


class _Parser:
    def __init__(self, src: SourceFile, sources: SourceMap) -> None:
        self.src = src
        self.sources = sources
        self.diags: list[Diagnostic] = []
        self.comments: list[Comment] = []
        self._last_error_line = -1

    def span(self, start: int, end: int) -> Span:
        return Span(self.src.id, start, end)

    def error(self, code: str, msg: str, start: int, end: int, **kw: object) -> None:
        line = self.src.line_col(start)[0]
        if line == self._last_error_line or len(self.diags) >= MAX_ERRORS:
            return
        self._last_error_line = line
        self.diags.append(Diagnostic.error(code, msg, self.span(start, end), **kw))  # type: ignore[arg-type]

    # -- driver ------------------------------------------------------------
    def run(self) -> ParseResult:
        text = self.src.text
        if len(text) > MAX_SOURCE_BYTES:
            self.error(
                "QL0803",
                f"the source is {len(text):,} characters long, more than the limit of "
                f"{MAX_SOURCE_BYTES:,}",
                0,
                1,
                help="split it into files that import each other",
            )
            raise SyntaxErrors(self.diags, self.sources, parsed_to_end=False, scan_stopped=True)
        if not self._prescan(text):
            raise SyntaxErrors(self.diags, self.sources, parsed_to_end=False, scan_stopped=True)
        bracket_diags, self.diags = self.diags, []
        self._last_error_line = -1
        tree: Tree | None = None
        token = _ACTIVE.set(self)
        try:
            tree = _lark().parse(text, on_error=self._on_error)
        except UnexpectedInput as e:
            self._report(e)
        except RecursionError:
            self.error("QL0006", "input is nested too deeply", 0, min(1, len(text)))
        finally:
            _ACTIVE.reset(token)
        if bracket_diags and self.diags and self.diags[-1].code == "QL0004":
            # The parser ran into the end of the file: the unclosed bracket is the root cause.
            self.diags[-1] = next((d for d in bracket_diags if d.code == "QL0004"), self.diags[-1])
        by_start = {d.span.start: d for d in bracket_diags if d.code == "QL0005" and d.span}
        self.diags = [
            by_start.get(d.span.start, d) if d.span is not None else d for d in self.diags
        ]
        if self.diags or tree is None:
            if not self.diags:
                self.diags.extend(bracket_diags)
            if not self.diags:
                self.error("QL0003", "could not parse this file", 0, min(1, len(text)))
            raise SyntaxErrors(self.diags, self.sources, parsed_to_end=tree is not None)
        self._check_limits(tree)
        if self.diags:
            raise SyntaxErrors(self.diags, self.sources, parsed_to_end=True)
        try:
            module = AstBuilder(self.src, self.comments).build(tree)
        except VisitError as ve:
            inner = ve.orig_exc
            if isinstance(inner, BuildError):
                self.diags.append(
                    Diagnostic.error(inner.code, inner.message, inner.span, help=inner.help)
                )
                raise QLangError(self.diags, self.sources) from None
            if isinstance(inner, RecursionError):
                raise self._too_deep() from None
            raise
        except RecursionError:
            raise self._too_deep() from None
        return ParseResult(module, self.src, sorted(self.comments, key=lambda c: c.span.start))

    def _too_deep(self) -> QLangError:
        span = self.span(0, min(1, len(self.src.text)))
        self.diags.append(
            Diagnostic.error(
                "QL0006",
                "input is nested too deeply",
                span,
                help=f"keep nesting below {MAX_NESTING} levels",
            )
        )
        return QLangError(self.diags, self.sources)

    def _check_limits(self, tree: Tree) -> None:
        """Number literals of at most ``MAX_LITERAL_DIGITS`` characters (``QL0013``),
        expressions at most ``MAX_EXPR_DEPTH`` operations deep and flat chains of at most
        ``MAX_CHAIN_TERMS`` operands (``QL0006``); measured without recursion.

        A flat chain ``1 + 1 + ... + 1`` counts as one level of depth because everything
        downstream folds it in a loop; its length is bounded on its own."""
        depth: dict[int, int] = {}
        for node in tree.iter_subtrees():  # children before their parents
            deepest = 0
            for ch in node.children:
                if isinstance(ch, Tree):
                    deepest = max(deepest, depth[id(ch)])
                elif isinstance(ch, Token) and ch.type == "NUMBER" and len(ch) > MAX_LITERAL_DIGITS:
                    start = ch.start_pos or 0
                    self.error(
                        "QL0013",
                        f"number literal of {len(ch):,} characters (limit {MAX_LITERAL_DIGITS})",
                        start,
                        start + len(ch),
                        help="write large values with an exponent, e.g. `1e30`",
                    )
            rule = str(node.data)
            if rule in _CHAIN_RULES:
                terms = (len(node.children) - 1) // _CHAIN_RULES[rule] + 1
                if terms > MAX_CHAIN_TERMS:
                    start, end = _tree_span(node)
                    self.error(
                        "QL0006",
                        f"a chain of {terms:,} operands (limit {MAX_CHAIN_TERMS:,})",
                        start,
                        end,
                        help="split it with `let`/`const`, or write it as "
                        "`sum(... for i in 0..n)`",
                    )
            depth[id(node)] = deepest + (rule in _EXPR_RULES or rule in _CHAIN_RULES)
        stack = [tree]
        while stack:  # report the outermost expression that is too deep
            node = stack.pop()
            if depth[id(node)] > MAX_EXPR_DEPTH and (
                str(node.data) in _EXPR_RULES or str(node.data) in _CHAIN_RULES
            ):
                start, end = _tree_span(node)
                self.error(
                    "QL0006",
                    f"expression nested too deeply: {depth[id(node)]} levels (limit "
                    f"{MAX_EXPR_DEPTH})",
                    start,
                    end,
                    help="split it into `let`/`const` steps",
                )
                continue
            stack.extend(c for c in reversed(node.children) if isinstance(c, Tree))

    def add_comment(self, tok: Token, doc: bool) -> None:
        start = tok.start_pos or 0
        self.comments.append(Comment(str(tok), self.span(start, start + len(tok)), doc))

    # -- pre-scan: brackets, nesting depth, strings, comments ---------------------
    def _prescan(self, text: str) -> bool:
        """Bracket balance and nesting depth on a light token scan."""
        stack: list[tuple[str, int]] = []
        i, n = 0, len(text)
        ok = True  # False only for problems the parser cannot get past
        while i < n:
            ch = text[i]
            if ch == "/" and text.startswith("//", i):
                j = text.find("\n", i)
                i = n if j < 0 else j
                continue
            if ch == "/" and text.startswith("/*", i):
                j = text.find("*/", i + 2)
                if j < 0:
                    self.error(
                        "QL0008",
                        "unterminated block comment",
                        i,
                        i + 2,
                        help="close the comment with `*/`",
                    )
                    return False
                i = j + 2
                continue
            if ch == '"':
                j = i + 1
                while j < n and text[j] not in '"\n':
                    j += 2 if text[j] == "\\" else 1
                if j >= n or text[j] != '"':
                    self.error(
                        "QL0007",
                        "unterminated string",
                        i,
                        min(j, n),
                        help='close the string with `"` on the same line',
                    )
                    ok = False
                    i = j
                    continue
                i = j + 1
                continue
            if ch in "([{":
                stack.append((ch, i))
                if len(stack) > MAX_NESTING:
                    self.error(
                        "QL0006",
                        f"brackets nested more than {MAX_NESTING} deep",
                        i,
                        i + 1,
                        help="split the expression or loop nest into smaller parts",
                    )
                    return False
            elif ch in ")]}":
                if not stack:
                    self.error(
                        "QL0005",
                        f"unmatched closing `{ch}`",
                        i,
                        i + 1,
                        help=f"remove this `{ch}` or add its opening bracket",
                    )
                else:
                    opener, pos = stack.pop()
                    if _CLOSERS[opener] != ch:
                        self.error(
                            "QL0005",
                            f"mismatched `{ch}`: expected `{_CLOSERS[opener]}`",
                            i,
                            i + 1,
                            labels=[Label(self.span(pos, pos + 1), f"`{opener}` opened here")],
                            help=f"close `{opener}` with `{_CLOSERS[opener]}`",
                        )
            i += 1
        for opener, pos in stack[:1]:
            self.error(
                "QL0004",
                f"`{opener}` is never closed",
                pos,
                pos + 1,
                help=f"add the closing `{_CLOSERS[opener]}`",
            )
        return ok

    # -- error recovery ------------------------------------------------------
    def _on_error(self, e: UnexpectedInput) -> bool:
        self._report(e)
        if len(self.diags) >= MAX_ERRORS:
            return False
        if isinstance(e, UnexpectedToken):
            if e.token.type == "$END":
                return False
            ip = e.interactive_parser
            for name in _INSERTABLE:
                if name not in e.expected:
                    continue
                trial = _probe(ip)
                try:
                    trial.feed_token(Token(name, ""))
                    trial.feed_token(e.token)
                except UnexpectedInput:
                    continue
                try:
                    ip.feed_token(Token(name, ""))
                    ip.feed_token(e.token)
                    return True
                except UnexpectedInput:
                    continue
            return True  # skip the offending token
        return True  # skip the offending character

    def _report(self, e: UnexpectedInput) -> None:
        if isinstance(e, UnexpectedCharacters):
            pos = e.pos_in_stream or 0
            ch = self.src.text[pos : pos + 1]
            self.error(
                "QL0001",
                f"unexpected character `{ch}`",
                pos,
                pos + 1,
                help="remove it; qlang source uses ASCII operators",
            )
            return
        if not isinstance(e, UnexpectedToken):
            self.error("QL0003", "syntax error", 0, 1)
            return
        tok = e.token
        expected = sorted(_expected_terminals(e))
        value_stack = []
        try:
            value_stack = list(e.interactive_parser.parser_state.value_stack)
        except AttributeError:  # pragma: no cover - lark internals changed
            pass
        prev_end = _end_pos(value_stack[-1]) if value_stack else None
        if tok.type == "$END":
            end = len(self.src.text)
            self.error(
                "QL0004",
                f"unexpected end of file, expected {_describe(expected)}",
                max(0, end - 1),
                end,
            )
            return
        start = tok.start_pos or 0
        end = tok.end_pos or start + 1
        found = _token_text(tok)
        if "SEMICOLON" in expected and prev_end is not None and tok.type != "SEMICOLON":
            kind = _statement_kind(value_stack)
            self.error(
                "QL0002",
                f"expected `;` after {kind}, found {found}",
                prev_end,
                prev_end + 1,
                help=f"add `;` at the end of the {kind}",
            )
            return
        help_text = None
        if tok.type == "NAME":
            keywords = [k for k in _KEYWORDS if k.upper() in expected] or (
                list(_TOP_LEVEL) if "CIRCUIT" in expected else []
            )
            help_text = did_you_mean(str(tok), keywords)
        if "CIRCUIT" in expected and "MODEL" in expected:
            self.error(
                "QL0009",
                f"expected a definition (`circuit`, `gate`, `observable`, "
                f"`model`, `import` or `const`), found {found}",
                start,
                end,
                help=help_text or "every top-level item starts with one of these keywords",
            )
            return
        self.error(
            "QL0003", f"expected {_describe(expected)}, found {found}", start, end, help=help_text
        )


def _tree_span(node: Tree) -> tuple[int, int]:
    meta = node.meta
    if getattr(meta, "empty", True):
        return 0, 1
    return meta.start_pos, min(meta.end_pos, meta.start_pos + 1 + 80)


def _expected_terminals(e: UnexpectedToken) -> set[str]:
    """Terminals the parser state accepts (keywords included, unlike ``e.expected``)."""
    state = e.interactive_parser.parser_state if e.interactive_parser else e.state
    try:
        keys = state.parse_conf.states[state.position].keys()
    except (AttributeError, KeyError):  # pragma: no cover - lark internals changed
        return set(e.expected)
    return {k for k in keys if k.isupper() or k == "$END"}


def _end_pos(item: object) -> int | None:
    if isinstance(item, Token):
        return item.end_pos
    if isinstance(item, Tree) and not item.meta.empty:
        return item.meta.end_pos
    return None


def _statement_kind(stack: list[object]) -> str:
    for item in reversed(stack):
        if isinstance(item, Token):
            if item.type in _STATEMENT_KEYWORDS:
                return _STATEMENT_KEYWORDS[item.type]
            if item.type in ("LBRACE", "SEMICOLON", "RBRACE"):
                break
    return "gate statement"


def _token_text(tok: Token) -> str:
    text = str(tok)
    if tok.type == "NAME" and text in _KEYWORDS:
        return f"keyword `{text}`"
    if not text:
        return _FRIENDLY.get(tok.type, tok.type.lower())
    if len(text) > 20:
        text = text[:17] + "..."
    return f"`{text}`"


_GROUPS = (
    ("a statement", {"FOR", "REPEAT", "IF", "LET", "MEASURE", "RESET", "BARRIER"}),
    ("an expression", {"NUMBER", "STRING", "NAME", "LPAR", "LSQB", "PAULI_NUM"}),
    ("a model entry", {"INPUT", "WEIGHT", "NAME", "RBRACE"}),
)
_GROUP_EXTRAS = {
    "a statement": {"NAME", "BIT", "QUBIT"},
    "an expression": {"ADD_OP", "NOT", "TRUE", "FALSE", "PAULI_LETTER"},
    "a model entry": set(),
}


def _describe(expected: list[str]) -> str:
    parser = _lark()
    names: list[str] = []
    remaining = set(expected)
    if len(remaining) > 1:
        remaining.discard("ELSE")  # an optional `else` is never the interesting expectation
    for label, members in _GROUPS:
        if members <= remaining:
            names.append(label)
            remaining -= members | _GROUP_EXTRAS[label]
    for term in sorted(remaining):
        if term in _FRIENDLY:
            names.append(_FRIENDLY[term])
            continue
        try:
            pattern = parser.get_terminal(term).pattern
        except KeyError:
            names.append(term.lower())
            continue
        if pattern.type == "str":
            names.append(f"`{pattern.value}`")
        else:
            names.append(term.lower())
    names = sorted(set(names), key=lambda s: (not s.startswith("`"), s))
    names = [n for n in names if n]
    if len(names) > 6:
        names = names[:6] + ["..."]
    if len(names) == 1:
        return names[0]
    return "one of " + ", ".join(names)


def _probe(ip: Any) -> Any:
    """A copy of the interactive parser ``ip`` for trying tokens: the value stack is shared,
    not deep-copied, and reductions build no trees (as ``InteractiveParser.accepts`` does).

    A deep copy of the trees parsed so far made each recovery step cost O(file): a bracket
    left open near the top of a 300-line file took 55 ms of CPU per keystroke in the editor.
    """
    trial = ip.copy(deepcopy_values=False)
    conf = copy.copy(trial.parser_state.parse_conf)
    conf.callbacks = {}
    trial.parser_state.parse_conf = conf
    return trial
