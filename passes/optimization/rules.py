"""Rewrite rules for pairs of gates, as data.

``combine(prev, op)`` decides whether ``op`` directly after ``prev`` (on the
same qubits) can be fused. Results are exact, including global phase.

Example::

    >>> from qlang.ir.circuit import Operation
    >>> from qlang.ir.expr import Weight
    >>> r = combine(Operation("rz", (0,), (Weight(0),)), Operation("rz", (0,), (-Weight(0),)))
    >>> r.op is None, r.phase
    (True, Const(value=0.0))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from qlang.passes import linear as L

from qlang.ir import expr as E
from qlang.ir.circuit import Operation
from qlang.ir.gates import GATES, inverse_of

PI = math.pi

#: rotations whose angles add when applied twice on the same qubits
MERGEABLE = frozenset(
    {"rx", "ry", "rz", "p", "rxx", "ryy", "rzz", "rzx", "crx", "cry", "crz", "cp"}
)

#: (period, phase per period): ``R(theta + period) == exp(i*phase) R(theta)``
PERIODS: dict[str, tuple[float, float]] = {
    "rx": (2 * PI, PI), "ry": (2 * PI, PI), "rz": (2 * PI, PI),
    "rxx": (2 * PI, PI), "ryy": (2 * PI, PI), "rzz": (2 * PI, PI), "rzx": (2 * PI, PI),
    "p": (2 * PI, 0.0), "cp": (2 * PI, 0.0),
    "crx": (4 * PI, 0.0), "cry": (4 * PI, 0.0), "crz": (4 * PI, 0.0),
}  # fmt: skip

#: 1-qubit families: gate -> (axis rotation, angle, phase): gate == e^{i phase} R_axis(angle)
_FAMILY: dict[str, tuple[str, float, float]] = {
    "z": ("rz", PI, PI / 2), "s": ("rz", PI / 2, PI / 4), "sdg": ("rz", -PI / 2, -PI / 4),
    "t": ("rz", PI / 4, PI / 8), "tdg": ("rz", -PI / 4, -PI / 8),
    "x": ("rx", PI, PI / 2), "sx": ("rx", PI / 2, PI / 4), "sxdg": ("rx", -PI / 2, -PI / 4),
    "y": ("ry", PI, PI / 2),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Fused:
    """The replacement for the pair (``None``: both vanish) and the global phase added."""

    op: Operation | None
    phase: E.Expr


def same_qubits(a: Operation, b: Operation) -> bool:
    if a.qubits == b.qubits:
        return True
    gd = GATES.get(a.name)
    if gd is not None and gd.symmetric and a.name == b.name:
        return set(a.qubits) == set(b.qubits)
    if a.name in ("ccx", "mcx") and a.name == b.name:
        return a.qubits[-1] == b.qubits[-1] and set(a.qubits) == set(b.qubits)
    return False


def family(op: Operation) -> tuple[str, E.Expr, E.Expr] | None:
    """``(rotation, angle, phase)`` with ``op == e^{i phase} rotation(angle)`` (1q only)."""
    if op.name in ("rx", "ry", "rz"):
        return op.name, op.params[0], E.ZERO
    if op.name == "p":
        return "rz", op.params[0], E.mul(E.Const(0.5), op.params[0])
    if op.name in _FAMILY:
        rot, ang, ph = _FAMILY[op.name]
        return rot, E.Const(ang), E.Const(ph)
    return None


def drop_if_zero(op: Operation) -> Fused | None:
    """``Fused(None, phase)`` when ``op`` is provably the identity (up to phase)."""
    if op.name == "id":
        return Fused(None, E.ZERO)
    if op.name in PERIODS:
        period, per_phase = PERIODS[op.name]
        zero, k = L.is_zero_mod(op.params[0], period)
        if zero:
            return Fused(None, E.Const(k * per_phase))
    if op.name == "u":
        zero, k = L.is_zero_mod(op.params[0], 2 * PI)
        rest, j = L.is_zero_mod(E.add(op.params[1], op.params[2]), 2 * PI)
        if zero and rest:
            return Fused(None, E.Const(PI * (k % 2)))
    return None


@cache
def may_combine(prev: str, op: str) -> bool:
    """Whether :func:`combine` can fuse a ``prev`` gate followed by an ``op`` gate at all,
    by their names alone (False: it returns None whatever the qubits and angles; the
    merge loop asks this before the full test, which builds inverses and linear forms).

    Example::

        >>> may_combine("rz", "rz"), may_combine("s", "sdg"), may_combine("sx", "rz")
        (True, True, False)
    """
    if prev == op:  # inverse (self-inverse or same-name rule), rotation merge, family
        return True
    gd = GATES.get(prev)
    if gd is None:
        return False  # combine's first test after the qubits
    try:  # the inverse's name depends on the name alone (probed with symbolic angles)
        inv_name, _ = inverse_of(prev, tuple(E.Weight(i) for i in range(gd.num_params)))
    except ValueError:
        inv_name = ""
    if inv_name == op:
        return True
    fa, fb = _family_rot(prev), _family_rot(op)
    if fa is None or fb is None or fa != fb:
        return False
    return prev in _ROTATIONS or op in _ROTATIONS


_ROTATIONS = frozenset({"rx", "ry", "rz", "p"})


def _family_rot(name: str) -> str | None:
    """The rotation of :func:`family` for a gate name (its first field), or None."""
    if name in ("rx", "ry", "rz"):
        return name
    if name == "p":
        return "rz"
    return _FAMILY[name][0] if name in _FAMILY else None


def combine(prev: Operation, op: Operation, allowed: frozenset[str] = frozenset()) -> Fused | None:
    """Fuse ``prev`` then ``op`` when provably possible; ``allowed`` limits new gate names."""
    if not same_qubits(prev, op):
        return None
    gd = GATES.get(prev.name)
    if gd is None:
        return None
    # inverse pair
    try:
        inv_name, inv_params = inverse_of(prev.name, prev.params)
    except ValueError:
        inv_name, inv_params = "", ()
    if inv_name == op.name and len(inv_params) == len(op.params):
        if all(L.same(a, b) for a, b in zip(inv_params, op.params, strict=True)):
            if prev.name not in ("ccx", "mcx") or prev.qubits[-1] == op.qubits[-1]:
                return Fused(None, E.ZERO)
    # same-name rotation merge
    if prev.name == op.name and prev.name in MERGEABLE:
        merged = Operation(prev.name, prev.qubits, (L.add(prev.params[0], op.params[0]),))
        return drop_if_zero(merged) or Fused(merged, E.ZERO)
    # 1-qubit family merge (e.g. rz(a) s -> rz(a + pi/2) with phase pi/4)
    fa, fb = family(prev), family(op)
    if fa is None or fb is None or fa[0] != fb[0]:
        return None
    if prev.name not in ("rx", "ry", "rz", "p") and op.name not in ("rx", "ry", "rz", "p"):
        return None  # two named gates: leave to resynthesis
    rot = fa[0]
    angle = L.add(fa[1], fb[1])
    phase = L.add(fa[2], fb[2])
    if prev.name == "p" or op.name == "p":
        if "p" in allowed or not allowed:
            new = Operation("p", prev.qubits, (angle,))
            return drop_if_zero(new) or Fused(
                new, L.normalize(E.sub(phase, E.mul(E.Const(0.5), angle)))
            )
    if allowed and rot not in allowed:
        return None
    new = Operation(rot, prev.qubits, (angle,))
    dz = drop_if_zero(new)
    if dz is not None:
        return Fused(None, L.add(phase, dz.phase))
    return Fused(new, phase)
