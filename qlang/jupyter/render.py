"""HTML and SVG for notebooks: diagnostics, models, compiled circuits and training runs.

The ``_repr_html_``/``_repr_svg_`` methods of :class:`~qlang.diagnostics.QLangError`,
:class:`~qlang.ir.model.Model`, :class:`~qlang.compiler.Compiled` and the training
result call these; they need nothing but the standard library (the circuit pictures
come from :mod:`qlang.semantics.drawing_svg`, the training curve from :func:`curve_svg`).

Example::

    >>> svg = curve_svg([{"epoch": 1, "loss": 1.0}, {"epoch": 2, "loss": 0.5}])
    >>> svg.startswith("<svg") and "loss" in svg
    True
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qlang.compiler import Compiled
    from qlang.diagnostics import QLangError
    from qlang.ir.circuit import Circuit
    from qlang.ir.model import Call, Model

__all__ = [
    "compiled_html",
    "curve_svg",
    "diagnostics_html",
    "model_html",
    "training_html",
]

#: Longest circuit drawn in full in a notebook (longer ones are cut, with a note).
MAX_COLUMNS = 120

_STYLE = (
    "font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; "
    "border-collapse: collapse"
)
_SEVERITY_COLOR = {"error": "#c62828", "warning": "#b26a00", "note": "#1565c0"}


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(rows: list[tuple[str, str]], title: str = "") -> str:
    """A two-column table; values are already HTML."""
    head = f"<tr><th colspan='2' style='text-align:left'>{_e(title)}</th></tr>" if title else ""
    body = "".join(
        f"<tr><td style='padding:1px 12px 1px 0;color:#555;vertical-align:top'>{_e(k)}</td>"
        f"<td style='padding:1px 0'>{v}</td></tr>"
        for k, v in rows
    )
    return f"<table style='{_STYLE}'>{head}{body}</table>"


def _call(c: Call | None) -> str:
    if c is None:
        return "–"
    parts = [repr(a) for a in c.args] + [f"{k} = {v!r}" for k, v in c.kwargs]
    return f"<code>{_e(c.name)}({_e(', '.join(parts))})</code>"


def _picture(circuit: Circuit) -> str:
    from qlang.semantics.drawing_svg import to_svg

    return (
        f"<div style='overflow-x:auto;max-width:100%'>"
        f"{to_svg(circuit, max_columns=MAX_COLUMNS)}</div>"
    )


# --- diagnostics --------------------------------------------------------------------


def diagnostics_html(err: QLangError) -> str:
    """Every diagnostic as in the terminal (code, message, the source line with carets,
    help), coloured by severity."""
    blocks = []
    for d in err.diagnostics:
        color = _SEVERITY_COLOR.get(d.severity.value, "#c62828")
        text = d.render(err.sources)
        head, _, rest = text.partition("\n")
        blocks.append(
            f"<div style='margin:4px 0'><pre style='margin:0;white-space:pre-wrap'>"
            f"<b style='color:{color}'>{_e(head)}</b>"
            + (f"\n{_e(rest)}" if rest else "")
            + "</pre></div>"
        )
    n = sum(1 for d in err.diagnostics if d.severity.value == "error")
    summary = f"<div style='color:#c62828'>{n} error{'s' if n != 1 else ''}</div>" if n else ""
    return "<div class='qlang-diagnostics'>" + "".join(blocks) + summary + "</div>"


# --- models -------------------------------------------------------------------------


def _circuit_rows(c: Circuit) -> list[tuple[str, str]]:
    counts = ", ".join(f"{k} {v}" for k, v in sorted(c.count_ops().items()))
    inputs = ", ".join(f"{d.name}{list(d.shape)}" for d in c.inputs) or "–"
    weights = ", ".join(f"{d.name}{list(d.shape)}" for d in c.weights) or "–"
    return [
        ("qubits", str(c.num_qubits)),
        ("inputs", f"{c.num_inputs} ({_e(inputs)})"),
        ("weights", f"{c.num_weights} ({_e(weights)})"),
        ("gates", _e(counts) or "–"),
        ("depth", f"{c.depth()} (two-qubit gates: {c.num_two_qubit_gates})"),
    ]


def model_html(model: Model) -> str:
    """A model: its settings, its circuit's resources and a drawing of the circuit."""
    t = model.training
    training = ", ".join(
        f"{k} = {v}"
        for k, v in (
            ("epochs", t.epochs),
            ("maxiter", t.maxiter),
            ("batch_size", t.batch_size),
            ("seed", t.seed),
            ("gradient", getattr(t, "gradient", None)),
        )
        if v is not None
    )
    rows = [
        ("task", _call(model.task)),
        ("data", _call(model.data)),
        ("preprocess", " |> ".join(_call(p) for p in model.preprocess) or "–"),
        ("loss", _call(model.loss)),
        ("optimizer", _call(model.optimizer)),
        ("train", _e(training) or "–"),
    ]
    main = model.main
    rows.append(("readout", f"{_e(main.readout.kind)} ({main.readout.num_outputs} outputs)"))
    rows += _circuit_rows(main.circuit)
    extra = (
        f"<div>{len(model.blocks) - 1} more quantum block(s)</div>" if len(model.blocks) > 1 else ""
    )
    return (
        f"<div class='qlang-model'><b>model {_e(model.name)}</b>"
        + _table(rows)
        + extra
        + _picture(main.circuit)
        + "</div>"
    )


# --- compiled circuits --------------------------------------------------------------


def compiled_html(compiled: Compiled) -> str:
    """A compiled circuit: stats, the layout (when routed) and a drawing."""
    s = compiled.stats
    rows = [
        ("target", f"<code>{_e(compiled.target)}</code>, -O{compiled.optimization_level}"),
        ("qubits", str(s.qubits)),
        ("depth", str(s.depth)),
        ("two-qubit gates", str(s.two_qubit_gates)),
        ("gates", _e(", ".join(f"{k} {v}" for k, v in s.gate_counts.items())) or "–"),
        ("parameters", str(len(compiled.parameters))),
    ]
    rows += [("note", _e(n)) for n in compiled.notes]
    layout = ""
    if compiled.layout is not None:
        lay = compiled.layout
        cells = "".join(
            f"<tr><td>q{i}</td><td>{lay.initial[i]}</td><td>{lay.final[i]}</td></tr>"
            for i in range(len(lay.initial))
        )
        layout = (
            f"<table style='{_STYLE};margin-top:4px'><tr><th style='text-align:left'>logical"
            f"</th><th>initial</th><th>final</th></tr>{cells}</table>"
        )
    return (
        f"<div class='qlang-compiled'><b>compiled {_e(compiled.model_name)}</b>"
        + _table(rows)
        + layout
        + _picture(compiled.ir)
        + "</div>"
    )


# --- training runs ------------------------------------------------------------------


def _series(curve: list[dict[str, float]]) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for i, point in enumerate(curve):
        x = float(point.get("epoch", i + 1))
        for k, v in point.items():
            if k in ("epoch", "step", "time") or not isinstance(v, (int, float)):
                continue
            if math.isfinite(float(v)):
                out.setdefault(k, []).append((x, float(v)))
    return out


_COLORS = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f")


def curve_svg(curve: list[dict[str, float]], width: int = 420, height: int = 220) -> str:
    """The training curve: the loss and every per-epoch metric against the epoch (the
    loss on the left axis, metrics in [0, 1] on the right when there are any)."""
    series = _series(curve)
    left, right, top, bottom = 48, 48, 12, 34
    w, h = width - left - right, height - top - bottom
    xs = [x for pts in series.values() for x, _ in pts] or [0.0, 1.0]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    loss = series.get("loss", [])
    ly = [y for _, y in loss] or [0.0, 1.0]
    l0, l1 = min(ly), max(ly) if max(ly) > min(ly) else min(ly) + 1

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * w

    def py(y: float, lo: float, hi: float) -> float:
        return top + h - (y - lo) / (hi - lo) * h

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"font-family='sans-serif' font-size='11'>",
        f"<rect x='{left}' y='{top}' width='{w}' height='{h}' fill='none' stroke='#999'/>",
        f"<text x='{left + w / 2}' y='{height - 4}' text-anchor='middle'>epoch</text>",
        f"<text x='{left}' y='{top + h + 14}' text-anchor='middle'>{x0:g}</text>",
        f"<text x='{left + w}' y='{top + h + 14}' text-anchor='middle'>{x1:g}</text>",
        f"<text x='{left - 4}' y='{top + 8}' text-anchor='end'>{l1:.3g}</text>",
        f"<text x='{left - 4}' y='{top + h}' text-anchor='end'>{l0:.3g}</text>",
    ]
    others = [k for k in series if k != "loss"]
    if others:
        parts.append(f"<text x='{left + w + 4}' y='{top + 8}'>1</text>")
        parts.append(f"<text x='{left + w + 4}' y='{top + h}'>0</text>")
    for i, (name, pts) in enumerate(series.items()):
        color = _COLORS[i % len(_COLORS)]
        lo, hi = (l0, l1) if name == "loss" else (0.0, 1.0)
        points = " ".join(f"{px(x):.1f},{py(y, lo, hi):.1f}" for x, y in pts)
        parts.append(
            f"<polyline fill='none' stroke='{color}' stroke-width='1.6' points='{points}'/>"
        )
        parts.append(
            f"<text x='{left + 6}' y='{top + 14 + 13 * i}' fill='{color}'>{_e(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return _e(v)


def training_html(trained: Any, model: Model | None = None) -> str:
    """A training run: the curve and the metrics table (per split), seed and time."""
    metrics = dict(trained.metrics)
    splits = {k: v for k, v in metrics.items() if isinstance(v, dict)}
    scalars = [(k, _fmt(v)) for k, v in metrics.items() if not isinstance(v, dict)]
    names = sorted({m for s in splits.values() for m in s})
    table = ""
    if splits:
        head = "".join(f"<th style='padding:0 8px'>{_e(s)}</th>" for s in splits)
        body = "".join(
            f"<tr><td style='color:#555'>{_e(m)}</td>"
            + "".join(
                f"<td style='padding:0 8px'>{_fmt(splits[s].get(m, ''))}</td>" for s in splits
            )
            + "</tr>"
            for m in names
        )
        table = f"<table style='{_STYLE}'><tr><th></th>{head}</tr>{body}</table>"
    title = f"training run of {model.name}" if model is not None else "training run"
    info = _table([("seed", _e(trained.seed)), ("parameters", str(len(trained.params))), *scalars])
    curve = curve_svg(trained.curve) if trained.curve else ""
    return (
        f"<div class='qlang-training'><b>{_e(title)}</b>"
        f"<div style='display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap'>"
        f"<div>{curve}</div><div>{table}{info}</div></div></div>"
    )
