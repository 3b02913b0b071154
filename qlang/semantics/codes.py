"""Diagnostic codes of the semantic analysis, and the exception that carries one.

``QL0101``-``QL0199``: names and imports; ``QL0201``-``QL0299``: types, shapes
and values; ``QL0301``-``QL0399``: model-level checks. Each code's title, bad example
and fix are in :mod:`qlang.codes.semantics` (``docs/errors/semantics.md``).

Example::

    >>> err = SemanticError(Diagnostic.error(UNKNOWN_NAME, "unknown name `tehta`"))
    >>> err.diagnostic.code
    'QL0101'
"""

from __future__ import annotations

from qlang.diagnostics import Diagnostic
from qlang.source import Span

UNKNOWN_NAME = "QL0101"
UNKNOWN_GATE = "QL0102"
UNKNOWN_MODULE = "QL0103"
IMPORT_CYCLE = "QL0104"
NAME_CONFLICT = "QL0105"
UNKNOWN_MEMBER = "QL0106"
SHADOWING = "QL0107"
NO_MODEL = "QL0108"
WRONG_KIND = "QL0109"

TYPE_MISMATCH = "QL0201"
BAD_ARGUMENTS = "QL0202"
NOT_CONSTANT = "QL0203"
SHAPE_MISMATCH = "QL0204"
QUBIT_COUNT = "QL0205"
DUPLICATE_QUBIT = "QL0206"
INDEX_RANGE = "QL0207"
BAD_VALUE = "QL0208"
BAD_MODIFIER = "QL0209"
OBSERVABLE_WIDTH = "QL0210"
BAD_CONDITION = "QL0211"
GATE_PARAMS = "QL0212"
BAD_OPERANDS = "QL0213"

INPUT_DIMENSION = "QL0301"
READOUT_TASK = "QL0302"
GRADIENT_MODE = "QL0303"
MODEL_ENTRY = "QL0304"
UNKNOWN_SETTING = "QL0305"
LAYER_WIDTHS = "QL0306"
QUBITS_SETTING = "QL0307"
LOSS_TASK = "QL0308"
SETTING_ARGUMENT = "QL0309"
SETTING_RANGE = "QL0310"
NOT_SUPPORTED = "QL0311"
MONITOR = "QL0312"
NOT_APPLICABLE = "QL0313"
BACKEND_MISMATCH = "QL0314"
MISSING_EXTRA = "QL0315"


class SemanticError(Exception):
    """One diagnostic; aborts the statement or entry being analysed."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def fail(code: str, message: str, span: Span | None, help: str | None = None) -> SemanticError:
    """Build (not raise) a :class:`SemanticError`: ``raise fail(...)``."""
    return SemanticError(Diagnostic.error(code, message, span, help=help))
