"""Shared helpers of ``qlang train``, ``predict`` and ``eval``: load the model and its source.

Example::

    >>> source_of("/nonexistent/m.qml")[0] is None
    True
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from qlang.diagnostics import InternalError, QLangError


def load_model(path: str) -> Any:
    """The Model IR of a ``.qml`` file, through the front end's one entry path."""
    try:
        from qlang.driver import load_model as _load  # provided by the front end
    except ModuleNotFoundError as exc:
        if exc.name not in ("qlang.driver",):
            raise
        raise InternalError("this build has no front end (`qlang.driver.load_model`)") from exc
    except ImportError as exc:
        raise InternalError("this build has no front end (`qlang.driver.load_model`)") from exc
    return _load(path)


def load_trained_model(path: str, backend: str | None) -> tuple[Any, Path]:
    """The model of ``predict``, ``eval`` and ``run``: loaded, with ``--backend`` applied
    (for evaluation, not training), checked against the memory budget; and its folder."""
    from qlang.resources import check_model_memory
    from qlang.train.execution import with_backend

    model = with_backend(load_model(path), backend, training=False)
    check_model_memory(model)
    return model, source_of(path)[1]


def source_of(path: str) -> tuple[str | None, Path]:
    """The model's source text (read like every source: limits, UTF-8) and its folder."""
    from qlang.fileio import read_source

    p = Path(path)
    try:
        return read_source(p), p.resolve().parent
    except (QLangError, RuntimeError, OSError):
        return None, p.absolute().parent


def ray_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--ray`` / ``--ray-address ADDR`` / ``--no-ray`` of ``eval`` and ``predict``: the
    ``ray`` argument of :func:`qlang.train.api.evaluate` (:func:`ray_choice`)."""
    fn = click.option("--no-ray", is_flag=True,
                      help="Compute in this process even if the model says `distribute`.")(fn)  # fmt: skip
    fn = click.option("--ray-address", default=None, metavar="ADDR",
                      help='Distribute on the Ray cluster at ADDR ("auto" or "host:port").')(fn)  # fmt: skip
    return click.option("--ray", "use_ray", is_flag=True,
                        help="Distribute the kernel tiles / batch blocks / cut subexperiments "
                        "on a local Ray cluster (default: as the model's `distribute`).")(fn)  # fmt: skip


def ray_choice(use_ray: bool, ray_address: str | None, no_ray: bool) -> bool | str | None:
    """``None`` (the model's ``distribute``), ``True`` / the address, or ``False``."""
    if no_ray and (use_ray or ray_address):
        raise click.UsageError("`--no-ray` computes in this process: drop `--ray`/`--ray-address`")
    if no_ray:
        return False
    return ray_address or (True if use_ray else None)
