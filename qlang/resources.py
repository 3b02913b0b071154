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
from qlang.ir.model import Model, QuantumBlock, Training
from qlang.limits import (
    AMPLITUDE_BYTES,
    BUDGET_HELP,
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


def block_memory(block: QuantumBlock, training: Training) -> int:
    """Bytes one sample of ``block`` needs on the statevector simulator."""
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
        need = block_memory(block, model.training)
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
                notes=(
                    "a model runs on the statevector simulator (2**n amplitudes per sample); "
                    "`qlang compile` of it still works",
                ),
                help="use fewer qubits or `train { dtype = complex64 }`, or " + BUDGET_HELP,
            )
        )
    return out


def check_model_memory(model: Model, budget: int | None = None) -> None:
    """Raise :class:`QLangError` (``QL0821``) when ``model`` cannot be simulated."""
    diags = memory_diagnostics(model, budget)
    if diags:
        raise QLangError(diags)
