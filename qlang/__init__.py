"""qlang: a domain-specific language and compiler for quantum machine learning."""

from __future__ import annotations

from qlang.api import check, parse
from qlang.diagnostics import Diagnostic, InternalError, QLangError

__version__ = "0.1.0"

__all__ = [
    "Compiled",
    "Diagnostic",
    "InternalError",
    "QLangError",
    "__version__",
    "check",
    "compile",
    "parse",
]


def __getattr__(name: str) -> object:
    """Lazy ``qlang.compile`` / ``qlang.Compiled`` (keeps ``import qlang`` light)."""
    if name in ("compile", "Compiled"):
        from qlang import compiler

        return getattr(compiler, name)
    raise AttributeError(f"module 'qlang' has no attribute {name!r}")
