"""Target-side names of circuit parameters.

Every target names parameters the same way: a flat IR parameter ``x[0]`` becomes
the identifier ``x_0`` and ``theta[1,2]`` becomes ``theta_1_2`` (a scalar ``a``
stays ``a``). A name that would clash with an OpenQASM keyword, a built-in
constant, a gate name or another parameter gets trailing underscores until it is
unique. The order is always :meth:`Circuit.parameter_names` (inputs then weights).

Example::

    >>> from qlang.ir.circuit import Circuit, ParamDecl
    >>> c = Circuit(1, (), inputs=(ParamDecl("x", (2,), 0),),
    ...             weights=(ParamDecl("theta", (1, 2), 0),))
    >>> parameter_identifiers(c)
    ['x_0', 'x_1', 'theta_0_0', 'theta_0_1']
"""

from __future__ import annotations

import re

from qlang.ir.circuit import Circuit
from qlang.ir.gates import ALIASES, GATES

#: Identifiers a parameter may not take in emitted OpenQASM 3.
RESERVED: frozenset[str] = frozenset(
    {
        # OpenQASM 3 keywords and types
        "OPENQASM",
        "include",
        "defcalgrammar",
        "def",
        "cal",
        "defcal",
        "gate",
        "extern",
        "box",
        "let",
        "break",
        "continue",
        "if",
        "else",
        "end",
        "return",
        "for",
        "while",
        "in",
        "switch",
        "case",
        "default",
        "input",
        "output",
        "const",
        "readonly",
        "mutable",
        "qreg",
        "qubit",
        "creg",
        "bool",
        "bit",
        "int",
        "uint",
        "float",
        "angle",
        "complex",
        "array",
        "void",
        "duration",
        "stretch",
        "gphase",
        "inv",
        "pow",
        "ctrl",
        "negctrl",
        "dim",
        "durationof",
        "delay",
        "reset",
        "measure",
        "barrier",
        "true",
        "false",
        "U",
        "CX",
        "pragma",
        "nop",
        # built-in constants and functions
        "pi",
        "tau",
        "euler",
        "sin",
        "cos",
        "tan",
        "arcsin",
        "arccos",
        "arctan",
        "exp",
        "log",
        "sqrt",
        "ceiling",
        "floor",
        "mod",
        "popcount",
        "rotl",
        "rotr",
        "real",
        "imag",
        "sizeof",
        # registers and stdgates.inc names
        "q",
        "c",
        "u1",
        "u2",
        "u3",
        "cu",
        "phase",
        "cphase",
    }
    | set(GATES)
    | set(ALIASES)
    | {"_a", "_b", "_t"}  # argument names of the gate definitions qlang emits
)

_NOT_IDENT = re.compile(r"\W")  # unicode letters (θ) are valid OpenQASM 3 identifiers


def flat_identifier(flat_name: str) -> str:
    """``theta[1,2]`` -> ``theta_1_2`` (no uniqueness check)."""
    s = flat_name.replace("[", "_").replace(",", "_").replace("]", "")
    s = _NOT_IDENT.sub("_", s)
    if not s or s[0].isdigit():
        s = "p_" + s
    return s


def parameter_identifiers(circuit: Circuit) -> list[str]:
    """One unique, valid identifier per flat parameter, in binding order."""
    used: set[str] = set()
    out: list[str] = []
    for flat in circuit.parameter_names():
        ident = flat_identifier(flat)
        while ident in RESERVED or ident in used:
            ident += "_"
        used.add(ident)
        out.append(ident)
    return out
