"""Codes of the targets and the OpenQASM importer (QL0501-QL0549): pure data.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0503"].title
    'unknown gate'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

_H3 = 'OPENQASM 3.0;\ninclude "stdgates.inc";\n'

AREA = Area(
    "targets",
    "Target and OpenQASM import errors",
    "Raised by `qlang compile` and `qlang.compile` while reading OpenQASM files "
    "(`qlang.targets.qasm_import`) or choosing a target. Every error points at the "
    "statement in the file.",
    "QL0501",
    "QL0549",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0501",
        "OpenQASM syntax error",
        _H3 + "qubit[2] q;\nh q[0]",
        _H3 + "qubit[2] q;\nh q[0];",
        "The reference parser (`openqasm3`) rejected the text at the caret; correct the "
        "syntax there (here: add `;`).",
    ),
    ErrorInfo(
        "QL0502",
        "unsupported include file",
        _H3 + 'include "mygates.inc";',
        _H3 + "gate mygate a { h a; }",
        "Only `stdgates.inc` and `qelib1.inc` are known; paste other definitions in.",
    ),
    ErrorInfo(
        "QL0503",
        "unknown gate",
        _H3 + "qubit[1] q;\nfoo q[0];",
        _H3 + "gate foo a { h a; }\nqubit[1] q;\nfoo q[0];",
        "Not an IR gate, an alias (`cnot`, `u1`, `u3`, `cu1`, ...), a `qelib1.inc`/"
        "`stdgates.inc` gate, nor defined in the file; define it with `gate` before its "
        "first use.",
    ),
    ErrorInfo(
        "QL0504",
        "wrong number of gate parameters or qubits",
        _H3 + "qubit[2] q;\nrx q[0];\ncx q[0];",
        _H3 + "qubit[2] q;\nrx(0.5) q[0];\ncx q[0], q[1];",
    ),
    ErrorInfo(
        "QL0505",
        "undefined identifier",
        _H3 + "qubit[1] q;\nrx(theta) q[0];",
        _H3 + "input float[64] theta;\nqubit[1] q;\nrx(theta) q[0];",
        "A register, variable or parameter that was never declared.",
    ),
    ErrorInfo(
        "QL0506",
        "index out of range",
        _H3 + "qubit[2] q;\nx q[2];",
        _H3 + "qubit[2] q;\nx q[1];",
        "Use an index below the register size.",
    ),
    ErrorInfo(
        "QL0507",
        "unsupported statement",
        _H3 + "qubit[1] q;\nbit[1] c;\nwhile (c[0]) { x q[0]; }",
        _H3 + "qubit[1] q;\nbit[1] c;\nif (c[0]) { x q[0]; }",
        "`while`, `switch`, subroutines (`def`), `extern`, `box`, `delay`, `output`, "
        "calibrations, assignments that depend on measurement results, bit initialisers and "
        "mixing `$n` physical qubits with declared registers cannot be imported. Unroll or "
        "rewrite with `for` loops over compile-time ranges and `if` on bits.",
    ),
    ErrorInfo(
        "QL0508",
        "unsupported or non-constant expression",
        _H3 + "qubit[1] q;\nbit[2] c;\nrx(popcount(c)) q[0];",
        _H3 + "input float[64] a;\nqubit[1] q;\nrx(2 * sin(a)) q[0];",
        "Angles may use `+ - * / **`, unary `-`, `pi`/`tau`/`euler`, and `sin cos tan "
        "arcsin arccos arctan exp log sqrt`. Sizes, indices and loop bounds must be "
        "compile-time integers: use a `const int` or a literal.",
    ),
    ErrorInfo(
        "QL0509",
        "unsupported classical condition",
        _H3 + "qubit[1] q;\nbit[2] c;\nif (c == 1) { x q[0]; } else { z q[0]; }",
        _H3 + "qubit[1] q;\nbit[2] c;\nif (c == 1) { x q[0]; }\nif (c == 0) { z q[0]; }",
        "Conditions may test one bit (`c[0]`, `!c[0]`, `c[0] == 1`) or a whole register "
        "against a literal (`c == 3`); `else` only on single-bit conditions. Write "
        "`c[0] && c[1]` as nested `if` statements on single bits.",
    ),
    ErrorInfo(
        "QL0510",
        "unsupported gate modifier",
        _H3 + "qubit[1] q;\npow(0.5) @ x q[0];",
        _H3 + "qubit[1] q;\nsx q[0];",
        "`pow(k)` needs a compile-time integer `k`; `ctrl(k)` needs `k >= 1`. Write the gate "
        "with a scaled angle instead (`sx q[0];`, `rx(theta / 2)`).",
    ),
    ErrorInfo(
        "QL0511",
        "opaque gate",
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nopaque g a;',
        'OPENQASM 2.0;\ninclude "qelib1.inc";\ngate g a { h a; }',
        "OpenQASM 2 `opaque` gates have no definition to import; replace the declaration by "
        "a `gate` definition.",
    ),
    ErrorInfo(
        "QL0512",
        "name declared twice",
        _H3 + "qubit[2] q;\nqubit[3] q;",
        _H3 + "qubit[2] q;\nqubit[3] r;",
        "Rename one of them.",
    ),
    ErrorInfo(
        "QL0513",
        "register sizes differ in a broadcast gate",
        _H3 + "qubit[2] a;\nqubit[3] b;\ncx a, b;",
        _H3 + "qubit[2] a;\nqubit[2] b;\ncx a, b;",
        "Broadcast over registers of the same size, or index the qubits.",
    ),
    ErrorInfo(
        "QL0514",
        "unsupported input type",
        _H3 + "input int[32] n;",
        _H3 + "input float[64] n;",
        "Circuit parameters must be `input float[...]` or `input angle[...]` (or make the "
        "value a `const int`).",
    ),
    ErrorInfo(
        "QL0515",
        "cannot read the file",
        "qlang compile missing.qasm",
        "qlang compile circuits/bell.qasm",
        "The path does not exist, is a directory, or is not UTF-8 text.",
    ),
    ErrorInfo(
        "QL0516",
        "repeated qubit in one gate",
        _H3 + "qubit[2] q;\ncx q[0], q[0];",
        _H3 + "qubit[2] q;\ncx q[0], q[1];",
        "Use distinct qubits (also for `ctrl @` controls and targets).",
    ),
    ErrorInfo(
        "QL0517",
        "loop unrolls too far",
        _H3 + "qubit[1] q;\nfor int i in [0:2000000] { x q[0]; }",
        _H3 + "qubit[1] q;\nfor int i in [0:1] { x q[0]; }",
        "A `for` loop of more than 1,000,000 iterations or a program that expands to more "
        "than 5,000,000 operations; import a smaller program.",
    ),
    ErrorInfo(
        "QL0518",
        "unsupported OpenQASM version",
        "OPENQASM 4.0;",
        "OPENQASM 3.0;",
        "qlang reads OpenQASM 2.0 and 3.x.",
    ),
    ErrorInfo(
        "QL0520",
        "unknown target",
        'qlang.compile("m.qml", target="cirq")',
        'qlang.compile("m.qml", target="qiskit")',
        "Use `qasm3`, `qiskit`, `tket` or `ir`.",
    ),
    ErrorInfo(
        "QL0521",
        "bad optimisation level",
        'qlang.compile("m.qml", optimization_level=5)',
        'qlang.compile("m.qml", optimization_level=3)',
        "Use 0, 1, 2 or 3.",
    ),
    ErrorInfo(
        "QL0522",
        "weights do not fit the compiled circuit",
        'qlang.compile("iris.qml").bind_weights("runs/moons")',
        'qlang.compile("iris.qml").bind_weights("runs/iris")',
        "`Compiled.bind_weights` binds a trained artifact by parameter name: every weight of "
        "the compiled block must be in `weights.json` (train the same model; pick another "
        "block with `qlang.compile(model, block = name)`). `Compiled.bind` with names must "
        "cover all inputs or all weights.",
    ),
    ErrorInfo(
        "QL0530",
        "unknown picture format",
        "qlang inspect m.qml --draw circuit.jpg",
        "qlang inspect m.qml --draw circuit.svg",
        "Circuit pictures are written as SVG (our own renderer) or PNG (through "
        "matplotlib), chosen by the file's suffix.",
    ),
)
