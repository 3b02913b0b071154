"""What running a model needs, checked against the memory budget before any work.

A model is trained, evaluated and used for predictions on the statevector simulator, so
each of its quantum blocks must fit the budget for one sample: ``2**n`` amplitudes in a
few working buffers plus the readout's tables (the memory model of
:func:`qlang.limits.simulation_bytes`, the same one the simulator enforces). ``qlang
check`` and ``qlang inspect`` report a model that does not fit (``QL0821``), and so do
``train``, ``predict`` and ``eval`` before loading any data. ``qlang compile`` does not
simulate: a wide circuit still compiles.

Example::

    >>> from qlang.ir.circuit import Circuit
    >>> from qlang.ir.model import QuantumBlock, Readout, Training
    >>> block = QuantumBlock("main", Circuit(30, ()), Readout("probs", qubits=(0,)))
    >>> from qlang.limits import format_bytes
    >>> format_bytes(block_memory(block, Training()))
    '64.00 GiB'
"""

from __future__ import annotations

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir.model import Model, QuantumBlock, Target, Training
from qlang.limits import (
    AMPLITUDE_BYTES,
    BUDGET_HELP,
    TRAJECTORY_BUFFERS,
    choose_engine,
    density_bytes,
    describe_budget,
    format_bytes,
    memory_budget,
    readout_tables,
    simulation_bytes,
)


def uses_adjoint(training: Training, block: QuantumBlock) -> bool:
    """Whether the block's gradients are adjoint ones (``gradient = auto`` without shots)."""
    shots = training.shots if training.shots is not None else block.readout.shots
    if training.gradient in ("adjoint",):
        return True
    return training.gradient == "auto" and shots is None


def block_engine(block: QuantumBlock, training: Training, target: Target | None = None) -> str:
    """The engine that runs ``block``: ``statevector``, or with noise (or an explicit
    ``backend``) ``density_matrix`` or ``trajectories`` (:func:`qlang.limits.choose_engine`)."""
    backend = target.backend.name if target is not None else "auto"
    if training.gradient == "backprop" and backend == "auto":
        return "density_matrix"
    noisy = target is not None and (bool(target.noise) or target.noise.source is not None)
    return choose_engine(block.circuit.num_qubits, noisy, backend, training.dtype)


def block_memory(block: QuantumBlock, training: Training, target: Target | None = None) -> int:
    """Bytes one sample of ``block`` needs on its engine (see :func:`block_engine`)."""
    engine = block_engine(block, training, target)
    n = block.circuit.num_qubits
    if engine == "density_matrix":
        return density_bytes(n, training.dtype)
    if engine == "trajectories":
        assert target is not None
        samples = int(target.backend.arg(0, "samples", 256) or 256)  # type: ignore[arg-type]
        return 2**n * AMPLITUDE_BYTES.get(training.dtype, 16) * TRAJECTORY_BUFFERS * samples
    readout = block.readout
    terms = sum(len(o.terms) for o in readout.observables)
    return simulation_bytes(
        block.circuit.num_qubits,
        itemsize=AMPLITUDE_BYTES.get(training.dtype, 16),
        adjoint=uses_adjoint(training, block),
        tables=readout_tables(readout.kind, terms, len(readout.qubits)),
    )


def memory_diagnostics(model: Model, budget: int | None = None) -> list[Diagnostic]:
    """``QL0821`` for each quantum block of ``model`` that does not fit the budget."""
    limit = memory_budget() if budget is None else budget
    out = []
    for block in model.blocks:
        need = block_memory(block, model.training, model.target)
        if need <= limit:
            continue
        n = block.circuit.num_qubits
        name = f"model `{model.name}`" + (f" (block `{block.name}`)" if len(model.blocks) > 1 else "")
        out.append(
            Diagnostic.error(
                "QL0821",
                f"{name} has {n} qubits: simulating one sample needs {format_bytes(need)}, "
                f"more than {describe_budget(limit)}",
                model.span,
                notes=(_engine_note(block_engine(block, model.training, model.target)),),
                help="use fewer qubits or `train { dtype = complex64 }`, or " + BUDGET_HELP,
            )
        )
    return out


def _engine_note(engine: str) -> str:
    from qlang import catalog

    entry = catalog.lookup("backend", engine)
    what = entry.doc if entry is not None else engine
    return f"the model runs on `{engine}`: {what}; `qlang compile` of it still works"


def check_model_memory(model: Model, budget: int | None = None) -> None:
    """Raise :class:`QLangError` (``QL0821``) when ``model`` cannot be simulated."""
    diags = memory_diagnostics(model, budget)
    if diags:
        raise QLangError(diags)
