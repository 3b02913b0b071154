"""Tasks, losses (with the tasks they fit) and metrics: pure data.

Example::

    >>> [e.name for e in ENTRIES if e.kind == "loss" and "minimize" in e.tasks]
    ['energy', 'cvar', 'expression']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qlang.catalog.schema import CHOICE, FLOAT, FLOATS, INT, OPAQUE, REQUIRED, Entry, Param, Range

POSITIVE = Range(0, None, low_open=True)


@dataclass(frozen=True)
class TaskInfo:
    """The loss used when the model names none, and whether the task reads a data set."""

    default_loss: str
    needs_data: bool = True


@dataclass(frozen=True)
class MetricInfo:
    """``targets``: the kind of targets it compares (``classification``, ``regression``,
    ``distribution``); ``maximise``: larger is better (early stopping); ``proba``: needs
    class probabilities."""

    targets: str
    maximise: bool
    proba: bool = False
    #: reported when a model lists no `metrics` (else only when asked for)
    default: bool = True
    #: computed from the model itself (input gradients), not from predictions alone
    model: bool = False


def _kernel_options(v: Mapping[str, Any], given: frozenset[str]) -> str | None:
    method, kind = v["method"], v["kind"]
    uses = {
        "C": method in (None, "svc", "svr"),
        "alpha": method == "krr",
        "epsilon": method == "svr",
        "gamma": kind == "projected",
    }
    for key, used in uses.items():
        if key in given and not used:
            where = "the projected kernel" if key == "gamma" else "`method = svc` or `svr`"
            if key == "alpha":
                where = "`method = krr`"
            if key == "epsilon":
                where = "`method = svr`"
            return f"`{key}` only applies to {where}"
    return None


def _distribution(v: Mapping[str, Any], given: frozenset[str]) -> str | None:
    t = v["target"]
    if not isinstance(t, tuple):
        return None
    k = len(t)
    if k < 2 or k & (k - 1):
        return f"a target distribution has 2**k probabilities, got {k}"
    if not math.isclose(sum(t), 1.0, abs_tol=1e-6):
        return f"the target probabilities sum to {sum(t):g}, not 1"
    return None


def _attack_steps(v: Mapping[str, Any], given: frozenset[str]) -> str | None:
    if "steps" in given and v["attack"] != "pgd":
        return "`steps` only applies to `attack = pgd`"
    return None


TASKS: tuple[Entry, ...] = (
    Entry(
        "task",
        "classify",
        "a network trained to output class probabilities",
        (Param("classes", INT, REQUIRED, "number of classes", Range(2, 1_000_000)),),
        impl="qlang.train.tasks.supervised:CLASSIFY",
        info=TaskInfo("cross_entropy"),
    ),
    Entry(
        "task",
        "regress",
        "a network trained to output the target values",
        impl="qlang.train.tasks.supervised:REGRESS",
        info=TaskInfo("mse"),
    ),
    Entry(
        "task",
        "kernel",
        "a fidelity (or projected) quantum kernel with a scikit-learn SVM or kernel ridge on "
        "top; trainable encoding weights are fitted by kernel-target alignment",
        (
            Param(
                "method",
                CHOICE,
                None,
                "svc (default for classes), svr (default for values) or krr",
                choices=("svc", "svr", "krr"),
                example="krr",
            ),
            Param(
                "kind",
                CHOICE,
                "fidelity",
                "fidelity |<phi(x')|phi(x)>|^2, or projected (one-qubit reduced states)",
                choices=("fidelity", "projected"),
                example="projected",
                positional=False,
            ),
            Param("C", FLOAT, 1.0, "SVM regularisation", POSITIVE, example=0.1, positional=False),
            Param(
                "alpha",
                FLOAT,
                1.0,
                "kernel ridge regularisation",
                POSITIVE,
                example=0.1,
                positional=False,
            ),
            Param(
                "epsilon", FLOAT, 0.1, "SVR epsilon tube", POSITIVE, example=0.5, positional=False
            ),
            Param(
                "gamma",
                FLOAT,
                1.0,
                "projected kernel bandwidth",
                POSITIVE,
                example=3.0,
                positional=False,
            ),
        ),
        impl="qlang.train.tasks.kernel:KERNEL",
        info=TaskInfo("kernel_target_alignment"),
        rules=(_kernel_options,),
    ),
    Entry(
        "task",
        "minimize",
        "minimise the readout observable's energy (VQE, QAOA) or its CVaR",
        (
            Param("observable", OPAQUE, None, "`observable` (the model's) or a Pauli sum"),
            Param(
                "cvar",
                FLOAT,
                None,
                "minimise CVaR(alpha) of the bit-string costs instead of the energy",
                Range(0, 1, low_open=True),
                example=0.2,
                positional=False,
            ),
        ),
        impl="qlang.train.tasks.minimize:MINIMIZE",
        info=TaskInfo("energy", needs_data=False),
    ),
    Entry(
        "task",
        "generate",
        "a Born machine fitted to a distribution over bit strings",
        (
            Param(
                "target",
                CHOICE,
                "data",
                "`data` (the data set's distribution) or the 2**k probabilities themselves",
                Range(0, 1),
                choices=("data",),
                alt=(FLOATS,),
                example=(0.5, 0.0, 0.0, 0.5),
            ),
        ),
        impl="qlang.train.tasks.generate:GENERATE",
        info=TaskInfo("kl", needs_data=False),
        rules=(_distribution,),
    ),
    Entry(
        "task",
        "gan",
        "a quantum GAN: the circuit's bit-string distribution (the generator) trained in "
        "alternation against a classical discriminator on the data set's distribution",
        (
            Param(
                "discriminator",
                OPAQUE,
                None,
                "(required) dense layers `[dense(k -> h, act), ..., dense(h -> 1, sigmoid)]` "
                "over the k bits of an outcome",
            ),
            Param(
                "d_lr",
                FLOAT,
                0.01,
                "the discriminator's Adam learning rate",
                Range(0, 10, low_open=True),
                example=0.05,
                positional=False,
            ),
            Param(
                "d_steps",
                INT,
                1,
                "discriminator steps before every generator step",
                Range(1, 100),
                example=3,
                positional=False,
            ),
        ),
        impl="qlang.train.tasks.gan:GAN",
        info=TaskInfo("gan"),
    ),
)

LOSSES: tuple[Entry, ...] = (
    Entry(
        "loss",
        "mse",
        "mean squared error",
        impl="qlang.train.losses:mse",
        tasks=("classify", "regress"),
    ),
    Entry(
        "loss",
        "mae",
        "mean absolute error",
        impl="qlang.train.losses:mae",
        tasks=("classify", "regress"),
    ),
    Entry(
        "loss",
        "cross_entropy",
        "-mean log p[label] on class probabilities",
        impl="qlang.train.losses:cross_entropy",
        tasks=("classify",),
    ),
    Entry(
        "loss",
        "nll",
        "negative log-likelihood on log-probabilities",
        impl="qlang.train.losses:nll",
        tasks=("classify",),
    ),
    Entry(
        "loss",
        "hinge",
        "mean max(0, 1 - t s) on raw scores (one-vs-rest for several outputs)",
        impl="qlang.train.losses:hinge",
        tasks=("classify",),
    ),
    Entry(
        "loss",
        "kl",
        "KL(target || model) over bit strings",
        impl="qlang.train.losses:kl",
        tasks=("generate",),
    ),
    Entry(
        "loss",
        "mmd",
        "squared maximum mean discrepancy with a Gaussian-mixture kernel over bit strings",
        (
            Param(
                "sigmas",
                FLOATS,
                (0.1, 1.0, 10.0),
                "kernel bandwidths",
                POSITIVE,
                example=(0.25, 1.0, 4.0),
            ),
        ),
        impl="qlang.train.losses:mmd",
        tasks=("generate",),
    ),
    Entry(
        "loss",
        "energy",
        "the expectation value itself",
        impl="qlang.train.losses:energy",
        tasks=("minimize",),
    ),
    Entry(
        "loss",
        "cvar",
        "mean cost of the lowest-cost alpha probability mass (Z-only observables)",
        (Param("alpha", FLOAT, 0.1, "the mass", Range(0, 1, low_open=True), example=0.3),),
        impl="qlang.train.losses:cvar",
        tasks=("minimize",),
    ),
    Entry(
        "loss",
        "expression",
        "a loss written as an expression over `expval(H)` readouts and the model's weights "
        "(e.g. Pauli correlation encoding); written as the expression itself, not by name",
        impl="qlang.train.objective:objective_loss",
        tasks=("minimize",),
    ),
    Entry(
        "loss",
        "gan",
        "the GAN losses: the discriminator's binary cross-entropy, the generator's "
        "non-saturating -E_p[log D]",
        impl="qlang.train.tasks.gan:gan_losses",
        tasks=("gan",),
    ),
    Entry(
        "loss",
        "kernel_target_alignment",
        "negative kernel-target alignment (trains the encoding weights of a kernel)",
        impl="qlang.train.losses:kernel_target_alignment",
        tasks=("kernel",),
    ),
)

_CLASSES = ("classify", "kernel")
_VALUES = ("regress", "kernel")

METRICS: tuple[Entry, ...] = (
    Entry("metric", "accuracy", "fraction of correct labels", impl="qlang.train.metrics:accuracy", tasks=_CLASSES, info=MetricInfo("classification", True)),
    Entry("metric", "precision", "precision (class 1 for two classes, else macro)", impl="qlang.train.metrics:precision", tasks=_CLASSES, info=MetricInfo("classification", True)),
    Entry("metric", "recall", "recall (class 1 for two classes, else macro)", impl="qlang.train.metrics:recall", tasks=_CLASSES, info=MetricInfo("classification", True)),
    Entry("metric", "f1", "F1 score (class 1 for two classes, else macro)", impl="qlang.train.metrics:f1", tasks=_CLASSES, info=MetricInfo("classification", True)),
    Entry("metric", "roc_auc", "area under the ROC curve (one-vs-rest for several classes)", impl="qlang.train.metrics:roc_auc", tasks=("classify",), info=MetricInfo("classification", True, proba=True)),
    Entry("metric", "mse", "mean squared error", impl="qlang.train.metrics:mse", tasks=_VALUES, info=MetricInfo("regression", False)),
    Entry("metric", "mae", "mean absolute error", impl="qlang.train.metrics:mae", tasks=_VALUES, info=MetricInfo("regression", False)),
    Entry("metric", "r2", "coefficient of determination", impl="qlang.train.metrics:r2", tasks=_VALUES, info=MetricInfo("regression", True)),
    Entry("metric", "kl", "KL(target || model)", impl="qlang.train.metrics:kl", tasks=("generate", "gan"), info=MetricInfo("distribution", False)),
    Entry("metric", "mmd", "squared MMD (bandwidths 0.1, 1, 10)", impl="qlang.train.metrics:mmd", tasks=("generate", "gan"), info=MetricInfo("distribution", False)),
    Entry("metric", "tvd", "total variation distance", impl="qlang.train.metrics:tvd", tasks=("generate", "gan"), info=MetricInfo("distribution", False)),
    Entry("metric", "valid_mass", "probability on the target's support", impl="qlang.train.metrics:valid_mass", tasks=("generate", "gan"), info=MetricInfo("distribution", True)),
    Entry(
        "metric",
        "adversarial_accuracy",
        "accuracy on inputs attacked within an eps-ball (robust accuracy); only when listed",
        (
            Param("eps", FLOAT, 0.1, "attack radius (L-infinity, preprocessed feature units)", POSITIVE, example=0.3),
            Param("attack", CHOICE, "pgd", "the attack", choices=("pgd", "fgsm"), example="fgsm", positional=False),
            Param("steps", INT, 10, "pgd steps (step size 2.5 eps / steps)", Range(1, 1000), example=2, positional=False),
        ),
        impl="qlang.train.adversarial:adversarial_accuracy",
        tasks=("classify",),
        info=MetricInfo("classification", True, default=False, model=True),
        rules=(_attack_steps,),
    ),
    Entry(
        "metric",
        "cut",
        "cut of a graph split by the signs of a loss expression's readouts (PCE decoding), "
        "with the maximum cut (brute force up to 22 nodes) and their ratio",
        (Param("graph", OPAQUE, REQUIRED, "the graph (one readout per node, in order)"),),
        impl="qlang.train.objective:cut",
        tasks=("minimize",),
        info=MetricInfo("objective", True, default=False),
    ),
)  # fmt: skip

ENTRIES: tuple[Entry, ...] = TASKS + LOSSES + METRICS
