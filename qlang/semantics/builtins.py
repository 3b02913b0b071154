"""Builtin functions available in every ``.qml`` file.

Each builtin takes ``(evaluator, args, kwargs, span)`` where ``args`` is a
list of ``(value, span)`` and ``kwargs`` maps names to ``(value, span)``.

Example::

    >>> BUILTINS["len"](None, [((1, 2, 3), None)], {}, None)
    3
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from qlang import catalog
from qlang.ir import expr as E
from qlang.limits import MAX_QUBITS, MAX_RANGE
from qlang.semantics import codes as C
from qlang.semantics.codes import fail
from qlang.semantics.guards import bounded_range, checked_expr, to_int
from qlang.semantics.observables import PauliSum
from qlang.semantics.pairs import KINDS, pairs
from qlang.semantics.values import Graph, Init, Qubits, flatten, is_number, is_scalar, type_name
from qlang.source import Span

Args = list[tuple[Any, Span | None]]
Kwargs = dict[str, tuple[Any, Span | None]]
Builtin = Callable[[Any, Args, Kwargs, Span | None], Any]


def _params(
    name: str, args: Args, kwargs: Kwargs, span: Span | None, names: list[str], required: int
) -> list[tuple[Any, Span | None]]:
    """Match positional and named arguments to ``names``; missing optional ones are ``None``."""
    if len(args) > len(names):
        raise fail(C.BAD_ARGUMENTS, f"`{name}` takes at most {len(names)} arguments", span)
    out: list[tuple[Any, Span | None]] = list(args) + [(None, span)] * (len(names) - len(args))
    for k, v in kwargs.items():
        if k not in names:
            from qlang.diagnostics import did_you_mean

            raise fail(
                C.BAD_ARGUMENTS, f"`{name}` has no argument `{k}`", v[1], did_you_mean(k, names)
            )
        i = names.index(k)
        if i < len(args):
            raise fail(C.BAD_ARGUMENTS, f"argument `{k}` given twice", v[1])
        out[i] = v
    for i in range(required):
        if out[i][0] is None:
            raise fail(C.BAD_ARGUMENTS, f"`{name}` is missing argument `{names[i]}`", span)
    return out


def _num(v: Any, span: Span | None, what: str = "argument") -> float:
    if not is_number(v):
        raise fail(C.TYPE_MISMATCH, f"{what} must be a number, found `{type_name(v)}`", span)
    return float(v)


def _int(ev: Any, v: Any, span: Span | None, what: str = "argument") -> int:
    return ev.to_int(v, span, what) if ev is not None else to_int(v, span, what)


def _math(name: str) -> Builtin:
    def f(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
        ((v, vs),) = _params(name, args, kwargs, span, ["x"], 1)
        if isinstance(v, E.Expr):
            return checked_expr(E.func(name, v), span)
        x = _num(v, vs)
        import numpy as np

        try:
            with np.errstate(all="ignore"):
                r = float(E.FUNCTIONS[name](np.asarray(x)))
        except (ValueError, OverflowError):
            r = math.nan
        if math.isnan(r) or math.isinf(r):
            raise fail(C.BAD_VALUE, f"`{name}({x})` is not a finite real number", span)
        return r

    return f


def _len(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> int:
    ((v, vs),) = _params("len", args, kwargs, span, ["value"], 1)
    if isinstance(v, (tuple, Qubits, str)):
        return len(v)
    raise fail(C.TYPE_MISMATCH, f"`len` needs an array or register, found `{type_name(v)}`", vs)


def _reduce(name: str, op: Callable[..., Any]) -> Builtin:
    def f(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
        items = (
            args[0][0]
            if len(args) == 1 and isinstance(args[0][0], tuple)
            else tuple(a for a, _ in args)
        )
        if name == "sum":
            if not items:
                return 0
            acc = items[0]
            for v in items[1:]:
                acc = ev.binary("+", acc, v, span)
            return acc
        if not items:
            raise fail(C.BAD_VALUE, f"`{name}` of an empty sequence", span)
        if not all(is_number(v) for v in items):
            raise fail(C.NOT_CONSTANT, f"`{name}` needs numbers known at compile time", span)
        return op(items)

    return f


def _rounding(name: str, fn: Callable[[float], int]) -> Builtin:
    def f(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
        ((v, vs),) = _params(name, args, kwargs, span, ["x"], 1)
        if isinstance(v, E.Expr):
            raise fail(C.NOT_CONSTANT, f"`{name}` needs a value known at compile time", vs)
        return fn(_num(v, vs))

    return f


def _float(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
    ((v, vs),) = _params("float", args, kwargs, span, ["x"], 1)
    return v if isinstance(v, E.Expr) else _num(v, vs)


def _range(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
    ps = _params("range", args, kwargs, span, ["start", "stop", "step"], 1)
    vals = [None if v is None else _int(ev, v, s) for v, s in ps]
    start = vals[0]
    assert start is not None  # required argument
    if vals[1] is None:
        return bounded_range(0, start, 1, span)
    step = vals[2] if vals[2] is not None else 1
    if step == 0:
        raise fail(C.BAD_VALUE, "range step cannot be zero", span)
    return bounded_range(start, vals[1], step, span)


def _pairs(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
    (n, ns), (kind, ks), (layer, ls) = _params(
        "pairs", args, kwargs, span, ["n", "kind", "layer"], 1
    )
    size = len(n) if isinstance(n, Qubits) else _int(ev, n, ns, "`pairs` size")
    _nodes_in_limit("pairs", size, ns or span)
    kind = "full" if kind is None else kind
    if kind not in KINDS:
        from qlang.diagnostics import did_you_mean

        raise fail(
            C.BAD_VALUE,
            f"unknown entanglement `{kind}`",
            ks,
            did_you_mean(str(kind), KINDS) or f"use one of {', '.join(KINDS)}",
        )
    return pairs(size, kind, 0 if layer is None else _int(ev, layer, ls))


def _init(name: str) -> Builtin:
    """A weight initialiser of the catalog (``uniform(0, pi)``): its arguments are bound
    and checked there; the value is an :class:`Init` with every parameter in order."""

    def f(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
        from qlang.ir.model import Call
        from qlang.semantics.settings import check_call, to_value

        call = Call(
            name,
            tuple(to_value(v, s) for v, s in args),
            tuple((k, to_value(v, s)) for k, (v, s) in kwargs.items()),
            span=span,
        )
        entry, values = check_call("init", call, span)
        return Init(name, tuple(float(values[p.name]) for p in entry.params))

    return f


def _random_regular(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Graph:
    (d, ds), (n, ns), (seed, ss) = _params(
        "random_regular", args, kwargs, span, ["degree", "nodes", "seed"], 2
    )
    deg, nodes = _int(ev, d, ds), _int(ev, n, ns)
    _nodes_in_limit("random_regular", nodes, ns)
    _edges_in_limit("random_regular", deg * nodes // 2, span)
    if deg < 0 or deg >= nodes or (deg * nodes) % 2:
        raise fail(C.BAD_VALUE, f"no {deg}-regular graph on {nodes} nodes exists", span)
    import networkx as nx  # on first use: importing networkx costs ~0.1 s of every run

    g = nx.random_regular_graph(deg, nodes, seed=0 if seed is None else _int(ev, seed, ss))
    return Graph(nodes, tuple(sorted((min(a, b), max(a, b), 1.0) for a, b in g.edges())))


def _graph(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Graph:
    (edges, es), (n, ns) = _params("graph", args, kwargs, span, ["edges", "nodes"], 1)
    if not isinstance(edges, tuple):
        raise fail(C.TYPE_MISMATCH, "`graph` needs a list of edges `(i, j)` or `(i, j, w)`", es)
    out = []
    for e in edges:
        if not isinstance(e, tuple) or len(e) not in (2, 3):
            raise fail(C.TYPE_MISMATCH, "each edge must be `(i, j)` or `(i, j, w)`", es)
        a, b = _int(ev, e[0], es), _int(ev, e[1], es)
        w = _num(e[2], es) if len(e) == 3 else 1.0
        if a == b or a < 0 or b < 0:
            raise fail(C.BAD_VALUE, f"bad edge ({a}, {b})", es)
        out.append((min(a, b), max(a, b), w))
    size = max((max(a, b) for a, b, _ in out), default=-1) + 1
    _nodes_in_limit("graph", size, es)
    if n is not None:
        size_given = _int(ev, n, ns)
        _nodes_in_limit("graph", size_given, ns)
        if size_given < size:
            raise fail(C.BAD_VALUE, f"edges use node {size - 1} but the graph has {size_given}", ns)
        size = size_given
    return Graph(size, tuple(out))


def _named_graph(kind: str) -> Builtin:
    def f(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Graph:
        ((n, ns),) = _params(kind, args, kwargs, span, ["nodes"], 1)
        k = _int(ev, n, ns)
        _nodes_in_limit(kind, k, ns)
        _edges_in_limit(kind, k * (k - 1) // 2 if kind == "complete_graph" else k, ns)
        if kind == "complete_graph":
            edges = [(i, j) for i in range(k) for j in range(i + 1, k)]
        elif kind == "path_graph":
            edges = [(i, i + 1) for i in range(k - 1)]
        else:
            edges = [(i, (i + 1) % k) for i in range(k)] if k > 2 else [(0, 1)][: k - 1]
        return Graph(k, tuple((min(a, b), max(a, b), 1.0) for a, b in edges))

    return f


def _edges(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
    ((g, gs),) = _params("edges", args, kwargs, span, ["graph"], 1)
    if not isinstance(g, Graph):
        raise fail(C.TYPE_MISMATCH, f"`edges` needs a graph, found `{type_name(g)}`", gs)
    return tuple((a, b, w) for a, b, w in g.edges)


def _nodes(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
    ((g, gs),) = _params("nodes", args, kwargs, span, ["graph"], 1)
    if not isinstance(g, Graph):
        raise fail(C.TYPE_MISMATCH, f"`nodes` needs a graph, found `{type_name(g)}`", gs)
    return g.num_nodes


def _pauli(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> PauliSum:
    """``pauli("XZ", [0, 2])``: a Pauli string on the given qubits."""
    (word, ws), (qs, qss) = _params("pauli", args, kwargs, span, ["word", "qubits"], 2)
    if not isinstance(word, str) or any(c not in "IXYZ" for c in word):
        raise fail(C.BAD_VALUE, f"`{word}` is not a Pauli word over I, X, Y, Z", ws)
    qubits = qs.qubits if isinstance(qs, Qubits) else qs
    if not isinstance(qubits, tuple) or len(qubits) != len(word):
        raise fail(C.SHAPE_MISMATCH, f"Pauli word `{word}` needs {len(word)} qubits", qss)
    out = PauliSum.constant(1.0)
    for c, q in zip(word, qubits, strict=True):
        out = out * PauliSum.factor(_int(ev, q, qss), c)
    return out


def _chars(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
    ((s, ss),) = _params("chars", args, kwargs, span, ["text"], 1)
    if not isinstance(s, str):
        raise fail(C.TYPE_MISMATCH, "`chars` needs a string", ss)
    return tuple(s)


def _product(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
    ((v, vs),) = _params("product", args, kwargs, span, ["values"], 1)
    items = flatten(v) if isinstance(v, tuple) else [v]
    acc: Any = 1
    for it in items:
        if not is_scalar(it):
            raise fail(C.TYPE_MISMATCH, "`product` needs numbers", vs)
        acc = ev.binary("*", acc, it, span)
    return acc


def _combinations(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
    from itertools import combinations

    (v, vs), (k, ks) = _params("combinations", args, kwargs, span, ["values", "k"], 2)
    items = bounded_range(0, _int(ev, v, vs), 1, vs) if is_number(v) else v
    if not isinstance(items, tuple):
        raise fail(C.TYPE_MISMATCH, "`combinations` needs a count or a list", vs)
    r = _int(ev, k, ks)
    if 0 <= r <= len(items):
        _edges_in_limit("combinations", math.comb(len(items), r), span, what="combinations")
    return tuple(combinations(items, r))


def _nodes_in_limit(name: str, n: int, span: Span | None) -> None:
    """Graphs and pairs are over qubits: at most ``MAX_QUBITS`` nodes (``QL0823``)."""
    if n > MAX_QUBITS:
        raise fail(
            "QL0823", f"`{name}` over {n:,} nodes: qubits are limited to {MAX_QUBITS:,}", span
        )


def _edges_in_limit(name: str, count: int, span: Span | None, what: str = "edges") -> None:
    """At most ``MAX_RANGE`` edges or combinations are built (``QL0824``)."""
    if count > MAX_RANGE:
        raise fail(
            "QL0824", f"`{name}` would build {count:,} {what} (limit {MAX_RANGE:,})", span
        )


BUILTINS: dict[str, Builtin] = {
    **{name: _math(name) for name in E.FUNCTIONS},
    "len": _len,
    "sum": _reduce("sum", sum),
    "min": _reduce("min", min),
    "max": _reduce("max", max),
    "floor": _rounding("floor", math.floor),
    "ceil": _rounding("ceil", math.ceil),
    "int": _rounding("int", int),
    "round": _rounding("round", round),
    "float": _float,
    "range": _range,
    "pairs": _pairs,
    **{e.name: _init(e.name) for e in catalog.entries("init")},
    "random_regular": _random_regular,
    "graph": _graph,
    "complete_graph": _named_graph("complete_graph"),
    "ring_graph": _named_graph("ring_graph"),
    "path_graph": _named_graph("path_graph"),
    "edges": _edges,
    "nodes": _nodes,
    "pauli": _pauli,
    "chars": _chars,
    "product": _product,
    "combinations": _combinations,
}

#: Builtin values usable as bare names.
BUILTIN_VALUES: dict[str, Any] = {
    e.name: Init(e.name) for e in catalog.entries("init") if not e.params
}


def register(name: str) -> Callable[[Builtin], Builtin]:
    """Decorator adding a builtin (used by modules that define more of them)."""

    def deco(fn: Builtin) -> Builtin:
        BUILTINS[name] = fn
        return fn

    return deco
