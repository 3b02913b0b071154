"""How a model is executed: engine, gradient, shots, noise, mitigation and seeds.

One summary, written into a run's ``provenance.json`` (and its short form into
``metrics.json``) and shown by ``qlang inspect``, so a result always says which
simulator ran it, under which noise and shots, with which mitigation and which seeds.

Example::

    >>> from qlang.ir.model import QuantumBlock, Readout, Target, Training
    >>> from qlang.ir.circuit import Circuit
    >>> s = execution_summary_for(QuantumBlock("main", Circuit(2, ()), Readout("probs", qubits=(0,))),
    ...                           Training(), Target(), seed=0)
    >>> s["engine"], s["gradient"], s["shots"], s["noise"]
    ('statevector', 'adjoint', None, None)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from qlang.ir.model import Model, QuantumBlock, Target, Training


def call_text(call: Any) -> str:
    from qlang.catalog.schema import value_text

    return value_text(call)


def execution_summary_for(
    block: QuantumBlock, training: Training, target: Target, seed: int
) -> dict[str, Any]:
    """The execution of one quantum block (see the module docstring)."""
    from qlang.train.build import block_shots, engine_of, gradient_method
    from qlang.train.seeding import Seeds

    shots = block_shots(block, training, target)
    engine = engine_of(block, training, target)
    seeds = Seeds(seed)
    noise = target.noise
    out: dict[str, Any] = {
        "engine": engine,
        "backend": call_text(target.backend),
        "gradient": gradient_method(training, shots, engine),
        "shots": shots,
        "shots_from": (
            "train" if training.shots is not None
            else "target" if target.shots is not None
            else "readout" if block.readout.shots is not None
            else None
        ),  # fmt: skip
        "noise": None,
        "mitigation": [call_text(c) for c in target.mitigation],
        "seeds": {"run": seed, "sampling": seeds.int_seed("sampling")},
    }
    if target.mitigation:
        out["seeds"]["twirling"] = seeds.int_seed("twirling")
    if noise or noise.source is not None:
        out["noise"] = {
            "channels": [c.text() for c in noise.channels],
            "from_backend": noise.source,
        }
    return out


def execution_summary(model: Model, seed: int | None = None) -> dict[str, Any]:
    """The execution of the model's main block (the settings are the model's)."""
    return execution_summary_for(
        model.main, model.training, model.target, model.training.seed if seed is None else seed
    )


def device_summary(model: Model) -> dict[str, Any] | None:
    """``from_backend``: the device, the physical qubits the compiled block uses, its gate
    count there and the number of device noise channels on those qubits."""
    source = model.target.noise.source
    if source is None:
        return None
    from qlang.sim.noise_device import device_run

    run = device_run(model.main, source, model.target.noise.channels)
    return {
        "device": source,
        "physical_qubits": list(run.physical),
        "compiled_gates": dict(sorted(run.block.circuit.count_ops().items())),
        "channels": len(run.noise.channels),
        "coupling_edges": len(run.noise.coupling),
    }


def with_shots(model: Model, shots: int | None) -> Model:
    """``model`` with every circuit execution sampled with ``shots`` (the per-call
    override of ``--shots``: it replaces ``train { shots }`` and ``target { shots }``).
    The run must still fit its gradient method (``QL0303``), checked here."""
    if shots is None:
        return model
    from qlang.diagnostics import Diagnostic, QLangError
    from qlang.limits import MAX_SHOTS

    if not 1 <= int(shots) <= MAX_SHOTS:
        raise QLangError(
            [Diagnostic.error("QL0310", f"`--shots` must be in [1, {MAX_SHOTS}], got {shots}")]
        )
    if model.training.gradient in ("adjoint", "backprop"):
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0303",
                    f"`gradient = {model.training.gradient}` needs exact expectations, but "
                    f"`--shots {shots}` samples them",
                    model.span,
                    help="use `train { gradient = auto }` (parameter shift with shots) or drop "
                    "`--shots`",
                )
            ]
        )
    return replace(
        model,
        training=replace(model.training, shots=None),
        target=replace(model.target, shots=int(shots)),
    )
