"""The file access policy: which files a model may make qlang read.

A model names files in imports (``import "lib/shared.qml"``), data (``csv("d.csv")``)
and devices (``target { device = "dev.json" }``). Each path is relative to the folder of
the file that names it and must stay inside the model's *project tree*: the nearest
folder at or above the model's folder that holds ``pyproject.toml``, ``qlang.toml`` or
``.git``, else the model's own folder. Symbolic links are followed first, so a link that
leaves the tree is refused like a path that does. ``--allow-path DIR`` (CLI) or
``allow=[...]`` (Python API) adds folders. The standard library is always readable.

The policy in force is a context variable, set by the entry points (the CLI commands
and ``qlang.check/compile/load_model/load``) for the duration of one operation; code
that reads a file named by a model asks :func:`check_path`. With no policy set (a Python
caller passing a path of their own) only the special-file and size rules apply.

Example::

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()).resolve()
    >>> (root / "pyproject.toml").write_text("")
    0
    >>> (root / "models").mkdir()
    >>> policy = AccessPolicy.for_file(root / "models" / "m.qml")
    >>> policy.roots == (root,)
    True
    >>> policy.allows(root / "data" / "d.csv"), policy.allows(root.parent / "x.qml")
    (True, False)
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from qlang.diagnostics import Diagnostic, QLangError
from qlang.source import Span

#: Files whose presence marks the root of a project tree.
PROJECT_MARKERS = ("pyproject.toml", "qlang.toml", ".git")
#: Kernel and device file systems never read, whatever the policy.
SPECIAL_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))


def resolve(path: Path, *, what: str = "file", span: Span | None = None) -> Path:
    """``path`` with every symbolic link followed; a loop of links is ``QL0010``."""
    try:
        return path.resolve()
    except (RuntimeError, OSError, ValueError):  # a symlink loop, an unreadable parent
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0010", f"{what} `{path}` cannot be resolved (a loop of symbolic links?)", span
                )
            ]
        ) from None


def project_root(folder: Path) -> Path:
    """The nearest folder at or above ``folder`` holding a project marker, else ``folder``."""
    folder = resolve(folder, what="folder")
    for candidate in (folder, *folder.parents):
        if any(_exists(candidate / m) for m in PROJECT_MARKERS):
            return candidate
    return folder


def _exists(p: Path) -> bool:
    try:
        return p.exists()
    except (OSError, ValueError):
        return False


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


@dataclass(frozen=True)
class AccessPolicy:
    """The folders (resolved) whose files a model may read."""

    roots: tuple[Path, ...]

    @staticmethod
    def for_file(path: str | Path, allow: Iterable[str | Path] = ()) -> AccessPolicy:
        """The policy of a model file: its project tree plus the ``allow`` folders."""
        folder = resolve(Path(path), what="model file").parent
        return AccessPolicy.for_folder(folder, allow)

    @staticmethod
    def for_folder(folder: str | Path, allow: Iterable[str | Path] = ()) -> AccessPolicy:
        roots = [project_root(Path(folder))]
        roots += [resolve(Path(a), what="allowed folder") for a in allow]
        return AccessPolicy(tuple(dict.fromkeys(roots)))

    def allows(self, path: Path) -> bool:
        """Whether ``path`` (after following symbolic links) is inside a root."""
        try:
            real = path.resolve()
        except (RuntimeError, OSError, ValueError):
            return False
        return any(_inside(real, r) for r in self.roots)

    def describe(self) -> str:
        first, *rest = self.roots
        text = f"the project tree `{first}`"
        if rest:
            text += " and the allowed folders " + ", ".join(f"`{r}`" for r in rest)
        return text


_POLICY: contextvars.ContextVar[AccessPolicy | None] = contextvars.ContextVar(
    "qlang_access_policy", default=None
)


def current() -> AccessPolicy | None:
    """The policy in force (``None``: no tree restriction)."""
    return _POLICY.get()


@contextlib.contextmanager
def using(policy: AccessPolicy | None) -> Iterator[AccessPolicy | None]:
    """Run the block under ``policy`` (``None`` keeps the one in force)."""
    if policy is None:
        yield current()
        return
    token = _POLICY.set(policy)
    try:
        yield policy
    finally:
        _POLICY.reset(token)


@contextlib.contextmanager
def unrestricted() -> Iterator[None]:
    """No tree restriction for the block: for files a user names on the command line."""
    token = _POLICY.set(None)
    try:
        yield
    finally:
        _POLICY.reset(token)


@contextlib.contextmanager
def for_model(path: str | Path | None, allow: Iterable[str | Path] = ()) -> Iterator[None]:
    """The policy of the model file ``path`` for the block, unless one is already in force.

    An outer policy (set by the CLI with its ``--allow-path`` folders) wins; ``allow``
    folders given here are added to it.
    """
    outer = current()
    allow = tuple(allow)
    if outer is not None:
        policy = AccessPolicy((*outer.roots, *(resolve(Path(a), what="folder") for a in allow)))
    elif path is not None:
        policy = AccessPolicy.for_file(path, allow)
    else:
        policy = AccessPolicy.for_folder(Path.cwd(), allow)
    with using(policy):
        yield


def is_special(real: Path) -> bool:
    """Paths under ``/proc``, ``/sys`` or ``/dev`` (resolved)."""
    return any(_inside(real, root) for root in SPECIAL_ROOTS)


def check_path(path: Path, *, what: str, span: Span | None = None) -> Path:
    """``path`` resolved, or a coded error when the policy in force does not allow it.

    ``QL0802`` for kernel/device files (always), ``QL0801`` outside the policy's roots.
    """
    real = resolve(path, what=what, span=span)
    if is_special(real):
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0802",
                    f"{what} `{path}` is a device or kernel file, not a regular file",
                    span,
                    help="name a regular file inside the project",
                )
            ]
        )
    policy = current()
    if policy is not None and not any(_inside(real, r) for r in policy.roots):
        notes = []
        if path.absolute() != real and policy.allows(path.absolute().parent):
            notes.append(f"`{path}` is a symbolic link to a file outside it")
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0801",
                    f"{what} `{path}` is outside {policy.describe()}",
                    span,
                    notes=notes,
                    help="move the file into the project, or allow its folder with "
                    "`--allow-path DIR`",
                )
            ]
        )
    return real
