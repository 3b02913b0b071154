"""Symbolic decomposition rules: every gate into ``cx``, ``rzz(theta)`` and 1-qubit gates.

Rules are data: gate name -> function of (qubits, params) returning the
replacement operations (time order) and the global phase they add. Angles
stay symbolic expressions. Each rule is checked against the gate matrix in
``tests/unit/test_passes_basis.py``.

Example::

    >>> from qlang.ir.expr import Weight
    >>> ops, phase = RULES["crz"]((0, 1), (Weight(0),))
    >>> [op.name for op in ops], E.to_text(phase)
    (['rz', 'rzz'], '0.0')
"""

from __future__ import annotations

import math
from collections.abc import Callable

from qlang.ir import expr as E
from qlang.ir.circuit import Operation

PI = math.pi
Rule = Callable[[tuple[int, ...], tuple[E.Expr, ...]], tuple[list[Operation], E.Expr]]


def _op(name: str, qubits: tuple[int, ...], *params: E.Expr | float) -> Operation:
    return Operation(name, qubits, tuple(E.as_expr(p) for p in params))


def _half(t: E.Expr) -> E.Expr:
    return E.mul(E.Const(0.5), t)


def _cz(q, p):  # cz = (I x H) cx (I x H)
    a, b = q
    return [_op("h", (b,)), _op("cx", (a, b)), _op("h", (b,))], E.ZERO


def _cy(q, p):  # Y = S X S^+
    a, b = q
    return [_op("sdg", (b,)), _op("cx", (a, b)), _op("s", (b,))], E.ZERO


def _ch(q, p):  # H = Ry(pi/4) Z Ry(-pi/4)
    a, b = q
    return [_op("ry", (b,), -PI / 4), _op("h", (b,)), _op("cx", (a, b)), _op("h", (b,)),
            _op("ry", (b,), PI / 4)], E.ZERO  # fmt: skip


def _swap(q, p):
    a, b = q
    return [_op("cx", (a, b)), _op("cx", (b, a)), _op("cx", (a, b))], E.ZERO


def _rxx(q, p):
    a, b = q
    hs = [_op("h", (a,)), _op("h", (b,))]
    return hs + [_op("rzz", (a, b), p[0])] + hs, E.ZERO


def _ryy(q, p):  # Rx(-pi/2) Z Rx(pi/2) = Y
    a, b = q
    pre = [_op("rx", (a,), PI / 2), _op("rx", (b,), PI / 2)]
    post = [_op("rx", (a,), -PI / 2), _op("rx", (b,), -PI / 2)]
    return pre + [_op("rzz", (a, b), p[0])] + post, E.ZERO


def _rzx(q, p):
    a, b = q
    return [_op("h", (b,)), _op("rzz", (a, b), p[0]), _op("h", (b,))], E.ZERO


def _crz(q, p):  # crz(t) = Rz_b(t/2) exp(i t/4 ZZ)
    a, b = q
    return [_op("rz", (b,), _half(p[0])), _op("rzz", (a, b), E.neg(_half(p[0])))], E.ZERO


def _cp(q, p):
    a, b = q
    h = _half(p[0])
    return [_op("rz", (a,), h), _op("rz", (b,), h), _op("rzz", (a, b), E.neg(h))], _half(h)


def _crx(q, p):
    a, b = q
    ops, ph = _crz(q, p)
    return [_op("h", (b,))] + ops + [_op("h", (b,))], ph


def _cry(q, p):  # Y = (S H) Z (H S^+)
    a, b = q
    ops, ph = _crz(q, p)
    return [_op("sdg", (b,)), _op("h", (b,))] + ops + [_op("h", (b,)), _op("s", (b,))], ph


def _ccx(q, p):
    a, b, c = q
    seq = [("h", c), ("cx", b, c), ("tdg", c), ("cx", a, c), ("t", c), ("cx", b, c), ("tdg", c),
           ("cx", a, c), ("t", b), ("t", c), ("h", c), ("cx", a, b), ("t", a), ("tdg", b),
           ("cx", a, b)]  # fmt: skip
    return [_op(s[0], tuple(s[1:])) for s in seq], E.ZERO


def _cswap(q, p):
    a, b, c = q
    return [_op("cx", (c, b)), _op("ccx", (a, b, c)), _op("cx", (c, b))], E.ZERO


def _mcp(theta: E.Expr, ctrls: tuple[int, ...], t: int) -> list[Operation]:
    """Multi-controlled phase by recursion (no ancillas)."""
    if len(ctrls) == 1:
        return [_op("cp", (ctrls[0], t), theta)]
    last, rest = ctrls[-1], ctrls[:-1]
    h = _half(theta)
    mcx = Operation("mcx", rest + (last,)) if len(rest) > 1 else Operation("cx", (rest[0], last))
    return [_op("cp", (last, t), h), mcx, _op("cp", (last, t), E.neg(h)), mcx] + _mcp(h, rest, t)


def _mcx(q, p):
    ctrls, t = q[:-1], q[-1]
    if not ctrls:
        return [_op("x", q)], E.ZERO
    if len(ctrls) == 1:
        return [_op("cx", q)], E.ZERO
    if len(ctrls) == 2:
        return [_op("ccx", q)], E.ZERO
    return [_op("h", (t,))] + _mcp(E.Const(PI), ctrls, t) + [_op("h", (t,))], E.ZERO


def _u(q, p):  # u(t, f, l) = e^{i(f+l)/2} Rz(f) Ry(t) Rz(l)
    theta, phi, lam = p
    return [_op("rz", q, lam), _op("ry", q, theta), _op("rz", q, phi)], _half(E.add(phi, lam))


def _p(q, p):
    return [_op("rz", q, p[0])], _half(p[0])


def _rx(q, p):
    return [_op("h", q), _op("rz", q, p[0]), _op("h", q)], E.ZERO


def _ry(q, p):
    return [_op("sdg", q), _op("h", q), _op("rz", q, p[0]), _op("h", q), _op("s", q)], E.ZERO


#: 2-qubit and larger gates -> cx / rzz / 1-qubit gates
RULES: dict[str, Rule] = {
    "cz": _cz, "cy": _cy, "ch": _ch, "swap": _swap, "rxx": _rxx, "ryy": _ryy, "rzx": _rzx,
    "crz": _crz, "cp": _cp, "crx": _crx, "cry": _cry, "ccx": _ccx, "cswap": _cswap, "mcx": _mcx,
}  # fmt: skip

#: symbolic 1-qubit gates -> rz and constant gates
SYMBOLIC_1Q: dict[str, Rule] = {"u": _u, "p": _p, "rx": _rx, "ry": _ry}

#: how to carry rz(theta) in a basis without rz: (carrier, constant conjugation, phase factor)
#: rz(t) = e^{-i t/2} p(t);  rz(t) = H rx(t) H;  rz(t) = Rx(pi/2) ry(t) Rx(-pi/2)
CARRIERS: dict[str, Rule] = {
    "rz": lambda q, p: ([_op("rz", q, p[0])], E.ZERO),
    "p": lambda q, p: ([_op("p", q, p[0])], E.neg(_half(p[0]))),
    "rx": lambda q, p: ([_op("h", q), _op("rx", q, p[0]), _op("h", q)], E.ZERO),
    "ry": lambda q, p: ([_op("rx", q, -PI / 2), _op("ry", q, p[0]), _op("rx", q, PI / 2)], E.ZERO),
    "u": lambda q, p: ([_op("u", q, 0.0, 0.0, p[0])], E.neg(_half(p[0]))),
}
