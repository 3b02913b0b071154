"""Shared plumbing for CLI commands: exit codes and error reporting.

Exit codes: 0 success, 1 bad input (diagnostics printed), 2 internal error.
"""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import click

from qlang.diagnostics import QLangError

F = TypeVar("F", bound=Callable[..., Any])

REPORT_HINT = "this is a bug in qlang: please report it with the input that caused it"


def report_errors(err: QLangError, fmt: str = "text") -> None:
    if fmt == "json":
        click.echo(json.dumps([d.to_json(err.sources) for d in err.diagnostics], indent=2))
    else:
        click.echo(err.render(), err=True)
        n = sum(1 for d in err.diagnostics if d.severity.value == "error")
        click.echo(f"\n{n} error{'s' if n != 1 else ''} found", err=True)


def guarded(func: F) -> F:
    """Turn ``QLangError`` into exit 1 and any other exception into an internal error (2)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except QLangError as err:
            fmt = kwargs.get("output_format", "text")
            report_errors(err, fmt)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo(f"note: {REPORT_HINT}", err=True)
            click.echo("".join(traceback.format_exception(exc)[-3:]).rstrip(), err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]
