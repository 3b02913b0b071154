"""The input and weight counts every engine reports, read off its circuit.

Example::

    >>> from qlang.ir.circuit import Circuit
    >>> class Engine(CircuitArity):
    ...     def __init__(self, circuit: Circuit) -> None:
    ...         self.circuit = circuit
    >>> Engine(Circuit(1, ())).num_inputs, Engine(Circuit(1, ())).num_weights
    (0, 0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qlang.ir.circuit import Circuit


class CircuitArity:
    """``num_inputs`` and ``num_weights`` of ``self.circuit`` (a mixin of the engines)."""

    circuit: Circuit

    @property
    def num_inputs(self) -> int:
        return self.circuit.num_inputs

    @property
    def num_weights(self) -> int:
        return self.circuit.num_weights
