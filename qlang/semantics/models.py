"""Lowering ``model`` blocks to the model IR, with the model-level checks.

Example::

    >>> from qlang.driver import load_model
    >>> m = load_model('''
    ... import encodings.angle
    ... import ansatze.real_amplitudes
    ... model m {
    ...   data = iris()
    ...   encoding = angle(x)
    ...   ansatz = real_amplitudes(reps = 1)
    ...   readout = expval([Z0, Z1, Z2])
    ...   task = classify(classes = 3)
    ... }''')
    >>> m.circuit.num_qubits, m.circuit.num_inputs, m.circuit.weight_names()[:2]
    (4, 4, ['ansatz_theta[0,0]', 'ansatz_theta[0,1]'])
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from typing import Any

from qlang import ast as A
from qlang.diagnostics import Diagnostic, QLangError, did_you_mean
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit
from qlang.ir.model import (
    Call,
    Model,
    Observable,
    QuantumBlock,
    Readout,
)
from qlang.limits import MAX_QUBITS
from qlang.semantics import codes as C
from qlang.semantics.binding import ShapeError, nonnegative
from qlang.semantics.circuits import Builder, Lowerer
from qlang.semantics.codes import SemanticError, fail
from qlang.semantics.datasets import DATASETS, PREPROCESS, data_shape
from qlang.semantics.loader import Loader, Module
from qlang.semantics.model_settings import (
    BLOCK_KEYS,
    MODEL_KEYS,
    POST,
    READOUTS,
    SettingsLowering,
    _Entries,
)
from qlang.semantics.observables import PauliSum, to_observable
from qlang.semantics.params import ParamTable
from qlang.semantics.scope import Scope
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


def lower_model(loader: Loader, module: Module, name: str | None) -> Model:
    """Lower the only (or the named) model of ``module``; raise every diagnostic found."""
    models = module.models
    if not models:
        raise QLangError(
            [
                Diagnostic.error(
                    C.NO_MODEL, "the file defines no model", None, help="add `model NAME { ... }`"
                )
            ]
        )
    if name is None:
        if len(models) > 1:
            raise QLangError(
                [
                    Diagnostic.error(
                        C.NO_MODEL,
                        f"the file defines {len(models)} models; say which one",
                        models[1].span,
                        help=f"choose one of: {', '.join(m.name for m in models)}",
                    )
                ]
            )
        node = models[0]
    else:
        found = [m for m in models if m.name == name]
        if not found:
            raise QLangError(
                [
                    Diagnostic.error(
                        C.NO_MODEL,
                        f"no model `{name}` in the file",
                        None,
                        help=did_you_mean(name, [m.name for m in models]),
                    )
                ]
            )
        node = found[0]
    ml = _ModelLowerer(module, node)
    try:
        model = ml.run()
    except SemanticError as err:  # a check without its own recovery point
        ml.report(err)
        model = None
    if ml.diagnostics:
        raise QLangError(ml.diagnostics)
    assert model is not None
    model.verify()
    return model


class _ModelLowerer(SettingsLowering):
    def __init__(self, module: Module, node: A.ModelDef):
        self.module = module
        self.node = node
        self.diagnostics: list[Diagnostic] = []
        self.table = ParamTable()
        self.lw = Lowerer(self.table, implicit_inputs=False)
        self.sev = self.lw.ev.with_settings(True)
        self.scope = Scope(module.scope)
        self.scope.module = None

    # --- helpers ------------------------------------------------------------
    def report(self, err: SemanticError) -> None:
        if err.diagnostic not in self.diagnostics:
            self.diagnostics.append(err.diagnostic)

    def entries(
        self, items: tuple[A.ModelItem, ...], keys: tuple[str, ...], where: str
    ) -> _Entries:
        out = _Entries()
        for it in items:
            if isinstance(it, A.Setting):
                if it.key in out.settings:
                    self.report(fail(C.MODEL_ENTRY, f"`{it.key}` is set twice in {where}", it.span))
                elif it.key not in keys:
                    self.report(
                        fail(
                            C.MODEL_ENTRY,
                            f"unknown entry `{it.key}` in {where}",
                            it.span,
                            did_you_mean(it.key, keys) or f"entries: {', '.join(keys)}",
                        )
                    )
                else:
                    out.settings[it.key] = it
            elif isinstance(it, A.Block):
                out.blocks.append(it)
            elif isinstance(it, A.InputDecl):
                out.inputs.append(it)
            elif isinstance(it, A.WeightDecl):
                out.weights.append(it)
        return out

    def setting(self, e: _Entries, key: str, scope: Scope, settings: bool = True) -> Any:
        st = e.settings.get(key)
        if st is None:
            return None
        ev = self.sev if settings else self.lw.ev
        return ev.eval(st.value, scope)

    # --- the model ----------------------------------------------------------
    def run(self) -> Model | None:
        e = self.entries(self.node.items, MODEL_KEYS, f"model `{self.node.name}`")
        data, preprocess, width, classes = self.data(e)
        self.data_width = width
        has_layers = "layers" in e.settings
        x_width = self.declare_input(e.inputs, width, check=not has_layers)
        for wd in e.weights:
            self.declare_weight(wd, self.scope)
        blocks: list[QuantumBlock] = []
        has_main = any(k in e.settings for k in ("encoding", "ansatz", "circuit"))
        has_cells = any(b.kind == "quantum" for b in e.blocks)
        main = None
        if has_main or not has_cells:
            main = self.block("main", e, self.scope, x_width, self.node.span)
        for blk in e.blocks:
            if blk.kind == "quantum":
                self.quantum_block(blk, x_width)
        if main is not None:
            blocks.append(main)
        blocks.extend(self.extra_blocks)
        if main is None and blocks:
            main = blocks[0]
        task = self.task(e, main)
        loss = self.loss(e, task)
        optimizer = self.optimizer(e)
        training = self.training(e)
        target = self.target(e)
        self.check_gradient(training, target)
        self.check_device_fits(target, blocks)
        recurrent = self.recurrent(e)
        start = self.data_width
        if recurrent is not None:
            cell = recurrent.get("cell")
            hidden = cell.get("hidden") if isinstance(cell, Call) else None
            if isinstance(hidden, int):
                start = hidden
        layers = self.layers(e, main, start)
        if "metrics" in e.settings:
            try:
                mv = self.to_value(
                    self.setting(e, "metrics", self.module.scope), e.settings["metrics"].span
                )
                training = replace(training, extra=training.extra + (("metrics", mv),))
            except SemanticError as err:
                self.report(err)
        if main is not None and task is not None:
            self.check_readout(task, main, layers, classes, e)
        if self.diagnostics or main is None or task is None:
            return None
        return Model(
            name=self.node.name,
            blocks=tuple(blocks),
            data=data,
            preprocess=preprocess,
            task=task,
            loss=loss,
            optimizer=optimizer,
            training=training,
            target=target,
            layers=layers,
            recurrent=recurrent,
            num_features=x_width,
            source_hash=hashlib.sha256(self.module.text.encode("utf-8")).hexdigest(),
            span=self.node.span,
        )

    extra_blocks: list[QuantumBlock]
    data_call: Call | None = None
    data_width: int | None = None

    # --- data and declarations ---------------------------------------------
    def data(self, e: _Entries) -> tuple[Call | None, tuple[Call, ...], int | None, int | None]:
        self.extra_blocks = []
        try:
            v = self.setting(e, "data", self.scope)
        except SemanticError as err:
            self.report(err)
            return None, (), None, None
        if v is None:
            return None, (), None, None
        span = e.settings["data"].span
        chain = v.args if isinstance(v, CallValue) and v.name == "|>" else (v,)
        try:
            calls = [self.to_call(c, span) for c in chain]
        except SemanticError as err:
            self.report(err)
            return None, (), None, None
        data, pre = calls[0], tuple(calls[1:])
        if data.name not in DATASETS:
            self.report(
                fail(
                    C.UNKNOWN_SETTING,
                    f"unknown data set `{data.name}`",
                    span,
                    did_you_mean(data.name, DATASETS) or f"data sets: {', '.join(DATASETS)}",
                )
            )
        for p in pre:
            if p.name not in PREPROCESS:
                self.report(
                    fail(
                        C.UNKNOWN_SETTING,
                        f"unknown preprocessing step `{p.name}`",
                        span,
                        did_you_mean(p.name, PREPROCESS),
                    )
                )
        width, classes = data_shape(data, pre)
        self.data_call = data
        return data, pre, width, classes

    def declare_input(
        self, decls: list[A.InputDecl], width: int | None, check: bool = True
    ) -> int | None:
        """Declare the data input (explicit, or ``x`` with the data's width).

        With hybrid ``layers`` the explicit input is the quantum block's input and
        need not match the data (``check = False``); the layer chain is checked instead.
        """
        if len(decls) > 1:
            self.report(fail(C.MODEL_ENTRY, "a model has one data input", decls[1].span))
        if decls:
            d = decls[0]
            try:
                shape = tuple(
                    nonnegative(self.lw.ev.eval_int(x, self.scope, "input width"), x.span, d.name)
                    for x in d.type.dims
                )
            except SemanticError as err:
                self.report(err)
                return width
            size = math.prod(shape) if shape else 1
            if check and width is not None and size != width:
                self.report(
                    fail(
                        C.INPUT_DIMENSION,
                        f"input `{d.name}` has {size} features but the data provides {width}",
                        d.span,
                        help=f"declare `input {d.name}: float[{width}]` or add `|> pca({size})`",
                    )
                )
            try:
                self.no_shadow(d.name, self.scope, d.span)
            except SemanticError as err:
                self.report(err)
                return size
            self.scope.define(d.name, self.table.add_input(d.name, shape or (1,), d.span))
            return size
        if width is None:
            if self.data_call is not None and self.data_call.name == "csv":
                self.report(
                    fail(
                        C.INPUT_DIMENSION,
                        "the width of `csv` data is not known before reading the file",
                        self.data_call.span,
                        help="declare the input, e.g. `input x: float[4]`",
                    )
                )
            return None
        self.scope.define("x", self.table.add_input("x", (width,), None))
        return width

    def declare_weight(self, wd: A.WeightDecl, scope: Scope) -> None:
        try:
            self.no_shadow(wd.name, scope, wd.span)
            shape = tuple(
                nonnegative(self.lw.ev.eval_int(x, scope, "weight dimension"), x.span, wd.name)
                for x in wd.type.dims
            )
            init = None
            if wd.init is not None:
                init = self.lw.ev.eval(wd.init, scope)
                if not isinstance(init, Init):
                    raise fail(
                        C.TYPE_MISMATCH,
                        f"a weight initialiser is `uniform(a, b)`, "
                        f"`normal(m, s)`, `zeros` or `constant(v)`, found `{type_name(init)}`",
                        wd.init.span,
                    )
            value = self.table.add_weight(wd.name, shape, init, wd.frozen, wd.span)
            if not shape:
                value = value
            scope.define(wd.name, value)
        except SemanticError as err:
            self.report(err)

    @staticmethod
    def no_shadow(name: str, scope: Scope, span: Span | None) -> None:
        """Model declarations may not hide another name (an input, weight or import)."""
        if scope.lookup(name)[0]:
            raise fail(
                C.NAME_CONFLICT,
                f"`{name}` is already defined",
                span,
                help="choose another name (qlang never shadows names silently)",
            )

    # --- quantum blocks -----------------------------------------------------
    def block(
        self, name: str, e: _Entries, scope: Scope, x_width: int | None, span: Span | None
    ) -> QuantumBlock | None:
        calls: dict[str, PendingCall] = {}
        for key in ("encoding", "ansatz", "circuit"):
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
                    "the model has no circuit",
                    span,
                    help="add `encoding = ...` and `ansatz = ...`, or `circuit = ...`",
                )
            )
            return None
        xv = scope.lookup("x")[1]
        n = self.qubits(e, scope, calls, xv, x_width)
        if n is None:
            return None
        q = Qubits(tuple(range(n)))
        scope.define("q", q)
        builder = Builder()
        builder.qubits(n, span)
        enc_ops: tuple = ()
        for key in ("encoding", "ansatz", "circuit"):
            if key not in calls:
                continue
            pc = calls[key]
            self.lw.prefix = [key] if name == "main" else [name, key]
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
        if builder.num_qubits != n:
            n = builder.num_qubits
        circuit = self.circuit(name, n, builder, tuple(builder.ops))
        encoding = self.circuit(f"{name}_encoding", n, builder, enc_ops) if enc_ops else None
        readout = self.readout(e, scope, n)
        if readout is None:
            return None
        return QuantumBlock(name, circuit, readout, encoding)

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
        self, e: _Entries, scope: Scope, calls: dict[str, PendingCall], xv: Any, x_width: int | None
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
        size = _infer_size(first, xv, x_width)
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
            size = _infer_size(pc, xv, x_width)
            if size is not None and size < len(q):
                return [Qubits(q.qubits[:size])]
            return [q]
        singles = sum(1 for r in regs if r.size is None)
        sized = len(regs) - singles
        if sized > 1:
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

    def input_error(
        self, err: SemanticError, pc: PendingCall, xv: Any, width: int | None
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

    def quantum_block(self, blk: A.Block, x_width: int | None) -> None:
        name = blk.label or f"block{len(self.extra_blocks) + 1}"
        saved = (self.table, self.lw)
        self.table = ParamTable()
        self.lw = Lowerer(self.table, implicit_inputs=False)
        try:
            self._quantum_block(blk, name, x_width)
        finally:
            self.table, self.lw = saved

    def _quantum_block(self, blk: A.Block, name: str, x_width: int | None) -> None:
        """A ``quantum NAME { ... }`` block: its own circuit with its own parameters."""
        e = self.entries(blk.items, BLOCK_KEYS, f"quantum block `{name}`")
        scope = Scope(self.module.scope)
        scope.module = None
        width = None
        if not e.inputs and x_width is not None:
            scope.define("x", self.table.add_input("x", (x_width,), None))
            width = x_width
        for d in e.inputs:
            try:
                shape = tuple(
                    nonnegative(self.lw.ev.eval_int(x, scope, "input width"), x.span, d.name)
                    for x in d.type.dims
                )
                scope.define(d.name, self.table.add_input(d.name, shape or (1,), d.span))
                width = math.prod(shape) if shape else 1
            except SemanticError as err:
                self.report(err)
        for wd in e.weights:
            self.declare_weight(wd, scope)
        qb = self.block(name, e, scope, width, blk.span)
        if qb is not None:
            self.extra_blocks.append(qb)

    # --- readout, task, loss ------------------------------------------------
    def readout(self, e: _Entries, scope: Scope, n: int) -> Readout | None:
        self.lw.obs_width = n
        try:
            obs = self.setting(e, "observable", scope, settings=False)
            obs_span = e.settings["observable"].span if obs is not None else None
            minimized = _minimize_argument(e)
            if obs is None and minimized is not None:  # task = minimize(ising(...))
                obs, obs_span = self.lw.ev.eval(minimized, scope), minimized.span
            obs = self.as_observable(obs, n, obs_span) if obs is not None else None
            self.model_observable = obs
            st = e.settings.get("readout")
            if st is None:
                task = e.settings.get("task")
                if obs is not None:
                    return Readout("expval", (obs,))
                if (
                    task is not None
                    and isinstance(task.value, A.Call)
                    and isinstance(task.value.func, A.Name)
                    and task.value.func.id == "kernel"
                ):
                    return Readout("probs", qubits=tuple(range(n)))
                self.report(
                    fail(
                        C.MODEL_ENTRY,
                        "the model has no readout",
                        self.node.span,
                        help="add e.g. `readout = expval(Z0)` or `readout = probs(q)`",
                    )
                )
                return None
            v = self.sev.eval(st.value, scope)
            chain = v.args if isinstance(v, CallValue) and v.name == "|>" else (v,)
            head, post = chain[0], chain[1:]
            return self.make_readout(head, post, n, st.span)
        except SemanticError as err:
            self.report(err)
            return None
        finally:
            self.lw.obs_width = None

    model_observable: Observable | None = None

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

    def make_readout(self, head: Any, post: tuple, n: int, span: Span | None) -> Readout:
        if isinstance(head, Symbol):
            head = CallValue(head.name, (), (), span)
        if not isinstance(head, CallValue) or head.name not in READOUTS:
            name = head.name if isinstance(head, CallValue) else type_name(head)
            raise fail(
                C.UNKNOWN_SETTING,
                f"unknown readout `{name}`",
                span,
                did_you_mean(str(name), READOUTS) or f"readouts: {', '.join(READOUTS)}",
            )
        post_calls = []
        for p in post:
            c = self.to_call(p, span)
            if c.name not in POST:
                raise fail(
                    C.UNKNOWN_SETTING,
                    f"unknown post-processing `{c.name}`",
                    span,
                    did_you_mean(c.name, POST),
                )
            post_calls.append(c)
        args = head.args
        kw = dict(head.kwargs)
        if head.name == "expval":
            v = args[0] if args else kw.get("obs", kw.get("observable"))
            if v is None:
                if self.model_observable is None:
                    raise fail(C.BAD_ARGUMENTS, "`expval` needs an observable", span)
                obs: tuple[Observable, ...] = (self.model_observable,)
            else:
                items = v if isinstance(v, tuple) else (v,)
                obs = tuple(self.as_observable(o, n, span) for o in items)
            return Readout("expval", obs, post=tuple(post_calls), span=span)
        if head.name == "samples":
            shots = args[0] if args else kw.get("shots", 1024)
            if not is_number(shots) or int(shots) < 1:
                raise fail(C.BAD_VALUE, "`samples` needs a positive shot count", span)
            return Readout(
                "samples",
                qubits=tuple(range(n)),
                shots=int(shots),
                post=tuple(post_calls),
                span=span,
            )
        v = args[0] if args else kw.get("qubits", Qubits(tuple(range(n))))
        qs = self.qubit_list(v, n, span)
        return Readout(head.name, qubits=qs, post=tuple(post_calls), span=span)

    def qubit_list(self, v: Any, n: int, span: Span | None) -> tuple[int, ...]:
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


def _minimize_argument(e: _Entries) -> A.Expr | None:
    """The observable written inside ``task = minimize(...)``, unless it is `observable`."""
    st = e.settings.get("task")
    if st is None or not isinstance(st.value, A.Call) or not st.value.args:
        return None
    if not (isinstance(st.value.func, A.Name) and st.value.func.id == "minimize"):
        return None
    arg = st.value.args[0].value
    if isinstance(arg, A.Name) and arg.id == "observable":
        return None
    return arg


def _infer_size(pc: PendingCall, xv: Any, x_width: int | None) -> int | None:
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
