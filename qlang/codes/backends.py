"""Codes of the execution backends (QL0700-QL0749): pure data.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0702"].title
    'no IBM Quantum credentials'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "backends",
    "Execution backend errors",
    "Raised by `target { backend = aer(...) | fake(...) | ibm(...) | tket(...) }` and "
    "`--backend SPEC` (`qlang train|eval|predict|run|compile`) before any job is sent: the "
    "backend, its device and its Target must fit the model's circuit and readout.",
    "QL0700",
    "QL0749",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0700",
        "unknown backend",
        "qlang run model.qml --weights run --backend 'qpu(\"x\")'",
        "qlang run model.qml --weights run --backend 'fake(\"sherbrooke\")'",
        "`--backend` takes a backend of the catalog: `auto`, `statevector`, `density_matrix`, "
        "`trajectories`, `aer(...)`, `fake(\"name\")`, `ibm(\"name\", instance = ...)` or "
        "`tket(\"AerBackend\")`; a backend object given through the API must be a Qiskit "
        "`BackendV2`, `Target` or `CouplingMap`.",
    ),
    ErrorInfo(
        "QL0701",
        "unknown device of a backend",
        'target { backend = fake("sherbroke") }',
        'target { backend = fake("sherbrooke") }',
        "`fake(...)` names a fake backend of `qiskit_ibm_runtime.fake_provider` (with or "
        "without the `fake_` prefix), `tket(...)` a pytket backend class (`AerBackend`, "
        "`AerStateBackend`, `AerDensityMatrixBackend`).",
    ),
    ErrorInfo(
        "QL0702",
        "no IBM Quantum credentials",
        'target { backend = ibm("ibm_torino") }   # no saved account',
        'QiskitRuntimeService.save_account(token = "...", instance = "...")',
        "`ibm(...)` uses the account saved with `QiskitRuntimeService.save_account` (or the "
        "`QISKIT_IBM_TOKEN` environment variable); save one, or name `instance` and `channel` "
        "of a saved account. Nothing is sent before the account is found.",
    ),
    ErrorInfo(
        "QL0703",
        "backend too small for the circuit",
        'target { backend = fake("manila") }   # a 7-qubit model on a 5-qubit device',
        'target { backend = fake("sherbrooke") }',
        "The model's circuit needs more qubits than the backend's device has, or the "
        "device's coupling map is not connected enough to place it.",
    ),
    ErrorInfo(
        "QL0704",
        "readout cannot be measured on a backend",
        "readout = expval(w[0] * Z0)",
        "readout = expval(Z0) |> linear()",
        "A backend measures Pauli strings: observables need constant coefficients, and "
        "`probs` reads at most 12 qubits.",
    ),
    ErrorInfo(
        "QL0705",
        "backend Target lacks the needed instructions",
        "backend = my_target   # a Target without rz, sx or a two-qubit gate",
        "backend = FakeSherbrooke().target",
        "The ISA circuit is built from `rz`, `sx`, `x`, a two-qubit gate (`ecr`, `cz` or "
        "`cx`) and `measure`; the Target must support each of them on the qubits used.",
    ),
    ErrorInfo(
        "QL0706",
        "bad backend spec",
        "--backend 'aer(method = '",
        "--backend 'aer(method = \"statevector\")'",
        "`--backend` is written as in the model file: a name or a call with literal "
        "arguments.",
    ),
    ErrorInfo(
        "QL0707",
        "setting does not apply to an execution backend",
        'target { backend = tket("AerBackend"), noise = [depolarizing(0.01)] }',
        'target { backend = aer(), noise = [depolarizing(0.01)] }',
        "On an execution backend (`aer`, `fake`, `ibm`, `tket`) the circuit runs as the "
        "backend runs it. Hand-written `noise` runs on `aer(...)` (an Aer NoiseModel "
        "of the channels; `readout_error` needs `shots`, exact noisy runs need `method` "
        "`automatic` or `density_matrix`): `fake`/`ibm` run their device's noise and pytket "
        "would rename the gates the channels follow (the embedded `auto`, `density_matrix` "
        "and `trajectories` engines run it too; `statevector` has no noise). `mitigation` "
        "needs noise to mitigate "
        "and sampled circuits: `fake(...)` with its noise, `ibm(...)`, or `aer(...)` with "
        "hand-written noise and `shots` (not pytket backends). `shots` on an exact pytket "
        "backend (`AerStateBackend`, `AerDensityMatrixBackend`) would not be used. Gradients "
        "are `parameter_shift`, `spsa` or `finite_diff` (`auto` is parameter shift), as "
        "`adjoint` and `backprop` need the simulator's state.",
    ),
    ErrorInfo(
        "QL0708",
        "a backend job failed",
        "(the primitive raised while running the batch)",
        "(check the backend's status and the job id in the message)",
        "The backend reported an error for a submitted batch; the message holds its text "
        "and the job id.",
    ),
    ErrorInfo(
        "QL0709",
        "mitigation through the IBM Runtime where it cannot run",
        'target { backend = fake("manila"), mitigation = [zne(via = runtime)] }',
        'target { backend = ibm("ibm_torino"), mitigation = [zne(via = runtime)] }',
        "`via = runtime` sets the resilience options of the IBM Runtime `EstimatorV2` "
        "(TREX, ZNE, gate twirling), which only `backend = ibm(...)` runs: Qiskit Runtime's "
        "local testing mode (`fake(...)`) ignores them, and Aer, pytket and the embedded "
        "engines have no such primitive (use `via = qlang`, the default, there). In one list "
        "every method has the same `via`: the Runtime's methods run in one `EstimatorV2` job, "
        "qlang's in a `SamplerV2` job, and one batch is one job.",
    ),
    ErrorInfo(
        "QL0710",
        "a pytket backend that cannot run a model here",
        'target { backend = tket("IBMQEmulatorBackend") }',
        'target { backend = tket("AerBackend") }',
        "Of pytket-qiskit's backends qlang runs `AerBackend` (shots), `AerStateBackend` and "
        "`AerDensityMatrixBackend` (exact). `AerUnitaryBackend` computes the circuit's "
        "unitary, not values of a state (use `AerStateBackend`); `IBMQBackend` and "
        "`IBMQEmulatorBackend` need an IBM Quantum account and the network (use "
        "`ibm(\"...\")` for IBM devices, `fake(\"...\")` for an offline device model).",
    ),
)
