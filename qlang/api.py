"""The public Python API of the front end.

Example::

    >>> import qlang
    >>> m = qlang.parse("circuit bell() on q[2] { h q[0]; cx q[0], q[1]; }")
    >>> m.items[0].name
    'bell'
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qlang import ast
from qlang.parser import parse as _parse

if TYPE_CHECKING:
    from qlang.train.estimator import QLangEstimator


def parse(text: str, filename: str = "<string>") -> ast.Module:
    """Parse source text into an AST; raises :class:`qlang.QLangError` on bad input."""
    return _parse(text, filename)


def load(
    path: str | Path,
    *,
    weights: str | Path | None = None,
    model: str | None = None,
    allow: Iterable[str | Path] = (),
    **params: Any,
) -> QLangEstimator:
    """A scikit-learn compatible estimator for the model of a ``.qml`` file.

    With ``weights`` (a ``qlang train --out`` folder) the estimator is already fitted;
    otherwise call ``fit(X, y)`` or ``fit()`` to train on the model's own data.
    ``params`` are estimator hyperparameters (``epochs``, ``seed``, ``batch_size``,
    ``learning_rate``, ``quiet``); ``allow`` adds folders the model may read files from
    (see :mod:`qlang.access`)::

        est = qlang.load("examples/iris_vqc.qml", epochs=5)
        est.fit(X_train, y_train).score(X_test, y_test)
    """
    from qlang.driver import load_model
    from qlang.train.estimator import QLangEstimator

    m = load_model(path, model=model, allow=allow)
    if weights is not None:
        return QLangEstimator.from_artifacts(m, weights, **params)
    return QLangEstimator(m, **params)


def check(
    path: str | Path,
    *,
    text: str | None = None,
    allow: Iterable[str | Path] = (),
    memory: int | str | None = None,
    simulate: bool = True,
) -> ast.Module:
    """Read, parse and check a file; raises :class:`qlang.QLangError` with every diagnostic.

    The same entry path as ``qlang check``: size and encoding limits, the parser's depth
    limits, the file access policy (``allow`` adds folders), and for each model the
    simulator's memory budget (``memory``: bytes or ``"16G"``; default ``QLANG_MEMORY``
    or the available memory). ``simulate=False`` skips the memory check (a model that
    is only compiled). ``text`` checks these contents as the file ``path`` (an editor's
    unsaved buffer: imports are still resolved relative to ``path``).
    """
    from qlang import driver
    from qlang.limits import memory_budget_set

    with memory_budget_set(memory):
        if text is None:
            return driver.check_file(Path(path), allow=allow, simulate=simulate)
        return driver.check_source(text, path, allow=allow, simulate=simulate)
