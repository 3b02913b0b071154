"""Codes of circuit cutting, ``target { cutting = auto(...) }`` (QL0950-QL0969): pure data.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0951"].title
    'the circuit cannot be cut to fit'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "cutting",
    "Circuit cutting errors",
    "Raised by `qlang check` (and the runtime) for `target { cutting = auto(...) }`: the "
    "cuts are found when the model is checked, so a model that cannot be cut, or a setting "
    "cutting cannot honour, is reported before any training starts (docs/cutting.md).",
    "QL0950",
    "QL0969",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0950",
        "the cutting add-on is not installed",
        "target { cutting = auto(max_qubits = 5) }     # without qiskit-addon-cutting",
        "pip install 'qlang[cutting]'",
        "Circuit cutting uses `qiskit-addon-cutting`, an optional extra. Install it, or "
        "remove `cutting` and choose a device as wide as the model.",
    ),
    ErrorInfo(
        "QL0951",
        "the circuit cannot be cut to fit",
        "target { cutting = auto(max_qubits = 2, max_cuts = 1) }    # needs 4 cuts",
        "target { cutting = auto(max_qubits = 5, max_cuts = 4) }",
        "No set of gate and wire cuts within the bounds (`max_cuts`, `max_overhead`, the "
        "cut kinds) splits the circuit into pieces of at most `max_qubits` qubits. The "
        "sampling overhead grows exponentially with the cuts (9 per CX gate cut, 16 per "
        "wire cut); raise the bounds or `max_qubits`, or restructure the circuit so fewer "
        "gates cross between the pieces.",
    ),
    ErrorInfo(
        "QL0952",
        "cutting does not apply to this model",
        "target { cutting = auto(max_qubits = 2), noise = [depolarizing(0.01)] }\n"
        'readout = probs(q)    # with cutting',
        "target { cutting = auto(max_qubits = 2) }\nreadout = expval(Z0)",
        "The pieces' results are reconstructed into expectation values: cutting needs an "
        "`expval` readout with constant coefficients, a unitary circuit (no mid-circuit "
        "measurement), and the noiseless statevector engine (`backend = auto` or "
        "`statevector`, no `noise` or `mitigation`); a `kernel` task and "
        "`gradient = backprop` do not apply.",
    ),
    ErrorInfo(
        "QL0953",
        "the pieces do not fit the device",
        "target { device = line(4), cutting = auto(max_qubits = 5) }",
        "target { device = line(5), cutting = auto(max_qubits = 5) }",
        "Every piece runs on the device: `max_qubits` must be at most the device's qubits.",
    ),
    ErrorInfo(
        "QL0954",
        "nothing to cut",
        "qubits = 4\ntarget { cutting = auto(max_qubits = 5) }",
        "qubits = 4     # no cutting: the model fits",
        "Every quantum block already has at most `max_qubits` qubits, so cutting would not "
        "change anything; remove `cutting` (or lower `max_qubits`).",
    ),
    ErrorInfo(
        "QL0955",
        "compiling a cut model's whole circuit for a device narrower than it",
        "qlang compile qcnn_cut.qml --whole    # 8 qubits, target { device = line(5), cutting = ... }",
        "qlang compile qcnn_cut.qml -o pieces/    # the subexperiments and a manifest",
        "The uncut circuit (`qlang compile --whole`, or `qlang.compile(model)`) does not fit "
        "the device the model runs its pieces on. Compile the pieces (`qlang compile FILE -o "
        "DIR`, `qlang.cutting.emit.compile_pieces`), or the whole circuit with `--device "
        "none` or for a device with enough qubits.",
    ),
    ErrorInfo(
        "QL0956",
        "`--measure` with the pieces of a cut model",
        "qlang compile qcnn_cut.qml --measure -o pieces/",
        "qlang compile qcnn_cut.qml -o pieces/",
        "Every subexperiment of a cut model already measures its own bits (the quasi-"
        "probability terms' and the observables' bits; `manifest.json` says which), so "
        "`--measure` has nothing to add. Compile the uncut circuit with `--whole --measure` "
        "for the measured whole circuit.",
    ),
)
