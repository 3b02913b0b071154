"""Error codes of the pass manager and the passes (QL0550-QL0599).

Every code is documented in ``docs/errors/passes.md`` with a bad example and
the fix.

Example::

    >>> err = pass_error("QL0551", "unknown pass `cancel`", help="did you mean `cancel-inverses`?")
    >>> err.codes
    ['QL0551']
"""

from __future__ import annotations

from qlang.diagnostics import Diagnostic, QLangError

#: code -> short title (kept in sync with docs/errors/passes.md by a test).
CODES: dict[str, str] = {
    "QL0550": "malformed pass pipeline specification",
    "QL0551": "unknown pass name",
    "QL0552": "unknown pass option",
    "QL0553": "invalid pass option value",
    "QL0554": "pass requirement not met by the pipeline",
    "QL0555": "fixed-point iteration limit exceeded",
    "QL0556": "`--print-ir-after` names a pass that is not in the pipeline",
    "QL0557": "invalid optimisation level",
    "QL0560": "unknown gate in a basis",
    "QL0561": "basis is not universal",
    "QL0562": "symbolic rotation cannot be expressed in a finite gate set",
    "QL0563": "invalid synthesis precision",
    "QL0564": "gate cannot be translated to the basis",
}


def pass_error(
    code: str, message: str, *, help: str | None = None, notes: tuple[str, ...] = ()
) -> QLangError:
    """A :class:`QLangError` carrying one coded diagnostic of this area."""
    if code not in CODES:  # pragma: no cover - programming error
        raise KeyError(code)
    return QLangError([Diagnostic.error(code, message, help=help, notes=notes)])
