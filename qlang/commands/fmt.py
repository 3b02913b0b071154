"""``qlang fmt FILE... [--check | --diff]``: rewrite files in canonical style.

``--check`` and ``--diff`` write nothing and exit 1 when a file would change (``--diff``
prints the unified diff to stdout), so both work as CI checks.
"""

from __future__ import annotations

import difflib
import sys

import click

from qlang.commands._common import guarded


@click.command("fmt")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--check", is_flag=True, help="only report files that would change (exit 1)")
@click.option(
    "--diff", "show_diff", is_flag=True, help="print a diff instead of writing (exit 1 on changes)"
)
@guarded
def command(files: tuple[str, ...], check: bool, show_diff: bool) -> None:
    """Format .qml files (in place, atomically)."""
    from qlang.fileio import atomic_write_text, read_source
    from qlang.formatter import format_source

    changed = []
    for path in files:
        text = read_source(path)
        out = format_source(text, path)
        if out == text:
            continue
        changed.append(path)
        if show_diff:
            click.echo(
                "".join(
                    difflib.unified_diff(
                        text.splitlines(True),
                        out.splitlines(True),
                        f"{path} (original)",
                        f"{path} (formatted)",
                    )
                )
            )
        elif not check:
            atomic_write_text(path, out)
    verb = "would reformat" if check or show_diff else "reformatted"
    for path in changed:
        click.echo(f"{verb} {path}", err=True)
    if (check or show_diff) and changed:
        sys.exit(1)
