"""Circuit cutting (``target { cutting = auto(max_qubits = 5) }``) with ``qiskit-addon-cutting``.

A quantum block wider than ``max_qubits`` is cut once, on its structure, into pieces of at
most ``max_qubits`` qubits (:mod:`qlang.cutting.plan`); its subexperiments run batched on
the statevector engine and the expectation values are reconstructed, with gradients, by
:class:`~qlang.cutting.function.CutFunction`. The add-on is the optional extra
``qlang[cutting]``: without it, a model that asks for cutting is ``QL0950`` at check time.
See docs/cutting.md.

Example::

    >>> CutSettings(max_qubits=5).cuts
    'both'
"""

from __future__ import annotations

from qlang.cutting.plan import Cut, CutPlan, CutSettings, Piece, plan_cuts, require_addon

__all__ = ["Cut", "CutPlan", "CutSettings", "Piece", "plan_cuts", "require_addon"]
