"""``backend = ibm("ibm_torino", instance = ...)``: IBM Quantum hardware via Qiskit Runtime.

The account is the one saved with ``QiskitRuntimeService.save_account`` (or named by
``instance``/``channel``); without one, ``QL0702`` is raised before anything is sent. The
circuit is compiled for the device's Target like a fake device; batches run as
``SamplerV2`` jobs inside one Runtime ``Batch`` (``mode = "batch"``, the default), one
``Session`` (``mode = "session"``) or as single jobs (``mode = "job"``).
"""

from __future__ import annotations

import weakref
from typing import Any

from qlang.backends.base import QiskitBackend
from qlang.backends.isa import TargetInfo, error, target_info

IBM_HINT = 'pip install "qlang[ibm]"  (qiskit-ibm-runtime)'


def runtime() -> Any:
    try:
        import qiskit_ibm_runtime
    except ImportError:
        from qlang.sim.noise_qiskit import missing

        raise missing("qiskit-ibm-runtime", IBM_HINT) from None
    return qiskit_ibm_runtime


class IBMBackend(QiskitBackend):
    def __init__(self, spec: str, *, name: str, instance: str | None = None,
                 channel: str | None = None, mode: str = "batch", **kw: Any):  # fmt: skip
        super().__init__(spec, **kw)
        self.name, self.instance, self.channel, self.mode = name, instance, channel, mode
        self._backend: Any = None
        self._mode: Any = None
        self._sampler: Any = None

    def backend(self) -> Any:
        """The runtime backend (the account is read here: ``QL0702`` without one)."""
        if self._backend is None:
            rt = runtime()
            kw = {k: v for k, v in (("instance", self.instance), ("channel", self.channel)) if v}
            try:
                service = rt.QiskitRuntimeService(**kw)
            except Exception as exc:  # AccountNotFoundError, InvalidAccountError, ...
                raise error(
                    "QL0702",
                    f"no IBM Quantum account for `{self.spec}`: {exc}",
                    'save one with `QiskitRuntimeService.save_account(token = "...", '
                    'instance = "...")`, see docs/backends.md',
                ) from exc
            try:
                self._backend = service.backend(self.name)
            except Exception as exc:
                raise error("QL0701", f"unknown IBM device `{self.name}`: {exc}") from exc
        return self._backend

    def target_info(self) -> TargetInfo:
        return target_info(self.backend(), self.name)

    def sampler(self) -> Any:
        if self._sampler is None:
            rt = runtime()
            backend = self.backend()
            if self.mode == "job":
                self._sampler = rt.SamplerV2(mode=backend)
            else:
                ctx = (rt.Batch if self.mode == "batch" else rt.Session)(backend=backend)
                self._mode = ctx
                weakref.finalize(self, _close, ctx)
                self._sampler = rt.SamplerV2(mode=ctx)
        return self._sampler


def _close(ctx: Any) -> None:
    try:
        ctx.close()
    except Exception:
        return
