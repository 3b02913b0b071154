"""The qlang runtime: fast batched statevector simulation, gradients and kernels.

Example::

    >>> from qlang.sim import QuantumFunction, Simulator, kernel_matrix
    >>> callable(kernel_matrix)
    True
"""

from __future__ import annotations

from qlang.sim.function import METHODS, QuantumFunction
from qlang.sim.kernels import bloch_vectors, encode, kernel_matrix, projected_kernel
from qlang.sim.readout import ReadoutPlan
from qlang.sim.simulator import Simulator, available_memory

__all__ = [
    "METHODS",
    "QuantumFunction",
    "ReadoutPlan",
    "Simulator",
    "available_memory",
    "bloch_vectors",
    "encode",
    "kernel_matrix",
    "projected_kernel",
]
