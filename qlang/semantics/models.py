"""Lowering ``model`` blocks to the model IR, with the model-level checks.

:class:`ModelLowerer` reads a model's entries in one pass: the data and its
preprocessing, the quantum blocks (:mod:`qlang.semantics.blocks`), the task, loss,
optimizer, metrics, layers, ``train``, ``target`` and ``recurrent`` blocks. Every
setting is bound against :mod:`qlang.catalog` (:mod:`qlang.semantics.settings`), and the
model is checked as a whole: a setting the run would not use (a ``batch_size`` for a
one-sample task, a named block no layer uses, early stopping on test data) is an error,
so what ``qlang check`` accepts is exactly what runs.

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
from dataclasses import replace
from pathlib import Path
from typing import Any

from qlang import ast as A
from qlang import catalog
from qlang.diagnostics import Diagnostic, QLangError, did_you_mean
from qlang.ir.gates import ALIASES, GATES
from qlang.ir.model import (
    Call,
    Conv,
    Dense,
    Layer,
    Model,
    Objective,
    QuantumBlock,
    QuantumLayer,
    Readout,
    Recurrent,
    Target,
    Training,
)
from qlang.semantics import codes as C
from qlang.semantics import objective as OBJ
from qlang.semantics.blocks import (
    CIRCUIT_KEYS,
    BlockLowerer,
    Entries,
    no_shadow,
    readout_outputs,
)
from qlang.semantics.codes import SemanticError, fail
from qlang.semantics.loader import Loader, Module
from qlang.semantics.model_checks import DataFacts, ModelChecks
from qlang.semantics.noise import check_execution, noise_model
from qlang.semantics.objective import lower_objective, reads_readouts
from qlang.semantics.scope import Scope
from qlang.semantics.settings import (
    bind_raw,
    check_call,
    check_key,
    piped,
    to_call,
    to_value,
)
from qlang.semantics.values import CallValue, Symbol, is_number, type_name
from qlang.source import Span

#: ``QL0320``: a ``gan`` discriminator that is not dense layers ending in one probability.
GAN_DISCRIMINATOR = C.GAN_DISCRIMINATOR


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
    ml = ModelLowerer(module, node)
    try:
        model = ml.run()
    except SemanticError as err:  # a check without its own recovery point
        ml.report(err)
        model = None
    if ml.diagnostics:
        raise QLangError(ml.diagnostics)
    assert model is not None
    model.verify()
    if any(isinstance(b, A.Block) and b.kind == "sweep" for b in node.items):
        from qlang.sweep.plan import check_sweep_block

        check_sweep_block(module.text, module.path, module.ast, node)
    return model


def _model_keys(where: str) -> tuple[str, ...]:
    return tuple(
        e.name
        for e in catalog.entries("model")
        if not e.info.block and (e.info.quantum if where == "quantum" else e.info.model)
    )


def _block_kinds() -> tuple[str, ...]:
    return tuple(e.name for e in catalog.entries("model") if e.info.block)


class ModelLowerer:
    """One model: its blocks, settings and checks (see the module docstring)."""

    def __init__(self, module: Module, node: A.ModelDef):
        self.module = module
        self.node = node
        self.diagnostics: list[Diagnostic] = []
        self.scope = Scope(module.scope)
        self.scope.module = None
        self.spans: dict[str, dict[str, Span | None]] = {}

    def report(self, err: SemanticError) -> None:
        if err.diagnostic not in self.diagnostics:
            self.diagnostics.append(err.diagnostic)

    # --- entries ------------------------------------------------------------------
    def entries(
        self, items: tuple[A.ModelItem, ...], keys: tuple[str, ...], where: str, blocks: bool = True
    ) -> Entries:
        out = Entries()
        kinds = _block_kinds() if blocks else ()
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
                if it.kind not in kinds:
                    self.report(
                        fail(
                            C.MODEL_ENTRY,
                            f"unknown block `{it.kind}` in {where}",
                            it.span,
                            did_you_mean(it.kind, kinds)
                            or ("a quantum block holds no blocks" if not blocks else None),
                        )
                    )
                else:
                    out.blocks.append(it)
            elif isinstance(it, A.InputDecl):
                out.inputs.append(it)
            elif isinstance(it, A.WeightDecl):
                out.weights.append(it)
        return out

    def block_settings(self, e: Entries, kind: str) -> dict[str, Any]:
        """The evaluated ``key = value`` entries of the ``kind { ... }`` blocks."""
        values: dict[str, Any] = {}
        spans: dict[str, Span | None] = {}
        self.spans[kind] = spans
        for blk in e.blocks:
            if blk.kind != kind:
                continue
            for it in blk.items:
                if not isinstance(it, A.Setting):
                    self.report(
                        fail(C.MODEL_ENTRY, f"only `key = value` entries in `{kind}`", it.span)
                    )
                    continue
                if it.key in values:
                    self.report(
                        fail(C.MODEL_ENTRY, f"`{it.key}` is set twice in `{kind}`", it.span)
                    )
                    continue
                try:
                    if it.key == "basis" and isinstance(it.value, A.ListExpr):
                        values[it.key] = tuple(
                            Symbol(i.id) if isinstance(i, A.Name) else self.sev.eval(i, self.scope)
                            for i in it.value.items
                        )
                    else:
                        values[it.key] = self.sev.eval(it.value, self.scope)
                    spans[it.key] = it.span
                except SemanticError as err:
                    self.report(err)
        return values

    def setting(self, e: Entries, key: str) -> Any:
        st = e.settings.get(key)
        return None if st is None else self.sev.eval(st.value, self.scope)

    # --- the model ------------------------------------------------------------------
    def run(self) -> Model | None:
        e = self.entries(self.node.items, _model_keys("model"), f"model `{self.node.name}`")
        self.task_setting = e.settings.get("task")
        main_bl = BlockLowerer("main", self.report, self.diagnostics, self.task_setting)
        self.sev = main_bl.sev
        loss_st = e.settings.get("loss")
        if loss_st is not None and reads_readouts(loss_st.value):
            main_bl.objective = loss_st
        self.main_bl = main_bl
        self.objective: Objective | None = None
        self.discriminator: tuple[Dense, ...] = ()
        data = self.data(e)
        self.facts = data
        free_input = "layers" in e.settings or any(b.kind == "recurrent" for b in e.blocks)
        x_width = self.declare_input(main_bl, e.inputs, data, check=not free_input)
        for wd in e.weights:
            main_bl.declare_weight(wd, self.scope)
        named = [b for b in e.blocks if b.kind == "quantum"]
        main = None
        if data.failed and x_width is None:
            pass  # the circuit would only repeat the data error (an undefined `x`)
        elif any(k in e.settings for k in CIRCUIT_KEYS) or not named:
            main = main_bl.lower(e, self.scope, x_width, self.node.span)
        blocks: list[QuantumBlock] = [main] if main is not None else []
        self.failed_blocks: set[str] = set()
        for blk in named:
            qb = self.quantum_block(blk, x_width)
            if qb is not None:
                blocks.append(qb)
            elif blk.label is not None:
                self.failed_blocks.add(blk.label)
        self.check_block_names(blocks, named)
        first = blocks[0] if blocks else None
        task = self.task(e, first)
        task_name = task.name if task is not None else None
        loss = self.loss(e, task)
        if self.objective is not None and main is not None:
            main = replace(main, readout=Readout("expval", self.objective.readouts))
            blocks[0] = main
            first = main
        optimizer = self.optimizer(e)
        training = self.training(e, task_name)
        target = self.target(e, blocks)
        if not self.diagnostics:
            self.check_execution(training, target, blocks, task_name)
        recurrent = self.recurrent(e, blocks, data)
        start = data.width
        if recurrent is not None:
            cell, cell_values = catalog.runtime_bind("cell", recurrent.cell)
            rec_block = next(b for b in blocks if b.name == recurrent.block)
            start = cell.info.outputs(cell_values, readout_outputs(rec_block.readout))
        elif any(b.kind == "recurrent" for b in e.blocks):
            start = None  # the cell's own error is reported; its width is unknown
        layers = self.layers(e, blocks, start)
        metric_calls = self.metrics(e, task_name)
        self.check_cut(e, metric_calls)
        training = replace(
            training,
            metrics=tuple(c.name for c in metric_calls),
            metric_calls=metric_calls,
        )
        checks = ModelChecks(
            self.report,
            e,
            self.spans,
            self.node.span,
            self.final_width,
            main is not None and main_bl.readout_shots_given,
            frozenset(self.layer_blocks | self.cell_blocks),
        )
        checks.monitor(training, task_name)
        if first is not None and task is not None:
            checks.fit(task, first, blocks, layers, recurrent, training, loss, data)
            checks.optimizer(task, optimizer, training)
            checks.simplex_budget(task, optimizer, training, first, layers, blocks, recurrent)
        if self.diagnostics or first is None or task is None:
            return None
        return Model(
            name=self.node.name,
            blocks=tuple(blocks),
            data=data.call,
            preprocess=data.steps,
            task=task,
            loss=loss,
            objective=self.objective,
            discriminator=self.discriminator,
            optimizer=optimizer,
            training=training,
            target=target,
            layers=layers,
            recurrent=recurrent,
            num_features=x_width,
            source_hash=hashlib.sha256(self.module.text.encode("utf-8")).hexdigest(),
            span=self.node.span,
        )

    # --- data and declarations ------------------------------------------------------
    def data(self, e: Entries) -> DataFacts:
        st = e.settings.get("data")
        if st is None:
            return DataFacts()
        try:
            head, *rest = piped(self.setting(e, "data"))
            call = to_call(head, st.span)
            entry, values = check_call("data", call, st.span)
        except SemanticError as err:
            self.report(err)
            return DataFacts(span=st.span, failed=True)
        info = entry.info
        width, classes = info.features(values), info.classes(values)
        steps: list[Call] = []
        for p in rest:
            try:
                c = to_call(p, st.span)
                step, vals = check_call("preprocess", c, st.span)
                if width is not None:
                    msg = step.info.fits(vals, width)
                    if msg is not None:
                        raise fail(C.SETTING_RANGE, msg, c.span or st.span)
                width = step.info.width(vals, width)
                steps.append(c)
            except SemanticError as err:
                self.report(err)
                return DataFacts(call, tuple(steps), None, classes, info.kind, st.span, True)
        return DataFacts(call, tuple(steps), width, classes, info.kind, st.span)

    def declare_input(
        self, bl: BlockLowerer, decls: list[A.InputDecl], data: DataFacts, check: bool
    ) -> int | None:
        """Declare the data input (explicit, or ``x`` with the data's width).

        With hybrid ``layers`` or a recurrent cell the explicit input is the quantum
        block's input and need not match the data (``check = False``).
        """
        width = data.width
        if len(decls) > 1:
            self.report(fail(C.MODEL_ENTRY, "a model has one data input", decls[1].span))
        if decls:
            d = decls[0]
            size = bl.declare_input(d, self.scope)
            if size is not None and check and width is not None and size != width:
                self.report(
                    fail(
                        C.INPUT_DIMENSION,
                        f"input `{d.name}` has {size} features but the data provides {width}",
                        d.span,
                        help=f"declare `input {d.name}: float[{width}]` or add `|> pca({size})`",
                    )
                )
            return size if size is not None else width
        if width is None:
            if data.call is not None and data.call.name == "csv":
                self.report(
                    fail(
                        C.INPUT_DIMENSION,
                        "the width of `csv` data is not known before reading the file",
                        data.call.span or data.span,
                        help="declare the input, e.g. `input x: float[4]`",
                    )
                )
            return None
        bl.implicit_input(self.scope, width)
        return width

    def quantum_block(self, blk: A.Block, x_width: int | None) -> QuantumBlock | None:
        """A ``quantum NAME { ... }`` block: its own circuit with its own parameters."""
        self.unnamed = getattr(self, "unnamed", 0) + (blk.label is None)
        name = blk.label or f"block{self.unnamed}"
        e = self.entries(blk.items, _model_keys("quantum"), f"quantum block `{name}`", False)
        bl = BlockLowerer(name, self.report, self.diagnostics, self.task_setting)
        scope = Scope(self.module.scope)
        scope.module = None
        width = None
        if not e.inputs and x_width is not None:
            bl.implicit_input(scope, x_width)
            width = x_width
        for d in e.inputs:
            width = bl.declare_input(d, scope)
        for wd in e.weights:
            bl.declare_weight(wd, scope)
        return bl.lower(e, scope, width, blk.span)

    def check_block_names(self, blocks: list[QuantumBlock], named: list[A.Block]) -> None:
        seen: dict[str, str] = {}
        names = [b.name for b in blocks]
        for blk in named:
            if blk.label is not None and names.count(blk.label) > 1:
                self.report(
                    fail(C.NAME_CONFLICT, f"two quantum blocks are called `{blk.label}`", blk.span)
                )
        for b in blocks:
            for d in b.circuit.weights:
                if d.name in seen and seen[d.name] != b.name:
                    self.report(
                        fail(
                            C.NAME_CONFLICT,
                            f"weight `{d.name}` is declared by blocks `{seen[d.name]}` and "
                            f"`{b.name}`",
                            d.span,
                            help="rename one of them",
                        )
                    )
                seen[d.name] = b.name

    # --- task, loss, optimizer, metrics ------------------------------------------
    def task(self, e: Entries, first: QuantumBlock | None) -> Call | None:
        st = e.settings.get("task")
        if st is None:
            self.report(
                fail(
                    C.MODEL_ENTRY,
                    "the model has no task",
                    self.node.span,
                    help="add e.g. `task = classify(classes = 2)`",
                )
            )
            return None
        try:
            v = self.setting(e, "task")
            head = CallValue(v.name, (), (), st.span) if isinstance(v, Symbol) else v
            if not isinstance(head, CallValue):
                raise fail(C.TYPE_MISMATCH, f"expected a task, found `{type_name(v)}`", st.span)
            entry, values, given = bind_raw("task", head, st.span)
        except SemanticError as err:
            self.report(err)
            return None
        opaque = {p.name for p in entry.params if p.type == "opaque"}
        kwargs = tuple((k, values[k]) for k in given if k not in opaque)
        call = Call(entry.name, (), kwargs, span=st.span)
        if entry.name == "gan":
            try:
                self.discriminator = self.lower_discriminator(values["discriminator"], first, st.span)
            except SemanticError as err:
                self.report(err)
        if entry.name == "minimize" and first is not None and first.readout.kind != "expval":
            self.report(
                fail(
                    C.READOUT_TASK,
                    "`minimize` needs an `observable` (expval readout)",
                    st.span,
                    help="add `observable = ising(...)` or another Pauli sum",
                )
            )
        return call

    def loss(self, e: Entries, task: Call | None) -> Call | None:
        st = e.settings.get("loss")
        if st is None:
            return None
        if self.main_bl.objective is not None:
            return self.loss_expression(st, task)
        try:
            call = to_call(self.setting(e, "loss"), st.span)
            if call.name == "expression":
                raise fail(
                    OBJ.BAD_OBJECTIVE,
                    "the loss `expression` is written as the expression itself",
                    st.span,
                    help="e.g. `loss = tanh(2 * expval(Z0)) * tanh(2 * expval(Z1))`",
                )
            entry, _ = check_call("loss", call, st.span)
        except SemanticError as err:
            self.report(err)
            return None
        if task is not None and task.name not in entry.tasks:
            fits = [x.name for x in catalog.entries("loss") if task.name in x.tasks]
            self.report(
                fail(
                    C.LOSS_TASK,
                    f"loss `{entry.name}` does not fit task `{task.name}`",
                    st.span,
                    help="use one of: " + ", ".join(fits),
                )
            )
        if task is not None and task.name == "minimize" and task.get("cvar") is not None:
            self.report(
                fail(
                    C.NOT_APPLICABLE,
                    "`minimize(cvar = ...)` already sets the loss",
                    st.span,
                    help="remove `loss`, or write `loss = cvar(alpha = ...)` and `minimize()`",
                )
            )
        return call

    def lower_discriminator(
        self, v: Any, first: QuantumBlock | None, span: Span | None
    ) -> tuple[Dense, ...]:
        """``gan(discriminator = [dense(k -> h, act), ..., dense(h -> 1, sigmoid)])``: the
        layers read the ``k`` bits of an outcome of the ``probs`` readout and end in one
        probability (``QL0320`` otherwise; widths that do not chain are ``QL0306``)."""
        if v is None:
            raise fail(
                GAN_DISCRIMINATOR,
                "a `gan` task needs its `discriminator`",
                span,
                help="e.g. `gan(discriminator = [dense(3 -> 16, tanh), dense(16 -> 1, sigmoid)])`",
            )
        items = v if isinstance(v, tuple) else (v,)
        if not items or not all(isinstance(i, CallValue) and i.name == "dense" for i in items):
            raise fail(
                GAN_DISCRIMINATOR,
                "the discriminator is a list of dense layers",
                span,
                help="e.g. `gan(discriminator = [dense(3 -> 16, tanh), dense(16 -> 1, sigmoid)])`",
            )
        if first is not None and first.readout.kind != "probs":
            raise fail(
                C.READOUT_TASK,
                "a `gan` generator is the circuit's bit-string distribution: `readout = probs(q)`",
                span,
            )
        width = len(first.readout.qubits) if first is not None else None
        out: list[Dense] = []
        for item in items:
            entry, values, _ = bind_raw("layer", item, item.span or span)
            a, b = self.dense_widths(values["shape"], item.span or span)
            if width is not None and a != width:
                raise fail(
                    C.LAYER_WIDTHS,
                    f"`dense({a} -> {b})` gets {width} inputs"
                    + (" (the bits of an outcome)" if not out else ""),
                    item.span or span,
                    help=f"make it `dense({width} -> {b})`",
                )
            act = values["activation"].name
            out.append(Dense(a, b, act, bool(values["frozen"])))
            width = b
        if out[-1].outputs != 1 or out[-1].activation != "sigmoid":
            raise fail(
                GAN_DISCRIMINATOR,
                "the discriminator ends in one probability: `dense(h -> 1, sigmoid)`",
                items[-1].span or span,
            )
        return tuple(out)

    def loss_expression(self, st: A.Setting, task: Call | None) -> Call | None:
        """``loss = <expression over expval(H)>`` (:mod:`qlang.semantics.objective`)."""
        bl = self.main_bl
        if task is not None and task.name != "minimize":
            self.report(
                fail(
                    OBJ.BAD_OBJECTIVE,
                    f"a loss expression trains a `minimize` task, not `{task.name}`",
                    st.span,
                    help="write `task = minimize()`, or use a loss of the catalog by name",
                )
            )
            return None
        if task is not None and task.get("cvar") is not None:
            self.report(
                fail(
                    C.NOT_APPLICABLE,
                    "`minimize(cvar = ...)` already sets the loss",
                    st.span,
                    help="remove `cvar` from the task",
                )
            )
            return None
        if bl.num_qubits is None or bl.objective_scope is None:
            if not self.diagnostics:
                self.report(
                    fail(
                        OBJ.BAD_OBJECTIVE,
                        "a loss expression reads the model's own circuit "
                        "(`encoding`/`ansatz`/`circuit` entries)",
                        st.span,
                    )
                )
            return None
        text = self.module.text[st.value.span.start : st.value.span.end] if st.value.span else ""
        bl.lw.obs_width = bl.num_qubits
        try:
            self.objective = lower_objective(
                st,
                bl.lw.ev,
                bl.objective_scope,
                bl.as_observable,
                bl.num_qubits,
                text,
                bl.objective_order,
            )
        except SemanticError as err:
            self.report(err)
            return None
        finally:
            bl.lw.obs_width = None
        check_call("loss", Call("expression"), st.span)
        return Call("expression", span=st.span)

    def check_cut(self, e: Entries, metric_calls: tuple[Call, ...]) -> None:
        """``metrics = [cut(graph)]`` splits the graph by the signs of a loss expression's
        readouts: one readout per node."""
        call = next((c for c in metric_calls if c.name == "cut"), None)
        if call is None:
            return
        span = e.settings["metrics"].span
        if self.objective is None:
            if not self.diagnostics:
                self.report(
                    fail(
                        C.NOT_APPLICABLE,
                        "`cut(graph)` reads the readouts of a loss expression; the model has none",
                        span,
                        help="write the loss as an expression over `expval(P[i])`, one per node",
                    )
                )
            return
        graph = call.arg(0, "graph")
        edges: tuple[Any, ...] = graph if isinstance(graph, tuple) else ()
        ok = bool(edges) and all(
            isinstance(x, tuple) and len(x) == 3 and all(is_number(v) for v in x) for x in edges
        )
        if not ok:
            self.report(fail(C.TYPE_MISMATCH, "`cut` needs a graph", span))
            return
        nodes = 1 + max(max(int(x[0]), int(x[1])) for x in edges)
        have = len(self.objective.readouts)
        if nodes > have:
            self.report(
                fail(
                    OBJ.BAD_OBJECTIVE,
                    f"`cut(graph)` splits {nodes} nodes by the signs of the readouts, but the "
                    f"loss expression reads {have}",
                    span,
                    help="read one `expval(P[i])` per node of the graph in the loss",
                )
            )

    def optimizer(self, e: Entries) -> Call | None:
        st = e.settings.get("optimizer")
        if st is None:
            return None
        try:
            call = to_call(self.setting(e, "optimizer"), st.span)
            check_call("optimizer", call, st.span)
        except SemanticError as err:
            self.report(err)
            return None
        return call

    def metrics(self, e: Entries, task: str | None) -> tuple[Call, ...]:
        st = e.settings.get("metrics")
        if st is None:
            return ()
        out: list[Call] = []
        try:
            v = self.setting(e, "metrics")
            for item in v if isinstance(v, tuple) else (v,):
                call = to_call(item, st.span)
                entry, _ = check_call("metric", call, st.span)
                if task is not None and task not in entry.tasks:
                    fits = [m.name for m in catalog.entries("metric") if task in m.tasks]
                    raise fail(
                        C.NOT_APPLICABLE,
                        f"metric `{entry.name}` does not apply to a `{task}` task",
                        st.span,
                        help=f"metrics of `{task}`: {', '.join(fits)}"
                        if fits
                        else f"a `{task}` task reports fixed metrics; remove `metrics`",
                    )
                if entry.name in [c.name for c in out]:
                    raise fail(C.MODEL_ENTRY, f"metric `{entry.name}` is listed twice", st.span)
                out.append(call)
        except SemanticError as err:
            self.report(err)
        return tuple(out)

    # --- train, target, recurrent ----------------------------------------------------
    def training(self, e: Entries, task: str | None) -> Training:
        vals = self.block_settings(e, "train")
        spans = self.spans["train"]
        kw: dict[str, Any] = {}
        for k, v in vals.items():
            try:
                value = check_key("train", k, to_value(v, spans[k]), spans[k])
                entry = catalog.lookup("train", k)
                assert entry is not None
                if task is not None and task not in entry.tasks:
                    raise fail(
                        C.NOT_APPLICABLE,
                        f"`{k}` does not apply to a `{task}` task",
                        spans[k],
                        help=f"`{k}` applies to: {', '.join(entry.tasks)}",
                    )
                kw[k] = value.name if k == "gradient" else value
            except SemanticError as err:
                self.report(err)
        training = Training(**kw)
        if training.gradient == "adjoint" and training.shots:
            self.report(
                fail(
                    C.GRADIENT_MODE,
                    f"`gradient = adjoint` needs exact statevector simulation, but the model "
                    f"has `shots = {training.shots}` in `train`",
                    spans.get("gradient"),
                    help="use `gradient = parameter_shift` (works with shots) or remove the shots",
                )
            )
        return training

    def target(self, e: Entries, blocks: list[QuantumBlock]) -> Target:
        vals = self.block_settings(e, "target")
        spans = self.spans["target"]
        kw: dict[str, Any] = {}
        for k, v in vals.items():
            try:
                if k == "device":
                    kw[k] = self.device(v, spans[k])
                    if "cutting" not in vals:  # with cutting the pieces must fit (QL0953)
                        self.check_device_fits(kw[k], blocks, spans[k])
                elif k == "basis":
                    kw[k] = self.basis(v, spans[k])
                else:
                    value = check_key("target", k, to_value(v, spans[k]), spans[k])
                    if k == "noise":
                        width = max((b.circuit.num_qubits for b in blocks), default=0)
                        value = noise_model(value, width, spans[k])
                    kw[k] = value
            except SemanticError as err:
                self.report(err)
        return Target(**kw)

    def check_execution(
        self, training: Training, target: Target, blocks: list[QuantumBlock], task: str | None
    ) -> None:
        """The target's noise, shots and backend fit the gradient method and the task."""
        width = max((b.circuit.num_qubits for b in blocks), default=0)
        if task == "kernel" and target.mitigation:
            self.report(
                fail(
                    C.NOT_APPLICABLE,
                    "`mitigation` does not apply to a `kernel` task: kernel entries are "
                    "estimated without mitigation",
                    self.spans["target"].get("mitigation"),
                    "remove `mitigation`, or train a `classify` model on the noisy device",
                )
            )
        if target.cutting is not None:
            from qlang.cutting.check import check_cutting

            for err in check_cutting(
                target, training, task, blocks, self.spans["target"].get("cutting")
            ):
                self.report(err)
        for err in check_execution(
            training.gradient,
            training.shots,
            target,
            width,
            training.dtype,
            self.spans["target"],
            self.spans["train"].get("gradient"),
        ):
            self.report(err)
        if training.distribute is not None:
            self.check_distribute(training, target, blocks)

    def check_distribute(
        self, training: Training, target: Target, blocks: list[QuantumBlock]
    ) -> None:
        """``train { distribute }`` needs exact simulation (``QL0313``) and Ray (``QL0315``)."""
        import importlib.util

        from qlang.distribute import conflicts

        span = self.spans["train"].get("distribute")
        for key, message in conflicts(training, target, blocks):
            where = self.spans["target"].get(key) or self.spans["train"].get(key) or span
            self.report(fail(C.NOT_APPLICABLE, message, where,
                             f"remove `{key}`, or remove `distribute` to run in this process"))  # fmt: skip
        if importlib.util.find_spec("ray") is None:
            self.report(fail(C.MISSING_EXTRA, "`distribute = ray(...)` needs Ray, which is not "
                             "installed", span, "install it: pip install 'qlang[ray]'"))  # fmt: skip

    @staticmethod
    def basis(v: Any, span: Span | None) -> tuple[str, ...]:
        names = []
        for g in v if isinstance(v, tuple) else (v,):
            gname = g.name if isinstance(g, Symbol) else g
            gname = ALIASES.get(gname, gname) if isinstance(gname, str) else gname
            if gname not in GATES:
                raise fail(
                    C.UNKNOWN_SETTING,
                    f"unknown basis gate `{gname}`",
                    span,
                    did_you_mean(str(gname), GATES),
                )
            names.append(gname)
        return tuple(names)

    def device(self, v: Any, span: Span | None) -> Call:
        """The ``device`` setting, checked now (a located QL058x error for a bad spec).
        A string is a device file, relative to the model file."""
        from qlang.devices import device_spec, parse_device

        if isinstance(v, str):
            path = Path(v)
            base = getattr(self.module, "path", None)
            if not path.is_absolute() and base is not None:
                path = base.parent / path
            call = Call("file", (str(path),), span=span)
        else:
            call = to_call(v, span)
        try:
            parse_device(device_spec(call))
        except QLangError as err:
            d = err.diagnostics[0]
            raise fail(d.code, f"in `target {{ device }}`: {d.message}", span, d.help) from None
        return call

    def check_device_fits(
        self, device: Call, blocks: list[QuantumBlock], span: Span | None
    ) -> None:
        """``QL0597`` at the device setting when a quantum block is wider than the device."""
        from qlang.devices import device_spec, parse_device

        dev = parse_device(device_spec(device))
        for b in blocks:
            if b.circuit.num_qubits > dev.num_qubits:
                raise fail(
                    "QL0597",
                    f"the model needs {b.circuit.num_qubits} qubits but device "
                    f"`{dev.name}` has {dev.num_qubits}",
                    span,
                    "choose a larger device or use fewer qubits",
                )

    def recurrent(
        self, e: Entries, blocks: list[QuantumBlock], data: DataFacts
    ) -> Recurrent | None:
        found = [b for b in e.blocks if b.kind == "recurrent"]
        self.cell_blocks: set[str] = set()  # the cell's block, also when the cell has an error
        if not found:
            return None
        vals = self.block_settings(e, "recurrent")
        spans = self.spans["recurrent"]
        out: dict[str, Any] = {}
        for k, v in vals.items():
            try:
                out[k] = check_key("recurrent", k, to_value(v, spans[k]), spans[k])
            except SemanticError as err:
                self.report(err)
        span = found[0].span
        if "cell" not in vals:
            self.report(
                fail(
                    C.MODEL_ENTRY,
                    "the `recurrent` block has no `cell`",
                    span,
                    help="add `cell = lstm(hidden = 2)`",
                )
            )
            return None
        if "cell" not in out:
            return None
        names = {b.name: b for b in blocks}
        gates = out.get("gates") or ("main" if "main" in names else next(iter(names), "main"),)
        if len(gates) != 1:
            self.report(
                fail(
                    C.SETTING_RANGE,
                    f"the recurrent cell uses {len(gates)} gate blocks; it evaluates one",
                    spans.get("gates"),
                    help="list one block in `gates` (it computes all four LSTM gates)",
                )
            )
            return None
        block = names.get(str(gates[0]))
        if block is None:
            self.report(
                fail(
                    C.UNKNOWN_SETTING,
                    f"unknown quantum block `{gates[0]}`",
                    spans.get("gates"),
                    did_you_mean(str(gates[0]), names) or f"blocks: {', '.join(names)}",
                )
            )
            return None
        self.cell_blocks.add(block.name)
        rec = Recurrent(out["cell"], block.name, out.get("window"))
        cell, cell_values = catalog.runtime_bind("cell", rec.cell)
        info = cell.info
        features = info.features(cell_values, block.circuit.num_inputs)
        if features < 1 and cell.name == "lstm":
            self.report(
                fail(
                    C.LAYER_WIDTHS,
                    f"the cell feeds {cell_values['hidden']} hidden values plus the inputs of a "
                    f"step to block `{block.name}`, which takes {block.circuit.num_inputs} inputs",
                    spans.get("cell"),
                    help=f"declare `input v: float[{cell_values['hidden'] + 1}]` (hidden + 1 "
                    "feature per step)",
                )
            )
            return None
        if features < 1:
            self.report(
                fail(
                    C.LAYER_WIDTHS,
                    f"the `{cell.name}` cell feeds the features of a step to block "
                    f"`{block.name}`, which takes no inputs",
                    spans.get("cell"),
                    help="declare the block's input, e.g. `input v: float[1]`",
                )
            )
            return None
        if info.needs_weights and not block.circuit.num_weights:
            self.report(
                fail(
                    C.SETTING_RANGE,
                    f"`{cell.name}` writes the weights of block `{block.name}`, which has none",
                    spans.get("cell"),
                    help="give the block an ansatz with weights",
                )
            )
            return None
        width = data.width
        if width is not None and (
            width % features or (rec.window is not None and rec.window * features != width)
        ):
            steps = f"{rec.window} steps" if rec.window is not None else "whole steps"
            self.report(
                fail(
                    C.INPUT_DIMENSION,
                    f"the data gives {width} values per sample, which is not {steps} of "
                    f"{features} features",
                    spans.get("window") or data.span,
                    help=f"make the window {width // features if width >= features else 1} "
                    "steps or change the block's inputs",
                )
            )
        return rec

    # --- layers -------------------------------------------------------------------------
    def layers(
        self, e: Entries, blocks: list[QuantumBlock], width: int | None
    ) -> tuple[Layer, ...]:
        st = e.settings.get("layers")
        self.final_width: int | None = None
        self.layer_blocks: set[str] = set()  # named by a layer, even one with an error
        if st is None:
            return ()
        try:
            v = self.setting(e, "layers")
        except SemanticError as err:
            self.report(err)
            return ()
        out: list[Layer] = []
        by_name = {b.name: b for b in blocks}
        for it in v if isinstance(v, tuple) else (v,):
            try:
                head = CallValue(it.name, (), (), st.span) if isinstance(it, Symbol) else it
                if not isinstance(head, CallValue):
                    raise fail(
                        C.TYPE_MISMATCH, f"expected a layer, found `{type_name(it)}`", st.span
                    )
                entry, values, _ = bind_raw("layer", head, st.span)
                if entry.name in ("quantum", "conv"):
                    name = str(values["block"])
                    if name == "main" and "main" not in by_name and blocks:
                        name = blocks[0].name
                    self.layer_blocks.add(name)
                    qb = by_name.get(name)
                    if qb is None and name in self.failed_blocks:
                        width = None  # the block's own error is reported
                        continue
                    if qb is None:
                        raise fail(
                            C.UNKNOWN_SETTING,
                            f"unknown quantum block `{name}`",
                            st.span,
                            did_you_mean(name, by_name) or f"blocks: {', '.join(by_name)}",
                        )
                    if entry.name == "conv":
                        conv = self.conv_layer(qb, values, width, head.span or st.span)
                        out.append(conv)
                        width = readout_outputs(qb.readout) * conv.patches
                        continue
                    need = qb.circuit.num_inputs
                    if width is not None and need != width:
                        raise fail(
                            C.LAYER_WIDTHS,
                            f"quantum block `{name}` takes {need} inputs but the previous "
                            f"layer gives {width}",
                            st.span,
                        )
                    out.append(QuantumLayer(name, bool(values["frozen"])))
                    width = readout_outputs(qb.readout)
                else:
                    a, b = self.dense_widths(values["shape"], st.span)
                    if width is not None and a != width:
                        raise fail(
                            C.LAYER_WIDTHS,
                            f"`dense({a} -> {b})` gets {width} inputs",
                            st.span,
                            help=f"make it `dense({width} -> {b})`",
                        )
                    act = values["activation"].name
                    out.append(Dense(a, b, act, bool(values["frozen"])))
                    width = b
            except SemanticError as err:
                self.report(err)
                width = None
        self.final_width = width
        return tuple(out)

    @staticmethod
    def conv_layer(
        qb: QuantumBlock, values: dict[str, Any], width: int | None, span: Span | None
    ) -> Conv:
        """``conv(block, kernel = k, stride = s)`` over the square image the previous layer
        (or the data) gives: ``QL0306`` when the sizes do not fit."""
        k, stride = int(values["kernel"]), int(values["stride"])
        if qb.circuit.num_inputs != k * k:
            raise fail(
                C.LAYER_WIDTHS,
                f"`conv(kernel = {k})` feeds {k * k} pixels of a patch to block `{qb.name}`, "
                f"which takes {qb.circuit.num_inputs} inputs",
                span,
                help=f"declare `input p: float[{k * k}]` in the block or change `kernel`",
            )
        if width is None:
            raise fail(
                C.LAYER_WIDTHS,
                "`conv` needs the width of its input image before the data is read",
                span,
                help="select the pixel columns (`|> select([...])`) or put a `dense` layer first",
            )
        side = int(round(width**0.5))
        if side * side != width:
            raise fail(
                C.LAYER_WIDTHS,
                f"`conv` reads a square image, but its input has {width} values",
                span,
                help="give it side x side pixels (e.g. `digits()`: 8 x 8 = 64)",
            )
        if k > side:
            raise fail(
                C.LAYER_WIDTHS,
                f"the `conv` kernel ({k} x {k}) is larger than the {side} x {side} image",
                span,
                help=f"use `kernel` <= {side}",
            )
        if (side - k) % stride:
            raise fail(
                C.LAYER_WIDTHS,
                f"`conv(kernel = {k}, stride = {stride})` does not tile a {side} x {side} "
                f"image: the last {(side - k) % stride} pixel rows and columns would be skipped",
                span,
                help=f"choose a stride that divides {side - k} (or another kernel)",
            )
        return Conv(qb.name, k, stride, side, bool(values["frozen"]))

    @staticmethod
    def dense_widths(shape: Any, span: Span | None) -> tuple[int, int]:
        from qlang.limits import MAX_FEATURES

        if not (isinstance(shape, CallValue) and shape.name == "->"):
            raise fail(C.SETTING_ARGUMENT, "write dense layers as `dense(in -> out, act)`", span)
        a, b = shape.args
        for w in (a, b):
            if not is_number(w) or not float(w).is_integer():
                raise fail(C.TYPE_MISMATCH, "dense widths must be integers", span)
            if not 1 <= int(w) <= MAX_FEATURES:
                raise fail(C.SETTING_RANGE, f"dense widths must be in [1, {MAX_FEATURES}]", span)
        return int(a), int(b)


__all__ = ["DataFacts", "ModelLowerer", "lower_model", "no_shadow", "readout_outputs"]
