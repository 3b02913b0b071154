"""Binding call arguments to the parameters of a circuit, gate or observable.

Register sizes bind shape variables (``on q[n]``); array arguments bind bare
shape names (``x: float[n]``) by unification; defaults may refer to other
parameters in any order (``theta: weight[reps + 1, n], reps: int = 3``).
Weights and inputs that are not passed are declared through callbacks.

Example (with a parsed definition)::

    scope = bind(defn, args, kwargs, regs, evaluator, on_missing, span)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from qlang import ast as A
from qlang.diagnostics import did_you_mean
from qlang.ir import expr as E
from qlang.semantics import codes as C
from qlang.semantics.codes import SemanticError, fail
from qlang.semantics.evaluator import Evaluator
from qlang.semantics.observables import PauliSum
from qlang.semantics.scope import Scope
from qlang.semantics.values import (
    Definition,
    Graph,
    Init,
    Qubits,
    flatten,
    is_number,
    is_scalar,
    shape_of,
    type_name,
)
from qlang.source import Span

ARRAY_TYPES = frozenset({"float", "int", "weight", "angle", "bool"})
SCALAR_TYPES = frozenset(
    {"int", "float", "bool", "str", "graph", "obs", "matrix", "angle", "any", "list"}
)

#: ``on_missing(param, shape, init) -> value`` declares an implicit input/weight.
OnMissing = Callable[[A.Param, tuple[int, ...], Init | None], Any]


class ShapeError(SemanticError):
    """A shape mismatch, with the shapes (the model turns it into an input-width error)."""

    def __init__(self, diagnostic: Any, circuit: str, param: str, want: tuple, got: tuple):
        super().__init__(diagnostic)
        self.circuit, self.param, self.want, self.got = circuit, param, want, got


class _Deferred(Exception):
    pass


def bind(
    defn: Definition,
    args: list[tuple[Any, Span | None]],
    kwargs: dict[str, tuple[Any, Span | None]],
    regs: Sequence[tuple[A.Register, Qubits | None]],
    ev: Evaluator,
    on_missing: OnMissing,
    span: Span | None,
) -> Scope:
    """A new local scope of ``defn`` with every parameter and register bound."""
    node = defn.node
    scope = Scope(defn.scope)
    params = {p.name: p for p in node.params}
    if len(args) > len(node.params):
        raise fail(
            C.BAD_ARGUMENTS,
            f"`{defn.name}` takes {len(node.params)} arguments but {len(args)} were given",
            span,
        )
    passed: dict[str, tuple[Any, Span | None]] = {}
    for p, a in zip(node.params, args, strict=False):
        passed[p.name] = a
    for k, v in kwargs.items():
        if k not in params:
            raise fail(
                C.BAD_ARGUMENTS,
                f"`{defn.name}` has no parameter `{k}`",
                v[1],
                did_you_mean(k, params) or f"its parameters: {', '.join(params) or 'none'}",
            )
        if k in passed:
            raise fail(C.BAD_ARGUMENTS, f"argument `{k}` given twice", v[1])
        passed[k] = v
    sized: list[tuple[A.Register, Qubits]] = []
    for reg, qv in regs:
        if qv is None:
            continue
        scope.define(reg.name, qv)
        if reg.size is None:
            if len(qv) != 1:
                raise fail(
                    C.QUBIT_COUNT,
                    f"`{defn.name}` expects one qubit for `{reg.name}`, got {len(qv)}",
                    span,
                )
        elif (
            isinstance(reg.size, A.Name)
            and reg.size.id not in scope.vars
            and reg.size.id not in params
        ):
            scope.define(reg.size.id, len(qv))
        else:
            sized.append((reg, qv))
    # unify bare shape names with passed arrays
    for name, (value, _) in passed.items():
        dims = params[name].type.dims
        if dims and isinstance(value, tuple):
            shape = shape_of(value)
            for d, size in zip(dims, shape, strict=False):
                _unify(d, size, scope, {k: v for k, v in params.items() if k in passed})
    for name, (value, _) in passed.items():
        scope.define(name, value)
    pending = [p for p in node.params if p.name not in passed and p.name not in scope.vars]
    errors: dict[str, SemanticError] = {}
    while pending:
        progress = []
        for p in pending:
            try:
                scope.define(p.name, _resolve_missing(defn, p, scope, ev, on_missing, span, params))
                progress.append(p)
            except _Deferred as d:
                errors[p.name] = d.args[0]
        if not progress:
            raise errors[pending[0].name]
        pending = [p for p in pending if p not in progress]
    # check registers whose size is an expression, and the passed values
    for reg, qv in sized:
        assert reg.size is not None
        want = ev.eval_int(reg.size, scope, "register size")
        if want != len(qv):
            raise fail(
                C.QUBIT_COUNT,
                f"`{defn.name}` needs {want} qubits in `{reg.name}`, got {len(qv)}",
                span,
            )
    for name, (value, vspan) in passed.items():
        check_value(defn, params[name], value, scope, ev, vspan or span)
    return scope


def _unify(d: A.Expr, size: int, scope: Scope, params: dict[str, A.Param]) -> None:
    """Bind ``n`` from ``float[n]`` or ``float[2 * n]`` when ``n`` is still free."""
    name: str | None = None
    factor: int | float = 1
    if isinstance(d, A.Name):
        name = d.id
    elif isinstance(d, A.Binary) and d.op == "*":
        if isinstance(d.lhs, A.Number) and isinstance(d.rhs, A.Name):
            name, factor = d.rhs.id, d.lhs.value
        elif isinstance(d.rhs, A.Number) and isinstance(d.lhs, A.Name):
            name, factor = d.lhs.id, d.rhs.value
    elif (
        isinstance(d, A.Binary)
        and d.op == "**"
        and isinstance(d.lhs, A.Number)
        and d.lhs.value == 2
    ):
        if isinstance(d.rhs, A.Name) and size > 0 and size & (size - 1) == 0:
            name, factor, size = d.rhs.id, 1, size.bit_length() - 1
    if name is None or name in scope.vars or name in params:
        return
    if isinstance(factor, int) and factor > 0 and size % factor == 0:
        scope.define(name, size // factor)


def _shape(p: A.Param, scope: Scope, ev: Evaluator) -> tuple[int, ...]:
    return tuple(
        nonnegative(ev.eval_int(d, scope, f"dimension of `{p.name}`"), d.span, p.name)
        for d in p.type.dims
    )


def nonnegative(k: int, span: Span | None, name: str) -> int:
    """A checked array dimension."""
    if k < 0:
        raise fail(C.BAD_VALUE, f"dimension {k} of `{name}` is negative", span)
    return k


def _resolve_missing(
    defn: Definition,
    p: A.Param,
    scope: Scope,
    ev: Evaluator,
    on_missing: OnMissing,
    span: Span | None,
    params: dict[str, A.Param],
) -> Any:
    try:
        shape = _shape(p, scope, ev)
        default = ev.eval(p.default, scope) if p.default is not None else None
    except SemanticError as e:
        if e.diagnostic.code == C.UNKNOWN_NAME and any(
            f"`{q}`" in e.diagnostic.message for q in params
        ):
            raise _Deferred(e) from None
        raise
    if p.type.name == "weight":
        if default is not None and not isinstance(default, Init):
            value = _fill(default, shape) if is_scalar(default) else default
            check_value(defn, p, value, scope, ev, p.default.span if p.default else span)
            return value
        return on_missing(p, shape, default)
    if default is not None:
        value = _fill(default, shape) if (p.type.dims and is_scalar(default)) else default
        check_value(defn, p, value, scope, ev, p.default.span if p.default else span)
        return value
    if p.type.name in ("float", "angle"):
        return on_missing(p, shape, None)
    raise fail(
        C.BAD_ARGUMENTS,
        f"`{defn.name}` is missing argument `{p.name}`",
        span,
        help=f"pass `{p.name} = ...` ({_type_text(p.type)})",
    )


def _fill(v: Any, shape: tuple[int, ...]) -> Any:
    out = v
    for d in reversed(shape):
        out = tuple(out for _ in range(d))
    return out


def _type_text(t: A.TypeExpr) -> str:
    return t.name + (f"[{len(t.dims)} dims]" if t.dims else "")


def check_value(
    defn: Definition, p: A.Param, value: Any, scope: Scope, ev: Evaluator, span: Span | None
) -> None:
    """Type and shape check of one argument against its declared type."""
    t = p.type
    if t.dims or t.name == "weight":
        shape = _shape(p, scope, ev)
        got = shape_of(value)
        if got != shape:
            err = fail(
                C.SHAPE_MISMATCH,
                f"`{p.name}` of `{defn.name}` needs shape [{', '.join(map(str, shape))}], "
                f"got {type_name(value)}",
                span,
            )
            raise ShapeError(err.diagnostic, defn.name, p.name, shape, got)
        leaves = flatten(value) if isinstance(value, tuple) else [value]
        for leaf in leaves:
            _check_scalar(defn, p, t.name, leaf, span)
        return
    if t.name not in SCALAR_TYPES:
        raise fail(C.TYPE_MISMATCH, f"unknown type `{t.name}`", t.span)
    _check_scalar(defn, p, t.name, value, span)


def _check_scalar(defn: Definition, p: A.Param, tname: str, v: Any, span: Span | None) -> None:
    ok = {
        "int": lambda: is_number(v) and float(v).is_integer(),
        "float": lambda: is_scalar(v),
        "angle": lambda: is_scalar(v),
        "weight": lambda: is_scalar(v),
        "bool": lambda: isinstance(v, bool),
        "str": lambda: isinstance(v, str),
        "graph": lambda: isinstance(v, Graph),
        "obs": lambda: isinstance(v, PauliSum) or is_scalar(v),
        "matrix": lambda: isinstance(v, tuple) and all(isinstance(r, tuple) for r in v),
        "any": lambda: True,
        "list": lambda: isinstance(v, tuple),
    }.get(tname)
    if ok is None:
        raise fail(C.TYPE_MISMATCH, f"unknown type `{tname}`", p.type.span)
    if not ok():
        if tname == "int" and isinstance(v, E.Expr):
            raise fail(C.NOT_CONSTANT, f"`{p.name}` must be known at compile time", span)
        raise fail(
            C.TYPE_MISMATCH,
            f"`{p.name}` of `{defn.name}` expects `{tname}`, found `{type_name(v)}`",
            span,
        )
