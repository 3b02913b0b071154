"""Flat parameter tables: inputs and weights declared while lowering.

Example::

    >>> t = ParamTable()
    >>> w = t.add_weight("theta", (2,), None, False, None)
    >>> w, t.weights[0].offset
    ((Weight(index=0), Weight(index=1)), 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import Any

from qlang.ir import expr as E
from qlang.ir.circuit import ParamDecl
from qlang.limits import MAX_ARRAY_ELEMENTS
from qlang.semantics.codes import fail
from qlang.semantics.values import Init, reshape
from qlang.source import Span

DEFAULT_INIT = Init("uniform", (0.0, 6.283185307179586))


@dataclass
class ParamTable:
    """Inputs and weights of one circuit, in declaration order."""

    inputs: list[ParamDecl] = field(default_factory=list)
    weights: list[ParamDecl] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    def unique(self, name: str) -> str:
        taken = {d.name for d in self.inputs} | {d.name for d in self.weights}
        if name not in taken:
            return name
        k = 1
        while f"{name}_{k}" in taken:
            k += 1
        return f"{name}_{k}"

    def add_weight(
        self, name: str, shape: tuple[int, ...], init: Init | None, frozen: bool, span: Span | None
    ) -> Any:
        _check_size(name, shape, span, "weights")
        offset = sum(d.size for d in self.weights)
        name = self.unique(name)
        init = init or DEFAULT_INIT
        decl = ParamDecl(name, shape, offset, init.spec(), frozen, span=span)
        self.weights.append(decl)
        value = _block(E.Weight, offset, shape)
        self.values[name] = value
        return value

    def add_input(self, name: str, shape: tuple[int, ...], span: Span | None) -> Any:
        _check_size(name, shape, span, "inputs")
        offset = sum(d.size for d in self.inputs)
        name = self.unique(name)
        self.inputs.append(ParamDecl(name, shape, offset, span=span))
        value = _block(E.Input, offset, shape)
        self.values[name] = value
        return value


def _check_size(name: str, shape: tuple[int, ...], span: Span | None, what: str) -> None:
    """``QL0822`` before an array of more than ``MAX_ARRAY_ELEMENTS`` is built."""
    size = prod(shape) if shape else 1
    if size > MAX_ARRAY_ELEMENTS or any(d < 0 for d in shape):
        dims = ", ".join(f"{d:,}" for d in shape)
        raise fail(
            "QL0822",
            f"`{name}` declares {size:,} {what} ([{dims}]), more than the limit of "
            f"{MAX_ARRAY_ELEMENTS:,}",
            span,
            help="use a smaller shape, or reduce the data (e.g. `|> pca(k)`)",
        )


def _block(kind: type, offset: int, shape: tuple[int, ...]) -> Any:
    size = prod(shape) if shape else 1
    flat = [kind(offset + i) for i in range(size)]
    return reshape(flat, shape) if shape else flat[0]
