"""The two records of the registry: one diagnostic code, and the area that owns a range.

Example::

    >>> area = Area("demo", "Demo errors", "Raised by the demo.", "QL0900", "QL0949")
    >>> area.page, area.covers("QL0901"), area.covers("QL0950")
    ('docs/errors/demo.md', True, False)
    >>> ErrorInfo("QL0901", "bad demo", "demo(1)", "demo(2)").explanation
    ''
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """One code: its title, a bad example, the fixed example and an optional explanation."""

    code: str
    title: str
    bad: str
    fix: str
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class Area:
    """The codes ``first``-``last`` of one part of qlang, documented on one page.

    ``name`` is the module under ``qlang/codes/`` and the page under ``docs/errors/``.
    """

    name: str
    title: str
    intro: str
    first: str
    last: str

    @property
    def page(self) -> str:
        """The generated page, relative to the repository root."""
        return f"docs/errors/{self.name}.md"

    @property
    def source(self) -> str:
        """The module holding the entries, relative to the repository root."""
        return f"qlang/codes/{self.name}.py"

    def covers(self, code: str) -> bool:
        return self.first <= code <= self.last
