"""qlang: a domain-specific language and compiler for quantum machine learning."""

from __future__ import annotations

from qlang.api import check, parse
from qlang.diagnostics import Diagnostic, InternalError, QLangError

__version__ = "0.1.0"

__all__ = ["Diagnostic", "InternalError", "QLangError", "__version__", "check", "parse"]
