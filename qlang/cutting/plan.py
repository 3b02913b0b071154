"""Find the cuts of a circuit once, on its structure, and build the subexperiments.

:func:`plan_cuts` lowers the circuit IR to Qiskit with free parameters, decomposes the
parameterised two-qubit gates (a cut gate's decomposition must not depend on a weight),
and runs ``qiskit-addon-cutting``: ``find_cuts`` (``OptimizationParameters`` /
``DeviceConstraints``: every piece at most ``max_qubits`` wide), ``cut_wires`` and
``expand_observables`` for wire cuts, ``partition_problem`` and
``generate_cutting_experiments`` with every term of the quasi-probability decomposition
(``num_samples = inf``, exact weights). Each subexperiment becomes a unitary circuit IR
over the model's own inputs and weights (:mod:`qlang.cutting.convert`), so the same
subexperiments serve every batch and every weight vector.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> from qlang.ir.model import Observable, PauliTerm
    >>> from qlang.ir.expr import Const
    >>> c = Circuit(3, (Operation("h", (0,)), Operation("cx", (0, 1)), Operation("cx", (1, 2))))
    >>> zz = Observable((PauliTerm(Const(1.0), ((0, "Z"), (2, "Z"))),))
    >>> plan = plan_cuts(c, (zz,), CutSettings(max_qubits=2))
    >>> [(cut.kind, cut.gate, cut.qubits) for cut in plan.cuts], plan.widths
    ([('gate', 'cx', (1, 2))], (2, 1))
    >>> len(plan.coefficients), plan.sampling_overhead
    (6, 9.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit
from qlang.ir.model import Observable, PauliTerm
from qlang.limits import MAX_CUT_TERMS

#: the gates find_cuts may cut as they are (their decomposition has no parameter)
_FIXED = frozenset({"cx", "cy", "cz", "ch", "swap", "iswap", "ecr", "dcx", "csx"})


@dataclass(frozen=True, slots=True)
class CutSettings:
    """``cutting = auto(...)``: the piece width, the cut kinds, the bounds on the cuts."""

    max_qubits: int
    max_cuts: int = 8
    cuts: str = "both"
    max_overhead: float = 1e6
    seed: int = 111


@dataclass(frozen=True, slots=True)
class Cut:
    """One cut: ``kind`` ``gate`` (a two-qubit gate split into local terms; ``gate`` is
    its name) or ``wire`` (a qubit's state moved to a new qubit of another piece;
    ``gate`` is the gate the cut precedes); ``qubits`` of the model; ``position``: the
    instruction index in the circuit as cut (parameterised two-qubit gates decomposed)."""

    kind: str
    gate: str
    qubits: tuple[int, ...]
    position: int

    def text(self) -> str:
        """``gate cut of cx q3, q4`` / ``wire cut on q0 before cx q0, q4``."""
        qs = ", ".join(f"q{q}" for q in self.qubits)
        if self.kind == "gate":
            return f"gate cut of {self.gate} {qs}"
        return f"wire cut on {qs} before {self.gate}"


@dataclass(frozen=True, slots=True)
class Piece:
    """One subcircuit: the model qubits it holds (a wire cut's qubit may be in two pieces),
    its width on the device, and its simulated width (deferred measurements add qubits)."""

    label: Any
    qubits: tuple[int, ...]
    width: int
    simulated: int


@dataclass(frozen=True, slots=True)
class Term:
    """One subexperiment of one piece: a unitary circuit and one ``<Z...Z>`` observable
    per subobservable of its measurement group."""

    circuit: Circuit
    observables: tuple[Observable, ...]


@dataclass(frozen=True)
class CutPlan:
    """The cuts, the pieces and the subexperiments of one circuit.

    ``paulis`` are the distinct Pauli strings (Qiskit labels) the readout needs;
    ``terms[label][i * groups + k]`` is term ``i``'s subexperiment for measurement
    group ``k`` of piece ``label``; ``lookup[label][j]`` lists the ``(group, index)``
    results whose mean is Pauli ``j`` on that piece (as in the add-on's reconstruction).
    """

    cuts: tuple[Cut, ...]
    pieces: tuple[Piece, ...]
    sampling_overhead: float
    coefficients: tuple[float, ...]
    paulis: tuple[str, ...]
    terms: dict[Any, tuple[Term, ...]]
    groups: dict[Any, int]
    lookup: dict[Any, tuple[tuple[tuple[int, int], ...], ...]]
    #: per piece: the add-on's subexperiments as it made them (Qiskit circuits with their
    #: mid-circuit measurements and resets; what ``qlang compile`` emits), the piece's
    #: subobservables (Qiskit labels, one per Pauli of :attr:`paulis`), and per
    #: measurement group the bit masks of its subobservables
    experiments: dict[Any, tuple[Any, ...]] = field(default_factory=dict, compare=False)
    subobservables: dict[Any, tuple[str, ...]] = field(default_factory=dict, compare=False)
    bitmasks: dict[Any, tuple[tuple[int, ...], ...]] = field(default_factory=dict, compare=False)
    #: the Qiskit names of the circuit's parameters (inputs, then weights)
    parameter_names: tuple[str, ...] = ()

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(p.width for p in self.pieces)

    @property
    def num_subexperiments(self) -> int:
        return sum(len(t) for t in self.terms.values())

    def summary(self) -> dict[str, Any]:
        """The cuts, pieces and overhead as plain data (inspect, the run's record)."""
        return {
            "cuts": [
                {"kind": c.kind, "gate": c.gate, "qubits": list(c.qubits), "text": c.text()}
                for c in self.cuts
            ],
            "pieces": [
                {"qubits": list(p.qubits), "width": p.width, "simulated_width": p.simulated}
                for p in self.pieces
            ],
            "sampling_overhead": self.sampling_overhead,
            "terms": len(self.coefficients),
            "subexperiments": self.num_subexperiments,
        }


def cut_error(code: str, message: str, help: str | None = None) -> QLangError:
    return QLangError([Diagnostic.error(code, message, None, help=help)])


def require_addon() -> Any:
    """The ``qiskit_addon_cutting`` module, or ``QL0950`` with the install hint."""
    try:
        import qiskit_addon_cutting
    except ImportError:
        raise cut_error(
            "QL0950",
            "circuit cutting needs the `qiskit-addon-cutting` package, which is not installed",
            "install the extra: pip install 'qlang[cutting]'",
        ) from None
    return qiskit_addon_cutting


def pauli_label(term: PauliTerm, n: int) -> str:
    """The Qiskit label of a term's Pauli string (qubit 0 rightmost)."""
    chars = ["I"] * n
    for q, p in term.paulis:
        chars[n - 1 - q] = p
    return "".join(chars)


def readout_paulis(observables: tuple[Observable, ...], n: int) -> tuple[str, ...]:
    """The distinct non-identity Pauli strings of the observables, in first-seen order."""
    seen: dict[str, None] = {}
    for o in observables:
        for t in o.terms:
            if t.paulis:
                seen.setdefault(pauli_label(t, n), None)
    return tuple(seen)


def _prepare(circuit: Circuit) -> tuple[Any, list[str]]:
    from qlang.targets.qiskit import to_qiskit

    qc = to_qiskit(circuit)
    names = list(qc.metadata["qlang_parameters"])
    param_2q = {
        inst.operation.name
        for inst in qc.data
        if inst.operation.num_qubits > 1
        and (inst.operation.name not in _FIXED or inst.operation.params)
    }
    for _ in range(4):
        if not param_2q:
            break
        qc = qc.decompose(gates_to_decompose=sorted(param_2q))
        param_2q = {
            inst.operation.name
            for inst in qc.data
            if inst.operation.num_qubits > 1 and inst.operation.name not in _FIXED
        }
    qc.global_phase = 0.0
    return qc, names


def plan_cuts(circuit: Circuit, observables: tuple[Observable, ...], settings: CutSettings) -> CutPlan:
    """Find the cuts that make every piece at most ``settings.max_qubits`` wide and build
    the subexperiments; ``QL0951`` when no cut set within the bounds exists."""
    from qlang.cutting.convert import leaves, to_ir

    addon = require_addon()
    from qiskit.quantum_info import PauliList

    n = circuit.num_qubits
    qc, names = _prepare(circuit)
    opts = addon.OptimizationParameters(
        seed=settings.seed,
        max_gamma=math.sqrt(settings.max_overhead),
        gate_lo=settings.cuts in ("both", "gates"),
        wire_lo=settings.cuts in ("both", "wires"),
    )
    where = f"the circuit `{circuit.name}` ({n} qubits)"
    try:
        cut_qc, meta = addon.find_cuts(
            qc, opts, addon.DeviceConstraints(qubits_per_subcircuit=settings.max_qubits)
        )
    except ValueError as err:
        raise cut_error(
            "QL0951",
            f"{where} cannot be cut into pieces of at most {settings.max_qubits} qubits "
            f"with sampling overhead at most {settings.max_overhead:g}: {err}",
            "raise `max_overhead` or `max_qubits`, or allow both cut kinds (`cuts = \"both\"`)",
        ) from None
    found = tuple(_cut_of(cut_qc, kind, pos) for kind, pos in meta["cuts"])
    overhead = float(meta["sampling_overhead"])
    if len(found) > settings.max_cuts:
        raise cut_error(
            "QL0951",
            f"{where} needs {len(found)} cuts for pieces of at most {settings.max_qubits} "
            f"qubits, more than `max_cuts = {settings.max_cuts}`",
            "raise `max_cuts` or `max_qubits`",
        )
    if overhead > settings.max_overhead:
        raise cut_error(
            "QL0951",
            f"the cuts of {where} have sampling overhead {overhead:g}, above "
            f"`max_overhead = {settings.max_overhead:g}`",
            "raise `max_overhead` or `max_qubits`",
        )
    paulis = readout_paulis(observables, n)
    obs = PauliList(list(paulis) or ["I" * n])
    wired = addon.cut_wires(cut_qc)
    expanded = addon.expand_observables(obs, qc, wired)
    labels = _labels(wired)
    problem = addon.partition_problem(
        circuit=wired, partition_labels=labels, observables=expanded
    )
    subexps, coefs = addon.generate_cutting_experiments(
        circuits=problem.subcircuits, observables=problem.subobservables, num_samples=np.inf
    )
    if len(coefs) > MAX_CUT_TERMS:
        raise cut_error(
            "QL0951",
            f"the cuts of {where} need {len(coefs)} terms, more than the limit {MAX_CUT_TERMS}",
            "raise `max_qubits` or lower `max_cuts` so fewer cuts are made",
        )
    origin = _origins(wired, qc)
    symbols = leaves(names, circuit.num_inputs)
    from qiskit_addon_cutting.utils.observable_grouping import ObservableCollection

    terms: dict[Any, tuple[Term, ...]] = {}
    bitmasks: dict[Any, tuple[tuple[int, ...], ...]] = {}
    groups: dict[Any, int] = {}
    lookup: dict[Any, tuple[tuple[tuple[int, int], ...], ...]] = {}
    pieces = []
    for label, sub in problem.subcircuits.items():
        collection = ObservableCollection(problem.subobservables[label])
        groups[label] = len(collection.groups)
        bitmasks[label] = tuple(tuple(int(m) for m in g.pauli_bitmasks) for g in collection.groups)
        lookup[label] = tuple(
            tuple(collection.lookup[p]) for p in problem.subobservables[label]
        )
        built = []
        for idx, exp in enumerate(subexps[label]):
            group = collection.groups[idx % groups[label]]
            ir, bits = to_ir(
                exp, symbols, sub.num_qubits, circuit.inputs, circuit.weights,
                name=f"{circuit.name}_piece{label}",
            )  # fmt: skip
            built.append(Term(ir, _parities(exp, bits, group)))
        terms[label] = tuple(built)
        qubits = tuple(sorted({origin[q] for q, lab in enumerate(labels) if lab == label}))
        pieces.append(
            Piece(label, qubits, sub.num_qubits, max(t.circuit.num_qubits for t in built))
        )
    return CutPlan(
        cuts=found,
        pieces=tuple(pieces),
        sampling_overhead=overhead,
        coefficients=tuple(float(c) for c, _ in coefs),
        paulis=paulis,
        terms=terms,
        groups=groups,
        lookup=lookup,
        experiments={label: tuple(exps) for label, exps in subexps.items()},
        subobservables={
            label: tuple(o.to_label() for o in obs) for label, obs in problem.subobservables.items()
        },
        bitmasks=bitmasks,
        parameter_names=tuple(names),
    )


_PLANS: dict[tuple[Circuit, tuple[Observable, ...], CutSettings], CutPlan] = {}


def cached_plan(block: Any, settings: CutSettings) -> CutPlan:
    """:func:`plan_cuts` of a quantum block, found once per process for a circuit
    structure (the check, ``qlang inspect`` and every training run share it)."""
    key = (block.circuit, block.readout.observables, settings)
    if key not in _PLANS:
        if len(_PLANS) >= 32:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[key] = plan_cuts(block.circuit, block.readout.observables, settings)
    return _PLANS[key]


def settings_of(call: Any) -> CutSettings:
    """The :class:`CutSettings` of a checked ``cutting = auto(...)`` call."""
    from qlang import catalog

    _, values = catalog.runtime_bind("cutting", call)
    return CutSettings(**values)


def cut_blocks(blocks: Any, settings: CutSettings) -> list[Any]:
    """The quantum blocks wider than the pieces (the ones that are cut)."""
    return [b for b in blocks if b.circuit.num_qubits > settings.max_qubits]


def _cut_of(cut_qc: Any, kind: str, pos: int) -> Cut:
    inst = cut_qc.data[pos]
    qubits = tuple(cut_qc.find_bit(q).index for q in inst.qubits)
    if kind == "Wire Cut":
        return Cut("wire", _next_gate(cut_qc, pos, qubits[0]), qubits, pos)
    label = str(getattr(inst.operation, "label", None) or inst.operation.name)
    return Cut("gate", label.removeprefix("cut_"), qubits, pos)


def _next_gate(qc: Any, pos: int, qubit: int) -> str:
    """The gate a wire cut precedes on its qubit (``cx q0, q4``), for the report."""
    for inst in qc.data[pos + 1 :]:
        qs = [qc.find_bit(q).index for q in inst.qubits]
        if qubit in qs:
            label = str(getattr(inst.operation, "label", None) or inst.operation.name)
            return f"{label.removeprefix('cut_')} " + ", ".join(f"q{q}" for q in qs)
    return "the end"


def _labels(wired: Any) -> list[int]:
    """The piece of every qubit: connected components of the two-qubit gates that are not
    cut, numbered by their lowest qubit (the add-on's own convention)."""
    from qiskit_addon_cutting.qpd.instructions import TwoQubitQPDGate

    parent = list(range(wired.num_qubits))

    def root(q: int) -> int:
        while parent[q] != q:
            parent[q] = parent[parent[q]]
            q = parent[q]
        return q

    for inst in wired.data:
        if isinstance(inst.operation, TwoQubitQPDGate) or len(inst.qubits) < 2:
            continue
        qs = [wired.find_bit(q).index for q in inst.qubits]
        for q in qs[1:]:
            a, b = root(qs[0]), root(q)
            if a != b:
                parent[max(a, b)] = min(a, b)
    roots = sorted({root(q) for q in range(wired.num_qubits)})
    number = {r: k for k, r in enumerate(roots)}
    return [number[root(q)] for q in range(wired.num_qubits)]


def _origins(wired: Any, original: Any) -> dict[int, int]:
    """Qubit of the wire-cut circuit -> model qubit: the model's own qubits by identity,
    a new qubit by the wire its ``cut_move`` carries on."""
    position = {q: k for k, q in enumerate(original.qubits)}
    origin = {k: position[q] for k, q in enumerate(wired.qubits) if q in position}
    for inst in wired.data:
        if getattr(inst.operation, "label", None) == "cut_move":
            a, b = (wired.find_bit(q).index for q in inst.qubits)
            origin.setdefault(a, origin.get(b, -1))
            origin.setdefault(b, origin[a])
    return origin


def _parities(exp: Any, bits: tuple[int | None, ...], group: Any) -> tuple[Observable, ...]:
    """One ``<Z...Z>`` observable per subobservable of the group: the qpd bits' parity
    times the subobservable's bits (``pauli_bitmasks`` over ``observable_measurements``)."""
    regs = {r.name: r for r in exp.cregs}
    qpd_bits = [exp.find_bit(b).index for b in regs["qpd_measurements"]] if "qpd_measurements" in regs else []
    obs_bits = [exp.find_bit(b).index for b in regs["observable_measurements"]] if "observable_measurements" in regs else []
    out = []
    for mask in group.pauli_bitmasks:
        qubits: set[int] = set()
        for b in qpd_bits + [obs_bits[k] for k in range(len(obs_bits)) if (mask >> k) & 1]:
            q = bits[b]
            if q is not None:
                qubits ^= {q}
        out.append(Observable((PauliTerm(E.ONE, tuple((q, "Z") for q in sorted(qubits))),)))
    return tuple(out)
