"""Whole-model checks: every entry of a model must be used by the run its task makes.

After the entries of a model are lowered one by one (:mod:`qlang.semantics.models`),
these checks look at them together: a setting the run would not use is ``QL0313``
(``data`` for ``minimize``, a ``batch_size`` for a scipy optimizer, an unused quantum
block, ...), early stopping may only watch the training loss or the validation split
(``QL0312``), and a classifier needs as many outputs as classes (``QL0302``).

Example::

    >>> from qlang.driver import load_model
    >>> from qlang.diagnostics import QLangError
    >>> try:
    ...     load_model('''
    ... import ansatze.real_amplitudes
    ... model m {
    ...   data = moons()
    ...   qubits = 2
    ...   ansatz = real_amplitudes(reps = 1)
    ...   observable = Z0 Z1
    ...   task = minimize(observable)
    ... }''')
    ... except QLangError as err:
    ...     print(err.diagnostics[0].message)
    a `minimize` task does not read `data`
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from qlang import catalog
from qlang.diagnostics import did_you_mean
from qlang.ir.model import Call, Conv, Dense, Layer, QuantumBlock, QuantumLayer, Recurrent, Training
from qlang.semantics import codes as C
from qlang.semantics.blocks import Entries, readout_outputs
from qlang.semantics.codes import SemanticError, fail
from qlang.source import Span

#: train settings that only matter when there is something to optimise
_OPTIMISATION_KEYS = ("epochs", "maxiter", "batch_size", "early_stopping", "checkpoint_every")


@dataclass(frozen=True)
class DataFacts:
    """What the checker knows about the data before loading it."""

    call: Call | None = None
    steps: tuple[Call, ...] = ()
    width: int | None = None
    classes: int | None = None
    kind: str | None = None  # classification | regression | distribution | None (csv)
    span: Span | None = None
    failed: bool = False


@dataclass
class ModelChecks:
    """The checks of one lowered model (its entries, the spans of its block keys)."""

    report: Callable[[SemanticError], None]
    entries: Entries
    spans: dict[str, dict[str, Span | None]] = field(default_factory=dict)
    node_span: Span | None = None
    final_width: int | None = None
    samples_shots_given: bool = False
    #: blocks a layer names (also a layer with an error: its block is not "unused")
    layer_blocks: frozenset[str] = frozenset()

    def monitor(self, training: Training, task: str | None) -> None:
        es = training.early_stopping
        if es is None or task is None:
            return
        span = self.spans["train"].get("early_stopping")
        monitor = str(catalog.runtime_bind("callback", es)[1]["monitor"])
        validated = task in ("classify", "regress") and training.validation > 0
        metrics = training.metrics or tuple(
            m.name for m in catalog.entries("metric") if task in m.tasks and m.info.default
        )
        allowed = ["loss"]
        if validated:
            allowed += ["val_loss", *(f"val_{m}" for m in metrics)]
        if monitor.startswith("test"):
            self.report(
                fail(
                    C.MONITOR,
                    f"early stopping must not monitor test data (`{monitor}`): the test split "
                    "is evaluated once, after training",
                    span,
                    help="monitor a validation metric such as `val_loss`",
                )
            )
        elif monitor not in allowed:
            why = ""
            if monitor.startswith("val_") and not validated:
                why = " (there is no validation split: set `train { validation = 0.2 }`)"
            self.report(
                fail(
                    C.MONITOR,
                    f"early stopping cannot monitor `{monitor}`{why}",
                    span,
                    did_you_mean(monitor, allowed) or f"monitor one of: {', '.join(allowed)}",
                )
            )

    def fit(
        self,
        task: Call,
        first: QuantumBlock,
        blocks: list[QuantumBlock],
        layers: tuple[Layer, ...],
        recurrent: Recurrent | None,
        training: Training,
        loss: Call | None,
        data: DataFacts,
    ) -> None:
        """Every entry must be used by the run the task makes (else ``QL0313``)."""
        name = task.name
        span = self.entries.settings["task"].span
        info = catalog.lookup("task", name).info  # type: ignore[union-attr]

        def unused(what: str, where: Span | None, help: str | None = None) -> None:
            self.report(fail(C.NOT_APPLICABLE, what, where, help))

        needs_data = info.needs_data or (
            name == "generate" and task.get("target", "data") == "data"
        )
        if needs_data and data.call is None and data.span is None:
            self.report(
                fail(
                    C.MODEL_ENTRY,
                    f"the `{name}` task needs `data`",
                    span,
                    help="add e.g. `data = iris()`"
                    if name != "generate"
                    else "add `data = bars_and_stripes(2, 2)` or give `generate(target = [...])`",
                )
            )
        if not needs_data and data.span is not None:
            unused(
                f"a `{name}` task does not read `data`"
                + (" when the target distribution is given" if name == "generate" else ""),
                data.span,
                "remove `data`",
            )
        if name == "generate" and data.call is not None and data.call.get("test") is not None:
            unused(
                "a `generate` task fits every row of the data; `test` does not apply",
                data.call.span or data.span,
                "remove `test`",
            )
        if name == "classify" and data.kind in ("regression", "distribution"):
            unused(
                f"`classify` needs class labels, `{data.call.name if data.call else 'the data'}` "
                f"gives {data.kind} data",
                data.span,
                "use `regress`" if data.kind == "regression" else "use `generate`",
            )
        for step in data.steps:
            if step.name == "one_hot" and name != "regress":
                unused("`one_hot` only applies to a `regress` task", step.span or data.span)
            if step.name == "shuffle_labels" and not info.needs_data:
                unused(
                    f"`shuffle_labels` permutes training labels; a `{name}` task has none",
                    step.span or data.span,
                    "remove `shuffle_labels`",
                )
            if data.kind == "distribution" and needs_data:
                unused(
                    f"`{data.call.name if data.call else 'the data'}` supplies a distribution; "
                    f"preprocessing does not apply",
                    step.span or data.span,
                    "remove the `|> ...` steps",
                )
        used = {layer.block for layer in layers if isinstance(layer, QuantumLayer | Conv)}
        used |= self.layer_blocks
        if recurrent is not None:
            used.add(recurrent.block)
        if not layers and recurrent is None:
            used.add(first.name)
        if name not in ("classify", "regress"):
            if "layers" in self.entries.settings:
                unused(
                    f"`layers` do not apply to a `{name}` task",
                    self.entries.settings["layers"].span,
                )
            if recurrent is not None:
                unused(f"a recurrent cell does not apply to a `{name}` task", span)
        spans = {b.label: b.span for b in self.entries.blocks if b.kind == "quantum"}
        for b in blocks:
            if b.name not in used:
                where = "the model's circuit" if b.name == "main" else f"quantum block `{b.name}`"
                unused(
                    f"{where} is not used",
                    spans.get(b.name, self.node_span),
                    f"add `quantum({b.name})` to `layers`"
                    if name in ("classify", "regress")
                    else f"a `{name}` task runs one block; remove the others",
                )
        if training.shots is not None and self.samples_shots_given:
            unused(
                "`train { shots }` replaces the shots of `samples(shots = ...)`",
                self.spans["train"].get("shots"),
                "give the shots in one place",
            )
        if name == "kernel":
            self.kernel(first, training)
        cvar = task.get("cvar") is not None or (loss is not None and loss.name == "cvar")
        if name == "minimize" and cvar and first.readout.kind == "expval":
            from qlang.ir import expr as E

            obs = first.readout.observables
            if any(not t.is_diagonal or not E.is_constant(t.coeff) for o in obs for t in o.terms):
                self.report(
                    fail(
                        C.READOUT_TASK,
                        "CVaR needs a diagonal observable (Z terms only) with constant "
                        "coefficients: it ranks the costs of bit strings",
                        span,
                        help="use an Ising/QUBO cost, or minimise the energy instead",
                    )
                )
        if name == "classify":
            self.classes(task, first, layers, data)

    def simplex_budget(
        self,
        task: Call,
        optimizer: Call | None,
        training: Training,
        first: QuantumBlock,
        layers: tuple[Layer, ...],
        blocks: list[QuantumBlock],
        recurrent: Recurrent | None,
    ) -> None:
        """``cobyla`` evaluates a simplex of ``parameters + 1`` points before its first
        step: a run length the file sets below ``parameters + 2`` cannot run (``QL0651``,
        as the runtime would say after loading the data)."""
        if optimizer is None or optimizer.name != "cobyla" or task.name in ("kernel", "gan"):
            return
        length = training.epochs or training.maxiter or optimizer.get("maxiter")
        count = trainable_count(first, layers, blocks, recurrent)
        if not isinstance(length, int | float) or count is None or int(length) >= count + 2:
            return
        self.report(
            fail(
                "QL0651",
                f"`cobyla` needs maxiter >= parameters + 2 = {count + 2} (it evaluates a "
                f"simplex first), got {int(length)}",
                self.entries.settings["optimizer"].span,
                help=f"use `cobyla(maxiter = {count + 2})` or more",
            )
        )

    def optimizer(self, task: Call, optimizer: Call | None, training: Training) -> None:
        """Settings the optimizer would not use: batches and early stopping for a scipy
        minimiser (full batch, its own stopping rule), a gradient method for a
        gradient-free optimizer."""
        default = "spsa" if task.name == "kernel" else "adam"
        entry = catalog.lookup("optimizer", optimizer.name if optimizer else default)
        if entry is None:
            return
        spans = self.spans["train"]
        lengths = [(f"`train {{ {k} }}`", spans[k]) for k in ("epochs", "maxiter") if k in spans]
        if optimizer is not None and optimizer.get("maxiter") is not None:
            lengths.append(
                (f"`{entry.name}(maxiter = ...)`", self.entries.settings["optimizer"].span)
            )
        for what, where in lengths[1:]:
            self.report(
                fail(
                    C.NOT_APPLICABLE,
                    f"{what} does not apply: {lengths[0][0]} already sets the run's length",
                    where,
                    help="give the number of epochs or iterations in one place",
                )
            )
        family, gradients = entry.info.family, entry.info.gradients
        if task.name == "gan" and family != "gradient":
            self.report(
                fail(
                    C.NOT_APPLICABLE,
                    f"a `gan` alternates gradient steps of the discriminator and the "
                    f"generator; `{entry.name}` is not a gradient optimizer",
                    self.entries.settings["optimizer"].span,
                    help="use adam, sgd, momentum, rmsprop or adagrad",
                )
            )
        keys = ("batch_size", "early_stopping") if family == "scipy" else ()
        for key in keys:
            if key in spans:
                self.report(
                    fail(
                        C.NOT_APPLICABLE,
                        f"`{entry.name}` runs full batch with its own stopping rule; `{key}` "
                        "does not apply",
                        spans[key],
                        help=f"remove `{key}` or use a gradient optimizer such as `adam`",
                    )
                )
        if not gradients and "gradient" in spans and training.gradient != "auto":
            self.report(
                fail(
                    C.NOT_APPLICABLE,
                    f"`{entry.name}` does not use gradients; `gradient = {training.gradient}` "
                    "does not apply",
                    spans["gradient"],
                    help="remove `gradient` (or keep `gradient = auto`)",
                )
            )

    def kernel(self, block: QuantumBlock, training: Training) -> None:
        """A kernel reads the encoding only; without trainable weights nothing is optimised."""
        for key in ("readout", "observable"):
            if key in self.entries.settings:
                self.report(
                    fail(
                        C.NOT_APPLICABLE,
                        f"a `kernel` task compares encoded states; `{key}` does not apply",
                        self.entries.settings[key].span,
                        help=f"remove `{key}`",
                    )
                )
        if block.encoding is not None and "ansatz" in self.entries.settings:
            self.report(
                fail(
                    C.NOT_APPLICABLE,
                    "a `kernel` task uses the encoding only; `ansatz` does not apply",
                    self.entries.settings["ansatz"].span,
                    help="remove `ansatz`, or write the whole feature map as `circuit = ...`",
                )
            )
        enc = block.encoding or block.circuit
        trainable = any(not d.frozen for d in enc.weights)
        if trainable:
            return
        spans = self.spans["train"]
        keys = [k for k in _OPTIMISATION_KEYS if k in spans]
        if "optimizer" in self.entries.settings:
            keys.insert(0, "optimizer")
        for k in keys:
            where = self.entries.settings["optimizer"].span if k == "optimizer" else spans[k]
            self.report(
                fail(
                    C.NOT_APPLICABLE,
                    f"the kernel's encoding has no trainable weights, so `{k}` does not apply",
                    where,
                    help=f"remove `{k}` (only trainable encoding weights are optimised)",
                )
            )

    def classes(self, task: Call, main: QuantumBlock, layers: tuple, data: DataFacts) -> None:
        k = int(task.get("classes"))  # type: ignore[arg-type]
        span = self.entries.settings["task"].span
        if data.classes is not None and data.classes != k:
            self.report(
                fail(
                    C.READOUT_TASK,
                    f"the data has {data.classes} classes but the task says {k}",
                    span,
                    help=f"use `classify(classes = {data.classes})`",
                )
            )
        outputs = self.final_width if layers else readout_outputs(main.readout)
        if outputs is not None and k >= 3 and outputs < k:
            self.report(
                fail(
                    C.READOUT_TASK,
                    f"{k} classes need at least {k} outputs, the readout gives {outputs}",
                    self.entries.settings.get("readout", self.entries.settings["task"]).span,
                    help=f"use `expval([...])` with {k} observables, `probs` over "
                    f"{math.ceil(math.log2(k))} qubits, or `|> linear(out = {k})`",
                )
            )


def trainable_count(
    first: QuantumBlock,
    layers: tuple[Layer, ...],
    blocks: list[QuantumBlock],
    recurrent: Recurrent | None,
) -> int | None:
    """The number of parameters training optimises (``None`` where only the runtime's
    network knows it: recurrent cells and convolutions)."""

    def block_count(b: QuantumBlock | None, frozen: bool = False) -> int:
        if b is None or b.frozen or frozen:
            return 0
        return sum(d.size for d in b.circuit.weights if not d.frozen)

    if recurrent is not None or any(isinstance(layer, Conv) for layer in layers):
        return None
    if not layers:
        return block_count(first)
    by_name = {b.name: b for b in blocks}
    total = 0
    for layer in layers:
        if isinstance(layer, QuantumLayer):
            total += block_count(by_name.get(layer.block), layer.frozen)
        elif isinstance(layer, Dense) and not layer.frozen:
            total += layer.inputs * layer.outputs + layer.outputs
    return total
