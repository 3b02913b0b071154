"""Compile a circuit for a backend's Target: the ISA circuit, with edge direction.

:func:`target_info` reads what routing needs from any Qiskit ``BackendV2``, ``Target`` or
``CouplingMap``: the qubit count, the *directed* pairs of its two-qubit gate (``ecr``,
``cz`` or ``cx``), its one-qubit basis (``rz``, ``sx``, ``x``) and the calibrated gate
and readout errors (used by qlang's noise-aware layout). :func:`compile_isa` runs qlang's
own layout, routing and basis passes (:func:`qlang.compile`), then turns every two-qubit
gate that points against the device's direction around (:func:`orient`: ``cx`` and
``ecr`` conjugated by one-qubit gates, re-translated to the basis), so every instruction
is supported by the Target as it stands. Compiled circuits are cached on disk by
content hash (:mod:`qlang.backends.cache`).

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> info = TargetInfo("demo", 2, frozenset({(1, 0)}), "cx")
    >>> [(op.name, op.qubits) for op in orient(Circuit(2, (Operation("cx", (0, 1)),)), info).ops]
    [('h', (0,)), ('h', (1,)), ('cx', (1, 0)), ('h', (0,)), ('h', (1,))]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation

#: two-qubit gates a Target may offer, in order of preference
ENTANGLERS = ("ecr", "cz", "cx")
ONE_QUBIT = ("rz", "sx", "x")


def error(code: str, message: str, help: str | None = None) -> QLangError:
    return QLangError([Diagnostic.error(code, message, help=help)])


@dataclass(frozen=True, eq=False)
class TargetInfo:
    """What compiling for a backend needs from its Target.

    ``pairs`` are the directed qubit pairs the entangler runs on (``None``: any pair);
    ``target`` is the Qiskit ``Target`` itself when there is one.
    """

    name: str
    num_qubits: int
    pairs: frozenset[tuple[int, int]] | None
    entangler: str
    qubit_errors: tuple[float, ...] | None = None
    edge_errors: tuple[tuple[tuple[int, int], float], ...] | None = None
    target: Any = field(default=None, repr=False)

    @property
    def basis(self) -> tuple[str, ...]:
        return (self.entangler, *ONE_QUBIT)

    def fingerprint(self) -> str:
        """What the compiled circuit depends on: connectivity, basis and calibration
        (errors, durations, T1/T2: a re-calibrated device compiles afresh)."""
        pairs = sorted(self.pairs) if self.pairs is not None else None
        calibration = ""
        if self.target is not None:
            import hashlib

            from qlang.backends.timing import timing_of

            t = timing_of(self.target)
            text = repr((sorted(t.durations.items()), sorted(t.errors.items()), t.t1, t.t2))
            calibration = hashlib.sha256(text.encode()).hexdigest()[:16]
        return (f"{self.name}|{self.num_qubits}|{self.entangler}|{pairs}|{self.edge_errors}|"
                f"{self.qubit_errors}|{calibration}")  # fmt: skip

    def supported(self, name: str, qubits: tuple[int, ...]) -> bool:
        if self.target is not None:
            return bool(self.target.instruction_supported(name, qubits))
        if len(qubits) == 2:
            return name == self.entangler and (self.pairs is None or qubits in self.pairs)
        return name in (*ONE_QUBIT, "measure", "id")


def target_info(obj: Any, name: str | None = None) -> TargetInfo:
    """A :class:`TargetInfo` of a Qiskit ``BackendV2``, ``Target`` or ``CouplingMap``
    (``QL0700`` for anything else, ``QL0705`` for a Target without the basis)."""
    try:
        from qiskit.transpiler import CouplingMap, Target
    except ImportError:  # pragma: no cover - qiskit is a dependency
        raise error("QL0700", "a backend object needs Qiskit") from None
    label = name or str(getattr(obj, "name", "") or type(obj).__name__)
    if isinstance(obj, CouplingMap):
        cm_pairs = frozenset((int(a), int(b)) for a, b in obj.get_edges())
        return TargetInfo(label, int(obj.size()), cm_pairs, "cx")
    target = obj if isinstance(obj, Target) else getattr(obj, "target", None)
    if not isinstance(target, Target):
        raise error(
            "QL0700",
            f"`{type(obj).__name__}` is not a backend: expected a Qiskit BackendV2, Target "
            "or CouplingMap",
            "pass `backend`, `backend.target` or `backend.coupling_map`",
        )
    ops = set(target.operation_names)
    ent = next((g for g in ENTANGLERS if g in ops), None)
    missing = [g for g in ONE_QUBIT if g not in ops] + ([] if "measure" in ops else ["measure"])
    if ent is None or missing:
        need = ([] if ent is not None else ["a two-qubit gate (ecr, cz or cx)"]) + missing
        raise error(
            "QL0705",
            f"the Target of `{label}` lacks {', '.join(need)} (it has "
            f"{', '.join(sorted(ops)) or 'nothing'})",
            "use a backend whose basis has rz, sx, x, measure and ecr, cz or cx",
        )
    qargs = target.qargs_for_operation_name(ent)
    pairs: frozenset[tuple[int, int]] | None = None if qargs is None else frozenset((int(a), int(b)) for a, b in qargs)
    n = int(target.num_qubits or 0) or 1
    qubit_errors = edge_errors = None
    if pairs is not None:
        edge: dict[tuple[int, int], float] = {}
        for a, b in pairs:
            props = target[ent].get((a, b))
            if props is not None and props.error is not None:
                key = (min(a, b), max(a, b))
                edge[key] = min(edge.get(key, 1.0), float(props.error))
        if edge:
            edge_errors = tuple(sorted(edge.items()))
        readout = []
        for q in range(n):
            props = target["measure"].get((q,)) if target["measure"] else None
            readout.append(float(props.error) if props is not None and props.error else 0.0)
        if any(readout):
            qubit_errors = tuple(readout)
    return TargetInfo(label, n, pairs, ent, qubit_errors, edge_errors, target)


def device_of(info: TargetInfo) -> Any:
    """The qlang :class:`~qlang.devices.Device` (undirected, with errors) or ``None``
    for a Target without a coupling map."""
    if info.pairs is None:
        return None
    from qlang.devices import Device

    return Device(
        info.name,
        info.num_qubits,
        tuple(sorted({(min(a, b), max(a, b)) for a, b in info.pairs})),
        basis=info.basis,
        qubit_errors=info.qubit_errors,
        edge_errors=info.edge_errors,
    )


def _op(name: str, q: int, angle: float | None = None) -> Operation:
    return Operation(name, (q,), () if angle is None else (E.Const(angle),))


def orient(circuit: Circuit, info: TargetInfo) -> Circuit:
    """Every two-qubit gate on a pair the device runs only the other way round, turned
    around: ``cx(a,b) = H H cx(b,a) H H``, ``ecr(a,b) = H H ecr(b,a) ry(pi/2) ry(-pi/2)``
    (up to a global phase); ``cz`` is symmetric."""
    if info.pairs is None:
        return circuit
    out: list[Operation] = []
    for op in circuit.ops:
        if len(op.qubits) != 2 or op.name not in ("cx", "ecr") or op.qubits in info.pairs:
            out.append(op)
            continue
        a, b = op.qubits
        if (b, a) not in info.pairs:
            out.append(op)  # not an edge at all: left for the final check to report
            continue
        flipped = replace(op, qubits=(b, a))
        out += [_op("h", a), _op("h", b), flipped]
        if op.name == "cx":
            out += [_op("h", a), _op("h", b)]
        else:
            out += [_op("ry", a, math.pi / 2), _op("ry", b, -math.pi / 2)]
    return replace(circuit, ops=tuple(out))


def reorient(circuit: Circuit, info: TargetInfo, basis: tuple[str, ...]) -> Circuit:
    """:func:`orient`, then the one-qubit gates it adds translated back to ``basis``."""
    from qlang.passes.basis.translate import BasisTranslation
    from qlang.passes.manager import Pipeline
    from qlang.passes.optimization.cancel import MergeRotations
    from qlang.passes.optimization.resynth import ResynthesizeOneQubit

    oriented = orient(circuit, info)
    if oriented.ops == circuit.ops or not basis:
        return oriented
    b = tuple(basis)
    return Pipeline(
        (
            BasisTranslation(basis=b),
            ResynthesizeOneQubit(basis=b),
            MergeRotations(commute=False, basis=b),
        )
    ).run(oriented)


@dataclass(frozen=True)
class Isa:
    """A circuit compiled for a Target: ``circuit`` (physical qubits, parameters kept
    symbolic) and ``final[l]``, the physical qubit that holds logical qubit ``l`` at the end."""

    circuit: Circuit
    final: tuple[int, ...]
    cached: bool = False


#: layout candidates (compiled with seeds ``seed, seed + 1, ...``) per optimisation level,
#: judged by their estimated success probability on a Target with calibration data
CANDIDATES = {0: 1, 1: 8, 2: 8, 3: 8}


def measured_all(isa: Isa) -> Circuit:
    """``isa.circuit`` with every logical qubit measured where it ends (the readout's
    qubits are not known yet when a layout is chosen: all of them are read)."""
    from qlang.ir.circuit import Operation

    ops = tuple(Operation("measure", (p,), clbits=(i,)) for i, p in enumerate(isa.final))
    return replace(isa.circuit, ops=isa.circuit.ops + ops,
                   num_clbits=max(isa.circuit.num_clbits, len(isa.final)))  # fmt: skip


def estimated_success(isa: Isa, info: TargetInfo) -> float | None:
    """The estimated success probability of ``isa`` on ``info``'s Target, every logical
    qubit measured (:func:`qlang.backends.timing.success_probability`: gate and readout
    errors, and T1/T2 over each qubit's live time); ``None`` without a Target."""
    if info.target is None:
        return None
    from qlang.backends.timing import success_probability, timing_of

    return success_probability(measured_all(isa), timing_of(info.target))


def compile_isa(
    circuit: Circuit, info: TargetInfo, *, level: int = 1, seed: int = 0, cache: bool = True
) -> Isa:
    """The ISA circuit of ``circuit`` for ``info`` (``QL0703`` when it does not fit)."""
    if circuit.num_qubits > info.num_qubits:
        raise error(
            "QL0703",
            f"the circuit needs {circuit.num_qubits} qubits, but `{info.name}` has "
            f"{info.num_qubits}",
            "use a larger backend, or fewer qubits",
        )
    from qlang.backends import cache as disk

    key = disk.key("isa", circuit, info.fingerprint(), level, seed)
    if cache:
        hit = disk.load_circuit(key)
        if hit is not None:
            circuit_, final = hit
            return Isa(circuit_, final, cached=True)
    isa = _best_layout(circuit, info, level, seed)
    if cache:
        disk.store_circuit(key, isa.circuit, isa.final)
    return isa


def _best_layout(circuit: Circuit, info: TargetInfo, level: int, seed: int) -> Isa:
    """The compiled circuit of the best of :data:`CANDIDATES` layouts by estimated success
    probability (calibrated gate and readout errors and the decoherence while the circuit
    runs, from the Target's durations and T1/T2); the first one without calibration data."""
    first = _compile(circuit, info, level, seed)
    if info.target is None or info.pairs is None or CANDIDATES.get(level, 1) <= 1:
        return first
    best, best_p = first, estimated_success(first, info) or 0.0
    for k in range(1, CANDIDATES.get(level, 1)):
        other = _compile(circuit, info, level, seed + k)
        p = estimated_success(other, info) or 0.0
        if p > best_p:
            best, best_p = other, p
    return best


def _compile(circuit: Circuit, info: TargetInfo, level: int, seed: int) -> Isa:
    from qlang.compiler import compile as qcompile

    device = device_of(info)
    logical = replace(circuit, layout=None)
    try:
        out = qcompile(
            logical, device=device, basis=list(info.basis), optimization_level=level, seed=seed
        ).ir
    except QLangError as err:
        if any(d.code.startswith("QL058") or d.code.startswith("QL059") for d in err.diagnostics):
            raise error(
                "QL0703",
                f"the circuit cannot be placed on `{info.name}`: "
                + "; ".join(d.message for d in err.diagnostics),
                "use a larger or better connected backend",
            ) from err
        raise
    final = tuple(out.layout.final) if out.layout is not None else tuple(range(circuit.num_qubits))
    oriented = reorient(out, info, info.basis)
    if oriented.num_qubits < info.num_qubits and info.pairs is not None:
        oriented = replace(oriented, num_qubits=info.num_qubits)
    result = replace(oriented, layout=None)
    for op in result.ops:
        if op.is_gate and not info.supported(op.name, op.qubits):
            raise error(  # a compiler bug, reported with its own code rather than a traceback
                "QL0705",
                f"the compiled circuit has `{op.name}` on qubits {list(op.qubits)}, which "
                f"`{info.name}` does not support",
            )
    return Isa(result, final)
