"""``target { ... }`` keys, noise channels, error-mitigation methods and backends: pure data.

``device``, ``basis`` and ``optimization_level`` drive ``qlang compile``; training runs
the logical circuit on the exact statevector simulator. Shots, noise and mitigation on
the target are not supported by that simulator yet: their entries carry a
``not_yet`` status, so ``qlang check`` rejects them (``QL0311``) instead of ignoring
them. The channel and method schemas are already here, so a typo is still reported as
such; when the noisy simulator lands, the same entries flip to supported.

Example::

    >>> e = {x.name: x for x in ENTRIES if x.kind == "target"}["noise"]
    >>> e.status.ok, e.status.reason.split(":")[0]
    (False, 'noise is not supported by the exact simulator yet')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlang.catalog.schema import (
    CALL,
    CALLS,
    CHOICE,
    FLOAT,
    FLOATS,
    INT,
    NAMES,
    OPAQUE,
    REQUIRED,
    Entry,
    Param,
    Range,
    not_yet,
)
from qlang.limits import MAX_SHOTS

PROBABILITY = Range(0, 1)
POSITIVE = Range(0, None, low_open=True)

_NOISE = not_yet(
    "noise is not supported by the exact simulator yet: training and `qlang predict` "
    "would run without it",
    "remove `noise` from `target` (noisy simulation is planned)",
)
_SHOTS = not_yet(
    "`target { shots }` is not supported by the exact simulator yet: training would "
    "compute exact expectations",
    "remove it, or sample during training with `train { shots = N }`",
)
_MITIGATION = not_yet(
    "error mitigation is not supported by the exact simulator yet: there is no noise to mitigate",
    "remove `mitigation` from `target`",
)


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
        "shots per circuit execution on the target",
        Param("value", INT, None, "shots", Range(1, MAX_SHOTS), example=1024),
        status=_SHOTS,
    ),
    _key(
        "noise",
        "noise channels applied after every gate",
        Param("value", CALLS, (), "noise channels", kind="noise", example=("depolarizing",)),
        status=_NOISE,
    ),
    _key(
        "mitigation",
        "error-mitigation methods",
        Param("value", CALLS, (), "mitigation methods", kind="mitigation", example=("readout",)),
        status=_MITIGATION,
    ),
    _key(
        "backend",
        "the simulator that runs training and prediction",
        Param("value", CALL, "statevector", "a backend", kind="backend", example="density_matrix"),
    ),
)


def _channel(name: str, doc: str, *params: Param, rules: tuple = ()) -> Entry:
    return Entry("noise", name, doc, params, status=_NOISE, rules=rules)


def _p(doc: str = "error probability") -> Param:
    return Param("p", FLOAT, REQUIRED, doc, PROBABILITY, example=0.01)


def _t2_bound(v: Mapping[str, Any], given: frozenset[str]) -> str | None:
    if v["t2"] > 2 * v["t1"]:
        return f"`thermal_relaxation` needs t2 <= 2 t1, got t1 = {v['t1']}, t2 = {v['t2']}"
    return None


NOISE: tuple[Entry, ...] = (
    _channel("depolarizing", "depolarizing channel with probability p", _p()),
    _channel("bit_flip", "X with probability p", _p()),
    _channel("phase_flip", "Z with probability p", _p()),
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
    _channel("readout_error", "each measured bit flips with probability p", _p("flip probability")),
)

MITIGATION: tuple[Entry, ...] = (
    Entry(
        "mitigation",
        "zne",
        "zero-noise extrapolation over noise scale factors",
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
                choices=("linear", "richardson", "exponential"),
                example="richardson",
                positional=False,
            ),
        ),
        status=_MITIGATION,
    ),
    Entry(
        "mitigation", "readout", "measurement-error mitigation by calibration", status=_MITIGATION
    ),
)

BACKENDS: tuple[Entry, ...] = (
    Entry(
        "backend",
        "statevector",
        "qlang's exact batched statevector simulator (adjoint gradients)",
        impl="qlang.sim:QuantumFunction",
    ),
    Entry(
        "backend",
        "density_matrix",
        "a density-matrix simulator (needed for noise)",
        status=not_yet(
            "the `density_matrix` backend is not available yet",
            "use `backend = statevector` (the default)",
        ),
    ),
    Entry(
        "backend",
        "aer",
        "Qiskit Aer",
        status=not_yet(
            "the `aer` backend is not available yet",
            "use `backend = statevector` (the default)",
        ),
    ),
)

ENTRIES: tuple[Entry, ...] = TARGET + NOISE + MITIGATION + BACKENDS
