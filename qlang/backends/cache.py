"""The on-disk cache of circuits compiled for a backend, keyed by content hash.

Entries live in ``$QLANG_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/qlang/backends``
(``~/.cache/qlang/backends``): never inside a user's data or run folders. An entry is
the ISA circuit as qlang's IR JSON (no pickle) with its final layout; a second run of
the same circuit for the same Target and settings reads it instead of compiling. A
damaged entry is ignored and rewritten.

Example::

    >>> from qlang.ir.circuit import Circuit
    >>> len(key("isa", Circuit(1, ()), "t", 1, 0))
    64
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from qlang.ir.circuit import Circuit

FORMAT = "qlang-backend-cache-2"  # 2: layouts judged by estimated success


def folder() -> Path:
    """The cache folder (see the module docstring)."""
    explicit = os.environ.get("QLANG_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qlang" / "backends"


def key(kind: str, circuit: Circuit, *parts: Any) -> str:
    """The content hash of a circuit and the settings it is compiled with."""
    from qlang import __version__
    from qlang.targets.ir_json import circuit_to_json

    h = hashlib.sha256()
    for part in (FORMAT, __version__, kind, circuit_to_json(circuit), *map(repr, parts)):
        h.update(str(part).encode())
        h.update(b"\0")
    return h.hexdigest()


def load_circuit(digest: str) -> tuple[Circuit, tuple[int, ...]] | None:
    """The cached circuit and final layout, or ``None``."""
    from qlang.targets.ir_json import circuit_from_dict

    path = folder() / f"{digest}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        return circuit_from_dict(data["circuit"]), tuple(int(q) for q in data["final"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_circuit(digest: str, circuit: Circuit, final: tuple[int, ...]) -> None:
    """Write an entry atomically; a cache that cannot be written is skipped."""
    from qlang.targets.ir_json import circuit_to_dict

    text = json.dumps({"format": FORMAT, "circuit": circuit_to_dict(circuit), "final": list(final)})
    try:
        where = folder()
        where.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, where / f"{digest}.json")
    except OSError:
        return
