"""``backend = aer(method = "automatic")``: Qiskit Aer's primitives on the local machine.

Without shots the outputs are exact (Aer's ``EstimatorV2``, statevector expectation
values); with shots they are sampled by Aer's ``SamplerV2``. The circuit is compiled for
``AerSimulator``'s Target (any qubit pair; ``cx``, ``rz``, ``sx``, ``x``).

Example::

    >>> AerBackend("aer").exact
    True
"""

from __future__ import annotations

from typing import Any

from qlang.backends.base import QiskitBackend
from qlang.backends.isa import TargetInfo, target_info

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

    def target_info(self) -> TargetInfo:
        aer = aer_module()
        sim = aer.AerSimulator(method=self.method)
        info = target_info(sim.target, "aer")
        # Aer offers every standard gate on any pair: compile to the cx basis
        return TargetInfo("aer", info.num_qubits, None, "cx")

    def _options(self) -> dict[str, Any]:
        run: dict[str, Any] = {}
        if self.seed is not None:
            run["seed_simulator"] = int(self.seed)
        return {"backend_options": {"method": self.method}, "run_options": run}

    def estimator(self) -> Any:
        from qiskit_aer.primitives import EstimatorV2

        aer_module()
        return EstimatorV2(options=self._options())

    def sampler(self) -> Any:
        from qiskit_aer.primitives import SamplerV2

        aer_module()
        seed = int(self.seed) if self.seed is not None else None
        return SamplerV2(seed=seed, options={"backend_options": {"method": self.method}})
