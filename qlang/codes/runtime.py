"""Codes of the simulator and the gradient engine (QL0601-QL0649): pure data.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0601"].title
    'the simulation does not fit in memory'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "runtime",
    "Simulator errors",
    "Raised by the simulator and gradient engine in `qlang.sim` as `QLangError` with one "
    "coded diagnostic.",
    "QL0601",
    "QL0649",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0601",
        "the simulation does not fit in memory",
        "Simulator(Circuit(34, ops)).statevector()   # 2**34 amplitudes",
        'Simulator(Circuit(24, ops), dtype="complex64").statevector()   # or a larger budget',
        "A run needs `batch x 2**n x 16` bytes per state buffer (8 for `complex64`) and a "
        "few buffers (4 for a forward run, 8 for an adjoint gradient). Batches are split into "
        "chunks automatically; the error appears only when a single sample does not fit the "
        "budget (`--memory`, the `QLANG_MEMORY` environment variable (`16G`; the older "
        "`QLANG_MEMORY_BUDGET` is read too), else the available memory, or "
        "`Simulator(memory_budget=...)`). The readout's `2**n` tables count too, and the "
        "check happens before anything is allocated. Use fewer qubits, "
        '`dtype="complex64"`, or a larger budget.',
    ),
    ErrorInfo(
        "QL0602",
        "mid-circuit measurement in exact simulation",
        "QuantumFunction(block_with_measure)            # shots=None",
        "QuantumFunction(block_with_measure, shots=1000)",
        "Exact statevector runs and gradients need a unitary circuit. `measure`, `reset` and "
        "conditioned gates are simulated only by sampling: pass `shots=...` (trajectory "
        "sampling with a seeded RNG), or move the measurement into the readout. Gradients of "
        "dynamic circuits are not available; train them with a gradient-free optimizer on "
        "`forward` values.",
    ),
    ErrorInfo(
        "QL0603",
        "inputs or weights have the wrong shape or bad values",
        "qf.forward(np.zeros((8, 3)), w)     # the circuit has 4 input features\n"
        "qf.forward(x_with_nan, w)",
        "qf.forward(np.zeros((8, 4)), w)\nqf.forward(np.nan_to_num(x_with_nan), w)",
        "Inputs must be `(batch, num_inputs)`, weights `(num_weights,)` in "
        "`circuit.weight_names()` order, all finite: pass one column per input feature and "
        "one value per flat weight; clean NaN/inf.",
    ),
    ErrorInfo(
        "QL0604",
        "unknown or incompatible runtime option",
        'QuantumFunction(block, gradient="adjoint", shots=1000)',
        'QuantumFunction(block, gradient="parameter-shift", shots=1000)',
        'Unknown `gradient` or `dtype`, `shots < 1`, or `gradient="adjoint"` together '
        "with `shots`. `gradient` is one of `adjoint`, `parameter-shift`, `finite-diff`, "
        "`spsa`, `auto` (`auto` picks adjoint without shots and parameter shift with shots); "
        "`dtype` is `complex128` or `complex64`.",
    ),
    ErrorInfo(
        "QL0605",
        "unknown readout kind",
        'Readout("histogram")',
        'Readout("probs")',
        "Use `expval`, `probs`, `parity` or `samples`.",
    ),
    ErrorInfo(
        "QL0607",
        "an optional package is missing",
        "to_aer(noise, circuit)   # without qiskit-aer",
        'pip install "qlang[aer]"',
        "Exporting noise to Qiskit Aer needs `qiskit-aer` (extra `aer`); reading fake IBM "
        "devices needs `qiskit-ibm-runtime` (extra `ibm`).",
    ),
    ErrorInfo(
        "QL0608",
        "readout mitigation cannot invert a calibration",
        "mitigation = [readout()] with noise = [readout_error(0.5)]   # reads are coin flips",
        "mitigation = [readout()] with noise = [readout_error(0.05)]",
        "Readout mitigation inverts each qubit's measured assignment matrix. When a qubit "
        "reads 0 and 1 with the same probabilities whatever its state (or the calibration "
        "shots say so), the matrix is singular: use more shots or drop `readout()`.",
    ),
)
