"""A compact, human-readable text dump of a circuit (used by ``--print-ir-after``).

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> from qlang.ir.expr import Weight
    >>> c = Circuit(2, (Operation("rz", (0,), (Weight(0),)), Operation("cx", (0, 1))))
    >>> print(circuit_text(c))
    circuit main(qubits=2)
      rz(w[0]) q[0]
      cx q[0], q[1]
"""

from __future__ import annotations

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation


def op_text(op: Operation) -> str:
    """One operation as ``name(params) q[a], q[b]``."""
    params = f"({', '.join(E.to_text(p) for p in op.params)})" if op.params else ""
    qubits = ", ".join(f"q[{q}]" for q in op.qubits)
    text = f"{op.name}{params} {qubits}"
    if op.clbits:
        text += " -> " + ", ".join(f"c[{c}]" for c in op.clbits)
    if op.condition is not None:
        text = f"if (c{list(op.condition.clbits)} == {op.condition.value}) {text}"
    return text


def circuit_text(circuit: Circuit) -> str:
    """The whole circuit, one operation per line."""
    head = f"circuit {circuit.name}(qubits={circuit.num_qubits}"
    if circuit.num_clbits:
        head += f", clbits={circuit.num_clbits}"
    head += ")"
    lines = [head]
    if circuit.global_phase != E.ZERO:
        lines.append(f"  global_phase {E.to_text(circuit.global_phase)}")
    if circuit.layout is not None:
        lines.append(f"  layout {list(circuit.layout.initial)} -> {list(circuit.layout.final)}")
    lines.extend(f"  {op_text(op)}" for op in circuit.ops)
    return "\n".join(lines)
