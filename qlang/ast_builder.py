"""Build :mod:`qlang.ast` nodes from the Lark parse tree, with spans.

Binary-operator chains arrive as flat lists (``a + b - c`` is one ``sum``
node with five children) and are folded left-associatively here. Doc
comments (``///``) are attached to the definition that directly follows them.

Example::

    >>> from qlang.parser import parse
    >>> parse("const n = 1 + 2 * 3;").items[0].value
    Binary(op='+', lhs=Number(value=1), rhs=Binary(op='*', lhs=Number(value=2), rhs=Number(value=3)))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lark import Token, Tree, v_args
from lark.visitors import Transformer_NonRecursive

from qlang import ast
from qlang.source import SourceFile, Span

if TYPE_CHECKING:
    from qlang.parser import Comment


class BuildError(Exception):
    """A construct the grammar accepts but the AST cannot represent."""

    def __init__(self, code: str, message: str, span: Span | None, help: str | None = None):
        super().__init__(message)
        self.code, self.message, self.span, self.help = code, message, span, help


def _unescape(raw: str) -> str:
    body = raw[1:-1]
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@v_args(meta=True)
class AstBuilder(Transformer_NonRecursive):  # type: ignore[type-arg]
    def __init__(self, src: SourceFile, comments: list[Comment]) -> None:
        super().__init__(visit_tokens=False)
        self.src = src
        self.docs = sorted((c for c in comments if c.doc), key=lambda c: c.span.start)

    # -- helpers -----------------------------------------------------------
    def build(self, tree: Tree) -> ast.Module:
        module = self.transform(tree)
        assert isinstance(module, ast.Module)
        return module

    def _span(self, meta: Any) -> Span | None:
        if getattr(meta, "empty", True):
            return None
        return Span(self.src.id, meta.start_pos, meta.end_pos)

    def _tspan(self, tok: Token) -> Span:
        start = tok.start_pos or 0
        return Span(self.src.id, start, tok.end_pos if tok.end_pos is not None else start)

    def _doc_comments_before(self, start: int) -> list[Comment]:
        """The doc comments directly above ``start`` (no blank line in between)."""
        found: list[Comment] = []
        pos = start
        for c in reversed(self.docs):
            if c.span.end > pos:
                continue
            gap = self.src.text[c.span.end : pos]
            if gap.strip() or gap.count("\n") > 1:
                break
            found.append(c)
            pos = c.span.start
        return list(reversed(found))

    def _doc_before(self, start: int) -> str:
        return "\n".join(_doc_text(c.text) for c in self._doc_comments_before(start))

    def _fold(self, meta: Any, children: list[Any]) -> ast.Expr:
        result = children[0]
        for i in range(1, len(children), 2):
            op, rhs = str(children[i]), children[i + 1]
            span = result.span.merge(rhs.span) if result.span else self._span(meta)
            result = ast.Binary(op, result, rhs, span=span)
        return result  # type: ignore[no-any-return]

    # -- module and imports -----------------------------------------------
    def start(self, meta: Any, items: list[Any]) -> ast.Module:
        first = items[0].span.start if items and items[0].span else len(self.src.text)
        attached = {id(c) for c in self._doc_comments_before(first)} if items else set()
        head = [c for c in self.docs if c.span.end <= first and id(c) not in attached]
        doc = "\n".join(_doc_text(c.text) for c in head)
        return ast.Module(tuple(items), doc=doc, span=Span(self.src.id, 0, len(self.src.text)))

    def import_path(self, meta: Any, ch: list[Any]) -> tuple[str, ...]:
        if len(ch) == 1:
            return (str(ch[0]),)
        return (*ch[0], str(ch[1]))

    def alias(self, meta: Any, ch: list[Any]) -> str:
        return str(ch[0])

    def name_list(self, meta: Any, ch: list[Any]) -> tuple[str, ...]:
        return tuple(str(t) for t in ch)

    def import_module(self, meta: Any, ch: list[Any]) -> ast.Import:
        return ast.Import(ch[0], None, None, ch[1], span=self._span(meta))

    def import_names(self, meta: Any, ch: list[Any]) -> ast.Import:
        return ast.Import(ch[0], None, ch[1], None, span=self._span(meta))

    def import_file(self, meta: Any, ch: list[Any]) -> ast.Import:
        return ast.Import((), _unescape(str(ch[0])), None, ch[1], span=self._span(meta))

    def import_file_names(self, meta: Any, ch: list[Any]) -> ast.Import:
        return ast.Import((), _unescape(str(ch[0])), ch[1], None, span=self._span(meta))

    # -- definitions -------------------------------------------------------
    def type_annot(self, meta: Any, ch: list[Any]) -> ast.TypeExpr:
        return ch[0]  # type: ignore[no-any-return]

    def const_def(self, meta: Any, ch: list[Any]) -> ast.ConstDef:
        span = self._span(meta)
        return ast.ConstDef(
            str(ch[0]), ch[1], ch[2], doc=self._doc_before(meta.start_pos), span=span
        )

    def type_name(self, meta: Any, ch: list[Any]) -> Token:
        return ch[0]  # type: ignore[no-any-return]

    def type(self, meta: Any, ch: list[Any]) -> ast.TypeExpr:
        dims = tuple(c for c in ch[1:] if c is not None)
        return ast.TypeExpr(str(ch[0]), dims, span=self._span(meta))

    def param(self, meta: Any, ch: list[Any]) -> ast.Param:
        return ast.Param(str(ch[0]), ch[1], ch[2], span=self._span(meta))

    def params(self, meta: Any, ch: list[Any]) -> tuple[ast.Param, ...]:
        return tuple(c for c in ch if c is not None)

    def register(self, meta: Any, ch: list[Any]) -> ast.Register:
        return ast.Register(str(ch[0]), ch[1], span=self._span(meta))

    def _body_split(self, ch: list[Any]) -> tuple[list[ast.Register], list[Any]]:
        regs = [c for c in ch if isinstance(c, ast.Register)]
        body = [c for c in ch if not isinstance(c, ast.Register)]
        return regs, body

    def circuit_def(self, meta: Any, ch: list[Any]) -> ast.CircuitDef:
        regs, body = self._body_split(ch[2:])
        return ast.CircuitDef(
            "circuit",
            str(ch[0]),
            ch[1],
            tuple(regs),
            tuple(body),
            doc=self._doc_before(meta.start_pos),
            span=self._span(meta),
        )

    def circuit_def_noparams(self, meta: Any, ch: list[Any]) -> ast.CircuitDef:
        regs, body = self._body_split(ch[1:])
        return ast.CircuitDef(
            "circuit",
            str(ch[0]),
            (),
            tuple(regs),
            tuple(body),
            doc=self._doc_before(meta.start_pos),
            span=self._span(meta),
        )

    def _gate(
        self, meta: Any, name: Token, params: tuple[ast.Param, ...], rest: list[Any]
    ) -> ast.CircuitDef:
        regs = tuple(
            ast.Register(str(t), None, span=self._tspan(t)) for t in rest if isinstance(t, Token)
        )
        body = tuple(c for c in rest if not isinstance(c, Token))
        return ast.CircuitDef(
            "gate",
            str(name),
            params,
            regs,
            body,
            doc=self._doc_before(meta.start_pos),
            span=self._span(meta),
        )

    def gate_def(self, meta: Any, ch: list[Any]) -> ast.CircuitDef:
        return self._gate(meta, ch[0], ch[1], ch[2:])

    def gate_def_noparams(self, meta: Any, ch: list[Any]) -> ast.CircuitDef:
        return self._gate(meta, ch[0], (), ch[1:])

    def obs_on(self, meta: Any, ch: list[Any]) -> tuple[ast.Register, ...]:
        return tuple(ch)

    def observable_def(self, meta: Any, ch: list[Any]) -> ast.ObservableDef:
        name, params, regs, body = ch[0], ch[1], ch[2], ch[3]
        return ast.ObservableDef(
            str(name),
            params or (),
            regs or (),
            body,
            doc=self._doc_before(meta.start_pos),
            span=self._span(meta),
        )

    # -- statements --------------------------------------------------------
    def gate_name(self, meta: Any, ch: list[Any]) -> str:
        return ".".join(str(t) for t in ch)

    def call_parens(self, meta: Any, ch: list[Any]) -> tuple[ast.Arg, ...]:
        return ch[0] if ch and ch[0] is not None else ()

    def modifier(self, meta: Any, ch: list[Any]) -> ast.Modifier:
        args = ch[1] if len(ch) > 1 and ch[1] is not None else ()
        arg = args[0].value if args else None
        return ast.Modifier(ch[0], arg, span=self._span(meta))

    def qarg(self, meta: Any, ch: list[Any]) -> ast.Expr:
        tok = ch[0]
        base = ast.Name(str(tok), span=self._tspan(tok))
        indices = tuple(c for c in ch[1:] if c is not None)
        if not indices:
            return base
        return ast.Index(base, indices, span=self._span(meta))

    def gate_call(self, meta: Any, ch: list[Any]) -> ast.GateCall:
        mods = tuple(c for c in ch if isinstance(c, ast.Modifier))
        rest = [c for c in ch if not isinstance(c, ast.Modifier)]
        name = rest[0]
        has_parens = rest[1] is not None
        args = rest[1] or ()
        qargs = tuple(rest[2:])
        return ast.GateCall(mods, name, args, qargs, has_parens, span=self._span(meta))

    def block(self, meta: Any, ch: list[Any]) -> tuple[Any, ...]:
        return tuple(ch)

    def for_target(self, meta: Any, ch: list[Any]) -> tuple[str, ...]:
        return tuple(str(t) for t in ch)

    def for_stmt(self, meta: Any, ch: list[Any]) -> ast.For:
        return ast.For(ch[0], ch[1], ch[2], span=self._span(meta))

    def repeat_stmt(self, meta: Any, ch: list[Any]) -> ast.Repeat:
        return ast.Repeat(ch[0], ch[1], span=self._span(meta))

    def _as_body(self, b: Any) -> tuple[Any, ...]:
        return b if isinstance(b, tuple) else (b,)

    def else_clause(self, meta: Any, ch: list[Any]) -> tuple[Any, ...]:
        return self._as_body(ch[0])

    def if_stmt(self, meta: Any, ch: list[Any]) -> ast.If:
        else_body = ch[2]
        return ast.If(
            ch[0],
            self._as_body(ch[1]),
            else_body or (),
            else_body is not None,
            span=self._span(meta),
        )

    def let_stmt(self, meta: Any, ch: list[Any]) -> ast.Let:
        return ast.Let(str(ch[0]), ch[1], span=self._span(meta))

    def measure_arrow(self, meta: Any, ch: list[Any]) -> ast.Expr:
        return ch[0]  # type: ignore[no-any-return]

    def measure_stmt(self, meta: Any, ch: list[Any]) -> ast.Measure:
        target = ch[-1]
        qargs = list(ch[:-1])
        qubits = qargs[0] if len(qargs) == 1 else ast.ListExpr(tuple(qargs), span=self._span(meta))
        return ast.Measure(qubits, target, target is not None, span=self._span(meta))

    def measure_assign(self, meta: Any, ch: list[Any]) -> ast.Measure:
        return ast.Measure(ch[1], ch[0], False, span=self._span(meta))

    def reset_stmt(self, meta: Any, ch: list[Any]) -> ast.Reset:
        return ast.Reset(tuple(ch), span=self._span(meta))

    def barrier_stmt(self, meta: Any, ch: list[Any]) -> ast.Barrier:
        return ast.Barrier(tuple(c for c in ch if c is not None), span=self._span(meta))

    def bit_decl(self, meta: Any, ch: list[Any]) -> ast.BitDecl:
        return ast.BitDecl(str(ch[1]), ch[0], span=self._span(meta))

    def qubit_decl(self, meta: Any, ch: list[Any]) -> ast.QubitDecl:
        return ast.QubitDecl(str(ch[1]), ch[0], span=self._span(meta))

    # -- models ------------------------------------------------------------
    def model_def(self, meta: Any, ch: list[Any]) -> ast.ModelDef:
        return ast.ModelDef(
            str(ch[0]), tuple(ch[1:]), doc=self._doc_before(meta.start_pos), span=self._span(meta)
        )

    def setting(self, meta: Any, ch: list[Any]) -> ast.Setting:
        return ast.Setting(str(ch[0]), ch[1], span=self._span(meta))

    def block_item(self, meta: Any, ch: list[Any]) -> ast.Block:
        label = ch[1]
        label_str = str(label) if isinstance(label, Token) else None
        items = tuple(c for c in ch[2:] if c is not None)
        return ast.Block(str(ch[0]), label_str, items, span=self._span(meta))

    def input_decl(self, meta: Any, ch: list[Any]) -> ast.InputDecl:
        return ast.InputDecl(str(ch[0]), ch[1], span=self._span(meta))

    def weight_decl(self, meta: Any, ch: list[Any]) -> ast.WeightDecl:
        return ast.WeightDecl(str(ch[0]), ch[1], ch[2], ch[3] is not None, span=self._span(meta))

    # -- expressions -------------------------------------------------------
    def pipe(self, meta: Any, ch: list[Any]) -> ast.Expr:
        result = ch[0]
        for rhs in ch[1:]:
            result = ast.Pipe(
                result, rhs, span=result.span.merge(rhs.span) if result.span else None
            )
        return result  # type: ignore[no-any-return]

    def arrow(self, meta: Any, ch: list[Any]) -> ast.Arrow:
        return ast.Arrow(ch[0], ch[1], span=self._span(meta))

    def or_expr(self, meta: Any, ch: list[Any]) -> ast.Expr:
        return self._fold(meta, [x for c in ch for x in (c, "or")][:-1])

    def and_expr(self, meta: Any, ch: list[Any]) -> ast.Expr:
        return self._fold(meta, [x for c in ch for x in (c, "and")][:-1])

    def unary(self, meta: Any, ch: list[Any]) -> ast.Unary:
        return ast.Unary(str(ch[0]), ch[1], span=self._span(meta))

    def comparison(self, meta: Any, ch: list[Any]) -> ast.Expr:
        return self._fold(meta, ch)

    def range_expr(self, meta: Any, ch: list[Any]) -> ast.Range:
        return ast.Range(ch[0], ch[1], span=self._span(meta))

    def sum(self, meta: Any, ch: list[Any]) -> ast.Expr:
        return self._fold(meta, ch)

    def product(self, meta: Any, ch: list[Any]) -> ast.Expr:
        return self._fold(meta, ch)

    def power(self, meta: Any, ch: list[Any]) -> ast.Binary:
        return ast.Binary("**", ch[0], ch[1], span=self._span(meta))

    def call(self, meta: Any, ch: list[Any]) -> ast.Call:
        args = ch[1] if ch[1] is not None else ()
        return ast.Call(ch[0], args, span=self._span(meta))

    def index(self, meta: Any, ch: list[Any]) -> ast.Index:
        return ast.Index(ch[0], tuple(ch[1:]), span=self._span(meta))

    def member(self, meta: Any, ch: list[Any]) -> ast.Name:
        base = ch[0]
        if isinstance(base, ast.Name):
            return ast.Name(f"{base.id}.{ch[1]}", span=self._span(meta))
        raise BuildError(
            "QL0012",
            f"`.{ch[1]}` can only follow a name",
            self._span(meta),
            "use a module-qualified name like `encodings.angle`",
        )

    def number(self, meta: Any, ch: list[Any]) -> ast.Number:
        text = str(ch[0])
        value: int | float
        if any(c in text for c in ".eE"):
            value = float(text)
        else:
            value = int(text)
        return ast.Number(value, span=self._span(meta))

    def string(self, meta: Any, ch: list[Any]) -> ast.String:
        return ast.String(_unescape(str(ch[0])), span=self._span(meta))

    def true(self, meta: Any, ch: list[Any]) -> ast.Bool:
        return ast.Bool(True, span=self._span(meta))

    def false(self, meta: Any, ch: list[Any]) -> ast.Bool:
        return ast.Bool(False, span=self._span(meta))

    def name(self, meta: Any, ch: list[Any]) -> ast.Name:
        return ast.Name(str(ch[0]), span=self._span(meta))

    def tuple_expr(self, meta: Any, ch: list[Any]) -> ast.TupleExpr:
        return ast.TupleExpr(tuple(c for c in ch if c is not None), span=self._span(meta))

    def list_expr(self, meta: Any, ch: list[Any]) -> ast.ListExpr:
        return ast.ListExpr(tuple(c for c in ch if c is not None), span=self._span(meta))

    def comp_for(self, meta: Any, ch: list[Any]) -> tuple[Any, ...]:
        return (ch[0], ch[1], ch[2])

    def list_comp(self, meta: Any, ch: list[Any]) -> ast.Comprehension:
        targets, iterable, cond = ch[1]
        return ast.Comprehension(ch[0], targets, iterable, cond, "list", span=self._span(meta))

    def args(self, meta: Any, ch: list[Any]) -> tuple[ast.Arg, ...]:
        return tuple(ch)

    def gen_args(self, meta: Any, ch: list[Any]) -> tuple[ast.Arg, ...]:
        targets, iterable, cond = ch[1]
        comp = ast.Comprehension(ch[0], targets, iterable, cond, "gen", span=self._span(meta))
        return (ast.Arg(None, comp, span=self._span(meta)),)

    def named_arg(self, meta: Any, ch: list[Any]) -> ast.Arg:
        return ast.Arg(str(ch[0]), ch[1], span=self._span(meta))

    def pos_arg(self, meta: Any, ch: list[Any]) -> ast.Arg:
        return ast.Arg(None, ch[0], span=self._span(meta))

    def slice(self, meta: Any, ch: list[Any]) -> ast.Slice:
        # children: exprs and Nones interleaved by the optional markers; rebuild from source
        text = self.src.text[meta.start_pos : meta.end_pos]
        exprs = [c for c in ch if c is not None]
        parts = _split_slice(text)
        values: list[ast.Expr | None] = []
        it = iter(exprs)
        for part in parts:
            values.append(next(it) if part.strip() else None)
        while len(values) < 3:
            values.append(None)
        return ast.Slice(values[0], values[1], values[2], span=self._span(meta))

    def pauli_factor(self, meta: Any, ch: list[Any]) -> ast.PauliFactor:
        tok = ch[0]
        if tok.type == "PAULI_NUM":
            text = str(tok)
            idx = ast.Number(int(text[1:]), span=Span(self.src.id, tok.start_pos + 1, tok.end_pos))
            return ast.PauliFactor(text[0], idx, span=self._span(meta))
        return ast.PauliFactor(str(tok), ch[1], span=self._span(meta))

    def pauli_product(self, meta: Any, ch: list[Any]) -> ast.Expr:
        if len(ch) == 1:
            return ch[0]  # type: ignore[no-any-return]
        return ast.PauliProduct(tuple(ch), span=self._span(meta))


def _doc_text(raw: str) -> str:
    body = raw[3:]
    return body[1:].rstrip() if body.startswith(" ") else body.rstrip()


def _split_slice(text: str) -> list[str]:
    """Split slice text on top-level colons (``a:b:c`` -> ``['a', 'b', 'c']``)."""
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == ":" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts
