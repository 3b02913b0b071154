"""Shared helpers of ``qlang train``, ``predict`` and ``eval``: load the model and its source.

Example::

    >>> source_of("/nonexistent/m.qml")[0] is None
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
