"""The pass protocol.

A pass is a small frozen dataclass: its fields are its typed options, ``name``
is a kebab-case class variable, and ``requires``/``ensures``/``invalidates``
declare the IR properties it needs and establishes (checked when a pipeline
is built). ``run`` returns a new circuit and never mutates its input.

Example::

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class DropBarriers(Pass):
    ...     name: ClassVar[str] = "drop-barriers"
    ...     def run(self, circuit):
    ...         ops = tuple(op for op in circuit.ops if op.name != "barrier")
    ...         return PassResult(circuit.with_ops(ops), changed=len(ops) != len(circuit.ops))
    >>> DropBarriers().spec()
    'drop-barriers'
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

from qlang.ir.circuit import Circuit

#: Well-known IR properties passes can require or ensure.
IN_BASIS = "in-basis"  # every gate is in the target basis
LAYOUT_ASSIGNED = "layout-assigned"  # logical qubits are placed on physical qubits
ROUTED = "routed"  # every 2-qubit gate acts on a coupling-map edge
PROPERTIES = frozenset({IN_BASIS, LAYOUT_ASSIGNED, ROUTED})


@dataclass(frozen=True, slots=True)
class PassResult:
    circuit: Circuit
    changed: bool


@dataclass(frozen=True)
class Pass:
    name: ClassVar[str] = "abstract-pass"
    requires: ClassVar[frozenset[str]] = frozenset()
    ensures: ClassVar[frozenset[str]] = frozenset()
    #: Properties a run may destroy (e.g. resynthesis leaves the basis).
    invalidates: ClassVar[frozenset[str]] = frozenset()

    def run(self, circuit: Circuit) -> PassResult:  # pragma: no cover - interface
        raise NotImplementedError

    def options(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def spec(self) -> str:
        """CLI spelling: ``name`` or ``name{opt=value,...}``."""
        opts = self.options()
        if not opts:
            return self.name
        inner = ",".join(f"{k}={_fmt(v)}" for k, v in opts.items())
        return f"{self.name}{{{inner}}}"

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "options": {k: _jsonable(v) for k, v in self.options().items()}}


def _fmt(v: object) -> str:
    if isinstance(v, (tuple, list)):
        return ":".join(str(x) for x in v)
    return str(v)


def _jsonable(v: object) -> object:
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    return v
