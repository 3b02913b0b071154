"""Codes of the resource limits and the memory budget (QL0820-QL0849): pure data.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0821"].title
    'the model does not fit in the memory budget'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "limits",
    "Resource limit errors",
    "Every size, count and range a model may ask for is checked against an explicit limit "
    "(`qlang/limits.py`) before anything is allocated, by `qlang check` as well as at run "
    "time. The memory budget is the machine's available memory unless set with `--memory` "
    "(on `check`, `inspect`, `train`, `predict`, `eval`) or the `QLANG_MEMORY` environment "
    "variable (bytes, or `512M`, `16G`); messages show the budget and where it came from.",
    "QL0820",
    "QL0849",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0820",
        "malformed memory budget",
        "QLANG_MEMORY=lots qlang train m.qml",
        "QLANG_MEMORY=8G qlang train m.qml",
        "`--memory` and `QLANG_MEMORY` take bytes or a number with a unit K, M, G or T.",
    ),
    ErrorInfo(
        "QL0821",
        "the model does not fit in the memory budget",
        "model m { qubits = 40  ... }      // 2**40 amplitudes",
        "model m { qubits = 20  ... }",
        "A model is trained on the statevector simulator: one sample needs `2**n` amplitudes "
        "of 16 bytes (8 with `dtype = complex64`) in each of a few working buffers (4 for "
        "forward runs, 8 for adjoint gradients) plus the readout tables. `qlang check` and "
        "`qlang inspect` report a model whose single sample does not fit the budget. "
        "`qlang compile` does not simulate, so wide circuits still compile.",
    ),
    ErrorInfo(
        "QL0822",
        "array too large",
        "weight w: float[1e9]",
        "weight w: float[64]",
        "One declared array (weights, inputs, an array parameter or a data set's features "
        "seen as the model input) has at most 1,000,000 elements.",
    ),
    ErrorInfo(
        "QL0823",
        "register too large",
        "circuit c() on q[100000] { h q[0]; }",
        "circuit c() on q[100] { h q[0]; }",
        "A circuit or model has at most 10,000 qubits (registers and `qubit[k]` ancillas "
        "together) and 1,000,000 classical bits (`bit[k]`). Simulation is further bounded by "
        "the memory budget (`QL0821`).",
    ),
    ErrorInfo(
        "QL0824",
        "loop, range or repetition too large",
        "repeat 10**9 { rx(0.1) q[0]; }\nconst xs = 0..10**8;",
        "repeat 10 { rx(0.1) q[0]; }\nconst xs = 0..100;",
        "A range, loop, list or comprehension unrolls at most 1,000,000 values, one "
        "circuit at most 100,000 statements or gates once loops and repetitions are expanded, and "
        "circuit calls nest at most 32 deep (a recursive circuit needs an end).",
    ),
    ErrorInfo(
        "QL0825",
        "gate-angle expression too large",
        "rx(sum(x[i % 2] for i in 0..100000)) q[0];",
        "rx(50000 * (x[0] + x[1])) q[0];",
        "A symbolic expression over inputs and weights has at most 64 nested operations "
        "and 100,000 nodes; beyond that no target could print it and no simulator evaluate "
        "it. Fold constants or restructure the expression.",
    ),
    ErrorInfo(
        "QL0826",
        "data set too large",
        "data = moons(n = 10**8)",
        "data = moons(n = 1000)",
        "A data set has at most 1,000,000 rows, 100,000 features and 50,000,000 values "
        "(rows x features); generated data is checked before it is generated and files "
        "while they are read.",
    ),
    ErrorInfo(
        "QL0827",
        "count or size out of range at run time",
        "train { batch_size = 0 }",
        "train { batch_size = 16 }",
        "Counts such as batch sizes, epochs, iterations and shots must be positive and "
        "within their limits; step sizes such as SPSA's `perturbation` must be positive.",
    ),
)
