"""The ``%%qlang`` cell magic: check, train or compile the model written in a cell.

The cell is checked exactly as ``qlang check`` checks a file (:func:`qlang.check` with
the cell as the file's text; imports resolve relative to the notebook's working
directory), so a cell shows the same coded diagnostics. ``train`` and ``compile`` run
only on a clean check.
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.display import HTML, display

from qlang.diagnostics import QLangError

__all__ = ["QLangMagics", "TrainingRun"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="%%qlang", add_help=False, exit_on_error=False)
    p.add_argument("action", nargs="?", default="check", choices=["check", "train", "compile"])
    p.add_argument("--name", default=None, help="variable to store the result in")
    p.add_argument("--model", default=None, help="the model of the cell to use")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--out", default=None, help="artifact folder (train)")
    p.add_argument("--target", default="qasm3", help="qasm3, qiskit, tket or ir (compile)")
    p.add_argument("--device", default=None, help="device spec (compile)")
    p.add_argument("-O", dest="level", type=int, default=None, help="optimisation level")
    return p


@dataclass(frozen=True, eq=False)
class TrainingRun:
    """What ``%%qlang train`` gives: the model, the training result and the artifact folder."""

    model: Any
    trained: Any
    out: Path | None = None

    @property
    def metrics(self) -> dict[str, Any]:
        return dict(self.trained.metrics)

    @property
    def curve(self) -> list[dict[str, float]]:
        return list(self.trained.curve)

    def __repr__(self) -> str:
        return f"TrainingRun({self.model.name!r}, {self.trained!r})"

    def _repr_html_(self) -> str:
        from qlang.jupyter.render import training_html

        note = f"<div>artifacts: <code>{self.out}</code></div>" if self.out is not None else ""
        return training_html(self.trained, self.model) + note


@magics_class
class QLangMagics(Magics):  # type: ignore[misc]
    @cell_magic  # type: ignore[misc]
    def qlang(self, line: str, cell: str) -> Any:
        """``%%qlang [check|train|compile] [--name VAR] [options]``: see :mod:`qlang.jupyter`."""
        try:
            args = _parser().parse_args(shlex.split(line))
        except (argparse.ArgumentError, SystemExit, ValueError) as err:
            display(HTML(f"<pre style='color:#c62828'>%%qlang: {err}</pre>"))
            return None
        path = Path(f"<cell {_cell_number(self.shell)}>.qml")  # in the working directory: imports resolve there
        try:
            from qlang.api import check
            from qlang.compiler import compile as compile_model

            check(path, text=cell)  # `qlang check`'s own entry path
            model = _load_model(cell, path, args.model)
            result: Any = model
            if args.action == "train":
                result = _train(model, cell, args)
            elif args.action == "compile":
                result = compile_model(
                    model, target=args.target, device=args.device, optimization_level=args.level
                )
        except QLangError as err:
            display(err)
            return None
        name = args.name or (model.name if args.action == "check" else None)
        if name and self.shell is not None:
            self.shell.user_ns[name] = result
        return result


def _load_model(text: str, path: Path, name: str | None) -> Any:
    from qlang.semantics import Loader
    from qlang.semantics.models import lower_model

    loader = Loader()
    module = loader.load_text(text, path.name, base=path.resolve().parent)
    loader.check()
    return lower_model(loader, module, name)


def _train(model: Any, source: str, args: argparse.Namespace) -> TrainingRun:
    from qlang.train.api import train

    out = Path(args.out) if args.out else None
    trained = train(
        model, epochs=args.epochs, seed=args.seed, out=out, base_dir=Path.cwd(), source=source
    )
    return TrainingRun(model, trained, out)


def _cell_number(shell: Any) -> int:
    """The running cell's ``In [n]`` number. Its input is stored before it runs, so it is
    the last index of ``In``; ``shell.execution_count`` already counts the next cell
    while a cell runs in IPython 9 (the current one in IPython 8)."""
    inputs = getattr(shell, "user_ns", {}).get("In")
    if isinstance(inputs, list) and inputs:
        return len(inputs) - 1
    return int(getattr(shell, "execution_count", 0) or 0)
