"""Loading ``.qml`` modules: parsing, imports (stdlib and relative files),
cycle detection and module scopes.

Stdlib modules live in the package ``qlang.stdlib`` and are read with
``importlib.resources``; file imports are relative to the importing file, name ``.qml``
files and obey the file access policy (:mod:`qlang.access`: inside the model's project
tree unless allowed). Every file is read by :func:`qlang.fileio.read_source` (size
limit, UTF-8, no special files). A loader reads only the files named by imports.

Example::

    >>> m = Loader().load_text("const n = 3;", "demo.qml")
    >>> m.scope.lookup("n")
    (True, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from qlang import access
from qlang import ast as A
from qlang.access import AccessPolicy
from qlang.ast_cache import parse_stdlib
from qlang.diagnostics import Diagnostic, Label, QLangError, did_you_mean
from qlang.fileio import exists, read_source
from qlang.ir.gates import ALIASES, GATES
from qlang.parser import parse
from qlang.semantics import codes as C
from qlang.semantics.codes import SemanticError, fail
from qlang.semantics.scope import Scope
from qlang.semantics.values import Definition, ModuleRef
from qlang.source import Span

#: Codes of a file that cannot be read (reported at the import that names it).
_READ_CODES = ("QL0010", "QL0011", "QL0801", "QL0802", "QL0803")


def stdlib_modules() -> list[str]:
    """Names of the stdlib modules (``encodings``, ``ansatze``, ``observables``)."""
    root = resources.files("qlang.stdlib")
    return sorted(p.name[:-4] for p in root.iterdir() if p.name.endswith(".qml"))


def stdlib_text(name: str) -> str:
    return resources.files("qlang.stdlib").joinpath(f"{name}.qml").read_text(encoding="utf-8")


#: Parsed stdlib modules (the stdlib text does not change while a process runs).
_STDLIB_ASTS: dict[str, tuple[str, A.Module]] = {}


@dataclass
class Module:
    """A loaded module: its AST, scope, models and own diagnostics."""

    name: str
    path: Path | None
    text: str
    ast: A.Module
    scope: Scope
    models: list[A.ModelDef] = field(default_factory=list)
    definitions: dict[str, Definition] = field(default_factory=dict)


class Loader:
    """Loads modules once each, detects import cycles and collects diagnostics."""

    def __init__(self, policy: AccessPolicy | None = None) -> None:
        self.modules: dict[str, Module] = {}
        self.loading: list[str] = []
        self.diagnostics: list[Diagnostic] = []
        #: what imports may read; set from the first file loaded unless given
        self.policy = policy

    # --- entry points -------------------------------------------------------
    def load_path(self, path: str | Path) -> Module:
        """Load the file a user named (the root of the imports it makes)."""
        p = Path(path)
        if self.policy is None:
            self.policy = access.current() or AccessPolicy.for_file(p)
        text = read_source(p)
        resolved = access.resolve(p, what="source file")
        key = str(resolved)
        if key in self.modules:
            return self.modules[key]
        return self._load(key, text, str(path), resolved)

    def load_stdlib(self, name: str) -> Module:
        key = f"stdlib:{name}"
        if key in self.modules:
            return self.modules[key]
        return self._load(key, stdlib_text(name), f"<stdlib>/{name}.qml", None)

    def load_text(self, text: str, filename: str = "<string>", base: Path | None = None) -> Module:
        path = (base / filename) if base is not None else None
        if self.policy is None:
            self.policy = access.current() or AccessPolicy.for_folder(base or Path.cwd())
        return self._load(f"text:{filename}:{id(text)}", text, filename, path)

    def load_parsed(self, tree: A.Module, path: Path, text: str = "") -> Module:
        """Resolve an already parsed file (its imports are loaded from disk)."""
        p = Path(path).resolve()
        if self.policy is None:
            self.policy = access.current() or AccessPolicy.for_file(p)
        key = str(p)
        module = Module(str(path), p, text, tree, Scope(None, module=key))
        self.modules[key] = module
        self.loading.append(key)
        try:
            self._build(module)
        finally:
            self.loading.pop()
        return module

    def check(self) -> None:
        errors = [d for d in self.diagnostics if d.severity.value == "error"]
        if errors:
            raise QLangError(self.diagnostics)

    # --- loading ------------------------------------------------------------
    def _load(self, key: str, text: str, filename: str, path: Path | None) -> Module:
        if key.startswith("stdlib:"):
            cached = _STDLIB_ASTS.get(key)
            if cached is None or cached[0] != text:
                cached = _STDLIB_ASTS[key] = (text, parse_stdlib(text, filename))
            tree = cached[1]
        else:
            tree = parse(text, filename)
        scope = Scope(None, module=key)
        module = Module(filename, path, text, tree, scope)
        self.modules[key] = module
        self.loading.append(key)
        try:
            self._build(module)
        finally:
            self.loading.pop()
        return module

    def _resolve_import(self, imp: A.Import, module: Module) -> tuple[Module, list[str]] | None:
        """The imported module and the remaining dotted path."""
        if imp.file is not None:
            base = module.path.parent if module.path is not None else Path.cwd()
            target = base / imp.file
            if target.suffix != ".qml":
                raise SemanticError(
                    Diagnostic.error(
                        "QL0804",
                        f"`{imp.file}` is not a `.qml` file and cannot be imported",
                        imp.span,
                        help='import qlang sources (`import "lib/shared.qml"`); read data '
                        'with `data = csv("file.csv", label = "y")`',
                    )
                )
            try:
                with access.using(self.policy):
                    resolved = access.check_path(target, what="imported file", span=imp.span)
                if not exists(resolved):
                    raise fail(
                        C.UNKNOWN_MODULE,
                        f"file `{imp.file}` not found",
                        imp.span,
                        help=f"paths are relative to the importing file ({base})",
                    )
                key = str(resolved)
                if key in self.loading:
                    raise fail(
                        C.IMPORT_CYCLE,
                        f"import cycle: {' -> '.join(self._cycle(key))}",
                        imp.span,
                        help="move the shared definitions into a third file",
                    )
            except QLangError as err:  # not allowed, or not there: one diagnostic
                raise SemanticError(err.diagnostics[0]) from None
            try:
                return self.load_path(target), []
            except QLangError as err:  # not readable (too large, not UTF-8, ...)
                d = err.diagnostics
                if len(d) == 1 and d[0].span is None and d[0].code in _READ_CODES:
                    message = d[0].message.replace("source file", "imported file", 1)
                    raise SemanticError(replace(d[0], message=message, span=imp.span)) from None
                raise
        head, *rest = imp.module
        if head not in stdlib_modules():
            raise fail(
                C.UNKNOWN_MODULE,
                f"unknown module `{head}`",
                imp.span,
                did_you_mean(head, stdlib_modules())
                or f'stdlib modules: {", ".join(stdlib_modules())}; files are imported as `import "path.qml"`',
            )
        key = f"stdlib:{head}"
        if key in self.loading:
            raise fail(C.IMPORT_CYCLE, f"import cycle: {' -> '.join(self._cycle(key))}", imp.span)
        return self.load_stdlib(head), rest

    def _cycle(self, key: str) -> list[str]:
        i = self.loading.index(key)
        return [k.split(":", 1)[-1] for k in self.loading[i:]] + [key.split(":", 1)[-1]]

    def _build(self, module: Module) -> None:
        scope = module.scope
        origin: dict[str, Span | None] = {}
        how: dict[str, str] = {}

        def define(name: str, value: Any, span: Span | None, what: str) -> None:
            from qlang.semantics.circuits import NATIVE_CIRCUITS
            from qlang.semantics.evaluator import CONSTANTS

            # builtin functions may be redefined (`const graph = ...`); constants may not
            if name in CONSTANTS or name in NATIVE_CIRCUITS:
                self._report(
                    fail(
                        C.NAME_CONFLICT,
                        f"`{name}` is a builtin and cannot be redefined",
                        span,
                        help="choose another name",
                    )
                )
                return
            if name in GATES or name in ALIASES:
                self._report(
                    fail(
                        C.NAME_CONFLICT,
                        f"`{name}` is a builtin gate and cannot be redefined",
                        span,
                        help="choose another name",
                    )
                )
                return
            if name in scope.vars:
                prev = origin.get(name)
                labels = [Label(prev, "first defined here")] if prev is not None else []
                self.diagnostics.append(
                    Diagnostic.error(
                        C.NAME_CONFLICT,
                        f"`{name}` is {what} here but was already {how[name]}",
                        span,
                        labels=labels,
                        help="rename one of them, or import with `as` "
                        "(qlang never shadows names silently)",
                    )
                )
                return
            scope.define(name, value)
            origin[name] = span
            how[name] = what

        for item in module.ast.items:
            if not isinstance(item, A.Import):
                continue
            try:
                resolved = self._resolve_import(item, module)
            except SemanticError as e:
                self._report(e)
                continue
            assert resolved is not None
            target, rest = resolved
            if item.names is not None:
                for n in item.names:
                    v = self._member(target, n, item.span)
                    if v is not None:
                        define(n, v, item.span, "imported")
            elif rest:
                member = rest[-1]
                if len(rest) > 1:
                    self._report(
                        fail(C.UNKNOWN_MEMBER, f"`{'.'.join(rest)}` is not a definition", item.span)
                    )
                    continue
                value = self._member(target, member, item.span)
                if value is not None:
                    define(item.alias or member, value, item.span, "imported")
            elif item.file is not None and item.alias is None:
                for n, v in target.definitions.items():
                    define(n, v, item.span, "imported")
            else:
                define(
                    item.alias or item.module[-1] if item.module else item.alias or "",
                    ModuleRef(target.name, target.scope),
                    item.span,
                    "imported",
                )
        for item in module.ast.items:
            if isinstance(item, (A.CircuitDef, A.ObservableDef)):
                d = Definition(item, scope, module.name)
                define(item.name, d, item.span, "defined")
                module.definitions[item.name] = d
            elif isinstance(item, A.ModelDef):
                if any(m.name == item.name for m in module.models):
                    self._report(
                        fail(C.NAME_CONFLICT, f"model `{item.name}` is defined twice", item.span)
                    )
                module.models.append(item)
        from qlang.semantics.circuits import Lowerer
        from qlang.semantics.params import ParamTable

        ev = Lowerer(ParamTable(), implicit_inputs=False).ev
        for item in module.ast.items:
            if isinstance(item, A.ConstDef):
                try:
                    value = ev.eval(item.value, scope)
                    if item.type is not None:
                        check_const(item, value, scope, ev)
                    define(item.name, value, item.span, "defined")
                except SemanticError as e:
                    self._report(e)

    def _member(self, target: Module, name: str, span: Span | None) -> Any:
        if name not in target.definitions and name not in target.scope.vars:
            self._report(
                fail(
                    C.UNKNOWN_MEMBER,
                    f"`{_display(target.name)}` has no definition `{name}`",
                    span,
                    did_you_mean(name, target.scope.vars),
                )
            )
            return None
        return target.scope.vars[name]

    def _report(self, err: SemanticError) -> None:
        self.diagnostics.append(err.diagnostic)


def _display(name: str) -> str:
    """``encodings`` for a stdlib module, else the file name."""
    return name[len("<stdlib>/") : -len(".qml")] if name.startswith("<stdlib>/") else name


def check_const(item: A.ConstDef, value: Any, scope: Scope, ev: Any) -> None:
    """``const n: int = 2.5;`` is a type error (`QL0201`), a wrong shape `QL0204`."""
    from qlang.semantics.binding import check_value

    assert item.type is not None
    param = A.Param(item.name, item.type, span=item.span)
    defn = Definition(A.CircuitDef("circuit", "const", (param,), (), ()), scope, "")
    check_value(defn, param, value, scope, ev, item.value.span)
