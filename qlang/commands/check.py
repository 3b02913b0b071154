"""``qlang check FILE...``: report every diagnostic, exit 0 when all files are clean."""

from __future__ import annotations

import json
import sys

import click

from qlang.commands._common import allow_option, guarded, memory_option, report_errors
from qlang.diagnostics import QLangError


@click.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    help="json prints machine-readable diagnostics for editors and tools",
)
@memory_option
@allow_option
@guarded
def command(
    files: tuple[str, ...], output_format: str, memory: str | None, allow: tuple[str, ...]
) -> None:
    """Check .qml files for errors without compiling or training.

    Each model must also fit the memory budget of the simulator it trains on.
    """
    from qlang.api import check
    from qlang.limits import memory_override

    memory_override()  # a malformed QLANG_MEMORY is one coded error, not one per file
    failed = False
    all_diags: list[dict[str, object]] = []
    for path in files:
        try:
            check(path, allow=allow, memory=memory)
        except QLangError as err:
            failed = True
            if output_format == "json":
                all_diags.extend(d.to_json(err.sources) for d in err.diagnostics)
            else:
                report_errors(err)
    if output_format == "json":
        click.echo(json.dumps(all_diags, indent=2))
    elif not failed:
        click.echo(f"ok: {len(files)} file{'s' if len(files) != 1 else ''} checked", err=True)
    sys.exit(1 if failed else 0)
