"""The routing benchmark's peers in their fastest configuration: ``qiskit.transpile`` at
optimisation level 3 and tket's ``DefaultMappingPass`` + ``FullPeepholeOptimise``, on the
same circuit with numeric angles (routing and 2-qubit counts do not depend on the angle
values; Qiskit's O3 with symbolic parameters takes minutes on a 16-qubit full ZZ map).

Each runner returns (2-qubit count, depth, CPU seconds of the process, all threads);
Qiskit's seconds are the fastest of ``repeats`` identical runs (the machine is shared).
"""

from __future__ import annotations

import math
import time

import numpy as np
from qlang.passes.routing.adapters import TK_NAMES

from qlang.devices import Device
from qlang.ir.circuit import Circuit


def numeric_qiskit(c: Circuit, seed: int):  # noqa: ANN201
    """``c`` as a Qiskit circuit with random angles in [0.1, 3)."""
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import get_standard_gate_name_mapping

    std = get_standard_gate_name_mapping()
    rng = np.random.default_rng(seed)
    qc = QuantumCircuit(c.num_qubits)
    for op in c.ops:
        ps = [float(rng.uniform(0.1, 3.0)) for _ in op.params]
        qc.append(std[op.name].base_class(*ps) if ps else std[op.name], list(op.qubits))
    return qc


def run_qiskit(
    c: Circuit, dev: Device, basis: tuple[str, ...], seed: int, repeats: int = 5
) -> tuple[int, int, float]:
    """``qiskit.transpile(optimization_level=3)`` onto ``dev`` in ``basis``."""
    from qiskit import transpile
    from qiskit.transpiler import CouplingMap

    qc = numeric_qiskit(c, seed)
    cmap = CouplingMap([list(e) for e in dev.edges] + [[b, a] for a, b in dev.edges])
    times = []
    for _ in range(repeats):
        t = time.process_time()
        out = transpile(
            qc, coupling_map=cmap, basis_gates=list(basis), optimization_level=3,
            seed_transpiler=seed,
        )  # fmt: skip
        times.append(time.process_time() - t)
    return out.count_ops().get("cx", 0), out.depth(), min(times)


def numeric_tket(c: Circuit, seed: int):  # noqa: ANN201
    """``c`` as a pytket circuit with random angles (in half-turns)."""
    from pytket import Circuit as TkCircuit
    from pytket import OpType

    rng = np.random.default_rng(seed)
    tk = TkCircuit(c.num_qubits)
    for op in c.ops:
        ps = [float(rng.uniform(0.1, 3.0)) / math.pi for _ in op.params]  # half-turns
        tk.add_gate(getattr(OpType, TK_NAMES[op.name]), ps, list(op.qubits))
    return tk


def run_tket(c: Circuit, dev: Device, seed: int) -> tuple[int, int, float]:
    """tket's ``DefaultMappingPass`` + ``FullPeepholeOptimise`` + rebase to CX/Rz/Rx."""
    from pytket.architecture import Architecture
    from pytket.circuit import OpType
    from pytket.passes import AutoRebase, DefaultMappingPass, FullPeepholeOptimise

    tk = numeric_tket(c, seed)
    arch = Architecture([list(e) for e in dev.edges])
    t = time.process_time()
    DefaultMappingPass(arch).apply(tk)
    FullPeepholeOptimise(allow_swaps=False).apply(tk)
    AutoRebase({OpType.CX, OpType.Rz, OpType.Rx}).apply(tk)
    dt = time.process_time() - t
    return tk.n_gates_of_type(OpType.CX), tk.depth(), dt


def tket_available() -> bool:
    """Whether pytket is installed."""
    try:
        import pytket  # noqa: F401
    except ImportError:
        return False
    return True
