"""Circuit drawings: one lane per qubit, operations in ASAP columns.

:func:`layout` places the operations once (columns, cells, vertical links and a
legend for parameter expressions too long to print in a box); :func:`draw` prints
that layout as text folded to a width, and :mod:`qlang.semantics.drawing_svg`
renders the same layout as SVG or PNG.

Parameter names are printed in full (``ry(ansatz_w[0,1,2])``); an expression
longer than ``max_label`` characters is shown as ``#k`` with ``#k = ...`` in a
legend under the drawing, so no label is ever cut.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> print(draw(Circuit(2, (Operation("h", (0,)), Operation("cx", (0, 1))))))
    q0: ─h──●─
    q1: ────X─
    >>> c = Circuit(1, tuple(Operation("x", (0,)) for _ in range(6)))
    >>> print(draw(c, width=14))
    q0: ─x──x──x─
    <BLANKLINE>
    q0: ─x──x──x─
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation

__all__ = ["Cell", "Column", "Drawing", "draw", "layout"]

#: Number of control qubits of the controlled gates (the rest are targets).
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
#: What a controlled gate shows on its targets.
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

#: Default longest parameter text printed inside a box (longer ones go to the legend).
MAX_LABEL = 30


@dataclass(frozen=True, slots=True)
class Cell:
    """What one operation shows on one qubit lane.

    ``kind``: ``gate`` (a boxed label), ``control`` (a filled dot), ``target`` (the
    X of a CNOT), ``swap``, ``measure``, ``barrier`` or ``cross`` (a link passing
    over a lane the operation does not act on).
    """

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Column:
    """Operations drawn side by side: cells by qubit and vertical links ``(lo, hi)``."""

    cells: tuple[tuple[int, Cell], ...]
    links: tuple[tuple[int, int], ...] = ()

    def cell(self, qubit: int) -> Cell | None:
        for q, c in self.cells:
            if q == qubit:
                return c
        return None

    @property
    def width(self) -> int:
        """Characters the widest cell needs in a text drawing."""
        return max((len(c.text) for _, c in self.cells), default=1)


@dataclass(frozen=True, slots=True)
class Drawing:
    """A laid-out circuit: columns, the legend (``#k`` -> text) and columns left out."""

    num_qubits: int
    columns: tuple[Column, ...]
    legend: tuple[tuple[str, str], ...] = ()
    hidden: int = 0


class _Labels:
    """Parameter texts, with ``#k`` stand-ins for those longer than ``limit``."""

    def __init__(self, circuit: Circuit, limit: int) -> None:
        self.inputs = circuit.input_names()
        self.weights = circuit.weight_names()
        self.limit = limit
        self.legend: dict[str, str] = {}
        self.used: set[str] = set()  # legend keys of the operation being placed

    def expr(self, p: E.Expr) -> str:
        xs, ws = self.inputs, self.weights
        return E.to_text(
            p,
            lambda i: xs[i] if i < len(xs) else f"x[{i}]",
            lambda i: ws[i] if i < len(ws) else f"w[{i}]",
        )

    def params(self, op: Operation) -> str:
        text = ", ".join(self.expr(p) for p in op.params)
        if len(text) <= self.limit:
            return text
        if text not in self.legend:
            self.legend[text] = f"#{len(self.legend) + 1}"
        self.used.add(self.legend[text])
        return self.legend[text]

    def gate(self, name: str, op: Operation) -> str:
        return f"{name}({self.params(op)})" if op.params else name


def _cells(op: Operation, labels: _Labels) -> dict[int, Cell]:
    qs = op.qubits
    if op.name == "measure":
        return {qs[0]: Cell("measure", f"M→c{op.clbits[0]}")}
    if op.name == "barrier":
        return {q: Cell("barrier", "░") for q in qs}
    if op.name == "swap":
        return {q: Cell("swap", "x") for q in qs}
    k = len(qs) - 1 if op.name == "mcx" else _CONTROLS.get(op.name, 0)
    cells = {q: Cell("control", "●") for q in qs[:k]}
    target = _TARGET.get(op.name)
    for q in qs[k:]:
        if target == "X":
            cells[q] = Cell("target", "X")
        elif target == "●":
            cells[q] = Cell("control", "●")
        elif target == "x":
            cells[q] = Cell("swap", "x")
        else:
            cells[q] = Cell("gate", labels.gate(target or op.name, op))
    if op.condition is not None:
        bits = "".join(f"c{c}" for c in op.condition.clbits)
        for q in qs[k:]:
            cells[q] = Cell("gate", f"{cells[q].text}[{bits}={op.condition.value}]")
    return cells


def layout(circuit: Circuit, max_label: int = MAX_LABEL, max_columns: int | None = None) -> Drawing:
    """Place every operation in the first column where all lanes it spans are free."""
    n = circuit.num_qubits
    labels = _Labels(circuit, max_label)
    level = [0] * n
    cols: list[dict[int, Cell]] = []
    links: list[list[tuple[int, int]]] = []
    keys: list[set[str]] = []
    for op in circuit.ops:
        if not op.qubits:
            continue
        labels.used = set()
        cells = _cells(op, labels)
        lo, hi = min(op.qubits), max(op.qubits)
        at = max(level[q] for q in range(lo, hi + 1))
        while len(cols) <= at:
            cols.append({})
            links.append([])
            keys.append(set())
        keys[at] |= labels.used
        for q in range(lo, hi + 1):
            cols[at][q] = cells.get(q, Cell("cross", "│"))
            level[q] = at + 1
        if hi > lo and op.name != "barrier":
            links[at].append((lo, hi))
    hidden = 0
    if max_columns is not None and len(cols) > max_columns:
        hidden = len(cols) - max_columns
        cols, links, keys = cols[:max_columns], links[:max_columns], keys[:max_columns]
    columns = tuple(
        Column(tuple(sorted(c.items())), tuple(lk)) for c, lk in zip(cols, links, strict=True)
    )
    shown = set().union(*keys) if keys else set()  # legend entries of drawn columns only
    legend = tuple((key, text) for text, key in labels.legend.items() if key in shown)
    return Drawing(n, columns, legend, hidden)


def draw(
    circuit: Circuit,
    width: int | None = 80,
    *,
    max_label: int = MAX_LABEL,
    max_columns: int | None = None,
) -> str:
    """Text drawing, folded so that no line is longer than ``width`` (``None``: one row).

    A single column wider than the page (a very long classical condition) is the only
    thing that can exceed ``width``; parameter labels never do, they go to the legend.
    """
    n = circuit.num_qubits
    prefix = len(f"q{max(n - 1, 0)}") + 3  # "q0: ─"
    if width is not None:
        # A label must fit on one folded row: prefix, box, closing wire.
        max_label = max(4, min(max_label, width - prefix - 8))
    d = layout(circuit, max_label, max_columns)
    rows: list[list[Column]] = [[]]
    used = prefix + 1
    for col in d.columns:
        need = col.width + (2 if rows[-1] else 0)
        if width is not None and rows[-1] and used + need > width:
            rows.append([])
            used, need = prefix + 1, col.width
        rows[-1].append(col)
        used += need
    blocks = []
    for row in rows:
        lines = []
        for q in range(n):
            parts = []
            for col in row:
                cell = col.cell(q)
                w = col.width
                parts.append(cell.text.center(w, "─") if cell is not None else "─" * w)
            lines.append(f"{f'q{q}':>{prefix - 3}}: ─" + "──".join(parts) + "─")
        blocks.append("\n".join(lines))
    out = "\n\n".join(blocks)
    if d.hidden:
        out += f"\n... {d.hidden} more columns"
    if d.legend:
        wrap = width if width is not None else 10**9
        for key, text in d.legend:
            out += "\n" + "\n".join(
                textwrap.wrap(
                    f"{key} = {text}",
                    wrap,
                    subsequent_indent=" " * (len(key) + 3),
                    break_on_hyphens=False,
                )
            )
    return out
