"""Pass registry and the ``--passes`` pipeline spec parser.

Spec grammar (xDSL-style)::

    pipeline := item ("," item)*
    item     := NAME ("{" option ("," option)* "}")?
              | "fixed-point" ("{" option* "}")? "(" pipeline ")"
    option   := KEY "=" VALUE          # tuples are written a:b:c

Example::

    >>> p = parse_pipeline("cancel-inverses,merge-rotations{commute=false}")
    >>> [x.spec() for x in p]
    ['cancel-inverses{commute=False}', 'merge-rotations{commute=False,basis=}']
"""

from __future__ import annotations

import typing
from dataclasses import fields
from typing import get_type_hints

from qlang.passes.all_passes import BUILTIN_PASSES
from qlang.passes.base import Pass
from qlang.passes.errors import pass_error
from qlang.passes.fixed_point import FixedPoint

from qlang.devices import Device, device_from_json, parse_device
from qlang.diagnostics import did_you_mean

#: pass name -> class: the built-in passes, and any registered with :func:`register`
REGISTRY: dict[str, type[Pass]] = {cls.name: cls for cls in BUILTIN_PASSES}


def register(cls: type[Pass]) -> type[Pass]:
    """Class decorator: make a pass available to ``--passes`` by its name."""
    old = REGISTRY.get(cls.name)
    if old is not None and old.__qualname__ != cls.__qualname__:
        raise ValueError(f"pass name `{cls.name}` registered twice")
    REGISTRY[cls.name] = cls
    return cls


def available_passes() -> list[str]:
    return sorted(REGISTRY) + ["fixed-point"]


def make_pass(name: str, options: dict[str, str], device: object = None) -> Pass:
    """Build a registered pass from string options (converted by field type).

    A pass with a ``device`` field (``layout``, ``route``, ``route-portfolio``) takes it
    from its options (``route{device=line(5)}``) or else from ``device`` (the
    ``--device`` of the command).
    """
    cls = REGISTRY.get(name)
    if cls is None:
        raise pass_error(
            "QL0551",
            f"unknown pass `{name}`",
            help=did_you_mean(name, available_passes()) or "run `qlang passes` to list them",
        )
    hints = get_type_hints(cls)
    flds = {f.name: f for f in fields(cls)}
    kwargs: dict[str, object] = {}
    for key, raw in options.items():
        if key not in flds:
            raise pass_error(
                "QL0552",
                f"pass `{name}` has no option `{key}`",
                help=did_you_mean(key, flds) or f"options: {', '.join(flds) or '(none)'}",
            )
        kwargs[key] = _convert(name, key, raw, hints.get(key, str))
    if "device" in flds and "device" not in kwargs:
        if device is None:
            raise pass_error(
                "QL0553",
                f"pass `{name}` needs a device",
                help=f"give `--device SPEC` or write `{name}{{device=line(5)}}`",
            )
        kwargs["device"] = device
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise pass_error("QL0553", f"invalid options for `{name}`: {exc}") from exc


def _convert(name: str, key: str, raw: str, typ: object) -> object:
    def bad(expected: str) -> Exception:
        return pass_error(
            "QL0553",
            f"option `{key}` of `{name}` expects {expected}, got `{raw}`",
            help=f"write e.g. `{name}{{{key}=...}}` with {expected}",
        )

    origin = typing.get_origin(typ)
    args = typing.get_args(typ)
    if typ is Device:
        return parse_device(raw)
    if typ is bool:
        low = raw.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise bad("a boolean")
    if typ is int:
        try:
            return int(raw)
        except ValueError:
            raise bad("an integer") from None
    if typ is float:
        try:
            return float(raw)
        except ValueError:
            raise bad("a number") from None
    if origin is tuple and args and isinstance(args[0], type) and issubclass(args[0], Pass):
        body = raw.strip()
        if not (body.startswith("(") and body.endswith(")")):
            raise bad("a pass list `(a,b{k=v})`")
        return tuple(parse_pipeline(body[1:-1])) if body[1:-1].strip() else ()
    if origin is tuple:
        inner = args[0] if args else str
        parts = [s for s in raw.split(":") if s] if raw else []
        return tuple(_convert(name, key, s, inner) for s in parts)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        non_none = [a for a in args if a is not type(None)]
        if raw.lower() == "none" and len(non_none) < len(args):
            return None
        return _convert(name, key, raw, non_none[0])
    return raw


def _split_top(text: str, sep: str = ",") -> list[str]:
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
            if depth < 0:
                raise pass_error("QL0550", f"unbalanced `{ch}` in pass pipeline `{text}`")
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if depth != 0:
        raise pass_error("QL0550", f"unclosed bracket in pass pipeline `{text}`")
    parts.append("".join(cur))
    return parts


def parse_pipeline(text: str, device: object = None) -> list[Pass]:
    """Parse a ``--passes`` spec into pass objects (errors QL0550-QL0553).

    ``device`` is the default for passes that route (see :func:`make_pass`).
    """

    text = text.strip()
    if not text:
        raise pass_error(
            "QL0550", "empty pass pipeline", help="write e.g. `--passes cancel-inverses`"
        )
    out: list[Pass] = []
    for item in _split_top(text):
        item = item.strip()
        if not item:
            raise pass_error("QL0550", f"empty pass name in `{text}`", help="remove the extra `,`")
        name, rest = item, ""
        for i, ch in enumerate(item):
            if ch in "{(":
                name, rest = item[:i].strip(), item[i:]
                break
        options: dict[str, str] = {}
        inner_text: str | None = None
        if rest.startswith("{"):
            close = _matching(rest)
            if close < 0:
                raise pass_error("QL0550", f"missing `}}` after options of `{name}`")
            options = _parse_options(name, rest[1:close])
            rest = rest[close + 1 :].strip()
        if rest.startswith("("):
            if not rest.endswith(")"):
                raise pass_error("QL0550", f"missing `)` after `{name}(`")
            inner_text = rest[1:-1]
            rest = ""
        if rest:
            raise pass_error("QL0550", f"unexpected `{rest}` after pass `{name}`")
        if not name.replace("-", "").replace("_", "").isalnum():
            raise pass_error("QL0550", f"`{name}` is not a valid pass name")
        if name == "fixed-point":
            if inner_text is None:
                raise pass_error("QL0550", "`fixed-point` needs a body: `fixed-point(a,b)`")
            body = tuple(parse_pipeline(inner_text, device))
            unknown = set(options) - {"max_iterations", "error_on_limit"}
            if unknown:
                raise pass_error(
                    "QL0552", f"pass `fixed-point` has no option `{sorted(unknown)[0]}`"
                )
            kw: dict[str, object] = {}
            if "max_iterations" in options:
                kw["max_iterations"] = _convert(
                    name, "max_iterations", options["max_iterations"], int
                )
            if "error_on_limit" in options:
                kw["error_on_limit"] = _convert(
                    name, "error_on_limit", options["error_on_limit"], bool
                )
            out.append(FixedPoint(body, **kw))  # type: ignore[arg-type]
            continue
        if inner_text is not None:
            raise pass_error("QL0550", f"only `fixed-point` takes a `( ... )` body, not `{name}`")
        out.append(make_pass(name, options, device))
    return out


def _matching(text: str) -> int:
    """Index of the bracket closing ``text[0]`` (``{`` or ``(``), or -1."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _parse_options(name: str, text: str) -> dict[str, str]:
    options: dict[str, str] = {}
    if not text.strip():
        return options
    for part in _split_top(text):
        if "=" not in part:
            raise pass_error(
                "QL0550",
                f"option `{part.strip()}` of `{name}` has no `=`",
                help="write `key=value`",
            )
        key, value = (s.strip() for s in part.split("=", 1))
        if not key:
            raise pass_error("QL0550", f"empty option name in `{name}{{{text}}}`")
        options[key] = value
    return options


def pass_from_json(data: dict) -> Pass:
    """Inverse of :meth:`Pass.to_json` (and :meth:`FixedPoint.to_json`)."""

    if data["name"] == "fixed-point":
        opts = data.get("options", {})
        return FixedPoint(
            tuple(pass_from_json(p) for p in data["passes"]),
            max_iterations=int(opts.get("max_iterations", 10)),
            error_on_limit=bool(opts.get("error_on_limit", False)),
        )
    cls = REGISTRY.get(data["name"])
    if cls is None:
        raise pass_error("QL0551", f"unknown pass `{data['name']}`")
    kwargs: dict[str, object] = {}
    flds = {f.name: f for f in fields(cls)}
    for key, value in data.get("options", {}).items():
        if key not in flds:
            raise pass_error("QL0552", f"pass `{data['name']}` has no option `{key}`")
        if key == "device" and isinstance(value, dict):
            kwargs[key] = device_from_json(value, name=str(value.get("name", "device")))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            kwargs[key] = tuple(pass_from_json(v) for v in value)  # nested passes
        else:
            kwargs[key] = tuple(value) if isinstance(value, list) else value
    return cls(**kwargs)
