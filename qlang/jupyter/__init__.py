"""qlang in Jupyter: ``%load_ext qlang`` gives the ``%%qlang`` cell magic, rich displays
and a live training progress display.

- ``%%qlang`` (or ``%%qlang check``): check the model written in the cell, as
  ``qlang check`` does; diagnostics are shown inline, a clean model is displayed (its
  settings, resources and circuit) and stored in a variable named after it;
- ``%%qlang train [--epochs N] [--seed S] [--out DIR]``: check, then train with a live
  progress display; shows the curve and the metrics;
- ``%%qlang compile [--target T] [--device SPEC] [-O N]``: check, then compile; shows
  the circuit, its stats and its layout.

``--name VAR`` chooses the variable the result is stored in. Models, compiled circuits,
training results and diagnostics (``QLangError``) also display richly anywhere
(:mod:`qlang.jupyter.render`). Needs IPython (the optional extra ``jupyter``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Register the ``%%qlang`` magic and the notebook progress display."""
    from qlang.jupyter.magic import QLangMagics
    from qlang.jupyter.progress import factory
    from qlang.train import progress

    ipython.register_magics(QLangMagics)
    progress.DISPLAY = factory


def unload_ipython_extension(ipython: Any) -> None:
    from qlang.train import progress

    progress.DISPLAY = None
