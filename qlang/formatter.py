"""Print an AST back as canonical qlang source (``qlang fmt``).

Canonical style: two-space indentation, one statement per line, spaces
around binary operators and ``=``, minimal parentheses, aligned ``=`` in
model blocks, imports without ``;``. Comments (``//``, ``/* */``, ``///``)
are kept: each is printed before the statement or entry it preceded, or at
the end of the line it ended. ``parse(format(parse(s))) == parse(s)``.

Example::

    >>> print(format_source("circuit bell() on q[2] {h q[0];cx q[0],q[1];}"), end="")
    circuit bell() on q[2] {
      h q[0];
      cx q[0], q[1];
    }
"""

from __future__ import annotations

from collections.abc import Sequence

from qlang import ast
from qlang.parser import Comment, parse_full
from qlang.source import SourceFile

INDENT = "  "
MAX_INLINE_BLOCK = 80

# Binding strength of each expression form (higher binds tighter).
_PREC = {
    "|>": 1,
    "->": 2,
    "or": 3,
    "and": 4,
    "not": 5,
    "cmp": 6,
    "..": 7,
    "+": 8,
    "-": 8,
    "*": 9,
    "/": 9,
    "%": 9,
    "unary": 10,
    "**": 11,
    "postfix": 12,
    "atom": 13,
}
_CMP = {"==", "!=", "<", "<=", ">", ">="}


def format_source(text: str, filename: str = "<string>") -> str:
    """Parse and print canonical source (raises ``QLangError`` on bad input)."""
    result = parse_full(text, filename)
    return format_module(result.module, result.comments, result.source)


def format_module(
    module: ast.Module, comments: Sequence[Comment] = (), source: SourceFile | None = None
) -> str:
    return _Printer(comments, source).module(module)


def prec(e: ast.Expr) -> int:
    if isinstance(e, ast.Pipe):
        return _PREC["|>"]
    if isinstance(e, ast.Arrow):
        return _PREC["->"]
    if isinstance(e, ast.Binary):
        return _PREC["cmp"] if e.op in _CMP else _PREC[e.op]
    if isinstance(e, ast.Unary):
        return _PREC["not"] if e.op == "not" else _PREC["unary"]
    if isinstance(e, ast.Range):
        return _PREC[".."]
    if isinstance(e, (ast.Call, ast.Index)):
        return _PREC["postfix"]
    return _PREC["atom"]


def _number(v: int | float) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    text = repr(float(v))
    return text if any(c in text for c in ".eE") else text + ".0"


def _string(s: str) -> str:
    body = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{body}"'


def expr(e: ast.Expr) -> str:
    """Source text of an expression with minimal parentheses."""
    if isinstance(e, ast.Number):
        return _number(e.value)
    if isinstance(e, ast.String):
        return _string(e.value)
    if isinstance(e, ast.Bool):
        return "true" if e.value else "false"
    if isinstance(e, ast.Name):
        return e.id
    if isinstance(e, ast.Binary) and e.op != "**" and e.op not in _CMP:
        return _chain(e)
    if isinstance(e, ast.Pipe):
        return _pipe_chain(e)
    if isinstance(e, ast.Binary):
        p = prec(e)
        if e.op == "**":
            return f"{_wrap(e.lhs, _PREC['postfix'])} ** {_wrap(e.rhs, _PREC['unary'])}"
        if e.op in _CMP:
            return f"{_wrap(e.lhs, p + 1)} {e.op} {_wrap(e.rhs, p + 1)}"
        return f"{_wrap(e.lhs, p)} {e.op} {_wrap(e.rhs, p + 1)}"
    if isinstance(e, ast.Unary):
        if e.op == "not":
            return f"not {_wrap(e.operand, _PREC['not'])}"
        return f"{e.op}{_wrap(e.operand, _PREC['unary'])}"
    if isinstance(e, ast.Pipe):
        return f"{_wrap(e.lhs, _PREC['|>'])} |> {_wrap(e.rhs, _PREC['->'])}"
    if isinstance(e, ast.Arrow):
        return f"{_wrap(e.lhs, _PREC['or'])} -> {_wrap(e.rhs, _PREC['or'])}"
    if isinstance(e, ast.Range):
        return f"{_wrap(e.lo, _PREC['+'])}..{_wrap(e.hi, _PREC['+'])}"
    if isinstance(e, ast.Call):
        return f"{_wrap(e.func, _PREC['postfix'])}({args(e.args)})"
    if isinstance(e, ast.Index):
        inner = ", ".join(_slice(i) if isinstance(i, ast.Slice) else expr(i) for i in e.indices)
        return f"{_wrap(e.value, _PREC['postfix'])}[{inner}]"
    if isinstance(e, ast.ListExpr):
        return "[" + ", ".join(expr(i) for i in e.items) + "]"
    if isinstance(e, ast.TupleExpr):
        items = [expr(i) for i in e.items]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(e, ast.Comprehension):
        body = _comprehension(e)
        return f"[{body}]" if e.kind == "list" else f"({body})"
    if isinstance(e, ast.PauliFactor):
        if isinstance(e.index, ast.Number) and isinstance(e.index.value, int):
            return f"{e.pauli}{e.index.value}"
        return f"{e.pauli}[{expr(e.index)}]"
    if isinstance(e, ast.PauliProduct):
        return " ".join(expr(f) for f in e.factors)
    raise TypeError(f"not an expression node: {type(e).__name__}")


def _chain(e: ast.Binary) -> str:
    """``a + b - c`` printed in a loop: a long flat chain must not recurse per operand."""
    links: list[tuple[str, ast.Expr, int]] = []
    node = e
    while True:
        p = prec(node)
        links.append((node.op, node.rhs, p))
        lhs = node.lhs
        if isinstance(lhs, ast.Binary) and lhs.op != "**" and lhs.op not in _CMP and prec(lhs) >= p:
            node = lhs  # printed without parentheses: the same chain goes on
            continue
        text = _wrap(lhs, p)
        break
    for op, rhs, p in reversed(links):
        text = f"{text} {op} {_wrap(rhs, p + 1)}"
    return text


def _pipe_chain(e: ast.Pipe) -> str:
    links: list[ast.Expr] = []
    node: ast.Expr = e
    while isinstance(node, ast.Pipe):
        links.append(node.rhs)
        node = node.lhs
    text = _wrap(node, _PREC["|>"])
    for rhs in reversed(links):
        text = f"{text} |> {_wrap(rhs, _PREC['->'])}"
    return text


def _wrap(e: ast.Expr, min_prec: int) -> str:
    text = expr(e)
    return f"({text})" if prec(e) < min_prec else text


def _slice(s: ast.Slice) -> str:
    parts = [expr(s.lo) if s.lo else "", expr(s.hi) if s.hi else ""]
    if s.step is not None:
        parts.append(expr(s.step))
    return ":".join(parts)


def _targets(t: tuple[str, ...]) -> str:
    return t[0] if len(t) == 1 else "(" + ", ".join(t) + ")"


def _comprehension(c: ast.Comprehension) -> str:
    text = f"{expr(c.element)} for {_targets(c.targets)} in {_wrap(c.iterable, _PREC['or'])}"
    if c.condition is not None:
        text += f" if {_wrap(c.condition, _PREC['or'])}"
    return text


def args(items: Sequence[ast.Arg]) -> str:
    if (
        len(items) == 1
        and isinstance(items[0].value, ast.Comprehension)
        and items[0].name is None
        and items[0].value.kind == "gen"
    ):
        return _comprehension(items[0].value)
    return ", ".join(f"{a.name} = {expr(a.value)}" if a.name else expr(a.value) for a in items)


def type_expr(t: ast.TypeExpr) -> str:
    if not t.dims:
        return t.name
    return f"{t.name}[{', '.join(expr(d) for d in t.dims)}]"


def _params(ps: Sequence[ast.Param]) -> str:
    out = []
    for p in ps:
        text = f"{p.name}: {type_expr(p.type)}"
        if p.default is not None:
            text += f" = {expr(p.default)}"
        out.append(text)
    return ", ".join(out)


def _register(r: ast.Register) -> str:
    return r.name if r.size is None else f"{r.name}[{expr(r.size)}]"


class _Printer:
    def __init__(self, comments: Sequence[Comment], source: SourceFile | None) -> None:
        self.comments = list(comments) if source is not None else []
        self.src = source
        self.ci = 0
        self.lines: list[str] = []

    # -- comments ----------------------------------------------------------
    def _blank_between(self, start: int, end: int) -> bool:
        if self.src is None:
            return False
        return self.src.text[start:end].count("\n") >= 2

    def _comments_before(self, pos: int, indent: str, prev_end: int | None) -> None:
        last = prev_end
        while self.ci < len(self.comments) and self.comments[self.ci].span.start < pos:
            c = self.comments[self.ci]
            if (
                last is not None
                and self._blank_between(last, c.span.start)
                and self.lines
                and self.lines[-1] != ""
            ):
                self.lines.append("")
            for k, line in enumerate(c.text.splitlines() or [""]):
                self.lines.append(indent + line if k == 0 else line.rstrip())
            last = c.span.end
            self.ci += 1
        if (
            last is not None
            and last != prev_end
            and self._blank_between(last, pos)
            and self.lines
            and self.lines[-1] != ""
        ):
            self.lines.append("")

    def _trailing_comment(self, end: int) -> None:
        if self.src is None or self.ci >= len(self.comments):
            return
        c = self.comments[self.ci]
        if "\n" in self.src.text[end : c.span.start] or c.text.startswith("///"):
            return
        if "\n" in c.text:
            return
        self.lines[-1] += "  " + c.text
        self.ci += 1

    def _start(self, node: ast.Node) -> int | None:
        return node.span.start if node.span else None

    def _end(self, node: ast.Node) -> int | None:
        return node.span.end if node.span else None

    def _lead(self, node: ast.Node, indent: str, prev_end: int | None) -> None:
        start = self._start(node)
        if start is not None:
            if (
                prev_end is not None
                and self._blank_between(prev_end, start)
                and self.lines
                and self.lines[-1] != ""
                and not self._has_comment_before(start)
            ):
                self.lines.append("")
            self._comments_before(start, indent, prev_end)

    def _has_comment_before(self, pos: int) -> bool:
        return self.ci < len(self.comments) and self.comments[self.ci].span.start < pos

    def _trail(self, node: ast.Node) -> None:
        end = self._end(node)
        if end is not None:
            self._trailing_comment(end)

    # -- module ------------------------------------------------------------
    def module(self, m: ast.Module) -> str:
        prev: ast.Node | None = None
        prev_end: int | None = 0 if self.src is not None else None
        for item in m.items:
            if prev is not None and not (
                isinstance(prev, ast.Import) and isinstance(item, ast.Import)
            ):
                if self.lines and self.lines[-1] != "":
                    self.lines.append("")
            start = self._start(item)
            if start is not None:
                self._comments_before(start, "", prev_end)
            self.item(item)
            self._trail(item)
            prev, prev_end = item, self._end(item)
        self._comments_before(10**12, "", prev_end)
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n" if self.lines else ""

    def item(self, d: ast.Node) -> None:
        if isinstance(d, ast.Import):
            self.lines.append(_import(d))
        elif isinstance(d, ast.ConstDef):
            t = f": {type_expr(d.type)}" if d.type else ""
            self.lines.append(f"const {d.name}{t} = {expr(d.value)};")
        elif isinstance(d, ast.CircuitDef):
            regs = ", ".join(_register(r) for r in d.registers)
            if d.kind == "gate":
                ps = f"({_params(d.params)})" if d.params else ""
                head = f"gate {d.name}{ps} {regs}"
            else:
                head = f"circuit {d.name}({_params(d.params)}) on {regs}"
            self.block(head, d.body, "", d)
        elif isinstance(d, ast.ObservableDef):
            ps = f"({_params(d.params)})" if d.params else ""
            on = " on " + ", ".join(_register(r) for r in d.registers) if d.registers else ""
            self.lines.append(f"observable {d.name}{ps}{on} = {expr(d.body)};")
        elif isinstance(d, ast.ModelDef):
            self.lines.append(f"model {d.name} {{")
            self.model_items(d.items, INDENT, d)
            self.lines.append("}")
        else:
            raise TypeError(f"not a declaration: {type(d).__name__}")

    # -- statements --------------------------------------------------------
    def block(self, head: str, body: Sequence[ast.Node], indent: str, owner: ast.Node) -> None:
        if not body and not self._has_comment_before(self._end(owner) or 0):
            self.lines.append(f"{indent}{head} {{}}")
            return
        self.lines.append(f"{indent}{head} {{")
        self.stmts(body, indent + INDENT, owner)
        self.lines.append(f"{indent}}}")

    def stmts(self, body: Sequence[ast.Node], indent: str, owner: ast.Node) -> None:
        prev_end = None
        for s in body:
            self._lead(s, indent, prev_end)
            self.stmt(s, indent)
            self._trail(s)
            prev_end = self._end(s)
        end = self._end(owner)
        if end is not None:
            self._comments_before(end - 1, indent, prev_end)

    def stmt(self, s: ast.Node, indent: str) -> None:
        add = self.lines.append
        if isinstance(s, ast.GateCall):
            mods = "".join(
                f"{m.kind}({expr(m.arg)}) @ " if m.arg is not None else f"{m.kind} @ "
                for m in s.modifiers
            )
            params = f"({args(s.args)})" if s.has_parens or s.args else ""
            qargs = ", ".join(expr(q) for q in s.qargs)
            add(f"{indent}{mods}{s.name}{params} {qargs};")
        elif isinstance(s, ast.For):
            self.block(f"for {_targets(s.targets)} in {expr(s.iterable)}", s.body, indent, s)
        elif isinstance(s, ast.Repeat):
            self.block(f"repeat {expr(s.count)}", s.body, indent, s)
        elif isinstance(s, ast.If):
            self._if(s, indent, "")
        elif isinstance(s, ast.Let):
            add(f"{indent}let {s.name} = {expr(s.value)};")
        elif isinstance(s, ast.Measure):
            qubits = (
                ", ".join(expr(q) for q in s.qubits.items)
                if isinstance(s.qubits, ast.ListExpr)
                else expr(s.qubits)
            )
            if s.target is None:
                add(f"{indent}measure {qubits};")
            elif s.arrow:
                add(f"{indent}measure {qubits} -> {expr(s.target)};")
            else:
                add(f"{indent}{expr(s.target)} = measure {qubits};")
        elif isinstance(s, ast.Reset):
            add(f"{indent}reset {', '.join(expr(q) for q in s.qargs)};")
        elif isinstance(s, ast.Barrier):
            q = ", ".join(expr(q) for q in s.qargs)
            add(f"{indent}barrier{' ' + q if q else ''};")
        elif isinstance(s, (ast.BitDecl, ast.QubitDecl)):
            kw = "bit" if isinstance(s, ast.BitDecl) else "qubit"
            size = f"[{expr(s.size)}]" if s.size is not None else ""
            add(f"{indent}{kw}{size} {s.name};")
        else:
            raise TypeError(f"not a statement: {type(s).__name__}")

    def _if(self, s: ast.If, indent: str, prefix: str) -> None:
        head = f"{prefix}if ({expr(s.condition)})"
        self.lines.append(f"{indent}{head} {{")
        self.stmts(s.then_body, indent + INDENT, s)
        if not s.has_else:
            self.lines.append(f"{indent}}}")
            return
        if len(s.else_body) == 1 and isinstance(s.else_body[0], ast.If):
            inner = s.else_body[0]
            self._if(inner, indent, "} else ")  # `} else if (...) {` on one line
            return
        self.lines.append(f"{indent}}} else {{")
        self.stmts(s.else_body, indent + INDENT, s)
        self.lines.append(f"{indent}}}")

    # -- models ------------------------------------------------------------
    def model_items(self, items: Sequence[ast.Node], indent: str, owner: ast.Node) -> None:
        width = max((len(i.key) for i in items if isinstance(i, ast.Setting)), default=0)
        width = max(width, max((len(i.kind) for i in items if isinstance(i, ast.Block)), default=0))
        prev_end = None
        for it in items:
            self._lead(it, indent, prev_end)
            self.model_item(it, indent, width)
            self._trail(it)
            prev_end = self._end(it)
        end = self._end(owner)
        if end is not None:
            self._comments_before(end - 1, indent, prev_end)

    def model_item(self, it: ast.Node, indent: str, width: int) -> None:
        if isinstance(it, ast.Setting):
            self.lines.append(f"{indent}{it.key.ljust(width)} = {expr(it.value)}")
        elif isinstance(it, ast.Block):
            head = it.kind if it.label is None else f"{it.kind} {it.label}"
            inline = self._inline_block(it)
            if inline is not None and len(indent) + len(head) + len(inline) < MAX_INLINE_BLOCK:
                pad = head.ljust(width) if it.label is None else head
                self.lines.append(f"{indent}{pad} {inline}")
            else:
                self.lines.append(f"{indent}{head} {{")
                self.model_items(it.items, indent + INDENT, it)
                self.lines.append(f"{indent}}}")
        elif isinstance(it, ast.InputDecl):
            self.lines.append(f"{indent}input {it.name}: {type_expr(it.type)}")
        elif isinstance(it, ast.WeightDecl):
            text = f"{indent}weight {it.name}: {type_expr(it.type)}"
            if it.init is not None:
                text += f" = {expr(it.init)}"
            if it.frozen:
                text += " frozen"
            self.lines.append(text)
        else:
            raise TypeError(f"not a model item: {type(it).__name__}")

    def _inline_block(self, b: ast.Block) -> str | None:
        if not all(isinstance(i, ast.Setting) for i in b.items):
            return None
        if b.span is not None and self._has_comment_before(b.span.end):
            return None
        if not b.items:
            return "{}"
        return "{ " + ", ".join(f"{i.key} = {expr(i.value)}" for i in b.items) + " }"  # type: ignore[union-attr]


def _import(d: ast.Import) -> str:
    target = ".".join(d.module) if d.file is None else _string(d.file)
    if d.names is not None:
        target += ".{" + ", ".join(d.names) + "}"
    if d.alias:
        target += f" as {d.alias}"
    return f"import {target}"
