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
    if isinstance(e, E.Weight):
        return f"w[{e.index}]"
    if isinstance(e, E.Input) or _children(e):
        return _node_source(e, [to_source(c) for c in _children(e)], "x[:, {}]")
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


def _children(e: E.Expr) -> tuple[E.Expr, ...]:
    if isinstance(e, E.Add | E.Mul | E.Div):
        return (e.lhs, e.rhs)
    if isinstance(e, E.Pow):
        return (e.base, e.exponent)
    if isinstance(e, E.Neg):
        return (e.operand,)
    if isinstance(e, E.Func):
        return (e.arg,)
    return ()


def _node_source(e: E.Expr, parts: Sequence[str], column: str) -> str:
    """Source of one node from its children's sources (inputs as ``column.format(i)``)."""
    if isinstance(e, E.Input):
        return column.format(e.index)
    if isinstance(e, E.Add):
        return f"({parts[0]} + {parts[1]})"
    if isinstance(e, E.Mul):
        return f"({parts[0]} * {parts[1]})"
    if isinstance(e, E.Div):
        return f"({parts[0]} / {parts[1]})"
    if isinstance(e, E.Pow):
        return f"_np.power({parts[0]}, {parts[1]})"
    if isinstance(e, E.Neg):
        return f"(-{parts[0]})"
    if isinstance(e, E.Func):
        if e.name not in E.FUNCTIONS:
            raise KeyError(e.name)
        return f"_np.{e.name}({parts[0]})"
    return to_source(e)  # constants and weights


def rows_source(exprs: Sequence[E.Expr]) -> str:
    """Source of ``_f(x, w, out)`` writing expression ``i`` into ``out[i]``: a subexpression
    that occurs more than once (within or across rows) is computed once into a temporary,
    and the inputs are read as contiguous rows of ``x.T`` (same operations in the same
    order as :func:`to_source`, so the same values).

    Example::

        >>> print(rows_source([E.Input(0) * 2 + 1, E.Input(0) * 2]))
        def _f(x, w, out):
            xt = _np.ascontiguousarray(x.T)
            _t0 = (2.0 * xt[0])
            out[0] = (_t0 + 1.0)
            out[1] = _t0
        <BLANKLINE>
    """
    counts: dict[str, int] = {}

    def count(e: E.Expr) -> str:
        key = _node_source(e, [count(c) for c in _children(e)], "x[:, {}]")
        counts[key] = counts.get(key, 0) + 1
        return key

    for e in exprs:
        count(e)
    names: dict[str, str] = {}
    lines: list[str] = []

    def emit(e: E.Expr) -> tuple[str, str]:
        pairs = [emit(c) for c in _children(e)]
        key = _node_source(e, [k for k, _ in pairs], "x[:, {}]")
        if key in names:
            return key, names[key]
        text = _node_source(e, [t for _, t in pairs], "xt[{}]")
        if counts[key] > 1 and _children(e):
            names[key] = f"_t{len(names)}"
            lines.append(f"    {names[key]} = {text}")
            text = names[key]
        return key, text

    for i, e in enumerate(exprs):
        _, text = emit(e)
        lines.append(f"    out[{i}] = {text}")
    head = ["def _f(x, w, out):"]
    if any(isinstance(s, E.Input) for e in exprs for s in E.symbols(e)):
        head.append("    xt = _np.ascontiguousarray(x.T)")
    return "\n".join(head + (lines or ["    pass"])) + "\n"


def compile_rows(exprs: Sequence[E.Expr]) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """One function ``f(x, w) -> (len(exprs), batch)`` float64 array: row ``i`` is
    expression ``i`` for every sample (each written in place: no per-row arrays to stack;
    shared subexpressions computed once, :func:`rows_source`).

    Example::

        >>> f = compile_rows([2 * E.Input(0), E.Weight(0)])
        >>> f(np.array([[1.0], [2.0]]), np.array([0.5])).tolist()
        [[2.0, 4.0], [0.5, 0.5]]
    """
    fn = _compile(rows_source(exprs))
    rows = len(exprs)

    def run(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        out = np.empty((rows, x.shape[0]))
        with np.errstate(all="ignore"):
            fn(x, w, out)  # type: ignore[operator]
        return out

    return run
