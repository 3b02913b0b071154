"""``qlang compile FILE``: lower a model or an OpenQASM file to a target.

Targets: ``qasm3`` (OpenQASM 3 text), ``qiskit`` (QPY with ``-o``, else the
circuit drawing), ``tket`` (pytket JSON with parameters and placement) and
``ir`` (the circuit IR as JSON). Without ``-o`` the output goes to stdout;
files are written atomically (temporary file, then rename).

Example::

    qlang compile model.qml --target qasm3 -O 2 -o model.qasm
    qlang compile circuit.qasm --device "heavy_hex(3)" --target qiskit -o out.qpy
    qlang compile model.qml --passes "merge-rotations,layout,route" --device "line(4)" \\
        --print-ir-after route --time-passes

A model's ``target { device, basis, optimization_level }`` are the defaults; the flags
override them (``--device none`` compiles without routing).

A model that runs cut into pieces (``target { cutting = auto(...) }``) compiles to its
pieces: every subexperiment (piece x term x measurement group) compiled for the device,
and ``manifest.json`` (how their measured bits reconstruct the model's outputs), written
atomically into the folder ``-o DIR`` (docs/cutting.md); ``--whole`` compiles the uncut
circuit instead.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import click

from qlang.commands._common import allow_option, guarded


@click.command("compile")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--target",
    "--emit",
    "-t",
    type=click.Choice(["qasm3", "qiskit", "tket", "ir"]),
    default="qasm3",
    show_default=True,
    help="output format",
)
@click.option(
    "--device",
    "-d",
    default=None,
    help='device to route for, e.g. "line(5)", "heavy_hex:eagle", a .json file, or "none" '
    "(default: the model's target device)",
)
@click.option(
    "-O",
    "level",
    type=click.IntRange(0, 3),
    default=None,
    help="optimisation level 0-3 (default: the model's target, else 1)",
)
@click.option(
    "--basis",
    default=None,
    help='gate basis: a named set ("ibm"), gate names "cx,rz,sx,x", or "none" '
    "(default: the model's target basis)",
)
@click.option(
    "--passes",
    default=None,
    help='custom pipeline instead of -O, e.g. "merge-rotations,layout,route" (see `qlang passes`)',
)
@click.option("--seed", type=int, default=0, show_default=True, help="layout/routing seed")
@click.option(
    "--print-ir-after",
    multiple=True,
    metavar="PASS",
    help="print the IR after each run of PASS (or `all`) to stderr",
)
@click.option("--time-passes", is_flag=True, help="print a per-pass timing table to stderr")
@click.option(
    "--verify/--no-verify", default=True, show_default=True, help="verify the IR between passes"
)
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    default=None,
    help="output file (default: stdout); for a cut model the folder of its pieces",
)
@click.option(
    "--measure",
    is_flag=True,
    help="lower the model's readout to measurements: one circuit per measurement basis "
    "(-o out.qasm writes out.qasm, or out.m0.qasm, out.m1.qasm, ...) and the decoding "
    "manifest out.measure.json",
)
@click.option(
    "--whole",
    is_flag=True,
    help="for a model with `target { cutting }`: compile the uncut circuit, not its pieces",
)
@allow_option
@guarded
def command(
    file: str,
    target: str,
    device: str | None,
    level: int | None,
    basis: str | None,
    passes: str | None,
    seed: int,
    print_ir_after: tuple[str, ...],
    time_passes: bool,
    verify: bool,
    output: str | None,
    measure: bool,
    whole: bool,
    allow: tuple[str, ...],
) -> None:
    """Compile FILE (.qml or .qasm) to OpenQASM 3, Qiskit, pytket or IR JSON.

    Compiling never simulates: the memory budget does not apply, wide circuits compile.
    A model with `target { cutting }` compiles to its pieces and a manifest (-o DIR).
    """
    from qlang.compiler import compile as qcompile
    from qlang.fileio import write_output

    source: object = Path(file)
    if Path(file).suffix.lower() == ".qml":
        from qlang.cutting.emit import cut_block
        from qlang.driver import load_model

        source = model = load_model(Path(file), allow=allow)
        if cut_block(model) is not None and not whole:
            _compile_pieces(model, target, device, level, basis, passes, seed, print_ir_after,
                            time_passes, verify, output, measure)  # fmt: skip
            return
    compiled = qcompile(
        source,
        target=target,
        device=device,
        optimization_level=level,
        basis=basis,
        passes=passes,
        seed=seed,
        print_ir_after=print_ir_after,
        time_passes=time_passes,
        verify=verify,
        allow=allow,
        measure=measure,
    )
    if measure:
        _write_measured(compiled, target, output)
        return
    data = _render(compiled, target, binary=output is not None)
    for note in compiled.notes:
        click.echo(f"note: {note}", err=True)
    if output is None:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        click.echo(text, nl=not text.endswith("\n"))
        return
    write_output(output, data)
    s = compiled.stats
    click.echo(
        f"wrote {output}: {s.qubits} qubits, depth {s.depth}, {s.two_qubit_gates} two-qubit gates",
        err=True,
    )


def _render(compiled, target: str, binary: bool) -> str | bytes:  # type: ignore[no-untyped-def]
    if target == "qasm3":
        return compiled.qasm3
    if target == "ir":
        return compiled.to_ir_json() + "\n"
    if target == "tket":
        from qlang.targets.tket import to_tket_json

        return json.dumps(to_tket_json(compiled.ir), indent=2) + "\n"
    qc = compiled.to_qiskit()
    if not binary:
        return str(qc.draw(output="text", fold=-1)) + "\n"
    from qiskit import qpy

    buf = io.BytesIO()
    qpy.dump(qc, buf)
    return buf.getvalue()


def _write_measured(compiled, target: str, output: str | None) -> None:  # type: ignore[no-untyped-def]
    """The measured circuits and their manifest (files next to ``output``, or stdout)."""
    from qlang.fileio import write_output

    for note in compiled.notes:
        click.echo(f"note: {note}", err=True)
    manifest = dict(compiled.manifest)
    if output is None:
        for m in compiled.measured:
            data = _render(m, target, binary=False)
            click.echo(data.decode("utf-8") if isinstance(data, bytes) else data)
        click.echo(json.dumps(manifest, indent=1))
        return
    out = Path(output)
    many = len(compiled.measured) > 1
    names = []
    for g, m in enumerate(compiled.measured):
        path = out.with_name(f"{out.stem}.m{g}{out.suffix}") if many else out
        manifest["circuits"][g]["file"] = path.name
        write_output(path, _render(m, target, binary=True))
        names.append(path.name)
    side = out.with_name(f"{out.stem}.measure.json")
    write_output(side, json.dumps(manifest, indent=1) + "\n", what="measurement manifest")
    click.echo(f"wrote {', '.join(names)} and {side.name}", err=True)


def _compile_pieces(  # type: ignore[no-untyped-def]
    model, target, device, level, basis, passes, seed, print_ir_after, time_passes, verify,
    output: str | None, measure: bool,
) -> None:
    """A cut model's subexperiments and manifest: into the folder ``output`` (atomically:
    a hidden sibling renamed into place; an existing non-empty folder is never touched),
    else to stdout."""
    from qlang.cutting.emit import compile_pieces

    if measure:
        from qlang.diagnostics import Diagnostic, QLangError

        raise QLangError([Diagnostic.error(
            "QL0956",
            "`--measure` does not apply to the pieces of a cut model: every subexperiment "
            "measures its own bits (the manifest says which)",
            model.target.cutting.span,
            help="drop `--measure`, or compile the uncut circuit with `--whole --measure`",
        )])  # fmt: skip
    pieces = compile_pieces(
        model, target, device, level, basis=basis, passes=passes, seed=seed,
        print_ir_after=tuple(print_ir_after), time_passes=time_passes, verify=verify,
    )  # fmt: skip
    for note in pieces.notes:
        click.echo(f"note: {note}", err=True)
    summary = pieces.manifest["cutting"]
    if output is None:
        for name, compiled in pieces.files:
            data = _render(compiled, target, binary=False)
            click.echo(f"==> {name} <==")
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            click.echo(text, nl=not text.endswith("\n"))
        click.echo("==> manifest.json <==")
        click.echo(pieces.manifest_json(), nl=False)
        return
    out = Path(output)
    files = [(name, _render(c, target, binary=True)) for name, c in pieces.files]
    write_folder(out, [*files, ("manifest.json", pieces.manifest_json())])
    widths = sorted({c.stats.qubits for _, c in pieces.files})
    click.echo(
        f"wrote {out}/: {len(files)} subexperiments of {len(summary['pieces'])} pieces "
        f"({', '.join(map(str, widths))} qubits) and manifest.json",
        err=True,
    )


def write_folder(out: Path, files: list[tuple[str, str | bytes]]) -> None:
    """``files`` into the new folder ``out`` at once: written into a hidden sibling, then
    renamed; ``QL0805`` (nothing written) when ``out`` exists and is not an empty folder."""
    import os
    import shutil
    import tempfile

    from qlang.diagnostics import Diagnostic, QLangError
    from qlang.fileio import atomic_write_bytes

    def fail(reason: str) -> QLangError:
        return QLangError([Diagnostic.error(
            "QL0805", f"cannot write the pieces folder `{out}`: {reason}", None,
            help="choose a new folder; nothing was written",
        )])  # fmt: skip

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise fail("it exists and is not an empty folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise fail((exc.strerror or "not writable").lower()) from None
    try:
        for name, data in files:
            atomic_write_bytes(tmp / name, data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o777 & ~_umask())
        if out.exists():
            out.rmdir()  # empty (checked above)
        os.rename(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise fail((exc.strerror or "not writable").lower()) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
