"""Lexical scopes: locals inside module scopes inside the builtin scope.

Example::

    >>> mod = Scope(None, "m")
    >>> mod.define("n", 3)
    >>> inner = Scope(mod)
    >>> inner.lookup("n")
    (True, 3)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class Scope:
    """A mapping of names to compile-time values with a parent scope."""

    def __init__(self, parent: Scope | None, module: str | None = None):
        self.parent = parent
        self.module = module  # set on module scopes
        self.vars: dict[str, Any] = {}

    def define(self, name: str, value: Any) -> None:
        self.vars[name] = value

    def lookup(self, name: str) -> tuple[bool, Any]:
        s: Scope | None = self
        while s is not None:
            if name in s.vars:
                return True, s.vars[name]
            s = s.parent
        return False, None

    def lookup_local(self, name: str) -> tuple[bool, Any]:
        """Look up only in scopes below the module scope (locals and parameters)."""
        s: Scope | None = self
        while s is not None and s.module is None:
            if name in s.vars:
                return True, s.vars[name]
            s = s.parent
        return False, None

    def names(self) -> Iterator[str]:
        s: Scope | None = self
        while s is not None:
            yield from s.vars
            s = s.parent

    def child(self) -> Scope:
        return Scope(self)
