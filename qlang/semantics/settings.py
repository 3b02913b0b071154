"""Model settings against the catalog: evaluated values become IR calls, checked.

Every setting of a model (``optimizer = adam(lr = 0.1)``, ``train { epochs = 5 }``,
``noise = [depolarizing(0.01)]``) is converted to a :class:`~qlang.ir.model.Call` and
bound against its :mod:`qlang.catalog` entry. A problem becomes a located diagnostic:

=========  =====================================================================
``QL0305`` unknown name (with the closest catalog name as ``help``)
``QL0309`` unknown, repeated or missing argument
``QL0201`` an argument of the wrong type
``QL0310`` an argument out of range, or arguments that contradict each other
``QL0311`` an entry the runtime cannot honour yet (its status in the catalog)
=========  =====================================================================

Example::

    >>> from qlang.ir.model import Call
    >>> try:
    ...     check_call("optimizer", Call("adam", (), (("beta1", 1.0),)), None)
    ... except SemanticError as err:
    ...     print(err.diagnostic.code, err.diagnostic.message)
    QL0310 `beta1` of `adam` must be in [0, 1), got 1
"""

from __future__ import annotations

from typing import Any

from qlang import catalog
from qlang.catalog import Entry, Problem
from qlang.catalog.schema import CALL, CALLS, OPAQUE
from qlang.ir import expr as E
from qlang.ir.model import Call
from qlang.semantics import codes as C
from qlang.semantics.codes import SemanticError, fail
from qlang.semantics.values import CallValue, Graph, Init, PendingCall, Symbol, type_name
from qlang.source import Span

_CODES = {
    "unknown_name": C.UNKNOWN_SETTING,
    "unknown_argument": C.SETTING_ARGUMENT,
    "missing": C.SETTING_ARGUMENT,
    "type": C.TYPE_MISMATCH,
    "range": C.SETTING_RANGE,
    "rule": C.SETTING_RANGE,
}


def problem_error(p: Problem, span: Span | None) -> SemanticError:
    """The diagnostic of a catalog problem."""
    return fail(_CODES[p.what], p.message, span, p.help)


def check_call(kind: str, call: Call, span: Span | None) -> tuple[Entry, dict[str, Any]]:
    """Bind ``call`` against ``kind``; raise the problem, or ``QL0311`` for an entry (or a
    nested one, such as a noise channel) the runtime cannot honour yet."""
    got = catalog.bind(kind, call)
    where = call.span or span
    if isinstance(got, Problem):
        raise problem_error(got, where)
    entry, values = got
    blocked = first_unsupported(entry, values)
    if blocked is not None:
        raise fail(C.NOT_SUPPORTED, blocked.status.reason, where, blocked.status.requires or None)
    return entry, values


def first_unsupported(entry: Entry, values: dict[str, Any]) -> Entry | None:
    """``entry`` itself or the first nested entry (calls in its values) not supported yet."""
    if not entry.status.ok:
        return entry
    for p in entry.params:
        if p.type not in (CALL, CALLS) or values.get(p.name) is None:
            continue
        items = values[p.name] if p.type == CALLS else (values[p.name],)
        for c in items:
            got = catalog.bind(p.kind or "", c)
            if isinstance(got, Problem):
                continue
            inner = first_unsupported(*got)
            if inner is not None:
                return inner
    return None


def check_key(kind: str, key: str, value: Any, span: Span | None) -> Any:
    """The checked value of ``key = value`` in a block of ``kind`` (``train``, ``target``,
    ``recurrent``); ``QL0304`` for a key the block does not have."""
    entry = catalog.lookup(kind, key)
    if entry is None:
        from qlang.diagnostics import did_you_mean

        names = catalog.names(kind)
        raise fail(
            C.MODEL_ENTRY,
            f"unknown {kind} setting `{key}`",
            span,
            did_you_mean(key, names) or f"{kind} settings: {', '.join(names)}",
        )
    _, values = check_call(kind, Call(key, (value,), span=span), span)
    return values["value"]


def bind_raw(kind: str, head: CallValue, span: Span | None) -> tuple[Entry, dict[str, Any], set]:
    """Bind an evaluated call whose ``OPAQUE`` arguments (observables, qubits, layer
    widths) stay as evaluated values for the lowering; the others are checked as usual.
    Returns ``(entry, values, names given explicitly)``."""
    entry = catalog.lookup(kind, head.name)
    where = head.span or span
    if entry is None:
        raise problem_error(catalog.unknown(kind, head.name), where)
    positional = [p for p in entry.params if p.positional]
    if len(head.args) > len(positional):
        raise fail(
            C.SETTING_ARGUMENT,
            f"`{entry.name}` takes at most {len(positional)} positional arguments, "
            f"got {len(head.args)}",
            where,
        )
    raw = {p.name: v for p, v in zip(positional, head.args, strict=False)}
    for key, v in head.kwargs:
        if entry.param(key) is None or key in raw:
            got = entry.bind(Call(entry.name, (), ((key, None),)))
            assert isinstance(got, Problem)
            if key in raw:
                got = Problem("unknown_argument", f"`{key}` of `{entry.name}` is given twice")
            raise problem_error(got, where)
        raw[key] = v
    opaque = {k: v for k, v in raw.items() if entry.param(k).type == OPAQUE}  # type: ignore[union-attr]
    plain = Call(
        entry.name,
        (),
        tuple((k, None if k in opaque else to_value(v, where)) for k, v in raw.items()),
        span=where,
    )
    _, values = check_call(kind, plain, where)
    values.update(opaque)
    return entry, values, set(raw)


def call_name(value: Any) -> str | None:
    """The name of a call-like setting value (``adam`` for ``adam(lr = 1)``), if any."""
    if isinstance(value, Call):
        return value.name
    if isinstance(value, str):
        return value
    return None


# --- evaluated values -> IR values -------------------------------------------------------
def to_call(v: Any, span: Span | None) -> Call:
    """A bare name or call (``adam``, ``adam(lr = 0.1)``, ``uniform(0, 1)``) as a Call."""
    if isinstance(v, Symbol):
        return Call(v.name, span=span)
    if isinstance(v, str):
        return Call(v, span=span)
    if isinstance(v, CallValue) and v.name not in ("|>", "->"):
        return Call(
            v.name,
            tuple(to_value(a, span) for a in v.args),
            tuple((k, to_value(a, span)) for k, a in v.kwargs),
            span=v.span or span,
        )
    if isinstance(v, Init):
        return Call(v.kind, v.args, span=span)
    if isinstance(v, PendingCall):
        raise fail(C.WRONG_KIND, f"`{v.defn.name}` is a {v.defn.kind}, not a setting", span)
    raise fail(C.TYPE_MISMATCH, f"expected a name or a call, found `{type_name(v)}`", span)


def to_value(v: Any, span: Span | None) -> Any:
    """A plain setting value: numbers, strings, bools, tuples and calls."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, Symbol):
        return v.name
    if isinstance(v, tuple):
        return tuple(to_value(i, span) for i in v)
    if isinstance(v, (CallValue, Init)):
        if isinstance(v, CallValue) and v.name == "->":
            return Call("->", tuple(to_value(a, span) for a in v.args))
        return to_call(v, span)
    if isinstance(v, E.Expr) and E.is_constant(v):
        return E.const_value(v)
    if isinstance(v, Graph):
        return tuple((a, b, w) for a, b, w in v.edges)
    raise fail(C.TYPE_MISMATCH, f"`{type_name(v)}` cannot be a setting value", span)


def piped(v: Any) -> tuple[Any, ...]:
    """The stages of ``a |> b |> c`` (one stage when not piped)."""
    return v.args if isinstance(v, CallValue) and v.name == "|>" else (v,)
