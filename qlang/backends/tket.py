"""``backend = tket("AerBackend")``: a pytket backend (pytket-qiskit).

The qlang-compiled circuit (every non-constant angle a symbol) is converted to pytket
and compiled by the backend once; each batch substitutes the angle values of every row
and runs all the circuits in one ``process_circuits`` call. The backends that run
offline:

=========================  ===============================================================
``AerBackend``             shots: one measured circuit per measurement basis
``AerStateBackend``        exact: the statevector of every row (no ``shots``); Pauli
                           expectations on the physical qubits of the final layout
``AerDensityMatrixBackend``  exact: the density matrix of every row (with a noise model)
=========================  ===============================================================

``AerUnitaryBackend`` (it returns the circuit's unitary, not values of a state),
``IBMQBackend`` and ``IBMQEmulatorBackend`` (they need an IBM Quantum account and the
network: use ``ibm(...)``) are rejected with ``QL0710`` (:data:`REJECTED`).
``optimisation_level = k`` runs tket's own ``default_compilation_pass(k)`` of the backend
on the qlang-compiled circuit (by default only the backend's level-0 rebase).

Example::

    >>> TketBackend("tket", name="AerBackend").exact, TketBackend("tket", name="AerStateBackend").exact
    (False, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qlang.backends.base import Estimates, Prepared, record, slot_circuit
from qlang.backends.isa import TargetInfo, compile_isa, error
from qlang.ir.circuit import Circuit
from qlang.targets.measure import Measurement, expectations_from_bits, measured_circuit

TKET_HINT = 'pip install "qlang[tket-qiskit]"  (pytket-qiskit)'
#: the pytket-qiskit backends qlang runs (shots / exact)
BACKENDS = ("AerBackend", "AerStateBackend", "AerDensityMatrixBackend")
EXACT = ("AerStateBackend", "AerDensityMatrixBackend")
#: pytket-qiskit backends that exist but cannot run a model here, and why (QL0710)
REJECTED = {
    "AerUnitaryBackend": "it computes the circuit's unitary, not the measured or expected "
    "values of a state; use `AerStateBackend` for an exact run",
    "IBMQBackend": "it needs an IBM Quantum account and the network; use `ibm(\"...\")` for "
    "IBM devices, or `AerBackend` offline",
    "IBMQEmulatorBackend": "it needs an IBM Quantum account and the network (it emulates a "
    "device from its live calibration); use `fake(\"...\")` for an offline device model",
}


def _extension() -> Any:
    try:
        import pytket.extensions.qiskit as ext
    except ImportError:
        from qlang.sim.noise_qiskit import missing

        raise missing("pytket-qiskit", TKET_HINT) from None
    return ext


def check_name(name: str) -> tuple[str, str, str | None] | None:
    """``None`` for a backend qlang runs, else ``(code, message, help)``."""
    if name in BACKENDS:
        return None
    if name in REJECTED:
        return ("QL0710", f"pytket backend `{name}` cannot run a model here: {REJECTED[name]}",
                None)  # fmt: skip
    return ("QL0701", f"unknown pytket backend `{name}`", f"use {', '.join(BACKENDS)}")


class TketBackend:
    default_shots = 4096

    def __init__(self, spec: str, *, name: str = "AerBackend", seed: int | None = None,
                 optimization_level: int = 1, optimisation_level: int | None = None,
                 noise_model: Any = None):  # fmt: skip
        problem = check_name(name)
        if problem is not None:
            raise error(*problem)
        self.spec, self.name, self.seed, self.level = spec, name, seed, optimization_level
        self.tket_level = optimisation_level
        self.noise_model = noise_model
        self.exact = name in EXACT
        #: takes ``shots`` (the exact backends compute expectations, they do not sample)
        self.samples = not self.exact
        self.jobs: list[str] = []
        self._backend: Any = None

    def backend(self) -> Any:
        if self._backend is None:
            cls = getattr(_extension(), self.name)
            self._backend = cls(noise_model=self.noise_model) if self.noise_model is not None else cls()
        return self._backend

    @property
    def info(self) -> TargetInfo:
        self.backend()
        return TargetInfo(f"tket:{self.name}", 40, None, "cx")

    def _compiled(self, circuit: Circuit) -> Any:
        from qlang.targets.tket import to_tket

        level = 0 if self.tket_level is None else int(self.tket_level)
        tc = self.backend().get_compiled_circuit(to_tket(circuit), optimisation_level=level)
        # tket's optimisations may leave wire swaps implicit; a state read back must not
        # depend on whether the backend applies them (AerDensityMatrixBackend does not)
        tc.replace_implicit_wire_swaps()
        return tc

    def prepare(self, circuit: Circuit, measurement: Measurement) -> Prepared:
        from qlang.targets.tket import tket_symbols

        isa = compile_isa(circuit, self.info, level=self.level, seed=self.seed or 0)
        sc, slots = slot_circuit(isa.circuit)
        if self.exact:  # one unmeasured circuit: its state gives every expectation
            native: list[Any] = [self._compiled(sc)]
            params = [tuple(tket_symbols(sc))]
        else:
            native, params = [], []
            for g in measurement.groups:
                native.append(self._compiled(measured_circuit(sc, g, isa.final)))
                params.append(tuple(tket_symbols(sc)))
        return Prepared(isa, slots, measurement, sc, tuple(native), tuple(params))

    def _run(self, prepared: Prepared, values: np.ndarray, shots: int | None) -> tuple[Any, str]:
        rows = values.shape[0]
        circuits = []
        for tc, syms in zip(prepared.native, prepared.params, strict=True):
            for r in range(rows):
                c = tc.copy()
                c.symbol_substitution({s: float(v) for s, v in zip(syms, values[r], strict=True)})
                circuits.append(c)
        backend = self.backend()
        try:
            kw: dict[str, Any] = {"valid_check": False}
            if not self.exact:
                kw |= {"n_shots": int(shots or self.default_shots), "seed": self.seed}
            handles = backend.process_circuits(circuits, **kw)
            results = backend.get_results(handles)
        except Exception as exc:
            raise error("QL0708", f"`{self.spec}` failed to run the batch: {exc}") from exc
        job_id = f"tket-{self.name}-{len(self.jobs)}"
        self.jobs.append(job_id)
        record(self.spec, job_id, len(prepared.native), rows)
        return results, job_id

    def estimate(self, prepared: Prepared, values: np.ndarray, shots: int | None) -> Estimates:
        m = prepared.measurement
        rows = values.shape[0]
        evs = np.ones((rows, len(m.paulis)))
        err = np.zeros_like(evs)
        if self.exact:
            which = [i for i, s in enumerate(m.paulis) if s]
            if not which:
                return Estimates(evs, err)
            results, job_id = self._run(prepared, values, None)
            final = prepared.isa.final
            strings = [tuple((final[q], p) for q, p in m.paulis[i]) for i in which]
            got = _exact_expectations(results, strings, self.name == "AerDensityMatrixBackend")
            evs[:, which] = got
            return Estimates(evs, err, job_id)
        if not m.groups:
            return Estimates(evs, err)
        results, job_id = self._run(prepared, values, shots)
        from pytket.unit_id import Bit

        for g, group in enumerate(m.groups):
            cbits = [Bit("c", i) for i in range(len(group.basis))]
            bits = np.stack(
                [np.asarray(results[g * rows + r].get_shots(cbits), dtype=np.uint8)
                 for r in range(rows)]
            )  # fmt: skip
            means, errs = expectations_from_bits(bits, group, m.paulis)
            for i, v in means.items():
                evs[:, i] = v
                err[:, i] = errs[i]
        return Estimates(evs, err, job_id)


def pauli_action(string: tuple[tuple[int, str], ...], n: int) -> tuple[int, np.ndarray]:
    """``(x, phase)`` with ``P|b> = phase[b] |b ^ x>`` for a Pauli ``string`` on qubits
    (little-endian: bit ``q`` of an index is qubit ``q``).

    >>> x, ph = pauli_action(((0, "Y"),), 1)
    >>> x, ph.tolist()
    (1, [1j, -1j])
    """
    idx = np.arange(2**n)
    xmask = 0
    phase = np.ones(2**n, dtype=complex)
    for q, p in string:
        bit = (idx >> q) & 1
        if p in ("X", "Y"):
            xmask |= 1 << q
        if p == "Z":
            phase *= 1 - 2 * bit
        elif p == "Y":
            phase *= 1j * (1 - 2 * bit)
    return xmask, phase


def _exact_expectations(results: list[Any], strings: list[tuple[tuple[int, str], ...]],
                        density: bool) -> np.ndarray:  # fmt: skip
    """Pauli expectations ``(rows, strings)`` from statevector results,
    ``<psi|P|psi> = sum_b conj(psi[b ^ x]) phase[b] psi[b]``, or density-matrix results,
    ``Tr(rho P) = sum_b rho[b, b ^ x] phase[b]`` (qubit order ``dlo``: little-endian)."""
    from pytket.circuit import BasisOrder

    out = np.empty((len(results), len(strings)))
    for r, res in enumerate(results):
        if density:
            rho = np.asarray(res.get_density_matrix(basis=BasisOrder.dlo))
            n = int(round(np.log2(rho.shape[0])))
        else:
            psi = np.asarray(res.get_state(basis=BasisOrder.dlo))
            n = int(round(np.log2(psi.shape[0])))
        idx = np.arange(2**n)
        for k, s in enumerate(strings):
            x, phase = pauli_action(s, n)
            if density:
                out[r, k] = np.real(np.sum(rho[idx, idx ^ x] * phase))
            else:
                out[r, k] = np.real(np.sum(np.conj(psi[idx ^ x]) * phase * psi))
    return out
