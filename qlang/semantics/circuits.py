"""Lowering circuit bodies to IR operations: loops, conditions, calls, modifiers.

A :class:`Lowerer` evaluates statements at compile time and appends
:class:`~qlang.ir.circuit.Operation` objects to a :class:`Builder`. Calls of
circuits and gates are inlined; modifiers (``inv``, ``ctrl``, ``negctrl``,
``pow``) transform the inlined operations.

Example::

    >>> from qlang.semantics.lowering import circuit_from_text
    >>> c = circuit_from_text("circuit bell on q[2] { h q[0]; cx q[0], q[1]; }", "bell")
    >>> [op.name for op in c.ops]
    ['h', 'cx']
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from qlang import ast as A
from qlang.diagnostics import Diagnostic, did_you_mean
from qlang.ir import expr as E
from qlang.ir.circuit import Condition, Operation
from qlang.ir.gates import ALIASES, GATES
from qlang.limits import MAX_CALL_DEPTH, MAX_CLBITS, MAX_QUBITS, MAX_RANGE, MAX_STEPS
from qlang.semantics import codes as C
from qlang.semantics import modifiers as M
from qlang.semantics.binding import bind
from qlang.semantics.codes import SemanticError, fail
from qlang.semantics.evaluator import Evaluator, bind_targets
from qlang.semantics.observables import PauliSum
from qlang.semantics.params import ParamTable
from qlang.semantics.scope import Scope
from qlang.semantics.values import (
    BitCondition,
    Bits,
    Definition,
    Init,
    PendingCall,
    Qubits,
    is_number,
    is_scalar,
    type_name,
)
from qlang.source import GLOBAL_SOURCES, Span

#: Statements executed (and operations emitted) before lowering gives up.

#: Circuits implemented in Python (``evolve(H, t) q;``), see :mod:`qlang.semantics.evolution`.
NATIVE_CIRCUITS: dict[str, Any] = {}


class Abort(SemanticError):
    """A resource limit was hit: stop lowering (no recovery at statement level)."""


@dataclass
class Builder:
    """Operations being emitted, with qubit and classical-bit allocation."""

    num_qubits: int = 0
    num_clbits: int = 0
    ops: list[Operation] = field(default_factory=list)
    allocate: bool = True

    def qubits(self, k: int, span: Span | None) -> Qubits:
        if not self.allocate:
            raise fail(C.BAD_MODIFIER, "ancilla qubits cannot be declared under a modifier", span)
        if k < 0:
            raise fail(C.BAD_VALUE, f"cannot allocate {k} qubits", span)
        if k > MAX_QUBITS - self.num_qubits:
            raise fail(
                "QL0823",
                f"cannot allocate {k:,} qubits: a circuit has at most {MAX_QUBITS:,}",
                span,
            )
        start = self.num_qubits
        self.num_qubits += k
        return Qubits(tuple(range(start, start + k)))

    def clbits(self, k: int, span: Span | None) -> Bits:
        if not self.allocate:
            raise fail(C.BAD_MODIFIER, "bits cannot be declared under a modifier", span)
        if k < 0:
            raise fail(C.BAD_VALUE, f"cannot allocate {k} bits", span)
        if k > MAX_CLBITS - self.num_clbits:
            raise fail("QL0823", f"cannot allocate {k:,} bits (limit {MAX_CLBITS:,})", span)
        start = self.num_clbits
        self.num_clbits += k
        return Bits(tuple(range(start, start + k)))

    def sub(self) -> Builder:
        return Builder(self.num_qubits, self.num_clbits, [], allocate=False)


class Lowerer:
    """Inlines circuit calls into a builder, declaring implicit weights and inputs."""

    def __init__(self, table: ParamTable, implicit_inputs: bool = True):
        self.table = table
        self.implicit_inputs = implicit_inputs
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[tuple[str, object]] = set()
        self.ev = Evaluator(call_hook=self._expr_call)
        self.obs_width: int | None = None
        self.prefix: list[str] = []
        self.steps = 0
        self.depth = 0

    # --- diagnostics ------------------------------------------------------
    def report(self, err: SemanticError) -> None:
        d = err.diagnostic
        key = (d.code, d.span)
        if key not in self._seen:
            self._seen.add(key)
            self.diagnostics.append(d)

    # --- calls in expressions ----------------------------------------------
    def _expr_call(self, defn: Definition, args: list, kwargs: dict, span: Span | None) -> Any:
        if defn.kind == "observable" and self.obs_width is not None:
            return self.observable(defn, args, kwargs, self.obs_width, span)
        return PendingCall(defn, tuple(args), tuple(kwargs.items()), span)

    def observable(
        self, defn: Definition, args: list, kwargs: dict, width: int, span: Span | None
    ) -> PauliSum:
        node = defn.node
        assert isinstance(node, A.ObservableDef)
        regs = [(r, Qubits(tuple(range(width)))) for r in node.registers[:1]]
        scope = bind(defn, args, kwargs, regs, self.ev, self._on_missing(defn, span), span)
        saved, self.obs_width = self.obs_width, width
        try:
            value = self.ev.eval(node.body, scope)
        finally:
            self.obs_width = saved
        if is_scalar(value):
            return PauliSum.constant(value)
        if not isinstance(value, PauliSum):
            raise fail(C.TYPE_MISMATCH, f"observable `{defn.name}` is `{type_name(value)}`", span)
        return value

    def _on_missing(self, defn: Definition, span: Span | None):  # type: ignore[no-untyped-def]
        def declare(p: A.Param, shape: tuple[int, ...], init: Init | None) -> Any:
            name = "_".join([*self.prefix, p.name])
            top = self.depth <= 1  # the circuit being lowered, not a call inside it
            if p.type.name == "weight" or (not shape and self.implicit_inputs and top):
                return self.table.add_weight(name, shape, init, False, p.span)
            if not (self.implicit_inputs and top):
                raise fail(
                    C.BAD_ARGUMENTS,
                    f"`{defn.name}` is missing argument `{p.name}`",
                    span,
                    help=f"pass the data, e.g. `{defn.name}(x)`",
                )
            return self.table.add_input(name, shape, p.span)

        return declare

    # --- circuit calls --------------------------------------------------------
    def call(
        self,
        defn: Definition,
        args: list,
        kwargs: dict,
        qargs: list[Qubits],
        builder: Builder,
        span: Span | None,
    ) -> None:
        """Inline ``defn(args) qargs`` into ``builder``."""
        node = defn.node
        if not isinstance(node, A.CircuitDef):
            raise fail(C.WRONG_KIND, f"`{defn.name}` is an observable, not a circuit", span)
        if self.depth >= MAX_CALL_DEPTH:
            raise fail(
                "QL0824",
                f"circuit calls nested more than {MAX_CALL_DEPTH} deep (is `{defn.name}` "
                "recursive without an end?)",
                span,
            )
        self.depth += 1
        try:
            self._call(defn, args, kwargs, qargs, builder, span)
        finally:
            self.depth -= 1

    def _call(
        self,
        defn: Definition,
        args: list,
        kwargs: dict,
        qargs: list[Qubits],
        builder: Builder,
        span: Span | None,
    ) -> None:
        node = defn.node
        assert isinstance(node, A.CircuitDef)
        regs = _map_registers(defn, qargs, span)
        width = sum(len(qv) for qv in qargs)
        args = [(self._resolve_obs(v, width), s) for v, s in args]
        kwargs = {k: (self._resolve_obs(v, width), s) for k, (v, s) in kwargs.items()}
        scope = bind(defn, args, kwargs, regs, self.ev, self._on_missing(defn, span), span)
        before = len(self.diagnostics)
        try:
            self.body(node.body, scope, builder)
        finally:
            self._note_call_site(before, defn.name, span)

    def _note_call_site(self, before: int, name: str, span: Span | None) -> None:
        """Diagnostics raised inside an inlined body say where it was called from."""
        if span is None:
            return
        src = GLOBAL_SOURCES.get(span.source)
        line, col = src.line_col(span.start)
        note = f"in `{name}`, called at {src.name}:{line}:{col}"
        for i in range(before, len(self.diagnostics)):
            d = self.diagnostics[i]
            inside = (
                d.span is not None
                and d.span.source == span.source
                and (span.start <= d.span.start < span.end)
            )
            if not inside:
                self.diagnostics[i] = replace(d, notes=d.notes + (note,))

    def _resolve_obs(self, v: Any, width: int) -> Any:
        """An observable call passed to a circuit takes the circuit's width."""
        if isinstance(v, PendingCall) and v.defn.kind == "observable":
            return self.observable(v.defn, list(v.args), dict(v.kwargs), width, v.span)
        return v

    # --- statements ---------------------------------------------------------
    def body(self, stmts: tuple[A.Stmt, ...], scope: Scope, builder: Builder) -> None:
        for st in stmts:
            self.steps += 1
            if self.steps > MAX_STEPS or len(builder.ops) > MAX_STEPS:
                err = fail(
                    "QL0824",
                    f"the circuit unrolls to more than {MAX_STEPS:,} steps",
                    st.span,
                    help="reduce loop bounds or repetitions",
                )
                raise Abort(err.diagnostic)
            try:
                self.stmt(st, scope, builder)
            except Abort:
                raise
            except SemanticError as err:
                self.report(err)

    def _steps_ahead(self, steps: int, span: Span | None) -> None:
        """Stop at once when a loop will certainly pass ``MAX_STEPS`` (each iteration runs
        at least the statements of its body), instead of after unrolling most of it."""
        if self.steps + steps > MAX_STEPS:
            err = fail(
                "QL0824",
                f"the circuit unrolls to more than {MAX_STEPS:,} steps (this loop alone to "
                f"at least {steps:,})",
                span,
                help="reduce loop bounds or repetitions",
            )
            raise Abort(err.diagnostic)

    def stmt(self, st: A.Stmt, scope: Scope, b: Builder) -> None:
        if isinstance(st, A.GateCall):
            self.gate_call(st, scope, b)
        elif isinstance(st, A.For):
            items = self.ev.iterable(self.ev.eval(st.iterable, scope), st.iterable.span)
            self._steps_ahead(len(items) * len(st.body), st.span)
            for item in items:
                inner = scope.child()
                for t in st.targets:
                    self._no_shadow(t, scope, st.span)
                bind_targets(st.targets, item, inner, st.span)
                self.body(st.body, inner, b)
        elif isinstance(st, A.Repeat):
            k = self.ev.eval_int(st.count, scope, "repeat count")
            if k < 0:
                raise fail(C.BAD_VALUE, f"repeat count {k} is negative", st.count.span)
            if k > MAX_RANGE:
                raise fail(
                    "QL0824", f"repeat count {k:,} is above the limit of {MAX_RANGE:,}", st.count.span
                )
            self._steps_ahead(k * len(st.body), st.span)
            for _ in range(k):
                self.body(st.body, scope.child(), b)
        elif isinstance(st, A.If):
            self.if_stmt(st, scope, b)
        elif isinstance(st, A.Let):
            self._no_shadow(st.name, scope, st.span)
            scope.define(st.name, self.ev.eval(st.value, scope))
        elif isinstance(st, A.BitDecl):
            self._no_shadow(st.name, scope, st.span)
            k = 1 if st.size is None else self.ev.eval_int(st.size, scope, "bit count")
            bits = b.clbits(k, st.span)
            scope.define(st.name, Bits(bits.clbits, st.size is None))
        elif isinstance(st, A.QubitDecl):
            self._no_shadow(st.name, scope, st.span)
            k = 1 if st.size is None else self.ev.eval_int(st.size, scope, "qubit count")
            qs = b.qubits(k, st.span)
            scope.define(st.name, Qubits(qs.qubits, st.size is None))
        elif isinstance(st, A.Measure):
            self.measure(st, scope, b)
        elif isinstance(st, A.Reset):
            for qv in self._qargs(st.qargs, scope):
                for q in qv.qubits:
                    b.ops.append(Operation("reset", (q,), span=st.span))
        elif isinstance(st, A.Barrier):
            wires = [q for qv in self._qargs(st.qargs, scope) for q in qv.qubits]
            if not st.qargs:
                wires = list(range(b.num_qubits))
            if wires:
                b.ops.append(Operation("barrier", tuple(dict.fromkeys(wires)), span=st.span))
        else:
            raise fail(C.BAD_VALUE, f"`{type(st).__name__}` is not allowed here", st.span)

    def _no_shadow(self, name: str, scope: Scope, span: Span | None) -> None:
        found, _ = scope.lookup_local(name)
        if found:
            raise fail(
                C.SHADOWING,
                f"`{name}` is already defined in this circuit",
                span,
                help="choose another name (qlang never shadows names silently)",
            )

    def _qargs(self, exprs: tuple[A.Expr, ...], scope: Scope) -> list[Qubits]:
        out = []
        for e in exprs:
            v = self.ev.eval(e, scope)
            if not isinstance(v, Qubits):
                raise fail(C.TYPE_MISMATCH, f"expected qubits, found `{type_name(v)}`", e.span)
            out.append(v)
        return out

    def measure(self, st: A.Measure, scope: Scope, b: Builder) -> None:
        if not b.allocate:
            raise fail(C.BAD_MODIFIER, "measurement cannot appear under a modifier", st.span)
        (qv,) = self._qargs((st.qubits,), scope)
        if st.target is None:
            bits = b.clbits(len(qv), st.span).clbits
        else:
            tv = self.ev.eval(st.target, scope)
            if not isinstance(tv, Bits):
                raise fail(
                    C.TYPE_MISMATCH, f"expected bits, found `{type_name(tv)}`", st.target.span
                )
            bits = tv.clbits
        if len(bits) != len(qv):
            raise fail(C.QUBIT_COUNT, f"measuring {len(qv)} qubits into {len(bits)} bits", st.span)
        for q, c in zip(qv.qubits, bits, strict=True):
            b.ops.append(Operation("measure", (q,), clbits=(c,), span=st.span))

    def if_stmt(self, st: A.If, scope: Scope, b: Builder) -> None:
        cond = self.ev.eval(st.condition, scope)
        if isinstance(cond, Bits):
            if len(cond) != 1:
                raise fail(C.BAD_CONDITION, "compare several bits with `==`", st.condition.span)
            cond = BitCondition(cond.clbits, 1)
        if isinstance(cond, BitCondition):
            for body, value in ((st.then_body, cond.value), (st.else_body, None)):
                if not body:
                    continue
                if value is None:
                    if len(cond.clbits) != 1:
                        raise fail(
                            C.BAD_CONDITION,
                            "`else` on a multi-bit condition is not supported",
                            st.span,
                            help="write one `if` per value",
                        )
                    value = 1 - cond.value
                sub = Builder(b.num_qubits, b.num_clbits, [], allocate=False)
                self.body(body, scope.child(), sub)
                for op in sub.ops:
                    if op.condition is not None or not (op.is_gate or op.name == "reset"):
                        raise fail(C.BAD_CONDITION, f"`{op.name}` cannot be conditioned", st.span)
                    b.ops.append(replace(op, condition=Condition(cond.clbits, value)))
            return
        branch = st.then_body if self.ev.truthy(cond, st.condition.span) else st.else_body
        self.body(branch, scope.child(), b)

    # --- gate calls ---------------------------------------------------------
    def gate_call(self, st: A.GateCall, scope: Scope, b: Builder) -> None:
        qargs = self._qargs(st.qargs, scope)
        args, kwargs = self._args(st.args, scope)
        mods: list[tuple[str, Any]] = []
        rest = list(qargs)
        for m in st.modifiers:
            if m.kind in ("ctrl", "negctrl"):
                k = 1 if m.arg is None else self.ev.eval_int(m.arg, scope, "control count")
                if k < 1 or len(rest) <= k:
                    raise fail(
                        C.QUBIT_COUNT,
                        f"`{m.kind}({k})` needs {k} control qubits and a target",
                        st.span,
                    )
                ctl = []
                for qv in rest[:k]:
                    if len(qv) != 1:
                        raise fail(C.QUBIT_COUNT, "each control must be a single qubit", st.span)
                    ctl.append(qv.qubits[0])
                rest = rest[k:]
                mods.append((m.kind, tuple(ctl)))
            elif m.kind in ("inv", "adjoint", "inverse"):
                mods.append(("inv", None))
            elif m.kind == "pow":
                if m.arg is None:
                    raise fail(C.BAD_MODIFIER, "`pow` needs an exponent: `pow(2) @`", m.span)
                k = self.ev.eval(m.arg, scope)
                if not is_number(k):
                    raise fail(
                        C.NOT_CONSTANT,
                        "the exponent of `pow` must be a number known at compile time",
                        m.arg.span,
                    )
                mods.append(("pow", k))
            else:
                raise fail(
                    C.BAD_MODIFIER,
                    f"unknown modifier `{m.kind}`",
                    m.span,
                    did_you_mean(m.kind, ["inv", "adjoint", "ctrl", "negctrl", "pow"]),
                )
        if mods and st.name in ("reset", "measure", "barrier"):
            raise fail(
                C.BAD_MODIFIER, f"modifiers apply to gates and circuits, not `{st.name}`", st.span
            )
        target = b if not mods else b.sub()
        self.apply(st.name, args, kwargs, rest, scope, target, st.span)
        if not mods:
            return
        ops = tuple(target.ops)
        for kind, val in reversed(mods):
            try:
                if kind == "inv":
                    ops = M.inverse_ops(ops)
                elif kind == "pow":
                    if float(val).is_integer() and abs(val) * len(ops) + len(b.ops) > MAX_STEPS:
                        raise fail(
                            "QL0824",
                            f"`pow({val:g})` repeats {len(ops)} gate{'s' * (len(ops) != 1)} "
                            f"beyond the limit of {MAX_STEPS:,} gates",
                            st.span,
                        )
                    ops = M.power_ops(ops, val)
                else:
                    ops = M.control_ops(ops, val, negative=kind == "negctrl")
            except ValueError as e:
                raise fail(C.BAD_MODIFIER, f"cannot apply `{kind}`: {e}", st.span) from None
        b.ops.extend(replace(op, span=op.span or st.span) for op in ops)

    def _args(self, args: tuple[A.Arg, ...], scope: Scope) -> tuple[list, dict]:
        pos: list[tuple[Any, Span | None]] = []
        named: dict[str, tuple[Any, Span | None]] = {}
        for a in args:
            v = self.ev.eval(a.value, scope)
            if a.name is None:
                if named:
                    raise fail(C.BAD_ARGUMENTS, "positional argument after a named one", a.span)
                pos.append((v, a.span))
            else:
                if a.name in named:
                    raise fail(C.BAD_ARGUMENTS, f"argument `{a.name}` given twice", a.span)
                named[a.name] = (v, a.span)
        return pos, named

    def apply(
        self,
        name: str,
        args: list,
        kwargs: dict,
        qargs: list[Qubits],
        scope: Scope,
        b: Builder,
        span: Span | None,
    ) -> None:
        """Apply a gate, user gate/circuit or native circuit by name."""
        if "." in name:
            target = self.ev.member(name, scope, span)
        else:
            found, target = scope.lookup(name)
            if not found:
                gate = ALIASES.get(name, name)
                if gate in GATES:
                    self.builtin_gate(gate, args, kwargs, qargs, b, span)
                    return
                if name in NATIVE_CIRCUITS:
                    NATIVE_CIRCUITS[name](self, args, kwargs, qargs, b, span)
                    return
                cands = (
                    set(GATES)
                    | set(ALIASES)
                    | set(NATIVE_CIRCUITS)
                    | {n for n in scope.names() if isinstance(scope.lookup(n)[1], Definition)}
                )
                raise fail(
                    C.UNKNOWN_GATE,
                    f"unknown gate or circuit `{name}`",
                    span,
                    did_you_mean(name, cands),
                )
        if isinstance(target, PendingCall) and not args and not kwargs:
            pending = target
            target, args, kwargs = pending.defn, list(pending.args), dict(pending.kwargs)
        if not isinstance(target, Definition):
            raise fail(
                C.WRONG_KIND, f"`{name}` is `{type_name(target)}`, not a gate or circuit", span
            )
        self.prefix.append(target.name)
        try:
            self.call(target, args, kwargs, qargs, b, span)
        finally:
            self.prefix.pop()

    def builtin_gate(
        self,
        gate: str,
        args: list,
        kwargs: dict,
        qargs: list[Qubits],
        b: Builder,
        span: Span | None,
    ) -> None:
        gd = GATES[gate]
        if kwargs:
            raise fail(C.BAD_ARGUMENTS, f"gate `{gate}` takes no named arguments", span)
        if len(args) != gd.num_params:
            raise fail(
                C.GATE_PARAMS,
                f"gate `{gate}` takes {gd.num_params} parameter{'s' * (gd.num_params != 1)}, "
                f"got {len(args)}",
                span,
            )
        params = []
        for v, vspan in args:
            if not is_scalar(v):
                raise fail(
                    C.TYPE_MISMATCH,
                    f"gate parameter must be a number, found `{type_name(v)}`",
                    vspan,
                )
            params.append(E.as_expr(v))
        if gd.num_qubits == 0:
            flat = tuple(q for qv in qargs for q in qv.qubits)
            if len(flat) < 2:
                raise fail(C.QUBIT_COUNT, f"`{gate}` needs at least 2 qubits", span)
            self._emit(b, gate, flat, params, span)
            return
        if len(qargs) != gd.num_qubits:
            raise fail(
                C.QUBIT_COUNT,
                f"gate `{gate}` acts on {gd.num_qubits} qubit{'s' * (gd.num_qubits != 1)}, "
                f"got {len(qargs)}",
                span,
            )
        sizes = {len(qv) for qv in qargs if not qv.single}
        if len(sizes) > 1:
            raise fail(
                C.QUBIT_COUNT, f"registers of different sizes {sorted(sizes)} in one gate", span
            )
        width = sizes.pop() if sizes else 1
        for i in range(width):
            qs = tuple(qv.qubits[0] if qv.single else qv.qubits[i] for qv in qargs)
            self._emit(b, gate, qs, params, span)

    @staticmethod
    def _emit(b: Builder, gate: str, qs: tuple[int, ...], params: list, span: Span | None) -> None:
        if len(set(qs)) != len(qs):
            raise fail(
                C.DUPLICATE_QUBIT, f"gate `{gate}` uses the same qubit twice: {list(qs)}", span
            )
        b.ops.append(Operation(gate, qs, tuple(params), span=span))


def _map_registers(
    defn: Definition, qargs: list[Qubits], span: Span | None
) -> list[tuple[A.Register, Qubits | None]]:
    regs = defn.node.registers
    flat_all = [q for qv in qargs for q in qv.qubits]
    if len(set(flat_all)) != len(flat_all):
        raise fail(C.DUPLICATE_QUBIT, f"`{defn.name}` gets the same qubit twice", span)
    if len(qargs) == len(regs):
        return list(zip(regs, qargs, strict=True))
    if len(regs) == 1 and regs[0].size is not None and qargs:
        flat = tuple(q for qv in qargs for q in qv.qubits)
        if len(set(flat)) != len(flat):
            raise fail(C.DUPLICATE_QUBIT, f"`{defn.name}` gets the same qubit twice", span)
        return [(regs[0], Qubits(flat))]
    raise fail(
        C.QUBIT_COUNT,
        f"`{defn.name}` acts on {len(regs)} register{'s' * (len(regs) != 1)} "
        f"({', '.join(r.name for r in regs)}), got {len(qargs)} qubit arguments",
        span,
    )
