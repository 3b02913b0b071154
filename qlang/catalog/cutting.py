"""Circuit cutting: ``target { cutting = auto(max_qubits = 5) }`` (pure data).

A quantum block wider than ``max_qubits`` is cut into pieces of at most ``max_qubits``
qubits by ``qiskit-addon-cutting`` (gate and wire cuts, found once when the model is
checked); the pieces' subexperiments run batched on the statevector engine (exact, or
with the target's ``shots``) and the expectation values are reconstructed, inside
training too (:mod:`qlang.cutting`, docs/cutting.md).

Example::

    >>> [p.signature() for p in ENTRIES[1].params]
    ['max_qubits', 'max_cuts = 8', 'cuts = "both"', 'max_overhead = 1000000', 'seed = 111']
"""

from __future__ import annotations

from qlang.catalog.schema import CALL, CHOICE, FLOAT, INT, REQUIRED, Entry, Param, Range
from qlang.ir.model import Call
from qlang.limits import MAX_QUBITS

ENTRIES: tuple[Entry, ...] = (
    Entry(
        "target",
        "cutting",
        "cut a circuit wider than `max_qubits` (or the device) into pieces and reconstruct "
        "its expectation values (needs the extra `qlang[cutting]`)",
        (
            Param(
                "value", CALL, None, "a cutting mode", kind="cutting",
                example=Call("auto", (), (("max_qubits", 2),)),
            ),
        ),  # fmt: skip
        value_key=True,
    ),
    Entry(
        "cutting",
        "auto",
        "find gate and wire cuts with the add-on's cut finder so that every piece has at "
        "most `max_qubits` qubits",
        (
            Param("max_qubits", INT, REQUIRED, "qubits of the widest piece", Range(1, MAX_QUBITS),
                  example=1),
            Param("max_cuts", INT, 8, "most cuts allowed (more is QL0951)", Range(1, 64),
                  example=4),
            Param("cuts", CHOICE, "both", "cut kinds the finder may use",
                  choices=("both", "gates", "wires"), example="wires"),
            Param("max_overhead", FLOAT, 1e6, "largest sampling overhead allowed (more is "
                  "QL0951)", Range(1, None), example=100.0),
            Param("seed", INT, 111, "seed of the cut search", Range(0, 2**32 - 1), example=7),
        ),  # fmt: skip
        impl="qlang.cutting.function:CutFunction",
    ),
)
