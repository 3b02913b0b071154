"""Execution backends: Qiskit primitives (Aer, fake and IBM devices) and pytket backends.

A backend is selected in the model file (``target { backend = fake("sherbrooke") }``) or
per command (``--backend SPEC``, parsed like the file syntax by :func:`parse_spec`).
Each backend is one small module behind one small interface, three calls:

* ``prepare(circuit, measurement) -> Prepared``: compile the circuit for the backend's
  Target (qlang's layout, routing and basis passes, edge direction respected; cached on
  disk by content hash) together with one measured circuit per measurement basis of the
  readout (:func:`qlang.targets.measure.measurement`);
* ``estimate(prepared, values, shots) -> Estimates``: submit one batch, every row of
  the angle-value array ``values`` at once (one PUB per measured circuit, **one job**),
  and collect the Pauli expectation values with their standard errors;
* ``jobs``: the ids of the jobs submitted so far.

:class:`qlang.backends.function.BackendFunction` wraps a backend into the quantum
function that training, evaluation and prediction use. Other code (e.g. circuit
cutting's subexperiments) can call the three methods directly::

    from qlang.backends import make_backend
    from qlang.targets.measure import measurement
    b = make_backend(parse_spec('fake("sherbrooke")'), seed=1)
    p = b.prepare(block.circuit, measurement(block.readout, block.circuit.num_qubits))
    est = b.estimate(p, p.slots.values(x, w), shots=4096)   # est.values: (rows, paulis)

Example::

    >>> parse_spec('aer(method = "statevector")')
    Call(name='aer', args=(), kwargs=(('method', 'statevector'),))
    >>> is_execution_backend("fake"), is_execution_backend("trajectories")
    (True, False)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir.model import Call

__all__ = ["execution_backends", "is_execution_backend", "make_backend", "parse_spec", "recording"]


def execution_backends() -> tuple[str, ...]:
    """The catalog's backends that run on an execution backend (their implementation is
    in this package), not on the embedded simulator."""
    from qlang import catalog

    return tuple(e.name for e in catalog.entries("backend") if (e.impl or "").startswith(__name__))


def is_execution_backend(name: str) -> bool:
    return name in execution_backends()


def _bad_spec(text: str, why: str) -> QLangError:
    return QLangError(
        [
            Diagnostic.error(
                "QL0706",
                f"bad backend spec `{text}`: {why}",
                help='write it as in the model file, e.g. `fake("sherbrooke")` or '
                '`aer(method = "statevector")`',
            )
        ]
    )


def parse_spec(text: str) -> Call:
    """``--backend SPEC`` as a :class:`Call`, parsed by the model grammar (literal
    arguments only: numbers, strings, names, booleans and lists)."""
    from qlang import ast as A
    from qlang.parser import parse

    if not text.strip() or "\n" in text or "}" in text or "{" in text:
        raise _bad_spec(text, "expected a name or a call")
    try:
        module = parse(f"model m {{ target {{ backend = {text} }} }}", "<--backend>")
        value = module.items[0].items[0].items[0].value  # type: ignore[union-attr]
    except QLangError as err:
        raise _bad_spec(text, err.diagnostics[0].message) from None
    except (AttributeError, IndexError):
        raise _bad_spec(text, "expected a name or a call") from None

    def literal(node: Any) -> Any:
        if isinstance(node, (A.Number, A.Bool)):
            return node.value
        if isinstance(node, A.String):
            return node.value
        if isinstance(node, A.Name):
            return {"true": True, "false": False, "none": None}.get(node.id, node.id)
        if isinstance(node, A.Unary) and node.op == "-":
            inner = literal(node.operand)
            if isinstance(inner, (int, float)):
                return -inner
        if isinstance(node, A.ListExpr):
            return tuple(literal(i) for i in node.items)
        raise _bad_spec(text, "arguments must be literals")

    if isinstance(value, A.Name):
        return Call(value.id)
    if isinstance(value, A.Call) and isinstance(value.func, A.Name):
        args, kwargs = [], []
        for arg in value.args:
            if arg.name is None:
                args.append(literal(arg.value))
            else:
                kwargs.append((arg.name, literal(arg.value)))
        return Call(value.func.id, tuple(args), tuple(kwargs))
    raise _bad_spec(text, "expected a name or a call")


def make_backend(call: Call, *, seed: int | None = None) -> Any:
    """The backend object (``prepare``/``estimate``/``jobs``) of a backend call."""
    from qlang import catalog

    entry, values = catalog.runtime_bind("backend", call)
    if entry.name == "aer":
        from qlang.backends.aer import AerBackend

        return AerBackend(catalog.value_text(call), seed=seed, **values)
    if entry.name == "fake":
        from qlang.backends.fake import FakeBackend

        return FakeBackend(catalog.value_text(call), seed=seed, **values)
    if entry.name == "ibm":
        from qlang.backends.ibm import IBMBackend

        return IBMBackend(catalog.value_text(call), seed=seed, **values)
    if entry.name == "tket":
        from qlang.backends.tket import TketBackend

        return TketBackend(catalog.value_text(call), seed=seed, **values)
    raise QLangError(
        [
            Diagnostic.error(
                "QL0700",
                f"`{entry.name}` is the embedded simulator, not an execution backend",
                help=f"use one of {', '.join(execution_backends())}",
            )
        ]
    )


@contextmanager
def recording() -> Iterator[list[dict[str, Any]]]:
    """Collect ``{backend, job_id, pubs, rows}`` of every job submitted inside."""
    from qlang.backends import base

    jobs: list[dict[str, Any]] = []
    base._RECORDERS.append(jobs)
    try:
        yield jobs
    finally:
        base._RECORDERS.remove(jobs)
