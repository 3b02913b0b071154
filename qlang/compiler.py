"""``qlang.compile``: one call from a model, a QASM file or a circuit to every target.

This API is how other tools embed qlang; keep it stable.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Input
    >>> c = Circuit(2, (Operation("ry", (0,), (Input(0),)), Operation("cx", (0, 1))),
    ...             inputs=(ParamDecl("x", (1,), 0),))
    >>> out = compile(c, optimization_level=0)
    >>> out.parameters, out.stats.two_qubit_gates
    (['x_0'], 1)
    >>> out.qasm3.splitlines()[-1]
    'cx q[0], q[1];'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir.circuit import Circuit, Layout

if TYPE_CHECKING:
    from pytket import Circuit as TketCircuit
    from qiskit import QuantumCircuit

__all__ = ["TARGETS", "Compiled", "CircuitStats", "compile"]

_QASM_HEADER = re.compile(r"\s*(?://[^\n]*\n\s*|/\*.*?\*/\s*)*OPENQASM\b", re.S)

#: Output formats of :func:`compile` and ``qlang compile --target``.
TARGETS: tuple[str, ...] = ("qasm3", "qiskit", "tket", "ir")


@dataclass(frozen=True, slots=True)
class CircuitStats:
    """Size of a compiled circuit (barriers, measurements and resets not counted as gates)."""

    qubits: int
    depth: int
    gate_counts: dict[str, int]
    two_qubit_gates: int
    clbits: int = 0

    @staticmethod
    def of(circuit: Circuit) -> CircuitStats:
        counts = dict(sorted(circuit.count_ops().items()))
        return CircuitStats(
            qubits=circuit.num_qubits,
            depth=circuit.depth(),
            gate_counts=counts,
            two_qubit_gates=circuit.num_two_qubit_gates,
            clbits=circuit.num_clbits,
        )


@dataclass(frozen=True)
class Compiled:
    """The result of :func:`compile`: the optimised (and routed) IR and its lowerings."""

    ir: Circuit
    target: str = "qasm3"
    model_name: str = "main"
    source_hash: str = ""
    optimization_level: int = 1
    notes: tuple[str, ...] = field(default=())
    #: with ``measure=True``: one circuit per measurement basis of the readout, each with
    #: its basis rotations and measurements (bind them like this one: ``bind_weights``)
    measured: tuple[Compiled, ...] = field(default=())
    #: with ``measure=True``: how counts of :attr:`measured` decode into model outputs
    manifest: dict[str, Any] | None = field(default=None, compare=False)

    @cached_property
    def qasm3(self) -> str:
        """OpenQASM 3 text (parameters as ``input float[64]``)."""
        from qlang.targets.qasm3 import to_qasm3

        return to_qasm3(self.ir, model_name=self.model_name, source_hash=self.source_hash or None)

    def to_qiskit(self) -> QuantumCircuit:
        """A fresh Qiskit ``QuantumCircuit`` (layout attached when routed)."""
        from qlang.targets.qiskit import to_qiskit

        return to_qiskit(self.ir)

    def to_tket(self) -> TketCircuit:
        """A fresh pytket ``Circuit`` (angles in half-turns)."""
        from qlang.targets.tket import to_tket

        return to_tket(self.ir)

    def to_ir_json(self, indent: int | None = 2) -> str:
        from qlang.targets.ir_json import circuit_to_json

        return circuit_to_json(self.ir, indent=indent)

    def bind(self, values: Sequence[float] | Mapping[str, float]) -> Compiled:
        """A copy with parameters bound: every one (a sequence in :attr:`parameters`
        order), or by name (a mapping that covers all inputs and/or all weights; the
        rest stay free).

        Useful for tools that cannot take symbolic angles, e.g. Qiskit's
        OpenQASM 3 importer with functions in angles (see docs/targets.md).
        """
        from qlang.targets.binding import bind_circuit, bind_parts

        if not isinstance(values, Mapping):
            return replace(self, ir=bind_circuit(self.ir, values))
        names = self.parameters
        n_in = self.ir.num_inputs
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise _bind_error(f"the circuit has no parameter `{unknown[0]}`", names)
        parts: dict[str, list[float] | None] = {}
        for part, group in (("inputs", names[:n_in]), ("weights", names[n_in:])):
            given = [n for n in group if n in values]
            if given and len(given) != len(group):
                missing = next(n for n in group if n not in values)
                raise _bind_error(f"no value for `{missing}` (bind all {part} or none)", names)
            parts[part] = [float(values[n]) for n in group] if given else None
        return replace(self, ir=bind_parts(self.ir, parts["inputs"], parts["weights"]))

    def bind_weights(
        self, weights: str | Path | Any, inputs: Sequence[float] | None = None
    ) -> Compiled:
        """The trained weights bound by name: ``weights`` is a ``qlang train --out`` folder,
        a :class:`~qlang.train.tasks.common.Trained` or a ``{name: value}`` mapping.

        Every weight of this circuit must be in it (``QL0522`` otherwise): the artifact's
        names are the circuit's parameter names (:attr:`parameters`), the same in
        ``weights.json``, ``model.qasm``, Qiskit and tket. With ``inputs`` (the
        preprocessed features, e.g. ``qlang.train.api.load(model, run).prepare(X)[0]``)
        the data input is bound too, giving a program without free parameters.
        """
        if isinstance(weights, str | Path):
            from qlang.train.artifacts import load_trained

            weights = load_trained(weights)
        if not isinstance(weights, Mapping):
            weights = dict(zip(weights.param_names, (float(v) for v in weights.params), strict=True))
        names = self.parameters
        n_in = self.ir.num_inputs
        own = names[n_in:]
        missing = [n for n in own if n not in weights]
        if missing:
            raise _bind_error(
                f"the weights have no value for `{missing[0]}` of circuit `{self.ir.name}`",
                names,
            )
        values: dict[str, float] = {n: float(weights[n]) for n in own}
        if inputs is not None:
            if len(inputs) != n_in:
                raise _bind_error(f"expected {n_in} input values, got {len(inputs)}", names)
            values.update(zip(names[:n_in], (float(v) for v in inputs), strict=True))
        return self.bind(values)

    @property
    def layout(self) -> Layout | None:
        """``Layout(initial, final)`` for routed circuits, else ``None``."""
        return self.ir.layout

    @property
    def stats(self) -> CircuitStats:
        return CircuitStats.of(self.ir)

    @property
    def parameters(self) -> list[str]:
        """Parameter names in binding order (inputs, then weights): ``theta[1,2]`` is
        ``theta_1_2``, exactly as in the OpenQASM 3 ``input`` declarations, the Qiskit and
        tket parameters and a trained model's ``weights.json``
        (:func:`qlang.targets.names.parameter_identifiers`)."""
        from qlang.targets.names import parameter_identifiers

        return parameter_identifiers(self.ir)

    def __repr__(self) -> str:
        s = self.stats
        routed = ", routed" if self.layout is not None else ""
        return (
            f"Compiled({self.model_name!r}, target={self.target!r}, "
            f"O{self.optimization_level}, qubits={s.qubits}, depth={s.depth}, "
            f"two_qubit_gates={s.two_qubit_gates}, parameters={len(self.parameters)}{routed})"
        )

    def _repr_html_(self) -> str:
        from qlang.jupyter.render import compiled_html

        return compiled_html(self)

    def _repr_svg_(self) -> str:
        from qlang.jupyter.render import MAX_COLUMNS
        from qlang.semantics.drawing_svg import to_svg

        return to_svg(self.ir, max_columns=MAX_COLUMNS)

    def output(self) -> Any:
        """The object for ``target``: str (qasm3, ir JSON), QuantumCircuit or pytket Circuit."""
        if self.target == "qasm3":
            return self.qasm3
        if self.target == "qiskit":
            return self.to_qiskit()
        if self.target == "tket":
            return self.to_tket()
        return self.to_ir_json()


def compile(  # noqa: A001 (the public name the issue asks for)
    source: str | Path | Circuit | Any,
    target: str = "qasm3",
    device: Any = None,
    optimization_level: int | None = None,
    *,
    basis: str | Sequence[str] | None = None,
    passes: str | None = None,
    seed: int = 0,
    print_ir_after: Sequence[str] = (),
    time_passes: bool = False,
    verify: bool = True,
    block: str | None = None,
    allow: Sequence[str | Path] = (),
    measure: bool = False,
) -> Compiled:
    """Compile a ``.qml``/``.qasm`` path, source text, ``Model`` or ``Circuit``.

    For a model, ``block`` picks one of its quantum blocks (default: the first, the
    model's own circuit); every block keeps its parameter names, so
    :meth:`Compiled.bind_weights` binds any of them from the trained artifact.

    ``device`` is a device spec string (``"heavy_hex(3)"``) or a device object, ``basis`` a
    named basis (``"ibm"``) or gate names, ``optimization_level`` 0-3 (0 runs no passes
    unless routing or a basis needs them). For a model, each of the three defaults to the
    model's ``target { device, basis, optimization_level }``; ``device="none"`` and
    ``basis="none"`` ignore the model's. ``passes`` replaces the ``-O`` preset with a ``--passes`` pipeline spec
    (routing passes take ``device`` unless they name one). ``print_ir_after`` and
    ``time_passes`` write the IR after the named passes / a timing table to stderr.

    ``measure`` (a model's block) also lowers the readout to measurements:
    :attr:`Compiled.measured` holds one circuit per qubit-wise commuting measurement
    basis and :attr:`Compiled.manifest` says how their counts decode into the outputs.
    ``device`` may also be a Qiskit ``BackendV2``, ``Target`` or ``CouplingMap``: routing
    keeps its edge direction and its basis is the default.
    """
    if target not in TARGETS:
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0520", f"unknown target `{target}`", help=f"use one of {', '.join(TARGETS)}"
                )
            ]
        )
    if optimization_level is not None and optimization_level not in (0, 1, 2, 3):
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0521", f"optimization level must be 0, 1, 2 or 3, not `{optimization_level}`"
                )
            ]
        )
    circuit, name, digest, model_target, readout = _load_with_readout(source, block, tuple(allow))
    logical_qubits = circuit.num_qubits
    check_finite(circuit)  # before any pass computes with the angles
    notes: list[str] = []
    settings = _settings(model_target, device, basis, optimization_level, notes)
    _check_cut_model(model_target, settings.device, circuit)
    pipeline = _pipeline(settings, passes, seed, tuple(print_ir_after), time_passes, verify)
    if pipeline is not None:
        circuit = pipeline.run(circuit)
    if settings.qiskit_target is not None:  # two-qubit gates turned to the device's direction
        from qlang.backends.isa import reorient

        circuit = reorient(circuit, settings.qiskit_target, settings.basis)
    circuit.verify()
    check_finite(circuit)
    out = Compiled(circuit, target, name, digest, settings.level, tuple(notes))
    if measure:
        out = _with_measurements(out, readout, logical_qubits)
    target_obj = getattr(settings.qiskit_target, "target", None)
    if target_obj is not None:
        out = _with_schedule(out, target_obj, settings.qiskit_target.name)
    return out


def _check_cut_model(model_target: Any, device: Any, circuit: Any) -> None:
    """``QL0955``: a model that runs cut into pieces (``target { cutting }``) compiled for
    a device narrower than its whole circuit (``qlang compile`` emits the uncut circuit)."""
    if getattr(model_target, "cutting", None) is None:
        return
    width = getattr(device, "num_qubits", None)
    if width is None or width >= circuit.num_qubits:
        return
    raise QLangError(
        [
            Diagnostic.error(
                "QL0955",
                f"the whole {circuit.num_qubits}-qubit circuit does not fit device "
                f"`{getattr(device, 'name', device)}` ({width} qubits); the model runs cut "
                "into pieces (`target { cutting }`)",
                help="compile the pieces: `qlang compile FILE -o DIR` (without `--whole`; "
                "API: `qlang.cutting.emit.compile_pieces`), or the whole circuit with "
                "`--device none` or a device with enough qubits",
            )
        ]
    )


def _with_schedule(compiled: Compiled, target: Any, device: str) -> Compiled:
    """The scheduled duration (the Target's calibrated durations) and estimated success
    probability of the compiled (measured) circuits: a note, and ``schedule`` in the
    manifest (:func:`qlang.backends.timing.report`)."""
    from qlang.backends.timing import report, timing_of

    if not timing_of(target).known:
        return compiled
    circuits = [m.ir for m in compiled.measured] or [compiled.ir]
    rep = report(circuits, target, device)
    esp = ", ".join(f"{c['estimated_success']:.3f}" for c in rep["circuits"])
    note = (f"scheduled duration on `{device}`: {rep['duration_s'] * 1e6:.2f} us (ASAP, the "
            f"Target's durations); estimated success probability {esp}")  # fmt: skip
    manifest = compiled.manifest
    if manifest is not None:
        manifest = {**manifest, "schedule": rep}
    return replace(compiled, notes=(*compiled.notes, note), manifest=manifest)


def _with_measurements(compiled: Compiled, readout: Any, logical_qubits: int) -> Compiled:
    """``compiled`` with its measured circuits and the decoding manifest."""
    from qlang.catalog.schema import value_text
    from qlang.targets.measure import measured_circuit, measurement

    if readout is None:
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0704",
                    "`measure` lowers a model's readout, but this circuit has none",
                    help="compile a .qml model (its readout says what to measure)",
                )
            ]
        )
    m = measurement(readout, logical_qubits)
    ir = compiled.ir
    final = tuple(ir.layout.final) if ir.layout is not None else tuple(range(logical_qubits))
    circuits = tuple(
        replace(compiled, ir=measured_circuit(ir, g, final), measured=(), manifest=None)
        for g in m.groups
    )
    manifest = {
        "format": "qlang-measure-1",
        "model": compiled.model_name,
        "readout": readout.kind,
        "outputs": readout.num_outputs,
        "post": [value_text(c) for c in readout.post],
        "circuits": [
            {"clbits": [[i, final[q], p] for i, (q, p) in enumerate(g.basis)]}
            for g in m.groups
        ],
        **m.to_json(final),
        "decode": "For circuit g, the expectation of Pauli string k in groups[g].members is "
        "the mean over shots of (-1)**(XOR of the clbits measuring its qubits); identity "
        "strings are 1. outputs = matrix @ expectations + offset, then the `post` steps.",
    }
    return replace(compiled, measured=circuits, manifest=manifest)


def check_finite(circuit: Circuit) -> None:
    """``QL0208`` when a gate angle or the global phase holds ``inf`` or ``nan``."""
    import math

    from qlang.ir import expr as E

    exprs: list[tuple[Any, E.Expr]] = [(op, p) for op in circuit.ops for p in op.params]
    exprs.append((None, circuit.global_phase))
    for op, e in exprs:
        for node in E.walk(e):
            if isinstance(node, E.Const) and not math.isfinite(node.value):
                where = f"gate `{op.name}`" if op is not None else "the global phase"
                raise QLangError(
                    [
                        Diagnostic.error(
                            "QL0208",
                            f"a parameter of {where} is not finite (`{node.value}`)",
                            op.span if op is not None else None,
                            help="keep constants within about 1e308 in magnitude",
                        )
                    ]
                )


@dataclass(frozen=True)
class _Settings:
    device: Any
    basis: tuple[str, ...]
    level: int
    qiskit_target: Any = None


def _settings(
    model_target: Any,
    device: Any,
    basis: str | Sequence[str] | None,
    level: int | None,
    notes: list[str],
) -> _Settings:
    """Explicit arguments win over the model's ``target`` block."""
    from qlang import access
    from qlang.devices import device_spec, parse_device

    if device is None and model_target is not None and model_target.device is not None:
        device = device_spec(model_target.device)  # read (and allowed) when the model loaded
        notes.append(f"routing for `{device}` (from the model's target block)")
    source = getattr(getattr(model_target, "noise", None), "source", None)
    if device is None and source is not None:  # noise = from_backend("..."): its device
        from qlang.sim.noise_device import device_of

        device = device_of(source)
        notes.append(f"routing for `{source}` (the device of `from_backend`)")
        if basis is None and not model_target.basis:
            basis = tuple(device.basis)
    backend = getattr(model_target, "backend", None)
    if device is None and backend is not None and getattr(backend, "name", None) == "fake":
        # backend = fake("sherbrooke"): compile for the device the model will run on
        from qlang.backends import make_backend

        device = make_backend(backend).backend()
        notes.append(f"routing for `{device.name}` (the model's execution backend)")
    qiskit_target = None
    if device is not None and not isinstance(device, str) and not hasattr(device, "edge_set"):
        # a Qiskit BackendV2, Target or CouplingMap: its directed coupling map and basis
        from qlang.backends.isa import device_of as isa_device
        from qlang.backends.isa import target_info

        qiskit_target = target_info(device)
        device = isa_device(qiskit_target)
        notes.append(f"routing for the Qiskit target `{qiskit_target.name}` (edge direction kept)")
        if basis is None:  # the explicit device's basis wins over the model's
            basis = qiskit_target.basis
    if isinstance(device, str):
        with access.unrestricted():  # a device the caller names, or one already allowed
            device = None if device.strip().lower() in ("", "none") else parse_device(device)
    if basis is None and model_target is not None and model_target.basis:
        basis = tuple(model_target.basis)
    if isinstance(basis, str):
        basis = tuple(b.strip() for b in basis.split(",") if b.strip())
    if basis is not None and tuple(basis) == ("none",):
        basis = ()
    if level is None:
        level = model_target.optimization_level if model_target is not None else 1
    return _Settings(device, tuple(basis or ()), level, qiskit_target)


def _pipeline(
    s: _Settings,
    passes: str | None,
    seed: int,
    print_ir_after: tuple[str, ...],
    time_passes: bool,
    verify: bool,
) -> Any:
    from qlang.passes.manager import Pipeline
    from qlang.passes.presets import preset_passes
    from qlang.passes.registry import parse_pipeline

    if passes is not None:
        plist = parse_pipeline(passes, device=s.device)
    elif s.level == 0 and s.device is None and not s.basis:
        return None
    else:
        plist = preset_passes(s.level, basis=s.basis or None, device=s.device, seed=seed)
    return Pipeline(
        tuple(plist), verify=verify, print_ir_after=print_ir_after, time_passes=time_passes
    )


def _bind_error(message: str, names: Sequence[str]) -> QLangError:
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return QLangError(
        [
            Diagnostic.error(
                "QL0522",
                message,
                help=f"the circuit's parameters: {shown or 'none'}",
            )
        ]
    )


def _hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _load(
    source: Any, block: str | None = None, allow: tuple[str | Path, ...] = ()
) -> tuple[Circuit, str, str, Any]:
    """(circuit, name, source hash, the model's ``Target`` or ``None``)."""
    return _load_with_readout(source, block, allow)[:4]  # type: ignore[return-value]


def _load_with_readout(
    source: Any, block: str | None = None, allow: tuple[str | Path, ...] = ()
) -> tuple[Circuit, str, str, Any, Any]:
    """:func:`_load` and the block's ``Readout`` (``None`` for a bare circuit)."""
    if isinstance(source, Circuit):
        return source, source.name, "", None, None
    if hasattr(source, "blocks") and hasattr(source, "circuit"):
        found = _block_of(source, block)
        return (
            found.circuit,
            getattr(source, "name", "main"),
            getattr(source, "source_hash", ""),
            getattr(source, "target", None),
            found.readout,
        )
    if isinstance(getattr(source, "circuit", None), Circuit):  # e.g. a QuantumBlock
        return source.circuit, getattr(source, "name", "main"), "", None, getattr(source, "readout", None)
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        if path.suffix.lower() in (".qasm", ".qasm2", ".qasm3"):
            from qlang.fileio import read_source
            from qlang.targets.qasm_import import import_qasm

            try:
                text = read_source(path, what="OpenQASM file")
            except QLangError as err:  # unreadable OpenQASM keeps its own code
                d = err.diagnostics[0]
                if d.code in ("QL0010", "QL0011"):
                    d = replace(d, code="QL0515")
                raise QLangError([d]) from None
            circuit = import_qasm(text, filename=str(path))
            return circuit, circuit.name, _hash(text), None, None
        return _load_model(path, block, allow)
    if isinstance(source, str):
        if _QASM_HEADER.match(source):
            from qlang.targets.qasm_import import import_qasm

            circuit = import_qasm(source)
            return circuit, circuit.name, _hash(source), None, None
        return _load_model(source, block, allow)
    raise TypeError(f"cannot compile a {type(source).__name__}")


def _looks_like_path(text: str) -> bool:
    from qlang.fileio import exists

    if "\n" in text or ";" in text or "{" in text:
        return False
    return Path(text).suffix.lower() in (".qml", ".qasm", ".qasm2", ".qasm3") or exists(text)


def _load_model(
    path_or_text: str | Path, block: str | None, allow: tuple[str | Path, ...] = ()
) -> tuple[Circuit, str, str, Any, Any]:
    from qlang.driver import load_model

    model = load_model(path_or_text, allow=allow)
    found = _block_of(model, block)
    return found.circuit, model.name, model.source_hash, model.target, found.readout


def _block_circuit(model: Any, block: str | None) -> Circuit:
    return _block_of(model, block).circuit


def _block_of(model: Any, block: str | None) -> Any:
    if block is None:
        return model.main
    found = model.block(block)
    if found is None:
        from qlang.diagnostics import did_you_mean

        names = [b.name for b in model.blocks]
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0522",
                    f"model `{model.name}` has no quantum block `{block}`",
                    help=did_you_mean(block, names) or f"blocks: {', '.join(names)}",
                )
            ]
        )
    return found
