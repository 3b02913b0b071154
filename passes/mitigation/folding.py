"""Unitary folding: scale a circuit's noise by inserting ``G^dagger G`` pairs.

``fold-global{scale=3}`` turns ``U`` into ``U (U^dagger U)^k`` and, for a fractional scale,
appends ``L^dagger L`` for the last ``d`` gates ``L`` (Giurgica-Tiron et al., "Digital
zero noise extrapolation for quantum error mitigation", 2020: ``k = (scale - 1) // 2``,
``d = round((scale - 1 - 2k) N / 2)``). ``fold-gates{scale=3,gates=cx}`` replaces every
(named) gate ``G`` by ``G (G^dagger G)^k`` and folds the first ``d`` of them once more
(from the left). The achieved scale is ``(gates after) / (gates before)``, counted over
the folded gates. Parameters stay symbolic: ``rx(w0)^dagger`` is ``rx(-w0)``.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(2, (Operation("h", (0,)), Operation("cx", (0, 1))))
    >>> [op.name for op in FoldGlobal(scale=3.0).run(c).circuit.ops]
    ['h', 'cx', 'cx', 'h', 'h', 'cx']
    >>> [op.name for op in FoldGates(scale=3.0, gates=("cx",)).run(c).circuit.ops]
    ['h', 'cx', 'cx', 'cx']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from qlang.passes.base import Pass, PassResult
from qlang.passes.errors import pass_error

from qlang.ir.circuit import Circuit, Operation
from qlang.ir.gates import GATES

#: the largest scale factor a fold may ask for
MAX_SCALE = 100.0


def inverse_ops(op: Operation) -> tuple[Operation, ...]:
    """Operations whose product is ``op``'s inverse (same qubits, symbolic parameters)."""
    gd = GATES.get(op.name)
    if gd is None or op.name in ("measure", "reset") or op.condition is not None:
        raise pass_error(
            "QL0565",
            f"cannot fold `{op.name}`: folding needs a unitary circuit",
            help="fold before measurements are added (the readout measures at the end)",
        )
    if gd.self_inverse:
        return (op,)
    if gd.inverse is not None:
        name, params = gd.inverse(op.params)
        return (Operation(name, op.qubits, tuple(params), span=op.span),)
    if op.name == "iswap":  # iswap^4 = I
        return (op, op, op)
    raise pass_error("QL0565", f"gate `{op.name}` has no inverse to fold with")  # pragma: no cover


def _adjoint(ops: list[Operation]) -> list[Operation]:
    out: list[Operation] = []
    for op in reversed(ops):
        out.extend(inverse_ops(op))
    return out


def _check_scale(scale: float) -> tuple[int, float]:
    if not 1.0 <= scale <= MAX_SCALE or math.isnan(scale):
        raise pass_error(
            "QL0565",
            f"a fold's scale must be in [1, {MAX_SCALE:g}], got {scale:g}",
            help="scale 1 is the circuit itself; 3 folds every gate once",
        )
    k = int((scale - 1) // 2)
    return k, (scale - 1 - 2 * k) / 2


@dataclass(frozen=True)
class FoldGlobal(Pass):
    """``U -> U (U^dagger U)^k L^dagger L`` (see the module docstring)."""

    name: ClassVar[str] = "fold-global"
    scale: float = 3.0

    def run(self, circuit: Circuit) -> PassResult:
        k, frac = _check_scale(self.scale)
        gates = [op for op in circuit.ops if op.name != "barrier"]
        for op in gates:
            inverse_ops(op)  # reject non-unitary circuits up front
        d = int(round(frac * len(gates)))
        ops = list(circuit.ops)
        inv = _adjoint(gates)
        for _ in range(k):
            ops += inv + gates
        if d:
            tail = gates[len(gates) - d :]
            ops += _adjoint(tail) + tail
        return PassResult(circuit.with_ops(ops), len(ops) != len(circuit.ops))


@dataclass(frozen=True)
class FoldGates(Pass):
    """Every gate in ``gates`` (every gate when empty) ``G -> G (G^dagger G)^k``; the first
    ``d`` of them are folded once more."""

    name: ClassVar[str] = "fold-gates"
    scale: float = 3.0
    gates: tuple[str, ...] = ()

    def run(self, circuit: Circuit) -> PassResult:
        k, frac = _check_scale(self.scale)
        chosen = [
            i
            for i, op in enumerate(circuit.ops)
            if op.name != "barrier" and (not self.gates or op.name in self.gates)
        ]
        d = int(round(frac * len(chosen)))
        extra = set(chosen[:d])
        folds = set(chosen)
        ops: list[Operation] = []
        for i, op in enumerate(circuit.ops):
            ops.append(op)
            if i not in folds:
                continue
            times = k + (1 if i in extra else 0)
            if times:
                inv = list(inverse_ops(op))
                for _ in range(times):
                    ops += inv + [op]
        return PassResult(circuit.with_ops(ops), len(ops) != len(circuit.ops))


def folded(circuit: Circuit, scale: float, method: str = "global", gates: tuple[str, ...] = ()) -> Circuit:
    """The circuit folded to ``scale`` by ``method`` (``global`` or ``gates``)."""
    p: Pass = FoldGlobal(scale=scale) if method == "global" else FoldGates(scale=scale, gates=gates)
    return p.run(circuit).circuit
