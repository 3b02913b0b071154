"""The ``qlang`` command line.

Each sub-command lives in its own module under :mod:`qlang.commands` and exposes a
click command named ``command``; this module assembles them and owns the exit-code
contract (see :mod:`qlang.commands._common`): 0 success, 1 bad input or usage (a coded
diagnostic, never a traceback; click's own usage errors included, which click would
exit with 2), 2 an internal error (the traceback only with ``--debug`` or
``QLANG_DEBUG=1``). An interrupted command (Ctrl-C) exits with 130.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from qlang.commands._common import (
    exit_internal,
    exit_quietly_on_broken_pipe,
    report_errors,
    set_debug,
)
from qlang.diagnostics import Diagnostic, QLangError

#: Sub-command modules, in help order.
COMMAND_MODULES: tuple[str, ...] = (
    "qlang.commands.check",
    "qlang.commands.fmt",
    "qlang.commands.inspect",
    "qlang.commands.compile",
    "qlang.commands.passes",
    "qlang.commands.train",
    "qlang.commands.sweep",
    "qlang.commands.runs",
    "qlang.commands.predict",
    "qlang.commands.eval",
    "qlang.commands.run",
    "qlang.commands.lsp",
)


def _usage_error(err: click.ClickException) -> QLangError:
    """A click usage error as the coded diagnostic ``QL0880``."""
    ctx = getattr(err, "ctx", None)
    hint = None
    if ctx is not None:
        hint = f"`{ctx.command_path} --help` lists the options"
    message = err.format_message().strip().rstrip(".")
    message = message[:1].lower() + message[1:]
    return QLangError([Diagnostic.error("QL0880", message, help=hint)])


class QlangGroup(click.Group):
    """A click group whose every exit follows the contract."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        cut = argv.index("--") if "--" in argv else len(argv)
        if "--debug" in argv[:cut]:  # `--debug` anywhere before `--`
            set_debug(True)
            argv = [a for a in argv[:cut] if a != "--debug"] + argv[cut:]
        if any("\x00" in a for a in argv):  # impossible from a shell; click would crash
            report_errors(
                QLangError([Diagnostic.error("QL0880", "an argument contains a NUL byte")])
            )
            sys.exit(1)
        try:
            rv = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as err:  # usage errors, bad option values, missing files
            report_errors(_usage_error(err))
            sys.exit(1)
        except click.Abort:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except QLangError as err:
            report_errors(err)
            sys.exit(1)
        except BrokenPipeError:
            exit_quietly_on_broken_pipe()
        except SystemExit:
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence: a bug
            exit_internal(exc)
        finally:
            set_debug(False)
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=QlangGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qlang")
@click.option(
    "--debug",
    is_flag=True,
    help="show the traceback of internal errors (also QLANG_DEBUG=1)",
)
def main(debug: bool) -> None:
    """qlang: one file describes a quantum machine-learning experiment.

    Exit codes: 0 success, 1 bad input or usage (coded diagnostics), 2 internal error.
    """


for _mod in COMMAND_MODULES:
    main.add_command(importlib.import_module(_mod).command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
