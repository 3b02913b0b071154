"""Linear normal form of parameter expressions.

Rotation merging needs ``a + b`` to simplify when terms cancel
(``w0 + x1 - w0 -> x1``). An expression is split into a constant plus a
weighted sum of *atoms* (symbols or non-linear sub-expressions); rebuilding
from that form is canonical up to atom order (first appearance).

Example::

    >>> from qlang.ir.expr import Weight, Input, Const
    >>> e = Weight(0) + 2 * Input(1) - Weight(0) + Const(0.5)
    >>> E.to_text(normalize(e))
    '2.0 * x[1] + 0.5'
    >>> is_zero_mod(Weight(0) - Weight(0) + Const(4 * math.pi), 2 * math.pi)
    (True, 2)
"""

from __future__ import annotations

import math

from qlang.ir import expr as E

_EPS = 1e-12


def linear_form(e: E.Expr) -> tuple[float, dict[E.Expr, float]]:
    """``(constant, {atom: coefficient})`` with ``e == constant + sum(c * atom)``."""
    terms: dict[E.Expr, float] = {}
    const = _collect(e, 1.0, terms)
    return const, {a: c for a, c in terms.items() if abs(c) > _EPS}


def _collect(e: E.Expr, scale: float, terms: dict[E.Expr, float]) -> float:
    if isinstance(e, E.Const):
        return scale * e.value
    if isinstance(e, E.Add):
        return _collect(e.lhs, scale, terms) + _collect(e.rhs, scale, terms)
    if isinstance(e, E.Neg):
        return _collect(e.operand, -scale, terms)
    if isinstance(e, E.Mul) and isinstance(e.lhs, E.Const):
        return _collect(e.rhs, scale * e.lhs.value, terms)
    if isinstance(e, E.Mul) and isinstance(e.rhs, E.Const):
        return _collect(e.lhs, scale * e.rhs.value, terms)
    if E.is_constant(e):
        return scale * E.const_value(e)
    terms[e] = terms.get(e, 0.0) + scale
    return 0.0


def from_linear(const: float, terms: dict[E.Expr, float]) -> E.Expr:
    out: E.Expr = E.ZERO
    for atom, coef in terms.items():
        out = E.add(out, E.mul(E.Const(coef), atom))
    return E.add(out, E.Const(const)) if abs(const) > _EPS else out


def normalize(e: E.Expr) -> E.Expr:
    """Canonical linear form; constants fold and cancelled atoms vanish."""
    if isinstance(e, (E.Const, E.Input, E.Weight)):
        return e
    return from_linear(*linear_form(e))


def add(a: E.Expr, b: E.Expr) -> E.Expr:
    """``normalize(a + b)``."""
    return normalize(E.add(a, b))


def constant_value(e: E.Expr) -> float | None:
    """The value if ``e`` is provably constant after normalisation, else ``None``."""
    const, terms = linear_form(e)
    return None if terms else const


def is_zero_mod(e: E.Expr, period: float, tol: float = 1e-9) -> tuple[bool, int]:
    """Whether ``e`` is provably ``k * period``; also returns ``k``."""
    v = constant_value(e)
    if v is None:
        return False, 0
    k = round(v / period)
    return abs(v - k * period) <= tol, int(k)


def same(a: E.Expr, b: E.Expr) -> bool:
    """Provably equal (linear forms agree)."""
    return a == b or constant_value(E.sub(a, b)) == 0.0 or _close_zero(E.sub(a, b))


def _close_zero(e: E.Expr) -> bool:
    v = constant_value(e)
    return v is not None and abs(v) <= 1e-12


__all__ = [
    "add",
    "constant_value",
    "from_linear",
    "is_zero_mod",
    "linear_form",
    "normalize",
    "same",
]
_ = math
