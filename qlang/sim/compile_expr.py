"""Compile symbolic parameter expressions to one vectorised numpy function.

A circuit's parameter expressions (and their symbolic derivatives) are turned
into Python source once per circuit structure; every call then evaluates all
of them in a single function call. An expression that depends only on weights
yields a float (shared by the batch), one that depends on inputs an array of
shape ``(batch,)``.

Example::

    >>> import numpy as np
    >>> from qlang.ir.expr import Input, Weight
    >>> f = compile_exprs([2 * Input(0) + Weight(0), Weight(1)])
    >>> a, b = f(np.array([[1.0], [2.0]]), np.array([0.5, 3.0]))
    >>> a.tolist(), b
    ([2.5, 4.5], 3.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from qlang.ir import expr as E

ExprFunction = Callable[[np.ndarray, np.ndarray], tuple]


def to_source(e: E.Expr) -> str:
    """Python/numpy source of ``e`` over ``x`` (batch, n_in) and ``w`` (n_w,)."""
    if isinstance(e, E.Const):
        return repr(float(e.value))
    if isinstance(e, E.Input):
        return f"x[:, {e.index}]"
    if isinstance(e, E.Weight):
        return f"w[{e.index}]"
    if isinstance(e, E.Add):
        return f"({to_source(e.lhs)} + {to_source(e.rhs)})"
    if isinstance(e, E.Mul):
        return f"({to_source(e.lhs)} * {to_source(e.rhs)})"
    if isinstance(e, E.Div):
        return f"({to_source(e.lhs)} / {to_source(e.rhs)})"
    if isinstance(e, E.Pow):
        return f"_np.power({to_source(e.base)}, {to_source(e.exponent)})"
    if isinstance(e, E.Neg):
        return f"(-{to_source(e.operand)})"
    if isinstance(e, E.Func):
        if e.name not in E.FUNCTIONS:
            raise KeyError(e.name)
        return f"_np.{e.name}({to_source(e.arg)})"
    raise TypeError(f"not an expression: {e!r}")


def _compile(src: str) -> object:
    """The function ``_f`` defined by the generated ``src`` (``QL0825`` when it is nested
    beyond what Python's parser accepts)."""
    namespace: dict[str, object] = {"_np": np}
    try:
        code = compile(src, "<qlang-params>", "exec")
    except (SyntaxError, RecursionError, MemoryError):  # nested beyond Python's parser
        from qlang.diagnostics import Diagnostic, QLangError

        raise QLangError(
            [
                Diagnostic.error(
                    "QL0825",
                    "a gate-angle expression is nested too deeply to evaluate",
                    help="keep gate-angle expressions at most 64 operations deep",
                )
            ]
        ) from None
    exec(code, namespace)  # noqa: S102 - generated code
    return namespace["_f"]


def compile_exprs(exprs: Sequence[E.Expr]) -> ExprFunction:
    """One function ``f(x, w) -> tuple`` evaluating every expression."""
    body = ", ".join(to_source(e) for e in exprs)
    fn = _compile(f"def _f(x, w):\n    return ({body}{',' if exprs else ''})\n")
    weight_only = [not any(isinstance(s, E.Input) for s in E.symbols(e)) for e in exprs]

    def run(x: np.ndarray, w: np.ndarray) -> tuple:
        with np.errstate(all="ignore"):
            values = fn(x, w)  # type: ignore[operator]
        return tuple(
            float(v) if shared else np.broadcast_to(np.asarray(v, float), (x.shape[0],))
            for v, shared in zip(values, weight_only, strict=True)
        )

    return run


def compile_rows(exprs: Sequence[E.Expr]) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """One function ``f(x, w) -> (len(exprs), batch)`` float64 array: row ``i`` is
    expression ``i`` for every sample (each written in place: no per-row arrays to stack).

    Example::

        >>> f = compile_rows([2 * E.Input(0), E.Weight(0)])
        >>> f(np.array([[1.0], [2.0]]), np.array([0.5])).tolist()
        [[2.0, 4.0], [0.5, 0.5]]
    """
    lines = [f"    out[{i}] = {to_source(e)}" for i, e in enumerate(exprs)] or ["    pass"]
    fn = _compile("def _f(x, w, out):\n" + "\n".join(lines) + "\n")
    rows = len(exprs)

    def run(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        out = np.empty((rows, x.shape[0]))
        with np.errstate(all="ignore"):
            fn(x, w, out)  # type: ignore[operator]
        return out

    return run
