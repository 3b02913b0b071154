"""What the language server answers, as plain data: hover, go-to-definition, completion,
document symbols and formatting (:mod:`qlang.lsp.server` turns these into LSP messages).

Names resolve the way the checker resolves them: locals of the circuit or model around
the cursor, the file's definitions, then what its imports bring in (loaded by the
checker's own loader), then the builtins; model settings and their values resolve in
the vocabulary catalog (:mod:`qlang.lsp.vocabulary`).

Example::

    >>> from qlang.lsp.analysis import Workspace
    >>> ws = Workspace()
    >>> text = "import ansatze.real_amplitudes\\n"
    >>> a = ws.analyse("file:///tmp/demo.qml", 1, text)
    >>> print(hover(ws, a, text.index("real")).markdown.splitlines()[1][:40])
    circuit real_amplitudes(theta: weight[re
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from qlang import ast as A
from qlang.formatter import expr as expr_text
from qlang.formatter import type_expr
from qlang.lsp.analysis import Analysis, LineIndex, Workspace, path_to_uri
from qlang.lsp.context import cursor_context, word_at
from qlang.source import GLOBAL_SOURCES, Span

__all__ = [
    "CompletionItem",
    "Hover",
    "Location",
    "Symbol",
    "completion",
    "definition",
    "document_symbols",
    "formatting",
    "hover",
    "signature",
]


# --- results ------------------------------------------------------------------------


@dataclass(frozen=True)
class Hover:
    markdown: str
    start: int  # offsets of the hovered word
    end: int


@dataclass(frozen=True)
class Location:
    uri: str
    start: tuple[int, int]  # (line, UTF-16 column), 0-based
    end: tuple[int, int]


@dataclass(frozen=True)
class CompletionItem:
    label: str
    kind: str  # keyword|function|class|variable|field|module|constant|property|value|snippet
    detail: str = ""
    documentation: str = ""
    insert_text: str | None = None
    sort: str = "5"


@dataclass
class Symbol:
    name: str
    kind: str  # function|class|constant|module|property|variable|struct|namespace
    start: int
    end: int
    name_start: int
    name_end: int
    detail: str = ""
    children: list[Symbol] = field(default_factory=list)


# --- signatures and hover text ------------------------------------------------------


def _params(ps: tuple[A.Param, ...]) -> str:
    out = []
    for p in ps:
        text = f"{p.name}: {type_expr(p.type)}"
        if p.default is not None:
            text += f" = {expr_text(p.default)}"
        out.append(text)
    return ", ".join(out)


def _register(r: A.Register) -> str:
    return r.name if r.size is None else f"{r.name}[{expr_text(r.size)}]"


def signature(node: A.Node) -> str:
    """The head line of a definition: ``circuit angle(x: float[n], ...) on q[n]``."""
    if isinstance(node, A.CircuitDef):
        regs = ", ".join(_register(r) for r in node.registers)
        if node.kind == "gate":
            ps = f"({_params(node.params)})" if node.params else ""
            return f"gate {node.name}{ps} {regs}"
        return f"circuit {node.name}({_params(node.params)}) on {regs}"
    if isinstance(node, A.ObservableDef):
        ps = f"({_params(node.params)})" if node.params else ""
        on = " on " + ", ".join(_register(r) for r in node.registers) if node.registers else ""
        return f"observable {node.name}{ps}{on}"
    if isinstance(node, A.ConstDef):
        t = f": {type_expr(node.type)}" if node.type else ""
        return f"const {node.name}{t} = {expr_text(node.value)}"
    if isinstance(node, A.ModelDef):
        return f"model {node.name}"
    if isinstance(node, A.Param):
        d = f" = {expr_text(node.default)}" if node.default is not None else ""
        return f"{node.name}: {type_expr(node.type)}{d}"
    if isinstance(node, A.InputDecl):
        return f"input {node.name}: {type_expr(node.type)}"
    if isinstance(node, A.WeightDecl):
        init = f" = {expr_text(node.init)}" if node.init is not None else ""
        return f"weight {node.name}: {type_expr(node.type)}{init}{' frozen' if node.frozen else ''}"
    return ""


def _code(text: str) -> str:
    return f"```qlang\n{text}\n```"


def _origin(span: Span | None, analysis: Analysis) -> str:
    """``from `encodings``` / ``from lib.qml`` for definitions of other files."""
    if span is None or span.source == analysis.source_id:
        return ""
    name = GLOBAL_SOURCES.get(span.source).name
    if name.startswith("<stdlib>/"):
        return f"from the standard library module `{name[9:-4]}`"
    return f"from `{Path(name).name}`"


def _definition_markdown(node: A.Node, analysis: Analysis, value: Any = None) -> str:
    parts = [_code(signature(node))]
    doc = getattr(node, "doc", "")
    if doc:
        parts.append(doc)
    if isinstance(node, A.ConstDef) and value is not None and _is_plain(value):
        parts.append(f"value: `{value!r}`")
    origin = _origin(node.span, analysis)
    if origin:
        parts.append(f"*{origin}*")
    return "\n\n".join(parts)


def _is_plain(v: Any) -> bool:
    return isinstance(v, (int, float, str, bool)) or (
        isinstance(v, tuple) and len(v) < 20 and all(_is_plain(x) for x in v)
    )


# --- locating nodes -----------------------------------------------------------------


def _contains(node: A.Node, offset: int) -> bool:
    s = node.span
    return s is not None and s.start <= offset <= s.end


def node_path(items: tuple[A.Decl, ...], offset: int) -> list[A.Node]:
    """The nodes around ``offset``, from the top-level item inward."""
    path: list[A.Node] = []
    level: list[A.Node] = list(items)
    while True:
        inner = next((n for n in level if _contains(n, offset)), None)
        if inner is None:
            return path
        path.append(inner)
        level = list(inner.children())


def _binders(item: A.Node) -> dict[str, A.Node]:
    """Names bound inside a definition: parameters, registers, `let`, `for`, declarations."""
    out: dict[str, A.Node] = {}
    for n in A.walk(item):
        if isinstance(n, (A.Param, A.Register, A.Let, A.BitDecl, A.QubitDecl)):
            out.setdefault(n.name, n)
        elif isinstance(n, A.For):
            for t in n.targets:
                out.setdefault(t, n)
        elif isinstance(n, A.Comprehension):
            for t in n.targets:
                out.setdefault(t, n)
        elif isinstance(n, (A.InputDecl, A.WeightDecl)):
            out.setdefault(n.name, n)
    return out


def _local_markdown(name: str, n: A.Node) -> str:
    if isinstance(n, A.Param):
        return _code(f"(parameter) {signature(n)}")
    if isinstance(n, A.Register):
        return _code(f"(register) {_register(n)}")
    if isinstance(n, A.Let):
        return _code(f"let {n.name} = {expr_text(n.value)}")
    if isinstance(n, A.For):
        return _code(f"(loop variable) {name} in {expr_text(n.iterable)}")
    if isinstance(n, A.Comprehension):
        return _code(f"(comprehension variable) {name} in {expr_text(n.iterable)}")
    if isinstance(n, A.BitDecl):
        return _code(f"bit{'[' + expr_text(n.size) + ']' if n.size else ''} {n.name}")
    if isinstance(n, A.QubitDecl):
        return _code(f"qubit{'[' + expr_text(n.size) + ']' if n.size else ''} {n.name}")
    return _code(signature(n))


def _top_definitions(analysis: Analysis) -> dict[str, A.Node]:
    """The file's own names (models are not names: `model qcnn` may use a circuit `qcnn`)."""
    out: dict[str, A.Node] = {}
    for it in analysis.items:
        if isinstance(it, (A.CircuitDef, A.ObservableDef, A.ConstDef)):
            out.setdefault(it.name, it)
    return out


def imported_scope(ws: Workspace, analysis: Analysis) -> dict[str, Any]:
    """What the file's imports bring in (name -> Definition, ModuleRef or value), loaded by
    the checker's loader from the current import lines (even while the file has errors)."""
    if analysis.imported is not None:
        return analysis.imported
    from qlang.lsp.imports import CachingLoader

    imports = tuple(i for i in analysis.items if isinstance(i, A.Import))
    loader = CachingLoader(ws.modules, str(analysis.path.resolve()))
    try:
        module = loader.load_parsed(A.Module(imports), analysis.path, analysis.text)
        out = dict(module.scope.vars)
    except Exception:  # noqa: BLE001 - navigation must not fail on odd imports
        out = {}
    analysis.imported = out
    return out


def _stdlib_path(name: str) -> Path:
    return Path(str(resources.files("qlang.stdlib").joinpath(f"{name}.qml")))


def _span_location(span: Span, analysis: Analysis) -> Location | None:
    """A span of the document or of a file it imports, as a location."""
    if span.source == analysis.source_id:
        s, e = analysis.lines.range(span)
        return Location(analysis.uri, s, e)
    src = GLOBAL_SOURCES.get(span.source)
    if src.name.startswith("<stdlib>/"):
        path = _stdlib_path(src.name[9:-4])
    else:
        path = Path(src.name)
    lines = LineIndex(src.text, analysis.lines.encoding)
    s, e = lines.range(span)
    return Location(path_to_uri(path), s, e)


def _module_location(value: Any) -> Location | None:
    name = getattr(value, "name", "")
    if name.startswith("<stdlib>/"):
        return Location(path_to_uri(_stdlib_path(name[9:-4])), (0, 0), (0, 0))
    if name:
        return Location(path_to_uri(name), (0, 0), (0, 0))
    return None


# --- resolution ---------------------------------------------------------------------


@dataclass
class _Resolved:
    markdown: str
    location: Location | None = None


def _callee_name(path: list[A.Node], arg: A.Arg) -> str | None:
    for parent in reversed(path):
        if isinstance(parent, A.Call) and arg in parent.args:
            f = parent.func
            if isinstance(f, A.Name):
                return f.id
            if isinstance(f, A.Index) and isinstance(f.value, A.Name):
                return f.value.id
            return None
        if isinstance(parent, A.GateCall) and arg in parent.args:
            return parent.name.split(".")[-1]
    return None


def _setting_context(path: list[A.Node], offset: int) -> tuple[str | None, A.Setting | None, bool]:
    """``(block kind, the setting the offset is in, inside a pipe's right side)``."""
    block: str | None = None
    setting: A.Setting | None = None
    piped = False
    for n in path:
        if isinstance(n, A.Block):
            block = n.kind
        elif isinstance(n, A.Setting):
            setting = n
        elif isinstance(n, A.Pipe) and setting is not None and _contains(n.rhs, offset):
            piped = True
    return block, setting, piped


def _vocab(name: str, kinds: tuple[str, ...]) -> _Resolved | None:
    from qlang.lsp import vocabulary as V

    entry = V.find(name, kinds)
    if entry is None:
        return None
    return _Resolved(V.entry_markdown(entry))


def _resolve_name(
    ws: Workspace, analysis: Analysis, name: str, path: list[A.Node], offset: int
) -> _Resolved | None:
    from qlang.ir.gates import ALIASES, GATES
    from qlang.semantics.builtins import BUILTINS
    from qlang.semantics.evaluator import CONSTANTS
    from qlang.semantics.values import Definition, ModuleRef

    item = path[0] if path else None
    if item is not None and not isinstance(item, A.Import):
        local = _binders(item).get(name)
        if local is not None and local.span is not None:
            return _Resolved(_local_markdown(name, local), _span_location(local.span, analysis))
    top = _top_definitions(analysis).get(name)
    if top is not None and top.span is not None:
        value = None
        if analysis.module is not None:
            value = analysis.module.scope.vars.get(name)
        return _Resolved(
            _definition_markdown(top, analysis, value), _span_location(top.span, analysis)
        )
    value = imported_scope(ws, analysis).get(name)
    if isinstance(value, Definition) and value.node.span is not None:
        return _Resolved(
            _definition_markdown(value.node, analysis), _span_location(value.node.span, analysis)
        )
    if isinstance(value, ModuleRef):
        return _Resolved(_code(f"import {name}") + "\n\nmodule", _module_location(value))
    block, setting, piped = _setting_context(path, offset)
    if setting is not None:
        from qlang.lsp import vocabulary as V

        got = _vocab(name, V.value_kinds(block, setting.key, piped))
        if got is not None:
            return got
        if setting.key == "device":
            got = _device(name)
            if got is not None:
                return got
    if name in GATES or name in ALIASES:
        g = GATES[ALIASES.get(name, name)]
        arity = "any number of" if g.num_qubits == 0 else str(g.num_qubits)
        facts = [f"{arity} qubit{'s' if g.num_qubits != 1 else ''}", f"{g.num_params} angle(s)"]
        facts += [
            w
            for w, on in (
                ("diagonal", g.diagonal),
                ("self-inverse", g.self_inverse),
                ("Clifford", g.clifford),
            )
            if on
        ]
        alias = f" (alias of `{g.name}`)" if name in ALIASES else ""
        return _Resolved(_code(f"gate {name}") + f"\n\nbuiltin gate{alias}: " + ", ".join(facts))
    if name in CONSTANTS:
        return _Resolved(_code(f"const {name} = {CONSTANTS[name]!r}") + "\n\nbuiltin constant")
    if name in BUILTINS:
        doc = (BUILTINS[name].__doc__ or "").strip()
        return _Resolved(
            _code(f"{name}(...)") + "\n\nbuiltin function" + (f": {doc}" if doc else "")
        )
    from qlang.semantics.circuits import NATIVE_CIRCUITS

    if name in NATIVE_CIRCUITS:
        doc = (NATIVE_CIRCUITS[name].__doc__ or "").strip()
        return _Resolved(
            _code(f"{name}(...)") + "\n\nbuiltin circuit" + (f": {doc}" if doc else "")
        )
    return _vocab(name, ())


def _resolve(ws: Workspace, analysis: Analysis, offset: int) -> tuple[_Resolved, int, int] | None:
    text = analysis.text
    w = word_at(text, offset)
    if w is None:
        return None
    start, end, word = w
    path = node_path(analysis.items, start)
    inner = path[-1] if path else None
    ctx = cursor_context(text, start)
    if ctx.in_comment or (ctx.in_string and not isinstance(inner, A.Import)):
        return None
    # `Z0`, `X[i + 1]`: a Pauli factor
    if isinstance(inner, A.PauliFactor) or (
        isinstance(inner, A.PauliProduct) and word[0] in "XYZI" and word[1:].isdigit()
    ):
        where = word[1:] if word[1:].isdigit() else "the qubit in brackets"
        return _Resolved(_code(word) + f"\n\nPauli {word[0]} on qubit {where}"), start, end
    # `import encodings.angle`, `import "lib.qml"`, `import ansatze.{a, b}`
    if isinstance(inner, A.Import):
        return _resolve_import(ws, analysis, inner, word, start, end)
    # a keyword argument: `real_amplitudes(reps = 2)`, `adam(lr = 0.1)`
    if isinstance(inner, A.Arg) and inner.name == word and inner.span and start == inner.span.start:
        got = _resolve_argument(ws, analysis, path, inner, word, start)
        return (got, start, end) if got else None
    # model keys: `optimizer = ...`, `train { ... }`
    if isinstance(inner, A.Setting) and inner.span and start == inner.span.start:
        block, _, _ = _setting_context(path[:-1], start)
        got = _key(block, word)
        return (got, start, end) if got else None
    if isinstance(inner, A.Block) and inner.span and start == inner.span.start:
        got = _key(None, word)
        return (got, start, end) if got else None
    # the name a definition introduces
    if (
        isinstance(inner, (A.CircuitDef, A.ObservableDef, A.ModelDef, A.ConstDef))
        and inner.name == word
    ):
        loc = _span_location(inner.span, analysis) if inner.span else None
        value = analysis.module.scope.vars.get(word) if analysis.module is not None else None
        return _Resolved(_definition_markdown(inner, analysis, value), loc), start, end
    # `encodings.angle`: a member of an imported module
    if start > 0 and text[start - 1] == ".":
        owner = word_at(text, start - 1)
        if owner is not None:
            from qlang.semantics.values import Definition, ModuleRef

            ref = imported_scope(ws, analysis).get(owner[2])
            if isinstance(ref, ModuleRef):
                v = ref.scope.vars.get(word)
                if isinstance(v, Definition) and v.node.span is not None:
                    return (
                        _Resolved(
                            _definition_markdown(v.node, analysis),
                            _span_location(v.node.span, analysis),
                        ),
                        start,
                        end,
                    )
    got = _resolve_name(ws, analysis, word, path, start)
    return (got, start, end) if got else None


def _device(name: str) -> _Resolved | None:
    """A device family or named device of ``target { device = ... }`` (qlang.devices)."""
    from qlang import devices

    fn = getattr(devices, name, None)
    if (
        not callable(fn)
        or name.startswith("_")
        or not (name in devices.NAMED_DEVICES or name in devices._FAMILIES)
    ):
        return None
    import inspect

    sig = f"{name}({', '.join(inspect.signature(fn).parameters)})"
    return _Resolved(_code(sig) + "\n\n*device*: " + (inspect.getdoc(fn) or ""))


def _key(block: str | None, key: str) -> _Resolved | None:
    from qlang import catalog
    from qlang.lsp import vocabulary as V

    entry = catalog.lookup(V.keys_kind(block), key) or catalog.lookup("model", key)
    return _Resolved(V.entry_markdown(entry)) if entry is not None else None


def _resolve_argument(
    ws: Workspace, analysis: Analysis, path: list[A.Node], arg: A.Arg, word: str, offset: int
) -> _Resolved | None:
    callee = _callee_name(path, arg)
    if callee is None:
        return None
    target = _resolve_name(ws, analysis, callee, path, offset)
    node = _definition_node(ws, analysis, callee)
    if node is not None:
        for p in getattr(node, "params", ()):
            if p.name == word and p.span is not None:
                md = _code(f"(parameter of {callee}) {signature(p)}")
                return _Resolved(md, _span_location(p.span, analysis))
        return target
    from qlang.lsp import vocabulary as V

    block, setting, piped = _setting_context(path, offset)
    kinds = V.value_kinds(block, setting.key, piped) if setting is not None else ()
    entry = V.find(callee, kinds)
    if entry is None:
        return None
    for p in entry.params:
        if p.name == word:
            return _Resolved(V.param_markdown(entry, p))
    return None


def _definition_node(ws: Workspace, analysis: Analysis, name: str) -> A.Node | None:
    from qlang.semantics.values import Definition

    top = _top_definitions(analysis).get(name)
    if top is not None:
        return top
    v = imported_scope(ws, analysis).get(name)
    return v.node if isinstance(v, Definition) else None


def _resolve_import(
    ws: Workspace, analysis: Analysis, imp: A.Import, word: str, start: int, end: int
) -> tuple[_Resolved, int, int] | None:
    from qlang.semantics.loader import stdlib_modules
    from qlang.semantics.values import Definition

    if imp.file is not None:
        base = analysis.path.parent
        target = (base / imp.file).resolve()
        s, e = imp.span.start if imp.span else 0, imp.span.end if imp.span else 0
        q = analysis.text.find('"', s, e)
        if q <= start <= analysis.text.find('"', q + 1, e):
            loc = Location(path_to_uri(target), (0, 0), (0, 0)) if target.is_file() else None
            return _Resolved(_code(f'import "{imp.file}"') + f"\n\n`{target}`", loc), start, end
    if imp.module and word == imp.module[0] and word in stdlib_modules():
        path = _stdlib_path(word)
        from qlang.semantics.loader import stdlib_text

        text = stdlib_text(word)
        first = text.split("\n\n", 1)[0]
        doc = "\n".join(ln[3:].strip() for ln in first.splitlines() if ln.startswith("///"))
        md = _code(f"import {word}") + "\n\nstandard library module" + (f"\n\n{doc}" if doc else "")
        return _Resolved(md, Location(path_to_uri(path), (0, 0), (0, 0))), start, end
    value = imported_scope(ws, analysis).get(word)
    if isinstance(value, Definition) and value.node.span is not None:
        return (
            _Resolved(
                _definition_markdown(value.node, analysis),
                _span_location(value.node.span, analysis),
            ),
            start,
            end,
        )
    # a member under an alias: `import ansatze.real_amplitudes as ra` (hovering the member)
    scope = imported_scope(ws, analysis)
    for v in scope.values():
        if isinstance(v, Definition) and v.name == word and v.node.span is not None:
            return (
                _Resolved(
                    _definition_markdown(v.node, analysis), _span_location(v.node.span, analysis)
                ),
                start,
                end,
            )
    return None


def hover(ws: Workspace, analysis: Analysis, offset: int) -> Hover | None:
    """Documentation of the name at ``offset``."""
    got = _resolve(ws, analysis, offset)
    if got is None:
        return None
    r, s, e = got
    return Hover(r.markdown, s, e)


def definition(ws: Workspace, analysis: Analysis, offset: int) -> Location | None:
    """Where the name at ``offset`` is defined (this file, a stdlib module or an imported file)."""
    got = _resolve(ws, analysis, offset)
    if got is None or got[0].location is None:
        return None
    return got[0].location


# --- completion ---------------------------------------------------------------------


_TOP_KEYWORDS = ("import", "const", "circuit", "gate", "observable", "model")
_STATEMENTS = ("for", "repeat", "if", "let", "measure", "reset", "barrier", "bit", "qubit")
_MODIFIERS = ("inv", "adjoint", "ctrl", "negctrl", "pow")


def _scope_items(ws: Workspace, analysis: Analysis, offset: int) -> list[CompletionItem]:
    from qlang.semantics.builtins import BUILTINS
    from qlang.semantics.evaluator import CONSTANTS
    from qlang.semantics.values import Definition, ModuleRef

    out: list[CompletionItem] = []
    path = node_path(analysis.items, offset)
    if path and not isinstance(path[0], A.Import):
        for name, n in _binders(path[0]).items():
            out.append(
                CompletionItem(name, "variable", _first_line(_local_markdown(name, n)), sort="1")
            )
    else:  # the item does not parse (it is being written): its names from the text
        out += [
            CompletionItem(n, "variable", "local", sort="1")
            for n in _text_binders(analysis.text, offset)
        ]
    for name, node in _top_definitions(analysis).items():
        kind = "constant" if isinstance(node, A.ConstDef) else "function"
        out.append(CompletionItem(name, kind, signature(node), getattr(node, "doc", ""), sort="2"))
    for name, v in imported_scope(ws, analysis).items():
        if isinstance(v, Definition):
            out.append(CompletionItem(name, "function", signature(v.node), v.node.doc, sort="2"))
        elif isinstance(v, ModuleRef):
            out.append(CompletionItem(name, "module", "module", sort="3"))
        else:
            out.append(CompletionItem(name, "constant", f"= {v!r}"[:60], sort="3"))
    out += [CompletionItem(n, "constant", f"= {v!r}", sort="6") for n, v in CONSTANTS.items()]
    out += [CompletionItem(n, "function", "builtin function", sort="7") for n in BUILTINS]
    return out


_HEADER_PARAM = re.compile(r"([A-Za-z_]\w*)\s*:(?!=)")
_BODY_BINDERS = re.compile(
    r"\blet\s+([A-Za-z_]\w*)|\bfor\s+([A-Za-z_]\w*)\s+in\b|\bfor\s*\(([^)]*)\)\s*in\b"
    r"|\b(?:bit|qubit|input|weight)(?:\[[^\]]*\])?\s+([A-Za-z_]\w*)"
    r"|\bon\s+([A-Za-z_]\w*)"
)


def _text_binders(text: str, offset: int) -> list[str]:
    """Parameters, registers and locals of the item around ``offset``, read from its text."""
    from qlang.lsp.chunks import split

    start = max((s for s, _ in split(text) if s <= offset), default=0)
    item = text[start:offset]
    brace = item.find("{")
    names: list[str] = []
    if brace >= 0:
        head = item[:brace]
        names += _HEADER_PARAM.findall(head)
        names += (
            [r.strip().split("[")[0] for r in head.split(" on ", 1)[1].split(",")]
            if " on " in head
            else []
        )
    for m in _BODY_BINDERS.finditer(item):
        for g in m.groups():
            if g:
                names += [x.strip() for x in g.split(",") if x.strip()]
    return [n for n in dict.fromkeys(names) if n.isidentifier()]


def _first_line(md: str) -> str:
    lines = [ln for ln in md.splitlines() if ln and not ln.startswith("```")]
    return lines[0] if lines else ""


def _gate_items(ws: Workspace, analysis: Analysis) -> list[CompletionItem]:
    from qlang.ir.gates import ALIASES, GATES
    from qlang.semantics.circuits import NATIVE_CIRCUITS
    from qlang.semantics.values import Definition

    out = [
        CompletionItem(
            name,
            "function",
            f"builtin gate, {g.num_qubits or 'n'} qubit(s), {g.num_params} angle(s)",
            sort="4",
        )
        for name, g in GATES.items()
    ]
    out += [CompletionItem(a, "function", f"alias of {t}", sort="4") for a, t in ALIASES.items()]
    out += [CompletionItem(n, "function", "builtin circuit", sort="4") for n in NATIVE_CIRCUITS]
    for name, node in _top_definitions(analysis).items():
        if isinstance(node, A.CircuitDef):
            out.append(CompletionItem(name, "function", signature(node), node.doc, sort="2"))
    for name, v in imported_scope(ws, analysis).items():
        if isinstance(v, Definition) and v.kind in ("circuit", "gate"):
            out.append(CompletionItem(name, "function", signature(v.node), v.node.doc, sort="2"))
    return out


def _vocab_items(kinds: tuple[str, ...]) -> list[CompletionItem]:
    from qlang.lsp import vocabulary as V

    out = []
    for kind in kinds:
        for name in V.names(kind):
            e = V.find(name, (kind,))
            out.append(
                CompletionItem(
                    name,
                    "value",
                    e.signature() if e is not None else kind,
                    V.entry_markdown(e) if e is not None else "",
                    sort="1",
                )
            )
    return out


def _key_items(block: str | None) -> list[CompletionItem]:
    from qlang.lsp import vocabulary as V

    out = []
    for e in V.setting_keys(block):
        is_block = getattr(e.info, "block", False)
        insert = f"{e.name} {{ $0 }}" if is_block else f"{e.name} = "
        out.append(
            CompletionItem(
                e.name, "property", e.doc, V.entry_markdown(e), insert_text=insert, sort="1"
            )
        )
    return out


def completion(ws: Workspace, analysis: Analysis, offset: int) -> list[CompletionItem]:
    """Names, keywords and keyword arguments that fit at ``offset``."""
    from qlang.lsp import vocabulary as V
    from qlang.semantics.loader import stdlib_modules

    text = analysis.text
    ctx = cursor_context(text, offset)
    if ctx.in_comment or ctx.in_string:
        return []
    line = ctx.line_prefix
    stripped = line.lstrip()
    if not ctx.frames and stripped.startswith("import"):
        body = stripped[len("import") :].strip()
        if "." not in body:
            return [
                CompletionItem(m, "module", "standard library module") for m in stdlib_modules()
            ]
        head = body.split(".", 1)[0]
        if head in stdlib_modules():
            from qlang.lsp.imports import CachingLoader

            module = CachingLoader(ws.modules, "").load_stdlib(head)
            return [
                CompletionItem(n, "function", signature(d.node), d.node.doc)
                for n, d in module.definitions.items()
            ]
        return []
    if ctx.after_dot is not None:
        from qlang.semantics.values import ModuleRef

        ref = imported_scope(ws, analysis).get(ctx.after_dot)
        if isinstance(ref, ModuleRef):
            return [CompletionItem(n, "function") for n in ref.scope.vars]
        return []
    if not ctx.frames:
        return [CompletionItem(k, "keyword", sort="1") for k in _TOP_KEYWORDS]
    out: list[CompletionItem] = []
    callee = ctx.callee
    if callee is not None:
        out += _argument_items(ws, analysis, ctx, callee, offset)
    if ctx.item == "model":
        if ctx.at_entry_start and callee is None:
            out += _key_items(ctx.block)
            if ctx.block is None:
                out += [CompletionItem(k, "keyword", sort="3") for k in ("input", "weight")]
            return out
        kinds = V.value_kinds(ctx.block, ctx.key, ctx.piped)
        if callee is None or not out:
            out += _vocab_items(kinds)
        out += _scope_items(ws, analysis, offset)
        return out
    if ctx.item in ("circuit", "gate") and ctx.at_entry_start:
        out += [CompletionItem(k, "keyword", sort="3") for k in _STATEMENTS]
        out += [
            CompletionItem(k, "keyword", "modifier", insert_text=f"{k} @ ", sort="6")
            for k in _MODIFIERS
        ]
        out += _gate_items(ws, analysis)
        return out
    out += _scope_items(ws, analysis, offset)
    if ctx.item in ("circuit", "gate"):
        out += [
            CompletionItem(k, "keyword", sort="8") for k in ("for", "in", "if", "and", "or", "not")
        ]
    return out


def _argument_items(
    ws: Workspace, analysis: Analysis, ctx: Any, callee: str, offset: int
) -> list[CompletionItem]:
    """``name = `` for the parameters of the called circuit or catalog entry not yet given."""
    from qlang.lsp import vocabulary as V

    given = set(ctx.named)
    node = _definition_node(ws, analysis, callee)
    if node is not None:
        return [
            CompletionItem(p.name, "field", signature(p), insert_text=f"{p.name} = ", sort="0")
            for p in getattr(node, "params", ())
            if p.name not in given
        ]
    if ctx.item != "model":
        return []
    entry = V.find(callee, V.value_kinds(ctx.block, ctx.key, ctx.piped))
    if entry is None:
        return []
    return [
        CompletionItem(p.name, "field", p.signature(), p.doc, insert_text=f"{p.name} = ", sort="0")
        for p in entry.params
        if p.name not in given
    ]


# --- symbols and formatting ---------------------------------------------------------


def _name_offsets(text: str, node: A.Node, name: str) -> tuple[int, int]:
    s = node.span.start if node.span else 0
    e = node.span.end if node.span else 0
    m = re.compile(rf"\b{re.escape(name)}\b").search(text, s, e)
    if m is None:
        return s, s
    return m.start(), m.end()


def _symbol(text: str, node: A.Node, name: str, kind: str, detail: str = "") -> Symbol | None:
    if node.span is None:
        return None
    ns, ne = _name_offsets(text, node, name)
    return Symbol(name, kind, node.span.start, node.span.end, ns, ne, detail)


def _model_symbols(text: str, items: tuple[A.ModelItem, ...]) -> list[Symbol]:
    out: list[Symbol] = []
    for it in items:
        sym: Symbol | None = None
        if isinstance(it, A.Setting):
            sym = _symbol(text, it, it.key, "property", expr_text(it.value)[:60])
        elif isinstance(it, A.Block):
            label = f"{it.kind} {it.label}" if it.label else it.kind
            sym = _symbol(text, it, it.kind, "struct")
            if sym is not None:
                sym.name = label
                sym.children = _model_symbols(text, it.items)
        elif isinstance(it, (A.InputDecl, A.WeightDecl)):
            sym = _symbol(text, it, it.name, "variable", type_expr(it.type))
        if sym is not None:
            out.append(sym)
    return out


def document_symbols(analysis: Analysis) -> list[Symbol]:
    """The outline: circuits, gates, observables, constants and models with their entries."""
    text = analysis.text
    out: list[Symbol] = []
    for it in analysis.items:
        sym: Symbol | None = None
        if isinstance(it, A.CircuitDef):
            sym = _symbol(text, it, it.name, "function", signature(it).split(" ", 1)[1])
        elif isinstance(it, A.ObservableDef):
            sym = _symbol(text, it, it.name, "function", signature(it).split(" ", 1)[1])
        elif isinstance(it, A.ConstDef):
            sym = _symbol(text, it, it.name, "constant", expr_text(it.value)[:60])
        elif isinstance(it, A.ModelDef):
            sym = _symbol(text, it, it.name, "class", "model")
            if sym is not None:
                sym.children = _model_symbols(text, it.items)
        elif isinstance(it, A.Import):
            label = it.file if it.file is not None else ".".join(it.module)
            sym = _symbol(text, it, label.split(".")[0] if it.file is None else "import", "module")
            if sym is not None:
                sym.name = f"import {label}"
        if sym is not None:
            out.append(sym)
    return out


def formatting(analysis: Analysis) -> str | None:
    """The document as ``qlang fmt`` prints it (``None`` when it does not parse)."""
    from qlang.diagnostics import QLangError
    from qlang.formatter import format_module
    from qlang.parser import parse_full
    from qlang.source import SourceMap

    try:  # `qlang fmt`'s format_source, with the text kept out of the global source map
        res = parse_full(analysis.text, str(analysis.path), sources=SourceMap())
    except QLangError:
        return None
    return format_module(res.module, res.comments, res.source)
