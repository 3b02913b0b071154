"""The circuit IR as JSON, for other tools (``qlang compile --target ir``).

The round trip is exact: ``circuit_from_json(circuit_to_json(c)) == c``
(spans are not stored). Expressions use :func:`qlang.ir.expr.to_json`.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(2, (Operation("h", (0,)), Operation("cx", (0, 1))))
    >>> circuit_from_json(circuit_to_json(c)) == c
    True
"""

from __future__ import annotations

import json
from typing import Any

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Condition, Layout, Operation, ParamDecl

FORMAT = "qlang-ir-circuit-1"


def circuit_to_dict(circuit: Circuit) -> dict[str, Any]:
    """A JSON-ready dict."""
    return {
        "format": FORMAT,
        "name": circuit.name,
        "num_qubits": circuit.num_qubits,
        "num_clbits": circuit.num_clbits,
        "inputs": [_decl_to(d) for d in circuit.inputs],
        "weights": [_decl_to(d) for d in circuit.weights],
        "parameters": circuit.parameter_names(),
        "global_phase": E.to_json(circuit.global_phase),
        "layout": None
        if circuit.layout is None
        else {"initial": list(circuit.layout.initial), "final": list(circuit.layout.final)},
        "ops": [_op_to(op) for op in circuit.ops],
    }


def circuit_from_dict(data: dict[str, Any]) -> Circuit:
    """Inverse of :func:`circuit_to_dict` (raises ``ValueError`` on a bad document)."""
    if data.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} document")
    layout = data.get("layout")
    return Circuit(
        num_qubits=int(data["num_qubits"]),
        ops=tuple(_op_from(o) for o in data["ops"]),
        num_clbits=int(data["num_clbits"]),
        inputs=tuple(_decl_from(d) for d in data["inputs"]),
        weights=tuple(_decl_from(d) for d in data["weights"]),
        global_phase=E.from_json(data["global_phase"]),
        layout=None
        if layout is None
        else Layout(
            tuple(int(p) for p in layout["initial"]), tuple(int(p) for p in layout["final"])
        ),
        name=str(data["name"]),
    )


def circuit_to_json(circuit: Circuit, indent: int | None = None) -> str:
    return json.dumps(circuit_to_dict(circuit), indent=indent)


def circuit_from_json(text: str) -> Circuit:
    return circuit_from_dict(json.loads(text))


def _decl_to(d: ParamDecl) -> dict[str, Any]:
    return {
        "name": d.name,
        "shape": list(d.shape),
        "offset": d.offset,
        "init": None if d.init is None else [d.init[0], list(d.init[1])],
        "frozen": d.frozen,
    }


def _decl_from(d: dict[str, Any]) -> ParamDecl:
    init = d.get("init")
    return ParamDecl(
        name=str(d["name"]),
        shape=tuple(int(s) for s in d["shape"]),
        offset=int(d["offset"]),
        init=None if init is None else (str(init[0]), tuple(float(v) for v in init[1])),
        frozen=bool(d.get("frozen", False)),
    )


def _op_to(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {"name": op.name, "qubits": list(op.qubits)}
    if op.params:
        out["params"] = [E.to_json(p) for p in op.params]
    if op.clbits:
        out["clbits"] = list(op.clbits)
    if op.condition is not None:
        out["condition"] = {"clbits": list(op.condition.clbits), "value": op.condition.value}
    return out


def _op_from(o: dict[str, Any]) -> Operation:
    cond = o.get("condition")
    return Operation(
        name=str(o["name"]),
        qubits=tuple(int(q) for q in o["qubits"]),
        params=tuple(E.from_json(p) for p in o.get("params", ())),
        clbits=tuple(int(c) for c in o.get("clbits", ())),
        condition=None
        if cond is None
        else Condition(tuple(int(c) for c in cond["clbits"]), int(cond["value"])),
    )
