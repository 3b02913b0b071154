"""Codes of the lexer, the parser and the file reader (QL0001-QL0099): pure data.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0002"].title
    'missing `;` after a statement'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "frontend",
    "Syntax and file errors",
    "Raised while a `.qml` file is read, scanned and parsed (`qlang/fileio.py`, "
    "`qlang/parser.py`, `qlang/ast_builder.py`), before any name is resolved. The parser "
    "recovers from a missing `;`, `)`, `]`, `}` or `,` where it can, so one run reports "
    "several errors (at most one per line and 20 per file).",
    "QL0001",
    "QL0099",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0001",
        "unexpected character",
        "circuit c() on q[1] { h q[0]; $ }",
        "circuit c() on q[1] { h q[0]; }",
        "A character that cannot start any token (such as `$`, `#` or `?`).",
    ),
    ErrorInfo(
        "QL0002",
        "missing `;` after a statement",
        "circuit c() on q[2] {\n  h q[0]\n  cx q[0], q[1];\n}",
        "circuit c() on q[2] {\n  h q[0];\n  cx q[0], q[1];\n}",
        "Circuit-level statements end with `;`, as in OpenQASM 3.",
    ),
    ErrorInfo(
        "QL0003",
        "unexpected token",
        "model m { data = iris( }",
        "model m { data = iris() }",
        "The parser found a token that cannot continue what came before; the message lists "
        "what it expected.",
    ),
    ErrorInfo(
        "QL0004",
        "unexpected end of file / unclosed bracket",
        "circuit c() on q[1] {\n  h q[0];\n",
        "circuit c() on q[1] {\n  h q[0];\n}",
        "The file ended inside a definition, usually because a `{`, `(` or `[` was never closed.",
    ),
    ErrorInfo(
        "QL0005",
        "unmatched or mismatched closing bracket",
        "const xs = [1, 2);",
        "const xs = [1, 2];",
        "A closing bracket that does not match the innermost open one.",
    ),
    ErrorInfo(
        "QL0006",
        "input nested too deeply",
        "const x = ((((((((((...))))))))));  // more than 100 levels",
        "const x = 1;",
        "Brackets nested more than 100 levels deep, an expression nested more than 100 "
        "levels (calls, indexing, unary and power operators, brackets), or a flat chain "
        "`a + b + ...` of more than 10,000 operands are rejected instead of exhausting "
        "the stack. A flat chain counts as one level: it is evaluated in a loop.",
    ),
    ErrorInfo(
        "QL0007",
        "unterminated string",
        'circuit c(s: str = "full) on q[1] { h q[0]; }',
        'circuit c(s: str = "full") on q[1] { h q[0]; }',
        "Strings end on the line they start.",
    ),
    ErrorInfo(
        "QL0008",
        "unterminated block comment",
        "/* a comment\ncircuit c() on q[1] { h q[0]; }",
        "/* a comment */\ncircuit c() on q[1] { h q[0]; }",
    ),
    ErrorInfo(
        "QL0009",
        "expected a definition at the top level",
        "circut c() on q[1] { h q[0]; }",
        "circuit c() on q[1] { h q[0]; }",
        "A file holds `import`, `const`, `circuit`, `gate`, `observable` and `model` items; "
        "misspelt keywords get a suggestion.",
    ),
    ErrorInfo(
        "QL0010",
        "file cannot be read",
        "qlang check missing.qml",
        "qlang check examples/havlicek_vqc.qml",
        "The path does not exist, is a directory, or is not readable.",
    ),
    ErrorInfo(
        "QL0011",
        "file is not UTF-8 text",
        "(a file saved as Latin-1 or a binary file)",
        "(save the file as UTF-8)",
    ),
    ErrorInfo(
        "QL0012",
        "member access on an expression that is not a name",
        "model m { data = iris().train }",
        'model m { data = iris(split = "train") }',
        "`a.b` is only used for module-qualified names such as `encodings.angle`.",
    ),
    ErrorInfo(
        "QL0013",
        "number literal too long",
        "const n = 1000000000000000000000000000000000000000000 ... (5000 digits);",
        "const n = 1e6;",
        "A number literal has at most 400 characters; integers beyond 2**62 are refused "
        "anyway (`QL0208`).",
    ),
)
