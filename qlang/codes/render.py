"""Markdown pages of the registry: ``docs/errors.md`` (every code) and one page per area.

Example::

    >>> from qlang.codes.info import Area, ErrorInfo
    >>> area = Area("demo", "Demo errors", "Raised by the demo.", "QL0900", "QL0949")
    >>> pages = render_pages([(area, (ErrorInfo("QL0901", "bad demo", "demo(1)", "demo(2)"),))])
    >>> sorted(pages)
    ['docs/errors.md', 'docs/errors/demo.md']
    >>> print(pages["docs/errors/demo.md"].splitlines()[0])
    # Demo errors (QL0900-QL0949)
"""

from __future__ import annotations

from collections.abc import Sequence

from qlang.codes.info import Area, ErrorInfo

INDEX = "docs/errors.md"
_COMMAND = "`python -m qlang.codes`"


def render_pages(areas: Sequence[tuple[Area, Sequence[ErrorInfo]]]) -> dict[str, str]:
    """``path -> text``: the index first, then one page per area."""
    pages = {INDEX: render_index(areas)}
    for area, items in areas:
        pages[area.page] = render_area(area, items)
    return pages


def render_index(areas: Sequence[tuple[Area, Sequence[ErrorInfo]]]) -> str:
    out = [
        "# Error codes",
        "",
        f"Generated from `qlang/codes/` by {_COMMAND}; edit the entries there, not this page",
        "(a test keeps it in sync).",
        "",
        "Every diagnostic qlang prints has a code. The codes by area, each also on its own page:",
        "",
        "| codes | area |",
        "|---|---|",
    ]
    out += [f"| {a.first}-{a.last} | [{a.title}]({_relative(a.page)}) |" for a, _ in areas]
    out.append("")
    for area, items in areas:
        out += [f"## {_heading(area)}", "", area.intro, ""]
        for info in items:
            out += _entry(info, "###")
    return _text(out)


def render_area(area: Area, items: Sequence[ErrorInfo]) -> str:
    out = [
        f"# {_heading(area)}",
        "",
        f"Generated from `{area.source}` by {_COMMAND}; edit the entries there, not this",
        "page. All codes: [errors.md](../errors.md).",
        "",
        area.intro,
        "",
    ]
    for info in items:
        out += _entry(info, "##")
    return _text(out)


def _heading(area: Area) -> str:
    return f"{area.title} ({area.first}-{area.last})"


def _relative(page: str) -> str:
    """A page path as linked from ``docs/errors.md``."""
    return page.removeprefix("docs/")


def _entry(info: ErrorInfo, level: str) -> list[str]:
    out = [f"{level} {info.code}: {info.title}", ""]
    if info.explanation:
        out += [info.explanation, ""]
    out += ["Bad:", "", "```", info.bad, "```", "", "Fixed:", "", "```", info.fix, "```", ""]
    return out


def _text(lines: list[str]) -> str:
    return "\n".join(lines).rstrip("\n") + "\n"
