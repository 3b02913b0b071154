"""File input and output: reading files with diagnostics, atomic writes.

Every file qlang reads goes through :func:`read_bytes`: it refuses what is not a regular
file (devices, pipes, sockets, ``/proc``: ``QL0802``) without blocking on it, reads at
most a size limit (``QL0803``) and, for files a model names, applies the file access
policy of :mod:`qlang.access` (``QL0801``). :func:`read_source` adds the UTF-8 decoding
of ``.qml`` sources (``QL0011``). Messages name files but never quote their contents.

Example::

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write_text(d / "a.txt", "hello")
    >>> (d / "a.txt").read_text()
    'hello'
    >>> read_source(d / "a.txt")
    'hello'
"""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from qlang import access
from qlang.diagnostics import Diagnostic, QLangError
from qlang.limits import MAX_SOURCE_BYTES, format_bytes
from qlang.source import Span


def exists(path: str | Path) -> bool:
    """``Path.exists`` that answers ``False`` for names the OS cannot even look up
    (too long, a NUL byte, no permission on a parent) instead of raising."""
    try:
        return Path(path).exists()
    except (OSError, ValueError):
        return False


def is_file(path: str | Path) -> bool:
    """``Path.is_file`` with the same tolerance as :func:`exists`."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False


def _error(code: str, message: str, span: Span | None, help: str | None = None) -> QLangError:
    return QLangError([Diagnostic.error(code, message, span, help=help)])


def _open_error(p: Path, exc: OSError, what: str, span: Span | None) -> QLangError:
    if isinstance(exc, FileNotFoundError):
        return _error("QL0010", f"{what} `{p}` not found", span, help="check the path")
    if isinstance(exc, IsADirectoryError):
        return _error("QL0010", f"{what} `{p}` is a directory, not a file", span)
    if isinstance(exc, PermissionError):
        return _error("QL0010", f"{what} `{p}` cannot be read: permission denied", span)
    if exc.errno == errno.ELOOP:
        return _error("QL0010", f"{what} `{p}` is a loop of symbolic links", span)
    reason = exc.strerror or type(exc).__name__
    return _error("QL0010", f"cannot read {what} `{p}`: {reason}", span)


def read_bytes(
    path: str | Path,
    *,
    what: str = "file",
    limit: int = MAX_SOURCE_BYTES,
    span: Span | None = None,
    policy: bool = False,
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or a coded error.

    With ``policy`` the file access policy in force is applied first (files a model
    names); without it only the special-file and size rules.
    """
    p = Path(path)
    if "\x00" in str(p):
        raise _error("QL0010", f"{what} path contains a NUL byte", span)
    try:
        real = access.check_path(p, what=what, span=span) if policy else access.resolve(p, what=what, span=span)
    except OSError as exc:
        raise _error("QL0010", f"cannot resolve {what} `{p}`: {exc}", span) from None
    if not policy and access.is_special(real):
        raise _error(
            "QL0802",
            f"{what} `{p}` is a device or kernel file, not a regular file",
            span,
            help="name a regular file",
        )
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _open_error(p, exc, what, span) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _error("QL0010", f"{what} `{p}` is a directory, not a file", span)
        if not stat.S_ISREG(info.st_mode):
            raise _error(
                "QL0802",
                f"{what} `{p}` is not a regular file (a device, pipe or socket)",
                span,
                help="name a regular file",
            )
        if info.st_size > limit:
            raise _too_large(p, what, limit, span)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise _too_large(p, what, limit, span)
        return b"".join(chunks)
    except OSError as exc:
        raise _open_error(p, exc, what, span) from None
    finally:
        os.close(fd)


def open_text(
    path: str | Path,
    *,
    what: str = "file",
    limit: int,
    span: Span | None = None,
    policy: bool = False,
) -> io.TextIOWrapper:
    """A UTF-8 text stream of a regular file of at most ``limit`` bytes (checked as
    :func:`read_bytes` does, without reading it whole); the caller closes it."""
    p = Path(path)
    if "\x00" in str(p):
        raise _error("QL0010", f"{what} path contains a NUL byte", span)
    real = access.check_path(p, what=what, span=span) if policy else access.resolve(p, what=what, span=span)
    if not policy and access.is_special(real):
        raise _error("QL0802", f"{what} `{p}` is a device or kernel file, not a regular file", span)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _open_error(p, exc, what, span) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _error("QL0010", f"{what} `{p}` is a directory, not a file", span)
        if not stat.S_ISREG(info.st_mode):
            raise _error(
                "QL0802", f"{what} `{p}` is not a regular file (a device, pipe or socket)", span
            )
        if info.st_size > limit:
            raise _too_large(p, what, limit, span)
        return open(fd, encoding="utf-8", errors="strict", newline="")
    except BaseException:
        os.close(fd)
        raise


def _too_large(p: Path, what: str, limit: int, span: Span | None) -> QLangError:
    return _error(
        "QL0803",
        f"{what} `{p}` is larger than the limit of {format_bytes(limit)}",
        span,
        help="split the file, or check that the path names the file you meant",
    )


def decode_text(data: bytes, p: Path | str, what: str = "file", span: Span | None = None) -> str:
    """UTF-8 text without NUL bytes or a byte-order mark, else ``QL0011``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _error(
            "QL0011", f"{what} `{p}` is not valid UTF-8 (byte {e.start})", span, "save it as UTF-8"
        ) from None
    if "\x00" in text:
        raise _error("QL0011", f"{what} `{p}` contains NUL bytes: not a text file", span)
    return text.lstrip("\ufeff")


def read_source(
    path: str | Path,
    *,
    what: str = "source file",
    span: Span | None = None,
    policy: bool = False,
    limit: int = MAX_SOURCE_BYTES,
) -> str:
    """Read a UTF-8 source file; every way it can fail is a coded diagnostic."""
    data = read_bytes(path, what=what, limit=limit, span=span, policy=policy)
    return decode_text(data, path, what, span)


def read_json(
    path: str | Path,
    *,
    what: str,
    code: str,
    limit: int,
    span: Span | None = None,
    policy: bool = False,
) -> Any:
    """The parsed JSON of a file; unreadable or invalid files are coded errors (``code``
    for invalid JSON: a syntax error, nesting too deep, or a non-finite number)."""
    data = read_bytes(path, what=what, limit=limit, span=span, policy=policy)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _error(code, f"{what} `{path}` is not valid UTF-8 (byte {e.start})", span) from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise _error(
            code, f"{what} `{path}` is not valid JSON: {exc.msg} (line {exc.lineno})", span
        ) from None
    except (ValueError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise _error(code, f"{what} `{path}` is not valid JSON: {why}", span) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"`{name}` is not a JSON number")


def atomic_write_bytes(path: str | Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` so readers never see a half-written file.

    The file gets ``mode`` (default: ``0o666`` minus the umask, like a plain ``open``).
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_output(path: str | Path, data: bytes | str, *, what: str = "output file") -> None:
    """Write a command's output file atomically; failures are ``QL0805`` (nothing written)."""
    p = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if p.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        atomic_write_bytes(p, raw)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or "not a valid path"
        raise _error(
            "QL0805",
            f"cannot write {what} `{p}`: {reason.lower()}",
            None,
            help="choose a writable path; nothing was written",
        ) from None
