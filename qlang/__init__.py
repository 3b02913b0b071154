"""qlang: a domain-specific language and compiler for quantum machine learning.

The public API::

    qlang.parse(text, filename)        # source -> AST
    qlang.check(path)                  # parse + semantic checks, raises QLangError
    qlang.load_model(path)             # -> model IR (qlang.ir.model.Model)
    qlang.compile(source, target=...)  # -> Compiled (qasm3, qiskit, tket, ir, layout, stats)
    qlang.load(path)                   # -> scikit-learn compatible estimator
"""

from __future__ import annotations

from typing import Any

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
    "load",
    "load_model",
    "parse",
]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext qlang``: the ``%%qlang`` cell magic and notebook displays (qlang.jupyter)."""
    from qlang.jupyter import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from qlang.jupyter import unload_ipython_extension as unload

    unload(ipython)


def __getattr__(name: str) -> Any:
    """Lazy attributes keep ``import qlang`` light (no Qiskit/pytket import)."""
    if name in ("compile", "Compiled"):
        from qlang import compiler

        return getattr(compiler, name)
    if name == "load_model":
        from qlang.driver import load_model

        return load_model
    if name == "load":
        from qlang.api import load

        return load
    raise AttributeError(f"module 'qlang' has no attribute {name!r}")
