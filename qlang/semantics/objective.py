"""Losses written as expressions: ``loss = sum(tanh(a * expval(P[i])) ...)``.

A ``loss`` entry that calls ``expval(H)`` is not a catalog name but an expression: the
model's readouts are the observables of its ``readout = expval([...])``, else the
distinct observables the expression reads (in order of first use), and the
loss is a symbolic expression (:mod:`qlang.ir.expr`) over those expectation values
(``E.Input(k)`` is ``expval`` of readout ``k``) and the model's weights
(``E.Weight(j)``), differentiated symbolically by the runtime. This is how Pauli
correlation encoding (Sciorilli et al. 2024) is written; it trains a ``minimize`` task.
In the catalog it is the loss ``expression``.

Example::

    >>> from qlang.driver import load_model
    >>> m = load_model('''
    ... import ansatze.real_amplitudes
    ... model m {
    ...   qubits = 2
    ...   ansatz = real_amplitudes(reps = 1)
    ...   task = minimize()
    ...   loss = tanh(2 * expval(Z0)) * tanh(2 * expval(X1)) + 0.1 * expval(Z0) ** 2
    ... }''')
    >>> [o.label(2)[0][0] for o in m.objective.readouts], m.loss.name
    (['IZ', 'XI'], 'expression')
"""

from __future__ import annotations

from typing import Any

from qlang import ast as A
from qlang.ir import expr as E
from qlang.ir.model import Objective, Observable
from qlang.semantics import codes as C
from qlang.semantics.codes import fail
from qlang.semantics.scope import Scope
from qlang.semantics.values import is_number, type_name
from qlang.source import Span

#: ``QL0319``: a loss expression that cannot train.
BAD_OBJECTIVE = C.BAD_OBJECTIVE

#: Readout ``k`` is ``E.Input(OFFSET + k)`` while the expression is evaluated, so that a
#: data input that leaks into the loss is told apart from a readout.
OFFSET = 1 << 30


def reads_readouts(node: A.Node) -> bool:
    """Whether the expression calls ``expval`` (so it is a loss expression)."""
    return any(
        isinstance(n, A.Call) and isinstance(n.func, A.Name) and n.func.id == "expval"
        for n in A.walk(node)
    )


def lower_objective(
    setting: A.Setting,
    ev: Any,
    scope: Scope,
    as_observable: Any,
    num_qubits: int,
    text: str,
    order: tuple[Observable, ...] | None = None,
) -> Objective:
    """Evaluate ``setting``'s expression with ``expval`` bound to the readouts.

    ``ev`` is the block's evaluator, ``as_observable(value, n, span)`` its observable
    conversion; ``order`` the block's ``readout = expval([...])`` observables, which
    then fix the readouts (else they are the observables in order of first use). Raises
    ``QL0319`` for an expression that is not a differentiable function of readouts and
    weights.
    """
    readouts: list[Observable] = list(order or ())
    index: dict[Observable, int] = {o: k for k, o in reversed(list(enumerate(readouts)))}

    def expval(_ev: Any, args: list, kwargs: dict, span: Span | None) -> E.Expr:
        if kwargs or len(args) != 1:
            raise fail(
                BAD_OBJECTIVE,
                "`expval` in a loss takes one observable",
                span,
                help="write `expval(Z0 Z1)`; a list of observables is `sum(expval(P[i]) ...)`",
            )
        value, vspan = args[0]
        if isinstance(value, tuple):
            raise fail(
                BAD_OBJECTIVE,
                "`expval` in a loss takes one observable, found a list",
                vspan or span,
                help="index it: `expval(P[i])` inside `sum(... for i in range(len(P)))`",
            )
        obs = as_observable(value, num_qubits, vspan or span)
        if order is not None and obs not in index:
            raise fail(
                BAD_OBJECTIVE,
                "the loss reads an observable the readout does not list",
                vspan or span,
                help="add it to `readout = expval([...])`",
            )
        if obs not in index:
            index[obs] = len(readouts)
            readouts.append(obs)
        return E.Input(OFFSET + index[obs])

    local = scope.child()
    local.define("expval", expval)
    value = ev.eval(setting.value, local)
    if is_number(value):
        raise fail(
            BAD_OBJECTIVE,
            "the loss expression does not depend on any readout",
            setting.span,
            help="a loss expression reads the circuit through `expval(H)`",
        )
    if not isinstance(value, E.Expr):
        raise fail(
            BAD_OBJECTIVE,
            f"a loss expression must be a number, found `{type_name(value)}`",
            setting.span,
        )
    used = E.symbols(value)
    stray = sorted(s.index for s in used if isinstance(s, E.Input) and s.index < OFFSET)
    if stray:
        raise fail(
            BAD_OBJECTIVE,
            "the loss expression reads a data input; it may read readouts and weights only",
            setting.span,
        )
    if not any(isinstance(s, E.Input) for s in used):
        raise fail(
            BAD_OBJECTIVE,
            "the loss expression does not depend on any readout",
            setting.span,
            help="a loss expression reads the circuit through `expval(H)`",
        )

    def shift(e: E.Expr) -> E.Expr | None:
        return E.Input(e.index - OFFSET) if isinstance(e, E.Input) else None

    return Objective(E.substitute(value, shift), tuple(readouts), text)

