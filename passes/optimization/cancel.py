"""Cancellation, rotation merging and zero-rotation removal passes.

All work on symbolic parameters: ``rz(w0) rz(x1 - w0) -> rz(x1)``.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> from qlang.ir import expr as E
    >>> w = E.Weight(0)
    >>> c = Circuit(1, (Operation("rz", (0,), (w,)), Operation("rz", (0,), (w,))))
    >>> [E.to_text(op.params[0]) for op in MergeRotations().run(c).circuit.ops]
    ['2.0 * w[0]']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from qlang.passes import linear as L
from qlang.passes.base import IN_BASIS, Pass, PassResult
from qlang.passes.optimization.peephole import peephole
from qlang.passes.optimization.rules import drop_if_zero

from qlang.ir.circuit import Circuit


@dataclass(frozen=True)
class CancelInverses(Pass):
    """Remove adjacent gate/inverse pairs (``h h``, ``cx cx``, ``s sdg``, ``rz(a) rz(-a)``).

    With ``commute`` the pair may be separated by gates that commute with it.
    """

    name: ClassVar[str] = "cancel-inverses"
    commute: bool = False

    def run(self, circuit: Circuit) -> PassResult:
        out, changed = peephole(circuit, commute=self.commute, only_inverses=True)
        return PassResult(out, changed)


@dataclass(frozen=True)
class MergeRotations(Pass):
    """Merge rotations on the same qubits (``rz(a) rz(b) -> rz(a+b)``, also ``p s t``...).

    Also cancels inverse pairs. ``commute`` looks through commuting gates;
    ``basis`` (empty: any) restricts the gate names a merge may produce, so
    the pass keeps a circuit inside its basis.
    """

    name: ClassVar[str] = "merge-rotations"
    commute: bool = True
    basis: tuple[str, ...] = ()

    @property
    def invalidates(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset() if self.basis else frozenset({IN_BASIS})

    def __post_init__(self) -> None:
        if self.basis:
            from qlang.passes.basis.sets import resolve_basis

            resolve_basis(self.basis)  # unknown gate names: QL0560 when the pipeline is built

    def run(self, circuit: Circuit) -> PassResult:
        from qlang.passes.basis.sets import resolve_basis

        allowed = frozenset(resolve_basis(self.basis)) if self.basis else frozenset()
        out, changed = peephole(circuit, commute=self.commute, allowed=allowed)
        return PassResult(out, changed)


@dataclass(frozen=True)
class RemoveZeroRotations(Pass):
    """Drop rotations whose angle is provably a multiple of their period, and ``id``.

    ``rz(2*pi)`` is ``-I``: it is removed and ``pi`` is added to the global phase.
    """

    name: ClassVar[str] = "remove-zero-rotations"

    def run(self, circuit: Circuit) -> PassResult:
        ops = []
        phase = L.PhaseSum(circuit.global_phase)
        changed = False
        for op in circuit.ops:
            if op.is_gate and op.condition is None:
                dz = drop_if_zero(op)
                if dz is not None:
                    changed = True
                    phase.add(dz.phase)
                    continue
            ops.append(op)
        if not changed:
            return PassResult(circuit, False)
        from dataclasses import replace

        return PassResult(
            replace(
                circuit,
                ops=tuple(ops),
                global_phase=phase.result() if phase.changed else circuit.global_phase,
            ),
            True,
        )


__all__ = ["CancelInverses", "MergeRotations", "RemoveZeroRotations"]
