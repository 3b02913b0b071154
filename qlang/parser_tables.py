"""A cache of the parser's LALR tables, so a run does not rebuild them from the grammar.

Building the LALR(1) tables of ``grammar/qlang.lark`` takes about a quarter of a second,
the largest part of ``qlang check`` on a small file. The built parser is saved once, as
JSON (data only: no pickle, nothing executed on load), in the user's cache folder under a
key that hashes the grammar, the Lark version and the parser options; later runs load it
in about 20 ms. A stale, unreadable or corrupt file is ignored (the tables are rebuilt and
rewritten atomically); an unwritable folder only costs the rebuild. ``QLANG_CACHE_DIR``
sets the folder (default ``$XDG_CACHE_HOME/qlang`` or ``~/.cache/qlang``), and
``QLANG_CACHE_DIR=off`` disables the cache.

Example::

    >>> to_json({"a": (1, 2), 3: [4]}) == to_json(from_json(to_json({"a": (1, 2), 3: [4]})))
    True
    >>> from_json(to_json({"a": (1, 2), 3: [4]}))
    {'a': (1, 2), 3: [4]}
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef


def cache_dir() -> Path | None:
    """The cache folder, or None when ``QLANG_CACHE_DIR=off``."""
    env = os.environ.get("QLANG_CACHE_DIR", "")
    if env.lower() in ("off", "0", "none"):
        return None
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qlang"


def _enc(o: Any) -> Any:
    if isinstance(o, dict):
        if all(isinstance(k, str) for k in o) and not ({"__d", "__t"} & set(o)):
            return {k: _enc(v) for k, v in o.items()}
        return {"__d": [[_enc(k), _enc(v)] for k, v in o.items()]}
    if isinstance(o, tuple):
        return {"__t": [_enc(v) for v in o]}
    if isinstance(o, list):
        return [_enc(v) for v in o]
    if o is None or isinstance(o, (str, int, float, bool)):
        return o
    raise TypeError(f"cannot store {type(o).__name__} in the parser cache")


def _hook(d: dict) -> Any:
    if len(d) == 1 and "__t" in d:
        return tuple(d["__t"])
    if len(d) == 1 and "__d" in d:
        return {(tuple(k) if isinstance(k, list) else k): v for k, v in d["__d"]}
    return d


def to_json(value: Any) -> str:
    """JSON that keeps tuples and non-string dict keys (the serialised parser uses both)."""
    return json.dumps(_enc(value), separators=(",", ":"))


def from_json(text: str) -> Any:
    return json.loads(text, object_hook=_hook)


def load_or_build(
    grammar: str, options: dict[str, Any], callbacks: dict[str, Callable], build: Callable[[], Lark]
) -> Lark:
    """The parser for ``grammar``: loaded from the cache when a current copy is there, else
    ``build()`` (then saved). ``callbacks`` (lexer callbacks) are attached on load."""
    key = hashlib.sha256(
        "\0".join([grammar, lark.__version__, repr(sorted(options.items()))]).encode()
    ).hexdigest()[:32]
    folder = cache_dir()
    path = folder / f"parser-{key}.json" if folder is not None else None
    if path is not None:
        try:
            stored = from_json(path.read_text(encoding="utf-8"))
            return Lark._load_from_dict(stored["data"], stored["memo"], lexer_callbacks=callbacks)
        except Exception:  # noqa: BLE001 - missing, stale or corrupt: rebuild below
            pass
    parser = build()
    if path is not None:
        try:
            data, memo = parser.memo_serialize([TerminalDef, Rule])
            data["options"] = {k: v for k, v in data["options"].items() if k != "lexer_callbacks"}
            text = to_json({"data": data, "memo": memo})
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".parser-", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except Exception:  # noqa: BLE001 - an unwritable cache only costs the rebuild
            pass
    return parser
