"""The model vocabulary for hover and completion, read from the one catalog
(:mod:`qlang.catalog`): setting keys, the names each setting accepts and their arguments.

Nothing here lists names. Which kinds of names a setting takes is read from the catalog
too: the kind of the key's value parameter (``optimizer = adam``: ``optimizer``;
``train { gradient = adjoint }``: ``gradient``), and after a pipe the kind documented
as ``KEY = ... |> step(...)`` (``data`` then ``preprocess``).

Example::

    >>> [e.name for e in setting_keys("train")][:2]
    ['epochs', 'maxiter']
    >>> value_kinds(None, "data", True), value_kinds("train", "gradient", False)
    (('preprocess',), ('gradient',))
    >>> find("adam", value_kinds(None, "optimizer", False)).kind
    'optimizer'
"""

from __future__ import annotations

from functools import cache
from typing import Any

from qlang import catalog
from qlang.catalog import KINDS, Entry
from qlang.catalog.schema import OPAQUE, value_text

__all__ = [
    "entry_markdown",
    "find",
    "keys_kind",
    "names",
    "param_markdown",
    "setting_keys",
    "value_kinds",
]


def keys_kind(block: str | None) -> str:
    """The catalog kind whose entries are the keys of ``block`` (``None``: the model)."""
    if block is not None and block != "quantum" and block in KINDS and catalog.names(block):
        if catalog.lookup("model", block) is not None:
            return block
    return "model"


def setting_keys(block: str | None) -> list[Entry]:
    """Entries that may be written as ``key = ...`` (or ``key { ... }``) in ``block``."""
    kind = keys_kind(block)
    out = list(catalog.entries(kind))
    if kind == "model":
        want = "quantum" if block == "quantum" else "model"
        out = [e for e in out if getattr(e.info, want, True)]
    return out


@cache
def _piped_kinds(key: str) -> tuple[str, ...]:
    """Kinds of the steps piped after a model key: the kinds documented as
    ``KEY = ... |> step(...)`` (``data``: ``preprocess``; ``readout``: ``post``)."""
    return tuple(
        k.name for k in KINDS.values() if k.doc.replace(" ", "").startswith(f"`{key}=...|>")
    )


def value_kinds(block: str | None, key: str | None, piped: bool) -> tuple[str, ...]:
    """The catalog kinds a setting's value may name (``optimizer = adam``: ``optimizer``;
    ``data = iris() |> pca(2)``: ``data``, then ``preprocess`` after the pipe)."""
    if key is None:
        return ()
    kind = keys_kind(block)
    if kind == "model" and piped and _piped_kinds(key):
        return _piped_kinds(key)
    entry = catalog.lookup(kind, key)
    if entry is None:
        return ()
    return tuple(dict.fromkeys(p.kind for p in entry.params if p.kind))


def names(kind: str) -> tuple[str, ...]:
    return tuple(catalog.names(kind))


def find(name: str, kinds: tuple[str, ...] = ()) -> Entry | None:
    """The entry ``name`` among ``kinds`` first, then among every kind but model keys."""
    for kind in kinds:
        e = catalog.lookup(kind, name)
        if e is not None:
            return e
    for kind in KINDS:
        if kind in kinds or kind == "model" or keys_kind(kind) == kind:
            continue
        e = catalog.lookup(kind, name)
        if e is not None:
            return e
    return None


def param_markdown(entry: Entry, p: Any) -> str:
    """Hover text of one argument of a catalog entry."""
    lines = [f"```qlang\n{entry.name}({p.signature()})\n```", p.doc]
    allowed = p.allowed()
    if allowed:
        lines.append(f"allowed: {allowed}")
    return "\n\n".join(x for x in lines if x)


def entry_markdown(entry: Entry) -> str:
    """Hover text of a catalog entry: signature, documentation, arguments, status."""
    kind = KINDS[entry.kind]
    if entry.value_key:
        value = entry.params[0] if entry.params else None
        if getattr(entry.info, "block", False):
            head = f"{entry.name} {{ ... }}"
        else:
            what = f"<{KINDS[value.kind].title}>" if value is not None and value.kind else "..."
            head = f"{entry.name} = {what}"
        parts = [f"```qlang\n{head}\n```", f"*{kind.title}*: {entry.doc}"]
        if value is not None and value.default is not None and not value.required:
            parts.append(f"default: `{value_text(value.default)}`")
        if value is not None and value.type != OPAQUE and value.allowed():
            parts.append(f"allowed: {value.allowed()}")
    else:
        parts = [f"```qlang\n{entry.signature()}\n```", f"*{kind.title}*: {entry.doc}"]
        if entry.params:
            parts.append("\n".join(f"- `{p.signature()}`: {p.doc}" for p in entry.params))
    if entry.tasks:
        parts.append("tasks: " + ", ".join(f"`{t}`" for t in entry.tasks))
    if not entry.status.ok:
        parts.append(f"**not supported yet**: {entry.status.reason}")
    return "\n\n".join(parts)
