"""The abstract syntax tree of ``.qml`` files.

Nodes are frozen dataclasses with tuple children; edits go through
``dataclasses.replace``. Every node carries a :class:`~qlang.source.Span`
that is excluded from equality, so trees compare without positions.
Each class docstring shows the source it stands for.

Example::

    >>> a = Binary("+", Name("x"), Number(1))
    >>> a == Binary("+", Name("x"), Number(1), span=Span(0, 0, 5))
    True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Union

from qlang.source import Span


@dataclass(frozen=True, slots=True)
class Node:
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)

    def children(self) -> Iterator[Node]:
        """Direct child nodes, in source order."""
        for f in fields(self):
            if f.name == "span":
                continue
            value = getattr(self, f.name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                for item in value:
                    if isinstance(item, Node):
                        yield item


def walk(node: Node) -> Iterator[Node]:
    """All nodes of a tree, parents before children (iterative: no recursion limit)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(list(n.children())))


# --- expressions -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Number(Node):
    """``3``, ``0.5``, ``1e-3``."""

    value: int | float


@dataclass(frozen=True, slots=True)
class String(Node):
    """``"full"``."""

    value: str


@dataclass(frozen=True, slots=True)
class Bool(Node):
    """``true`` / ``false``."""

    value: bool


@dataclass(frozen=True, slots=True)
class Name(Node):
    """``theta``, ``pi``, ``q``."""

    id: str


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """``a + b``, ``a ** b``, ``a == b``, ``a and b``."""

    op: str
    lhs: Expr
    rhs: Expr


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """``-a``, ``+a``, ``not a``."""

    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Arg(Node):
    """A call argument: ``x`` or ``reps = 2``."""

    name: str | None
    value: Expr


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``pairs(n, "ring")``, ``adam(lr = 0.01)``."""

    func: Expr
    args: tuple[Arg, ...]


@dataclass(frozen=True, slots=True)
class Slice(Node):
    """``lo:hi`` or ``lo:hi:step`` inside brackets; bounds may be omitted."""

    lo: Expr | None
    hi: Expr | None
    step: Expr | None = None


@dataclass(frozen=True, slots=True)
class Index(Node):
    """``x[i]``, ``theta[l, i]``, ``q[0:3]``."""

    value: Expr
    indices: tuple[Expr | Slice, ...]


@dataclass(frozen=True, slots=True)
class Range(Node):
    """``0..n`` (half-open: ``0, 1, ..., n-1``)."""

    lo: Expr
    hi: Expr


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    """``[cx, rz, sx, x]``."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class TupleExpr(Node):
    """``(0, 1)``."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Comprehension(Node):
    """``sum(Z[i] for i in 0..n)`` (``kind="gen"``) or ``[x for (i, j) in e if c]``."""

    element: Expr
    targets: tuple[str, ...]
    iterable: Expr
    condition: Expr | None
    kind: str  # "gen" | "list"


@dataclass(frozen=True, slots=True)
class PauliFactor(Node):
    """``Z0`` (index ``Number(0)``) or ``X[i + 1]``."""

    pauli: str  # "X" | "Y" | "Z" | "I"
    index: Expr


@dataclass(frozen=True, slots=True)
class PauliProduct(Node):
    """``Z0 Z1`` or ``X[i] Y[j]``: a tensor product written by juxtaposition."""

    factors: tuple[PauliFactor, ...]


@dataclass(frozen=True, slots=True)
class Arrow(Node):
    """``64 -> 5`` (layer widths)."""

    lhs: Expr
    rhs: Expr


@dataclass(frozen=True, slots=True)
class Pipe(Node):
    """``iris() |> standardize() |> pca(2)``."""

    lhs: Expr
    rhs: Expr


Expr = Union[
    Number,
    String,
    Bool,
    Name,
    Binary,
    Unary,
    Call,
    Index,
    Range,
    ListExpr,
    TupleExpr,
    Comprehension,
    PauliFactor,
    PauliProduct,
    Arrow,
    Pipe,
]


@dataclass(frozen=True, slots=True)
class TypeExpr(Node):
    """``float``, ``float[n]``, ``weight[reps + 1, n]``, ``int``, ``str``."""

    name: str
    dims: tuple[Expr, ...] = ()


# --- circuit statements ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Modifier(Node):
    """``inv @``, ``adjoint @``, ``ctrl @``, ``ctrl(2) @``, ``negctrl @``, ``pow(k) @``."""

    kind: str
    arg: Expr | None = None


@dataclass(frozen=True, slots=True)
class GateCall(Node):
    """``rx(theta[0]) q[0];``, ``ctrl @ h q[0], q[1];``, ``zz_feature_map(x) q;``."""

    modifiers: tuple[Modifier, ...]
    name: str
    args: tuple[Arg, ...]
    qargs: tuple[Expr, ...]
    has_parens: bool = False


@dataclass(frozen=True, slots=True)
class For(Node):
    """``for i in 0..n { ... }`` or ``for (i, j) in pairs(n, "ring") { ... }``."""

    targets: tuple[str, ...]
    iterable: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class Repeat(Node):
    """``repeat reps { ... }``."""

    count: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class If(Node):
    """``if (cond) { ... } else { ... }``: compile-time, or classical bits (dynamic)."""

    condition: Expr
    then_body: tuple[Stmt, ...]
    else_body: tuple[Stmt, ...] = ()
    has_else: bool = False


@dataclass(frozen=True, slots=True)
class Let(Node):
    """``let k = n / 2;``: a compile-time local value."""

    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class Measure(Node):
    """``c[0] = measure q[0];`` or ``measure q[0] -> c[0];`` or ``measure q;``."""

    qubits: Expr
    target: Expr | None
    arrow: bool = False


@dataclass(frozen=True, slots=True)
class Reset(Node):
    """``reset q[0];``."""

    qargs: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Barrier(Node):
    """``barrier q;`` / ``barrier;``."""

    qargs: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class BitDecl(Node):
    """``bit[2] c;`` / ``bit c;``: classical bits for mid-circuit measurement."""

    name: str
    size: Expr | None


@dataclass(frozen=True, slots=True)
class QubitDecl(Node):
    """``qubit[2] anc;``: ancilla qubits local to a circuit."""

    name: str
    size: Expr | None


Stmt = Union[GateCall, For, Repeat, If, Let, Measure, Reset, Barrier, BitDecl, QubitDecl]


# --- declarations ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param(Node):
    """``reps: int = 2``, ``x: float[n]``, ``theta: weight[2, n] = uniform(0, pi)``."""

    name: str
    type: TypeExpr
    default: Expr | None = None


@dataclass(frozen=True, slots=True)
class Register(Node):
    """``q[n]`` (a register whose size binds ``n``) or ``anc`` (one qubit)."""

    name: str
    size: Expr | None


@dataclass(frozen=True, slots=True)
class CircuitDef(Node):
    """``circuit name(params) on q[n] { ... }`` or ``gate name(params) a, b { ... }``."""

    kind: str  # "circuit" | "gate"
    name: str
    params: tuple[Param, ...]
    registers: tuple[Register, ...]
    body: tuple[Stmt, ...]
    doc: str = ""


@dataclass(frozen=True, slots=True)
class ObservableDef(Node):
    """``observable ising(J: float, h: float) on q[n] = -J * sum(...) - h * sum(...);``."""

    name: str
    params: tuple[Param, ...]
    registers: tuple[Register, ...]
    body: Expr
    doc: str = ""


@dataclass(frozen=True, slots=True)
class ConstDef(Node):
    """``const n: int = 4;`` / ``const graph = random_regular(3, 10, seed = 1);``."""

    name: str
    type: TypeExpr | None
    value: Expr
    doc: str = ""


@dataclass(frozen=True, slots=True)
class Import(Node):
    """``import encodings.zz_feature_map``, ``import ansatze.{a, b}``,
    ``import "lib/my.qml"``, ``import "lib/my.qml".{a}`` , ``import ansatze as az``."""

    module: tuple[str, ...]  # stdlib path, empty for file imports
    file: str | None
    names: tuple[str, ...] | None  # None: the module itself / single dotted member
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class Setting(Node):
    """A model entry ``key = value``."""

    key: str
    value: Expr


@dataclass(frozen=True, slots=True)
class Block(Node):
    """A model sub-block: ``train { seed = 7 }`` or ``quantum cell { ... }``."""

    kind: str
    label: str | None
    items: tuple[ModelItem, ...]


@dataclass(frozen=True, slots=True)
class InputDecl(Node):
    """``input x: float[4]``."""

    name: str
    type: TypeExpr


@dataclass(frozen=True, slots=True)
class WeightDecl(Node):
    """``weight theta: float[3, 4] = uniform(0, pi) frozen``."""

    name: str
    type: TypeExpr
    init: Expr | None = None
    frozen: bool = False


ModelItem = Union[Setting, Block, InputDecl, WeightDecl]


@dataclass(frozen=True, slots=True)
class ModelDef(Node):
    """``model name { data = ..., encoding = ..., ... }``."""

    name: str
    items: tuple[ModelItem, ...]
    doc: str = ""


Decl = Union[Import, ConstDef, CircuitDef, ObservableDef, ModelDef]


@dataclass(frozen=True, slots=True)
class Module(Node):
    """A whole ``.qml`` file."""

    items: tuple[Decl, ...]
    doc: str = ""


def dump(node: object, indent: int = 0) -> str:
    """A readable, span-free rendering of a tree (used by the golden tests).

    Example::

        >>> print(dump(Binary("+", Name("x"), Number(1))))
        Binary op='+'
          lhs: Name id='x'
          rhs: Number value=1
    """
    lines: list[str] = []
    _dump(node, 0, "", lines)
    return "\n".join(lines)


def _dump(node: object, depth: int, label: str, lines: list[str]) -> None:
    pad = "  " * depth + (f"{label}: " if label else "")
    if isinstance(node, Node):
        scalars, nested = [], []
        for f in fields(node):
            if f.name == "span":
                continue
            v = getattr(node, f.name)
            if isinstance(v, Node) or (
                isinstance(v, tuple) and any(isinstance(i, Node) for i in v)
            ):
                nested.append((f.name, v))
            elif v is not None and v != () and v != "" and v is not False:
                scalars.append(f"{f.name}={v!r}")
        lines.append(pad + " ".join([type(node).__name__, *scalars]))
        for name, v in nested:
            if isinstance(v, tuple):
                lines.append("  " * (depth + 1) + f"{name}:")
                for item in v:
                    _dump(item, depth + 2, "", lines)
            else:
                _dump(v, depth + 1, name, lines)
    else:
        lines.append(pad + repr(node))
