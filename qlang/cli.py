"""The ``qlang`` command line.

Each sub-command lives in its own module under :mod:`qlang.commands` and
exposes a click command named ``command``; this module only assembles them
and turns errors into exit codes (1: bad input with diagnostics, 2: internal
error).
"""

from __future__ import annotations

import importlib
import sys

import click

#: Sub-command modules, in help order.
COMMAND_MODULES: tuple[str, ...] = (
    "qlang.commands.check",
    "qlang.commands.fmt",
    "qlang.commands.inspect",
    "qlang.commands.compile",
    "qlang.commands.passes",
    "qlang.commands.train",
    "qlang.commands.predict",
    "qlang.commands.eval",
    "qlang.commands.lsp",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qlang")
def main() -> None:
    """qlang: one file describes a quantum machine-learning experiment."""


for _mod in COMMAND_MODULES:
    main.add_command(importlib.import_module(_mod).command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
