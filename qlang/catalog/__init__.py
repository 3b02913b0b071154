"""The model vocabulary: every name a model file may use, with its arguments and status.

One catalog, read by everyone: the checker (``qlang check``) binds each setting
against it, the training runtime dispatches through it (``Entry.load`` imports the
implementation lazily, so checking a file never imports the runtime), the docs
tables are generated from it (``python -m qlang.catalog``) and the did-you-mean
suggestions come from its names. One small module per group of kinds holds the
entries as plain data.

Example::

    >>> from qlang.ir.model import Call
    >>> names("optimizer")[:3]
    ('adam', 'sgd', 'momentum')
    >>> bind("optimizer", Call("adam", (), (("beta1", 1.0),))).message
    '`beta1` of `adam` must be in [0, 1), got 1'
    >>> bind("optimizer", Call("adma")).help
    'did you mean `adam`?'
    >>> entry, values = bind("optimizer", Call("adam", (), (("lr", 0.1),)))
    >>> values["lr"], values["beta1"], entry.impl
    (0.1, 0.9, 'qlang.train.optimizers:Adam')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from qlang.catalog import (
    cutting,
    data,
    distribute,
    network,
    optimizers,
    sweep,
    target,
    tasks,
    training,
)
from qlang.catalog.schema import (
    REQUIRED,
    SUPPORTED,
    Entry,
    Param,
    Problem,
    Range,
    Support,
    not_yet,
    value_text,
)
from qlang.ir.model import Call
from qlang.source import Span

__all__ = [
    "CATALOG",
    "KINDS",
    "REQUIRED",
    "SUPPORTED",
    "Entry",
    "Kind",
    "Param",
    "Problem",
    "Range",
    "Support",
    "bind",
    "entries",
    "lookup",
    "names",
    "not_yet",
    "runtime_bind",
    "value_text",
]


@dataclass(frozen=True, slots=True)
class Kind:
    """One group of names: what a member is called in messages and which runtime codes
    report an unknown name or a bad argument (``None`` when only the checker sees it)."""

    name: str
    title: str
    plural: str
    doc: str
    unknown_code: str | None = None
    argument_code: str | None = None


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("model", "model entry", "model entries", "entries of a `model` block"),
        Kind("data", "data set", "data sets", "`data = ...`", "QL0401", "QL0402"),
        Kind(
            "preprocess",
            "preprocessing step",
            "preprocessing steps",
            "`data = ... |> step(...)`",
            "QL0409",
            "QL0410",
        ),
        Kind("readout", "readout", "readouts", "`readout = ...`", "QL0605", "QL0605"),
        Kind(
            "post",
            "readout post-processing",
            "readout post-processing steps",
            "`readout = ... |> step(...)`",
            "QL0660",
            "QL0660",
        ),
        Kind("layer", "layer", "layers", "`layers = [...]`", "QL0660", "QL0660"),
        Kind(
            "activation",
            "activation",
            "activations",
            "`dense(a -> b, activation)`",
            "QL0660",
            "QL0660",
        ),
        Kind(
            "init",
            "weight initialiser",
            "weight initialisers",
            "`weight w: float[3] = init(...)`",
            "QL0657",
            "QL0657",
        ),
        Kind("task", "task", "tasks", "`task = ...`", "QL0654", "QL0653"),
        Kind("loss", "loss", "losses", "`loss = ...`", "QL0652", "QL0666"),
        Kind("metric", "metric", "metrics", "`metrics = [...]`", "QL0668", "QL0668"),
        Kind("optimizer", "optimizer", "optimizers", "`optimizer = ...`", "QL0650", "QL0651"),
        Kind(
            "gradient",
            "gradient method",
            "gradient methods",
            "`train { gradient = ... }`",
            "QL0604",
            "QL0604",
        ),
        Kind("train", "train setting", "train settings", "`train { key = value }`"),
        Kind(
            "attack",
            "adversarial attack",
            "adversarial attacks",
            "`train { adversarial = ... }`",
            "QL0670",
            "QL0670",
        ),
        Kind(
            "callback",
            "callback",
            "callbacks",
            "`train { early_stopping = ... }`",
            "QL0663",
            "QL0663",
        ),
        Kind(
            "distribution",
            "distribution",
            "distributions",
            "`train { distribute = ... }`",
            "QL0908",
            "QL0908",
        ),
        Kind("recurrent", "recurrent setting", "recurrent settings", "`recurrent { ... }`"),
        Kind(
            "cell",
            "recurrent cell",
            "recurrent cells",
            "`recurrent { cell = ... }`",
            "QL0665",
            "QL0665",
        ),
        Kind("target", "target setting", "target settings", "`target { key = value }`"),
        Kind("noise", "noise channel", "noise channels", "`target { noise = [...] }`"),
        Kind(
            "mitigation",
            "mitigation method",
            "mitigation methods",
            "`target { mitigation = [...] }`",
        ),
        Kind("backend", "backend", "backends", "`target { backend = ... }`"),
        Kind("cutting", "cutting mode", "cutting modes", "`target { cutting = ... }`"),
    )
}

_MODULES = (training, data, network, tasks, optimizers, target, sweep, cutting, distribute)


def _build() -> dict[str, dict[str, Entry]]:
    out: dict[str, dict[str, Entry]] = {k: {} for k in KINDS}
    for module in _MODULES:
        for e in module.ENTRIES:
            if e.kind not in KINDS:
                raise ValueError(f"entry `{e.name}` has unknown kind `{e.kind}`")
            if e.name in out[e.kind]:
                raise ValueError(f"{e.kind} `{e.name}` is in the catalog twice")
            out[e.kind][e.name] = e
    for kind, table in out.items():
        for e in table.values():
            for p in e.params:
                if p.kind is not None and p.kind not in KINDS:
                    raise ValueError(f"`{kind}:{e.name}.{p.name}` refers to kind `{p.kind}`")
    return out


#: kind -> name -> entry, in documentation order
CATALOG: dict[str, dict[str, Entry]] = _build()


def lookup(kind: str, name: str) -> Entry | None:
    """The entry ``name`` of ``kind``, or ``None``."""
    return CATALOG[kind].get(name)


def names(kind: str) -> tuple[str, ...]:
    """Every name of ``kind``, in documentation order (the did-you-mean candidates)."""
    return tuple(CATALOG[kind])


def entries(kind: str) -> tuple[Entry, ...]:
    return tuple(CATALOG[kind].values())


def unknown(kind: str, name: str) -> Problem:
    """The problem for a name ``kind`` does not have, with a suggestion."""
    from qlang.diagnostics import did_you_mean

    k = KINDS[kind]
    return Problem(
        "unknown_name",
        f"unknown {k.title} `{name}`",
        did_you_mean(name, names(kind)) or f"{k.plural}: {', '.join(names(kind))}",
    )


def resolve(kind: str, call: Call) -> Problem | tuple[Entry, dict[str, Any]]:
    """:func:`bind` for nested values (the ``resolve`` hook of :meth:`Entry.bind`)."""
    return bind(kind, call)


def bind(kind: str, call: Call) -> Problem | tuple[Entry, dict[str, Any]]:
    """``(entry, values)`` for a call of ``kind``, or the first :class:`Problem`."""
    e = lookup(kind, call.name)
    if e is None:
        return unknown(kind, call.name)
    got = e.bind(call, _nested)
    if isinstance(got, Problem):
        return got
    return e, got


def _nested(kind: str, call: Call) -> Problem | tuple[Entry, dict[str, Any]]:
    return bind(kind, call)


def runtime_bind(
    kind: str, call: Call, span: Span | None = None, *, supported: bool = True
) -> tuple[Entry, dict[str, Any]]:
    """:func:`bind` for the runtime: a problem raises the kind's runtime code.

    With ``supported`` (the default) an entry the runtime cannot honour yet is an error
    too (``QL0311``), so a hand-built model IR cannot smuggle in an ignored setting.
    """
    k = KINDS[kind]
    got = bind(kind, call)
    where = span if span is not None else call.span
    if isinstance(got, Problem):
        code = k.unknown_code if got.what == "unknown_name" else k.argument_code
        _fail(code or "QL0305", got.message, where, got.help)
    entry, values = got
    if supported and not entry.status.ok:
        _fail("QL0311", f"{entry.status.reason}", where, entry.status.requires or None)
    return entry, values


def _fail(code: str, message: str, span: Span | None, help: str | None) -> NoReturn:
    from qlang.diagnostics import Diagnostic, QLangError

    raise QLangError([Diagnostic.error(code, message, span, help=help)])
