"""Diagnostic codes of the OpenQASM importer (QL0501-QL0549).

Each code is documented with a bad example and the fix in
``docs/errors/targets.md``.

Example::

    >>> CODES["QL0503"]
    'unknown gate'
"""

from __future__ import annotations

CODES: dict[str, str] = {
    "QL0501": "OpenQASM syntax error",
    "QL0502": "unsupported include file",
    "QL0503": "unknown gate",
    "QL0504": "wrong number of gate parameters or qubits",
    "QL0505": "undefined identifier",
    "QL0506": "index out of range",
    "QL0507": "unsupported statement",
    "QL0508": "unsupported or non-constant expression",
    "QL0509": "unsupported classical condition",
    "QL0510": "unsupported gate modifier",
    "QL0511": "opaque gate",
    "QL0512": "name declared twice",
    "QL0513": "register sizes differ in a broadcast gate",
    "QL0514": "unsupported input type",
    "QL0515": "cannot read the file",
    "QL0516": "repeated qubit in one gate",
    "QL0517": "loop unrolls too far",
    "QL0518": "unsupported OpenQASM version",
}
