"""``backend = ibm("ibm_torino", instance = ...)``: IBM Quantum hardware via Qiskit Runtime.

The account is the one saved with ``QiskitRuntimeService.save_account`` (or named by
``instance``/``channel``); without one, ``QL0702`` is raised before anything is sent. The
circuit is compiled for the device's Target like a fake device; batches run as
``SamplerV2`` jobs inside one Runtime ``Batch`` (``mode = "batch"``, the default), one
``Session`` (``mode = "session"``) or as single jobs (``mode = "job"``). With
``mitigation = [..., via = runtime]`` the batch runs as one ``EstimatorV2`` job with the
Runtime's own resilience options instead (:mod:`qlang.backends.resilience`).
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from qlang.backends.base import Estimates, Prepared, QiskitBackend
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
        self._estimator: Any = None

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

    def _mode_object(self) -> Any:
        """The Runtime execution mode every primitive of this backend runs in: the
        device itself (``mode = "job"``), or one ``Batch`` / ``Session`` opened once."""
        rt = runtime()
        backend = self.backend()
        if self.mode == "job":
            return backend
        if self._mode is None:
            ctx = (rt.Batch if self.mode == "batch" else rt.Session)(backend=backend)
            self._mode = ctx
            weakref.finalize(self, _close, ctx)
        return self._mode

    def sampler(self) -> Any:
        if self._sampler is None:
            self._sampler = runtime().SamplerV2(mode=self._mode_object())
        return self._sampler

    def estimate_runtime(self, prepared: Prepared, values: np.ndarray, options: dict) -> Estimates:
        """One Runtime ``EstimatorV2`` job mitigated by its own resilience ``options``
        (:mod:`qlang.backends.resilience`), in the same Batch / Session as the sampler."""
        from qlang.backends.resilience import estimator_options

        if self._estimator is None or self._estimator[0] != options:
            made = runtime().EstimatorV2(mode=self._mode_object(), options=estimator_options(options))
            self._estimator = (options, made)
        return self._estimate_with(self._estimator[1], prepared, values, options)


def _close(ctx: Any) -> None:
    try:
        ctx.close()
    except Exception:
        return
