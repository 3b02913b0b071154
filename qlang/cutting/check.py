"""The check-time side of ``target { cutting = auto(...) }``: every reason the runtime
could not honour it is a located, coded diagnostic before any training starts, and the
cuts themselves are found here (so a circuit that cannot be cut is ``QL0951`` at
``qlang check``).

Example::

    >>> from qlang.ir.model import Call, Target, Training
    >>> errs = check_cutting(Target(cutting=Call("auto", (), (("max_qubits", 5),))),
    ...                      Training(), "classify", [], None)
    >>> [e.diagnostic.code for e in errs]
    ['QL0954']
"""

from __future__ import annotations

from typing import Any

from qlang.diagnostics import QLangError
from qlang.ir import expr as E
from qlang.ir.model import Target, Training
from qlang.semantics.codes import SemanticError, fail
from qlang.source import Span


def check_cutting(
    target: Target, training: Training, task: str | None, blocks: list[Any], span: Span | None
) -> list[SemanticError]:
    """The diagnostics of the model's cutting setting (empty when it will run)."""
    from qlang.cutting.plan import cached_plan, cut_blocks, require_addon, settings_of

    assert target.cutting is not None
    settings = settings_of(target.cutting)
    errs: list[SemanticError] = []
    if target.device is not None:
        from qlang.devices import device_spec, parse_device

        dev = parse_device(device_spec(target.device))
        if settings.max_qubits > dev.num_qubits:
            errs.append(
                fail(
                    "QL0953",
                    f"pieces of up to {settings.max_qubits} qubits do not fit device "
                    f"`{dev.name}` with {dev.num_qubits}",
                    span,
                    f"use `max_qubits = {dev.num_qubits}` or less",
                )
            )
    wide = cut_blocks(blocks, settings)
    if not wide:
        most = max((b.circuit.num_qubits for b in blocks), default=0)
        return errs + [
            fail(
                "QL0954",
                f"nothing to cut: the model's widest block has {most} qubits, at most "
                f"`max_qubits = {settings.max_qubits}`",
                span,
                "remove `cutting`, or lower `max_qubits`",
            )
        ]
    why = _not_applicable(target, training, task, wide)
    if why:
        return errs + [
            fail("QL0952", f"cutting does not apply: {why}", span, "see docs/cutting.md")
        ]
    try:
        require_addon()
        plans = [cached_plan(b, settings) for b in wide]
    except QLangError as err:
        d = err.diagnostics[0]
        return errs + [fail(d.code, d.message, span, d.help)]
    from qlang.backends import is_execution_backend

    if is_execution_backend(target.backend.name):
        for b, plan in zip(wide, plans, strict=True):
            if any(p.simulated > p.width for p in plan.pieces):
                errs.append(
                    fail(
                        "QL0952",
                        f"cutting does not apply: the gate cuts of block `{b.name}` measure "
                        "mid-circuit, which qlang runs by deferring the measurement onto an "
                        f"extra qubit; on `backend = {target.backend.name}` that piece would "
                        f"be wider than `max_qubits = {settings.max_qubits}`",
                        span,
                        'use `cuts = "wires"`, or run the pieces on the embedded simulator',
                    )
                )
    return errs


def _not_applicable(
    target: Target, training: Training, task: str | None, wide: list[Any]
) -> str | None:
    if target.noise or target.noise.source is not None:
        return "the pieces run on the noiseless statevector engine, but `noise` is set"
    if target.mitigation:
        return "`mitigation` mitigates noise, and the cut pieces run noiseless"
    from qlang.backends import is_execution_backend

    name = target.backend.name
    if name not in ("auto", "statevector") and not is_execution_backend(name):
        return (
            f"the pieces run noiseless on the statevector engine or on an execution "
            f"backend, not `backend = {name}`"
        )
    if task == "kernel":
        return "a `kernel` task compares states, and cutting reconstructs expectation values"
    if training.gradient == "backprop":
        return "`gradient = backprop` runs density matrices; use `adjoint` or `parameter_shift`"
    for b in wide:
        if b.readout.kind != "expval":
            return (
                f"block `{b.name}` reads out `{b.readout.kind}`; cutting reconstructs "
                "expectation values (`readout = expval(...)`)"
            )
        for o in b.readout.observables:
            if any(not isinstance(t.coeff, E.Const) for t in o.terms):
                return f"block `{b.name}` has an observable with trainable coefficients"
        if any(op.name in ("measure", "reset") or op.condition is not None for op in b.circuit.ops):
            return f"block `{b.name}` has mid-circuit measurement or reset"
    return None
