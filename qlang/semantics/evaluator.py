"""Compile-time evaluation of expressions.

Numbers fold to Python ``int``/``float``; anything that touches an input or a
weight becomes a symbolic :mod:`qlang.ir.expr` expression. Pauli atoms build
:class:`~qlang.semantics.observables.PauliSum` values.

Example::

    >>> from qlang import ast as A
    >>> from qlang.semantics.scope import Scope
    >>> ev = Evaluator()
    >>> ev.eval(A.Binary("*", A.Number(2), A.Name("pi")), Scope(None, "m"))
    6.283185307179586
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from qlang import ast as A
from qlang.diagnostics import did_you_mean
from qlang.ir import expr as E
from qlang.semantics import codes as C
from qlang.semantics.builtins import BUILTIN_VALUES, BUILTINS
from qlang.semantics.codes import fail
from qlang.semantics.guards import bounded_range, checked_expr, to_int
from qlang.semantics.observables import PauliSum
from qlang.semantics.scope import Scope
from qlang.semantics.values import (
    BitCondition,
    Bits,
    CallValue,
    Definition,
    ModuleRef,
    Qubits,
    Symbol,
    is_number,
    is_scalar,
    type_name,
)
from qlang.source import Span

CONSTANTS: dict[str, float] = {"pi": math.pi, "tau": 2 * math.pi, "e": math.e}

_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class Evaluator:
    """Evaluates AST expressions in a :class:`Scope`.

    ``settings`` mode (model entries) turns unknown bare names into
    :class:`Symbol` values and unknown calls into :class:`CallValue`.
    ``call_hook(defn, args, kwargs, span)`` evaluates calls of definitions.
    """

    def __init__(
        self,
        call_hook: Callable[[Definition, list, dict, Span | None], Any] | None = None,
        settings: bool = False,
    ):
        self.call_hook = call_hook
        self.settings = settings

    def with_settings(self, settings: bool) -> Evaluator:
        return Evaluator(self.call_hook, settings)

    # --- entry points -----------------------------------------------------
    def eval(self, node: A.Expr, scope: Scope) -> Any:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise fail(C.BAD_VALUE, f"`{type(node).__name__}` is not allowed here", node.span)
        return method(node, scope)

    def eval_int(self, node: A.Expr, scope: Scope, what: str = "value") -> int:
        v = self.eval(node, scope)
        return self.to_int(v, node.span, what)

    def to_int(self, v: Any, span: Span | None, what: str = "value") -> int:
        return to_int(v, span, what)

    def truthy(self, v: Any, span: Span | None) -> bool:
        if isinstance(v, E.Expr):
            raise fail(
                C.NOT_CONSTANT,
                "condition must be known at compile time, but it depends on inputs or weights",
                span,
            )
        if isinstance(v, (bool, int, float, str, tuple)):
            return bool(v)
        raise fail(C.TYPE_MISMATCH, f"`{type_name(v)}` cannot be used as a condition", span)

    # --- atoms --------------------------------------------------------------
    def _Number(self, n: A.Number, scope: Scope) -> Any:
        return checked_number(n.value, n.span)

    def _String(self, n: A.String, scope: Scope) -> Any:
        return n.value

    def _Bool(self, n: A.Bool, scope: Scope) -> Any:
        return n.value

    def _Name(self, n: A.Name, scope: Scope) -> Any:
        if "." in n.id:
            return self.member(n.id, scope, n.span)
        found, value = scope.lookup(n.id)
        if found:
            return value
        if n.id in CONSTANTS:
            return CONSTANTS[n.id]
        if n.id in BUILTIN_VALUES:
            return BUILTIN_VALUES[n.id]
        if self.settings:
            return Symbol(n.id)
        raise self.unknown(n.id, scope, n.span)

    def unknown(self, name: str, scope: Scope, span: Span | None) -> Exception:
        cands = set(scope.names()) | set(CONSTANTS) | set(BUILTINS)
        return fail(C.UNKNOWN_NAME, f"unknown name `{name}`", span, did_you_mean(name, cands))

    def member(self, dotted: str, scope: Scope, span: Span | None) -> Any:
        head, *rest = dotted.split(".")
        found, value = scope.lookup(head)
        if not found:
            raise self.unknown(head, scope, span)
        for part in rest:
            if not isinstance(value, ModuleRef):
                raise fail(C.UNKNOWN_MEMBER, f"`{head}` is not a module", span)
            ok, nxt = value.scope.lookup(part) if part in value.scope.vars else (False, None)
            if not ok:
                raise fail(
                    C.UNKNOWN_MEMBER,
                    f"module `{value.name}` has no definition `{part}`",
                    span,
                    did_you_mean(part, value.scope.vars),
                )
            value = nxt
        return value

    # --- operators ----------------------------------------------------------
    def _Unary(self, n: A.Unary, scope: Scope) -> Any:
        v = self.eval(n.operand, scope)
        if n.op == "not":
            return not self.truthy(v, n.operand.span)
        if n.op == "+":
            return v
        if isinstance(v, E.Expr):
            return checked_expr(-v, n.span)
        if is_scalar(v) or isinstance(v, PauliSum):
            return -v
        raise fail(C.BAD_OPERANDS, f"cannot negate `{type_name(v)}`", n.span)

    def _Binary(self, n: A.Binary, scope: Scope) -> Any:
        # A chain `a + b - c or d ...` is a left-deep tree: fold it bottom-up in a loop, so
        # long chains cost no recursion (only the operands' own nesting does).
        chain: list[A.Binary] = []
        node: A.Expr = n
        while isinstance(node, A.Binary):
            chain.append(node)
            node = node.lhs
        acc = self.eval(node, scope)
        for link in reversed(chain):
            if link.op in ("and", "or"):  # short-circuit: the right side only when needed
                if (link.op == "and") == self.truthy(acc, link.lhs.span):
                    acc = self.eval(link.rhs, scope)
                continue
            acc = self.binary(link.op, acc, self.eval(link.rhs, scope), link.span)
        return acc

    def binary(self, op: str, a: Any, b: Any, span: Span | None) -> Any:
        if op in _COMPARE:
            if isinstance(a, Bits) and is_number(b) or isinstance(b, Bits) and is_number(a):
                bits, val = (a, b) if isinstance(a, Bits) else (b, a)
                if op not in ("==", "!="):
                    raise fail(
                        C.BAD_CONDITION, "measured bits can only be compared with `==`", span
                    )
                v = int(val)
                if not 0 <= v < 2 ** len(bits):
                    raise fail(C.BAD_CONDITION, f"{len(bits)} bits cannot equal {v}", span)
                if op == "!=":
                    if len(bits) != 1:
                        raise fail(C.BAD_CONDITION, "`!=` works only on a single bit", span)
                    v = 1 - v
                return BitCondition(bits.clbits, v)
            if isinstance(a, E.Expr) or isinstance(b, E.Expr):
                raise fail(
                    C.NOT_CONSTANT, "comparison of values that depend on inputs or weights", span
                )
            try:
                return _COMPARE[op](a, b)
            except TypeError:
                raise fail(
                    C.BAD_OPERANDS, f"cannot compare `{type_name(a)}` with `{type_name(b)}`", span
                ) from None
        if isinstance(a, PauliSum) or isinstance(b, PauliSum):
            return self._pauli_op(op, a, b, span)
        if op == "%":
            if is_number(a) and is_number(b):
                if b == 0:
                    raise fail(C.BAD_VALUE, "modulo by zero", span)
                return a % b
            raise fail(C.BAD_OPERANDS, "`%` needs two numbers known at compile time", span)
        if op == "+" and isinstance(a, tuple) and isinstance(b, tuple):
            return a + b
        if is_scalar(a) and is_scalar(b):
            try:
                if isinstance(a, E.Expr) or isinstance(b, E.Expr):
                    return checked_expr(_ARITH[op](E.as_expr(a), E.as_expr(b)), span)
                if op == "/" and b == 0:
                    raise ZeroDivisionError
                r = _ARITH[op](a, b)
                if isinstance(r, complex):
                    raise fail(C.BAD_VALUE, "result is not a real number", span)
                return checked_number(r, span)
            except ZeroDivisionError:
                raise fail(C.BAD_VALUE, "division by zero", span) from None
            except (OverflowError, ValueError, TypeError):
                raise fail(C.BAD_VALUE, "number too large or undefined", span) from None
        raise fail(
            C.BAD_OPERANDS, f"`{op}` is not defined for `{type_name(a)}` and `{type_name(b)}`", span
        )

    def _pauli_op(self, op: str, a: Any, b: Any, span: Span | None) -> PauliSum:
        def lift(v: Any) -> PauliSum:
            if isinstance(v, PauliSum):
                return v
            if is_scalar(v):
                return PauliSum.constant(v)
            raise fail(C.BAD_OPERANDS, f"cannot combine an observable with `{type_name(v)}`", span)

        if op == "+":
            return lift(a) + lift(b)
        if op == "-":
            return lift(a) - lift(b)
        if op == "*":
            if is_scalar(a):
                return b.scale(a)
            if is_scalar(b):
                return a.scale(b)
            return lift(a) * lift(b)
        if op == "/" and is_scalar(b):
            if is_number(b) and b == 0:
                raise fail(C.BAD_VALUE, "division by zero", span)
            return a.scale(E.div(E.ONE, E.as_expr(b)))
        raise fail(C.BAD_OPERANDS, f"`{op}` is not defined for observables", span)

    # --- structure ----------------------------------------------------------
    def _Range(self, n: A.Range, scope: Scope) -> Any:
        lo = self.eval_int(n.lo, scope, "range start")
        hi = self.eval_int(n.hi, scope, "range end")
        return bounded_range(lo, hi, 1, n.span)

    def _ListExpr(self, n: A.ListExpr, scope: Scope) -> Any:
        return tuple(self.eval(i, scope) for i in n.items)

    def _TupleExpr(self, n: A.TupleExpr, scope: Scope) -> Any:
        return tuple(self.eval(i, scope) for i in n.items)

    def _Comprehension(self, n: A.Comprehension, scope: Scope) -> Any:
        items = self.eval(n.iterable, scope)
        items = self.iterable(items, n.iterable.span)
        out = []
        for item in items:
            inner = scope.child()
            bind_targets(n.targets, item, inner, n.span)
            if n.condition is not None and not self.truthy(
                self.eval(n.condition, inner), n.condition.span
            ):
                continue
            out.append(self.eval(n.element, inner))
        return tuple(out)

    def iterable(self, v: Any, span: Span | None) -> tuple:
        if isinstance(v, tuple):
            return v
        if isinstance(v, Qubits):
            return tuple(v.index(i) for i in range(len(v)))
        if is_number(v) and not isinstance(v, bool):
            return bounded_range(0, self.to_int(v, span, "loop count"), 1, span)
        if isinstance(v, E.Expr):
            raise fail(C.NOT_CONSTANT, "loop bounds must be known at compile time", span)
        raise fail(C.TYPE_MISMATCH, f"cannot loop over `{type_name(v)}`", span)

    def _Index(self, n: A.Index, scope: Scope) -> Any:
        base = self.eval(n.value, scope)
        for idx in n.indices:
            base = self.index(base, idx, scope, n.span)
        return base

    def index(self, base: Any, idx: A.Expr | A.Slice, scope: Scope, span: Span | None) -> Any:
        if isinstance(base, Qubits):
            seq: tuple = base.qubits
        elif isinstance(base, Bits):
            seq = base.clbits
        elif isinstance(base, tuple):
            seq = base
        else:
            raise fail(C.TYPE_MISMATCH, f"`{type_name(base)}` cannot be indexed", span)
        if isinstance(idx, A.Slice):
            lo = None if idx.lo is None else self.eval_int(idx.lo, scope, "slice bound")
            hi = None if idx.hi is None else self.eval_int(idx.hi, scope, "slice bound")
            st = None if idx.step is None else self.eval_int(idx.step, scope, "slice step")
            if st == 0:
                raise fail(C.BAD_VALUE, "slice step cannot be zero", idx.span)
            part = seq[slice(lo, hi, st)]
            if isinstance(base, Qubits):
                return Qubits(part)
            if isinstance(base, Bits):
                return Bits(part)
            return part
        iv = self.eval(idx, scope)
        if isinstance(iv, tuple) and isinstance(base, (Qubits, Bits)):
            picked = tuple(
                seq[self._check_index(self.to_int(v, idx.span, "index"), len(seq), idx.span)]
                for v in iv
            )
            return Qubits(picked) if isinstance(base, Qubits) else Bits(picked)
        i = self._check_index(self.to_int(iv, idx.span, "index"), len(seq), idx.span)
        if isinstance(base, Qubits):
            return base.index(i)
        if isinstance(base, Bits):
            return Bits((seq[i],), True)
        return seq[i]

    @staticmethod
    def _check_index(i: int, size: int, span: Span | None) -> int:
        if not 0 <= i < size:
            raise fail(
                C.INDEX_RANGE,
                f"index {i} is out of range for size {size}",
                span,
                help=f"valid indices are 0..{size}" if size else "the value is empty",
            )
        return i

    def _PauliFactor(self, n: A.PauliFactor, scope: Scope) -> Any:
        q = self.eval_int(n.index, scope, "Pauli qubit index")
        if q < 0:
            raise fail(C.INDEX_RANGE, f"qubit index {q} is negative", n.index.span)
        return PauliSum.factor(q, n.pauli)

    def _PauliProduct(self, n: A.PauliProduct, scope: Scope) -> Any:
        out = PauliSum.constant(1.0)
        for f in n.factors:
            out = out * self._PauliFactor(f, scope)
        return out

    def _Arrow(self, n: A.Arrow, scope: Scope) -> Any:
        return CallValue("->", (self.eval(n.lhs, scope), self.eval(n.rhs, scope)), span=n.span)

    def _Pipe(self, n: A.Pipe, scope: Scope) -> Any:
        chain: list[A.Pipe] = []
        node: A.Expr = n
        while isinstance(node, A.Pipe):  # `a |> b |> c` is left-deep: walk it in a loop
            chain.append(node)
            node = node.lhs
        lhs = self.eval(node, scope)
        items = lhs.args if isinstance(lhs, CallValue) and lhs.name == "|>" else (lhs,)
        for link in reversed(chain):
            items = items + (self._stage(link.rhs, scope),)
        return CallValue("|>", items, span=n.span)

    def _stage(self, n: A.Expr, scope: Scope) -> Any:
        """A pipe stage names a catalog entry (``|> tanh(scale = 2)``), not a builtin."""
        if (
            isinstance(n, A.Call)
            and isinstance(n.func, A.Name)
            and "." not in n.func.id
            and not scope.lookup(n.func.id)[0]
        ):
            args = tuple(self.eval(a.value, scope) for a in n.args if a.name is None)
            kwargs = tuple((a.name, self.eval(a.value, scope)) for a in n.args if a.name)
            if len(args) + len(kwargs) != len(n.args) or any(
                a.name is None for a in n.args[len(args) :]
            ):
                raise fail(C.BAD_ARGUMENTS, "positional argument after a named one", n.span)
            return CallValue(n.func.id, args, kwargs, span=n.span)
        return self.eval(n, scope)

    def _Call(self, n: A.Call, scope: Scope) -> Any:
        if isinstance(n.func, A.Name) and "." not in n.func.id:
            found, fn = scope.lookup(n.func.id)
            if not found:
                if n.func.id in BUILTINS:
                    fn = BUILTINS[n.func.id]
                elif self.settings:
                    fn = Symbol(n.func.id)
                else:
                    raise self.unknown(n.func.id, scope, n.func.span)
        else:
            fn = self.eval(n.func, scope)
        args: list[tuple[Any, Span | None]] = []
        kwargs: dict[str, tuple[Any, Span | None]] = {}
        for a in n.args:
            v = self.eval(a.value, scope)
            if a.name is None:
                if kwargs:
                    raise fail(C.BAD_ARGUMENTS, "positional argument after a named one", a.span)
                args.append((v, a.span))
            else:
                if a.name in kwargs:
                    raise fail(C.BAD_ARGUMENTS, f"argument `{a.name}` given twice", a.span)
                kwargs[a.name] = (v, a.span)
        if isinstance(fn, Symbol):
            return CallValue(
                fn.name,
                tuple(v for v, _ in args),
                tuple((k, v) for k, (v, _) in kwargs.items()),
                span=n.span,
            )
        if isinstance(fn, Definition):
            if self.call_hook is None:
                raise fail(C.WRONG_KIND, f"`{fn.name}` cannot be called here", n.span)
            return self.call_hook(fn, args, kwargs, n.span)
        if callable(fn):
            return fn(self, args, kwargs, n.span)
        raise fail(C.TYPE_MISMATCH, f"`{type_name(fn)}` is not callable", n.func.span)


#: The largest magnitude of a compile-time integer.
MAX_INT = 2**62


def checked_number(r: Any, span: Span | None) -> Any:
    """Refuse integers beyond 2^62 and non-finite floats (they only arise from mistakes)."""
    if isinstance(r, bool):
        return r
    if isinstance(r, int) and abs(r) > MAX_INT:
        raise fail(C.BAD_VALUE, "integer too large", span)
    if isinstance(r, float) and not math.isfinite(r):
        raise fail(C.BAD_VALUE, "number is not finite", span)
    return r


def bind_targets(targets: tuple[str, ...], item: Any, scope: Scope, span: Span | None) -> None:
    """Bind loop variables: one name, or a tuple pattern ``(i, j)``."""
    if len(targets) == 1:
        scope.define(targets[0], item)
        return
    if not isinstance(item, tuple) or len(item) != len(targets):
        raise fail(
            C.TYPE_MISMATCH,
            f"cannot unpack `{type_name(item)}` into {len(targets)} names",
            span,
        )
    for t, v in zip(targets, item, strict=True):
        scope.define(t, v)
