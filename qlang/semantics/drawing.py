"""A text drawing of a circuit: one line per qubit, operations in ASAP columns.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> print(draw(Circuit(2, (Operation("h", (0,)), Operation("cx", (0, 1))))))
    q0: ─h──●─
    q1: ────X─
"""

from __future__ import annotations

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation

_CONTROLS = {
    "cx": 1,
    "cy": 1,
    "cz": 1,
    "ch": 1,
    "crx": 1,
    "cry": 1,
    "crz": 1,
    "cp": 1,
    "ccx": 2,
    "cswap": 1,
}
_TARGET = {
    "cx": "X",
    "ccx": "X",
    "mcx": "X",
    "cy": "Y",
    "cz": "●",
    "ch": "H",
    "crx": "rx",
    "cry": "ry",
    "crz": "rz",
    "cp": "p",
    "cswap": "x",
}


#: Input and weight names, used to print parameter expressions.
Names = tuple[list[str], list[str]]


def _text(p: E.Expr, names: Names) -> str:
    xs, ws = names
    return E.to_text(
        p,
        lambda i: xs[i] if i < len(xs) else f"x[{i}]",
        lambda i: ws[i] if i < len(ws) else f"w[{i}]",
    )


def _label(op: Operation, width: int, names: Names) -> str:
    if not op.params:
        return op.name
    text = ",".join(_text(p, names) for p in op.params)
    if len(text) > width:
        text = text[: width - 1] + "…"
    return f"{op.name}({text})"


def _cells(op: Operation, param_width: int, names: Names) -> dict[int, str]:
    qs = op.qubits
    if op.name == "measure":
        return {qs[0]: f"M→c{op.clbits[0]}"}
    if op.name == "barrier":
        return {q: "░" for q in qs}
    k = len(qs) - 1 if op.name == "mcx" else _CONTROLS.get(op.name, 0)
    cells: dict[int, str] = {}
    for q in qs[:k]:
        cells[q] = "●"
    tname = _TARGET.get(op.name)
    for q in qs[k:]:
        if tname and op.params:
            cells[q] = f"{tname}({','.join(_text(p, names) for p in op.params)[:param_width]})"
        elif tname:
            cells[q] = tname
        else:
            cells[q] = _label(op, param_width, names)
    if op.condition is not None:
        bits = "".join(f"c{c}" for c in op.condition.clbits)
        for q in qs[k:]:
            cells[q] += f"[{bits}={op.condition.value}]"
    return cells


def draw(circuit: Circuit, param_width: int = 14, max_columns: int = 200) -> str:
    """Text drawing; columns beyond ``max_columns`` are summarised."""
    n = circuit.num_qubits
    names = (circuit.input_names(), circuit.weight_names())
    level = [0] * n
    columns: list[dict[int, str]] = []
    for op in circuit.ops:
        cells = _cells(op, param_width, names)
        lo, hi = min(op.qubits), max(op.qubits)
        span = range(lo, hi + 1)
        at = max(level[q] for q in span)
        while len(columns) <= at:
            columns.append({})
        for q in span:
            columns[at][q] = cells.get(q, "│")
            level[q] = at + 1
    hidden = max(0, len(columns) - max_columns)
    columns = columns[:max_columns]
    width = len(f"q{n - 1}") if n else 2
    lines = []
    for q in range(n):
        parts = []
        for col in columns:
            w = max(len(s) for s in col.values())
            cell = col.get(q, "")
            parts.append(cell.center(w, "─") if cell else "─" * w)
        lines.append(f"{f'q{q}':>{width}}: ─" + "──".join(parts) + "─")
    if hidden:
        lines.append(f"... {hidden} more columns")
    return "\n".join(lines)
