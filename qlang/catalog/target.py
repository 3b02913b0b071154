"""``target { ... }`` keys, noise channels, error-mitigation methods and backends: pure data.

``device``, ``basis`` and ``optimization_level`` drive ``qlang compile``. ``shots``,
``noise`` and ``backend`` drive the simulator that trains and evaluates the model: with
noise it runs the density-matrix engine (``qlang.sim.density``) when it fits the memory
budget, else seeded Monte-Carlo trajectories (``qlang.sim.trajectories``); ``backend``
overrides the choice. Every noise channel names its Kraus builder (``impl``), so the
runtime dispatches through this table.

Example::

    >>> e = {x.name: x for x in ENTRIES if x.kind == "noise"}["depolarizing"]
    >>> e.impl, [p.name for p in e.params]
    ('qlang.sim.noise:depolarizing', ['p', 'gates', 'qubits'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlang.catalog.schema import (
    BOOL,
    CALL,
    CALLS,
    CHOICE,
    FLOAT,
    FLOATS,
    INT,
    INTS,
    NAMES,
    OPAQUE,
    REQUIRED,
    STR,
    Entry,
    Param,
    Range,
)
from qlang.limits import MAX_SHOTS

PROBABILITY = Range(0, 1)
POSITIVE = Range(0, None, low_open=True)

def _key(name: str, doc: str, value: Param, **kw: Any) -> Entry:
    return Entry("target", name, doc, (value,), value_key=True, **kw)


TARGET: tuple[Entry, ...] = (
    _key(
        "device",
        "the device to route for (`qlang compile`): line(n), ring(n), grid(r, c), "
        "heavy_hex(d), a named device or a JSON file",
        Param("value", OPAQUE, None, "a device spec"),
    ),
    _key(
        "basis",
        "the gate basis to compile to (`qlang compile`)",
        Param("value", NAMES, (), "gate names", example=("cx", "rz", "sx", "x")),
    ),
    _key(
        "optimization_level",
        "the compiler's optimisation level (`qlang compile -O`)",
        Param("value", INT, 1, "level", Range(0, 3), example=2),
    ),
    _key(
        "shots",
        "shots per circuit execution: outputs, kernel entries and gradients are estimated "
        "from seeded samples (training, evaluation and prediction)",
        Param("value", INT, None, "shots", Range(1, MAX_SHOTS), example=1024),
    ),
    _key(
        "noise",
        "noise channels, each after the gates it names (all gates by default)",
        Param("value", CALLS, (), "noise channels", kind="noise", example=("depolarizing",)),
    ),
    _key(
        "mitigation",
        "error-mitigation methods",
        Param("value", CALLS, (), "mitigation methods", kind="mitigation", example=("readout",)),
    ),
    _key(
        "backend",
        "the simulator that runs training and prediction (`auto`: statevector without "
        "noise, else density matrix when it fits the memory budget, else trajectories)",
        Param("value", CALL, "auto", "a backend", kind="backend", example="trajectories"),
    ),
)

_GATES = Param(
    "gates",
    NAMES,
    (),
    "gate names the channel follows (default: every gate)",
    example=("cx",),
    positional=False,
)
_QUBITS = Param(
    "qubits",
    INTS,
    (),
    "qubits the channel acts on (default: every qubit)",
    Range(0, None),
    example=(0,),
    positional=False,
)


def _channel(name: str, doc: str, *params: Param, rules: tuple = (), where: bool = True) -> Entry:
    extra = (_GATES, _QUBITS) if where else (_QUBITS,)
    return Entry(
        "noise", name, doc, params + extra, impl=f"qlang.sim.noise:{name}", rules=rules
    )


def _p(doc: str = "error probability") -> Param:
    return Param("p", FLOAT, REQUIRED, doc, PROBABILITY, example=0.01)


def _t2_bound(v: Mapping[str, Any], given: frozenset[str]) -> str | None:
    if v["t2"] > 2 * v["t1"]:
        return f"`thermal_relaxation` needs t2 <= 2 t1, got t1 = {v['t1']}, t2 = {v['t2']}"
    return None


def _pauli_sum(v: Mapping[str, Any], given: frozenset[str]) -> str | None:
    total = v["px"] + v["py"] + v["pz"]
    if total > 1:
        return f"`pauli_channel` needs px + py + pz <= 1, got {total:g}"
    return None


NOISE: tuple[Entry, ...] = (
    _channel(
        "depolarizing",
        "(1 - p) rho + p I / 2**k jointly on the k qubits of each gate (1q and 2q)",
        _p(),
    ),
    _channel("bit_flip", "X with probability p on each qubit of the gate", _p()),
    _channel("phase_flip", "Z with probability p on each qubit of the gate", _p()),
    _channel(
        "pauli_channel",
        "X, Y, Z with probabilities px, py, pz on each qubit of the gate",
        Param("px", FLOAT, 0.0, "probability of X", PROBABILITY, example=0.01),
        Param("py", FLOAT, 0.0, "probability of Y", PROBABILITY, example=0.01),
        Param("pz", FLOAT, 0.0, "probability of Z", PROBABILITY, example=0.01),
        rules=(_pauli_sum,),
    ),
    _channel(
        "amplitude_damping",
        "energy relaxation with probability gamma",
        Param("gamma", FLOAT, REQUIRED, "damping probability", PROBABILITY, example=0.01),
    ),
    _channel(
        "phase_damping",
        "dephasing with probability gamma",
        Param("gamma", FLOAT, REQUIRED, "dephasing probability", PROBABILITY, example=0.01),
    ),
    _channel(
        "thermal_relaxation",
        "T1/T2 relaxation during a gate of duration `time`",
        Param("t1", FLOAT, REQUIRED, "T1", POSITIVE, example=50.0),
        Param("t2", FLOAT, REQUIRED, "T2 (at most 2 T1)", POSITIVE, example=70.0),
        Param("time", FLOAT, REQUIRED, "gate duration, same unit", POSITIVE, example=0.05),
        rules=(_t2_bound,),
    ),
    _channel(
        "over_rotation",
        "coherent error: the rotation exp(-i angle/2 P) about `axis` after each gate",
        Param("angle", FLOAT, REQUIRED, "rotation angle (radians)", Range(-6.3, 6.3), example=0.05),
        Param(
            "axis",
            CHOICE,
            "x",
            "rotation axis",
            choices=("x", "y", "z"),
            example="z",
            positional=False,
        ),
    ),
    _channel(
        "readout_error",
        "a measured 0 reads 1 with probability p, a measured 1 reads 0 with p1 (default p)",
        _p("flip probability of a 0"),
        Param(
            "p1",
            FLOAT,
            None,
            "flip probability of a 1 (default: p)",
            PROBABILITY,
            example=0.05,
            positional=False,
        ),
        where=False,
    ),
    Entry(
        "noise",
        "from_backend",
        "the calibrated noise of a fake IBM device (qiskit_ibm_runtime.fake_provider): the "
        "circuit runs routed onto the device, with the device's gate and readout errors",
        (Param("name", STR, REQUIRED, "backend name", example="fake_manila"),),
        impl="qlang.sim.noise_device:device_run",
    ),
)

def _zne_fit(v: Mapping[str, Any], given: frozenset[str]) -> str | None:
    scales = v["scales"]
    if len(scales) < 2 or len(set(scales)) != len(scales):
        return f"`zne` needs at least two different scales, got {list(scales)}"
    if v["extrapolation"] == "polynomial" and not 1 <= v["order"] < len(scales):
        return (
            f"a polynomial fit of order {v['order']} needs at least {v['order'] + 1} scales, "
            f"got {len(scales)}"
        )
    if "order" in given and v["extrapolation"] != "polynomial":
        return "`order` applies to `extrapolation = polynomial`"
    if "gates" in given and v["folding"] != "gates":
        return "`gates` applies to `folding = gates`"
    if v["via"] == "runtime":
        if "folding" in given or "gates" in given:
            return (
                "with `via = runtime` the IBM Runtime folds the two-qubit gates itself "
                "(amplifier `gate_folding`): `folding` and `gates` apply to `via = qlang`"
            )
        if "asymptote" in given:
            return "the IBM Runtime's exponential fit decays to 0: `asymptote` applies to `via = qlang`"
        degree = {"polynomial": v["order"], "richardson": len(scales) - 1}.get(v["extrapolation"], 1)
        if degree > 7:
            return (
                f"the IBM Runtime fits polynomials of degree 1 to 7, this fit needs degree {degree}"
            )
    return None


#: ``via``: who runs a mitigation method (an argument of every mitigation entry)
VIA = Param(
    "via",
    CHOICE,
    "qlang",
    "who mitigates: `qlang` runs its own circuits (folded / twirled copies, readout "
    "calibration) in the job; `runtime` sets the IBM Runtime EstimatorV2's resilience "
    "options instead (`backend = ibm(...)` only: docs/backends.md)",
    choices=("qlang", "runtime"),
    example="runtime",
    positional=False,
)


MITIGATION: tuple[Entry, ...] = (
    Entry(
        "mitigation",
        "zne",
        "zero-noise extrapolation: the circuit folded to each noise scale (unitary folding, "
        "passes fold-global / fold-gates), the outputs extrapolated to zero noise",
        (
            Param(
                "scales",
                FLOATS,
                (1.0, 3.0, 5.0),
                "noise scale factors",
                Range(1, 100),
                example=(1.0, 2.0),
            ),
            Param(
                "extrapolation",
                CHOICE,
                "linear",
                "the fit",
                choices=("linear", "richardson", "polynomial", "exponential"),
                example="richardson",
                positional=False,
            ),
            Param(
                "order",
                INT,
                2,
                "degree of the polynomial fit",
                Range(1, 10),
                example=1,
                positional=False,
            ),
            Param(
                "folding",
                CHOICE,
                "global",
                "fold the whole circuit, or each gate",
                choices=("global", "gates"),
                example="gates",
                positional=False,
            ),
            Param(
                "gates",
                NAMES,
                (),
                "with `folding = gates`: the gates to fold (default: every gate)",
                example=("cx",),
                positional=False,
            ),
            Param(
                "asymptote",
                FLOAT,
                0.0,
                "the exponential fit's value at infinite noise",
                example=0.5,
                positional=False,
            ),
            VIA,
        ),
        impl="qlang.sim.noise_mitigation:ZNE",
        rules=(_zne_fit,),
    ),
    Entry(
        "mitigation",
        "readout",
        "measurement-error mitigation: calibrate every qubit's assignment matrix on the noisy "
        "simulator (with the run's shots) and apply the inverses (tensored, matrix-free); "
        "`via = runtime`: the IBM Runtime's TREX (`resilience.measure_mitigation`)",
        (VIA,),
        impl="qlang.sim.noise_mitigation:ReadoutMitigation",
    ),
    Entry(
        "mitigation",
        "twirling",
        "Pauli twirling of the two-qubit Clifford gates (pass pauli-twirl): outputs averaged "
        "over seeded twirled instances",
        (Param("samples", INT, 8, "twirled instances", Range(1, 1000), example=2), VIA),
        impl="qlang.sim.noise_mitigation:Twirling",
    ),
)

BACKENDS: tuple[Entry, ...] = (
    Entry(
        "backend",
        "auto",
        "statevector without noise; with noise the density-matrix engine when it fits "
        "the memory budget, else trajectories",
        impl="qlang.sim.noise_engines:choose",
    ),
    Entry(
        "backend",
        "statevector",
        "qlang's exact batched statevector simulator (adjoint gradients; no noise)",
        impl="qlang.sim:QuantumFunction",
    ),
    Entry(
        "backend",
        "density_matrix",
        "the batched density-matrix engine: exact noisy expectations and gradients",
        impl="qlang.sim.noise_engines:DensityFunction",
    ),
    Entry(
        "backend",
        "trajectories",
        "seeded Monte-Carlo trajectories of statevectors (noisy runs too large for a "
        "density matrix); outputs carry standard errors",
        (
            Param(
                "samples",
                INT,
                256,
                "trajectories per input",
                Range(1, 10**6),
                example=32,
            ),
        ),
        impl="qlang.sim.noise_engines:TrajectoryFunction",
    ),
    Entry(
        "backend",
        "aer",
        "Qiskit Aer's primitives (qiskit-aer): exact EstimatorV2 expectations without "
        "`shots`, SamplerV2 with them; one job per batch and gradient",
        (
            Param(
                "method",
                CHOICE,
                "automatic",
                "Aer's simulation method",
                choices=("automatic", "statevector", "density_matrix", "matrix_product_state"),
                example="statevector",
            ),
        ),
        impl="qlang.backends.function:aer",
    ),
    Entry(
        "backend",
        "fake",
        "a fake IBM device in Qiskit's local testing mode: compiled for its Target "
        "(directed coupling map, native gates) and sampled by SamplerV2 with its calibrated "
        "noise (`noise = false`: without)",
        (
            Param("name", STR, REQUIRED, "the device, e.g. sherbrooke", example="manila"),
            Param(
                "noise",
                BOOL,
                True,
                "sample with the device's calibrated noise",
                example=False,
                positional=False,
            ),
        ),
        impl="qlang.backends.function:fake",
    ),
    Entry(
        "backend",
        "ibm",
        "an IBM Quantum device through qiskit-ibm-runtime (SamplerV2 in batch or session "
        "mode; the saved account's credentials)",
        (
            Param("name", STR, REQUIRED, "the device, e.g. ibm_torino", example="ibm_fez"),
            Param("instance", STR, None, "the account's instance (CRN or hub/group/project)",
                  example="my-crn", positional=False),
            Param("channel", STR, None, "the account's channel", example="ibm_cloud",
                  positional=False),
            Param("mode", CHOICE, "batch", "runtime execution mode",
                  choices=("batch", "session", "job"), example="session", positional=False),
        ),  # fmt: skip
        impl="qlang.backends.function:ibm",
    ),
    Entry(
        "backend",
        "tket",
        "a pytket backend (pytket-qiskit): the qlang-compiled circuit, every row of a batch "
        "in one process_circuits call; `AerBackend` samples, `AerStateBackend` and "
        "`AerDensityMatrixBackend` are exact",
        (
            Param("name", STR, REQUIRED, "the pytket backend class (AerBackend, "
                  "AerStateBackend, AerDensityMatrixBackend)", example="AerStateBackend"),
            Param("optimisation_level", INT, None, "run tket's own default_compilation_pass "
                  "of this level on the qlang-compiled circuit (default: only the backend's "
                  "rebase)", Range(0, 3), example=2, positional=False),
        ),  # fmt: skip
        impl="qlang.backends.function:tket",
    ),
)

ENTRIES: tuple[Entry, ...] = TARGET + NOISE + MITIGATION + BACKENDS
