"""The documentation tables of the catalog, kept between markers in docs/*.md.

A page holds ``<!-- catalog:KIND -->`` ... ``<!-- /catalog:KIND -->``; the text in
between is :func:`table` of that kind. ``python -m qlang.catalog`` rewrites the
pages; a test fails when one is out of date.

Example::

    >>> print(table("backend").splitlines()[-1])
    | `tket` | `name`; `optimisation_level = none` integer in [0, 3] | yes | a pytket backend (pytket-qiskit): the qlang-compiled circuit, every row of a batch in one process_circuits call; `AerBackend` samples, `AerStateBackend` and `AerDensityMatrixBackend` are exact |
"""

from __future__ import annotations

import re
from pathlib import Path

from qlang.catalog import CATALOG, KINDS
from qlang.catalog.schema import CALL, CALLS, CHOICE, Entry, Param, value_text

#: the pages that hold catalog tables, relative to the repository root
PAGES = ("docs/language.md", "docs/training.md")

_MARKER = re.compile(r"(<!-- catalog:(\w+) -->\n)(.*?)(<!-- /catalog:\2 -->)", re.S)


def _arg(entry: Entry, p: Param) -> str:
    text = f"`{p.signature()}`" if not entry.value_key else ""
    allowed = p.allowed()
    if p.type == CHOICE or p.range is not None or p.choices or entry.value_key:
        text += (" " if text else "") + allowed
    if entry.value_key and not p.required:
        default = p.default if p.type not in (CALL, CALLS) else _bare(p.default)
        text += f" (default `{value_text(default)}`)"
    return text.replace("|", "\\|")


def _bare(v: object) -> object:
    """Names of call-typed defaults shown as written (``auto``, not ``"auto"``)."""
    if isinstance(v, str):
        from qlang.ir.model import Call

        return Call(v)
    return v


def _status(entry: Entry) -> str:
    return "yes" if entry.status.ok else "not yet (`QL0311`)"


def table(kind: str) -> str:
    """A markdown table of every entry of ``kind``: name, arguments, status, doc."""
    entries = CATALOG[kind].values()
    scoped = any(e.tasks for e in entries)
    head = "| name | arguments | runs |" + (" tasks |" if scoped else "") + " what it does |"
    rule = "|---|---|---|" + ("---|" if scoped else "") + "---|"
    rows = [head, rule]
    for e in entries:
        args = "; ".join(_arg(e, p) for p in e.params)
        cells = [f"`{e.name}`", args, _status(e)]
        if scoped:
            cells.append(", ".join(e.tasks))
        cells.append(e.doc.replace("|", "\\|"))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def update(text: str) -> str:
    """``text`` with every catalog table between its markers regenerated."""

    def repl(m: re.Match[str]) -> str:
        kind = m.group(2)
        if kind not in KINDS:
            raise KeyError(f"unknown catalog kind `{kind}` in a docs marker")
        return m.group(1) + table(kind) + m.group(4)

    return _MARKER.sub(repl, text)


def kinds_in(text: str) -> list[str]:
    """The kinds whose tables a page holds."""
    return [m.group(2) for m in _MARKER.finditer(text)]


def render_docs(root: Path) -> dict[str, str]:
    """``{page: regenerated text}`` for every page of :data:`PAGES`."""
    return {rel: update((root / rel).read_text(encoding="utf-8")) for rel in PAGES}
