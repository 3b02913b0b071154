"""Restore qlang's parameter blocks from the header comment of its own OpenQASM 3.

:func:`qlang.targets.qasm3.to_qasm3` lists every parameter in the header
(``//   3: theta_0_1 = weight theta[0,1]``). When an imported program carries
that list and it matches its ``input`` declarations exactly, the importer
rebuilds the original input and weight blocks (names, shapes, kinds), so a
round trip keeps ``theta[0,1]`` instead of a scalar input ``theta_0_1``.
Anything inconsistent leaves the plain scalar inputs untouched.

Example::

    >>> from qlang.ir.circuit import Circuit, ParamDecl
    >>> from qlang.ir.expr import Input
    >>> text = "//   0: x_0 = input x[0]\\n//   1: w = weight w\\n"
    >>> c = Circuit(0, (), inputs=(ParamDecl("x_0", (), 0), ParamDecl("w", (), 1)))
    >>> restore_parameter_blocks(c, text).parameter_names()
    ['x[0]', 'w']
"""

from __future__ import annotations

import re
from dataclasses import replace

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, ParamDecl

_ENTRY = re.compile(r"^//\s+(\d+): (\S+) = (input|weight) (\S+)\s*$", re.M)
_FLAT = re.compile(r"^([^\[\]]+)(?:\[(\d+(?:,\d+)*)\])?$")


def restore_parameter_blocks(circuit: Circuit, text: str) -> Circuit:
    """``circuit`` with its scalar inputs regrouped as in the header, when consistent."""
    entries = _ENTRY.findall(text)
    idents = circuit.input_names()
    if not entries or circuit.weights or [e[1] for e in entries] != idents:
        return circuit
    if [int(e[0]) for e in entries] != list(range(len(entries))):
        return circuit
    kinds = [e[2] for e in entries]
    n_in = kinds.count("input")
    if kinds != ["input"] * n_in + ["weight"] * (len(kinds) - n_in):
        return circuit
    inputs = _blocks([e[3] for e in entries[:n_in]])
    weights = _blocks([e[3] for e in entries[n_in:]])
    if inputs is None or weights is None:
        return circuit

    def repl(node: E.Expr) -> E.Expr | None:
        if isinstance(node, E.Input) and node.index >= n_in:
            return E.Weight(node.index - n_in)
        return None

    ops = tuple(
        replace(op, params=tuple(E.substitute(p, repl) for p in op.params)) for op in circuit.ops
    )
    return replace(
        circuit,
        ops=ops,
        inputs=inputs,
        weights=weights,
        global_phase=E.substitute(circuit.global_phase, repl),
    )


def _blocks(flat_names: list[str]) -> tuple[ParamDecl, ...] | None:
    """Consecutive flat names grouped into row-major blocks, or ``None`` if they are not."""
    groups: list[tuple[str, list[str]]] = []
    for flat in flat_names:
        m = _FLAT.match(flat)
        if m is None:
            return None
        base = m.group(1)
        if groups and groups[-1][0] == base and m.group(2) is not None:
            groups[-1][1].append(flat)
        else:
            groups.append((base, [flat]))
    decls: list[ParamDecl] = []
    offset = 0
    for base, names in groups:
        first = _FLAT.match(names[0])
        assert first is not None
        if first.group(2) is None:
            if len(names) != 1:
                return None
            decl = ParamDecl(base, (), offset)
        else:
            index = [tuple(int(i) for i in _FLAT.match(n).group(2).split(",")) for n in names]  # type: ignore[union-attr]
            if len({len(i) for i in index}) != 1:
                return None
            shape = tuple(max(col) + 1 for col in zip(*index, strict=True))
            decl = ParamDecl(base, shape, offset)
            if decl.flat_names() != names:
                return None
        if any(d.name == base for d in decls):
            return None
        decls.append(decl)
        offset += decl.size
    return tuple(decls)
