"""Raising a coded error of the pass manager and the passes (QL0550-QL0579).

The codes, with a bad example and the fix for each, are registered in
:mod:`qlang.codes.passes` (``docs/errors/passes.md``).

Example::

    >>> err = pass_error("QL0551", "unknown pass `cancel`", help="did you mean `cancel-inverses`?")
    >>> err.codes
    ['QL0551']
"""

from __future__ import annotations

from qlang.codes import CODES
from qlang.diagnostics import Diagnostic, QLangError


def pass_error(
    code: str, message: str, *, help: str | None = None, notes: tuple[str, ...] = ()
) -> QLangError:
    """A :class:`QLangError` carrying one coded diagnostic of this area."""
    if code not in CODES:  # pragma: no cover - programming error
        raise KeyError(code)
    return QLangError([Diagnostic.error(code, message, help=help, notes=notes)])
