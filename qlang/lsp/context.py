"""Where the cursor is, read from the text alone (it is usually mid-edit and does not parse).

:func:`cursor_context` scans the current top-level item up to the cursor with a light
tokenizer and reports the open brackets around the cursor (each ``{`` with the words
that head it, each ``(`` with the name called), the setting key being written and
whether the cursor is where a statement or an entry starts.

Example::

    >>> text = "model m {\\n  optimizer = adam(lr = 0.1, be"
    >>> ctx = cursor_context(text, len(text))
    >>> ctx.item, ctx.block, ctx.key, ctx.callee, ctx.named, ctx.prefix
    ('model', None, 'optimizer', 'adam', ('lr',), 'be')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qlang.lsp.chunks import split

__all__ = ["Context", "Frame", "cursor_context", "word_at"]

_TOKEN = re.compile(
    r'(?P<comment>//[^\n]*|/\*[\s\S]*?(?:\*/|\Z))|(?P<string>"(?:[^"\\\n]|\\.)*"?)'
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<open>[(\[{])|(?P<close>[)\]}])"
    r"|(?P<op>\|>|->|==|!=|<=|>=|\.\.|\*\*|[=;,.@:<>+\-*/%])|(?P<num>\d[\w.]*)"
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def word_at(text: str, offset: int) -> tuple[int, int, str] | None:
    """The identifier at or just before ``offset``: ``(start, end, word)``."""
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    end = offset
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    if start == end or not (text[start].isalpha() or text[start] == "_"):
        return None
    return start, end, text[start:end]


@dataclass
class Frame:
    """An open bracket: ``{`` with its head words, ``(`` with the callee, or ``[``."""

    bracket: str
    pos: int
    head: tuple[str, ...] = ()
    callee: str | None = None
    named: list[str] | None = None  # `name =` arguments already written in a `(`
    key: str | None = None  # the last `key =` written at this depth
    key_pos: int = -1
    after_sep: bool = True  # nothing but a separator since the last entry/statement
    pipe: bool = False  # a `|>` follows the key in this entry


@dataclass
class Context:
    """The cursor's surroundings; ``frames`` from the outermost bracket inward."""

    frames: list[Frame]
    prefix: str  # the identifier being typed (may be empty)
    in_comment: bool = False
    in_string: bool = False
    line_prefix: str = ""  # the text of the cursor's line before the cursor
    after_dot: str | None = None  # `name.` right before the prefix

    @property
    def item(self) -> str | None:
        """``model``, ``circuit``, ``gate``, ``observable``, ``const`` or ``None`` (top level)."""
        if not self.frames:
            return None
        head = self.frames[0].head
        return head[0] if head else None

    @property
    def block(self) -> str | None:
        """The model sub-block the cursor is in (``train``, ``target``, ...)."""
        if self.item != "model" or len(self.frames) < 2 or self.frames[1].bracket != "{":
            return None
        head = self.frames[1].head
        return head[0] if head else None

    @property
    def inner(self) -> Frame | None:
        return self.frames[-1] if self.frames else None

    @property
    def entry_frame(self) -> Frame | None:
        """The innermost ``{`` of a model (the model itself or a sub-block)."""
        if self.item != "model":
            return None
        for f in reversed(self.frames[:2]):
            if f.bracket == "{":
                return f
        return None

    @property
    def key(self) -> str | None:
        """The setting being written (``optimizer`` in ``optimizer = adam(``)."""
        f = self.entry_frame
        return f.key if f is not None else None

    @property
    def at_entry_start(self) -> bool:
        """At a model entry's (or a statement's) first word."""
        f = self.inner
        return f is not None and f.bracket == "{" and f.after_sep

    @property
    def callee(self) -> str | None:
        for f in reversed(self.frames):
            if f.bracket == "(":
                return f.callee
            if f.bracket == "{":
                return None
        return None

    @property
    def named(self) -> tuple[str, ...]:
        for f in reversed(self.frames):
            if f.bracket == "(":
                return tuple(f.named or ())
            if f.bracket == "{":
                return ()
        return ()

    @property
    def piped(self) -> bool:
        f = self.entry_frame
        return f is not None and f.pipe


def cursor_context(text: str, offset: int) -> Context:
    """The context of ``offset`` (scanning only the top-level item it is in)."""
    start = 0
    for s, _ in split(text):
        if s > offset:
            break
        start = s
    prefix_start = offset
    while prefix_start > 0 and (text[prefix_start - 1].isalnum() or text[prefix_start - 1] == "_"):
        prefix_start -= 1
    prefix = text[prefix_start:offset]
    line_start = text.rfind("\n", 0, offset) + 1
    ctx = Context([], prefix, line_prefix=text[line_start:offset])
    if prefix_start > 0 and text[prefix_start - 1] == ".":
        w = word_at(text, prefix_start - 1)
        ctx.after_dot = w[2] if w else None
    frames: list[Frame] = []
    first_word: str | None = None  # the item's keyword (`model`, `circuit`, ...)
    run: list[str] = []  # consecutive names right before the current token
    pending_key: str | None = None  # a name that started an entry (`key` before `=`)
    pos = last_end = start
    while pos < prefix_start:
        m = _TOKEN.search(text, pos, prefix_start)
        if m is None:
            break
        pos = m.end()
        kind = m.lastgroup
        tok = m.group()
        top = frames[-1] if frames else None
        if top is not None and top.bracket == "{" and "\n" in text[last_end : m.start()]:
            top.after_sep = True  # a line break ends a model entry
            run = []
        last_end = m.end()
        if kind == "comment":
            if m.end() >= prefix_start and (tok.startswith("//") or not tok.endswith("*/")):
                ctx.in_comment = True
            continue
        if kind == "string":
            if m.end() >= prefix_start and (len(tok) == 1 or not tok.endswith('"')):
                ctx.in_string = True
            if top is not None:
                top.after_sep = False
            run = []
            continue
        if kind == "name":
            if first_word is None:
                first_word = tok
            if top is not None and top.bracket == "{" and top.after_sep:
                pending_key = tok
            if top is not None:
                top.after_sep = False
            run.append(tok)
            continue
        if kind == "open":
            f = Frame(tok, m.start())
            if tok == "{":
                f.head = (first_word or "",) if not frames else tuple(run[-2:])
            elif tok == "(":
                f.callee = run[-1] if run else None
                f.named = []
            frames.append(f)
            run, pending_key = [], None
            continue
        if kind == "close":
            if frames:
                frames.pop()
            run = []
            if frames and frames[-1].bracket == "{" and tok == "}":
                frames[-1].after_sep = True
            continue
        # an operator, separator or number
        if kind == "op" and top is not None:
            if tok == "=" and top.bracket == "(" and run and top.named is not None:
                top.named.append(run[-1])
            elif tok == "=" and top.bracket == "{" and pending_key is not None:
                top.key, top.key_pos, top.pipe = pending_key, m.start(), False
            elif tok == "|>" and top.bracket == "{":
                top.pipe = True
        if top is not None and top.bracket == "{":
            top.after_sep = kind == "op" and tok in (";", ",")
        if tok != ".":
            run = []
        pending_key = None
    # a model entry also ends at a line break (`key = value`, next key on the next line)
    top = frames[-1] if frames else None
    before_prefix = ctx.line_prefix[: len(ctx.line_prefix) - len(prefix)]
    if top is not None and top.bracket == "{" and not before_prefix.strip():
        top.after_sep = True
    ctx.frames = frames
    return ctx
