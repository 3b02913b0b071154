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
    const = 0.0
    stack: list[tuple[E.Expr, float]] = [(e, 1.0)]
    pop, push = stack.pop, stack.append
    while stack:  # iterative: long sums (accumulated phases) must not hit the recursion limit
        node, scale = pop()
        t = type(node)  # (by exact type: the IR's node classes have no subclasses)
        if t is E.Const:
            const += scale * node.value  # type: ignore[attr-defined]
        elif t is E.Add:
            push((node.rhs, scale))  # type: ignore[attr-defined]
            push((node.lhs, scale))  # type: ignore[attr-defined]
        elif t is E.Neg:
            push((node.operand, -scale))  # type: ignore[attr-defined]
        elif t is E.Mul and type(node.lhs) is E.Const:  # type: ignore[attr-defined]
            push((node.rhs, scale * node.lhs.value))  # type: ignore[attr-defined]
        elif t is E.Mul and type(node.rhs) is E.Const:  # type: ignore[attr-defined]
            push((node.lhs, scale * node.rhs.value))  # type: ignore[attr-defined]
        elif t is not E.Input and t is not E.Weight and E.is_constant(node):
            const += scale * E.const_value(node)
        else:
            terms[node] = terms.get(node, 0.0) + scale
    return const, {a: c for a, c in terms.items() if abs(c) > _EPS}


def from_linear(const: float, terms: dict[E.Expr, float]) -> E.Expr:
    """Rebuild an expression; sums are balanced so their depth stays logarithmic."""
    parts: list[E.Expr] = [E.mul(E.Const(c), a) for a, c in terms.items()]
    if abs(const) > _EPS or not parts:
        parts.append(E.Const(const) if abs(const) > _EPS else E.ZERO)
    while len(parts) > 1:
        parts = [E.add(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), 2)]  # fmt: skip
    return parts[0]


class PhaseSum:
    """Accumulates many phase terms cheaply (one linear form, built once).

    Example::

        >>> acc = PhaseSum(E.ZERO)
        >>> acc.add(E.Const(0.5)); acc.add(E.Weight(0)); acc.add(E.Const(0.25))
        >>> E.to_text(acc.result())
        'w[0] + 0.75'
    """

    def __init__(self, start: E.Expr) -> None:
        self.const, self.terms = linear_form(start)
        self.changed = False

    def add(self, e: E.Expr) -> None:
        c, t = linear_form(e)
        if c == 0.0 and not t:
            return
        self.changed = True
        self.const += c
        for a, k in t.items():
            self.terms[a] = self.terms.get(a, 0.0) + k

    def result(self) -> E.Expr:
        return from_linear(self.const, {a: k for a, k in self.terms.items() if abs(k) > _EPS})


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
    if type(a) is E.Const and type(b) is E.Const:  # (what the general case computes)
        return a.value == b.value or abs(a.value - b.value) <= 1e-12  # type: ignore[attr-defined]
    return a == b or _close_zero(E.sub(a, b))  # (an exact 0.0 is close to zero)


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
