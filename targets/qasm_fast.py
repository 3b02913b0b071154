"""A fast line parser for flat OpenQASM 2/3 programs.

Large files exported by other tools are mostly one gate per line with literal
angles. This parser reads exactly that subset (``qubit``/``qreg`` and
``bit``/``creg`` declarations before the first operation, ``input float``,
IR gates and their aliases on indexed qubits with numeric or ``pi``-multiple
angles, ``measure``, ``reset``, ``barrier``, comments) and gives up - returning
``None`` - on anything else, so the caller falls back to the reference parser,
which also produces every diagnostic.

Example::

    >>> c = try_parse('OPENQASM 2.0;\\ninclude "qelib1.inc";\\nqreg q[2];\\n'
    ...               'h q[0];\\ncx q[0],q[1];\\nu1(pi/4) q[1];\\n', 0, "demo")
    >>> [(op.name, op.qubits) for op in c.ops]
    [('h', (0,)), ('cx', (0, 1)), ('p', (1,))]
"""

from __future__ import annotations

import functools
import math
import re

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.gates import ALIASES, GATES
from qlang.source import Span

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_GATE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([^()]*)\))?\s+([^;]*);")
_QARG = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\[\s*(\d+)\s*\]\s*")
_MEASURE3 = re.compile(
    r"([A-Za-z_]\w*)\s*\[\s*(\d+)\s*\]\s*=\s*measure\s+([A-Za-z_]\w*)\s*\[\s*(\d+)\s*\]\s*;"
)
_MEASURE2 = re.compile(
    r"measure\s+([A-Za-z_]\w*)\s*\[\s*(\d+)\s*\]\s*->\s*([A-Za-z_]\w*)\s*\[\s*(\d+)\s*\]\s*;"
)
_QDECL = re.compile(
    r"(?:qubit\s*\[\s*(\d+)\s*\]\s*([A-Za-z_]\w*)|qreg\s+([A-Za-z_]\w*)\s*\[\s*(\d+)\s*\])\s*;"
)
_CDECL = re.compile(
    r"(?:bit\s*\[\s*(\d+)\s*\]\s*([A-Za-z_]\w*)|creg\s+([A-Za-z_]\w*)\s*\[\s*(\d+)\s*\])\s*;"
)
_INPUT = re.compile(r"input\s+(?:float|angle)\s*(?:\[\s*\d+\s*\])?\s+([A-Za-z_]\w*)\s*;")
_ANGLE = re.compile(
    rf"^(?P<sign>-)?\s*(?:(?P<num>{_NUM})|(?:(?P<coef>{_NUM})\s*\*\s*)?(?P<pi>pi|π)"
    rf"(?:\s*/\s*(?P<den>{_NUM}))?)$"
)
_EXTRA = {"U": "u", "CX": "cx"}
Regs = dict[str, tuple[int, int]]  # register name -> (offset, size)
Shape = tuple[str, tuple[int, ...], tuple[E.Expr, ...]]
_WORD = re.compile(r"[A-Za-z_]\w*")
_HEADER = re.compile(r'(OPENQASM\s+[23](?:\.\d+)?|include\s+"(?:stdgates\.inc|qelib1\.inc)")\s*;')


class _GiveUp(Exception):
    pass


def try_parse(text: str, source_id: int, name: str = "main") -> Circuit | None:
    """The circuit, or ``None`` when the program leaves the flat subset."""
    try:
        return _parse(text, source_id, name)
    except _GiveUp:
        return None


def _parse(text: str, source_id: int, name: str) -> Circuit:
    qregs: Regs = {}
    cregs: Regs = {}
    inputs: list[str] = []
    input_index: dict[str, int] = {}
    ops: list[Operation] = []
    memo: dict[str, Shape] = {}
    offset = 0
    for raw in text.splitlines(keepends=True):
        start = offset
        offset += len(raw)
        line = raw.strip()
        if "//" in line:
            line = line.split("//", 1)[0].rstrip()
        if not line:
            continue
        lead = start + len(raw) - len(raw.lstrip())
        span = Span(source_id, lead, lead + len(line))
        shape = memo.get(line)
        if shape is not None:  # big files repeat lines: parse each distinct gate line once
            ops.append(Operation(shape[0], shape[1], shape[2], (), None, span))
            continue
        if line.count(";") != 1 or not line.endswith(";"):
            raise _GiveUp
        word = _WORD.match(line)
        first = word.group() if word else ""
        if first in ("OPENQASM", "include"):
            if not _HEADER.fullmatch(line):
                raise _GiveUp
        elif first in ("qubit", "qreg"):
            m = _QDECL.fullmatch(line)
            if m is None or ops:
                raise _GiveUp
            _declare(qregs, cregs, m)
        elif first in ("bit", "creg"):
            m = _CDECL.fullmatch(line)
            if m is None or ops:
                raise _GiveUp
            _declare(cregs, qregs, m)
        elif first == "input":
            m = _INPUT.fullmatch(line)
            if m is None or m.group(1) in input_index or ops:
                raise _GiveUp
            input_index[m.group(1)] = len(inputs)
            inputs.append(m.group(1))
        elif first == "measure" or "measure" in line:
            ops.append(_measure(line, qregs, cregs, span))
        elif first in ("reset", "barrier"):
            ops.append(_plain(first, line[len(first) : -1], qregs, span))
        else:
            shape = memo[line] = _gate(line, qregs, input_index)
            ops.append(Operation(shape[0], shape[1], shape[2], (), None, span))
    circuit = Circuit(
        num_qubits=sum(size for _, size in qregs.values()),
        ops=tuple(ops),
        num_clbits=sum(size for _, size in cregs.values()),
        inputs=tuple(ParamDecl(n, (), i) for i, n in enumerate(inputs)),
        name=name,
    )
    return circuit


def _declare(regs: Regs, other: Regs, m: re.Match[str]) -> None:
    name, size = (m.group(2), int(m.group(1))) if m.group(1) else (m.group(3), int(m.group(4)))
    if name in regs or name in other:
        raise _GiveUp
    regs[name] = (sum(n for _, n in regs.values()), size)


def _index(regs: Regs, name: str, idx: str | int) -> int:
    reg = regs.get(name)
    if reg is None or int(idx) >= reg[1]:
        raise _GiveUp
    return reg[0] + int(idx)


def _measure(line: str, qregs: Regs, cregs: Regs, span: Span) -> Operation:
    m = _MEASURE3.fullmatch(line)
    if m:
        c = _index(cregs, m.group(1), m.group(2))
        q = _index(qregs, m.group(3), m.group(4))
    else:
        m = _MEASURE2.fullmatch(line)
        if m is None:
            raise _GiveUp
        q = _index(qregs, m.group(1), m.group(2))
        c = _index(cregs, m.group(3), m.group(4))
    return Operation("measure", (q,), (), (c,), None, span)


def _qubit_list(args: str, qregs: Regs) -> tuple[int, ...]:
    pairs = _operands(args)
    if pairs is None:
        raise _GiveUp
    out = tuple(_index(qregs, reg, i) for reg, i in pairs)
    if len(set(out)) != len(out):
        raise _GiveUp
    return out


@functools.lru_cache(maxsize=4096)
def _operands(args: str) -> tuple[tuple[str, int], ...] | None:
    """``q[0], q[3]`` -> ``(("q", 0), ("q", 3))``; ``None`` for anything else."""
    out = []
    for part in args.split(","):
        m = _QARG.fullmatch(part)
        if m is None:
            return None
        out.append((m.group(1), int(m.group(2))))
    return tuple(out)


def _plain(name: str, args: str, qregs: Regs, span: Span) -> Operation:
    qs = _qubit_list(args, qregs)
    if name == "reset" and len(qs) != 1:
        raise _GiveUp
    return Operation(name, qs, (), (), None, span)


def _gate(line: str, qregs: Regs, input_index: dict[str, int]) -> Shape:
    m = _GATE.fullmatch(line)
    if m is None:
        raise _GiveUp
    raw_name, raw_params, raw_args = m.groups()
    name = _EXTRA.get(raw_name, ALIASES.get(raw_name, raw_name))
    gd = GATES.get(name)
    if gd is None or gd.num_qubits == 0:
        raise _GiveUp
    params = tuple(_angle(p, input_index) for p in raw_params.split(",")) if raw_params else ()
    qs = _qubit_list(raw_args, qregs)
    if len(params) != gd.num_params or len(qs) != gd.num_qubits:
        raise _GiveUp
    return name, qs, params


def _angle(text: str, input_index: dict[str, int]) -> E.Expr:
    t = text.strip()
    if t in input_index:
        return E.Input(input_index[t])
    return _const_angle(t)


@functools.lru_cache(maxsize=4096)
def _const_angle(t: str) -> E.Expr:
    m = _ANGLE.match(t)
    if m is None:
        raise _GiveUp
    if m.group("num") is not None:
        v = float(m.group("num"))
    else:
        v = math.pi * (float(m.group("coef")) if m.group("coef") else 1.0)
        if m.group("den"):
            den = float(m.group("den"))
            if den == 0:
                raise _GiveUp
            v /= den
    return E.Const(-v if m.group("sign") else v)
