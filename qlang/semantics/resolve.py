"""Static name resolution of circuit, gate and observable bodies.

Lowering checks a circuit only when a model uses it, with concrete sizes: a loop that
runs zero times or a branch not taken is never looked at, and a circuit no model uses
is never lowered at all. This pass walks every definition of a checked file without
evaluating it and reports names that resolve nowhere (``QL0101``) and gate calls that
name no gate or circuit (``QL0102``), with the same codes and messages as lowering so a
name found by both is reported once.

Example:
    >>> from qlang.parser import parse
    >>> from qlang.semantics.scope import Scope
    >>> tree = parse("circuit c on q[2] {\\n  hh q[0];\\n}\\n", "c.qml")
    >>> [d.code for d in unresolved(tree.items[0], Scope(None, module="c"))]
    ['QL0102']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from qlang import ast as A
from qlang.diagnostics import Diagnostic, did_you_mean
from qlang.ir.gates import ALIASES, GATES
from qlang.semantics import codes as C
from qlang.semantics.scope import Scope
from qlang.source import Span

__all__ = ["unresolved"]


def unresolved(defn: A.CircuitDef | A.ObservableDef, scope: Scope) -> list[Diagnostic]:
    """Diagnostics for the names in ``defn`` that resolve neither locally nor in ``scope``."""
    walker = _Walker(scope)
    bound = {r.name for r in defn.registers}
    bound |= {p.name for p in defn.params}
    for r in defn.registers:
        bound |= _size_names(r.size)
    for p in defn.params:
        for dim in p.type.dims:
            bound |= _size_names(dim)
    for p in defn.params:
        if p.default is not None:
            walker.expr(p.default, bound)
    if isinstance(defn, A.ObservableDef):
        walker.expr(defn.body, bound)
    else:
        walker.stmts(defn.body, set(bound))
    return walker.found


def _size_names(e: A.Expr | None) -> set[str]:
    """Names a register size or a type dimension introduces (``q[n]``, ``float[n]``)."""
    return {e.id} if isinstance(e, A.Name) and "." not in e.id else set()


class _Walker:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.found: list[Diagnostic] = []

    # --- statements ---------------------------------------------------------
    def stmts(self, body: Iterable[A.Stmt], bound: set[str]) -> None:
        """Walk a block; names a statement binds (``let``, declarations) stay bound after it."""
        for st in body:
            self.stmt(st, bound)

    def stmt(self, st: A.Stmt, bound: set[str]) -> None:
        if isinstance(st, A.GateCall):
            for m in st.modifiers:
                if m.arg is not None:
                    self.expr(m.arg, bound)
            self.args(st.args, bound)
            self.exprs(st.qargs, bound)
            if st.name not in ("reset", "measure", "barrier"):
                self.gate(st.name, bound, st.span)
        elif isinstance(st, A.For):
            self.expr(st.iterable, bound)
            self.stmts(st.body, bound | set(st.targets))
        elif isinstance(st, A.Repeat):
            self.expr(st.count, bound)
            self.stmts(st.body, set(bound))
        elif isinstance(st, A.If):
            self.expr(st.condition, bound)
            self.stmts(st.then_body, set(bound))
            self.stmts(st.else_body, set(bound))
        elif isinstance(st, A.Let):
            self.expr(st.value, bound)
            bound.add(st.name)
        elif isinstance(st, (A.BitDecl, A.QubitDecl)):
            if st.size is not None:
                self.expr(st.size, bound)
            bound.add(st.name)
        elif isinstance(st, A.Measure):
            self.expr(st.qubits, bound)
            if st.target is not None:
                self.expr(st.target, bound)
        elif isinstance(st, (A.Reset, A.Barrier)):
            self.exprs(st.qargs, bound)

    # --- expressions --------------------------------------------------------
    def exprs(self, items: Iterable[A.Expr | A.Slice | None], bound: set[str]) -> None:
        for e in items:
            if e is not None:
                self.expr(e, bound)

    def args(self, args: Iterable[A.Arg], bound: set[str]) -> None:
        for a in args:
            self.expr(a.value, bound)

    def expr(self, e: A.Expr | A.Slice, bound: set[str]) -> None:
        if isinstance(e, A.Name):
            self.name(e.id, bound, e.span)
        elif isinstance(e, A.Call):
            self.expr(e.func, bound)
            self.args(e.args, bound)
        elif isinstance(e, A.Comprehension):
            self.expr(e.iterable, bound)
            inner = bound | set(e.targets)
            self.expr(e.element, inner)
            if e.condition is not None:
                self.expr(e.condition, inner)
        elif isinstance(e, (A.Binary, A.Arrow, A.Pipe)):
            self.expr(e.lhs, bound)
            self.expr(e.rhs, bound)
        elif isinstance(e, A.Unary):
            self.expr(e.operand, bound)
        elif isinstance(e, A.Index):
            self.expr(e.value, bound)
            self.exprs(e.indices, bound)
        elif isinstance(e, A.Slice):
            self.exprs((e.lo, e.hi, e.step), bound)
        elif isinstance(e, A.Range):
            self.exprs((e.lo, e.hi), bound)
        elif isinstance(e, (A.ListExpr, A.TupleExpr)):
            self.exprs(e.items, bound)
        elif isinstance(e, A.PauliProduct):
            for f in e.factors:
                self.expr(f.index, bound)

    # --- lookups ------------------------------------------------------------
    def name(self, name: str, bound: set[str], span: Span | None) -> None:
        head = name.split(".", 1)[0]
        if head in bound or self.scope.lookup(head)[0] or _builtin_value(head):
            return
        from qlang.semantics.builtins import BUILTINS
        from qlang.semantics.evaluator import CONSTANTS

        cands = set(self.scope.names()) | set(CONSTANTS) | set(BUILTINS) | bound
        self.found.append(
            Diagnostic.error(
                C.UNKNOWN_NAME, f"unknown name `{head}`", span, help=did_you_mean(head, cands)
            )
        )

    def gate(self, name: str, bound: set[str], span: Span | None) -> None:
        from qlang.semantics.circuits import NATIVE_CIRCUITS

        head = name.split(".", 1)[0]
        if head in bound or self.scope.lookup(head)[0]:
            return
        if ALIASES.get(name, name) in GATES or name in NATIVE_CIRCUITS:
            return
        cands = set(GATES) | set(ALIASES) | set(NATIVE_CIRCUITS) | set(_definitions(self.scope))
        self.found.append(
            Diagnostic.error(
                C.UNKNOWN_GATE,
                f"unknown gate or circuit `{name}`",
                span,
                help=did_you_mean(name, cands),
            )
        )


def _builtin_value(name: str) -> bool:
    from qlang.semantics.builtins import BUILTIN_VALUES, BUILTINS
    from qlang.semantics.circuits import NATIVE_CIRCUITS
    from qlang.semantics.evaluator import CONSTANTS

    return (
        name in CONSTANTS
        or name in BUILTIN_VALUES
        or name in BUILTINS
        or name in NATIVE_CIRCUITS
        or ALIASES.get(name, name) in GATES
    )


def _definitions(scope: Scope) -> Iterator[str]:
    from qlang.semantics.values import Definition

    for n in scope.names():
        if isinstance(scope.lookup(n)[1], Definition):
            yield n
