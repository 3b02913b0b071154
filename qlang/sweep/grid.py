"""Sweep grids: ``optimizer = [cobyla(), adam()]; seed = 0..3`` as axes, and the model
source of one combination.

A grid comes from ``qlang sweep --grid TEXT`` or a ``sweep { ... }`` block of the model.
Both are parsed by the qlang parser (``TEXT`` as the items of a model block), never
evaluated: a value is kept as its source text and put into the model's source in place
of the setting it replaces, so each run trains an ordinary model file (stored in its run
folder's provenance through the source hash). Keys:

* a model setting (``optimizer``, ``encoding``, ``ansatz``, ``readout``, ``loss``, ...);
* a ``train``/``target`` setting by its name (``seed``, ``epochs``, ``noise``, ...) or,
  where both blocks have it, ``train_shots`` / ``target_shots``.

Values: a list ``[a, b]`` (one run each), an integer range ``lo..hi`` (half-open, as in
the language) or one value (the same in every run).

Example::

    >>> axes = parse_grid("optimizer = [adam(lr = 0.1), sgd()]; seed = 0..2")
    >>> [(a.key, a.values) for a in axes]
    [('optimizer', ('adam(lr = 0.1)', 'sgd()')), ('seed', ('0', '1'))]
    >>> src = "model m {\\n  optimizer = adam()\\n  train { epochs = 2 }\\n}\\n"
    >>> print(variant_source(src, "m", {"optimizer": "sgd()", "seed": "1"}), end="")
    model m {
      optimizer = sgd()
      train { seed = 1; epochs = 2 }
    }
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from qlang import ast as A
from qlang import catalog
from qlang.diagnostics import Diagnostic, QLangError, did_you_mean
from qlang.source import Span

#: the most runs one sweep may expand into (``QL0903``)
MAX_RUNS = 10_000
#: the blocks whose settings a grid may set
BLOCKS = ("train", "target")
#: the prefix of the grid text when it is parsed as a model block
_PREFIX = "model grid {\n"


@dataclass(frozen=True, slots=True)
class Axis:
    """One key of a grid: where it goes (``block`` ``None``: a model setting) and the
    source text of each value."""

    key: str
    block: str | None
    name: str
    values: tuple[str, ...]

    @property
    def varies(self) -> bool:
        return len(self.values) > 1


def _fail(code: str, message: str, span: Span | None = None, help: str | None = None) -> NoReturn:
    raise QLangError([Diagnostic.error(code, message, span, help=help)])


def _model_keys() -> tuple[str, ...]:
    return tuple(e.name for e in catalog.entries("model") if not e.info.block)


def resolve_key(key: str, span: Span | None = None) -> tuple[str | None, str]:
    """``(block, name)`` a grid key sets (``QL0900`` for an unknown or ambiguous key).

    >>> resolve_key("optimizer"), resolve_key("seed"), resolve_key("target_shots")
    ((None, 'optimizer'), ('train', 'seed'), ('target', 'shots'))
    """
    if key in _model_keys():
        return None, key
    for block in BLOCKS:
        prefix = f"{block}_"
        if key.startswith(prefix) and key[len(prefix) :] in catalog.names(block):
            return block, key[len(prefix) :]
    owners = [b for b in BLOCKS if key in catalog.names(b)]
    if len(owners) == 1:
        return owners[0], key
    if len(owners) > 1:
        _fail(
            "QL0900",
            f"`{key}` is a setting of both {' and '.join(f'`{b}`' for b in owners)}",
            span,
            " or ".join(f"`{b}_{key}`" for b in owners) + " says which",
        )
    known = _model_keys() + tuple(n for b in BLOCKS for n in catalog.names(b))
    _fail(
        "QL0900",
        f"`{key}` is not a setting a sweep can vary",
        span,
        did_you_mean(key, known) or f"settings: {', '.join(known)}",
    )


def _values(value: A.Expr, text: str) -> tuple[str, ...]:
    def src(node: A.Node) -> str:
        assert node.span is not None
        return text[node.span.start : node.span.end].strip().rstrip(",;").strip()

    if isinstance(value, A.ListExpr):
        if not value.items:
            _fail("QL0900", "an empty list of values gives no runs", value.span)
        return tuple(src(v) for v in value.items)
    if isinstance(value, A.Range):
        ends = []
        for end in (value.lo, value.hi):
            if not isinstance(end, A.Number) or not isinstance(end.value, int):
                _fail(
                    "QL0900",
                    "a range of values needs integer literals at both ends (`0..5`)",
                    value.span,
                )
            ends.append(int(end.value))
        lo, hi = ends
        if hi <= lo:
            _fail("QL0900", f"the range `{lo}..{hi}` is empty (`lo..hi` stops before hi)", value.span)
        if hi - lo > MAX_RUNS:
            _fail("QL0903", f"the range `{lo}..{hi}` has more than {MAX_RUNS} values", value.span)
        return tuple(str(v) for v in range(lo, hi))
    return (src(value),)


def axes_of(items: Sequence[A.ModelItem], text: str) -> list[Axis]:
    """The axes of the items of a ``sweep { ... }`` block (or a parsed ``--grid``)."""
    axes: list[Axis] = []
    seen: dict[tuple[str | None, str], str] = {}
    for it in items:
        if not isinstance(it, A.Setting):
            _fail("QL0900", "a sweep holds only `key = values` entries", it.span)
        block, name = resolve_key(it.key, it.span)
        if (block, name) in seen:
            _fail(
                "QL0900",
                f"`{it.key}` is swept twice (also as `{seen[block, name]}`)",
                it.span,
            )
        seen[block, name] = it.key
        axes.append(Axis(it.key, block, name, _values(it.value, text)))
    count = 1
    for a in axes:
        count *= len(a.values)
        if count > MAX_RUNS:
            _fail("QL0903", f"the sweep expands into more than {MAX_RUNS} runs")
    return axes


def parse_grid(grid: str) -> list[Axis]:
    """The axes of ``--grid`` text (parsed as the items of a model block)."""
    from qlang.parser import parse

    text = f"{_PREFIX}{grid}\n}}\n"
    tree = parse(text, "--grid")
    models = [d for d in tree.items if isinstance(d, A.ModelDef)]
    if len(tree.items) != 1 or len(models) != 1:
        _fail("QL0900", "`--grid` is `key = values` entries separated by `;`")
    return axes_of(models[0].items, text)


def merge(file_axes: Sequence[Axis], grid_axes: Sequence[Axis]) -> list[Axis]:
    """The file's ``sweep`` axes with ``--grid`` axes replacing those of the same setting."""
    replaced = {(a.block, a.name) for a in grid_axes}
    return [a for a in file_axes if (a.block, a.name) not in replaced] + list(grid_axes)


def combinations(axes: Sequence[Axis]) -> list[dict[str, str]]:
    """Every combination of values, the last axis varying fastest (key -> value text)."""
    return [
        dict(zip((a.key for a in axes), combo, strict=True))
        for combo in itertools.product(*(a.values for a in axes))
    ]


def find_model(tree: A.Module, name: str | None) -> A.ModelDef:
    models = [d for d in tree.items if isinstance(d, A.ModelDef)]
    chosen = [m for m in models if name is None or m.name == name]
    if len(chosen) != 1:
        what = f"no model `{name}`" if name else f"{len(models)} models (name one with `--model`)"
        _fail("QL0900", f"the file has {what}")
    return chosen[0]


def sweep_block(model: A.ModelDef) -> A.Block | None:
    blocks = [b for b in model.items if isinstance(b, A.Block) and b.kind == "sweep"]
    if len(blocks) > 1:
        _fail("QL0900", "a model has at most one `sweep` block", blocks[1].span)
    return blocks[0] if blocks else None


def variant_source(
    text: str, model: str | None, values: Mapping[str, str], tree: A.Module | None = None
) -> str:
    """The source of the file with ``values`` (grid key -> value text) put into the
    model and its ``sweep`` block removed."""
    from qlang.parser import parse

    tree = tree if tree is not None else parse(text, "<sweep>")
    md = find_model(tree, model)
    assert md.span is not None
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    sb = sweep_block(md)
    if sb is not None and sb.span is not None:
        edits.append((sb.span.start, sb.span.end, ""))
    missing: dict[str | None, list[str]] = {}
    for key, value in values.items():
        block, name = resolve_key(key)
        holder: A.ModelDef | A.Block | None = md
        if block is not None:
            holder = next(
                (b for b in md.items if isinstance(b, A.Block) and b.kind == block), None
            )
        setting = None
        if holder is not None:
            setting = next(
                (s for s in holder.items if isinstance(s, A.Setting) and s.key == name), None
            )
        if setting is not None:
            assert setting.value.span is not None
            edits.append((setting.value.span.start, setting.value.span.end, value))
        elif holder is not None and block is not None:
            assert holder.span is not None
            brace = text.index("{", holder.span.start) + 1
            edits.append((brace, brace, f" {name} = {value};"))
        else:
            missing.setdefault(block, []).append(f"{name} = {value}")
    end = text.rindex("}", md.span.start, md.span.end)
    for block, entries in missing.items():
        if block is None:
            add = "".join(f"  {e}\n" for e in entries)
        else:
            add = f"  {block} {{ {'; '.join(entries)} }}\n"
        edits.append((end, end, add))
    out = text
    for start, stop, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:start] + new + out[stop:]
    return out
