"""Catalog conformance: for every entry of the catalog, a small generated model that uses
it checks clean and runs (trains, predicts or compiles), and setting each argument to its
example value changes the result compared with the entry's default -- or ``qlang check``
rejects the entry (``QL0311``, not supported yet). Every name and every argument of the
catalog must be covered by a probe here (or carry a stated reason why no change is
expected), so an entry the runtime ignores or lacks fails this test.

Each probe prints its generated model source when it fails.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qlang
from qlang import catalog
from qlang.catalog.schema import OPAQUE, value_text
from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.ir.model import Call, Model
from qlang.train.api import context, train
from qlang.train.build import build_network, default_factory
from qlang.train.seeding import Seeds
from qlang.train.tasks.common import load_data

HEAD = "import encodings.angle\nimport encodings.reuploading\nimport ansatze.real_amplitudes\n"


def source(*lines: str) -> str:
    return HEAD + "model m {\n" + "".join(f"  {ln}\n" for ln in lines) + "}\n"


def call(name: str, args: dict[str, Any]) -> str:
    """``name(k = v, ...)``, with ``()`` when there are no arguments."""
    text = value_text(Call(name, (), tuple(args.items())))
    return text if args else f"{name}()"


# --- model templates (one per task), each as a dict of entries --------------------------
def classify(**kw: str) -> dict[str, str]:
    return {
        "data": "moons(n = 30, seed = 1)",
        "encoding": "angle(x)",
        "ansatz": "real_amplitudes(reps = 1)",
        "readout": "expval(Z0) |> sigmoid()",
        "task": "classify(classes = 2)",
        "optimizer": "adam(lr = 0.1)",
        "train": "epochs = 2",
    } | kw


def regress(**kw: str) -> dict[str, str]:
    return {
        "data": "sine(n = 30, window = 2)",
        "encoding": "angle(x)",
        "ansatz": "real_amplitudes(reps = 1)",
        "readout": "expval(Z0)",
        "task": "regress()",
        "optimizer": "adam(lr = 0.1)",
        "train": "epochs = 2",
    } | kw


def kernel(**kw: str) -> dict[str, str]:
    return {
        "data": "sine(n = 24, window = 2)",
        "qubits": "2",
        "encoding": "reuploading(x, layers = 1)",
        "task": "kernel()",
        "optimizer": "spsa(maxiter = 2)",
    } | kw


def minimize(**kw: str) -> dict[str, str]:
    return {
        "qubits": "2",
        "ansatz": "real_amplitudes(reps = 1)",
        "observable": "Z0 Z1 + 0.5 * Z0",
        "task": "minimize(observable)",
        "optimizer": "adam(lr = 0.1)",
        "train": "epochs = 2",
    } | kw


def generate(**kw: str) -> dict[str, str]:
    return {
        "data": "bars_and_stripes(1, 2)",
        "qubits": "2",
        "ansatz": "real_amplitudes(reps = 1)",
        "readout": "probs(q)",
        "task": "generate()",
        "optimizer": "adam(lr = 0.1)",
        "train": "epochs = 2",
    } | kw


def gan(**kw: str) -> dict[str, str]:
    return {
        "data": "lognormal(bits = 2, n = 200, seed = 1)",
        "qubits": "2",
        "ansatz": "real_amplitudes(reps = 1)",
        "readout": "probs(q)",
        "task": "gan(discriminator = [dense(2 -> 4, tanh), dense(4 -> 1, sigmoid)])",
        "optimizer": "adam(lr = 0.1)",
        "train": "epochs = 2",
    } | kw


TEMPLATES: dict[str, Callable[..., dict[str, str]]] = {
    "classify": classify,
    "regress": regress,
    "kernel": kernel,
    "minimize": minimize,
    "generate": generate,
    "gan": gan,
}
BLOCKS = ("train", "target", "recurrent", "sweep")


def render(entries: dict[str, str]) -> str:
    """The model source; declarations (``input``, ``weight``, ``quantum``) first."""
    lines = []
    first = ("input ", "weight ", "quantum ")
    ordered = sorted(entries.items(), key=lambda kv: not kv[0].startswith(first))
    for key, value in ordered:
        if value is None:
            continue
        if key in BLOCKS:
            lines.append(f"{key} {{ {value} }}")
        elif key.startswith("quantum ") or key.startswith("input ") or key.startswith("weight "):
            lines.append(f"{key}{value}")
        else:
            lines.append(f"{key} = {value}")
    return source(*lines)


# --- running ---------------------------------------------------------------------------
@dataclass
class Spy:
    """A QuantumFunction factory that records what the runtime asked the simulator for."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, block: Any, **kw: Any) -> Any:
        self.calls.append(kw)
        return default_factory(block, **kw)


@dataclass
class Result:
    trained: Any
    spy: Spy
    model: Model

    def fingerprint(self) -> tuple:
        t = self.trained
        steps = t.metrics.get("steps")
        return (tuple(np.round(t.params, 12)), len(t.curve), steps, _spied(self.spy))


def _spied(spy: Spy) -> tuple:
    return tuple(sorted({(c["gradient"], c["dtype"], c["shots"]) for c in spy.calls}))


@functools.cache
def run(src: str, out: str | None = None) -> Result:
    model = load_model(src)
    spy = Spy()
    trained = train(model, quiet=True, factory=spy, out=out)
    return Result(trained, spy, model)


def rejected(src: str) -> list[str]:
    try:
        load_model(src)
    except QLangError as err:
        return err.codes
    return []


# --- probes ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Probe:
    """``default`` and ``example`` are model sources; ``compare`` turns one into a
    fingerprint. ``expect``: ``differs`` (the argument is honoured), ``runs`` (no
    argument: the entry checks clean and runs), ``same`` (the example runs elsewhere with
    the same result, and its run records where: ``train { distribute }``) or
    ``rejected`` (QL0311)."""

    kind: str
    name: str
    param: str | None
    default: str
    example: str | None = None
    compare: str = "train"
    expect: str = "differs"

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.name}" + (f".{self.param}" if self.param else "")


#: arguments that are not probed by changing them, and why
NO_CHANGE: dict[tuple[str, str, str], str] = {
    ("task", "gan", "discriminator"): "required layers; bad ones are QL0320/QL0306 (test_gan)",
    ("metric", "cut", "graph"): "required; its cut is checked against the readouts' signs "
    "and too many nodes are QL0319 (test_loss_expression)",
    ("task", "classify", "classes"): "required; a wrong count is QL0302 (test_semantics_errors)",
    ("data", "csv", "path"): "required; probed through the file it names",
    ("data", "csv", "label"): "required; a missing column is QL0405 (test_runtime_csv)",
    ("preprocess", "select", "columns"): "required; probed as [0] against [1]",
    ("layer", "dense", "shape"): "required widths; mismatches are QL0306",
    ("layer", "conv", "block"): "required: the block is the layer (a block that does not fit "
    "the kernel is QL0306, test_conv_layer)",
    ("task", "minimize", "observable"): "the observable itself (test_semantics_models)",
    ("recurrent", "cell", "value"): "required; probed by the cell entries",
    ("recurrent", "gates", "value"): "the default is the only block, so `[cell]` is the same run",
    ("backend", "aer", "method"): "every Aer method computes the same exact expectations, so "
    "the result must not change (the option reaching Aer: test_backends)",
    ("backend", "tket", "name"): "AerStateBackend / AerDensityMatrixBackend equal the "
    "simulator to 1e-8 and AerBackend within 4 standard errors (test_backends_runs); "
    "AerUnitaryBackend and the IBMQ backends are QL0710, others QL0701",
    ("backend", "ibm", "instance"): "needs an IBM Quantum account (mocked: test_backends)",
    ("backend", "ibm", "channel"): "needs an IBM Quantum account (mocked: test_backends)",
    ("backend", "ibm", "mode"): "needs an IBM Quantum account (mocked: test_backends)",
    ("backend", "ibm", "name"): "needs an IBM Quantum account (mocked: test_backends)",
    ("mitigation", "zne", "via"): "`via = runtime` needs `ibm(...)` and an account (the "
    "options reaching the mocked EstimatorV2: test_backends_runs); elsewhere QL0709",
    ("mitigation", "readout", "via"): "`via = runtime` needs `ibm(...)` and an account "
    "(mocked: test_backends_runs); elsewhere QL0709",
    ("mitigation", "twirling", "via"): "`via = runtime` needs `ibm(...)` and an account "
    "(mocked: test_backends_runs); elsewhere QL0709",
    ("cutting", "auto", "max_cuts"): "a bound on the cuts found: more is QL0951 (test_cutting)",
    ("cutting", "auto", "max_overhead"): "a bound on the sampling overhead: more is QL0951 "
    "(test_cutting)",
    ("cutting", "auto", "seed"): "the cut search's seed: the probe circuits have one best cut",
    ("recurrent", "window", "value"): "must equal the data width per step (else QL0301, "
    "test_runtime_recurrent); the default infers the same window",
    ("distribution", "ray", "workers"): "where the work runs, not what it computes: a "
    "distributed run equals the serial one (probed as `same`); workers and blocks reach Ray "
    "and the run's record (test_distribute)",
    ("distribution", "ray", "block"): "as `workers`: the tiles and blocks change, the result "
    "does not (test_distribute checks the counts of each)",
    ("distribution", "ray", "address"): "joins a running cluster; an unreachable address is "
    "QL0909 before any work (test_distribute)",
}


def entry_probes(kind: str, name: str, base: Callable[[dict[str, Any]], str],
                 context: dict[str, dict[str, Any]] | None = None, compare: str = "train"
                 ) -> list[Probe]:  # fmt: skip
    """One probe per argument with an example: the entry called with ``context`` (per
    argument) against the same plus the example value."""
    entry = catalog.lookup(kind, name)
    assert entry is not None
    out = [Probe(kind, name, None, base({}), compare=compare, expect="runs")]
    for p in entry.params:
        if (kind, name, p.name) in NO_CHANGE or p.type == OPAQUE or p.example is None:
            continue
        ctx = (context or {}).get(p.name, {})
        out.append(
            Probe(kind, name, p.name, base(ctx), base(ctx | {p.name: p.example}), compare)
        )
    return out


def probes() -> list[Probe]:
    out: list[Probe] = []
    # data sets: the loaded arrays differ; the default trains
    for e in catalog.entries("data"):
        if e.name == "csv":
            continue
        info = e.info

        def base(args: dict[str, Any], e=e, info=info) -> str:
            vals = e.defaults() | args
            data = call(e.name, args)
            width = info.features(vals)
            if info.kind == "distribution":
                return render(generate(data=data, qubits=str(width)))
            if info.kind == "regression":
                return render(regress(data=data))
            classes = info.classes(vals)
            if width > 3:
                data += " |> pca(4)" if classes > 4 else " |> pca(2)"
            readout = "expval(Z0) |> sigmoid()" if classes == 2 else "probs(q)"
            return render(classify(data=data, readout=readout, task=f"classify(classes = {classes})"))

        series = info.kind == "regression"
        ctx = {"seed": {"noise": 0.1}} if series else {}
        out += entry_probes("data", e.name, base, ctx, compare="data")
    # preprocessing: the transformed training features differ
    for e in catalog.entries("preprocess"):
        def pre(args: dict[str, Any], e=e) -> str:
            step = call(e.name, args)
            if e.name == "downsample":
                data = f"digits(size = 4, limit = 40) |> {step}"
                return render(classify(data=data, readout="probs(q)", task="classify(classes = 10)"))
            if e.name == "one_hot":
                return render(classify(data=f"moons(n = 30) |> {step}",
                                       readout="expval([Z0, Z1])", task="regress()"))
            return render(classify(data=f"moons(n = 30) |> {step}"))

        ctx = {"columns": {}} if e.name != "select" else {}
        if e.name == "select":
            out.append(Probe("preprocess", "select", None, pre({"columns": (0,)}), compare="data", expect="runs"))
            out.append(Probe("preprocess", "select", "columns", pre({"columns": (0,)}),
                             pre({"columns": (1,)}), "data"))
            continue
        out += entry_probes("preprocess", e.name, pre, ctx, compare="data")
    # readouts and post-processing: the network's outputs differ
    opaque = {"expval": ("observable", "Z0", "Z1"), "probs": ("qubits", None, "[0]"),
              "parity": ("qubits", None, "[0]")}  # fmt: skip
    for e in catalog.entries("readout"):
        def ro(args: dict[str, Any], e=e) -> str:
            text = call(e.name, {k: v for k, v in args.items() if not isinstance(v, _Raw)})
            raw = [f"{k} = {v}" for k, v in args.items() if isinstance(v, _Raw)]
            if raw:
                text = f"{e.name}({', '.join(raw)})"
            return render(regress(readout=f"{text} |> linear(out = 1)"))

        if e.name in opaque:
            key, default, example = opaque[e.name]
            d = {key: _Raw(default)} if default else {}
            out.append(Probe("readout", e.name, None, ro(d), compare="outputs", expect="runs"))
            out.append(Probe("readout", e.name, key, ro(d), ro({key: _Raw(example)}), "outputs"))
        else:
            out += entry_probes("readout", e.name, ro, compare="outputs")
    for e in catalog.entries("post"):
        def post(args: dict[str, Any], e=e) -> str:
            return render(regress(readout=f"expval([Z0, Z1]) |> {call(e.name, args)} |> linear(out = 1)"))

        out += entry_probes("post", e.name, post, compare="outputs")
    # layers and activations
    def dense(args: dict[str, Any]) -> str:
        act = args.get("activation", "linear")
        frozen = ", frozen = true" if args.get("frozen") else ""
        return render(classify(**{"input x": ": float[2]"}, layers=f"[dense(2 -> 2, {act}{frozen}), quantum]"))

    out += [Probe("layer", "dense", None, dense({}), compare="outputs", expect="runs"),
            Probe("layer", "dense", "activation", dense({}), dense({"activation": "tanh"}), "outputs"),
            Probe("layer", "dense", "frozen", dense({}), dense({"frozen": True}), "outputs")]  # fmt: skip
    out += quantum_layer_probes()
    out += conv_probes()
    for e in catalog.entries("activation"):
        p = Probe("activation", e.name, None, dense({"activation": "linear"}),
                  dense({"activation": e.name}), "outputs", "runs" if e.name == "linear" else "differs")  # fmt: skip
        out.append(p)
    # weight initialisers: the initial weights differ from the entry's default and from
    # the default initialiser
    for e in catalog.entries("init"):
        def init(args: dict[str, Any], e=e) -> str:
            return render(classify(**{"weight w": f": float[2, 2] = {call(e.name, args)}"},
                                   ansatz="real_amplitudes(w, reps = 1)"))  # fmt: skip

        default_init = render(classify(**{"weight w": ": float[2, 2]"}, ansatz="real_amplitudes(w, reps = 1)"))
        # uniform() with its defaults is the default initialiser: no change expected
        same = e.name == "uniform"
        out.append(Probe("init", e.name, None, default_init, init({}), "init", "runs" if same else "differs"))
        out += entry_probes("init", e.name, init, compare="init")[1:]
    # tasks
    task_ctx = {"alpha": {"method": "krr"}, "epsilon": {"method": "svr"}, "gamma": {"kind": "projected"}}
    out += entry_probes("task", "kernel", lambda a: render(kernel(task=call("kernel", a))), task_ctx, "predict")
    out += entry_probes("task", "minimize", lambda a: render(minimize(
        task="minimize(observable" + "".join(f", {k} = {value_text(v)}" for k, v in a.items()) + ")")))
    out.append(Probe("task", "classify", None, render(classify()), expect="runs"))
    out.append(Probe("task", "regress", None, render(regress()), expect="runs"))
    out.append(Probe("task", "generate", None, render(generate()), expect="runs"))
    disc = "discriminator = [dense(2 -> 4, tanh), dense(4 -> 1, sigmoid)]"
    out += entry_probes("task", "gan", lambda a: render(gan(
        task=f"gan({disc}" + "".join(f", {k} = {value_text(v)}" for k, v in a.items()) + ")")))  # fmt: skip
    target = catalog.lookup("task", "generate").params[0].example  # type: ignore[union-attr]
    out.append(Probe("task", "generate", "target", render(generate()),
                     render(generate(data=None, task=f"generate(target = {value_text(target)})"))))  # fmt: skip
    # losses (each with a task it fits) and their options
    for e in catalog.entries("loss"):
        task = e.tasks[0]
        tpl = TEMPLATES[task]
        if task == "kernel":
            out.append(Probe("loss", e.name, None, render(kernel(loss=e.name)), expect="runs"))
            continue
        if e.name == "expression":  # written as the expression itself
            expr = "tanh(2 * expval(Z0 Z1)) * expval(Z0) + 0.1 * expval(X1) ** 2"
            out.append(Probe("loss", e.name, None, render(minimize(
                observable=None, task="minimize()", loss=expr)), expect="runs"))  # fmt: skip
            continue
        def loss(args: dict[str, Any], tpl=tpl, e=e) -> str:
            return render(tpl(loss=call(e.name, args)))

        out += entry_probes("loss", e.name, loss)
    # metrics: exactly the metrics asked for are reported (arguments change the values)
    for e in catalog.entries("metric"):
        if e.name == "cut":  # reads the readouts of a loss expression, one per node
            pce = minimize(observable=None, task="minimize()", loss="expval(Z0) * expval(Z1)",
                           metrics="[cut(graph([(0, 1)]))]")  # fmt: skip
            out.append(Probe("metric", e.name, None, render(pce), compare="metrics", expect="runs"))
            continue
        tpl = TEMPLATES[e.tasks[0]]
        out.append(Probe("metric", e.name, None, render(tpl(metrics=f"[{e.name}]")), compare="metrics", expect="runs"))
        def metric(args: dict[str, Any], e=e, tpl=tpl) -> str:
            return render(tpl(metrics=f"[{call(e.name, args)}]"))

        ctx = {"steps": {"attack": "pgd", "eps": 0.5}, "attack": {"eps": 0.5}}
        out += entry_probes("metric", e.name, metric, ctx, "metric_values")[1:]
    # adversarial attacks (train { adversarial = ... }): the trained parameters differ
    for e in catalog.entries("attack"):
        def attack(args: dict[str, Any], e=e) -> str:
            return render(classify(train=f"epochs = 2, adversarial = {call(e.name, args)}"))

        out += entry_probes("attack", e.name, attack, {"alpha": {"eps": 0.5}, "steps": {"eps": 1.5}})
    # optimizers: the trained parameters differ (contexts make each option matter)
    opt_ctx: dict[str, dict[str, dict[str, Any]]] = {
        "aqgd": {"tol": {"maxiter": 6}},
        "cobyla": {"tol": {"maxiter": 60}, "maxiter": {"maxiter": 12}},
        "nelder_mead": {"xatol": {"maxiter": 150, "fatol": 0.5},
                        "fatol": {"maxiter": 150, "xatol": 0.5},
                        "adaptive": {"maxiter": 40}, "maxiter": {"maxiter": 12}},
        "lbfgsb": {"ftol": {"maxiter": 60}, "gtol": {"maxiter": 60}, "maxcor": {"maxiter": 20}},
    }  # fmt: skip
    for e in catalog.entries("optimizer"):
        def opt(args: dict[str, Any], e=e) -> str:
            start = {"maxiter": 8 if e.name == "cobyla" else 3}  # cobyla: >= parameters + 2
            return render(classify(optimizer=call(e.name, start | args), train="seed = 0"))

        out += entry_probes("optimizer", e.name, opt, opt_ctx.get(e.name, {}))
    # gradient methods: what reaches the simulator (compare="spy")
    for e in catalog.entries("gradient"):
        src = render(classify(train=f"epochs = 1, gradient = {e.name}"))
        out.append(Probe("gradient", e.name, None, src, compare="spy", expect="runs"))
    out += train_key_probes()
    out += callback_probes()
    out += target_probes()
    out += recurrent_probes()
    out += csv_probes()
    # the sweep block is read by `qlang sweep` (tests/unit/test_sweep.py); `train` runs the
    # model as written
    out.append(Probe("model", "sweep", None, render(classify(sweep="optimizer = [adam(), sgd()]")),
                     expect="runs"))  # fmt: skip
    out.append(Probe("model", "circuit", None, render(classify(encoding=None, ansatz=None,
                     circuit="real_amplitudes(reps = 1)", qubits="2")), expect="runs"))  # fmt: skip
    return out


@dataclass(frozen=True)
class _Raw:
    """A model-language fragment written as is (an observable, a qubit list)."""

    text: str

    def __str__(self) -> str:
        return self.text


def quantum_layer_probes() -> list[Probe]:
    def two(first: str, second: str, frozen: str = "") -> str:
        blocks = {
            "quantum a": " { input u: float[1]\n    qubits = 1\n    encoding = angle(u)\n"
            "    ansatz = real_amplitudes(reps = 1)\n    readout = expval(Z0)\n  }",
            "quantum b": " { input v: float[1]\n    qubits = 1\n    encoding = angle(v)\n"
            "    ansatz = real_amplitudes(reps = 2)\n    readout = expval(Z0)\n  }",
        }
        layers = f"[dense(2 -> 1), quantum({first}{frozen}), dense(1 -> 1), quantum({second})]"
        return render(classify(encoding=None, ansatz=None, readout=None, **blocks, layers=layers))

    return [
        Probe("layer", "quantum", None, two("a", "b"), compare="outputs", expect="runs"),
        Probe("layer", "quantum", "block", two("b", "a"), two("a", "b"), "outputs"),
        Probe("layer", "quantum", "frozen", two("a", "b"), two("a", "b", ", frozen = true"), "outputs"),
    ]


def conv_probes() -> list[Probe]:
    def conv(kernel: int = 2, stride: int = 2, frozen: str = "") -> str:
        per = (4 - kernel) // stride + 1
        block = (f" {{ input p: float[{kernel * kernel}]\n    qubits = {kernel * kernel}\n"
                 "    encoding = angle(p)\n    ansatz = real_amplitudes(reps = 1)\n"
                 "    readout = expval([Z0, Z1])\n  }")  # fmt: skip
        layers = f"[conv(f, kernel = {kernel}, stride = {stride}{frozen}), dense({2 * per * per} -> 2)]"
        return render(classify(data="digits(size = 4, classes = [0, 1], limit = 40)",
                               encoding=None, ansatz=None, readout=None,
                               **{"quantum f": block}, layers=layers))  # fmt: skip

    return [
        Probe("layer", "conv", None, conv(), compare="outputs", expect="runs"),
        Probe("layer", "conv", "kernel", conv(), conv(kernel=3, stride=1), "outputs"),
        Probe("layer", "conv", "stride", conv(), conv(stride=1), "outputs"),
        Probe("layer", "conv", "frozen", conv(), conv(frozen=", frozen = true"), "outputs"),
    ]


def train_key_probes() -> list[Probe]:
    """Every train key for every task it applies to (and rejected, QL0313, for the others).
    The default side of `epochs` and `maxiter` is 1 (not 100) to keep the test fast."""
    out: list[Probe] = []
    examples = {"early_stopping": "early_stopping(patience = 1, min_delta = 10)"}
    starts = {"epochs": "epochs = 1", "maxiter": "maxiter = 1", "early_stopping": "epochs = 6",
              "checkpoint_every": "epochs = 2"}  # fmt: skip
    kernel_opt = {"epochs": "spsa()", "maxiter": "spsa()", "early_stopping": "spsa(maxiter = 6)",
                  "checkpoint_every": "spsa(maxiter = 2)"}  # fmt: skip
    for e in catalog.entries("train"):
        example = examples.get(e.name, value_text(e.params[0].example))
        for task, tpl in TEMPLATES.items():
            kw: dict[str, Any] = {}
            start = starts.get(e.name, "epochs = 1")
            if task == "kernel":
                kw["optimizer"] = kernel_opt.get(e.name, "spsa(maxiter = 2)")
                if e.name not in ("epochs", "maxiter"):
                    start = ""
            if e.name in ("epochs", "maxiter"):
                changed = f"{e.name} = 3"
            else:
                changed = ", ".join(x for x in (start, f"{e.name} = {example}") if x)
            default = render(tpl(train=start or None, **kw))
            example_src = render(tpl(train=changed, **kw))
            compare = "artifact" if e.name == "checkpoint_every" else "train"
            if not e.status.ok:  # not available yet: check rejects it (QL0311)
                out.append(Probe("train", e.name, f"value@{task}", example_src, expect="rejected"))
            elif e.name == "distribute" and task in e.tasks:  # on Ray, the serial result
                out.append(Probe("train", e.name, f"value@{task}", default, example_src, expect=RAY_EXPECT))
                if task == "classify":
                    out.append(Probe("distribution", "ray", None, default, example_src, expect=RAY_EXPECT))
            elif task in e.tasks:
                out.append(Probe("train", e.name, f"value@{task}", default, example_src, compare))
            else:
                out.append(Probe("train", e.name, f"value@{task}", example_src, expect="inapplicable"))
    return out


def callback_probes() -> list[Probe]:
    def es(args: dict[str, Any], epochs: int = 8) -> str:
        return render(classify(train=f"epochs = {epochs}, early_stopping = {call('early_stopping', args)}"))

    ctx = {
        "patience": {"min_delta": 10.0},
        "min_delta": {"patience": 2},
        "monitor": {"patience": 1, "min_delta": 0.0},
        "restore_best": {"patience": 2, "min_delta": 10.0},
    }
    return entry_probes("callback", "early_stopping", es, ctx)


def target_probes() -> list[Probe]:
    out: list[Probe] = []
    for e in catalog.entries("target"):
        p = e.params[0]
        if e.name == "device":
            out.append(Probe("target", "device", "value", render(classify()),
                             render(classify(target="device = line(3)")), "compile"))  # fmt: skip
            continue
        if e.name == "cutting":  # a 3-qubit model cut into 2-qubit pieces, sampled
            out.append(Probe("target", "cutting", "value", cut_model(None),
                             cut_model(value_text(p.example)), expect=CUT_EXPECT))  # fmt: skip
            continue
        example = value_text(p.example)
        if e.name in ("noise", "mitigation"):
            example = "[" + ", ".join(_example_call(p.kind, c) for c in p.example) + "]"
        src = render(classify(target=f"{e.name} = {example}"))
        if not e.status.ok:
            out.append(Probe("target", e.name, "value", src, expect="rejected"))
        elif e.name in ("basis", "optimization_level"):
            out.append(Probe("target", e.name, "value", render(classify()), src, "compile"))
        elif e.name == "mitigation":  # needs noise to mitigate
            noisy = "noise = [depolarizing(0.05), readout_error(0.1)]"
            out.append(Probe("target", e.name, "value", render(classify(target=noisy)),
                             render(classify(target=f"{noisy}, mitigation = {example}"))))  # fmt: skip
        else:  # shots, noise, backend: the training run changes
            out.append(Probe("target", e.name, "value", render(classify()), src))
    out += noise_probes()
    out += cutting_probes()
    out += backend_probes()
    out += mitigation_probes()
    for kind in ("noise", "mitigation", "backend"):
        for e in catalog.entries(kind):
            if e.status.ok:
                continue
            key = {"noise": "noise", "mitigation": "mitigation", "backend": "backend"}[kind]
            text = _example_call(kind, e.name)
            value = f"[{text}]" if kind != "backend" else text
            out.append(Probe(kind, e.name, None, render(classify(target=f"{key} = {value}")), expect="rejected"))
    return out


#: the default side of a required noise argument (the example side is the catalog's example)
NOISE_CONTEXT: dict[str, dict[str, dict[str, Any]]] = {
    "depolarizing": {"p": {"p": 0.2}},
    "bit_flip": {"p": {"p": 0.2}},
    "phase_flip": {"p": {"p": 0.2}},
    "amplitude_damping": {"gamma": {"gamma": 0.3}},
    "phase_damping": {"gamma": {"gamma": 0.3}},
    "thermal_relaxation": {"t1": {"t1": 100.0}, "t2": {"t2": 30.0}, "time": {"time": 5.0}},
    "over_rotation": {"angle": {"angle": 0.4}},
    "pauli_channel": {"gates": {"px": 0.1}, "qubits": {"px": 0.1}},
    "from_backend": {"name": {"name": "fake_lima"}},
    "readout_error": {"p": {"p": 0.2}},
}


def _has_cutting_addon() -> bool:
    try:
        import qiskit_addon_cutting  # noqa: F401
    except ImportError:
        return False
    return True


def _has_ray() -> bool:
    import importlib.util

    return importlib.util.find_spec("ray") is not None


#: without Ray a distributed model is QL0315 at check time (test_distribute)
RAY_EXPECT = "same" if _has_ray() else "no-ray"

#: without the optional add-on a cutting model is QL0950 at check time (test_cutting)
CUT_EXPECT = "differs" if _has_cutting_addon() else "no-addon"


def cut_model(cutting: str | None) -> str:
    """A 3-qubit regression with shots (sampled subexperiments differ between cut plans)."""
    target = "shots = 64" + (f", cutting = {cutting}" if cutting else "")
    return render(regress(data="sine(n = 30, window = 3)", target=target))


def cutting_probes() -> list[Probe]:
    """`auto`'s arguments change the cuts (max_qubits = 1: both CX gates cut; wires: a
    wire cut instead of a gate cut), so the sampled training run changes."""
    probes = entry_probes(
        "cutting", "auto", lambda args: cut_model(call("auto", {"max_qubits": 2} | args))
    )
    if CUT_EXPECT == "differs":
        return probes
    return [Probe(p.kind, p.name, p.param, p.default, p.example, p.compare, CUT_EXPECT)
            for p in probes]  # fmt: skip


def noise_probes() -> list[Probe]:
    """Every supported channel runs, and every argument changes the trained result
    (``readout_error`` on a model that reads qubit 1, so `qubits = [0]` matters)."""
    out: list[Probe] = []
    for e in catalog.entries("noise"):
        if not e.status.ok:
            continue

        def noisy(args: dict[str, Any], e=e) -> str:
            vals = {p.name: p.example for p in e.params if p.required} | args
            readout = "expval(Z1) |> sigmoid()" if e.name == "readout_error" else "expval(Z0) |> sigmoid()"
            return render(classify(readout=readout, target=f"noise = [{call(e.name, vals)}]"))

        out += entry_probes("noise", e.name, noisy, NOISE_CONTEXT.get(e.name, {}))
    return out


def mitigation_probes() -> list[Probe]:
    """Each method runs on a noisy model and each argument changes the mitigated run
    (twirling on a coherent over-rotation, which twirling turns into Pauli noise)."""
    ctx: dict[str, dict[str, dict[str, Any]]] = {
        "zne": {"order": {"extrapolation": "polynomial"}, "gates": {"folding": "gates"},
                "asymptote": {"extrapolation": "exponential"}},
    }  # fmt: skip
    noise = {"twirling": 'noise = [over_rotation(0.3, axis = "y", gates = [cx])]'}
    out: list[Probe] = []
    for e in catalog.entries("mitigation"):
        if not e.status.ok:
            continue

        def mit(args: dict[str, Any], e=e) -> str:
            n = noise.get(e.name, "noise = [depolarizing(0.05), readout_error(0.1)]")
            return render(classify(target=f"{n}, mitigation = [{call(e.name, args)}]"))

        out += entry_probes("mitigation", e.name, mit, ctx.get(e.name, {}))
    return out


def execution_backend_probes(name: str) -> list[Probe]:
    """The execution backends (issue 23) train the noiseless model on the backend, with
    shots where the backend samples; `fake`'s device and noise change the result; `ibm`
    without an account is QL0702 before any job (its arguments reach the mocked Runtime in
    tests/unit/test_backends.py)."""
    if name == "ibm":
        return [Probe("backend", name, None,
                      render(classify(target='backend = ibm("ibm_torino")')), expect="account")]  # fmt: skip

    def run_on(args: dict[str, Any]) -> str:
        shots = "" if name == "aer" else ", shots = 64"
        args = {"fake": {"name": "lima"}, "tket": {"name": "AerBackend"}}.get(name, {}) | args
        return render(classify(target=f"backend = {call(name, args)}{shots}"))

    return entry_probes("backend", name, run_on)


def backend_probes() -> list[Probe]:
    """Each engine runs a noisy model; `trajectories(samples)` changes the estimates."""
    from qlang.backends import is_execution_backend

    out: list[Probe] = []
    noise = "noise = [depolarizing(0.05)]"
    for e in catalog.entries("backend"):
        if not e.status.ok:
            continue
        if is_execution_backend(e.name):
            out += execution_backend_probes(e.name)
            continue
        if e.name == "statevector":
            out.append(Probe("backend", e.name, None, render(classify(target="backend = statevector")),
                             expect="runs"))  # fmt: skip
            continue

        def eng(args: dict[str, Any], e=e) -> str:
            return render(classify(target=f"{noise}, backend = {call(e.name, args) if args else e.name}"))

        out += entry_probes("backend", e.name, eng)
    return out


def _example_call(kind: str | None, name: str) -> str:
    entry = catalog.lookup(kind or "", name)
    assert entry is not None
    args = {p.name: p.example for p in entry.params if p.required}
    return call(name, args)


CSV = Path(tempfile.mkdtemp(prefix="qlang-conformance-")) / "d.csv"
atexit.register(shutil.rmtree, CSV.parent, True)
CSV.write_text("a,b,y\n" + "".join(f"{i % 7 / 7},{i % 5 / 5},{i % 2}\n" for i in range(40)))


def csv_probes() -> list[Probe]:
    def csv(args: dict[str, Any]) -> str:
        rest = "".join(f", {k} = {value_text(v)}" for k, v in args.items())
        return render(classify(**{"input x": ": float[2]"}, data=f'csv("{CSV}", label = "y"{rest})'))

    return entry_probes("data", "csv", csv, compare="data")


def recurrent_probes() -> list[Probe]:
    def rec(args: dict[str, Any]) -> str:
        hidden = args.get("hidden", 2)
        cell = call("lstm", args)
        block = (f" {{ input v: float[{hidden + 1}]\n    qubits = {hidden + 1}\n    encoding = angle(v)\n"
                 f"    ansatz = real_amplitudes(reps = 1)\n    readout = expval([Z0, Z1])\n  }}")  # fmt: skip
        return render(regress(data="sine(n = 30, window = 4)", encoding=None, ansatz=None,
                              readout=None, **{"quantum cell": block},
                              recurrent=f"cell = {cell}, gates = [cell], window = 4"))  # fmt: skip

    def fast(args: dict[str, Any]) -> str:
        block = (" { input v: float[1]\n    qubits = 2\n    encoding = angle(v)\n"
                 "    ansatz = real_amplitudes(reps = 1)\n    readout = expval([Z0, Z1])\n  }")  # fmt: skip
        return render(regress(data="sine(n = 30, window = 3)", encoding=None, ansatz=None,
                              readout=None, **{"quantum cell": block}, layers="[dense(2 -> 1)]",
                              recurrent=f"cell = {call('fast_weights', args)}, gates = [cell]"))  # fmt: skip

    keys = [Probe("recurrent", k, None, rec({}), expect="runs") for k in catalog.names("recurrent")]
    return entry_probes("cell", "lstm", rec) + entry_probes("cell", "fast_weights", fast) + keys


# --- the test --------------------------------------------------------------------------
PROBES = probes()


def fingerprint(probe: Probe, src: str, tmp: Path) -> Any:
    if probe.compare == "data":
        model = load_model(src)
        ds, _ = load_data(model, context(model))
        return (ds.X_train.tobytes(), ds.y_train.tobytes(), ds.X_test.tobytes())
    if probe.compare in ("outputs", "init"):
        model = load_model(src)
        net = build_network(model, model.training, Seeds(0))
        p = net.init(np.random.default_rng(0))
        if probe.compare == "init":
            return tuple(np.round(p, 12))
        X = np.random.default_rng(1).uniform(0, 1, size=(4, net.num_inputs or 4))
        return (np.round(net.forward(X, p), 10).tobytes(), net.forward(X, p).shape,
                net.trainable().tobytes())  # fmt: skip
    if probe.compare == "compile":
        model = load_model(src)
        c = qlang.compile(model)
        return (c.qasm3, c.optimization_level)
    if probe.compare == "artifact":
        out = tmp / str(abs(hash(src)))
        r = run(src, str(out))
        return (sorted(p.name for p in out.iterdir()), r.fingerprint())
    r = run(src)
    if probe.compare == "spy":
        return _spied(r.spy)
    if probe.compare == "metrics":
        m = r.trained.metrics
        if "test" in m:
            return sorted(m["test"])
        return sorted(k for k in m if catalog.lookup("metric", k) is not None)
    if probe.compare == "metric_values":
        return sorted(r.trained.metrics["test"].items())
    if probe.compare == "predict":
        from qlang.train.api import predictor

        pred = predictor(r.model, r.trained)
        ds, _ = load_data(r.model, context(r.model))
        return tuple(np.round(pred.predict_fn(ds.X_test), 10))
    return r.fingerprint()


@pytest.mark.parametrize("probe", PROBES, ids=[f"{p.id}:{p.expect}" for p in PROBES])
def test_catalog_entry(probe: Probe, tmp_path: Path) -> None:
    if probe.expect == "rejected":
        assert rejected(probe.default) == ["QL0311"], probe.default
        return
    if probe.expect == "no-addon":  # the cutting extra is not installed
        assert rejected(probe.example or probe.default) == ["QL0950"], probe.example
        return
    if probe.expect == "inapplicable":
        assert rejected(probe.default) == ["QL0313"], probe.default
        return
    if probe.expect == "no-ray":  # the ray extra is not installed: the hint, at check time
        assert rejected(probe.default) == [] and rejected(probe.example) == ["QL0315"]
        return
    if probe.expect == "same":  # train { distribute }: elsewhere, with the serial result
        assert probe.example is not None
        assert rejected(probe.default) == rejected(probe.example) == [], probe.example
        here, there = run(probe.default).trained, run(probe.example).trained
        np.testing.assert_allclose(there.params, here.params, rtol=0, atol=1e-9)
        assert there.metrics.get("test") == pytest.approx(here.metrics.get("test"), abs=1e-9)
        assert "distribute" not in here.metrics["execution"]
        assert there.metrics["execution"]["distribute"]["workers"] == 2, probe.example
        return
    if probe.expect == "account":  # checks clean; without an account nothing is sent
        assert rejected(probe.default) == [], probe.default
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("HOME", str(tmp_path))
            mp.delenv("QISKIT_IBM_TOKEN", raising=False)
            with pytest.raises(QLangError) as err:
                fingerprint(probe, probe.default, tmp_path)
        assert [d.code for d in err.value.diagnostics] == ["QL0702"]
        return
    assert rejected(probe.default) == [], probe.default
    got = fingerprint(probe, probe.default, tmp_path)
    if probe.expect == "runs":
        if probe.kind == "metric":
            assert got == [probe.name], (probe.default, got)
        if probe.kind == "gradient":
            want = {"auto": "adjoint"}.get(probe.name, probe.name)
            assert [g for g, _, _ in got] == [want], got
        if probe.example is None:
            return
    assert probe.example is not None
    assert rejected(probe.example) == [], probe.example
    other = fingerprint(probe, probe.example, tmp_path)
    if probe.expect == "runs":
        assert other is not None
        return
    assert other != got, f"{probe.id}: the example changed nothing\n{probe.example}"


def test_every_catalog_name_and_argument_is_probed() -> None:
    probed = {(p.kind, p.name) for p in PROBES}
    wanted = {(k, n) for k in catalog.KINDS if k != "model" for n in catalog.names(k)}
    assert wanted - probed == set(), f"catalog entries without a conformance probe: {wanted - probed}"
    args = {(p.kind, p.name, (p.param or "").split("@")[0]) for p in PROBES if p.param}
    for kind, name in wanted:
        entry = catalog.lookup(kind, name)
        for p in entry.params:  # type: ignore[union-attr]
            key = (kind, name, p.name)
            if not entry.status.ok:  # type: ignore[union-attr]
                continue  # the whole entry is rejected (QL0311)
            assert key in args or key in NO_CHANGE, f"argument without a probe: {key}"


def test_every_model_entry_is_used_by_a_probe() -> None:
    import re

    sources = "\n".join(p.default + (p.example or "") for p in PROBES)
    for e in catalog.entries("model"):
        assert re.search(rf"\b{e.name}\b\s*(=|{{|\w+\s*{{)", sources), e.name
