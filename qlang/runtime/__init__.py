"""The qlang runtime: fast batched statevector simulation, gradients and kernels.

Example::

    >>> from qlang.runtime import QuantumFunction, Simulator, kernel_matrix
    >>> callable(kernel_matrix)
    True
"""

from __future__ import annotations

from qlang.runtime.function import METHODS, QuantumFunction
from qlang.runtime.kernels import bloch_vectors, encode, kernel_matrix, projected_kernel
from qlang.runtime.readout import ReadoutPlan
from qlang.runtime.simulator import Simulator, available_memory

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
