"""Imported modules, loaded once for the whole language server.

A :class:`ModuleCache` keeps every module a document imported (stdlib modules and
local files) with the diagnostics its loading produced. A :class:`CachingLoader` (the
checker's :class:`~qlang.semantics.loader.Loader`) takes modules from it instead of
loading them again. A local file is reused while its size and modification time (and
those of everything it imports) are unchanged; a module whose loading involved the
document being checked (an import cycle) is never reused.

Loaded modules are read-only to the checker (lowering works in child scopes), so one
module object may serve many checks; a test compares cached and fresh checks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from qlang.diagnostics import Diagnostic
from qlang.semantics import codes as C
from qlang.semantics.loader import Loader, Module

__all__ = ["CachingLoader", "ModuleCache"]


@dataclass(frozen=True)
class _Entry:
    module: Module
    diagnostics: tuple[Diagnostic, ...]
    stamp: tuple[int, int] | None  # (size, mtime_ns) of a file; None for the stdlib
    deps: tuple[str, ...]  # keys of the modules its loading loaded


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


class ModuleCache:
    """Loaded imported modules by loader key (``stdlib:NAME`` or a resolved path)."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> _Entry | None:
        e = self._entries.get(key)
        if e is None or not self._valid(key, set()):
            return None
        return e

    def _valid(self, key: str, seen: set[str]) -> bool:
        if key in seen:
            return True
        seen.add(key)
        e = self._entries.get(key)
        if e is None:
            return False
        if e.stamp is not None and e.module.path is not None and _stamp(e.module.path) != e.stamp:
            del self._entries[key]
            return False
        return all(self._valid(d, seen) for d in e.deps)

    def put(self, key: str, entry: _Entry) -> None:
        self._entries[key] = entry

    def forget(self, path: str | Path) -> None:
        """Drop a file's module (and, lazily, everything that imported it)."""
        self._entries.pop(str(Path(path).resolve()), None)

    def modules(self) -> list[Module]:
        return [e.module for e in self._entries.values()]


class CachingLoader(Loader):
    """A checker loader that reuses the modules of a :class:`ModuleCache`.

    ``document`` is the key of the file being checked: modules whose loading
    reached it (cycles) are not cached.
    """

    def __init__(self, cache: ModuleCache, document: str) -> None:
        super().__init__()
        self.cache = cache
        self.document = document

    def load_stdlib(self, name: str) -> Module:
        return self._cached(f"stdlib:{name}", lambda: Loader.load_stdlib(self, name), None)

    def load_path(self, path: str | Path) -> Module:
        p = Path(path).resolve()
        return self._cached(str(p), lambda: Loader.load_path(self, path), p)

    def _cached(self, key: str, load, path: Path | None) -> Module:  # type: ignore[no-untyped-def]
        if key in self.modules:
            return self.modules[key]
        hit = self.cache.get(key) if key != self.document else None
        if hit is not None:
            self.cache.hits += 1
            self._adopt(key, hit)
            return hit.module
        self.cache.misses += 1
        before_modules = set(self.modules)
        before_diags = len(self.diagnostics)
        stamp = _stamp(path) if path is not None else None
        module = load()
        deps = tuple(k for k in self.modules if k not in before_modules and k != key)
        own = tuple(self.diagnostics[before_diags:])
        cycle = any(d.code == C.IMPORT_CYCLE for d in own) or self.document in deps
        if key != self.document and not cycle and (path is None or stamp is not None):
            self.cache.put(key, _Entry(module, own, stamp, deps))
        return module

    def _adopt(self, key: str, entry: _Entry) -> None:
        """Register a cached module (and its imports) as if loaded here, with its diagnostics."""
        self.modules[key] = entry.module
        self.diagnostics.extend(entry.diagnostics)
        for dep in entry.deps:
            if dep not in self.modules:
                sub = self.cache.get(dep)
                if sub is not None:
                    self.modules[dep] = sub.module
