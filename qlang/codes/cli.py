"""Codes of the command line itself (QL0880-QL0899): pure data.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0880"].title
    'command-line usage error'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "cli",
    "Command-line errors",
    "Raised by the `qlang` command before it reads any file. Every command follows one "
    "exit-code contract: 0 success, 1 bad input or usage (a coded diagnostic, never a "
    "traceback), 2 an internal error (a bug in qlang: a short message; the traceback "
    "only with `qlang --debug` or `QLANG_DEBUG=1`).",
    "QL0880",
    "QL0899",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0880",
        "command-line usage error",
        "qlang train m.qml --epochz 3",
        "qlang train m.qml --epochs 3",
        "An unknown command or option, a missing argument, or a value of the wrong kind. "
        "`qlang COMMAND --help` lists the options.",
    ),
)
