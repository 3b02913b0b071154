"""``qlang lsp``: the language server for editors, over stdin/stdout (see docs/editors.md)."""

from __future__ import annotations

import sys

import click


@click.command("lsp")
@click.option(
    "--stdio",
    is_flag=True,
    help="Talk LSP over stdin/stdout (the default; accepted for editors that pass it).",
)
def command(stdio: bool) -> None:
    """Run the language server (diagnostics, hover, completion, definitions, formatting)."""
    from qlang.lsp import main

    try:
        main()
    except ImportError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
