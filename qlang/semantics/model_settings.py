"""Model settings: task, loss, optimizer, train and target blocks, hybrid layers.

A mixin of the model lowering (:mod:`qlang.semantics.models`): each method
turns one group of model entries into model-IR values and runs its checks.

Example::

    >>> [name for name, tasks in LOSSES.items() if "minimize" in tasks]
    ['energy', 'cvar']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qlang import ast as A
from qlang.diagnostics import Diagnostic, did_you_mean
from qlang.ir import expr as E
from qlang.ir.gates import ALIASES, GATES
from qlang.ir.model import Call, Dense, Layer, QuantumBlock, QuantumLayer, Readout, Target, Training
from qlang.semantics import codes as C
from qlang.semantics.codes import SemanticError, fail
from qlang.semantics.scope import Scope
from qlang.semantics.values import CallValue, Graph, Init, PendingCall, Symbol, is_number, type_name
from qlang.source import Span

MODEL_KEYS = (
    "data",
    "qubits",
    "encoding",
    "ansatz",
    "circuit",
    "observable",
    "readout",
    "task",
    "loss",
    "optimizer",
    "layers",
    "metrics",
    "name",
)
BLOCK_KINDS = ("train", "target", "quantum", "recurrent")
BLOCK_KEYS = ("qubits", "encoding", "ansatz", "circuit", "observable", "readout")
TASKS = ("classify", "regress", "kernel", "minimize", "generate")
LOSSES = {
    "mse": ("classify", "regress", "generate"),
    "mae": ("classify", "regress"),
    "cross_entropy": ("classify",),
    "hinge": ("classify",),
    "nll": ("classify", "generate"),
    "kl": ("generate", "classify"),
    "mmd": ("generate",),
    "energy": ("minimize",),
    "cvar": ("minimize",),
    "kernel_target_alignment": ("kernel",),
}
OPTIMIZERS = (
    "adam",
    "sgd",
    "momentum",
    "rmsprop",
    "spsa",
    "cobyla",
    "nelder_mead",
    "lbfgsb",
    "aqgd",
    "adagrad",
    "gradient_descent",
)
GRADIENTS = ("auto", "adjoint", "parameter_shift", "finite_diff", "spsa", "backprop")
READOUTS = ("expval", "probs", "parity", "samples")
POST = ("softmax", "sigmoid", "linear", "scale", "tanh", "identity")
TRAIN_FIELDS = (
    "epochs",
    "maxiter",
    "batch_size",
    "seed",
    "gradient",
    "shots",
    "early_stopping",
    "checkpoint_every",
    "dtype",
)


@dataclass
class _Entries:
    settings: dict[str, A.Setting] = field(default_factory=dict)
    blocks: list[A.Block] = field(default_factory=list)
    inputs: list[A.InputDecl] = field(default_factory=list)
    weights: list[A.WeightDecl] = field(default_factory=list)


class SettingsLowering:
    """Lowering of the non-circuit model entries (mixed into the model lowerer)."""

    diagnostics: list[Diagnostic]
    extra_blocks: list[QuantumBlock]
    node: A.ModelDef
    scope: Scope
    module: Any
    sev: Any

    # provided by the model lowerer
    report: Callable[[SemanticError], None]
    setting: Callable[..., Any]

    def task(self, e: _Entries, main: QuantumBlock | None) -> Call | None:
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
            v = self.sev.eval(st.value, self.scope)
        except SemanticError as err:
            self.report(err)
            return None
        if isinstance(v, CallValue) and v.name == "minimize":
            v = CallValue("minimize", (), v.kwargs, v.span)
        try:
            c = self.to_call(v, st.span)
        except SemanticError as err:
            self.report(err)
            return None
        if c.name not in TASKS:
            self.report(
                fail(
                    C.UNKNOWN_SETTING,
                    f"unknown task `{c.name}`",
                    st.span,
                    did_you_mean(c.name, TASKS) or f"tasks: {', '.join(TASKS)}",
                )
            )
            return None
        if c.name == "minimize" and main is not None and main.readout.kind != "expval":
            self.report(
                fail(
                    C.READOUT_TASK,
                    "`minimize` needs an `observable` (expval readout)",
                    st.span,
                    help="add `observable = ising(...)` or another Pauli sum",
                )
            )
        return c

    def loss(self, e: _Entries, task: Call | None) -> Call | None:
        st = e.settings.get("loss")
        if st is None:
            return None
        try:
            c = self.to_call(self.setting(e, "loss", self.scope), st.span)
        except SemanticError as err:
            self.report(err)
            return None
        if c.name not in LOSSES:
            self.report(
                fail(
                    C.UNKNOWN_SETTING,
                    f"unknown loss `{c.name}`",
                    st.span,
                    did_you_mean(c.name, LOSSES) or f"losses: {', '.join(LOSSES)}",
                )
            )
        elif task is not None and task.name not in LOSSES[c.name]:
            self.report(
                fail(
                    C.LOSS_TASK,
                    f"loss `{c.name}` does not fit task `{task.name}`",
                    st.span,
                    help="use one of: " + ", ".join(k for k, v in LOSSES.items() if task.name in v),
                )
            )
        return c

    def optimizer(self, e: _Entries) -> Call | None:
        st = e.settings.get("optimizer")
        if st is None:
            return None
        try:
            c = self.to_call(self.setting(e, "optimizer", self.scope), st.span)
        except SemanticError as err:
            self.report(err)
            return None
        if c.name not in OPTIMIZERS:
            self.report(
                fail(
                    C.UNKNOWN_SETTING,
                    f"unknown optimizer `{c.name}`",
                    st.span,
                    did_you_mean(c.name, OPTIMIZERS) or f"optimizers: {', '.join(OPTIMIZERS)}",
                )
            )
        return c

    # --- train, target, layers ------------------------------------------------
    def block_settings(self, kind: str) -> tuple[dict[str, Any], dict[str, Span | None]]:
        values: dict[str, Any] = {}
        spans: dict[str, Span | None] = {}
        for blk in self.node.items:
            if not isinstance(blk, A.Block) or blk.kind != kind:
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
                            Symbol(i.id)
                            if isinstance(i, A.Name)
                            else self.sev.eval(i, self.module.scope)
                            for i in it.value.items
                        )
                    else:
                        values[it.key] = self.sev.eval(it.value, self.module.scope)
                    spans[it.key] = it.span
                except SemanticError as err:
                    self.report(err)
        for blk in self.node.items:
            if isinstance(blk, A.Block) and blk.kind not in BLOCK_KINDS:
                self.report(
                    fail(
                        C.MODEL_ENTRY,
                        f"unknown block `{blk.kind}`",
                        blk.span,
                        did_you_mean(blk.kind, BLOCK_KINDS),
                    )
                )
        return values, spans

    def training(self, e: _Entries) -> Training:
        vals, spans = self.block_settings("train")
        kw: dict[str, Any] = {}
        extra = []
        for k, v in vals.items():
            try:
                if k == "gradient":
                    g = v.name if isinstance(v, Symbol) else v
                    if g not in GRADIENTS:
                        raise fail(
                            C.UNKNOWN_SETTING,
                            f"unknown gradient method `{g}`",
                            spans[k],
                            did_you_mean(str(g), GRADIENTS) or f"methods: {', '.join(GRADIENTS)}",
                        )
                    kw[k] = g
                elif k == "early_stopping":
                    kw[k] = self.to_call(v, spans[k])
                elif k in ("epochs", "maxiter", "batch_size", "seed", "shots", "checkpoint_every"):
                    if not is_number(v) or not float(v).is_integer() or v < 0:
                        raise fail(
                            C.TYPE_MISMATCH, f"`{k}` must be a non-negative integer", spans[k]
                        )
                    kw[k] = int(v)
                elif k == "dtype":
                    kw[k] = str(v.name if isinstance(v, Symbol) else v)
                else:
                    extra.append((k, self.to_value(v, spans[k])))
            except SemanticError as err:
                self.report(err)
        self.train_spans = spans
        return Training(**kw, extra=tuple(extra))

    train_spans: dict[str, Span | None] = {}

    def target(self, e: _Entries) -> Target:
        vals, spans = self.block_settings("target")
        kw: dict[str, Any] = {}
        for k, v in vals.items():
            try:
                if k == "device":
                    kw[k] = self.device(v, spans[k])
                elif k == "basis":
                    items = v if isinstance(v, tuple) else (v,)
                    names = []
                    for g in items:
                        gname = g.name if isinstance(g, Symbol) else g
                        gname = ALIASES.get(gname, gname) if isinstance(gname, str) else gname
                        if gname not in GATES:
                            raise fail(
                                C.UNKNOWN_SETTING,
                                f"unknown basis gate `{gname}`",
                                spans[k],
                                did_you_mean(str(gname), GATES),
                            )
                        names.append(gname)
                    kw[k] = tuple(names)
                elif k in ("optimization_level", "shots"):
                    if not is_number(v) or not float(v).is_integer():
                        raise fail(C.TYPE_MISMATCH, f"`{k}` must be an integer", spans[k])
                    kw[k] = int(v)
                elif k in ("noise", "mitigation"):
                    items = v if isinstance(v, tuple) else (v,)
                    kw[k] = tuple(self.to_call(i, spans[k]) for i in items)
                elif k == "backend":
                    kw[k] = str(v.name if isinstance(v, Symbol) else v)
                else:
                    raise fail(
                        C.MODEL_ENTRY,
                        f"unknown target setting `{k}`",
                        spans[k],
                        did_you_mean(
                            k,
                            (
                                "device",
                                "basis",
                                "optimization_level",
                                "shots",
                                "noise",
                                "mitigation",
                                "backend",
                            ),
                        ),
                    )
            except SemanticError as err:
                self.report(err)
        self.target_spans = spans
        return Target(**kw)

    target_spans: dict[str, Span | None] = {}

    def device(self, v: Any, span: Span | None) -> Call:
        """The ``device`` setting, checked now (a located QL058x error for a bad spec).
        A string is a device file, relative to the model file."""
        from qlang.devices import device_spec, parse_device
        from qlang.diagnostics import QLangError

        if isinstance(v, str):
            path = Path(v)
            if not path.is_absolute() and getattr(self.module, "path", None) is not None:
                path = self.module.path.parent / path
            call = Call("file", (str(path),), span=span)
        else:
            call = self.to_call(v, span)
        try:
            parse_device(device_spec(call))
        except QLangError as err:
            d = err.diagnostics[0]
            raise fail(d.code, f"in `target {{ device }}`: {d.message}", span, d.help) from None
        return call

    def check_device_fits(self, tg: Target, blocks: Sequence[Any]) -> None:
        """``QL0597`` at the device setting when a quantum block is wider than the device."""
        from qlang.devices import device_spec, parse_device
        from qlang.diagnostics import QLangError

        if tg.device is None:
            return
        try:
            dev = parse_device(device_spec(tg.device))
        except QLangError:
            return  # already reported where the device was read
        for b in blocks:
            if b.circuit.num_qubits > dev.num_qubits:
                self.report(
                    fail(
                        "QL0597",
                        f"the model needs {b.circuit.num_qubits} qubits but device "
                        f"`{dev.name}` has {dev.num_qubits}",
                        self.target_spans.get("device"),
                        "choose a larger device or use fewer qubits",
                    )
                )
                return

    def check_gradient(self, t: Training, tg: Target) -> None:
        if t.gradient != "adjoint":
            return
        why = []
        if t.shots:
            why.append(f"`shots = {t.shots}` in `train`")
        if tg.shots:
            why.append(f"`shots = {tg.shots}` in `target`")
        if tg.noise:
            why.append("a noise model in `target`")
        if why:
            self.report(
                fail(
                    C.GRADIENT_MODE,
                    f"`gradient = adjoint` needs exact statevector simulation, but the model "
                    f"has {' and '.join(why)}",
                    self.train_spans.get("gradient"),
                    help="use `gradient = parameter_shift` (works with shots and noise) "
                    "or remove the shots/noise",
                )
            )

    def layers(
        self, e: _Entries, main: QuantumBlock | None, x_width: int | None
    ) -> tuple[Layer, ...]:
        st = e.settings.get("layers")
        if st is None:
            return ()
        try:
            v = self.sev.eval(st.value, self.scope)
        except SemanticError as err:
            self.report(err)
            return ()
        items = v if isinstance(v, tuple) else (v,)
        out: list[Layer] = []
        width = x_width
        blocks = {"main": main} | {b.name: b for b in self.extra_blocks}
        for it in items:
            try:
                if isinstance(it, Symbol) and it.name in ("quantum", *blocks):
                    name = "main" if it.name == "quantum" else it.name
                    qb = blocks.get(name)
                    out.append(QuantumLayer(name))
                    if qb is None:
                        continue
                    need = qb.circuit.num_inputs
                    if width is not None and need != width:
                        raise fail(
                            C.LAYER_WIDTHS,
                            f"the quantum block takes {need} inputs but the "
                            f"previous layer gives {width}",
                            st.span,
                        )
                    width = _outputs(qb.readout)
                elif isinstance(it, CallValue) and it.name == "dense":
                    arrow = it.args[0] if it.args else None
                    if not (isinstance(arrow, CallValue) and arrow.name == "->"):
                        raise fail(
                            C.BAD_ARGUMENTS,
                            "write dense layers as `dense(in -> out, act)`",
                            st.span,
                        )
                    a, b = arrow.args
                    if not (is_number(a) and is_number(b)):
                        raise fail(C.TYPE_MISMATCH, "dense widths must be integers", st.span)
                    act = (
                        it.args[1]
                        if len(it.args) > 1
                        else dict(it.kwargs).get("activation", "linear")
                    )
                    act = act.name if isinstance(act, Symbol) else str(act)
                    frozen = bool(dict(it.kwargs).get("frozen", False))
                    if width is not None and int(a) != width:
                        raise fail(
                            C.LAYER_WIDTHS,
                            f"`dense({int(a)} -> {int(b)})` gets {width} inputs",
                            st.span,
                            help=f"make it `dense({width} -> {int(b)})`",
                        )
                    out.append(Dense(int(a), int(b), act, frozen))
                    width = int(b)
                else:
                    raise fail(
                        C.UNKNOWN_SETTING,
                        f"unknown layer `{type_name(it)}`",
                        st.span,
                        help="layers are `dense(a -> b, act)` and `quantum`",
                    )
            except SemanticError as err:
                self.report(err)
        self.final_width = width
        return tuple(out)

    final_width: int | None = None

    def recurrent(self, e: _Entries) -> Call | None:
        vals, spans = self.block_settings("recurrent")
        if not any(isinstance(b, A.Block) and b.kind == "recurrent" for b in self.node.items):
            return None
        try:
            return Call(
                "recurrent", (), tuple((k, self.to_value(v, spans[k])) for k, v in vals.items())
            )
        except SemanticError as err:
            self.report(err)
            return None

    def check_readout(
        self, task: Call, main: QuantumBlock, layers: tuple, classes: int | None, e: _Entries
    ) -> None:
        if task.name != "classify":
            return
        k: Any = task.get("classes", task.args[0] if task.args else classes)
        span = e.settings["task"].span
        if not is_number(k) or int(k) < 2:
            self.report(fail(C.BAD_VALUE, "`classify` needs `classes = k` with k >= 2", span))
            return
        k = int(k)
        if classes is not None and classes != k:
            self.report(
                fail(
                    C.READOUT_TASK,
                    f"the data has {classes} classes but the task says {k}",
                    span,
                    help=f"use `classify(classes = {classes})`",
                )
            )
        outputs = self.final_width if layers else _outputs(main.readout)
        if outputs is not None and k >= 3 and outputs < k:
            self.report(
                fail(
                    C.READOUT_TASK,
                    f"{k} classes need at least {k} outputs, the readout gives {outputs}",
                    e.settings.get("readout", e.settings["task"]).span,
                    help=f"use `expval([...])` with {k} observables, `probs` over "
                    f"{math.ceil(math.log2(k))} qubits, or `|> linear(out = {k})`",
                )
            )

    # --- values -------------------------------------------------------------
    def to_call(self, v: Any, span: Span | None) -> Call:
        if isinstance(v, Symbol):
            return Call(v.name, span=span)
        if isinstance(v, CallValue) and v.name not in ("|>", "->"):
            return Call(
                v.name,
                tuple(self.to_value(a, span) for a in v.args),
                tuple((k, self.to_value(a, span)) for k, a in v.kwargs),
                span=v.span or span,
            )
        if isinstance(v, Init):
            return Call(v.kind, v.args, span=span)
        if isinstance(v, PendingCall):
            raise fail(C.WRONG_KIND, f"`{v.defn.name}` is a {v.defn.kind}, not a setting", span)
        raise fail(C.TYPE_MISMATCH, f"expected a name or a call, found `{type_name(v)}`", span)

    def to_value(self, v: Any, span: Span | None) -> Any:
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, Symbol):
            return v.name
        if isinstance(v, tuple):
            return tuple(self.to_value(i, span) for i in v)
        if isinstance(v, (CallValue, Init)):
            if isinstance(v, CallValue) and v.name == "->":
                return Call("->", tuple(self.to_value(a, span) for a in v.args))
            return self.to_call(v, span)
        if isinstance(v, E.Expr) and E.is_constant(v):
            return E.const_value(v)
        if isinstance(v, Graph):
            return tuple((a, b, w) for a, b, w in v.edges)
        raise fail(C.TYPE_MISMATCH, f"`{type_name(v)}` cannot be a setting value", span)


def _outputs(r: Readout) -> int:
    n = r.num_outputs
    for p in r.post:
        if p.name == "linear":
            out = p.get("out", p.args[0] if p.args else None)
            if isinstance(out, int):
                n = out
    return n
