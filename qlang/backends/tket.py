"""``backend = tket("AerBackend")``: a pytket backend (pytket-qiskit).

The qlang-compiled circuit (every non-constant angle a symbol) is converted to pytket
once per measurement basis and compiled by the backend once; each batch substitutes the
angle values of every row and runs all the circuits in one ``process_circuits`` call.

Example::

    >>> TketBackend("tket", name="AerBackend").exact
    False
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qlang.backends.base import Estimates, Prepared, record, slot_circuit
from qlang.backends.isa import TargetInfo, compile_isa, error
from qlang.ir.circuit import Circuit
from qlang.targets.measure import Measurement, expectations_from_bits, measured_circuit

TKET_HINT = 'pip install "qlang[tket-qiskit]"  (pytket-qiskit)'
BACKENDS = ("AerBackend",)


def _extension() -> Any:
    try:
        import pytket.extensions.qiskit as ext
    except ImportError:
        from qlang.sim.noise_qiskit import missing

        raise missing("pytket-qiskit", TKET_HINT) from None
    return ext


class TketBackend:
    exact = False
    default_shots = 4096

    def __init__(self, spec: str, *, name: str = "AerBackend", seed: int | None = None,
                 optimization_level: int = 1):  # fmt: skip
        if name not in BACKENDS:
            raise error("QL0701", f"unknown pytket backend `{name}`", f"use {', '.join(BACKENDS)}")
        self.spec, self.name, self.seed, self.level = spec, name, seed, optimization_level
        self.jobs: list[str] = []
        self._backend: Any = None

    def backend(self) -> Any:
        if self._backend is None:
            self._backend = getattr(_extension(), self.name)()
        return self._backend

    @property
    def info(self) -> TargetInfo:
        self.backend()
        return TargetInfo(f"tket:{self.name}", 40, None, "cx")

    def prepare(self, circuit: Circuit, measurement: Measurement) -> Prepared:
        from qlang.targets.tket import tket_symbols, to_tket

        isa = compile_isa(circuit, self.info, level=self.level, seed=self.seed or 0)
        sc, slots = slot_circuit(isa.circuit)
        native, params = [], []
        for g in measurement.groups:
            mc = measured_circuit(sc, g, isa.final)
            tc = self.backend().get_compiled_circuit(to_tket(mc), optimisation_level=0)
            native.append(tc)
            params.append(tuple(tket_symbols(sc)))
        return Prepared(isa, slots, measurement, sc, tuple(native), tuple(params))

    def estimate(self, prepared: Prepared, values: np.ndarray, shots: int | None) -> Estimates:
        m = prepared.measurement
        rows = values.shape[0]
        evs = np.ones((rows, len(m.paulis)))
        err = np.zeros_like(evs)
        if not m.groups:
            return Estimates(evs, err)
        shots = int(shots or self.default_shots)
        circuits = []
        for g in range(len(m.groups)):
            tc, syms = prepared.native[g], prepared.params[g]
            for r in range(rows):
                c = tc.copy()
                c.symbol_substitution({s: float(v) for s, v in zip(syms, values[r], strict=True)})
                circuits.append(c)
        backend = self.backend()
        try:
            handles = backend.process_circuits(
                circuits, n_shots=shots, seed=self.seed, valid_check=False
            )
            results = backend.get_results(handles)
        except Exception as exc:
            raise error("QL0708", f"`{self.spec}` failed to run the batch: {exc}") from exc
        job_id = f"tket-{self.name}-{len(self.jobs)}"
        self.jobs.append(job_id)
        record(self.spec, job_id, len(m.groups), rows)
        for g, group in enumerate(m.groups):
            from pytket.unit_id import Bit

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
