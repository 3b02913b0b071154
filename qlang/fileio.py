"""File input and output: reading sources with diagnostics, atomic writes.

Example::

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write_text(d / "a.txt", "hello")
    >>> (d / "a.txt").read_text()
    'hello'
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from qlang.diagnostics import Diagnostic, QLangError


def read_source(path: str | Path) -> str:
    """Read a UTF-8 source file; unreadable files become coded diagnostics."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise QLangError(
            [Diagnostic.error("QL0010", f"file not found: `{p}`", help="check the path")]
        ) from None
    except IsADirectoryError:
        raise QLangError(
            [Diagnostic.error("QL0010", f"`{p}` is a directory, not a file")]
        ) from None
    except OSError as e:
        raise QLangError([Diagnostic.error("QL0010", f"cannot read `{p}`: {e.strerror}")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0011",
                    f"`{p}` is not valid UTF-8 (byte {e.start})",
                    help="save the file as UTF-8",
                )
            ]
        ) from None
    if "\x00" in text:
        raise QLangError([Diagnostic.error("QL0011", f"`{p}` contains NUL bytes: not a text file")])
    return text.lstrip("\ufeff")


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers never see a half-written file."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
