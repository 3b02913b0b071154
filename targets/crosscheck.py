"""Simulate every target of a circuit and compare them with the IR (for tests and tools).

Each function binds ``values`` (flat, in :meth:`Circuit.parameter_names` order)
and returns a little-endian statevector (qubit ``i`` = bit ``i``), so results
compare directly with :func:`qlang.ir.reference.statevector`.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Input
    >>> c = Circuit(2, (Operation("ry", (0,), (Input(0),)), Operation("cx", (0, 1))),
    ...             inputs=(ParamDecl("x", (1,), 0),))
    >>> mismatches(c, [0.3])
    []
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from qlang.targets.binding import bind_circuit
from qlang.targets.names import parameter_identifiers

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit
from qlang.ir.reference import equal_up_to_phase, statevector


def ir_state(circuit: Circuit, values: Sequence[float]) -> np.ndarray:
    n_in = circuit.num_inputs
    return statevector(circuit, np.asarray(values[:n_in]), np.asarray(values[n_in:]))


def qiskit_state(circuit: Circuit, values: Sequence[float]) -> np.ndarray:
    """Through :func:`qlang.targets.qiskit.to_qiskit` and ``Statevector``."""
    from qiskit.quantum_info import Statevector
    from qlang.targets.qiskit import to_qiskit

    qc = to_qiskit(circuit)
    by_name = dict(zip(qc.metadata["qlang_parameters"], values, strict=True))
    return Statevector(qc.assign_parameters({p: by_name[p.name] for p in qc.parameters})).data


def qasm3_state(circuit: Circuit, values: Sequence[float], bound: bool = False) -> np.ndarray:
    """Through OpenQASM 3 text and ``qiskit.qasm3.loads`` (unbound: bound in Qiskit)."""
    from qiskit import qasm3
    from qiskit.quantum_info import Statevector
    from qlang.targets.qasm3 import to_qasm3

    if bound:
        qc = qasm3.loads(to_qasm3(bind_circuit(circuit, values)))
        return Statevector(qc).data
    qc = qasm3.loads(to_qasm3(circuit))
    by_name = dict(zip(parameter_identifiers(circuit), values, strict=True))
    return Statevector(qc.assign_parameters({p: by_name[p.name] for p in qc.parameters})).data


#: pytket's own statevector refuses larger circuits; above this we apply its ops' unitaries.
TKET_STATEVECTOR_LIMIT = 16


def _tket_commands_state(tc: object) -> np.ndarray:
    """Little-endian state of a pytket circuit, applying each command's own unitary."""
    from qlang.ir.reference import apply_matrix

    qubits = list(tc.qubits)  # type: ignore[attr-defined]
    index = {q: i for i, q in enumerate(qubits)}
    n = len(qubits)
    state = np.zeros(2**n, dtype=complex)
    state[0] = 1.0
    for cmd in tc.get_commands():  # type: ignore[attr-defined]
        if cmd.op.type.name == "Barrier":
            continue
        mat = np.asarray(cmd.op.get_unitary())
        state = apply_matrix(state, mat, tuple(index[q] for q in cmd.qubits), n)
    return state * np.exp(1j * np.pi * float(tc.phase))  # type: ignore[attr-defined]


def tket_state(circuit: Circuit, values: Sequence[float]) -> np.ndarray:
    """Through :func:`qlang.targets.tket.to_tket` and pytket's statevector."""
    from qlang.targets.tket import tket_symbols, to_tket

    tc = to_tket(circuit)
    tc.symbol_substitution(dict(zip(tket_symbols(circuit), values, strict=True)))
    n = circuit.num_qubits
    if n > TKET_STATEVECTOR_LIMIT:
        return _tket_commands_state(tc)
    big = np.asarray(tc.get_statevector())
    return big.reshape([2] * n).transpose(list(reversed(range(n)))).reshape(-1) if n else big


def mismatches(
    circuit: Circuit, values: Sequence[float], atol: float = 1e-7, qasm_bound: bool | None = None
) -> list[str]:
    """Targets whose state differs (up to global phase) from the IR's; ``[]`` when all agree.

    ``qasm_bound=None`` loads the OpenQASM unbound when Qiskit's importer can
    read its expressions (no function calls or ``**``) and bound otherwise.
    """
    ref = ir_state(circuit, values)
    if qasm_bound is None:
        qasm_bound = not qiskit_can_load_unbound(circuit)
    states = {
        "qiskit": qiskit_state(circuit, values),
        "qasm3": qasm3_state(circuit, values, bound=qasm_bound),
        "tket": tket_state(circuit, values),
    }
    return [k for k, s in states.items() if not equal_up_to_phase(s, ref, atol=atol)]


def qiskit_can_load_unbound(circuit: Circuit) -> bool:
    """Whether ``qiskit.qasm3.loads`` reads our unbound text: no function calls and no
    ``**`` other than the small integer powers the emitter expands into products."""
    exprs = [p for op in circuit.ops for p in op.params] + [circuit.global_phase]
    for e in exprs:
        for node in E.walk(e):
            if isinstance(node, E.Func):
                return False
            if isinstance(node, E.Pow) and not (
                isinstance(node.exponent, E.Const)
                and float(node.exponent.value).is_integer()
                and 2 <= node.exponent.value <= 4
            ):
                return False
    return True


def logical_state(circuit: Circuit, values: Sequence[float], num_logical: int) -> np.ndarray:
    """The IR state on the ``num_logical`` logical qubits, undoing ``layout.final``.

    For a routed or relabelled circuit, logical qubit ``l`` ends on physical
    ``layout.final[l]`` and every other physical qubit must end in ``|0>``;
    raises ``ValueError`` when they do not (the circuit leaked into ancillas).
    """
    state = ir_state(circuit, values)
    if circuit.layout is None:
        return state
    final = circuit.layout.final[:num_logical]
    n = circuit.num_qubits
    index = np.zeros(2**num_logical, dtype=np.int64)
    for basis in range(2**num_logical):
        index[basis] = sum(((basis >> lq) & 1) << final[lq] for lq in range(num_logical))
    out = state[index]
    if not np.isclose(np.linalg.norm(out), 1.0, atol=1e-7):
        raise ValueError(f"state leaked outside the {num_logical} logical qubits of {n}")
    return out
