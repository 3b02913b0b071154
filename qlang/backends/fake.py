"""``backend = fake("sherbrooke")``: a fake IBM device in Qiskit's local testing mode.

The circuit is compiled for the device's Target (its directed coupling map, ``ecr``/``cz``
basis, calibrated errors for the layout) and sampled by ``qiskit_ibm_runtime``'s
``SamplerV2`` in local mode (Aer with the device's calibrated noise). ``noise = false``
keeps the device's Target but samples without noise (Aer's ideal ``SamplerV2``), to
compare with the embedded simulator.

Example::

    >>> fake_name("sherbrooke"), fake_name("fake_manila")
    ('fake_sherbrooke', 'fake_manila')
"""

from __future__ import annotations

from typing import Any

from qlang.backends.aer import aer_module
from qlang.backends.base import QiskitBackend
from qlang.backends.isa import TargetInfo, error, target_info


def fake_name(name: str) -> str:
    name = name.strip().lower()
    return name if name.startswith("fake_") else f"fake_{name}"


def check_fake(name: str) -> str | None:
    """``None`` when ``name`` is a fake device, else the did-you-mean text."""
    from qlang.sim.noise_qiskit import check_backend_name

    return check_backend_name(fake_name(name))


class FakeBackend(QiskitBackend):
    def __init__(self, spec: str, *, name: str, noise: bool = True, **kw: Any):
        super().__init__(spec, **kw)
        self.device = fake_name(name)
        self.noise = bool(noise)
        problem = check_fake(name)
        if problem is not None:
            raise error("QL0701", f"unknown fake device `{name}`", problem)

    def backend(self) -> Any:
        from qlang.sim.noise_qiskit import fake_backend

        return fake_backend(self.device)

    def target_info(self) -> TargetInfo:
        return target_info(self.backend(), self.device)

    def sampler(self) -> Any:
        aer_module()
        if not self.noise:
            from qiskit_aer.primitives import SamplerV2 as AerSampler

            return AerSampler(seed=int(self.seed) if self.seed is not None else None)
        import warnings

        from qiskit_ibm_runtime import SamplerV2

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            sampler = SamplerV2(mode=self.backend())
        if self.seed is not None:
            sampler.options.simulator.seed_simulator = int(self.seed)
        return sampler
