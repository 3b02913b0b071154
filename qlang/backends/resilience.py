"""``mitigation = [..., via = runtime]``: the IBM Runtime EstimatorV2's own mitigation.

With ``via = runtime`` (``backend = ibm(...)`` only, ``QL0709`` elsewhere) qlang does not
build folded, twirled or calibration circuits; the batch runs as **one** ``EstimatorV2``
job (one PUB: the ISA circuit, the model's Pauli observables on the physical qubits of the
final layout, every row of angle values) and the Runtime mitigates it with the options
:func:`runtime_options` derives from the file:

====================================  ==================================================
``readout(via = runtime)``            ``resilience.measure_mitigation = true`` (TREX) and
                                      ``twirling.enable_measure = true``
``zne(scales, extrapolation,          ``resilience.zne_mitigation = true``,
order, via = runtime)``               ``resilience.zne.noise_factors = scales``,
                                      ``resilience.zne.extrapolator`` (below),
                                      ``resilience.zne.amplifier = "gate_folding"``
``twirling(samples, via = runtime)``  ``twirling.enable_gates = true``,
                                      ``twirling.num_randomizations = samples``
====================================  ==================================================

``resilience_level`` is 0, so the Runtime adds nothing the file does not name, and every
method not named is set off explicitly; ``default_shots`` is the run's shots. The
extrapolators: ``linear`` -> ``"linear"``, ``exponential`` -> ``"exponential"`` (decays
to 0), ``polynomial`` of ``order`` k -> ``"polynomial_degree_k"``, ``richardson`` over m
scales -> ``"polynomial_degree_{m-1}"`` (the polynomial through every point). The options
go into the run's execution summary (``provenance.json``) and into every recorded job.

Example::

    >>> from qlang.ir.model import Call
    >>> o = runtime_options((Call("readout", (), (("via", "runtime"),)),), 1000)
    >>> o["resilience"]["measure_mitigation"], o["twirling"]["enable_measure"], o["default_shots"]
    (True, True, 1000)
    >>> runtime_options((Call("readout"),), 1000) is None
    True
"""

from __future__ import annotations

from typing import Any

from qlang.ir.model import Call


def extrapolator(method: str, order: int, scales: tuple[float, ...]) -> str:
    """The Runtime's name of qlang's extrapolation (see the module docstring)."""
    if method == "polynomial":
        return f"polynomial_degree_{int(order)}"
    if method == "richardson":
        return f"polynomial_degree_{len(scales) - 1}"
    return method  # linear, exponential


def runtime_options(calls: tuple[Call, ...], shots: int) -> dict[str, Any] | None:
    """The EstimatorV2 options of ``mitigation = calls`` when they run ``via = runtime``
    (``None`` when qlang runs them; a mixed list is ``QL0709`` at check time)."""
    from qlang.sim.noise_mitigation import ZNE, ReadoutMitigation, Twirling, methods

    found = [m for m in methods(calls) if m.via == "runtime"]
    if not found:
        return None
    readout = any(isinstance(m, ReadoutMitigation) for m in found)
    zne = next((m for m in found if isinstance(m, ZNE)), None)
    twirl = next((m for m in found if isinstance(m, Twirling)), None)
    resilience: dict[str, Any] = {
        "measure_mitigation": readout,
        "zne_mitigation": zne is not None,
        "pec_mitigation": False,
    }
    if zne is not None:
        resilience["zne"] = {
            "noise_factors": [float(s) for s in zne.scales],
            "extrapolator": extrapolator(zne.extrapolation, zne.order, zne.scales),
            "amplifier": "gate_folding",
        }
    twirling: dict[str, Any] = {"enable_gates": twirl is not None, "enable_measure": readout}
    if twirl is not None:
        twirling["num_randomizations"] = int(twirl.samples)
    return {
        "default_shots": int(shots),
        "resilience_level": 0,
        "resilience": resilience,
        "twirling": twirling,
    }


def estimator_options(options: dict[str, Any]) -> Any:
    """``qiskit_ibm_runtime.options.EstimatorOptions`` of :func:`runtime_options`' dict,
    validated by the Runtime's own option classes (``QL0709`` for values it refuses)."""
    from qlang.backends.ibm import runtime
    from qlang.backends.isa import error

    rt = runtime()
    try:
        return rt.options.EstimatorOptions(**options)
    except Exception as exc:  # pydantic's ValidationError: a combination Runtime refuses
        raise error(
            "QL0709", f"the IBM Runtime refuses the mitigation options {options}: {exc}"
        ) from exc
