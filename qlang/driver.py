"""The public entry points of the front end: load, check and lower ``.qml`` files.

Every bad input raises :class:`~qlang.diagnostics.QLangError` carrying all the
diagnostics collected (several per run where possible).

Example::

    >>> c = lower_circuit("encodings", "zz_feature_map", n=2, reps=1)
    >>> c.num_qubits, c.parameter_names()
    (2, ['x[0]', 'x[1]'])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qlang import ast as A
from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir.circuit import Circuit
from qlang.ir.model import Model
from qlang.semantics import Loader, Module, stdlib_modules
from qlang.semantics.lowering import lower_named_circuit

__all__ = [
    "check_module",
    "check_source",
    "load_module",
    "load_model",
    "lower_circuit",
    "resolve_source",
]


def resolve_source(loader: Loader, path_or_text: str | Path) -> Module:
    """Load a file path, a stdlib module name (``"encodings"``) or source text."""
    if isinstance(path_or_text, Path):
        return loader.load_path(path_or_text)
    text = str(path_or_text)
    if text in stdlib_modules():
        return loader.load_stdlib(text)
    if "\n" not in text and "{" not in text and ";" not in text:
        p = Path(text)
        if p.suffix == ".qml" or p.is_file():
            if not p.is_file():
                from qlang.diagnostics import Diagnostic

                raise QLangError([Diagnostic.error("QL0103", f"file `{text}` not found")])
            return loader.load_path(p)
    return loader.load_text(text, "<string>", base=Path.cwd())


def load_module(path: str | Path) -> Module:
    """Parse and resolve a module (imports, definitions, constants); raise on errors."""
    loader = Loader()
    module = resolve_source(loader, path)
    loader.check()
    return module


def lower_circuit(path_or_text: str | Path, name: str, **args: Any) -> Circuit:
    """Lower the circuit ``name`` of a file/stdlib module/text with arguments ``args``.

    Register sizes: ``qubits=k`` or the size name (``n=3``), else inferred from
    array arguments. Arrays not passed become inputs (``float[...]``) or weights.
    """
    loader = Loader()
    module = resolve_source(loader, path_or_text)
    loader.check()
    return lower_named_circuit(loader, module, name, args)


def load_model(path_or_text: str | Path, *, model: str | None = None) -> Model:
    """The only (or the named) model of a file, lowered, checked and verified."""
    from qlang.semantics.models import lower_model

    loader = Loader()
    module = resolve_source(loader, path_or_text)
    loader.check()
    return lower_model(loader, module, model)


def check_module(
    tree: A.Module, path: str | Path, text: str | None = None, loader: Loader | None = None
) -> None:
    """Semantic check of a parsed file: names, imports, constants and every model.

    ``text`` is the file's contents (read from ``path`` when ``None``); ``loader`` may be
    one that already holds imported modules (the language server reuses them).
    Raises :class:`QLangError` with the diagnostics of all models together.
    """
    from qlang.semantics.models import lower_model

    loader = loader if loader is not None else Loader()
    p = Path(path)
    if text is None:
        text = p.read_text(encoding="utf-8") if p.is_file() else ""
    module = loader.load_parsed(tree, p, text)
    loader.check()
    diagnostics: list[Diagnostic] = []
    for m in module.models:
        try:
            lower_model(loader, module, m.name)
        except QLangError as err:
            diagnostics.extend(err.diagnostics)
    if diagnostics:
        raise QLangError(diagnostics)


def check_source(
    text: str,
    path: str | Path,
    *,
    tree: A.Module | None = None,
    loader: Loader | None = None,
) -> A.Module:
    """``qlang check`` of one file's text: parse (unless ``tree``, the same text already
    parsed, is given), then :func:`check_module`. The one entry path of ``qlang check``,
    :func:`qlang.check` and the language server."""
    from qlang.parser import parse

    if tree is None:
        tree = parse(text, str(path))
    check_module(tree, Path(path), text, loader)
    return tree
