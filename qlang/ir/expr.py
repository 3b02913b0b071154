"""Symbolic parameter expressions of the circuit IR.

Gate angles stay symbolic: they are expressions over *inputs* (data features,
``x[i]``) and *weights* (trainable, ``theta[k]``), both addressed by their flat
index. Expressions evaluate vectorised over a batch of inputs and
differentiate symbolically with respect to any input or weight.

Example::

    >>> x0, w1 = Input(0), Weight(1)
    >>> e = 2 * x0 * w1 + Const(0.5)
    >>> import numpy as np
    >>> evaluate(e, np.array([[1.0], [2.0]]), np.array([0.0, 3.0])).tolist()
    [6.5, 12.5]
    >>> diff(e, w1)
    Mul(lhs=Const(value=2.0), rhs=Input(index=0))
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    import numpy as np

Number = Union[int, float]


class _NumpyFunctions(Mapping[str, Callable[[Any], Any]]):
    """The unary functions of expressions by name: the names are known without numpy, the
    numpy ufuncs are looked up on first use (so ``qlang check`` does not import numpy)."""

    _NAMES = ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "exp", "log", "sqrt", "abs",
              "sinh", "cosh", "tanh")  # fmt: skip

    def __init__(self) -> None:
        self._loaded: dict[str, Callable[[Any], Any]] = {}

    def __getitem__(self, name: str) -> Callable[[Any], Any]:
        fn = self._loaded.get(name)
        if fn is None:
            if name not in self._NAMES:
                raise KeyError(name)
            import numpy as np

            fn = self._loaded[name] = getattr(np, name)
        return fn

    def __contains__(self, name: object) -> bool:
        return name in self._NAMES

    def __iter__(self) -> Iterator[str]:
        return iter(self._NAMES)

    def __len__(self) -> int:
        return len(self._NAMES)


#: Unary functions available in expressions (numpy ufuncs, by name).
FUNCTIONS: Mapping[str, Callable[[Any], Any]] = _NumpyFunctions()


class Expr:
    """Base class; supports ``+ - * / **`` and unary minus with simplification."""

    __slots__ = ()

    def __add__(self, other: object) -> Expr:
        return add(self, as_expr(other))

    def __radd__(self, other: object) -> Expr:
        return add(as_expr(other), self)

    def __sub__(self, other: object) -> Expr:
        return sub(self, as_expr(other))

    def __rsub__(self, other: object) -> Expr:
        return sub(as_expr(other), self)

    def __mul__(self, other: object) -> Expr:
        return mul(self, as_expr(other))

    def __rmul__(self, other: object) -> Expr:
        return mul(as_expr(other), self)

    def __truediv__(self, other: object) -> Expr:
        return div(self, as_expr(other))

    def __rtruediv__(self, other: object) -> Expr:
        return div(as_expr(other), self)

    def __pow__(self, other: object) -> Expr:
        return power(self, as_expr(other))

    def __neg__(self) -> Expr:
        return neg(self)


@dataclass(frozen=True, slots=True)
class Const(Expr):
    value: float


@dataclass(frozen=True, slots=True)
class Input(Expr):
    """The flat input feature ``index`` (varies per sample in a batch)."""

    index: int


@dataclass(frozen=True, slots=True)
class Weight(Expr):
    """The flat trainable weight ``index`` (shared across the batch)."""

    index: int


@dataclass(frozen=True, slots=True)
class Add(Expr):
    lhs: Expr
    rhs: Expr


@dataclass(frozen=True, slots=True)
class Mul(Expr):
    lhs: Expr
    rhs: Expr


@dataclass(frozen=True, slots=True)
class Div(Expr):
    lhs: Expr
    rhs: Expr


@dataclass(frozen=True, slots=True)
class Pow(Expr):
    base: Expr
    exponent: Expr


@dataclass(frozen=True, slots=True)
class Neg(Expr):
    operand: Expr


@dataclass(frozen=True, slots=True)
class Func(Expr):
    """A unary function from :data:`FUNCTIONS` applied to an expression."""

    name: str
    arg: Expr


Symbol = Union[Input, Weight]
ZERO = Const(0.0)
ONE = Const(1.0)


def as_expr(value: object) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return Const(float(value))
    raise TypeError(f"cannot use {value!r} as a parameter expression")


# --- smart constructors (constant folding and identities) -----------------


def add(a: Expr, b: Expr) -> Expr:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(a.value + b.value)
    if a == ZERO:
        return b
    if b == ZERO:
        return a
    if isinstance(b, Neg):
        return sub(a, b.operand)
    return Add(a, b)


def sub(a: Expr, b: Expr) -> Expr:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(a.value - b.value)
    if b == ZERO:
        return a
    if a == ZERO:
        return neg(b)
    if a == b:
        return ZERO
    return Add(a, neg(b))


def mul(a: Expr, b: Expr) -> Expr:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(a.value * b.value)
    if a == ZERO or b == ZERO:
        return ZERO
    if a == ONE:
        return b
    if b == ONE:
        return a
    if isinstance(b, Const) and not isinstance(a, Const):
        a, b = b, a
    if isinstance(a, Const) and isinstance(b, Mul) and isinstance(b.lhs, Const):
        return mul(Const(a.value * b.lhs.value), b.rhs)
    if isinstance(a, Const) and a.value == -1.0:
        return neg(b)
    return Mul(a, b)


def div(a: Expr, b: Expr) -> Expr:
    if isinstance(b, Const):
        if b.value == 0.0:
            raise ZeroDivisionError("division by zero in a parameter expression")
        return mul(Const(1.0 / b.value), a) if not isinstance(a, Const) else Const(a.value / b.value)
    if a == ZERO:
        return ZERO
    return Div(a, b)


def power(a: Expr, b: Expr) -> Expr:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(float(a.value**b.value))
    if b == ONE:
        return a
    if b == ZERO:
        return ONE
    return Pow(a, b)


def neg(a: Expr) -> Expr:
    if isinstance(a, Const):
        return Const(-a.value)
    if isinstance(a, Neg):
        return a.operand
    if isinstance(a, Mul) and isinstance(a.lhs, Const):
        return mul(Const(-a.lhs.value), a.rhs)
    return Neg(a)


def func(name: str, arg: Expr) -> Expr:
    if name not in FUNCTIONS:
        raise KeyError(name)
    if isinstance(arg, Const):
        import numpy as np

        with np.errstate(all="ignore"):
            return Const(float(FUNCTIONS[name](np.asarray(arg.value, dtype=float))))
    return Func(name, arg)


# --- traversal ------------------------------------------------------------


def children(e: Expr) -> tuple[Expr, ...]:
    if isinstance(e, (Add, Mul, Div)):
        return (e.lhs, e.rhs)
    if isinstance(e, Pow):
        return (e.base, e.exponent)
    if isinstance(e, Neg):
        return (e.operand,)
    if isinstance(e, Func):
        return (e.arg,)
    return ()


def walk(e: Expr) -> Iterator[Expr]:
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(children(node))


def symbols(e: Expr) -> frozenset[Symbol]:
    """The inputs and weights an expression depends on."""
    return frozenset(n for n in walk(e) if isinstance(n, (Input, Weight)))


def is_constant(e: Expr) -> bool:
    """True when ``e`` depends on no input or weight (stops at the first symbol found).

    >>> is_constant(Const(1.0)) and not is_constant(Input(0))
    True
    """
    t = type(e)
    if t is Const:
        return True
    if t is Input or t is Weight:
        return False
    stack = [e]  # (by node type, without a generator: the optimisation passes ask this
    while stack:  # of every symbolic angle, every round)
        node = stack.pop()
        t = type(node)
        if t is Input or t is Weight:
            return False
        if t is Add or t is Mul or t is Div:
            stack.append(node.lhs)  # type: ignore[attr-defined]
            stack.append(node.rhs)  # type: ignore[attr-defined]
        elif t is Neg:
            stack.append(node.operand)  # type: ignore[attr-defined]
        elif t is Func:
            stack.append(node.arg)  # type: ignore[attr-defined]
        elif t is Pow:
            stack.append(node.base)  # type: ignore[attr-defined]
            stack.append(node.exponent)  # type: ignore[attr-defined]
        elif t is not Const:
            if isinstance(node, (Input, Weight)):
                return False
            stack.extend(children(node))
    return True


def const_value(e: Expr) -> float:
    """The value of a constant expression (raises ``ValueError`` if symbolic)."""
    if isinstance(e, Const):
        return e.value
    if not is_constant(e):
        raise ValueError("expression is not constant")
    import numpy as np

    return float(evaluate(e, np.zeros((1, 0)), np.zeros(0)).reshape(-1)[0])


def substitute(e: Expr, mapping: Callable[[Expr], Expr | None]) -> Expr:
    """Rebuild ``e`` replacing every node for which ``mapping`` returns an Expr."""
    repl = mapping(e)
    if repl is not None:
        return repl
    if isinstance(e, Add):
        return add(substitute(e.lhs, mapping), substitute(e.rhs, mapping))
    if isinstance(e, Mul):
        return mul(substitute(e.lhs, mapping), substitute(e.rhs, mapping))
    if isinstance(e, Div):
        return div(substitute(e.lhs, mapping), substitute(e.rhs, mapping))
    if isinstance(e, Pow):
        return power(substitute(e.base, mapping), substitute(e.exponent, mapping))
    if isinstance(e, Neg):
        return neg(substitute(e.operand, mapping))
    if isinstance(e, Func):
        return func(e.name, substitute(e.arg, mapping))
    return e


def simplify(e: Expr) -> Expr:
    """Re-apply the smart constructors bottom-up (constant folding)."""
    return substitute(e, lambda _n: None)


# --- evaluation -----------------------------------------------------------


def evaluate(e: Expr, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Evaluate over a batch: ``inputs`` is ``(batch, n_inputs)``, result ``(batch,)``.

    A result that does not depend on inputs is broadcast to the batch size.
    """
    import numpy as np

    batch = inputs.shape[0] if inputs.ndim == 2 else 1
    value = _eval(e, inputs, weights)
    return np.broadcast_to(np.asarray(value, dtype=float), (batch,)).copy()


def _eval(e: Expr, x: np.ndarray, w: np.ndarray) -> np.ndarray | float:
    if isinstance(e, Const):
        return e.value
    if isinstance(e, Input):
        return x[:, e.index]
    if isinstance(e, Weight):
        return float(w[e.index])
    if isinstance(e, Add):
        return _eval(e.lhs, x, w) + _eval(e.rhs, x, w)
    if isinstance(e, Mul):
        return _eval(e.lhs, x, w) * _eval(e.rhs, x, w)
    if isinstance(e, Div):
        return _eval(e.lhs, x, w) / _eval(e.rhs, x, w)
    if isinstance(e, Pow):
        import numpy as np

        return np.power(_eval(e.base, x, w), _eval(e.exponent, x, w))
    if isinstance(e, Neg):
        return -_eval(e.operand, x, w)
    if isinstance(e, Func):
        import numpy as np

        return FUNCTIONS[e.name](np.asarray(_eval(e.arg, x, w)))
    raise TypeError(f"not an expression: {e!r}")


def bind(e: Expr, inputs: dict[int, float] | None = None, weights: dict[int, float] | None = None) -> Expr:
    """Replace some symbols by constants and fold."""
    inputs = inputs or {}
    weights = weights or {}

    def repl(n: Expr) -> Expr | None:
        if isinstance(n, Input) and n.index in inputs:
            return Const(float(inputs[n.index]))
        if isinstance(n, Weight) and n.index in weights:
            return Const(float(weights[n.index]))
        return None

    return substitute(e, repl)


# --- differentiation ------------------------------------------------------


def diff(e: Expr, wrt: Symbol) -> Expr:
    """Symbolic derivative of ``e`` with respect to one input or weight."""
    if wrt not in symbols(e):
        return ZERO
    if isinstance(e, (Input, Weight)):
        return ONE if e == wrt else ZERO
    if isinstance(e, Add):
        return add(diff(e.lhs, wrt), diff(e.rhs, wrt))
    if isinstance(e, Mul):
        return add(mul(diff(e.lhs, wrt), e.rhs), mul(e.lhs, diff(e.rhs, wrt)))
    if isinstance(e, Div):
        num = sub(mul(diff(e.lhs, wrt), e.rhs), mul(e.lhs, diff(e.rhs, wrt)))
        return div(num, power(e.rhs, Const(2.0)))
    if isinstance(e, Neg):
        return neg(diff(e.operand, wrt))
    if isinstance(e, Pow):
        b, p = e.base, e.exponent
        db, dp = diff(b, wrt), diff(p, wrt)
        term: Expr = ZERO
        if db != ZERO:
            term = mul(mul(p, power(b, sub(p, ONE))), db)
        if dp != ZERO:
            term = add(term, mul(mul(e, func("log", b)), dp))
        return term
    if isinstance(e, Func):
        inner = diff(e.arg, wrt)
        return mul(_func_derivative(e.name, e.arg), inner)
    raise TypeError(f"not an expression: {e!r}")


def _func_derivative(name: str, a: Expr) -> Expr:
    two = Const(2.0)
    if name == "sin":
        return func("cos", a)
    if name == "cos":
        return neg(func("sin", a))
    if name == "tan":
        return div(ONE, power(func("cos", a), two))
    if name == "arcsin":
        return div(ONE, func("sqrt", sub(ONE, power(a, two))))
    if name == "arccos":
        return neg(div(ONE, func("sqrt", sub(ONE, power(a, two)))))
    if name == "arctan":
        return div(ONE, add(ONE, power(a, two)))
    if name == "exp":
        return func("exp", a)
    if name == "log":
        return div(ONE, a)
    if name == "sqrt":
        return div(Const(0.5), func("sqrt", a))
    if name == "abs":
        return div(a, func("abs", a))
    if name == "sinh":
        return func("cosh", a)
    if name == "cosh":
        return func("sinh", a)
    if name == "tanh":
        return sub(ONE, power(func("tanh", a), two))
    raise KeyError(name)


# --- printing -------------------------------------------------------------

_PREC = {Add: 1, Mul: 2, Div: 2, Neg: 3, Pow: 4}


def to_text(
    e: Expr,
    input_name: Callable[[int], str] = lambda i: f"x[{i}]",
    weight_name: Callable[[int], str] = lambda i: f"w[{i}]",
) -> str:
    """Infix text (OpenQASM 3 compatible when names are valid identifiers)."""

    def go(n: Expr, parent: int) -> str:
        if isinstance(n, Const):
            v = n.value
            if v == math.pi:
                s = "pi"
            elif float(v).is_integer() and abs(v) < 1e15:
                s = f"{v:.1f}"
            else:
                s = repr(float(v))
            return f"({s})" if v < 0 and parent > 0 else s
        if isinstance(n, Input):
            return input_name(n.index)
        if isinstance(n, Weight):
            return weight_name(n.index)
        if isinstance(n, Func):
            return f"{n.name}({go(n.arg, 0)})"
        prec = _PREC[type(n)]
        if isinstance(n, Add):
            rhs = n.rhs
            if isinstance(rhs, Neg):
                s = f"{go(n.lhs, 1)} - {go(rhs.operand, 2)}"
            else:
                s = f"{go(n.lhs, 1)} + {go(rhs, 1)}"
        elif isinstance(n, Mul):
            s = f"{go(n.lhs, 2)} * {go(n.rhs, 3)}"
        elif isinstance(n, Div):
            s = f"{go(n.lhs, 2)} / {go(n.rhs, 3)}"
        elif isinstance(n, Pow):
            s = f"{go(n.base, 5)} ** {go(n.exponent, 4)}"
        elif isinstance(n, Neg):
            s = f"-{go(n.operand, 3)}"
        else:
            raise TypeError(n)
        return f"({s})" if prec < parent or (isinstance(n, Neg) and parent >= 3) else s

    return go(e, 0)


# --- JSON -----------------------------------------------------------------


def to_json(e: Expr) -> object:
    """A JSON-ready nested list form, e.g. ``["mul", ["const", 2.0], ["w", 3]]``."""
    if isinstance(e, Const):
        return ["const", e.value]
    if isinstance(e, Input):
        return ["x", e.index]
    if isinstance(e, Weight):
        return ["w", e.index]
    if isinstance(e, Add):
        return ["add", to_json(e.lhs), to_json(e.rhs)]
    if isinstance(e, Mul):
        return ["mul", to_json(e.lhs), to_json(e.rhs)]
    if isinstance(e, Div):
        return ["div", to_json(e.lhs), to_json(e.rhs)]
    if isinstance(e, Pow):
        return ["pow", to_json(e.base), to_json(e.exponent)]
    if isinstance(e, Neg):
        return ["neg", to_json(e.operand)]
    if isinstance(e, Func):
        return ["fn", e.name, to_json(e.arg)]
    raise TypeError(e)


def from_json(data: object) -> Expr:
    if not isinstance(data, list) or not data:
        raise ValueError(f"bad expression JSON: {data!r}")
    tag = data[0]
    if tag == "const":
        return Const(float(data[1]))
    if tag == "x":
        return Input(int(data[1]))
    if tag == "w":
        return Weight(int(data[1]))
    if tag == "add":
        return Add(from_json(data[1]), from_json(data[2]))
    if tag == "mul":
        return Mul(from_json(data[1]), from_json(data[2]))
    if tag == "div":
        return Div(from_json(data[1]), from_json(data[2]))
    if tag == "pow":
        return Pow(from_json(data[1]), from_json(data[2]))
    if tag == "neg":
        return Neg(from_json(data[1]))
    if tag == "fn" and data[1] in FUNCTIONS:
        return Func(str(data[1]), from_json(data[2]))
    raise ValueError(f"bad expression JSON: {data!r}")
