"""Parsed standard-library modules kept between runs, as JSON data.

Every ``qlang check`` of a model that imports ``encodings.angle`` used to parse the whole
``encodings.qml`` and ``ansatze.qml`` with Lark: about 0.1 s of a 0.4 s command. The tree
of a stdlib module depends only on its text and on the parser, so it is stored once in the
user's cache folder (the folder of :mod:`qlang.parser_tables`: ``QLANG_CACHE_DIR``, or
``$XDG_CACHE_HOME/qlang``; ``QLANG_CACHE_DIR=off`` disables it) under a key that hashes the
text, the grammar, the parser's own source files and the Lark version, and later runs
rebuild the tree from it in a few milliseconds. The file is data only: node classes are
looked up by name among :mod:`qlang.ast`'s classes, nothing is executed, and a stale,
unreadable or malformed file is ignored (the module is parsed again and the file
rewritten atomically). User files are never cached: they change, the stdlib does not.

Example::

    >>> from qlang.parser import parse
    >>> tree = parse("const k = 2 * pi;")
    >>> decode(encode(tree), source=0) == tree
    True
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from dataclasses import fields
from importlib import resources
from typing import Any

import lark

from qlang import ast as A
from qlang.fileio import atomic_write_text
from qlang.parser import parse
from qlang.parser_tables import cache_dir
from qlang.source import GLOBAL_SOURCES, SourceMap, Span

FORMAT = "qlang-ast-cache-1"


@functools.cache
def _node_classes() -> dict[str, tuple[type[A.Node], int]]:
    """Every concrete AST node class by name, with its number of fields (``span`` aside)."""
    found: dict[str, tuple[type[A.Node], int]] = {}
    for value in vars(A).values():
        if isinstance(value, type) and issubclass(value, A.Node) and value is not A.Node:
            found[value.__name__] = (value, sum(1 for f in fields(value) if f.name != "span"))
    return found


def encode(node: A.Node) -> Any:
    """The tree as JSON-ready data: a node is ``[name, start, end, field...]``, a tuple is
    ``{"t": [...]}``, and plain values (str, int, float, bool, None) stand for themselves."""
    span = node.span
    out: list[Any] = [type(node).__name__, span.start if span else -1, span.end if span else -1]
    for f in fields(node):
        if f.name != "span":
            out.append(_encode_value(getattr(node, f.name)))
    return out


def _encode_value(value: Any) -> Any:
    if isinstance(value, A.Node):
        return encode(value)
    if isinstance(value, tuple):
        return {"t": [_encode_value(v) for v in value]}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} in the AST cache")


def decode(data: Any, *, source: int) -> A.Module:
    """The tree :func:`encode` stored, with spans in ``source``; raises ``ValueError`` on
    anything that is not such a tree."""
    tree = _decode_node(data, source, _node_classes())
    if not isinstance(tree, A.Module):
        raise ValueError("the stored tree is not a module")
    return tree


def _decode_node(data: Any, source: int, classes: dict[str, tuple[type[A.Node], int]]) -> A.Node:
    if not isinstance(data, list) or len(data) < 3 or not isinstance(data[0], str):
        raise ValueError("malformed node")
    entry = classes.get(data[0])
    if entry is None or len(data) != 3 + entry[1]:
        raise ValueError(f"unknown node {data[0]!r}")
    start, end = data[1], data[2]
    if type(start) is not int or type(end) is not int:
        raise ValueError("malformed span")
    span = Span(source, start, end) if start >= 0 else None
    args = [_decode_value(v, source, classes) for v in data[3:]]
    return entry[0](*args, span=span)  # type: ignore[call-arg]


def _decode_value(value: Any, source: int, classes: dict[str, tuple[type[A.Node], int]]) -> Any:
    if isinstance(value, list):
        return _decode_node(value, source, classes)
    if isinstance(value, dict):
        items = value.get("t")
        if len(value) != 1 or not isinstance(items, list):
            raise ValueError("malformed tuple")
        return tuple(_decode_value(v, source, classes) for v in items)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise ValueError("malformed value")


@functools.cache
def _parser_fingerprint() -> str:
    """What else a parse depends on: the grammar, the parser's source files, Lark."""
    h = hashlib.sha256(FORMAT.encode())
    h.update(lark.__version__.encode())
    h.update(resources.files("qlang.grammar").joinpath("qlang.lark").read_bytes())
    for name in ("qlang.parser", "qlang.ast_builder", "qlang.ast", "qlang.ast_cache"):
        file = getattr(sys.modules.get(name), "__file__", None)
        h.update(open(file, "rb").read() if file else name.encode())  # noqa: SIM115
    return h.hexdigest()


def parse_stdlib(text: str, filename: str, *, sources: SourceMap = GLOBAL_SOURCES) -> A.Module:
    """``parse(text, filename)`` for a stdlib module, served from the cache when a current
    copy is there (the text is registered in ``sources`` either way, so diagnostics that
    point into the stdlib still show its lines)."""
    folder = cache_dir()
    if folder is None:
        return parse(text, filename, sources=sources)
    key = hashlib.sha256((_parser_fingerprint() + "\0" + text).encode()).hexdigest()[:32]
    path = folder / f"stdlib-{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        data = None
    if data is not None:
        try:
            return decode(data, source=sources.add(filename, text).id)
        except (ValueError, TypeError, RecursionError):
            pass  # malformed: parse again and overwrite below
    tree = parse(text, filename, sources=sources)
    try:
        atomic_write_text(path, json.dumps(encode(tree), separators=(",", ":")))
    except OSError:
        pass  # an unwritable cache only costs the parse
    return tree
