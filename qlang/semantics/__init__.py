"""Semantic analysis: name resolution, compile-time evaluation, checking and
lowering of ``.qml`` modules to the circuit and model IR.

The public entry points are in :mod:`qlang.driver`.
"""

from qlang.semantics import natives as _natives  # noqa: F401  (registers builtins)
from qlang.semantics.loader import Loader, Module, stdlib_modules

__all__ = ["Loader", "Module", "stdlib_modules"]
