"""Gate modifiers on lists of IR operations: inverse, control and power.

Control maps a gate to its controlled version where the gate set has one
(``x -> cx -> ccx -> mcx``, ``rz -> crz``, ``p -> cp``, ...) and otherwise
decomposes exactly (multi-controlled rotations with two ``mcx``, phases
recursively, other gates through a definition in controllable gates).

Example::

    >>> from qlang.ir.circuit import Operation
    >>> [op.name for op in control_ops((Operation("x", (1,)),), (0,))]
    ['cx']
    >>> [(o.name, o.params) for o in inverse_ops((Operation("s", (0,)),))]
    [('sdg', ())]
"""

from __future__ import annotations

import math
from dataclasses import replace

from qlang.ir import expr as E
from qlang.ir.circuit import Operation
from qlang.ir.gates import GATES, inverse_of

Ops = tuple[Operation, ...]

# controlled gates: name -> (base gate, number of controls)
_CONTROLLED = {
    "cx": ("x", 1), "ccx": ("x", 2), "cy": ("y", 1), "cz": ("z", 1), "ch": ("h", 1),
    "crx": ("rx", 1), "cry": ("ry", 1), "crz": ("rz", 1), "cp": ("p", 1), "cswap": ("swap", 1),
}  # fmt: skip
# base gate -> its singly-controlled gate
_WITH_ONE_CONTROL = {
    "x": "cx", "y": "cy", "z": "cz", "h": "ch", "rx": "crx", "ry": "cry", "rz": "crz",
    "p": "cp", "swap": "cswap",
}  # fmt: skip
_PI = math.pi


def inverse_ops(ops: Ops) -> Ops:
    """The inverse sequence: reversed, each gate inverted (symbolic parameters too)."""
    out = []
    for op in reversed(ops):
        if not op.is_gate:
            if op.name == "barrier":
                out.append(op)
                continue
            raise ValueError(f"`{op.name}` cannot be inverted")
        gd = GATES[op.name]
        if not gd.self_inverse and gd.inverse is None and op.name in _DEFINITIONS:
            # no inverse gate in the set (iswap): invert its definition
            out.extend(inverse_ops(tuple(_DEFINITIONS[op.name](op.qubits, op.params))))
            continue
        name, params = inverse_of(op.name, op.params)
        out.append(replace(op, name=name, params=tuple(params)))
    return tuple(out)


def power_ops(ops: Ops, k: float) -> Ops:
    """``pow(k) @ body``: repetition for integer ``k``; scaled angle for one rotation."""
    if float(k).is_integer():
        k = int(k)
        base = ops if k >= 0 else inverse_ops(ops)
        return base * abs(k)
    if len(ops) == 1 and ops[0].name in _FRACTIONAL:
        op = ops[0]
        return (replace(op, params=(E.mul(E.as_expr(k), op.params[0]),)),)
    raise ValueError("a non-integer power needs a single rotation gate")


_FRACTIONAL = frozenset(
    {"rx", "ry", "rz", "p", "crx", "cry", "crz", "cp", "rxx", "ryy", "rzz", "rzx"}
)


def control_ops(ops: Ops, controls: tuple[int, ...], negative: bool = False) -> Ops:
    """Every operation controlled on ``controls`` (all ``|1>``, or all ``|0>`` if negative)."""
    for op in ops:
        if not op.is_gate and op.name != "barrier":
            raise ValueError(f"`{op.name}` cannot be controlled")
        if op.condition is not None:
            raise ValueError("a classically conditioned operation cannot be controlled")
        if set(op.qubits) & set(controls):
            raise ValueError("a control qubit is also a target")
    body: list[Operation] = []
    for op in ops:
        if op.name == "barrier":
            continue
        body.extend(controlled(op, controls))
    if negative:
        flips = tuple(Operation("x", (c,)) for c in controls)
        return flips + tuple(body) + flips
    return tuple(body)


def controlled(op: Operation, controls: tuple[int, ...]) -> list[Operation]:
    """``op`` controlled on ``controls``, exactly, in the gate set."""
    name, qs, ps = op.name, op.qubits, op.params
    span = op.span
    if name in _CONTROLLED:
        base, k = _CONTROLLED[name]
        return _ctrl_base(base, controls + qs[:k], qs[k:], ps, span)
    if name == "mcx":
        return _ctrl_base("x", controls + qs[:-1], qs[-1:], ps, span)
    return _ctrl_base(name, controls, qs, ps, span)


def _op(name: str, qubits: tuple[int, ...], params: tuple = (), span: object = None) -> Operation:
    return Operation(name, tuple(qubits), tuple(E.as_expr(p) for p in params), span=span)  # type: ignore[arg-type]


def _ctrl_base(
    base: str, cs: tuple[int, ...], ts: tuple[int, ...], ps: tuple, span: object
) -> list[Operation]:
    """``base`` on targets ``ts`` controlled by ``cs`` (which may be empty)."""
    k = len(cs)
    if k == 0:
        return [_op(base, ts, ps, span)]
    if k == 1 and base in _WITH_ONE_CONTROL:
        return [_op(_WITH_ONE_CONTROL[base], cs + ts, ps, span)]
    if base == "x":
        return [_op("ccx" if k == 2 else "mcx", cs + ts, (), span)]
    if base == "id":
        return []
    t = ts[0] if ts else -1
    if base == "z":
        return [_op("h", (t,)), *_ctrl_base("x", cs, ts, (), span), _op("h", (t,))]
    if base == "y":
        return [_op("sdg", (t,)), *_ctrl_base("x", cs, ts, (), span), _op("s", (t,))]
    if base == "h":
        return [
            _op("ry", (t,), (-_PI / 4,)),
            *_ctrl_base("z", cs, ts, (), span),
            _op("ry", (t,), (_PI / 4,)),
        ]
    if base in ("rz", "ry"):
        half = E.mul(E.Const(0.5), E.as_expr(ps[0]))
        return [
            _op(base, (t,), (half,), span),
            *_ctrl_base("x", cs, ts, (), span),
            _op(base, (t,), (E.neg(half),), span),
            *_ctrl_base("x", cs, ts, (), span),
        ]
    if base == "rx":
        return [_op("h", (t,)), *_ctrl_base("rz", cs, ts, ps, span), _op("h", (t,))]
    if base == "p":
        # phase on |1..1> of cs + t: controlled rz on t, then a phase of half the angle on cs
        half = E.mul(E.Const(0.5), E.as_expr(ps[0]))
        return [*_ctrl_base("rz", cs, ts, ps, span), *_phase(cs, half, span)]
    if base in ("s", "sdg", "t", "tdg"):
        angle = {"s": _PI / 2, "sdg": -_PI / 2, "t": _PI / 4, "tdg": -_PI / 4}[base]
        return _ctrl_base("p", cs, ts, (angle,), span)
    if base in ("sx", "sxdg"):
        sign = 1.0 if base == "sx" else -1.0
        return [
            *_ctrl_base("rx", cs, ts, (sign * _PI / 2,), span),
            *_phase(cs, E.Const(sign * _PI / 4), span),
        ]
    if base == "u":
        theta, phi, lam = (E.as_expr(p) for p in ps)
        return [
            *_ctrl_base("rz", cs, ts, (lam,), span),
            *_ctrl_base("ry", cs, ts, (theta,), span),
            *_ctrl_base("rz", cs, ts, (phi,), span),
            *_phase(cs, E.mul(E.Const(0.5), E.add(phi, lam)), span),
        ]
    if base == "swap":
        a, b = ts
        return [_op("cx", (b, a)), *_ctrl_base("x", cs + (a,), (b,), (), span), _op("cx", (b, a))]
    if base in _CONJUGATED:
        pre, core = _CONJUGATED[base](ts, ps)
        inv = [
            _op(inverse_of(o.name, o.params)[0], o.qubits, inverse_of(o.name, o.params)[1])
            for o in reversed(pre)
        ]
        return [*pre, *controlled(core, cs), *inv]
    if base in _DEFINITIONS:
        out: list[Operation] = []
        for sub in _DEFINITIONS[base](ts, ps):
            out.extend(controlled(sub, cs))
        return out
    raise ValueError(f"no controlled form of `{base}`")


def _phase(cs: tuple[int, ...], angle: E.Expr, span: object) -> list[Operation]:
    """A phase ``exp(i angle)`` on ``|1..1>`` of ``cs`` (a controlled global phase)."""
    return _ctrl_base("p", cs[:-1], cs[-1:], (angle,), span)


def _rot_pair(name: str, basis: tuple[str, str]):  # type: ignore[no-untyped-def]
    """``rxx``/``ryy``/``rzx`` as a basis change around ``cx; rz; cx`` (conjugation)."""

    def build(ts: tuple[int, ...], ps: tuple) -> tuple[list[Operation], Operation]:
        a, b = ts
        pre = []
        for q, bs in zip((a, b), basis, strict=True):
            if bs == "x":
                pre.append(_op("h", (q,)))
            elif bs == "y":
                pre.append(_op("rx", (q,), (_PI / 2,)))
        pre.append(_op("cx", (a, b)))
        return pre, _op("rz", (b,), ps)

    return build


_CONJUGATED = {
    "rzz": _rot_pair("rzz", ("z", "z")),
    "rxx": _rot_pair("rxx", ("x", "x")),
    "ryy": _rot_pair("ryy", ("y", "y")),
    "rzx": _rot_pair("rzx", ("z", "x")),
}

_DEFINITIONS = {
    "iswap": lambda ts, ps: [
        _op("s", (ts[0],)), _op("s", (ts[1],)), _op("h", (ts[0],)), _op("cx", ts),
        _op("cx", (ts[1], ts[0])), _op("h", (ts[1],)),
    ],
    "ecr": lambda ts, ps: [
        _op("rzx", ts, (_PI / 4,)), _op("x", (ts[0],)), _op("rzx", ts, (-_PI / 4,)),
    ],
}  # fmt: skip

CONTROLLABLE = frozenset(GATES) - {"mcx"}
