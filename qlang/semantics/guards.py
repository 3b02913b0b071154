"""Guards on compile-time values: integers, unrolled ranges and symbolic angle
expressions are refused with a coded diagnostic before they grow without bound.

Shared by the evaluator and the builtin functions (which the evaluator calls), so
neither needs the other to check a value.

Example:
    >>> bounded_range(0, 3, 1, None)
    (0, 1, 2)
    >>> to_int(4.0, None)
    4
"""

from __future__ import annotations

import math
from typing import Any

from qlang.ir import expr as E
from qlang.limits import MAX_ANGLE_DEPTH, MAX_EXPR_NODES, MAX_RANGE
from qlang.semantics import codes as C
from qlang.semantics.codes import fail
from qlang.semantics.values import is_number, type_name
from qlang.source import Span

__all__ = ["bounded_range", "checked_expr", "to_int"]


def to_int(v: Any, span: Span | None, what: str = "value") -> int:
    """``v`` as a compile-time integer, else a coded diagnostic."""
    if isinstance(v, E.Expr):
        raise fail(
            C.NOT_CONSTANT,
            f"{what} must be known at compile time, but it depends on inputs or weights",
            span,
            help="use only integers, parameters of type `int` and `let` values here",
        )
    try:
        integral = is_number(v) and not isinstance(v, bool) and float(v) == int(v)
    except (OverflowError, ValueError):
        raise fail(
            C.BAD_VALUE, f"{what} is not a finite number of reasonable size", span
        ) from None
    if not integral:
        raise fail(C.TYPE_MISMATCH, f"{what} must be an integer, found `{type_name(v)}`", span)
    return int(v)


def bounded_range(lo: int, hi: int, step: int, span: Span | None) -> tuple[int, ...]:
    """``tuple(range(lo, hi, step))``, refusing absurd sizes (``QL0824``)."""
    r = range(lo, hi, step)
    if len(r) > MAX_RANGE:
        raise fail(
            "QL0824",
            f"range of {len(r)} values is too large to unroll (limit {MAX_RANGE:,})",
            span,
        )
    return tuple(r)


class _Size:
    """Depth and node count of symbolic expressions, memoised by node identity.

    Each new node is measured from its children, which were measured when they were
    built, so guarding every operation costs O(1) and never recurses.
    """

    def __init__(self) -> None:
        self.known: dict[int, tuple[E.Expr, int, int]] = {}

    def of(self, e: E.Expr) -> tuple[int, int]:
        hit = self.known.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1], hit[2]
        stack: list[tuple[E.Expr, bool]] = [(e, False)]
        while stack:
            node, ready = stack.pop()
            kids = E.children(node)
            if ready or not kids:
                sizes = [self._get(k) for k in kids]
                depth = 1 + max((d for d, _ in sizes), default=0)
                count = 1 + sum(c for _, c in sizes)
                if len(self.known) > 200_000:
                    self.known.clear()
                self.known[id(node)] = (node, depth, count)
                continue
            stack.append((node, True))
            stack.extend((k, False) for k in kids if self._get(k, None) is None)
        return self._get(e)

    def _get(self, e: E.Expr, default: Any = (0, 0)) -> Any:
        hit = self.known.get(id(e))
        return (hit[1], hit[2]) if hit is not None and hit[0] is e else default


_SIZES = _Size()


def checked_expr(e: E.Expr, span: Span | None) -> E.Expr:
    """Refuse symbolic expressions that folded to a non-finite constant (``QL0208``) or
    grew beyond :data:`~qlang.limits.MAX_ANGLE_DEPTH` / :data:`~qlang.limits.MAX_EXPR_NODES`
    (``QL0825``)."""
    for node in (e, getattr(e, "lhs", None)):
        if isinstance(node, E.Const) and not math.isfinite(node.value):
            raise fail(C.BAD_VALUE, "number is not finite", span)
    depth, count = _SIZES.of(e)
    if depth > MAX_ANGLE_DEPTH or count > MAX_EXPR_NODES:
        what = f"{depth} operations deep" if depth > MAX_ANGLE_DEPTH else f"{count:,} nodes large"
        raise fail(
            "QL0825",
            f"this gate-angle expression is {what} (limits: depth {MAX_ANGLE_DEPTH}, "
            f"{MAX_EXPR_NODES:,} nodes)",
            span,
            help="fold constants first, or restructure the expression",
        )
    return e
