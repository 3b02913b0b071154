"""``backend = aer(method = "automatic")``: Qiskit Aer's primitives on the local machine.

Without shots the outputs are exact (Aer's ``EstimatorV2``, statevector expectation
values); with shots they are sampled by Aer's ``SamplerV2``. The circuit is compiled for
``AerSimulator``'s Target (any qubit pair; ``cx``, ``rz``, ``sx``, ``x``).

With hand-written ``noise = [...]`` the circuit runs *as written* (Aer simulates every
standard gate, so it is not compiled: each channel follows the model's own gates, as on
the embedded engines) under an Aer ``NoiseModel`` built from the channels
(:func:`qlang.sim.noise_qiskit.to_aer`); without shots Aer's ``density_matrix`` method
gives exact noisy expectations (``method = "automatic"`` becomes ``density_matrix``).

Example::

    >>> AerBackend("aer").exact
    True
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from qlang.backends.base import Prepared, QiskitBackend
from qlang.backends.isa import Isa, TargetInfo, target_info
from qlang.ir.circuit import Circuit
from qlang.targets.measure import Measurement

AER_HINT = 'pip install "qlang[aer]"  (qiskit-aer)'


def aer_module() -> Any:
    try:
        import qiskit_aer
    except ImportError:
        from qlang.sim.noise_qiskit import missing

        raise missing("qiskit-aer", AER_HINT) from None
    return qiskit_aer


class AerBackend(QiskitBackend):
    exact = True

    def __init__(self, spec: str, *, method: str = "automatic", **kw: Any):
        super().__init__(spec, **kw)
        self.method = method
        self.noise: Any = None
        self.noise_model: Any = None

    def with_noise(self, noise: Any) -> None:
        """Run under hand-written noise (a :class:`~qlang.ir.noise.NoiseModel`)."""
        self.noise = noise

    def target_info(self) -> TargetInfo:
        aer = aer_module()
        sim = aer.AerSimulator(method=self.method)
        info = target_info(sim.target, "aer")
        # Aer offers every standard gate on any pair: compile to the cx basis
        return TargetInfo("aer", info.num_qubits, None, "cx")

    def prepare(self, circuit: Circuit, measurement: Measurement) -> Prepared:
        if not self.noise:
            return super().prepare(circuit, measurement)
        from qlang.sim.noise_qiskit import to_aer

        isa = Isa(replace(circuit, layout=None), tuple(range(circuit.num_qubits)))
        prepared = self._prepared(isa, measurement)
        self.noise_model = to_aer(self.noise, prepared.circuit)
        return prepared

    @property
    def sim_method(self) -> str:
        if self.noise_model is not None and self.method == "automatic":
            return "density_matrix"
        return self.method

    def _backend_options(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.sim_method}
        if self.noise_model is not None:
            out["noise_model"] = self.noise_model
        return out

    def _options(self) -> dict[str, Any]:
        run: dict[str, Any] = {}
        if self.seed is not None:
            run["seed_simulator"] = int(self.seed)
        return {"backend_options": self._backend_options(), "run_options": run}

    def estimator(self) -> Any:
        from qiskit_aer.primitives import EstimatorV2

        aer_module()
        return EstimatorV2(options=self._options())

    def sampler(self) -> Any:
        from qiskit_aer.primitives import SamplerV2

        aer_module()
        seed = int(self.seed) if self.seed is not None else None
        return SamplerV2(seed=seed, options={"backend_options": self._backend_options()})
