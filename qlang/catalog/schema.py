"""The shape of a catalog entry: typed parameters, ranges, support status, binding.

A setting in a model file arrives as a :class:`~qlang.ir.model.Call`
(``adam(lr = 0.1)``). :meth:`Entry.bind` matches it against the entry's
parameters (positional in order, then by name), checks every value's type and
range and the entry's cross-argument rules, and returns the values with the
defaults filled in, or a :class:`Problem` saying what is wrong. The checker
(``qlang check``) and the runtime bind the same way; each reports a problem with
its own code.

Example::

    >>> from qlang.ir.model import Call
    >>> lr = Param("lr", FLOAT, 0.01, "step size", Range(0, None, low_open=True))
    >>> e = Entry("optimizer", "sgd", "plain gradient descent", (lr,), impl="m:Sgd")
    >>> e.bind(Call("sgd", (), (("lr", 0.5),)))
    {'lr': 0.5}
    >>> e.bind(Call("sgd", (), (("lr", -1),))).message
    '`lr` of `sgd` must be in (0, inf), got -1'
    >>> e.bind(Call("sgd", (), (("lrr", 1),))).help
    'did you mean `lr`?'
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qlang.ir.model import Call

# --- value types ----------------------------------------------------------------------
#: integer (an integer-valued float such as ``1e3`` is accepted and converted)
INT = "int"
#: any real number
FLOAT = "float"
BOOL = "bool"
STR = "str"
#: one of ``Param.choices`` (a bare name or a string)
CHOICE = "choice"
#: a list of integers (a single integer is a one-element list)
INTS = "ints"
#: a list of numbers (a single number is a one-element list)
FLOATS = "floats"
#: a call or bare name of the catalog kind ``Param.kind``
CALL = "call"
#: a list of calls of the catalog kind ``Param.kind``
CALLS = "calls"
#: a list of bare names or strings
NAMES = "names"
#: a value the model lowering checks itself (observables, qubit lists, circuits)
OPAQUE = "opaque"

TYPES = (INT, FLOAT, BOOL, STR, CHOICE, INTS, FLOATS, CALL, CALLS, NAMES, OPAQUE)


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: the default of a parameter that must be given
REQUIRED: Any = _Required()


@dataclass(frozen=True, slots=True)
class Range:
    """Numeric bounds; ``None`` is unbounded. Lists are checked element by element.

    >>> Range(0, 1, high_open=True).text()
    '[0, 1)'
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def contains(self, v: float) -> bool:
        if self.low is not None and (v < self.low or (self.low_open and v == self.low)):
            return False
        if self.high is not None and (v > self.high or (self.high_open and v == self.high)):
            return False
        return not (isinstance(v, float) and math.isnan(v))

    def text(self) -> str:
        lo = "-inf" if self.low is None else _num(self.low)
        hi = "inf" if self.high is None else _num(self.high)
        left = "(" if self.low_open or self.low is None else "["
        right = ")" if self.high_open or self.high is None else "]"
        return f"{left}{lo}, {hi}{right}"


def _num(v: float) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        v = int(v)
    if isinstance(v, int) and abs(v) >= 10**6 and bin(v).count("1") == 1:
        return f"2**{v.bit_length() - 1}"
    return f"{v:g}" if isinstance(v, float) else str(v)


@dataclass(frozen=True, slots=True)
class Param:
    """One argument: its name, type, default, documentation line and allowed values.

    ``example`` is a valid non-default value, used by the documentation and by the
    catalog conformance test (which checks that setting it changes the result).
    ``positional`` parameters may be given without their name, in order.
    """

    name: str
    type: str
    default: Any = REQUIRED
    doc: str = ""
    range: Range | None = None
    choices: tuple[Any, ...] = ()
    kind: str | None = None
    example: Any = None
    positional: bool = True
    #: extra accepted types (e.g. ``generate(target = data | [p0, p1, ...])``)
    alt: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for t in (self.type, *self.alt):
            if t not in TYPES:
                raise ValueError(f"unknown parameter type {t!r} of `{self.name}`")

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def signature(self) -> str:
        """``lr = 0.01`` (or ``lr`` when required) for tables and help lines."""
        if self.required:
            return self.name
        return f"{self.name} = {value_text(self.default)}"

    def allowed(self) -> str:
        """A short text of what the parameter accepts: ``float in (0, inf)``."""
        kinds = {
            INT: "integer",
            FLOAT: "number",
            BOOL: "true or false",
            STR: "string",
            CHOICE: "one of " + ", ".join(str(c) for c in self.choices),
            INTS: "list of integers",
            FLOATS: "list of numbers",
            CALL: f"a {self.kind} entry",
            CALLS: f"list of {self.kind} entries",
            NAMES: "list of names",
            OPAQUE: "see the documentation",
        }
        text = " or ".join(kinds[t] for t in (self.type, *self.alt))
        if self.range is not None and (self.range.low, self.range.high) != (None, None):
            text += f" in {self.range.text()}"
        if self.choices and self.type != CHOICE:
            text += " (" + ", ".join(str(c) for c in self.choices) + ")"
        return text


def value_text(v: Any) -> str:
    """A value as it would be written in a model file."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "none"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, tuple):
        return "[" + ", ".join(value_text(i) for i in v) + "]"
    if isinstance(v, Call):
        args = [value_text(a) for a in v.args] + [f"{k} = {value_text(a)}" for k, a in v.kwargs]
        return f"{v.name}({', '.join(args)})" if args else v.name
    if isinstance(v, float):
        return _num(v)
    return str(v)


@dataclass(frozen=True, slots=True)
class Support:
    """Whether the runtime honours an entry, and if not, why and what will make it run.

    ``qlang check`` rejects an unsupported entry with ``QL0311`` and this reason, so a
    setting is never accepted and then ignored. When the runtime learns it, the entry's
    status flips to :data:`SUPPORTED` (and gets an ``impl``).
    """

    ok: bool = True
    reason: str = ""
    requires: str = ""


SUPPORTED = Support()


def not_yet(reason: str, requires: str = "") -> Support:
    """The status of an entry the runtime cannot honour yet."""
    return Support(False, reason, requires)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a call does not bind: ``what`` is ``unknown_argument``, ``type``, ``range``,
    ``missing`` or ``rule`` (a cross-argument rule)."""

    what: str
    message: str
    help: str | None = None


#: a cross-argument rule: (bound values, names given explicitly) -> an error message or None
Rule = Callable[[Mapping[str, Any], frozenset[str]], str | None]


@dataclass(frozen=True)
class Entry:
    """One name of the model vocabulary.

    ``impl`` is the runtime implementation as ``"module:attribute"``, imported only
    when :meth:`load` is called (``qlang check`` never imports the training runtime).
    ``tasks`` restricts where the entry applies (losses, metrics, some train keys);
    ``info`` holds kind-specific static facts (a data set's width, a loss's needs).
    """

    kind: str
    name: str
    doc: str
    params: tuple[Param, ...] = ()
    impl: str | None = None
    status: Support = SUPPORTED
    tasks: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = field(default=(), compare=False)
    info: Any = field(default=None, compare=False)
    #: the one value of a key-like entry (``train { epochs = 5 }``) is its first parameter
    value_key: bool = False
    #: the kind of the ``|> step(...)`` stages a model entry's value may be piped into
    pipe: str | None = None

    def __post_init__(self) -> None:
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"`{self.name}` declares a parameter twice")
        if self.status.ok and self.impl is None and not self.value_key:
            raise ValueError(f"supported entry `{self.kind}:{self.name}` has no implementation")

    # --- runtime --------------------------------------------------------------------
    def load(self) -> Any:
        """The implementation object (imported now)."""
        if self.impl is None:
            raise LookupError(f"`{self.name}` has no runtime implementation: {self.status.reason}")
        module, _, attr = self.impl.partition(":")
        obj: Any = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params if not p.required}

    def signature(self) -> str:
        """``adam(lr = 0.01, beta1 = 0.9, ...)`` for documentation tables."""
        if self.value_key:
            return self.name
        if not self.params:
            return self.name
        return f"{self.name}({', '.join(p.signature() for p in self.params)})"

    # --- binding --------------------------------------------------------------------
    def bind(
        self,
        call: Call,
        resolve: Callable[[str, Any], Problem | Any] | None = None,
    ) -> dict[str, Any] | Problem:
        """The call's values by parameter name, defaults filled in, or the first problem.

        ``resolve(kind, value)`` binds nested calls (``CALL``/``CALLS`` parameters); the
        catalog passes its own lookup, so ``noise = [depolarizing(2.0)]`` is checked too.
        """
        out: dict[str, Any] = {}
        positional = [p for p in self.params if p.positional]
        if len(call.args) > len(positional):
            most = len(positional)
            return Problem(
                "unknown_argument",
                f"`{self.name}` takes {most or 'no'} positional argument{'s' * (most != 1)}, "
                f"got {len(call.args)}",
                self._help(),
            )
        for p, v in zip(positional, call.args, strict=False):
            out[p.name] = v
        for key, v in call.kwargs:
            if self.param(key) is None:
                from qlang.diagnostics import did_you_mean

                return Problem(
                    "unknown_argument",
                    f"`{self.name}` has no argument `{key}`",
                    did_you_mean(key, [q.name for q in self.params]) or self._help(),
                )
            if key in out:
                return Problem("unknown_argument", f"`{key}` of `{self.name}` is given twice")
            out[key] = v
        given = frozenset(out)
        for p in self.params:
            if p.name not in out:
                if p.required:
                    return Problem(
                        "missing",
                        f"`{self.name}` needs `{p.name}`",
                        f"write `{self.name}({p.name} = ...)`: {p.allowed()}",
                    )
                out[p.name] = _default(p)
                continue
            checked = check_value(self, p, out[p.name], resolve)
            if isinstance(checked, Problem):
                return checked
            out[p.name] = checked
        for rule in self.rules:
            msg = rule(out, given)
            if msg is not None:
                return Problem("rule", msg, self._help())
        return out

    def _help(self) -> str:
        if not self.params:
            return f"`{self.name}` takes no arguments"
        return f"arguments: {', '.join(p.signature() for p in self.params)}"


def _default(p: Param) -> Any:
    """The default, with bare names of call-typed parameters as calls (``"linear"``)."""
    if p.type == CALL and isinstance(p.default, str):
        return Call(p.default)
    if p.type == CALLS and isinstance(p.default, tuple):
        return tuple(Call(x) if isinstance(x, str) else x for x in p.default)
    return p.default


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def check_value(
    entry: Entry,
    p: Param,
    v: Any,
    resolve: Callable[[str, Any], Problem | Any] | None = None,
) -> Any:
    """``v`` checked (and normalised: ints, tuples) against ``p``, or a :class:`Problem`."""
    if v is None and p.default is None:
        return None
    last: Problem | None = None
    for t in (p.type, *p.alt):
        got = _check_type(entry, p, t, v, resolve)
        if not isinstance(got, Problem):
            return got
        if last is None or got.what == "range":
            last = got
    assert last is not None
    return last


def _check_type(
    entry: Entry,
    p: Param,
    t: str,
    v: Any,
    resolve: Callable[[str, Any], Problem | Any] | None,
) -> Any:
    where = f"`{entry.name}`" if entry.value_key else f"`{p.name}` of `{entry.name}`"
    doc = f"`{entry.name}`: {entry.doc}" if entry.value_key else f"{p.name}: {p.doc}"

    def wrong() -> Problem:
        return Problem("type", f"{where} must be {p.allowed()}, got `{value_text(v)}`", doc)

    def in_range(x: Any) -> Problem | None:
        if p.range is not None and not p.range.contains(x):
            return Problem(
                "range",
                f"{where} must be in {p.range.text()}, got {value_text(x)}",
                doc if p.doc else None,
            )
        if p.choices and p.type != CHOICE and x not in p.choices:
            return Problem(
                "range",
                f"{where} must be one of {', '.join(value_text(c) for c in p.choices)}, "
                f"got {value_text(x)}",
            )
        return None

    if t == OPAQUE:
        return v
    if t == INT:
        if not _is_number(v) or not float(v).is_integer() or math.isinf(float(v)):
            return wrong()
        iv = int(v)
        return in_range(iv) or iv
    if t == FLOAT:
        if not _is_number(v) or not math.isfinite(float(v)):
            return wrong()
        return in_range(v) or v
    if t == BOOL:
        return v if isinstance(v, bool) else wrong()
    if t == STR:
        return v if isinstance(v, str) else wrong()
    if t == CHOICE:
        if isinstance(v, str) and v in p.choices:
            return v
        from qlang.diagnostics import did_you_mean

        if isinstance(v, str):
            return Problem(
                "range",
                f"{where} must be one of {', '.join(str(c) for c in p.choices)}, got `{v}`",
                did_you_mean(v, [str(c) for c in p.choices]),
            )
        return wrong()
    if t in (INTS, FLOATS):
        items = v if isinstance(v, tuple) else (v,)
        out = []
        for x in items:
            if not _is_number(x) or not math.isfinite(float(x)):
                return wrong()
            if t == INTS:
                if not float(x).is_integer():
                    return wrong()
                x = int(x)
            bad = in_range(x)
            if bad is not None:
                return bad
            out.append(x)
        if not out:
            return Problem("range", f"{where} must not be empty")
        return tuple(out)
    if t == NAMES:
        items = v if isinstance(v, tuple) else (v,)
        if not all(isinstance(x, str) for x in items):
            return wrong()
        return tuple(items)
    if t in (CALL, CALLS):
        items = v if isinstance(v, tuple) and t == CALLS else (v,)
        if isinstance(v, tuple) and t == CALL:
            return wrong()
        bound = []
        for x in items:
            c = Call(x) if isinstance(x, str) else x
            if not isinstance(c, Call):
                return wrong()
            if resolve is not None:
                got = resolve(p.kind or "", c)
                if isinstance(got, Problem):
                    return got
            bound.append(c)
        return tuple(bound) if t == CALLS else bound[0]
    raise AssertionError(t)  # pragma: no cover
