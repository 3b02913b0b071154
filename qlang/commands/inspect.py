"""``qlang inspect FILE``: resources of every model (or circuit) in a file.

Shows qubits, inputs, weights, gate counts by kind, depth, two-qubit gate
count and a text drawing; ``--format json`` prints the same as JSON.

Example::

    $ qlang inspect examples/havlicek_vqc.qml
    $ qlang inspect stdlib/ansatze.qml --qubits 3 --format json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from qlang.commands._common import allow_option, guarded, memory_option, model_scope
from qlang.diagnostics import QLangError
from qlang.ir.circuit import Circuit
from qlang.ir.model import Call, Observable


def circuit_summary(c: Circuit) -> dict[str, Any]:
    """The resource summary of one circuit (a JSON-ready dict)."""
    return {
        "name": c.name,
        "qubits": c.num_qubits,
        "clbits": c.num_clbits,
        "inputs": c.num_inputs,
        "input_blocks": [{"name": d.name, "shape": list(d.shape)} for d in c.inputs],
        "weights": c.num_weights,
        "weight_blocks": [
            {
                "name": d.name,
                "shape": list(d.shape),
                "init": list(d.init) if d.init else None,
                "frozen": d.frozen,
            }
            for d in c.weights
        ],
        "gate_counts": dict(sorted(c.count_ops().items())),
        "operations": len(c.ops),
        "depth": c.depth(),
        "two_qubit_gates": c.num_two_qubit_gates,
    }


def _call_text(c: Call | None) -> str | None:
    """``adam(lr = 0.05)`` from a setting call."""
    if c is None:
        return None
    parts = [repr(a) for a in c.args] + [f"{k} = {v!r}" for k, v in c.kwargs]
    return f"{c.name}({', '.join(parts)})"


def _observable_text(obs: Observable, c: Circuit) -> str:
    """``0.5 * Z0 Z1 + X2`` (weight names for trainable coefficients)."""
    from qlang.ir import expr as E

    names = c.weight_names()
    terms = []
    for t in obs.terms:
        coeff = E.to_text(t.coeff, weight_name=lambda i: names[i])
        paulis = " ".join(f"{p}{q}" for q, p in t.paulis) or "I"
        terms.append(paulis if coeff == "1.0" else f"{coeff} * {paulis}")
    if not terms:
        return "0"
    text = terms[0]
    for term in terms[1:]:
        text += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return text


def inspect_file(
    path: Path,
    qubits: int = 4,
    model: str | None = None,
    circuit: str | None = None,
    args: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Summaries of the models of a file, or of its circuits when it has no model
    (or of one ``circuit`` lowered with ``args``).

    The file is read through the front end's entry path (limits, the file access policy);
    a model must fit the simulator's memory budget like in ``qlang check`` (``QL0821``).
    """
    from qlang import access

    with access.for_model(path):
        return _inspect(path, qubits, model, circuit, args)


def _inspect(
    path: Path,
    qubits: int,
    model: str | None,
    circuit: str | None,
    args: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    from qlang.resources import check_model_memory
    from qlang.semantics import Loader
    from qlang.semantics.lowering import lower_named_circuit
    from qlang.semantics.models import lower_model
    from qlang.semantics.values import Definition

    loader = Loader()
    module = loader.load_path(path)
    loader.check()
    out: list[dict[str, Any]] = []
    if circuit is not None:
        c = lower_named_circuit(loader, module, circuit, {"qubits": qubits, **(args or {})})
        return [{"circuit": circuit, "blocks": [{**circuit_summary(c), "_circuit": c}]}]
    if module.models:
        names = [model] if model else [m.name for m in module.models]
        for name in names:
            m = lower_model(loader, module, name)
            check_model_memory(m)
            out.append(
                {
                    "model": m.name,
                    "task": m.task.name,
                    "features": m.num_features,
                    "data": _call_text(m.data),
                    "preprocess": [_call_text(p) for p in m.preprocess],
                    "loss": _call_text(m.loss),
                    "optimizer": _call_text(m.optimizer),
                    "execution": _execution(m),
                    "blocks": [
                        {
                            **circuit_summary(b.circuit),
                            "block": b.name,
                            "readout": b.readout.kind,
                            "outputs": b.readout.num_outputs,
                            "observables": [
                                _observable_text(o, b.circuit) for o in b.readout.observables
                            ],
                            "_circuit": b.circuit,
                        }
                        for b in m.blocks
                    ],
                }
            )
        return out
    for name, d in module.definitions.items():
        if not isinstance(d, Definition) or d.kind == "observable":
            continue
        try:
            c = lower_named_circuit(loader, module, name, {"qubits": qubits})
            out.append(
                {
                    "circuit": name,
                    "doc": d.node.doc,
                    "blocks": [{**circuit_summary(c), "_circuit": c}],
                }
            )
        except QLangError as e:
            out.append({"circuit": name, "error": [x.message for x in e.diagnostics]})
    return out


def _execution(model: Any) -> dict[str, Any]:
    """Engine, gradient, shots, noise, mitigation and seeds (as a run records them)."""
    from qlang.train.execution import execution_summary

    return execution_summary(model)


def _execution_lines(ex: dict[str, Any]) -> list[str]:
    shots = ex["shots"] if ex["shots"] is not None else "exact"
    lines = [f"  execution: {ex['engine']} engine, gradient {ex['gradient']}, shots {shots}"]
    noise = ex.get("noise")
    if noise:
        if noise["from_backend"]:
            lines.append(f"  noise: calibrated noise of `{noise['from_backend']}`")
        lines.extend(f"  noise: {c}" for c in noise["channels"])
    if ex["mitigation"]:
        lines.append(f"  mitigation: {', '.join(ex['mitigation'])}")
    sched = ex.get("schedule")
    if sched:
        esp = ", ".join(f"{c['estimated_success']:.3f}" for c in sched["circuits"])
        lines.append(
            f"  schedule: {sched['duration_s'] * 1e6:.2f} us on {sched['device']} (ASAP, the "
            f"Target's durations); estimated success {esp}"
        )
    if ex.get("cutting"):
        lines.extend(cutting_lines(ex["cutting"]))
    lines.append("  seeds: " + ", ".join(f"{k} {v}" for k, v in ex["seeds"].items()))
    return lines


def cutting_lines(cut: dict[str, Any]) -> list[str]:
    """``cutting: ...`` with one line per cut and per piece."""
    if not cut["cut"]:
        return [f"  cutting: {cut['setting']} (the block fits: not cut)"]
    n = len(cut["cuts"])
    lines = [
        f"  cutting: {cut['setting']}: {n} cut{'s' * (n != 1)}, sampling overhead "
        f"{cut['sampling_overhead']:g}, {cut['terms']} terms, "
        f"{cut['subexperiments']} subexperiments"
    ]
    lines += [f"    cut {k}: {c['text']}" for k, c in enumerate(cut["cuts"])]
    for k, p in enumerate(cut["pieces"]):
        qs = ", ".join(f"q{q}" for q in p["qubits"])
        extra = (
            f" (simulated on {p['simulated_width']}: deferred measurements)"
            if p["simulated_width"] != p["width"]
            else ""
        )
        unit = "qubit" if p["width"] == 1 else "qubits"
        lines.append(f"    piece {k}: {p['width']} {unit} [{qs}]{extra}")
    return lines


def _wrap(line: str, width: int | None) -> list[str]:
    """A summary line folded to ``width`` (continuation lines indented under its value)."""
    if width is None or len(line) <= width:
        return [line]
    import textwrap

    indent = len(line) - len(line.lstrip()) + 2
    return textwrap.wrap(line, width, subsequent_indent=" " * indent, break_on_hyphens=False)


def _text(report: list[dict[str, Any]], drawing: bool, width: int | None = None) -> str:
    from qlang.semantics.drawing import draw

    lines: list[str] = []
    drawn: set[int] = set()  # indices of drawing lines (never re-wrapped)
    for item in report:
        head = (
            f"model {item['model']} (task {item['task']}, "
            f"{item['features'] if item['features'] is not None else 'no'} input features)"
            if "model" in item
            else f"circuit {item['circuit']}"
        )
        lines.append(head)
        if "model" in item:
            for key in ("data", "loss", "optimizer"):
                if item[key]:
                    lines.append(f"  {key}: {item[key]}")
            if item["preprocess"]:
                lines.append(f"  preprocess: {' |> '.join(item['preprocess'])}")
            lines.extend(_execution_lines(item["execution"]))
        if "error" in item:
            lines.extend(f"  not lowered without arguments: {m}" for m in item["error"])
            continue
        for b in item["blocks"]:
            if "block" in b:
                lines.append(
                    f"  block {b['block']}: readout {b['readout']} ({b['outputs']} outputs)"
                )
                lines.extend(f"    observable: {o}" for o in b["observables"])
            lines.append(f"  qubits: {b['qubits']}   clbits: {b['clbits']}")
            lines.append(
                f"  inputs: {b['inputs']}  "
                + ", ".join(f"{d['name']}{d['shape']}" for d in b["input_blocks"])
            )
            lines.append(
                f"  weights: {b['weights']}  "
                + ", ".join(f"{d['name']}{d['shape']}" for d in b["weight_blocks"])
            )
            lines.append("  gates: " + ", ".join(f"{k} {v}" for k, v in b["gate_counts"].items()))
            lines.append(f"  depth: {b['depth']}   two-qubit gates: {b['two_qubit_gates']}")
            if drawing:
                pic = draw(b["_circuit"], None if width is None else width - 4, max_columns=60)
                for ln in pic.splitlines():
                    drawn.add(len(lines))
                    lines.append(("    " + ln).rstrip())
        lines.append("")
    return "\n".join(
        out
        for i, line in enumerate(lines)
        for out in ([line] if i in drawn else _wrap(line, width))
    )


def terminal_width() -> int:
    """``COLUMNS``, else the terminal's width, else 80."""
    import shutil

    return max(20, shutil.get_terminal_size((80, 24)).columns)


@click.command("inspect")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--model", "model", default=None, help="Only this model of the file.")
@click.option(
    "--qubits", default=4, show_default=True, help="Register size for files without models."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--no-draw", is_flag=True, help="Omit the circuit drawing.")
@click.option("--circuit", default=None, help="Only this circuit, lowered with --arg values.")
@click.option("--arg", "arg_items", multiple=True, help="KEY=VALUE argument (JSON or text).")
@click.option(
    "--width",
    type=click.IntRange(min=0),
    default=None,
    help="Fold the drawing to this many columns (default: COLUMNS or the terminal; 0: no folding).",
)
@click.option(
    "--draw",
    "draw_to",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the circuit as a picture (.svg, or .png through matplotlib).",
)
@memory_option
@allow_option
@guarded
def command(
    file: Path,
    model: str | None,
    qubits: int,
    fmt: str,
    no_draw: bool,
    circuit: str | None,
    arg_items: tuple[str, ...],
    width: int | None,
    draw_to: Path | None,
    memory: str | None,
    allow: tuple[str, ...],
) -> None:
    """Show the resources of the models (or circuits) of FILE.

    Example: ``qlang inspect stdlib/ansatze.qml --circuit real_amplitudes --arg reps=2``
    """
    args: dict[str, Any] = {}
    for item in arg_items:
        key, sep, raw = item.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--arg")
        try:
            args[key.strip()] = json.loads(raw, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            args[key.strip()] = raw
    if draw_to is not None:
        from qlang.semantics.drawing_svg import check_picture_path

        check_picture_path(draw_to)
    with model_scope(file, memory, allow):
        report = inspect_file(file, qubits, model, circuit, args)
    if draw_to is not None:
        _write_pictures(report, draw_to)
    if fmt == "json":
        for entry in report:
            for b in entry.get("blocks", []):
                b.pop("_circuit", None)
        click.echo(json.dumps(report, indent=2))
    else:
        fold = terminal_width() if width is None else (width or None)
        click.echo(_text(report, not no_draw, fold))


def _write_pictures(report: list[dict[str, Any]], path: Path) -> None:
    """One picture per drawn circuit: ``path`` itself when there is one, else
    ``<stem>-<model or circuit>[-<block>]<suffix>`` beside it."""
    from qlang.semantics.drawing_svg import save

    items = [
        (entry.get("model") or entry.get("circuit"), b)
        for entry in report
        for b in entry.get("blocks", [])
    ]
    for name, b in items:
        target = path
        if len(items) > 1:
            tail = name if b.get("block") in (None, "main") else f"{name}-{b['block']}"
            target = path.with_name(f"{path.stem}-{tail}{path.suffix}")
        save(b["_circuit"], target)
        click.echo(f"wrote {target}", err=True)


def _no_constant(name: str) -> Any:
    raise ValueError(name)
