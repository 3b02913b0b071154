"""What every backend shares: angle slots, prepared circuits, the Qiskit primitives.

A compiled circuit's symbolic angles become *slots*: each non-constant gate angle is one
circuit parameter ``t[k]`` whose value qlang computes from the inputs and weights
(:class:`Slots`). A data batch, and every parameter-shift point of a gradient, is then
one array of slot values, sent as one PUB per measured circuit in one job.

:class:`QiskitBackend` implements the interface of :mod:`qlang.backends` on Qiskit's
``EstimatorV2`` (exact expectations) and ``SamplerV2`` (shots: one PUB per qubit-wise
commuting measurement basis, decoded by :mod:`qlang.targets.measure`); the ``aer``,
``fake`` and ``ibm`` modules only say which primitives and which Target.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Input, Weight
    >>> c = Circuit(1, (Operation("rz", (0,), (Input(0) + Weight(0),)), Operation("sx", (0,))),
    ...             inputs=(ParamDecl("x", (1,), 0),), weights=(ParamDecl("w", (1,), 0),))
    >>> sc, slots = slot_circuit(c)
    >>> sc.parameter_names(), slots.gates
    (['t[0]'], ('rz',))
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from qlang.backends.isa import Isa, TargetInfo, compile_isa, error
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, ParamDecl
from qlang.sim.compile_expr import ExprFunction, compile_exprs
from qlang.targets.measure import Measurement, expectations_from_bits, measured_circuit


@dataclass(frozen=True, eq=False)
class Slots:
    """The symbolic angle of each circuit parameter ``t[k]`` (a duck-typed
    :class:`qlang.sim.plan.Plan` for :func:`qlang.sim.gradients.chain_rule`)."""

    exprs: tuple[E.Expr, ...]
    gates: tuple[str, ...]
    slot_symbols: tuple[tuple[E.Symbol, ...], ...]
    evaluate: ExprFunction = field(repr=False)
    memo: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.exprs)

    def values(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Slot values ``(B, len(self))`` for inputs ``(B, n_in)`` and weights ``(n_w,)``."""
        b = x.shape[0]
        vals = self.evaluate(x, w)
        out = np.empty((b, len(self.exprs)))
        for k, v in enumerate(vals):
            out[:, k] = np.broadcast_to(np.asarray(v, dtype=float), (b,))
        return out

    def derivatives(self) -> tuple[ExprFunction, tuple[tuple[int, ...], ...]]:
        if "derivatives" not in self.memo:
            dexprs: list[E.Expr] = []
            dindex: list[tuple[int, ...]] = []
            for e, syms in zip(self.exprs, self.slot_symbols, strict=True):
                positions = []
                for s in syms:
                    positions.append(len(dexprs))
                    dexprs.append(E.diff(e, s))
                dindex.append(tuple(positions))
            self.memo["derivatives"] = (compile_exprs(dexprs), tuple(dindex))
        return self.memo["derivatives"]


def _key(s: E.Symbol) -> tuple[int, int]:
    return (0 if isinstance(s, E.Input) else 1, s.index)


def slot_circuit(circuit: Circuit) -> tuple[Circuit, Slots]:
    """``circuit`` with every non-constant angle replaced by a parameter ``t[k]``."""
    ops = []
    exprs: list[E.Expr] = []
    gates: list[str] = []
    for op in circuit.ops:
        params: list[E.Expr] = []
        for p in op.params:
            s = E.simplify(p)
            if E.is_constant(s):
                params.append(E.Const(float(E.const_value(s))))
            else:
                params.append(E.Weight(len(exprs)))
                exprs.append(s)
                gates.append(op.name)
        ops.append(replace(op, params=tuple(params)))
    weights = (ParamDecl("t", (len(exprs),), 0),) if exprs else ()
    out = Circuit(
        circuit.num_qubits, tuple(ops), circuit.num_clbits, (), weights, name=circuit.name
    )
    syms = tuple(tuple(sorted(E.symbols(e), key=_key)) for e in exprs)
    return out, Slots(tuple(exprs), tuple(gates), syms, compile_exprs(exprs))


@dataclass(frozen=True, eq=False)
class Prepared:
    """A block ready to run on a backend: its ISA circuit, slots, readout measurement
    and the backend's own circuit objects (``native``: one unmeasured, then one per
    measurement group)."""

    isa: Isa
    slots: Slots
    measurement: Measurement
    circuit: Circuit
    native: tuple[Any, ...] = ()
    params: tuple[Any, ...] = ()


@dataclass
class Estimates:
    """Pauli expectations ``(rows, len(paulis))`` and their standard errors (zero when
    exact), with the id of the job that computed them."""

    values: np.ndarray
    stderr: np.ndarray
    job_id: str | None = None


#: job ids of every backend job, appended while :func:`qlang.backends.recording` is active
_RECORDERS: list[list[dict[str, Any]]] = []


def record(
    backend: str, job_id: str | None, pubs: int, rows: int, options: dict | None = None
) -> None:
    """Note a submitted job (with the primitive's mitigation options, when it had any)."""
    for rec in _RECORDERS:
        entry: dict[str, Any] = {"backend": backend, "job_id": job_id, "pubs": pubs, "rows": rows}
        if options is not None:
            entry["options"] = options
        rec.append(entry)


class QiskitBackend:
    """A backend run by Qiskit primitives (subclasses give the Target and primitives)."""

    #: can evaluate expectation values exactly (an ``EstimatorV2`` without shots)
    exact: bool = False
    #: the shots used when neither the model nor ``--shots`` sets any
    default_shots: int = 4096

    def __init__(self, spec: str, *, seed: int | None = None, optimization_level: int = 1):
        self.spec = spec
        self.seed = seed
        self.level = optimization_level
        self.jobs: list[str] = []
        self._info: TargetInfo | None = None

    # --- what subclasses provide ------------------------------------------------------
    def target_info(self) -> TargetInfo:
        raise NotImplementedError

    def sampler(self) -> Any:
        raise NotImplementedError

    def estimator(self) -> Any:
        raise error("QL0707", f"`{self.spec}` has no exact mode", "set `shots`")

    # --- the interface ---------------------------------------------------------------------
    @property
    def info(self) -> TargetInfo:
        if self._info is None:
            self._info = self.target_info()
        return self._info

    def prepare(self, circuit: Circuit, measurement: Measurement) -> Prepared:
        """Compile ``circuit`` for the backend (cached) with its measured variants."""
        isa = compile_isa(circuit, self.info, level=self.level, seed=self.seed or 0)
        return self._prepared(isa, measurement)

    def _prepared(self, isa: Isa, measurement: Measurement) -> Prepared:
        """The slot circuit of ``isa`` and its measured variants as Qiskit circuits."""
        from qlang.targets.qiskit import to_qiskit

        sc, slots = slot_circuit(isa.circuit)
        variants = [sc] + [measured_circuit(sc, g, isa.final) for g in measurement.groups]
        native = tuple(to_qiskit(v) for v in variants)
        names = native[0].metadata["qlang_parameters"]
        params = []
        for qc in native:
            by_name = {p.name: p for p in qc.parameters}
            params.append(tuple(by_name[n] for n in names))
        return Prepared(isa, slots, measurement, sc, native, tuple(params))

    def estimate(self, prepared: Prepared, values: np.ndarray, shots: int | None) -> Estimates:
        """Expectations of ``prepared.measurement.paulis`` for every row of slot
        ``values`` ``(rows, slots)``: one job."""
        if shots is None:
            return self._estimate_exact(prepared, values)
        return self.estimate_many([prepared], values, shots)[0]

    def variant(self, prepared: Prepared, circuit: Circuit, check: bool = True) -> Prepared:
        """``prepared`` with another circuit over the same slots (a folded or twirled
        copy of its ISA circuit, already in the backend's basis unless ``check`` is off:
        Aer under hand-written noise runs the gates as written)."""
        from qlang.targets.qiskit import to_qiskit

        for op in circuit.ops:
            if check and op.is_gate and not self.info.supported(op.name, op.qubits):
                raise error("QL0705", f"`{op.name}` on {list(op.qubits)} is not supported")
        m = prepared.measurement
        final = prepared.isa.final
        native = tuple(
            to_qiskit(v) for v in [circuit] + [measured_circuit(circuit, g, final) for g in m.groups]
        )
        names = native[0].metadata["qlang_parameters"]
        params = []
        for qc in native:
            by_name = {p.name: p for p in qc.parameters}
            params.append(tuple(by_name[n] for n in names))
        return replace(prepared, circuit=circuit, native=native, params=tuple(params))

    def estimate_many(
        self,
        parts: list[Prepared],
        values: np.ndarray,
        shots: int,
        calibrate: bool = False,
    ) -> list[Estimates]:
        """Sampled expectations of every prepared circuit for the same rows of slot
        values, all in **one** job; with ``calibrate`` the job also runs the readout
        calibration (every measured qubit prepared in 0, then in 1) and the expectations
        are corrected by the inverse assignment matrices (tensored)."""
        rows = values.shape[0]
        pubs: list[Any] = []
        for prepared in parts:
            for g in range(len(prepared.measurement.groups)):
                qc, params = prepared.native[1 + g], prepared.params[1 + g]
                binding = self._binding(params, values, False)
                pubs.append((qc, binding, shots) if binding else (qc, None, shots))
        calibration = None
        if calibrate:
            qubits = sorted({p for prepared in parts for g in prepared.measurement.groups
                             for p in (prepared.isa.final[q] for q, _ in g.basis)})  # fmt: skip
            calibration = (qubits, len(pubs))
            for flip in (False, True):
                pubs.append((_calibration_circuit(parts[0].native[0].num_qubits, qubits, flip), None, shots))
        out: list[Estimates] = []
        if not pubs:
            return [Estimates(np.ones((rows, len(p.measurement.paulis))),
                              np.zeros((rows, len(p.measurement.paulis)))) for p in parts]  # fmt: skip
        job = self._submit(self.sampler(), pubs, rows)
        result = self._result(job)
        inverse = None
        if calibration is not None:
            qubits, first = calibration
            zero = _bits(result[first].data, len(qubits), 1, shots)[0]
            one = _bits(result[first + 1].data, len(qubits), 1, shots)[0]
            inverse = {q: _inverse_weights(zero[:, i].mean(), 1 - one[:, i].mean())
                       for i, q in enumerate(qubits)}  # fmt: skip
        k = 0
        for prepared in parts:
            m = prepared.measurement
            evs = np.ones((rows, len(m.paulis)))
            err = np.zeros_like(evs)
            for group in m.groups:
                bits = _bits(result[k].data, len(group.basis), rows, shots)
                k += 1
                weights = None
                if inverse is not None:
                    weights = [inverse[prepared.isa.final[q]] for q, _ in group.basis]
                means, errs = expectations_from_bits(bits, group, m.paulis, weights)
                for i, v in means.items():
                    evs[:, i] = v
                    err[:, i] = errs[i]
            out.append(Estimates(evs, err, self._last_job))
        return out

    # --- the primitives ------------------------------------------------------------------
    def _binding(self, params: tuple[Any, ...], values: np.ndarray, extra_axis: bool) -> Any:
        if not params:
            return {}
        v = values[:, None, :] if extra_axis else values
        return {tuple(params): v}

    def _estimate_exact(self, prepared: Prepared, values: np.ndarray) -> Estimates:
        return self._estimate_with(self.estimator(), prepared, values)

    def estimate_runtime(self, prepared: Prepared, values: np.ndarray, options: dict) -> Estimates:
        """Expectations from the backend's Runtime ``EstimatorV2`` mitigating with its own
        resilience ``options`` (:mod:`qlang.backends.resilience`): one PUB, one job."""
        raise error(
            "QL0709",
            f"`{self.spec}` has no IBM Runtime EstimatorV2 for `via = runtime`",
            "use `via = qlang` (the default)",
        )

    def _estimate_with(
        self, primitive: Any, prepared: Prepared, values: np.ndarray, options: dict | None = None
    ) -> Estimates:
        """One EstimatorV2 PUB: the unmeasured ISA circuit, the Pauli observables on the
        physical qubits of the final layout, every row of values (``stds``: the standard
        errors, zero when exact)."""
        from qiskit.quantum_info import SparsePauliOp

        m = prepared.measurement
        n = prepared.native[0].num_qubits
        final = prepared.isa.final
        rows = values.shape[0]
        evs = np.ones((rows, len(m.paulis)))
        err = np.zeros_like(evs)
        which = [i for i, s in enumerate(m.paulis) if s]
        if which:
            obs = [
                SparsePauliOp.from_sparse_list(
                    [("".join(p for _, p in m.paulis[i]), [final[q] for q, _ in m.paulis[i]], 1.0)],
                    num_qubits=n,
                )
                for i in which
            ]
            binding = self._binding(prepared.params[0], values, True)
            pub = (prepared.native[0], obs, binding) if binding else (prepared.native[0], obs)
            job = self._submit(primitive, [pub], rows, options)
            result = self._result(job)
            data = result[0].data
            got = np.asarray(data.evs, dtype=float).reshape(-1, len(which))
            evs[:, which] = np.broadcast_to(got, (rows, len(which)))
            if options is not None:
                stds = np.asarray(data.stds, dtype=float).reshape(-1, len(which))
                err[:, which] = np.broadcast_to(stds, (rows, len(which)))
        return Estimates(evs, err, self._last_job)

    _last_job: str | None = None

    def _submit(self, primitive: Any, pubs: list, rows: int = 0, options: dict | None = None) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                job = primitive.run(pubs)
            except QLangErrorTypes:
                raise
            except Exception as exc:  # the primitive refused the batch
                raise error("QL0708", f"`{self.spec}` refused the batch: {exc}") from exc
        job_id = _job_id(job)
        self._last_job = job_id
        if job_id is not None:
            self.jobs.append(job_id)
        record(self.spec, job_id, len(pubs), rows, options)
        return job

    def _result(self, job: Any) -> Any:
        try:
            return job.result()
        except Exception as exc:
            raise error(
                "QL0708", f"job {_job_id(job)} on `{self.spec}` failed: {exc}"
            ) from exc


from qlang.diagnostics import QLangError as QLangErrorTypes  # noqa: E402


def _job_id(job: Any) -> str | None:
    try:
        return str(job.job_id())
    except Exception:
        return None


def _bits(data: Any, width: int, rows: int, shots: int) -> np.ndarray:
    """Measured bits ``(rows, shots, width)`` (clbit ``i`` in column ``i``) of a
    SamplerV2 result's register ``c``."""
    ba = data.c
    arr = np.asarray(ba.array, dtype=np.uint8).reshape(rows, shots, -1)
    nb = arr.shape[-1]
    unpacked = np.unpackbits(arr, axis=-1, bitorder="little")
    cols = [(nb - 1 - c // 8) * 8 + c % 8 for c in range(width)]
    return unpacked[:, :, cols].astype(np.uint8)


def _calibration_circuit(n: int, qubits: list[int], flip: bool) -> Any:
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(n, len(qubits), name="c")
    for i, q in enumerate(qubits):
        if flip:
            qc.x(q)
        qc.measure(q, i)
    return qc


def _inverse_weights(e0: float, e1: float) -> tuple[float, float]:
    """Per-shot weights ``(g(0), g(1))`` of the mitigated ``<Z>`` of one qubit whose 0
    reads 1 with probability ``e0`` and whose 1 reads 0 with ``e1``:
    ``g(y) = (A^-1)[0, y] - (A^-1)[1, y]`` for ``A = [[1-e0, e1], [e0, 1-e1]]``."""
    a = np.array([[1 - e0, e1], [e0, 1 - e1]])
    if abs(np.linalg.det(a)) < 1e-6:
        raise error("QL0708", "the readout calibration is singular (a qubit reads at random)")
    inv = np.linalg.inv(a)
    return float(inv[0, 0] - inv[1, 0]), float(inv[0, 1] - inv[1, 1])
