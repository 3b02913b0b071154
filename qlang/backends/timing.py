"""Gate durations and coherence times from a backend's Target: the scheduled duration of
a compiled circuit and its estimated success probability.

:func:`timing_of` reads every instruction's calibrated ``duration`` from a Qiskit
``Target`` and each qubit's ``T1``/``T2`` from its ``qubit_properties`` (``None`` where
the backend gives none). :func:`schedule` places the operations as soon as possible
(a gate starts when all its qubits are free; ``rz`` is virtual on IBM devices and takes
0 s; ``barrier`` synchronises its qubits) and returns the circuit's duration and, per
qubit, when it is first used and when it is done. :func:`success_probability` is the
usual estimate

    ESP = prod_gates (1 - e_gate) * prod_measured (1 - e_readout)
          * prod_qubits exp(-t_q / T1_q - t_q / T2_q)

where ``t_q`` is the time qubit ``q`` is live (from its first operation to the end of
the circuit, idling included): the calibrated gate and readout errors of the Target plus
relaxation and dephasing while the circuit runs.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> t = Timing({("sx", (0,)): 3.2e-8, ("cz", (0, 1)): 6.8e-8}, {}, (1e-4, 1e-4), (1e-4, 1e-4))
    >>> s = schedule(Circuit(2, (Operation("sx", (0,)), Operation("cz", (0, 1)))), t)
    >>> round(s.duration * 1e9, 1), s.first
    (100.0, (0.0, 3.2e-08))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from qlang.ir.circuit import Circuit


@dataclass(frozen=True, eq=False)
class Timing:
    """Durations ``{(gate, qubits): seconds}``, gate errors ``{(gate, qubits): p}`` and
    per-qubit ``T1``/``T2`` in seconds (``None`` entries: unknown)."""

    durations: dict[tuple[str, tuple[int, ...]], float]
    errors: dict[tuple[str, tuple[int, ...]], float]
    t1: tuple[float | None, ...]
    t2: tuple[float | None, ...]
    dt: float | None = None

    def duration(self, name: str, qubits: tuple[int, ...]) -> float:
        got = self.durations.get((name, qubits))
        if got is None and len(qubits) == 2:
            got = self.durations.get((name, (qubits[1], qubits[0])))
        return float(got or 0.0)

    def error(self, name: str, qubits: tuple[int, ...]) -> float:
        got = self.errors.get((name, qubits))
        if got is None and len(qubits) == 2:
            got = self.errors.get((name, (qubits[1], qubits[0])))
        return float(got or 0.0)

    @property
    def known(self) -> bool:
        """Whether the Target gave any duration at all."""
        return any(v > 0 for v in self.durations.values())


def timing_of(target: Any) -> Timing:
    """The :class:`Timing` of a Qiskit ``Target``."""
    durations: dict[tuple[str, tuple[int, ...]], float] = {}
    errors: dict[tuple[str, tuple[int, ...]], float] = {}
    for name in target.operation_names:
        props_map = target[name]
        if not props_map:
            continue
        for qargs, props in props_map.items():
            if qargs is None or props is None:
                continue
            key = (name, tuple(int(q) for q in qargs))
            if props.duration is not None:
                durations[key] = float(props.duration)
            if props.error is not None:
                errors[key] = float(props.error)
    n = int(target.num_qubits or 0)
    qp = list(getattr(target, "qubit_properties", None) or [])
    t1 = tuple(_positive(getattr(qp[q], "t1", None)) if q < len(qp) and qp[q] is not None else None
               for q in range(n))  # fmt: skip
    t2 = tuple(_positive(getattr(qp[q], "t2", None)) if q < len(qp) and qp[q] is not None else None
               for q in range(n))  # fmt: skip
    dt = getattr(target, "dt", None)
    return Timing(durations, errors, t1, t2, float(dt) if dt else None)


def _positive(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if f > 0 and math.isfinite(f) else None


@dataclass(frozen=True)
class Schedule:
    """An ASAP schedule: total ``duration`` (s); per qubit the start of its first
    operation (``first``, ``None`` when unused) and the end of its last (``end``)."""

    duration: float
    first: tuple[float | None, ...]
    end: tuple[float, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "duration_s": self.duration,
            "qubits_live_s": {str(q): self.duration - f for q, f in enumerate(self.first)
                              if f is not None},  # fmt: skip
        }


def schedule(circuit: Circuit, timing: Timing) -> Schedule:
    """The ASAP :class:`Schedule` of ``circuit`` (physical qubits of the Target)."""
    n = circuit.num_qubits
    free = [0.0] * n
    first: list[float | None] = [None] * n
    for op in circuit.ops:
        qs = tuple(op.qubits)
        if not qs:
            continue
        start = max(free[q] for q in qs)
        if op.name == "barrier":
            for q in qs:
                free[q] = start
            continue
        end = start + timing.duration(op.name, qs)
        for q in qs:
            if first[q] is None:
                first[q] = start
            free[q] = end
    total = max(free, default=0.0)
    return Schedule(total, tuple(first), tuple(free))


def success_probability(circuit: Circuit, timing: Timing, sched: Schedule | None = None) -> float:
    """The estimated success probability (module docstring) of ``circuit``, whose
    ``measure`` operations count with their readout error."""
    sched = sched or schedule(circuit, timing)
    log_p = 0.0
    for op in circuit.ops:
        if op.name == "barrier" or not op.qubits:
            continue
        e = timing.error(op.name, tuple(op.qubits))
        log_p += math.log1p(-min(e, 0.999999))
    for q, f in enumerate(sched.first):
        if f is None:
            continue
        live = sched.duration - f
        for t in (timing.t1[q] if q < len(timing.t1) else None,
                  timing.t2[q] if q < len(timing.t2) else None):  # fmt: skip
            if t:
                log_p -= live / t
    return math.exp(log_p)


def report(circuits: list[Circuit], target: Any, name: str) -> dict[str, Any]:
    """The schedule of each measured circuit on ``target``: duration and estimated
    success probability (what ``qlang compile``, ``qlang inspect`` and a run's
    provenance show for a backend with calibration data)."""
    t = timing_of(target)
    rows = []
    for c in circuits:
        s = schedule(c, t)
        rows.append({"duration_s": s.duration, "estimated_success": success_probability(c, t, s)})
    return {
        "device": name,
        "durations": "ASAP schedule of the Target's calibrated durations (rz: virtual)",
        "circuits": rows,
        "duration_s": max((r["duration_s"] for r in rows), default=0.0),
    }


def backend_schedule(block: Any, call: Any) -> dict[str, Any] | None:
    """:func:`report` for ``block`` compiled for ``backend = fake(...)`` (the device's
    Target, offline; the compiled circuit is cached on disk as a run compiles it);
    ``None`` for other backends (``ibm`` needs an account, Aer and pytket have no
    durations)."""
    if getattr(call, "name", None) != "fake":
        return None
    from qlang.backends import make_backend
    from qlang.backends.isa import compile_isa
    from qlang.targets.measure import measured_circuit, measurement

    backend = make_backend(call)
    info = backend.info
    if info.target is None or not timing_of(info.target).known:
        return None
    isa = compile_isa(block.circuit, info, level=backend.level, seed=backend.seed or 0)
    m = measurement(block.readout, block.circuit.num_qubits)
    circuits = [measured_circuit(isa.circuit, g, isa.final) for g in m.groups] or [isa.circuit]
    return report(circuits, info.target, info.name)
