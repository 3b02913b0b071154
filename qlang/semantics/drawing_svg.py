"""Circuit pictures: SVG from our own small renderer, PNG through matplotlib.

Both draw the same :func:`~qlang.semantics.drawing.layout` (the text drawing's
columns and legend) as a handful of shapes (:class:`Shape`), so the SVG and the PNG
always agree. matplotlib is imported only when a PNG is asked for.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> svg = to_svg(Circuit(2, (Operation("h", (0,)), Operation("cx", (0, 1)))))
    >>> svg.startswith("<svg") and ">h</text>" in svg
    True
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir.circuit import Circuit
from qlang.semantics.drawing import MAX_LABEL, Drawing, layout

__all__ = ["Shape", "save", "shapes", "to_svg"]

#: Geometry in pixels (SVG user units; the PNG uses the same numbers at 100 dpi).
ROW = 40
CHAR = 7.2  # width of one character of the 12 px monospace font
FONT = 12
PAD = 8
GAP = 14
MARGIN = 12
BOX_H = 26


@dataclass(frozen=True, slots=True)
class Shape:
    """One drawing primitive.

    ``kind``: ``line`` (``x, y`` to ``x2, y2``; ``dashed``), ``box`` (``x, y`` top-left,
    ``w, h``), ``dot`` and ``circle`` (centre ``x, y``, radius ``w``) or ``text``
    (anchored at ``x, y``; ``anchor`` start|middle|end).
    """

    kind: str
    x: float
    y: float
    x2: float = 0.0
    y2: float = 0.0
    w: float = 0.0
    h: float = 0.0
    text: str = ""
    anchor: str = "middle"
    dashed: bool = False
    grey: bool = False


def _text_width(text: str) -> float:
    return len(text) * CHAR


def shapes(d: Drawing) -> tuple[list[Shape], float, float]:
    """The shapes of a laid-out circuit and the picture's width and height."""
    n = d.num_qubits
    label_w = _text_width(f"q{max(n - 1, 0)}") + 2 * PAD
    widths = []
    for col in d.columns:
        w = 2 * 11.0
        for _, c in col.cells:
            if c.kind in ("gate", "measure"):
                w = max(w, _text_width(c.text) + 2 * PAD)
        widths.append(w)
    x = MARGIN + label_w
    centers = []
    for w in widths:
        centers.append(x + w / 2)
        x += w + GAP
    right = x - GAP + MARGIN + 10
    out: list[Shape] = []

    def y_of(q: int) -> float:
        return MARGIN + ROW / 2 + q * ROW

    for q in range(n):
        out.append(
            Shape("text", MARGIN + label_w - PAD, y_of(q) + FONT / 3, text=f"q{q}", anchor="end")
        )
        out.append(Shape("line", MARGIN + label_w, y_of(q), right - MARGIN, y_of(q)))
    for col, cx in zip(d.columns, centers, strict=True):
        for lo, hi in col.links:
            out.append(Shape("line", cx, y_of(lo), cx, y_of(hi)))
        for q, c in col.cells:
            y = y_of(q)
            if c.kind in ("gate", "measure"):
                bw = _text_width(c.text) + 2 * PAD
                out.append(Shape("box", cx - bw / 2, y - BOX_H / 2, w=bw, h=BOX_H))
                out.append(Shape("text", cx, y + FONT / 3, text=c.text))
            elif c.kind == "control":
                out.append(Shape("dot", cx, y, w=4.5))
            elif c.kind == "target":
                out.append(Shape("circle", cx, y, w=10))
                out.append(Shape("line", cx - 10, y, cx + 10, y))
                out.append(Shape("line", cx, y - 10, cx, y + 10))
            elif c.kind == "swap":
                out.append(Shape("line", cx - 6, y - 6, cx + 6, y + 6))
                out.append(Shape("line", cx - 6, y + 6, cx + 6, y - 6))
            elif c.kind == "barrier":
                out.append(Shape("line", cx, y - ROW / 2, cx, y + ROW / 2, dashed=True, grey=True))
    height = MARGIN + n * ROW + MARGIN
    notes = []
    if d.hidden:
        notes.append(f"... {d.hidden} more columns")
    notes += [f"{key} = {text}" for key, text in d.legend]
    for line in notes:
        height += FONT + 6
        out.append(Shape("text", MARGIN, height - 4, text=line, anchor="start"))
        right = max(right, MARGIN + _text_width(line) + MARGIN)
    return out, right, height + (MARGIN if notes else 0)


def to_svg(circuit: Circuit, *, max_label: int = MAX_LABEL, max_columns: int | None = None) -> str:
    """A standalone SVG picture of ``circuit``."""
    items, width, height = shapes(layout(circuit, max_label, max_columns))
    body = []
    for s in items:
        stroke = "#999" if s.grey else "#222"
        if s.kind == "line":
            dash = ' stroke-dasharray="4 3"' if s.dashed else ""
            body.append(
                f'<line x1="{s.x:.1f}" y1="{s.y:.1f}" x2="{s.x2:.1f}" y2="{s.y2:.1f}" '
                f'stroke="{stroke}" stroke-width="1.2"{dash}/>'
            )
        elif s.kind == "box":
            body.append(
                f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" '
                f'rx="3" fill="#eef3fb" stroke="{stroke}" stroke-width="1.2"/>'
            )
        elif s.kind in ("dot", "circle"):
            fill = stroke if s.kind == "dot" else "#fff"
            body.append(
                f'<circle cx="{s.x:.1f}" cy="{s.y:.1f}" r="{s.w:.1f}" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="1.2"/>'
            )
        else:
            body.append(
                f'<text x="{s.x:.1f}" y="{s.y:.1f}" text-anchor="{s.anchor}">'
                f"{html.escape(s.text)}</text>"
            )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="{FONT}">'
        f'<rect width="100%" height="100%" fill="#fff"/>' + "".join(body) + "</svg>"
    )


def _to_png(circuit: Circuit, path: Path, max_columns: int | None) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        from matplotlib.patches import Circle, FancyBboxPatch
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0530",
                    "writing a PNG needs matplotlib",
                    help="install it with `pip install matplotlib`, or write an .svg",
                )
            ]
        ) from None
    items, width, height = shapes(layout(circuit, MAX_LABEL, max_columns))
    dpi = 100
    fig = plt.figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    for z, s in enumerate(items, start=1):  # later shapes on top, as in the SVG
        color = "#999999" if s.grey else "#222222"
        if s.kind == "line":
            ax.plot(
                [s.x, s.x2],
                [s.y, s.y2],
                color=color,
                lw=1.2,
                ls="--" if s.dashed else "-",
                zorder=z,
            )
        elif s.kind == "box":
            ax.add_patch(
                FancyBboxPatch(
                    (s.x, s.y),
                    s.w,
                    s.h,
                    boxstyle="round,pad=0,rounding_size=3",
                    fc="#eef3fb",
                    ec=color,
                    lw=1.2,
                    zorder=z,
                )
            )
        elif s.kind in ("dot", "circle"):
            ax.add_patch(
                Circle(
                    (s.x, s.y),
                    s.w,
                    fc=color if s.kind == "dot" else "white",
                    ec=color,
                    lw=1.2,
                    zorder=z,
                )
            )
        else:
            ax.text(
                s.x,
                s.y - FONT / 3,
                s.text,
                ha={"start": "left", "end": "right"}.get(s.anchor, "center"),
                va="center",
                family="monospace",
                fontsize=FONT * 0.75,
                zorder=z,
            )
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


#: Picture formats :func:`save` writes, by file suffix.
FORMATS = (".svg", ".png")


def check_picture_path(path: str | Path) -> None:
    """`QL0530` unless ``path`` names a format :func:`save` can write."""
    p = Path(path)
    if p.suffix.lower() not in FORMATS:
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0530",
                    f"cannot draw to `{p.name}`: unknown picture format",
                    help="name the file `.svg` or `.png`",
                )
            ]
        )


def save(circuit: Circuit, path: str | Path, *, max_columns: int | None = None) -> Path:
    """Write ``circuit`` as ``.svg`` or ``.png`` (by the file's suffix), atomically."""
    import os
    import tempfile

    from qlang.fileio import atomic_write_text

    check_picture_path(path)
    p = Path(path)
    if p.suffix.lower() == ".svg":
        atomic_write_text(p, to_svg(circuit, max_columns=max_columns))
        return p
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".png", dir=p.parent)
    os.close(fd)
    try:
        _to_png(circuit, Path(tmp), max_columns)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p
