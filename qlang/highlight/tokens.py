"""The one table of qlang's lexical classes, shared by the Pygments lexer and the
TextMate grammar, and tested against ``grammar/qlang.lark`` so they cannot drift.

Each keyword of the Lark grammar is listed once with its class; the token patterns
(numbers, strings, names, Pauli terms, comments) are the grammar's own terminal
patterns. ``tests/unit/test_highlight.py`` compares both with the Lark grammar and
checks that every example and stdlib file highlights with no error token.

Example::

    >>> KEYWORDS["circuit"], KEYWORDS["true"]
    ('declaration', 'constant')
    >>> CLASSES["declaration"].scope
    'storage.type.qlang'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CLASSES", "KEYWORDS", "OPERATORS", "PATTERNS", "PUNCTUATION", "Class", "keyword_regex"]


@dataclass(frozen=True, slots=True)
class Class:
    """A lexical class: its Pygments token type (dotted name) and its TextMate scope."""

    pygments: str
    scope: str


CLASSES: dict[str, Class] = {
    "declaration": Class("Keyword.Declaration", "storage.type.qlang"),
    "namespace": Class("Keyword.Namespace", "keyword.control.import.qlang"),
    "control": Class("Keyword", "keyword.control.qlang"),
    "type": Class("Keyword.Type", "support.type.qlang"),
    "statement": Class("Keyword.Reserved", "keyword.other.qlang"),
    "modifier": Class("Keyword.Pseudo", "storage.modifier.qlang"),
    "constant": Class("Keyword.Constant", "constant.language.qlang"),
    "logical": Class("Operator.Word", "keyword.operator.logical.qlang"),
    "doc_comment": Class("Comment.Special", "comment.line.documentation.qlang"),
    "line_comment": Class("Comment.Single", "comment.line.double-slash.qlang"),
    "block_comment": Class("Comment.Multiline", "comment.block.qlang"),
    "string": Class("String.Double", "string.quoted.double.qlang"),
    "number": Class("Number", "constant.numeric.qlang"),
    "pauli": Class("Name.Constant", "constant.other.pauli.qlang"),
    "definition": Class("Name.Function", "entity.name.function.qlang"),
    "call": Class("Name.Function", "entity.name.function.call.qlang"),
    "key": Class("Name.Attribute", "variable.parameter.qlang"),
    "name": Class("Name", "variable.other.qlang"),
    "operator": Class("Operator", "keyword.operator.qlang"),
    "punctuation": Class("Punctuation", "punctuation.qlang"),
    "error": Class("Error", "invalid.illegal.character.qlang"),
}

#: Every keyword of grammar/qlang.lark (its alphabetic literals) and its class.
KEYWORDS: dict[str, str] = {
    "circuit": "declaration",
    "gate": "declaration",
    "observable": "declaration",
    "model": "declaration",
    "const": "declaration",
    "let": "declaration",
    "import": "namespace",
    "as": "namespace",
    "for": "control",
    "in": "control",
    "repeat": "control",
    "if": "control",
    "else": "control",
    "on": "control",
    "weight": "type",
    "input": "type",
    "qubit": "type",
    "bit": "type",
    "measure": "statement",
    "reset": "statement",
    "barrier": "statement",
    "frozen": "modifier",
    "true": "constant",
    "false": "constant",
    "and": "logical",
    "or": "logical",
    "not": "logical",
}

#: Keywords that introduce a named definition (the name is highlighted as one).
DEFINING = ("circuit", "gate", "observable", "model")

#: Every operator of the grammar (longest first, so ``**`` wins over ``*``).
OPERATORS: tuple[str, ...] = (
    "|>",
    "->",
    "..",
    "**",
    "==",
    "!=",
    "<=",
    ">=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "=",
    "@",
    ":",
)
#: Brackets and separators of the grammar.
PUNCTUATION: tuple[str, ...] = ("(", ")", "[", "]", "{", "}", ",", ";", ".")

#: The grammar's own terminal patterns (compared with grammar/qlang.lark by a test).
TERMINALS: dict[str, str] = {
    "PAULI_NUM": r"[XYZI][0-9]+(?![A-Za-z_])",
    "PAULI_LETTER": r"[XYZI](?![A-Za-z0-9_])",
    "NAME": r"[A-Za-z_][A-Za-z0-9_]*",
    "NUMBER": r"(\d+\.(?!\.)\d*|\.\d+|\d+)([eE][+-]?\d+)?",
    "STRING": r'"(?:[^"\\\n]|\\.)*"',
    "DOC_COMMENT": r"\/\/\/[^\n]*",
    "LINE_COMMENT": r"\/\/(?!\/)[^\n]*",
    "BLOCK_COMMENT": r"\/\*(.|\n)*?\*\/",
}


def keyword_regex(names: list[str] | tuple[str, ...]) -> str:
    """``\\b(?:a|b)\\b`` for whole words, longest first."""
    return r"\b(?:" + "|".join(sorted(names, key=lambda s: (-len(s), s))) + r")\b"


def _escape(text: str) -> str:
    return "".join("\\" + c if not c.isalnum() else c for c in text)


_NAME = TERMINALS["NAME"]

#: ``(class, regex)`` in matching order; both highlighters are built from this list.
#: ``definition`` has three groups: the keyword, the blank, the defined name.
PATTERNS: tuple[tuple[str, str], ...] = (
    ("doc_comment", TERMINALS["DOC_COMMENT"]),
    ("line_comment", TERMINALS["LINE_COMMENT"]),
    ("block_comment", r"\/\*[\s\S]*?\*\/"),
    ("string", TERMINALS["STRING"]),
    ("definition", rf"\b({'|'.join(DEFINING)})(\s+)({_NAME})"),
    # a setting or keyword argument (`reps = 2`, `circuit = qcnn()` in a model)
    ("key", rf"\b{_NAME}(?=[ \t]*=(?!=))"),
    # keywords; `circuit`, `gate`, `observable`, `model` only before the name they define
    # (elsewhere they are names: `observable = ising()`, `minimize(observable)`)
    *(
        (cls, keyword_regex([k for k, c in KEYWORDS.items() if c == cls and k not in DEFINING]))
        for cls in dict.fromkeys(KEYWORDS.values())
        if any(c == cls and k not in DEFINING for k, c in KEYWORDS.items())
    ),
    ("pauli", rf"\b(?:{TERMINALS['PAULI_NUM']}|{TERMINALS['PAULI_LETTER']})"),
    ("number", TERMINALS["NUMBER"]),
    ("call", rf"{_NAME}(?=\s*\()"),
    ("name", _NAME),
    ("operator", "|".join(_escape(o) for o in OPERATORS)),
    ("punctuation", "[" + "".join("\\" + p for p in PUNCTUATION) + "]"),
)
