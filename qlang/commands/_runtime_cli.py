"""Shared helpers of ``qlang train``, ``predict`` and ``eval``: load the model, report errors.

Example::

    >>> import click
    >>> with_errors(lambda: 3)()
    3
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from qlang.diagnostics import InternalError, QLangError

T = TypeVar("T")


def load_model(path: str) -> Any:
    """The Model IR of a ``.qml`` file (front end imported lazily)."""
    try:
        from qlang.driver import load_model as _load  # provided by the front end
    except ModuleNotFoundError as exc:
        if exc.name not in ("qlang.driver",):
            raise
        raise InternalError("this build has no front end (`qlang.driver.load_model`)") from exc
    return _load(path)


def with_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """Print diagnostics instead of tracebacks: exit 1 for bad input, 2 for internal errors."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except QLangError as err:
            click.echo(err.render(), err=True)
            sys.exit(1)
        except InternalError as err:
            click.echo(f"internal error: {err}", err=True)
            sys.exit(2)

    return wrapper


def source_of(path: str) -> tuple[str | None, Path]:
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8"), p.resolve().parent
    except OSError:
        return None, Path.cwd()
