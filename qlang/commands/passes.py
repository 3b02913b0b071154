"""``qlang passes``: list the registered passes, or show a pipeline.

Example::

    $ qlang passes
    $ qlang passes -O3 --basis ibm        # the -O3 pipeline as a --passes spec
    $ qlang passes --passes "merge-rotations,basis-translation{basis=ibm}" --json
    $ qlang passes -O2 --device heavy_hex:eagle     # with layout and routing
"""

from __future__ import annotations

import click

from qlang.commands._common import guarded


@click.command("passes")
@click.option("-O", "level", type=int, default=None, help="Show the preset pipeline of this level.")
@click.option("--passes", "spec", default=None, help="Parse and show a custom pipeline.")
@click.option("--basis", default=None, help="Target basis for -O (name or gate list).")
@click.option("--device", default=None, help="Device for the routing passes (e.g. line(5)).")
@click.option("--json", "as_json", is_flag=True, help="Print the pipeline as JSON.")
@guarded
def command(
    level: int | None, spec: str | None, basis: str | None, device: str | None, as_json: bool
) -> None:
    """List the optimisation passes, or print a pipeline."""
    from qlang.passes.cli import pipeline_from_cli
    from qlang.passes.registry import REGISTRY, available_passes

    if level is None and spec is None:
        for name in available_passes():
            cls = REGISTRY.get(name)
            doc = "repeat passes until nothing changes (bounded)"
            if cls is not None:
                doc = (cls.__doc__ or "").strip().splitlines()[0]
            click.echo(f"{name:<24} {doc}")
        return
    from qlang.devices import parse_device

    dev = parse_device(device) if device else None
    pipe = pipeline_from_cli(spec, level or 0, (), False, True, basis, dev)
    click.echo(pipe.to_json() if as_json else pipe.spec())
