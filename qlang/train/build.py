"""Turn a Model IR into a differentiable :class:`~qlang.train.network.Network`.

Layers, readout post-processing, activations and gradient methods are looked up in
:mod:`qlang.catalog`; the quantum blocks are evaluated by ``qlang.sim.QuantumFunction``
(imported lazily, so a test may pass its own ``factory`` with the same constructor
signature).

Example::

    >>> from qlang.ir.model import Call, Readout
    >>> [type(s).__name__ for s in post_stages(Readout("expval", post=(Call("softmax"),)), 3)]
    ['MapStage']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qlang import catalog
from qlang.ir.model import (
    Call,
    Conv,
    Dense,
    Layer,
    Model,
    QuantumBlock,
    QuantumLayer,
    Readout,
    Target,
    Training,
)
from qlang.train.errors import fail
from qlang.train.layers import DenseStage, MapStage, QuantumStage
from qlang.train.network import Network
from qlang.train.seeding import Seeds, track

Factory = Callable[..., Any]


def default_factory(block: QuantumBlock, **kw: Any) -> Any:
    """The simulator's quantum function for ``block``: the statevector engine, or (with
    ``noise`` or a ``backend``) the engine the catalog's backend entry names."""
    if "noise" in kw or "backend" in kw:
        from qlang.sim.noise_engines import make_function

        return make_function(block, **kw)
    from qlang.sim import QuantumFunction  # provided by the simulator

    return QuantumFunction(block, **kw)


def block_shots(
    block: QuantumBlock, training: Training, target: Target | None = None
) -> int | None:
    """``train { shots }`` wins; else ``target { shots }``; else the readout's own
    ``shots``; else exact (``None``)."""
    if training.shots is not None:
        return training.shots
    if target is not None and target.shots is not None:
        return target.shots
    return block.readout.shots


def engine_of(block: QuantumBlock, training: Training, target: Target | None) -> str:
    """The engine that runs ``block``: ``statevector``, ``density_matrix`` or
    ``trajectories`` (``backend = auto`` resolved by the memory budget)."""
    backend = target.backend.name if target is not None else "auto"
    if training.gradient == "backprop" and backend == "auto":
        return "density_matrix"  # reverse mode through density matrices, noisy or not
    if target is None:
        return "statevector"
    from qlang.limits import choose_engine

    noisy = bool(target.noise) or target.noise.source is not None
    return choose_engine(block.circuit.num_qubits, noisy, backend, training.dtype)


def gradient_method(training: Training, shots: int | None = None, engine: str = "statevector") -> str:
    """The catalog's gradient method; ``auto`` -> adjoint for exact statevectors, backprop
    for exact density matrices, parameter shift with shots or trajectories."""
    entry, _ = catalog.runtime_bind("gradient", Call(training.gradient))
    if entry.name != "auto":
        return entry.name
    from qlang.backends import is_execution_backend

    if is_execution_backend(engine):  # gradients evaluated on the backend
        return "parameter_shift"
    shots = training.shots if shots is None else shots
    if shots is not None or engine == "trajectories":
        return "parameter_shift"
    return "backprop" if engine == "density_matrix" else "adjoint"


def quantum_function(
    block: QuantumBlock,
    training: Training,
    seeds: Seeds,
    factory: Factory | None = None,
    target: Target | None = None,
) -> Any:
    """The block's quantum function with the run's shots, noise, engine and seed."""
    make = factory or default_factory
    shots = block_shots(block, training, target)
    noise = target.noise if target is not None else None
    if target is not None and target.noise.source is not None:
        # from_backend: the block as compiled for the device, with the device's noise
        from qlang.sim.noise_device import device_run

        run = device_run(block, target.noise.source, target.noise.channels)
        block, noise = run.block, run.noise
    engine = engine_of(block, training, target)
    kw: dict[str, Any] = {}
    if engine != "statevector":
        same = target is not None and target.backend.name == engine
        kw["backend"] = target.backend if same else Call(engine)  # type: ignore[union-attr]
        if noise:
            kw["noise"] = noise
    kw |= {
        "gradient": gradient_method(training, shots, engine),
        "dtype": training.dtype,
        "shots": shots,
        "seed": seeds.int_seed("sampling"),
    }
    from qlang.backends import is_execution_backend

    if target is not None and target.cutting is not None:
        from qlang.cutting.function import cut_function

        cut = cut_function(block, target.cutting, make, kw)
        if cut is not None:  # the block is wider than the pieces
            track(cut.rng)
            return cut
    if target is not None and target.mitigation and is_execution_backend(engine):
        # on an execution backend every mitigated variant runs in the same job
        kw |= {"mitigation": target.mitigation, "twirl_seed": seeds.int_seed("twirling")}
        fn: Any = make(block, **kw)
    elif target is not None and target.mitigation:
        from qlang.sim.noise_mitigation import MitigatedFunction

        def variant(b: QuantumBlock, **extra: Any) -> Any:
            return make(b, **(kw | extra))

        fn = MitigatedFunction(
            block, target.mitigation, variant, seeds.int_seed("twirling"), kw["seed"]
        )
    else:
        fn = make(block, **kw)
    track(getattr(fn, "rng", None))  # its sampling state goes into checkpoints
    return fn


# --- readout post-processing (the catalog's ``post`` entries) -----------------------------
def map_post(name: str, values: dict[str, Any], width: int) -> tuple[list[Any], int]:
    """``softmax``, ``sigmoid``, ``tanh`` (after multiplying by ``scale``)."""
    return [MapStage(name, width, factor=float(values["scale"]))], width


def scale_post(name: str, values: dict[str, Any], width: int) -> tuple[list[Any], int]:
    return [MapStage("scale", width, factor=float(values["factor"]))], width


def linear_post(name: str, values: dict[str, Any], width: int) -> tuple[list[Any], int]:
    out = width if values["out"] is None else int(values["out"])
    return [DenseStage(width, out, "linear")], out


def post_stages(readout: Readout, width: int) -> list[Any]:
    """The stages of a readout's post-processing steps, in order."""
    stages: list[Any] = []
    for call in readout.post:
        entry, values = catalog.runtime_bind("post", call)
        more, width = entry.load()(entry.name, values, width)
        stages.extend(more)
    return stages


# --- layers (the catalog's ``layer`` entries) -----------------------------------------
@dataclass(frozen=True)
class BuildContext:
    model: Model
    training: Training
    seeds: Seeds
    factory: Factory | None


def block_stages(
    block: QuantumBlock,
    training: Training,
    seeds: Seeds,
    factory: Factory | None,
    frozen: bool = False,
    target: Target | None = None,
) -> list[Any]:
    """A quantum block and its readout post-processing."""
    qf = quantum_function(block, training, seeds, factory, target)
    qs = QuantumStage(block, qf, frozen=frozen)
    return [qs, *post_stages(block.readout, qs.num_outputs)]


def quantum_layer(layer: QuantumLayer, ctx: BuildContext) -> list[Any]:
    block = ctx.model.block(layer.block)
    if block is None:
        fail("QL0656", f"layer uses unknown quantum block `{layer.block}`")
    return block_stages(
        block, ctx.training, ctx.seeds, ctx.factory, layer.frozen, ctx.model.target
    )


def dense_layer(layer: Dense, ctx: BuildContext) -> list[Any]:
    catalog.runtime_bind("activation", Call(layer.activation))
    return [DenseStage(layer.inputs, layer.outputs, layer.activation, layer.frozen)]


def layer_kind(layer: Layer) -> str:
    """The catalog name of a layer IR node."""
    if isinstance(layer, Dense):
        return "dense"
    return "conv" if isinstance(layer, Conv) else "quantum"


def layer_stages(layer: Layer, ctx: BuildContext) -> list[Any]:
    entry = catalog.lookup("layer", layer_kind(layer))
    assert entry is not None
    return entry.load()(layer, ctx)


def build_network(
    model: Model, training: Training, seeds: Seeds, factory: Factory | None = None
) -> Network:
    """The model's stack: the main block alone, its ``layers`` (dense and quantum), or a
    recurrent cell followed by the layers (default: a linear map to one output)."""
    ctx = BuildContext(model, training, seeds, factory)
    stages: list[Any] = []
    if model.recurrent is not None:
        entry, values = catalog.runtime_bind("cell", model.recurrent.cell)
        stages = entry.load()(model, values, ctx)
        if not model.layers:
            stages.append(DenseStage(stages[-1].num_outputs, 1, "linear"))
    elif not model.layers:
        stages = block_stages(model.main, training, seeds, factory, target=model.target)
    for layer in model.layers:
        stages.extend(layer_stages(layer, ctx))
    for prev, nxt in zip(stages, stages[1:], strict=False):
        if prev.num_outputs != nxt.num_inputs:
            fail(
                "QL0656",
                f"layer widths do not match: {prev.num_outputs} outputs feed "
                f"{nxt.num_inputs} inputs",
                help="make each layer's input width equal to the previous layer's output width",
            )
    return Network(tuple(stages))
