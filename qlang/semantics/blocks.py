"""Lowering one quantum block of a model: its circuit (encoding, ansatz or circuit) and
its readout.

The model's own entries form the block ``main``; every ``quantum NAME { ... }`` block
is lowered the same way with its own parameter table. Parameters of a named block are
prefixed with its name (``a_ansatz_theta``, a declared ``weight w`` becomes ``a_w``),
so every parameter of a model has one name, the same in ``weights.json`` and in the
compiled programs.

Example::

    >>> from qlang.driver import load_model
    >>> m = load_model('''
    ... import encodings.angle
    ... import ansatze.real_amplitudes
    ... model m {
    ...   data = moons()
    ...   encoding = angle(x)
    ...   ansatz = real_amplitudes(reps = 1)
    ...   readout = expval(Z0) |> sigmoid()
    ...   task = classify(classes = 2)
    ... }''')
    >>> m.main.readout.kind, [c.name for c in m.main.readout.post]
    ('expval', ['sigmoid'])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qlang import ast as A
from qlang.diagnostics import Diagnostic
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit
from qlang.ir.model import Observable, QuantumBlock, Readout
from qlang.limits import MAX_QUBITS
from qlang.semantics import codes as C
from qlang.semantics.binding import ShapeError, nonnegative
from qlang.semantics.circuits import Builder, Lowerer
from qlang.semantics.codes import SemanticError, fail
from qlang.semantics.observables import PauliSum, to_observable
from qlang.semantics.params import ParamTable
from qlang.semantics.scope import Scope
from qlang.semantics.settings import bind_raw, check_call, piped, to_call
from qlang.semantics.values import (
    CallValue,
    Definition,
    Init,
    PendingCall,
    Qubits,
    Symbol,
    is_number,
    type_name,
)
from qlang.source import Span

CIRCUIT_KEYS = ("encoding", "ansatz", "circuit")


@dataclass
class Entries:
    """The items of a model or quantum block, sorted by what they are."""

    settings: dict[str, A.Setting] = field(default_factory=dict)
    blocks: list[A.Block] = field(default_factory=list)
    inputs: list[A.InputDecl] = field(default_factory=list)
    weights: list[A.WeightDecl] = field(default_factory=list)


@dataclass
class BlockLowerer:
    """Lowers the circuit and readout of one block into its own parameter table."""

    name: str
    report: Callable[[SemanticError], None]
    diagnostics: list[Diagnostic]
    task: A.Setting | None = None  # the model's task (minimize(H) and kernel defaults)
    table: ParamTable = field(default_factory=ParamTable)
    lw: Lowerer = field(init=False)
    model_observable: Observable | None = None
    readout_shots_given: bool = False
    input_value: Any = None  # the value of the block's data input, once declared
    #: the model's loss is an expression reading ``expval(H)``: it names the readouts
    objective: A.Setting | None = None
    num_qubits: int | None = None  # set with the placeholder readout of a loss expression
    objective_scope: Scope | None = None
    #: the readout's observables, when a loss expression's block names them in order
    objective_order: tuple[Observable, ...] | None = None

    def __post_init__(self) -> None:
        self.lw = Lowerer(self.table, implicit_inputs=False)
        self.sev = self.lw.ev.with_settings(True)

    # --- declarations ------------------------------------------------------------
    def weight_name(self, name: str) -> str:
        return name if self.name == "main" else f"{self.name}_{name}"

    def declare_weight(self, wd: A.WeightDecl, scope: Scope) -> None:
        try:
            no_shadow(wd.name, scope, wd.span)
            shape = tuple(
                nonnegative(self.lw.ev.eval_int(x, scope, "weight dimension"), x.span, wd.name)
                for x in wd.type.dims
            )
            init = None
            if wd.init is not None:
                init = self.lw.ev.eval(wd.init, scope)
                if not isinstance(init, Init):
                    from qlang import catalog

                    raise fail(
                        C.TYPE_MISMATCH,
                        f"a weight initialiser is one of {', '.join(catalog.names('init'))}, "
                        f"found `{type_name(init)}`",
                        wd.init.span,
                    )
            value = self.table.add_weight(
                self.weight_name(wd.name), shape, init, wd.frozen, wd.span
            )
            scope.define(wd.name, value)
        except SemanticError as err:
            self.report(err)

    def declare_input(self, d: A.InputDecl, scope: Scope) -> int | None:
        try:
            shape = tuple(
                nonnegative(self.lw.ev.eval_int(x, scope, "input width"), x.span, d.name)
                for x in d.type.dims
            )
            no_shadow(d.name, scope, d.span)
        except SemanticError as err:
            self.report(err)
            return None
        self.input_value = self.table.add_input(d.name, shape or (1,), d.span)
        scope.define(d.name, self.input_value)
        return math.prod(shape) if shape else 1

    def implicit_input(self, scope: Scope, width: int) -> None:
        """``x`` with the data's width, when the block declares no input."""
        self.input_value = self.table.add_input("x", (width,), None)
        scope.define("x", self.input_value)

    # --- the block ---------------------------------------------------------------
    def lower(
        self, e: Entries, scope: Scope, x_width: int | None, span: Span | None
    ) -> QuantumBlock | None:
        calls: dict[str, PendingCall] = {}
        for key in CIRCUIT_KEYS:
            st = e.settings.get(key)
            if st is None:
                continue
            try:
                v = self.lw.ev.eval(st.value, scope)
            except SemanticError as err:
                self.report(err)
                continue
            if isinstance(v, Definition):
                v = PendingCall(v, (), (), st.span)
            if not isinstance(v, PendingCall) or v.defn.kind == "observable":
                self.report(
                    fail(
                        C.WRONG_KIND,
                        f"`{key}` must be a circuit call, found `{type_name(v)}`",
                        st.value.span,
                    )
                )
                continue
            calls[key] = v
        if "circuit" in calls and ("encoding" in calls or "ansatz" in calls):
            self.report(
                fail(
                    C.MODEL_ENTRY,
                    "use `circuit` or `encoding` + `ansatz`, not both",
                    e.settings["circuit"].span,
                )
            )
        if not calls:
            self.report(
                fail(
                    C.MODEL_ENTRY,
                    "the model has no circuit"
                    if self.name == "main"
                    else f"quantum block `{self.name}` has no circuit",
                    span,
                    help="add `encoding = ...` and `ansatz = ...`, or `circuit = ...`",
                )
            )
            return None
        xv = self.input_value
        n = self.qubits(e, scope, calls, xv, x_width)
        if n is None:
            return None
        q = Qubits(tuple(range(n)))
        scope.define("q", q)
        builder = Builder()
        builder.qubits(n, span)
        enc_ops: tuple = ()
        for key in CIRCUIT_KEYS:
            if key not in calls:
                continue
            pc = calls[key]
            self.lw.prefix = [key] if self.name == "main" else [self.name, key]
            try:
                qargs = self.registers_for(pc, q, xv, x_width)
                self.lw.call(pc.defn, list(pc.args), dict(pc.kwargs), qargs, builder, pc.span)
            except SemanticError as err:
                self.report(self.input_error(err, pc, xv, x_width))
            finally:
                self.lw.prefix = []
            if key == "encoding":
                enc_ops = tuple(builder.ops)
        for d in self.lw.diagnostics:
            if d not in self.diagnostics:
                self.diagnostics.append(d)
        self.lw.diagnostics = []
        n = builder.num_qubits
        circuit = self.circuit(self.name, n, builder, tuple(builder.ops))
        encoding = self.circuit(f"{self.name}_encoding", n, builder, enc_ops) if enc_ops else None
        readout = self.readout(e, scope, n, span)
        if readout is None:
            return None
        return QuantumBlock(self.name, circuit, readout, encoding)

    def circuit(self, name: str, n: int, b: Builder, ops: tuple) -> Circuit:
        return Circuit(
            num_qubits=n,
            ops=ops,
            num_clbits=b.num_clbits,
            inputs=tuple(self.table.inputs),
            weights=tuple(self.table.weights),
            name=name,
        )

    def qubits(
        self, e: Entries, scope: Scope, calls: dict[str, PendingCall], xv: Any, x_width: int | None
    ) -> int | None:
        st = e.settings.get("qubits")
        if st is not None:
            try:
                n = self.lw.ev.eval_int(st.value, scope, "`qubits`")
            except SemanticError as err:
                self.report(err)
                return None
            if n < 1:
                self.report(fail(C.QUBITS_SETTING, f"`qubits = {n}` must be at least 1", st.span))
                return None
            if n > MAX_QUBITS:
                self.report(
                    fail("QL0823", f"`qubits = {n:,}` is above the limit of {MAX_QUBITS:,}", st.span)
                )
                return None
            return n
        first = calls.get("encoding") or calls.get("circuit") or calls.get("ansatz")
        assert first is not None
        size = infer_size(first, xv, x_width)
        if size is None:
            self.report(
                fail(
                    C.QUBITS_SETTING,
                    "cannot infer the number of qubits",
                    first.span,
                    help="add `qubits = k` to the model",
                )
            )
        return size

    def registers_for(
        self, pc: PendingCall, q: Qubits, xv: Any, x_width: int | None
    ) -> list[Qubits]:
        regs = pc.defn.node.registers
        if len(regs) == 1:
            size = infer_size(pc, xv, x_width)
            if size is not None and size < len(q):
                return [Qubits(q.qubits[:size])]
            return [q]
        singles = sum(1 for r in regs if r.size is None)
        if len(regs) - singles > 1:
            raise fail(
                C.QUBIT_COUNT,
                f"`{pc.defn.name}` has several sized registers; call it from a circuit of your own",
                pc.span,
            )
        rest = len(q) - singles
        out, pos = [], 0
        for r in regs:
            k = 1 if r.size is None else rest
            out.append(Qubits(q.qubits[pos : pos + k], r.size is None))
            pos += k
        return out

    @staticmethod
    def input_error(
        err: SemanticError, pc: PendingCall, xv: Any, width: int | None
    ) -> SemanticError:
        d = err.diagnostic
        if not isinstance(err, ShapeError) or xv is None:
            return err
        spans = [s for v, s in pc.args if v is xv] + [s for _, (v, s) in pc.kwargs if v is xv]
        if d.span is not None and d.span in spans:
            want = " x ".join(map(str, err.want))
            return fail(
                C.INPUT_DIMENSION,
                f"the data gives {width} features but `{err.circuit}` takes {want} in "
                f"`{err.param}`",
                d.span,
                help="match them: preprocess the data (e.g. `|> pca(k)`) or change `qubits`",
            )
        return err

    # --- readout -----------------------------------------------------------------
    def readout(self, e: Entries, scope: Scope, n: int, span: Span | None) -> Readout | None:
        self.lw.obs_width = n
        try:
            obs = self.setting_value(e, "observable", scope)
            obs_span = e.settings["observable"].span if obs is not None else None
            minimized = minimize_argument(self.task) if self.name == "main" else None
            if minimized is not None and obs is not None:
                raise fail(
                    C.NOT_APPLICABLE,
                    "the model has an `observable` and `minimize(...)` names another one",
                    self.task.span if self.task is not None else obs_span,
                    help="write `task = minimize(observable)` or drop the `observable` entry",
                )
            if minimized is not None:  # task = minimize(ising(...))
                obs, obs_span = self.lw.ev.eval(minimized, scope), minimized.span
            obs = self.as_observable(obs, n, obs_span) if obs is not None else None
            self.model_observable = obs
            st = e.settings.get("readout")
            if self.objective is not None:
                given = e.settings.get("observable")
                if given is not None or minimized is not None:
                    where = given.span if given is not None else obs_span
                    raise fail(
                        C.BAD_OBJECTIVE,
                        "a loss expression reads `expval(H)` itself; the model has no "
                        "`observable` to minimise",
                        where,
                        help="remove the `observable` entry and write `task = minimize()`",
                    )
                self.num_qubits = n
                self.objective_scope = scope
                if st is None:
                    return Readout("expval", ())  # the loss expression's observables, set later
                v = self.sev.eval(st.value, scope)
                head, *post = piped(v)
                r = self.make_readout(head, tuple(post), n, st.span)
                if r.kind != "expval" or r.post:
                    raise fail(
                        C.BAD_OBJECTIVE,
                        "with a loss expression the readout lists the observables it reads: "
                        "`expval([...])` without post-processing",
                        st.span,
                        help="write `readout = expval(P)`, or drop the readout (the loss's "
                        "observables in order of first use)",
                    )
                self.objective_order = r.observables
                return r
            if st is None:
                if obs is not None:
                    return Readout("expval", (obs,))
                if self.task_name() == "kernel":
                    return Readout("probs", qubits=tuple(range(n)))
                self.report(
                    fail(
                        C.MODEL_ENTRY,
                        "the model has no readout"
                        if self.name == "main"
                        else f"quantum block `{self.name}` has no readout",
                        span,
                        help="add e.g. `readout = expval(Z0)` or `readout = probs(q)`",
                    )
                )
                return None
            v = self.sev.eval(st.value, scope)
            head, *post = piped(v)
            return self.make_readout(head, tuple(post), n, st.span, minimized is not None)
        except SemanticError as err:
            self.report(err)
            return None
        finally:
            self.lw.obs_width = None

    def setting_value(self, e: Entries, key: str, scope: Scope) -> Any:
        st = e.settings.get(key)
        return None if st is None else self.lw.ev.eval(st.value, scope)

    def task_name(self) -> str | None:
        t = self.task
        if t is None:
            return None
        if isinstance(t.value, A.Name):
            return t.value.id
        if isinstance(t.value, A.Call) and isinstance(t.value.func, A.Name):
            return t.value.func.id
        return None

    def as_observable(self, v: Any, n: int, span: Span | None) -> Observable:
        if isinstance(v, PendingCall) and v.defn.kind == "observable":
            v = self.lw.observable(v.defn, list(v.args), dict(v.kwargs), n, v.span)
        if is_number(v) or isinstance(v, E.Expr):
            v = PauliSum.constant(v)
        if not isinstance(v, PauliSum):
            raise fail(C.TYPE_MISMATCH, f"expected an observable, found `{type_name(v)}`", span)
        if v.max_qubit() >= n:
            raise fail(
                C.OBSERVABLE_WIDTH,
                f"the observable acts on qubit {v.max_qubit()} but the circuit has {n} qubits",
                span,
                help=f"use qubits 0..{n - 1} or raise `qubits`",
            )
        if not v.is_hermitian():
            raise fail(
                C.OBSERVABLE_WIDTH,
                "the observable is not hermitian (a product of different Paulis on one qubit)",
                span,
            )
        return to_observable(v, span)

    def make_readout(
        self, head: Any, post: tuple, n: int, span: Span | None, minimized: bool = False
    ) -> Readout:
        if isinstance(head, Symbol):
            head = CallValue(head.name, (), (), span)
        if not isinstance(head, CallValue):
            raise fail(C.TYPE_MISMATCH, f"expected a readout, found `{type_name(head)}`", span)
        entry, values, given = bind_raw("readout", head, span)
        post_list = []
        for p in post:
            c = to_call(p, span)
            check_call("post", c, span)
            post_list.append(c)
        post_calls = tuple(post_list)
        if head.name == "expval":
            v = values["observable"]
            if v is None:
                if self.model_observable is None:
                    raise fail(C.SETTING_ARGUMENT, "`expval` needs an observable", span)
                obs: tuple[Observable, ...] = (self.model_observable,)
            else:
                if minimized:
                    raise fail(
                        C.NOT_APPLICABLE,
                        "`minimize(...)` names an observable and the readout another one",
                        span,
                        help="write `readout = expval()` or move the observable into the readout",
                    )
                items = v if isinstance(v, tuple) else (v,)
                obs = tuple(self.as_observable(o, n, span) for o in items)
            return Readout("expval", obs, post=post_calls, span=span)
        if head.name == "samples":
            self.readout_shots_given = "shots" in given
            return Readout(
                "samples",
                qubits=tuple(range(n)),
                shots=int(values["shots"]),
                post=post_calls,
                span=span,
            )
        v = values["qubits"]
        qs = tuple(range(n)) if v is None else self.qubit_list(v, n, span)
        return Readout(entry.name, qubits=qs, post=post_calls, span=span)

    @staticmethod
    def qubit_list(v: Any, n: int, span: Span | None) -> tuple[int, ...]:
        if isinstance(v, Qubits):
            return v.qubits
        if isinstance(v, Symbol) and v.name == "q":
            return tuple(range(n))
        items = v if isinstance(v, tuple) else (v,)
        out: list[int] = []
        for i in items:
            if isinstance(i, Qubits):
                out.extend(i.qubits)
            elif is_number(i) and float(i).is_integer() and 0 <= int(i) < n:
                out.append(int(i))
            else:
                raise fail(C.INDEX_RANGE, f"`{i}` is not a qubit of this {n}-qubit circuit", span)
        return tuple(out)


def no_shadow(name: str, scope: Scope, span: Span | None) -> None:
    """Model declarations may not hide another name (an input, weight or import)."""
    if scope.lookup(name)[0]:
        raise fail(
            C.NAME_CONFLICT,
            f"`{name}` is already defined",
            span,
            help="choose another name (qlang never shadows names silently)",
        )


def minimize_argument(task: A.Setting | None) -> A.Expr | None:
    """The observable written inside ``task = minimize(...)``, unless it is `observable`."""
    if task is None or not isinstance(task.value, A.Call) or not task.value.args:
        return None
    if not (isinstance(task.value.func, A.Name) and task.value.func.id == "minimize"):
        return None
    arg = task.value.args[0].value
    if isinstance(arg, A.Name) and arg.id == "observable":
        return None
    return arg


def infer_size(pc: PendingCall, xv: Any, x_width: int | None) -> int | None:
    """The register size implied by passing the model input to ``pc``'s array parameter."""
    if xv is None or x_width is None:
        return None
    node = pc.defn.node
    reg = next((r for r in node.registers if r.size is not None), None)
    if reg is None or not isinstance(reg.size, A.Name):
        return None
    n = reg.size.id
    bound = {p.name: v for p, (v, _) in zip(node.params, pc.args, strict=False)}
    bound.update({k: v for k, (v, _) in pc.kwargs})
    for p in node.params:
        if bound.get(p.name) is not xv or not p.type.dims:
            continue
        d = p.type.dims[0]
        if isinstance(d, A.Name) and d.id == n:
            return x_width
        if (
            isinstance(d, A.Binary)
            and d.op == "*"
            and isinstance(d.lhs, A.Number)
            and isinstance(d.rhs, A.Name)
            and d.rhs.id == n
            and x_width % int(d.lhs.value) == 0
        ):
            return x_width // int(d.lhs.value)
        if (
            isinstance(d, A.Binary)
            and d.op == "**"
            and isinstance(d.rhs, A.Name)
            and d.rhs.id == n
            and x_width & (x_width - 1) == 0
        ):
            return x_width.bit_length() - 1
    return None


def readout_outputs(r: Readout) -> int:
    """The outputs of a readout after its post-processing (``linear(out = k)`` resizes)."""
    n = r.num_outputs
    for p in r.post:
        if p.name == "linear":
            out = p.arg(0, "out", None)
            if isinstance(out, int):
                n = out
    return n
