"""Import OpenQASM 2 and 3 programs into the circuit IR.

Programs go through the ``openqasm3`` reference parser (which also reads the
OpenQASM 2 forms ``qreg``/``creg``/``measure a -> b``/``if (c == n)``), except
flat programs, which a fast line parser reads (see
:mod:`qlang.targets.qasm_fast`). ``input float``/``input angle`` declarations
become circuit inputs, gate definitions are inlined (an in-file definition of
an IR gate name is kept as that IR gate when it has the same unitary), ``for``
loops are unrolled, ``ctrl``/``negctrl``/``inv``/``pow`` modifiers expanded
exactly, and ``if`` statements on bits become conditions. Anything else is
reported as a located ``QLangError`` (codes QL0501-QL0549,
docs/errors/targets.md).

Example::

    >>> c = import_qasm('OPENQASM 3.0; include "stdgates.inc"; input float[64] a;'
    ...                 ' qubit[2] q; h q[0]; cx q[0], q[1]; rz(2 * a) q[1];')
    >>> [op.name for op in c.ops], c.parameter_names()
    (['h', 'cx', 'rz'], ['a'])
"""

from __future__ import annotations

import re
from pathlib import Path

from qlang.targets import qasm_fast
from qlang.targets.qasm_header import restore_parameter_blocks
from qlang.targets.qasm_lower import Lowerer, ParseFailure, parse_reference

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir.circuit import Circuit, ParamDecl
from qlang.source import GLOBAL_SOURCES, SourceMap, Span

__all__ = ["import_qasm", "import_qasm_file"]

_VERSION = re.compile(r"^\s*(?://[^\n]*\n\s*)*OPENQASM\s+([0-9]+)(?:\.([0-9]+))?\s*;", re.M)
_OPAQUE = re.compile(r"^[ \t]*opaque\b[^;]*;", re.M)


def import_qasm(
    text: str,
    *,
    filename: str = "<qasm>",
    sources: SourceMap = GLOBAL_SOURCES,
    name: str | None = None,
    fast: bool = True,
) -> Circuit:
    """Parse an OpenQASM 2/3 program into a verified :class:`Circuit`."""
    src = sources.add(filename, text)
    circuit_name = name or (Path(filename).stem if not filename.startswith("<") else "main")
    m = _VERSION.search(text)
    if m and m.group(1) not in {"2", "3"}:
        span = _offset_span(src.id, m.start(1), m.end(0))
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0518",
                    f"unsupported OpenQASM version `{m.group(1)}`",
                    span,
                    help="qlang reads OpenQASM 2.0 and 3.x",
                )
            ],
            sources,
        )
    opaque = _OPAQUE.search(text)
    if opaque:
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0511",
                    "opaque gates have no definition to import",
                    _offset_span(src.id, opaque.start(), opaque.end()),
                    help="replace the `opaque` declaration by a `gate` definition",
                )
            ],
            sources,
        )
    if fast:
        circuit = qasm_fast.try_parse(text, src.id, circuit_name)
        if circuit is not None:  # the line parser checks ranges and arities itself
            return restore_parameter_blocks(circuit, text)
    try:
        program = parse_reference(text)
    except ParseFailure as exc:
        line_starts = _line_starts(text)
        line = max(1, min(exc.line, len(line_starts)))
        start = line_starts[line - 1] + max(0, exc.column)
        span = _offset_span(src.id, start, min(len(text), start + 1))
        raise QLangError(
            [Diagnostic.error("QL0501", f"OpenQASM syntax error: {exc.message}", span)], sources
        ) from None
    lowerer = Lowerer(src.id, text)
    lowerer.run(program)
    if lowerer.sink.has_errors:
        raise QLangError(lowerer.sink.diagnostics, sources)
    circuit = Circuit(
        num_qubits=lowerer.num_qubits,
        ops=tuple(lowerer.ops),
        num_clbits=lowerer.num_clbits,
        inputs=tuple(ParamDecl(n, (), i) for i, n in enumerate(lowerer.input_names)),
        global_phase=lowerer.phase,
        name=circuit_name,
    )
    circuit = restore_parameter_blocks(circuit, text)
    circuit.verify()
    return circuit


def import_qasm_file(path: str | Path, *, sources: SourceMap = GLOBAL_SOURCES) -> Circuit:
    """Read and import an OpenQASM file (QL0515 when it cannot be read)."""
    return import_qasm(read_qasm_file(path, sources), filename=str(path), sources=sources)


def read_qasm_file(path: str | Path, sources: SourceMap = GLOBAL_SOURCES) -> str:
    """The UTF-8 text of ``path``, or ``QL0515`` when it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0515",
                    f"cannot read `{path}`: {exc.__class__.__name__}",
                    help="check the path and that the file is UTF-8 text",
                )
            ],
            sources,
        ) from None


def _line_starts(text: str) -> list[int]:
    return [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]


def _offset_span(source: int, start: int, end: int) -> Span:
    return Span(source, start, max(start, end))
