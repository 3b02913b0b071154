"""Diagnostic codes of the targets and the OpenQASM importer (QL0501-QL0549).

Registered into :data:`qlang.errors.CODES` on import (``docs/errors.md`` is
generated from there); ``docs/errors/targets.md`` has the longer notes.

Example::

    >>> from qlang.errors import CODES
    >>> CODES["QL0503"].title
    'unknown gate'
"""

from __future__ import annotations

from qlang.errors import ErrorInfo, register

_H3 = 'OPENQASM 3.0;\ninclude "stdgates.inc";\n'

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo("QL0501", "OpenQASM syntax error", _H3 + "qubit[2] q;\nh q[0]",
              _H3 + "qubit[2] q;\nh q[0];",
              "The reference parser (`openqasm3`) rejected the text at the caret."),
    ErrorInfo("QL0502", "unsupported include file", _H3 + 'include "mygates.inc";',
              _H3 + "gate mygate a { h a; }",
              "Only `stdgates.inc` and `qelib1.inc` are known; paste other definitions in."),
    ErrorInfo("QL0503", "unknown gate", _H3 + "qubit[1] q;\nfoo q[0];",
              _H3 + "gate foo a { h a; }\nqubit[1] q;\nfoo q[0];",
              "Not an IR gate, an alias, a qelib1/stdgates gate, nor defined in the file."),
    ErrorInfo("QL0504", "wrong number of gate parameters or qubits", _H3 + "qubit[2] q;\nrx q[0];",
              _H3 + "qubit[2] q;\nrx(0.5) q[0];"),
    ErrorInfo("QL0505", "undefined identifier", _H3 + "qubit[1] q;\nrx(theta) q[0];",
              _H3 + "input float[64] theta;\nqubit[1] q;\nrx(theta) q[0];"),
    ErrorInfo("QL0506", "index out of range", _H3 + "qubit[2] q;\nx q[2];",
              _H3 + "qubit[2] q;\nx q[1];"),
    ErrorInfo("QL0507", "unsupported statement",
              _H3 + "qubit[1] q;\nbit[1] c;\nwhile (c[0]) { x q[0]; }",
              _H3 + "qubit[1] q;\nbit[1] c;\nif (c[0]) { x q[0]; }",
              "`while`, `switch`, `def`, `extern`, `box`, `delay`, `output`, calibrations and "
              "run-time classical assignments cannot be imported."),
    ErrorInfo("QL0508", "unsupported or non-constant expression",
              _H3 + "qubit[1] q;\nbit[2] c;\nrx(popcount(c)) q[0];",
              _H3 + "input float[64] a;\nqubit[1] q;\nrx(2 * sin(a)) q[0];",
              "Angles may use + - * / **, pi/tau/euler and sin cos tan arcsin arccos arctan exp "
              "log sqrt; sizes and indices must be compile-time integers."),
    ErrorInfo("QL0509", "unsupported classical condition",
              _H3 + "qubit[1] q;\nbit[2] c;\nif (c == 1) { x q[0]; } else { z q[0]; }",
              _H3 + "qubit[1] q;\nbit[2] c;\nif (c == 1) { x q[0]; }\nif (c == 0) { z q[0]; }",
              "Conditions test one bit or a whole register against a literal; `else` only on "
              "single-bit conditions."),
    ErrorInfo("QL0510", "unsupported gate modifier", _H3 + "qubit[1] q;\npow(0.5) @ x q[0];",
              _H3 + "qubit[1] q;\nsx q[0];"),
    ErrorInfo("QL0511", "opaque gate", 'OPENQASM 2.0;\ninclude "qelib1.inc";\nopaque g a;',
              'OPENQASM 2.0;\ninclude "qelib1.inc";\ngate g a { h a; }'),
    ErrorInfo("QL0512", "name declared twice", _H3 + "qubit[2] q;\nqubit[3] q;",
              _H3 + "qubit[2] q;\nqubit[3] r;"),
    ErrorInfo("QL0513", "register sizes differ in a broadcast gate",
              _H3 + "qubit[2] a;\nqubit[3] b;\ncx a, b;",
              _H3 + "qubit[2] a;\nqubit[2] b;\ncx a, b;"),
    ErrorInfo("QL0514", "unsupported input type", _H3 + "input int[32] n;",
              _H3 + "input float[64] n;"),
    ErrorInfo("QL0515", "cannot read the file", "qlang compile missing.qasm",
              "qlang compile circuits/bell.qasm",
              "The path does not exist, is a directory, or is not UTF-8 text."),
    ErrorInfo("QL0516", "repeated qubit in one gate", _H3 + "qubit[2] q;\ncx q[0], q[0];",
              _H3 + "qubit[2] q;\ncx q[0], q[1];"),
    ErrorInfo("QL0517", "loop unrolls too far",
              _H3 + "qubit[1] q;\nfor int i in [0:2000000] { x q[0]; }",
              _H3 + "qubit[1] q;\nfor int i in [0:1] { x q[0]; }",
              "More than 1,000,000 loop iterations or 5,000,000 operations."),
    ErrorInfo("QL0518", "unsupported OpenQASM version", "OPENQASM 4.0;", "OPENQASM 3.0;"),
    ErrorInfo("QL0520", "unknown target", 'qlang.compile("m.qml", target="cirq")',
              'qlang.compile("m.qml", target="qiskit")'),
    ErrorInfo("QL0521", "bad optimisation level", 'qlang.compile("m.qml", optimization_level=5)',
              'qlang.compile("m.qml", optimization_level=3)'),
)  # fmt: skip

for _entry in ENTRIES:
    register(_entry)

#: ``code -> title`` for the codes of this area.
CODES: dict[str, str] = {e.code: e.title for e in ENTRIES}
