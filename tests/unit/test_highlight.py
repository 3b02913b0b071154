"""Syntax highlighting: the Pygments lexer and the TextMate grammar against the Lark grammar.

Both highlighters are built from qlang/highlight/tokens.py; these tests compare that table
with grammar/qlang.lark (keywords, operators, terminal patterns) and check, token by token,
that both highlighters classify every example and stdlib file as the parser lexes it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lark import Token

from qlang.highlight.tokens import CLASSES, KEYWORDS, OPERATORS, PUNCTUATION, TERMINALS
from qlang.parser import _lark

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "examples").glob("*.qml")) + sorted((ROOT / "stdlib").glob("*.qml"))
TM_PATH = ROOT / "editors" / "vscode" / "syntaxes" / "qlang.tmLanguage.json"
COMMENTS = {
    "DOC_COMMENT": "doc_comment",
    "LINE_COMMENT": "line_comment",
    "BLOCK_COMMENT": "block_comment",
}
SIMPLE = {"NUMBER": "number", "STRING": "string", "PAULI_NUM": "pauli", "PAULI_LETTER": "pauli"}
NAME_CLASSES = {"name", "call", "key", "definition"}


def lark_keywords() -> set[str]:
    return {
        t.pattern.value
        for t in _lark().terminals
        if t.pattern.type == "str" and t.pattern.value.isalpha()
    }


def lark_symbols() -> set[str]:
    out = {
        t.pattern.value
        for t in _lark().terminals
        if t.pattern.type == "str" and not t.pattern.value.isalpha()
    }
    for name in ("COMP_OP", "ADD_OP", "MUL_OP"):
        regex = _lark().get_terminal(name).pattern.value
        alternatives = regex.removeprefix("(?:").removesuffix(")").split("|")
        out |= {re.sub(r"\\(.)", r"\1", a) for a in alternatives}
    return out


def parser_tokens(text: str) -> list[Token]:
    """Tokens exactly as the parser's contextual lexer produces them, plus comments."""
    ip = _lark().parse_interactive(text)
    toks = [t for t in ip.iter_parse() if t.type != "$END"]
    comments = [t for t in _lark().lex(text, dont_ignore=True) if t.type in COMMENTS]
    return sorted(toks + comments, key=lambda t: t.start_pos or 0)


def expected_classes(tok: Token) -> set[str]:
    if tok.type in COMMENTS:
        return {COMMENTS[tok.type]}
    if tok.type in SIMPLE:
        return {SIMPLE[tok.type]}
    if tok.type == "NAME":
        return NAME_CLASSES
    value = str(tok)
    if value in KEYWORDS:
        return {KEYWORDS[value]}
    if value in OPERATORS:
        return {"operator"}
    if value in PUNCTUATION:
        return {"punctuation"}
    if tok.type in ("COMP_OP", "ADD_OP", "MUL_OP"):
        return {"operator"}
    raise AssertionError(f"unclassified parser token {tok.type} {value!r}")


# --- the table against the grammar -------------------------------------------------------


def test_every_lark_keyword_is_classified_and_nothing_else() -> None:
    assert set(KEYWORDS) == lark_keywords()
    assert set(KEYWORDS.values()) <= set(CLASSES)


def test_every_lark_operator_and_bracket_is_known() -> None:
    assert set(OPERATORS) | set(PUNCTUATION) == lark_symbols()


def test_terminal_patterns_are_the_grammars() -> None:
    for name, regex in TERMINALS.items():
        lark_regex = _lark().get_terminal(name).pattern.value.replace("\n", "\\n")
        assert lark_regex == regex, name


# --- Pygments ---------------------------------------------------------------------------

pygments = pytest.importorskip("pygments")


def _pygments_tokens(text: str) -> list[tuple[int, str, str]]:
    from qlang.highlight.lexer import QLangLexer

    return [(i, str(t), v) for i, t, v in QLangLexer().get_tokens_unprocessed(text)]


def _class_of_pygments(token: str) -> set[str]:
    from pygments.token import string_to_tokentype

    return {cls for cls, c in CLASSES.items() if str(string_to_tokentype(c.pygments)) == token}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_pygments_lexes_like_the_parser(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    toks = _pygments_tokens(text)
    assert not [t for t in toks if t[1] == "Token.Error"], "error tokens"
    by_start = {i: (t, v) for i, t, v in toks}
    for tok in parser_tokens(text):
        start = tok.start_pos or 0
        assert start in by_start, f"{path.name}: no highlight token starts at {tok!r}"
        ptype, value = by_start[start]
        assert value == str(tok), f"{path.name}:{tok.line}: {value!r} != {str(tok)!r}"
        got = _class_of_pygments(ptype)
        assert got & expected_classes(tok), f"{path.name}:{tok.line}: {tok!r} is {ptype}"


def test_pygments_marks_bad_characters_and_knows_every_keyword() -> None:
    toks = _pygments_tokens("circuit c() on q[1] { h q[0]; $ }")
    assert ("Token.Error", "$") in [(t, v) for _, t, v in toks]
    for kw, cls in KEYWORDS.items():
        first = _pygments_tokens(f"{kw} x")[0]
        assert first[2] == kw and cls in _class_of_pygments(first[1]), (kw, first)


def test_pygments_entry_point() -> None:
    from pygments.lexers import get_lexer_by_name

    assert type(get_lexer_by_name("qlang")).__name__ == "QLangLexer"


# --- TextMate ---------------------------------------------------------------------------


def test_textmate_grammar_file_is_generated() -> None:
    from qlang.highlight.__main__ import main

    assert main(["--check", str(ROOT)]) == 0, "run `python -m qlang.highlight`"
    assert json.loads(TM_PATH.read_text())["scopeName"] == "source.qlang"


def _tm_parser():  # type: ignore[no-untyped-def]
    engine = pytest.importorskip("textmate_grammar.parsers.base")
    return engine.LanguageParser(json.loads(TM_PATH.read_text(encoding="utf-8")))


def _tm_scopes(text: str) -> list[set[str]]:
    """The scopes of every character of ``text``."""
    element = _tm_parser().parse_string(text)
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    out: list[set[str]] = [set() for _ in text]
    for (line, col), value, scopes in element.flatten():
        at = starts[line] + col
        for k in range(len(value)):
            out[at + k] = set(scopes)
    return out


def _class_of_scopes(scopes: set[str]) -> set[str]:
    return {cls for cls, c in CLASSES.items() if c.scope in scopes}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_textmate_lexes_like_the_parser(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    scopes = _tm_scopes(text)
    assert not [s for s in scopes if any(x.startswith("invalid") for x in s)], "error tokens"
    for tok in parser_tokens(text):
        start, end = tok.start_pos or 0, tok.end_pos or 0
        for k in range(start, end):
            got = _class_of_scopes(scopes[k])
            if tok.type == "BLOCK_COMMENT" and text[k] == "\n":
                continue
            assert got & expected_classes(tok), f"{path.name}:{tok.line}: {tok!r} is {scopes[k]}"


def test_textmate_marks_bad_characters_and_knows_every_keyword() -> None:
    scopes = _tm_scopes("h q[0]; $")
    assert "invalid.illegal.character.qlang" in scopes[-1]
    for kw, cls in KEYWORDS.items():
        scopes = _tm_scopes(f"{kw} x")
        for k in range(len(kw)):
            assert CLASSES[cls].scope in scopes[k], (kw, scopes[k])
