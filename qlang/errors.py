"""The registry of diagnostic codes: title, a bad example and the fix for each.

``docs/errors.md`` is generated from this table (``python -m qlang.errors``)
and a test keeps the two in sync. Codes are grouped by phase:

- ``QL00xx`` syntax and files, ``QL01xx`` names and imports,
  ``QL02xx`` types, shapes and values, ``QL03xx`` models,
  ``QL04xx`` data, ``QL05xx`` compilation and targets, ``QL06xx`` runtime.

Example::

    >>> CODES["QL0002"].title
    'missing `;` after a statement'
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    code: str
    title: str
    bad: str
    fix: str
    explanation: str = ""


_ENTRIES = [
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
        "The parser found a token that cannot continue what came before; the message "
        "lists what it expected.",
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
        "Brackets nested more than 100 levels deep (or an equally deep expression) are "
        "rejected instead of exhausting the stack.",
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
        "A file holds `import`, `const`, `circuit`, `gate`, `observable` and `model` "
        "items; misspelt keywords get a suggestion.",
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
]

CODES: dict[str, ErrorInfo] = {e.code: e for e in _ENTRIES}


def register(info: ErrorInfo) -> None:
    """Add a code (used by the semantic, target and runtime modules)."""
    if info.code in CODES and CODES[info.code] != info:
        raise ValueError(f"duplicate error code {info.code}")
    CODES[info.code] = info


def render_markdown() -> str:
    """The text of ``docs/errors.md``."""
    _load_all()
    out = [
        "# Error codes",
        "",
        "Every diagnostic qlang prints has a code. This page is generated from",
        "`qlang/errors.py` (`python -m qlang.errors > docs/errors.md`); a test keeps it in sync.",
        "",
    ]
    out += [
        "The pass manager, routing and simulator codes (QL055x-QL059x, QL060x) are documented",
        "with their examples in the area pages: [passes](errors/passes.md),",
        "[routing](errors/routing.md), [runtime](errors/runtime.md); the semantic, target and",
        "training codes also have area pages under `docs/errors/`.",
        "",
    ]
    for code in sorted(CODES):
        e = CODES[code]
        out += [f"## {code}: {e.title}", ""]
        if e.explanation:
            out += [e.explanation, ""]
        out += ["Bad:", "", "```", e.bad, "```", "", "Fixed:", "", "```", e.fix, "```", ""]
    return "\n".join(out)


def _load_all() -> None:
    """Import the modules that register their codes."""
    import importlib

    for mod in (
        "qlang.semantics.codes",
        "qlang.train.training_codes",
        "qlang.targets.codes",
    ):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError:
            continue


if __name__ == "__main__":
    # Import the canonical module: under ``python -m`` this file runs as ``__main__``,
    # a second copy whose registry the other modules never see.
    from qlang.errors import render_markdown as _render

    sys.stdout.write(_render())
