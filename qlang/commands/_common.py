"""Shared plumbing for CLI commands: the exit-code contract, error reporting, options.

Every command follows one contract:

* ``0``: success;
* ``1``: bad input or usage: coded diagnostics on stderr, never a traceback;
* ``2``: an internal error (a bug in qlang): a short message saying so and where to
  report it; the traceback only with ``qlang --debug`` or ``QLANG_DEBUG=1``.

Example::

    >>> internal_error_lines(ZeroDivisionError("division by zero"), debug=False)[0]
    'internal error: ZeroDivisionError: division by zero'
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from qlang.diagnostics import InternalError, QLangError

F = TypeVar("F", bound=Callable[..., Any])

REPORT_HINT = (
    "this is a bug in qlang, not a problem with your input: please report it to the qlang "
    "maintainers (the issue tracker of the repository you installed qlang from) with the "
    "command you ran and its input files"
)
DEBUG_HINT = "run again with `qlang --debug ...` or `QLANG_DEBUG=1` to see the traceback"

_debug = False


def set_debug(on: bool) -> None:
    global _debug
    _debug = on


def debug_enabled() -> bool:
    """``--debug`` was given or ``QLANG_DEBUG`` is set to a true value."""
    env = os.environ.get("QLANG_DEBUG", "").strip().lower()
    return _debug or env not in ("", "0", "false", "no", "off")


def report_errors(err: QLangError, fmt: str = "text") -> None:
    if fmt == "json":
        click.echo(json.dumps([d.to_json(err.sources) for d in err.diagnostics], indent=2))
    else:
        click.echo(err.render(), err=True)
        n = sum(1 for d in err.diagnostics if d.severity.value == "error")
        click.echo(f"\n{n} error{'s' if n != 1 else ''} found", err=True)


def internal_error_lines(exc: BaseException, debug: bool | None = None) -> list[str]:
    """The lines printed for an internal error (exit 2)."""
    debug = debug_enabled() if debug is None else debug
    message = str(exc).splitlines()[0][:300] if str(exc) else ""
    lines = [f"internal error: {type(exc).__name__}" + (f": {message}" if message else "")]
    if isinstance(exc, MemoryError):
        lines.append("note: qlang ran out of memory where a limit should have stopped it first")
    if isinstance(exc, RecursionError):
        lines.append("note: qlang recursed too deeply where a limit should have stopped it first")
    lines.append(f"note: {REPORT_HINT}")
    if debug:
        lines.append("".join(traceback.format_exception(exc)).rstrip())
    else:
        lines.append(f"note: {DEBUG_HINT}")
    return lines


def exit_internal(exc: BaseException) -> None:
    for line in internal_error_lines(exc):
        click.echo(line, err=True)
    sys.exit(2)


def exit_quietly_on_broken_pipe() -> None:
    """The reader went away (``qlang fmt --diff | head``): not an error of ours."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(0)


def guarded(func: F) -> F:
    """The exit-code contract around one command: ``QLangError`` -> 1, a bug -> 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except QLangError as err:
            report_errors(err, kwargs.get("output_format", "text"))
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            raise
        except BrokenPipeError:
            exit_quietly_on_broken_pipe()
        except InternalError as exc:
            exit_internal(exc)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            exit_internal(exc)

    return wrapper  # type: ignore[return-value]


# --- options shared by the commands that read models and run things ------------------


def memory_option(func: F) -> F:
    return click.option(
        "--memory",
        "memory",
        default=None,
        metavar="SIZE",
        help="memory budget for simulation, e.g. 8G or 512M (default: QLANG_MEMORY, "
        "else the available memory)",
    )(func)


def shots_option(func: F) -> F:
    """``--shots N``: sample every circuit execution with ``N`` shots (overrides the model's
    ``train { shots }`` and ``target { shots }``)."""
    return click.option(
        "--shots",
        "shots",
        type=click.IntRange(min=1, max=10**9),
        default=None,
        help="Sample every circuit execution with N shots (overrides the model's shots).",
    )(func)


def backend_option(func: F) -> F:
    """``--backend SPEC``: run on this backend (written as in the model file; overrides
    ``target { backend }``)."""
    return click.option(
        "--backend",
        "backend",
        default=None,
        metavar="SPEC",
        help='Run on this backend, e.g. \'fake("sherbrooke")\' or \'aer()\' (overrides '
        "the model's target backend).",
    )(func)


def allow_option(func: F) -> F:
    return click.option(
        "--allow-path",
        "allow",
        multiple=True,
        metavar="DIR",
        type=click.Path(file_okay=False),
        help="also let the model read files under DIR (default: only its project tree)",
    )(func)


@contextlib.contextmanager
def model_scope(
    file: str | Path | None, memory: str | None = None, allow: Sequence[str] = ()
) -> Iterator[None]:
    """For the duration of a command: the memory budget and the model's file access policy."""
    from qlang import access
    from qlang.limits import memory_budget_set, memory_override

    memory_override()  # a malformed QLANG_MEMORY is a coded error before any work
    with memory_budget_set(memory):
        policy = access.AccessPolicy.for_file(file, allow) if file is not None else None
        with access.using(policy):
            yield
