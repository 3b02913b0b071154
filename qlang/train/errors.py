"""Coded user errors raised by the training runtime (data: QL04xx, training: QL065x-QL069x).

Example::

    >>> try:
    ...     fail("QL0650", "unknown optimizer `adamm`", help="did you mean `adam`?")
    ... except QLangError as err:
    ...     err.codes
    ['QL0650']
"""

from __future__ import annotations

from typing import NoReturn

from qlang.diagnostics import Diagnostic, QLangError
from qlang.source import Span


def fail(
    code: str,
    message: str,
    span: Span | None = None,
    *,
    help: str | None = None,
    notes: tuple[str, ...] = (),
) -> NoReturn:
    """Raise a :class:`QLangError` carrying one coded diagnostic."""
    raise QLangError([Diagnostic.error(code, message, span, help=help, notes=notes)])
