"""Turn a Model IR into a differentiable :class:`~qlang.train.network.Network`.

The quantum blocks are evaluated by ``qlang.sim.QuantumFunction`` (imported
lazily, so a test may pass its own ``factory`` with the same constructor signature).

Example::

    >>> from qlang.ir.model import Call, Readout
    >>> [type(s).__name__ for s in post_stages(Readout("expval", post=(Call("softmax"),)), 3)]
    ['MapStage']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qlang.diagnostics import did_you_mean
from qlang.ir.model import Dense, Model, QuantumBlock, QuantumLayer, Readout, Training
from qlang.train.errors import fail
from qlang.train.layers import ACTIVATIONS, DenseStage, MapStage, QuantumStage
from qlang.train.network import Network
from qlang.train.seeding import Seeds, track

Factory = Callable[..., Any]
POST = ("softmax", "sigmoid", "tanh", "linear", "scale")


def default_factory(block: QuantumBlock, **kw: Any) -> Any:
    from qlang.sim import QuantumFunction  # provided by the simulator

    return QuantumFunction(block, **kw)


def block_shots(block: QuantumBlock, training: Training) -> int | None:
    """``train { shots }`` wins; else the readout's own ``shots``; else exact (``None``)."""
    return training.shots if training.shots is not None else block.readout.shots


def gradient_method(training: Training, shots: int | None = None) -> str:
    """``auto`` -> adjoint for exact simulation, parameter shift with shots."""
    if training.gradient != "auto":
        return training.gradient
    shots = training.shots if shots is None else shots
    return "adjoint" if shots is None else "parameter_shift"


def quantum_function(
    block: QuantumBlock, training: Training, seeds: Seeds, factory: Factory | None = None
) -> Any:
    make = factory or default_factory
    shots = block_shots(block, training)
    fn = make(
        block,
        gradient=gradient_method(training, shots),
        dtype=training.dtype,
        shots=shots,
        seed=seeds.int_seed("sampling"),
    )
    track(getattr(fn, "rng", None))  # its sampling state goes into checkpoints
    return fn


def post_stages(readout: Readout, width: int) -> list[Any]:
    """Stages for the readout post-processing: ``softmax``, ``sigmoid``, ``linear(out = k)``."""
    stages: list[Any] = []
    for call in readout.post:
        if call.name in ("softmax", "sigmoid", "tanh"):
            factor = call.arg(0, "scale", 1.0)
            stages.append(MapStage(call.name, width, factor=float(factor)))  # type: ignore[arg-type]
        elif call.name == "scale":
            stages.append(MapStage("scale", width, factor=float(call.arg(0, "factor", 1.0))))  # type: ignore[arg-type]
        elif call.name == "linear":
            out = int(call.arg(0, "out", width))  # type: ignore[arg-type]
            stages.append(DenseStage(width, out, "linear"))
            width = out
        else:
            fail(
                "QL0660",
                f"unknown readout post-processing `{call.name}`",
                call.span,
                help=did_you_mean(call.name, POST) or f"available: {', '.join(POST)}",
            )
    return stages


def block_stages(
    block: QuantumBlock,
    training: Training,
    seeds: Seeds,
    factory: Factory | None,
    frozen: bool = False,
) -> list[Any]:
    qs = QuantumStage(block, quantum_function(block, training, seeds, factory), frozen=frozen)
    return [qs, *post_stages(block.readout, qs.num_outputs)]


def build_network(
    model: Model, training: Training, seeds: Seeds, factory: Factory | None = None
) -> Network:
    """The model's stack: the main block alone, or its ``layers`` (dense and quantum)."""
    stages: list[Any] = []
    if model.recurrent is not None:
        from qlang.train.recurrent import recurrent_stages

        stages = recurrent_stages(model, training, seeds, factory)
    elif not model.layers:
        stages = block_stages(model.main, training, seeds, factory)
    else:
        blocks = {b.name: b for b in model.blocks}
        for layer in model.layers:
            if isinstance(layer, Dense):
                if layer.activation not in ACTIVATIONS:
                    fail(
                        "QL0660",
                        f"unknown activation `{layer.activation}`",
                        help=f"available: {', '.join(ACTIVATIONS)}",
                    )
                stages.append(
                    DenseStage(layer.inputs, layer.outputs, layer.activation, layer.frozen)
                )
            elif isinstance(layer, QuantumLayer):
                block = blocks.get(layer.block)
                if block is None:
                    fail("QL0656", f"layer uses unknown quantum block `{layer.block}`")
                stages.extend(block_stages(block, training, seeds, factory, layer.frozen))
    for prev, nxt in zip(stages, stages[1:], strict=False):
        if prev.num_outputs != nxt.num_inputs:
            fail(
                "QL0656",
                f"layer widths do not match: {prev.num_outputs} outputs feed "
                f"{nxt.num_inputs} inputs",
                help="make each layer's input width equal to the previous layer's output width",
            )
    return Network(tuple(stages))
