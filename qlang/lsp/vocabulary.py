"""The model vocabulary for hover and completion, read from the one catalog
(:mod:`qlang.catalog`): setting keys, the names each setting accepts and their arguments.

Nothing here lists names: every name, document line and argument comes from the catalog.

Example::

    >>> [e.name for e in setting_keys("train")][:2]
    ['epochs', 'maxiter']
    >>> find("adam", value_kinds(None, "optimizer", False)).kind
    'optimizer'
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "entry_markdown",
    "find",
    "kinds_of_block",
    "names",
    "param_markdown",
    "setting_keys",
    "value_kinds",
]


def _catalog() -> Any:
    try:
        from qlang import catalog
    except ImportError:  # TEMPORARY until the catalog (issue 19) is on main
        return None
    return catalog


def kinds_of_block(block: str | None) -> str:
    """The catalog kind whose entries are the keys of a model block (``model`` itself)."""
    cat = _catalog()
    if cat is None:
        return "model"
    if block is None or block == "quantum":
        return "model"
    return block if block in cat.KINDS else "model"


def setting_keys(block: str | None) -> list[Any]:
    """Entries that may be written as ``key = ...`` (or ``key { ... }``) in ``block``."""
    cat = _catalog()
    if cat is None:
        return []
    kind = kinds_of_block(block)
    out = list(cat.entries(kind))
    if block == "quantum":
        out = [e for e in out if getattr(e.info, "quantum", False)]
    elif kind == "model":
        out = [e for e in out if getattr(e.info, "model", True)]
    return out


def value_kinds(block: str | None, key: str | None, piped: bool) -> tuple[str, ...]:
    """The catalog kinds a setting's value may name (``optimizer = adam``: ``optimizer``;
    ``data = iris() |> pca(2)``: ``data`` then ``preprocess``)."""
    cat = _catalog()
    if key is None or cat is None:
        return ()
    entry = cat.lookup(kinds_of_block(block), key)
    if entry is None:
        return ()
    found: list[str] = []
    for p in entry.params:
        for kind in (p.kind, *getattr(p, "kinds", ())):
            if kind and kind not in found:
                found.append(kind)
    if piped:
        pipe = getattr(entry, "pipe", None)
        if pipe:
            return (pipe, *found)
    return tuple(found)


def names(kind: str) -> tuple[str, ...]:
    cat = _catalog()
    return tuple(cat.names(kind)) if cat is not None else ()


def find(name: str, kinds: tuple[str, ...] = ()) -> Any:
    """The entry ``name`` among ``kinds`` first, then among every kind."""
    cat = _catalog()
    if cat is None:
        return None
    for kind in kinds:
        e = cat.lookup(kind, name)
        if e is not None:
            return e
    for kind in cat.KINDS:
        if kind in kinds or kind == "model":
            continue
        e = cat.lookup(kind, name)
        if e is not None:
            return e
    return None


def param_markdown(entry: Any, p: Any) -> str:
    lines = [f"```qlang\n{entry.name}({p.signature()})\n```", p.doc]
    allowed = p.allowed() if hasattr(p, "allowed") else ""
    if allowed:
        lines.append(f"allowed: {allowed}")
    return "\n\n".join(x for x in lines if x)


def entry_markdown(entry: Any) -> str:
    """The hover text of a catalog entry: signature, documentation, arguments, status."""
    cat = _catalog()
    kind = cat.KINDS[entry.kind]
    sig = entry.signature() if not getattr(entry, "value_key", False) else entry.name
    parts = [f"```qlang\n{sig}\n```", f"*{kind.title}*: {entry.doc}"]
    shown = [p for p in entry.params if not getattr(entry, "value_key", False)]
    if shown:
        parts.append("\n".join(f"- `{p.signature()}`: {p.doc}" for p in shown))
    tasks = getattr(entry, "tasks", ())
    if tasks:
        parts.append("tasks: " + ", ".join(f"`{t}`" for t in tasks))
    status = getattr(entry, "status", None)
    if status is not None and not status.ok:
        parts.append(f"**not supported yet**: {status.reason}")
    return "\n\n".join(parts)
