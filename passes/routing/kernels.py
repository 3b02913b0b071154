"""The compiled routing kernels (``_kernels``, built from ``_kernels.c``), when available.

Three inner loops have a C version that decides exactly like its Python reference:
:func:`.sabre.search` (reference :func:`.sabre.search_python`), the parity-chain planner
``commuting._greedy_plan`` and the chain-layout exchange search ``chain_layout._exchange``.
The extension is an optional build; without it, or with ``QLANG_PURE_PYTHON=1``, the Python
versions run.

Example::

    >>> isinstance(compiled_available(), bool)
    True
"""

from __future__ import annotations

import os
from types import ModuleType

_compiled: ModuleType | None
try:
    from qlang.passes.routing import _kernels as _compiled  # type: ignore[attr-defined,no-redef]
except ImportError:  # pragma: no cover - the extension was not built: pure Python
    _compiled = None

#: ``QLANG_PURE_PYTHON=1`` forces the Python versions even when the extension is built
PURE_PYTHON = os.environ.get("QLANG_PURE_PYTHON", "") not in ("", "0")

#: the compiled module in use, or None
KERNELS: ModuleType | None = None if PURE_PYTHON else _compiled


def compiled_available() -> bool:
    """Whether the compiled kernels are built and in use."""
    return KERNELS is not None
