"""The public entry points of the front end: load, check and lower ``.qml`` files.

This is the one entry path for reading a model: every command (``check``, ``compile``,
``inspect``, ``train``, ``predict``, ``eval``) and the Python API (``qlang.check``,
``qlang.compile``, ``qlang.load_model``, ``qlang.load``) come through here, so every
limit applies to all of them alike: the file is read by :func:`qlang.fileio.read_source`
(special files, size, UTF-8), parsed with the parser's depth and literal limits, its
imports and data files obey the file access policy of :mod:`qlang.access`, and lowering
enforces the limits of :mod:`qlang.limits`.

Every bad input raises :class:`~qlang.diagnostics.QLangError` carrying all the
diagnostics collected (several per run where possible).

Example::

    >>> c = lower_circuit("encodings", "zz_feature_map", n=2, reps=1)
    >>> c.num_qubits, c.parameter_names()
    (2, ['x[0]', 'x[1]'])
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qlang import access
from qlang import ast as A
from qlang.diagnostics import Diagnostic, QLangError
from qlang.fileio import is_file
from qlang.ir.circuit import Circuit
from qlang.ir.model import Model
from qlang.semantics import Loader, Module, stdlib_modules
from qlang.semantics.lowering import lower_named_circuit

__all__ = [
    "check_file",
    "check_module",
    "check_source",
    "load_module",
    "load_model",
    "lower_circuit",
    "resolve_source",
]

Allow = Iterable[str | Path]


def _path_of(path_or_text: str | Path) -> Path | None:
    """The file ``path_or_text`` names, if it names one (not a stdlib module or text)."""
    if isinstance(path_or_text, Path):
        return path_or_text
    text = str(path_or_text)
    if text in stdlib_modules() or "\n" in text or "{" in text or ";" in text:
        return None
    p = Path(text)
    return p if p.suffix == ".qml" or is_file(p) else None


def resolve_source(loader: Loader, path_or_text: str | Path) -> Module:
    """Load a file path, a stdlib module name (``"encodings"``) or source text."""
    path = _path_of(path_or_text)
    if path is not None:
        return loader.load_path(path)
    text = str(path_or_text)
    if text in stdlib_modules():
        return loader.load_stdlib(text)
    return loader.load_text(text, "<string>", base=Path.cwd())


def load_module(path: str | Path, *, allow: Allow = ()) -> Module:
    """Parse and resolve a module (imports, definitions, constants); raise on errors."""
    with access.for_model(_path_of(path), allow):
        loader = Loader()
        module = resolve_source(loader, path)
        loader.check()
        return module


def lower_circuit(path_or_text: str | Path, name: str, **args: Any) -> Circuit:
    """Lower the circuit ``name`` of a file/stdlib module/text with arguments ``args``.

    Register sizes: ``qubits=k`` or the size name (``n=3``), else inferred from
    array arguments. Arrays not passed become inputs (``float[...]``) or weights.
    """
    with access.for_model(_path_of(path_or_text)):
        loader = Loader()
        module = resolve_source(loader, path_or_text)
        loader.check()
        return lower_named_circuit(loader, module, name, args)


def load_model(
    path_or_text: str | Path, *, model: str | None = None, allow: Allow = ()
) -> Model:
    """The only (or the named) model of a file, lowered, checked and verified."""
    from qlang.semantics.models import lower_model

    with access.for_model(_path_of(path_or_text), allow):
        loader = Loader()
        module = resolve_source(loader, path_or_text)
        loader.check()
        return lower_model(loader, module, model)


def check_file(path: str | Path, *, allow: Allow = (), simulate: bool = True) -> A.Module:
    """Read, parse and check a file: names, imports, constants and every model.

    With ``simulate`` each model must also fit the memory budget of the simulator it
    will be trained on (``QL0821``, :mod:`qlang.resources`). Raises :class:`QLangError`
    with the diagnostics of all models together; returns the AST when clean.
    """
    from qlang.fileio import read_source

    return check_source(read_source(Path(path)), path, allow=allow, simulate=simulate)


def check_source(
    text: str,
    path: str | Path,
    *,
    tree: A.Module | None = None,
    loader: Loader | None = None,
    allow: Allow = (),
    simulate: bool = True,
) -> A.Module:
    """``qlang check`` of one file's text: parse (unless ``tree``, the same text already
    parsed, is given), then :func:`check_module`. The one entry path of ``qlang check``,
    :func:`qlang.check` and the language server (which passes an editor's unsaved text and
    a ``loader`` holding the modules it already imported)."""
    from qlang.parser import parse

    with access.for_model(Path(path), allow):
        if tree is None:
            tree = parse(text, str(path))
        check_module(tree, Path(path), text, loader, simulate=simulate)
    return tree


def check_module(
    tree: A.Module,
    path: str | Path,
    text: str | None = None,
    loader: Loader | None = None,
    *,
    simulate: bool = True,
) -> None:
    """Semantic check of a parsed file: names, imports, constants and every model.

    ``text`` is the file's contents (read from ``path`` when ``None``); ``loader`` may be
    one that already holds imported modules. Raises :class:`QLangError` with the
    diagnostics of all models together.
    """
    from qlang.fileio import is_file, read_source

    p = Path(path)
    with access.for_model(p):
        loader = loader if loader is not None else Loader()
        if text is None:
            text = read_source(p) if is_file(p) else ""
        module = loader.load_parsed(tree, p, text)
        loader.check()
        _check_models(loader, module, simulate)


def _check_models(loader: Loader, module: Module, simulate: bool) -> None:
    from qlang.resources import memory_diagnostics
    from qlang.semantics.models import lower_model
    from qlang.semantics.resolve import unresolved

    diagnostics: list[Diagnostic] = []
    for m in module.models:
        try:
            model = lower_model(loader, module, m.name)
        except QLangError as err:
            diagnostics.extend(err.diagnostics)
            continue
        if simulate:
            diagnostics.extend(memory_diagnostics(model))
    # Definitions no model lowered (or parts of them lowering skipped) are still checked
    # for names; a name lowering already reported is reported once.
    seen = {(d.code, d.span) for d in diagnostics}
    for item in module.ast.items:
        if isinstance(item, (A.CircuitDef, A.ObservableDef)):
            for d in unresolved(item, module.scope):
                if (d.code, d.span) not in seen:
                    seen.add((d.code, d.span))
                    diagnostics.append(d)
    if diagnostics:
        raise QLangError(diagnostics)
