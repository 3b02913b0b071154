"""The registry of diagnostic codes: every code with its title, a bad example and the fix.

Each area of qlang keeps its codes in one pure-data module here, imported explicitly
below: an :class:`Area` (its page under ``docs/errors/``, a title, an intro, its code
range) and a tuple of :class:`ErrorInfo`. Nothing registers itself. A duplicate code, or a
code outside its area's range, is a programming error and fails the import.
``python -m qlang.codes`` writes ``docs/errors.md`` and ``docs/errors/<area>.md`` from
:func:`render_docs`; a test keeps them in sync.

Example::

    >>> CODES["QL0002"].title
    'missing `;` after a statement'
    >>> area_of("QL0551").page
    'docs/errors/passes.md'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from qlang.codes import (
    backends,
    cli,
    cutting,
    data,
    files,
    frontend,
    limits,
    passes,
    routing,
    runs,
    runtime,
    semantics,
    sweeps,
    targets,
    training,
)
from qlang.codes.info import Area, ErrorInfo
from qlang.codes.render import render_pages

__all__ = ["AREAS", "CODES", "Area", "ErrorInfo", "area_of", "entries", "render_docs"]

_CODE = re.compile(r"QL\d{4}")


def build(areas: Iterable[tuple[Area, tuple[ErrorInfo, ...]]]) -> dict[str, ErrorInfo]:
    """``code -> ErrorInfo`` in code order; ``ValueError`` on a malformed registry.

    >>> area = Area("demo", "Demo errors", "", "QL0900", "QL0949")
    >>> build([(area, (ErrorInfo("QL0950", "late", "a", "b"),))])
    Traceback (most recent call last):
    ...
    ValueError: QL0950 is outside the range QL0900-QL0949 of area `demo`
    """
    codes: dict[str, ErrorInfo] = {}
    seen: list[Area] = []
    for area, items in areas:
        for other in seen:
            if area.first <= other.last and other.first <= area.last:
                raise ValueError(f"areas `{other.name}` and `{area.name}` overlap")
        seen.append(area)
        for info in items:
            if not _CODE.fullmatch(info.code):
                raise ValueError(f"malformed code {info.code!r} in area `{area.name}`")
            if not area.covers(info.code):
                raise ValueError(
                    f"{info.code} is outside the range {area.first}-{area.last} "
                    f"of area `{area.name}`"
                )
            if info.code in codes:
                raise ValueError(f"duplicate code {info.code} in area `{area.name}`")
            codes[info.code] = info
    return dict(sorted(codes.items()))


_MODULES = (
    frontend,
    semantics,
    data,
    targets,
    passes,
    routing,
    runtime,
    training,
    backends,
    files,
    limits,
    runs,
    cli,
    sweeps,
    cutting,
)

#: The areas in code order, each with its page and range.
AREAS: tuple[Area, ...] = tuple(m.AREA for m in _MODULES)

#: Every diagnostic code qlang can print, in code order.
CODES: dict[str, ErrorInfo] = build((m.AREA, m.ENTRIES) for m in _MODULES)


def area_of(code: str) -> Area:
    """The area whose range holds ``code`` (``KeyError`` if none does)."""
    for area in AREAS:
        if area.covers(code):
            return area
    raise KeyError(code)


def entries(area: Area) -> tuple[ErrorInfo, ...]:
    """The codes of ``area``, in code order."""
    return tuple(e for e in CODES.values() if area.covers(e.code))


def render_docs() -> dict[str, str]:
    """``path relative to the repository root -> text`` of every generated error page."""
    return render_pages([(area, entries(area)) for area in AREAS])
