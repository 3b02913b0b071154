"""Compile-time values of the semantic analysis.

Evaluating a qlang expression yields a Python value: ``int``, ``float``,
``bool``, ``str``, a symbolic :class:`qlang.ir.expr.Expr` (anything that
depends on an input or a weight), a ``tuple`` (lists, tuples and arrays,
nested for more dimensions), or one of the small classes below.

Example::

    >>> q = Qubits((0, 1, 2))
    >>> q.index(1), len(q)
    (Qubits(qubits=(1,), single=True), 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qlang import ast as A
from qlang.ir import expr as E


@dataclass(frozen=True, slots=True)
class Qubits:
    """Absolute qubit indices: a whole register (``q``) or one qubit (``q[0]``)."""

    qubits: tuple[int, ...]
    single: bool = False

    def __len__(self) -> int:
        return len(self.qubits)

    def index(self, i: int) -> Qubits:
        return Qubits((self.qubits[i],), True)


@dataclass(frozen=True, slots=True)
class Bits:
    """Classical bits (absolute indices) of a ``bit[k] c;`` declaration."""

    clbits: tuple[int, ...]
    single: bool = False

    def __len__(self) -> int:
        return len(self.clbits)


@dataclass(frozen=True, slots=True)
class BitCondition:
    """``c == 2`` / ``c[0] == 1``: the classical condition of a dynamic block."""

    clbits: tuple[int, ...]
    value: int


@dataclass(frozen=True, slots=True)
class Graph:
    """An undirected weighted graph on nodes ``0..num_nodes-1`` (for ``maxcut``)."""

    num_nodes: int
    edges: tuple[tuple[int, int, float], ...]


@dataclass(frozen=True, slots=True)
class Init:
    """A weight initialiser: ``uniform(0, pi)``, ``normal(0, 0.1)``, ``zeros``, ``constant(v)``."""

    kind: str
    args: tuple[float, ...] = ()

    def spec(self) -> tuple[str, tuple[float, ...]]:
        return (self.kind, self.args)


@dataclass(frozen=True, slots=True)
class Definition:
    """A circuit, gate or observable definition together with its module scope."""

    node: A.CircuitDef | A.ObservableDef
    scope: Any  # qlang.semantics.scope.Scope (module level)
    module: str

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def kind(self) -> str:
        return "observable" if isinstance(self.node, A.ObservableDef) else self.node.kind


@dataclass(frozen=True, slots=True)
class ModuleRef:
    """``import encodings``: the module itself, members reached with ``encodings.angle``."""

    name: str
    scope: Any


@dataclass(frozen=True, slots=True)
class Symbol:
    """A bare word used as a setting value (``loss = cross_entropy``, ``basis = [cx, rz]``)."""

    name: str


@dataclass(frozen=True, slots=True)
class CallValue:
    """A call of a model-level builtin (``adam(lr = 0.1)``), kept for the model IR."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    span: Any = None


def type_name(v: object) -> str:
    """A user-facing name for the type of a value (for diagnostics)."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, E.Expr):
        return "float (symbolic)"
    if isinstance(v, tuple):
        return f"array[{', '.join(str(d) for d in shape_of(v))}]"
    if isinstance(v, Qubits):
        return "qubit" if v.single else f"qubit[{len(v)}]"
    if isinstance(v, Bits):
        return "bit" if v.single else f"bit[{len(v)}]"
    from qlang.semantics.observables import PauliSum

    if isinstance(v, PauliSum):
        return "obs"
    if isinstance(v, Graph):
        return "graph"
    if isinstance(v, Definition):
        return v.kind
    if isinstance(v, Init):
        return "initialiser"
    if isinstance(v, CallValue):
        return f"{v.name}(...)"
    if isinstance(v, PendingCall):
        return f"{v.defn.kind} call {v.defn.name}(...)"
    return type(v).__name__


def shape_of(v: object) -> tuple[int, ...]:
    """The shape of a (nested, rectangular) tuple; ``()`` for scalars."""
    shape: list[int] = []
    while isinstance(v, tuple):
        shape.append(len(v))
        if not v:
            break
        v = v[0]
    return tuple(shape)


def flatten(v: object) -> list[object]:
    """The leaves of a nested tuple in row-major order."""
    if isinstance(v, tuple):
        out: list[object] = []
        for item in v:
            out.extend(flatten(item))
        return out
    return [v]


def reshape(flat: list[object], shape: tuple[int, ...]) -> object:
    """Build a nested tuple of ``shape`` from row-major ``flat`` leaves."""
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return tuple(flat[: shape[0]])
    step = len(flat) // shape[0] if shape[0] else 0
    return tuple(reshape(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0]))


def is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_scalar(v: object) -> bool:
    """A real number, constant or symbolic."""
    return is_number(v) or isinstance(v, E.Expr)


@dataclass(frozen=True, slots=True)
class PendingCall:
    """A call of a circuit (or an observable without a known width) in an expression:
    ``zz_feature_map(x, reps = 2)`` as a model entry, applied later to a register."""

    defn: Definition
    args: tuple[tuple[Any, Any], ...]
    kwargs: tuple[tuple[str, tuple[Any, Any]], ...]
    span: Any = None
