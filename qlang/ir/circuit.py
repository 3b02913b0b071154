"""The circuit IR: an immutable sequence of operations over symbolic parameters.

Example::

    >>> from qlang.ir.expr import Input, Weight
    >>> c = Circuit(
    ...     num_qubits=2,
    ...     ops=(
    ...         Operation("ry", (0,), (Input(0),)),
    ...         Operation("cx", (0, 1)),
    ...         Operation("rz", (1,), (Weight(0),)),
    ...     ),
    ...     inputs=(ParamDecl("x", (1,), 0),),
    ...     weights=(ParamDecl("theta", (1,), 0),),
    ... )
    >>> c.verify()
    >>> c.parameter_names()
    ['x[0]', 'theta[0]']

Qubits are integers ``0..num_qubits-1``. Measurements write classical bits
``0..num_clbits-1``; an operation may carry a :class:`Condition` on bits
(dynamic circuits). After routing, ``layout`` records where each logical
qubit starts and ends on the device.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from math import prod

from qlang.ir import expr as E
from qlang.ir.gates import GATES, NON_UNITARY
from qlang.source import Span


class IRVerificationError(Exception):
    """The IR violates an invariant: always a compiler bug, never bad user input."""


@dataclass(frozen=True, slots=True)
class Condition:
    """Run the operation only if the bits ``clbits`` (little-endian) equal ``value``."""

    clbits: tuple[int, ...]
    value: int


@dataclass(frozen=True, slots=True)
class Operation:
    """One gate application, measurement, reset or barrier.

    ``name`` is a key of :data:`~qlang.ir.gates.GATES` or one of
    ``measure``/``reset``/``barrier``. ``params`` are symbolic expressions.
    """

    name: str
    qubits: tuple[int, ...]
    params: tuple[E.Expr, ...] = ()
    clbits: tuple[int, ...] = ()
    condition: Condition | None = None
    span: Span | None = field(default=None, compare=False, repr=False)

    @property
    def is_gate(self) -> bool:
        return self.name not in NON_UNITARY

    @property
    def is_parameterized(self) -> bool:
        return any(not E.is_constant(p) for p in self.params)


@dataclass(frozen=True, slots=True)
class ParamDecl:
    """A named block of parameters: ``theta`` of shape ``(3, 4)`` at flat ``offset``.

    For weights, ``init`` is the initialiser spec (e.g. ``("uniform", (0.0, 6.28))``)
    and ``frozen`` excludes the block from training.
    """

    name: str
    shape: tuple[int, ...]
    offset: int
    init: tuple[str, tuple[float, ...]] | None = None
    frozen: bool = False
    span: Span | None = field(default=None, compare=False, repr=False)

    @property
    def size(self) -> int:
        return prod(self.shape) if self.shape else 1

    def flat_names(self) -> list[str]:
        if not self.shape:
            return [self.name]
        names = []
        for flat in range(self.size):
            idx, rem = [], flat
            for dim in reversed(self.shape):
                idx.append(rem % dim)
                rem //= dim
            names.append(f"{self.name}[{','.join(str(i) for i in reversed(idx))}]")
        return names


@dataclass(frozen=True, slots=True)
class Layout:
    """``initial[l]`` / ``final[l]``: the physical qubit holding logical qubit ``l``."""

    initial: tuple[int, ...]
    final: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Circuit:
    num_qubits: int
    ops: tuple[Operation, ...]
    num_clbits: int = 0
    inputs: tuple[ParamDecl, ...] = ()
    weights: tuple[ParamDecl, ...] = ()
    global_phase: E.Expr = E.ZERO
    layout: Layout | None = None
    name: str = "main"
    span: Span | None = field(default=None, compare=False, repr=False)

    # --- parameters -------------------------------------------------------
    @property
    def num_inputs(self) -> int:
        return sum(d.size for d in self.inputs)

    @property
    def num_weights(self) -> int:
        return sum(d.size for d in self.weights)

    def input_names(self) -> list[str]:
        return [n for d in self.inputs for n in d.flat_names()]

    def weight_names(self) -> list[str]:
        return [n for d in self.weights for n in d.flat_names()]

    def parameter_names(self) -> list[str]:
        """Inputs then weights, in flat order: the binding order of every target."""
        return self.input_names() + self.weight_names()

    # --- convenience ------------------------------------------------------
    def __iter__(self) -> Iterator[Operation]:
        return iter(self.ops)

    def __len__(self) -> int:
        return len(self.ops)

    def with_ops(self, ops: Iterable[Operation]) -> Circuit:
        return replace(self, ops=tuple(ops))

    def count_ops(self) -> Counter[str]:
        return Counter(op.name for op in self.ops)

    @property
    def num_two_qubit_gates(self) -> int:
        return sum(1 for op in self.ops if op.is_gate and len(op.qubits) == 2)

    def depth(self, only_multi_qubit: bool = False) -> int:
        """Circuit depth (barriers do not count; they only synchronise)."""
        level = [0] * self.num_qubits
        clevel = [0] * self.num_clbits
        for op in self.ops:
            qs = op.qubits
            counts = op.name != "barrier" and (not only_multi_qubit or len(qs) >= 2)
            if not op.clbits and op.condition is None and 1 <= len(qs) <= 2:  # fast path
                a, b = qs[0], qs[-1]
                end = max(level[a], level[b]) + counts
                level[a] = level[b] = end
                continue
            cs = op.clbits + (op.condition.clbits if op.condition else ())
            start = max([level[q] for q in qs] + [clevel[c] for c in cs] + [0])
            end = start + (1 if counts else 0)
            for q in qs:
                level[q] = end
            for c in cs:
                clevel[c] = end
        return max(level + clevel + [0])

    # --- invariants -------------------------------------------------------
    def verify(self, seen: VerifiedOps | None = None) -> None:
        """Check every structural invariant; raise :class:`IRVerificationError`.

        ``seen`` (kept by a pipeline across its passes) skips operations already verified
        in a circuit of the same shape, and records the ones checked here: a pass that
        changes a few operations gets only those checked again."""
        if self.num_qubits < 0 or self.num_clbits < 0:
            raise IRVerificationError("negative register size")
        _check_decls(self.inputs, "input")
        _check_decls(self.weights, "weight")
        n_in, n_w = self.num_inputs, self.num_weights
        _check_expr(self.global_phase, n_in, n_w, "global phase")
        known = None
        if seen is not None:
            known = seen.for_shape((self.num_qubits, self.num_clbits, n_in, n_w))
        checked: set[int] = set()  # ids of expressions already checked (passes share them)
        for i, op in enumerate(self.ops):
            if known is not None and known.get(id(op)) is op:
                continue
            self._verify_op(i, op, n_in, n_w, checked)
            if known is not None:
                known[id(op)] = op
        if self.layout is not None:
            for name in ("initial", "final"):
                perm = getattr(self.layout, name)
                if len(set(perm)) != len(perm) or any(not 0 <= p < self.num_qubits for p in perm):
                    raise IRVerificationError(f"layout.{name} is not an injective map")

    def _verify_op(self, i: int, op: Operation, n_in: int, n_w: int, checked: set[int]) -> None:
        """The checks of one operation (``n_in``/``n_w``: the input and weight counts)."""
        where = f"op {i} ({op.name})"
        if not isinstance(op.qubits, tuple) or not isinstance(op.params, tuple):
            raise IRVerificationError(f"{where}: children must be tuples")
        for q in op.qubits:
            if not isinstance(q, int) or not 0 <= q < self.num_qubits:
                raise IRVerificationError(f"{where}: qubit {q!r} out of range")
        if len(set(op.qubits)) != len(op.qubits):
            raise IRVerificationError(f"{where}: repeated qubit in {op.qubits}")
        for c in op.clbits + (op.condition.clbits if op.condition else ()):
            if not 0 <= c < self.num_clbits:
                raise IRVerificationError(f"{where}: clbit {c} out of range")
        if op.name in NON_UNITARY:
            if op.name == "measure" and len(op.clbits) != len(op.qubits):
                raise IRVerificationError(f"{where}: measure needs one clbit per qubit")
            if op.params:
                raise IRVerificationError(f"{where}: takes no parameters")
            return
        gd = GATES.get(op.name)
        if gd is None:
            raise IRVerificationError(f"{where}: unknown gate")
        if gd.num_qubits and len(op.qubits) != gd.num_qubits:
            raise IRVerificationError(f"{where}: expects {gd.num_qubits} qubits")
        if not gd.num_qubits and len(op.qubits) < 1:
            raise IRVerificationError(f"{where}: needs at least one qubit")
        if len(op.params) != gd.num_params:
            raise IRVerificationError(f"{where}: expects {gd.num_params} parameters")
        for p in op.params:
            if id(p) not in checked:
                _check_expr(p, n_in, n_w, where)
                checked.add(id(p))


@dataclass
class VerifiedOps:
    """Operations that passed :meth:`Circuit.verify` in circuits of one shape (qubits,
    clbits, inputs, weights). The checks of an operation depend only on that shape, and
    operations are immutable, so an operation object seen before need not be checked
    again. It holds the objects themselves, so their ids are not reused while it lives.

    Example::

        >>> c = Circuit(2, (Operation("cx", (0, 1)),))
        >>> seen = VerifiedOps()
        >>> c.verify(seen); len(seen.ops)
        1
        >>> Circuit(3, c.ops).verify(seen); seen.shape  # another shape starts afresh
        (3, 0, 0, 0)
    """

    shape: tuple[int, int, int, int] | None = None
    ops: dict[int, Operation] = field(default_factory=dict)

    def for_shape(self, shape: tuple[int, int, int, int]) -> dict[int, Operation]:
        """The verified operations for ``shape`` (emptied when the shape changes)."""
        if shape != self.shape:
            self.shape, self.ops = shape, {}
        return self.ops


def _check_decls(decls: tuple[ParamDecl, ...], kind: str) -> None:
    offset = 0
    names = set()
    for d in decls:
        if d.offset != offset:
            raise IRVerificationError(f"{kind} `{d.name}` has offset {d.offset}, expected {offset}")
        if d.name in names:
            raise IRVerificationError(f"duplicate {kind} `{d.name}`")
        if any(s < 0 for s in d.shape):
            raise IRVerificationError(f"{kind} `{d.name}` has a negative dimension")
        names.add(d.name)
        offset += d.size


def _check_expr(e: E.Expr, n_in: int, n_w: int, where: str) -> None:
    if not isinstance(e, E.Expr):
        raise IRVerificationError(f"{where}: parameter {e!r} is not an expression")
    for node in E.walk(e):
        if isinstance(node, E.Input) and not 0 <= node.index < n_in:
            raise IRVerificationError(f"{where}: input index {node.index} out of range")
        if isinstance(node, E.Weight) and not 0 <= node.index < n_w:
            raise IRVerificationError(f"{where}: weight index {node.index} out of range")
        if isinstance(node, E.Func) and node.name not in E.FUNCTIONS:
            raise IRVerificationError(f"{where}: unknown function {node.name}")
