"""Entry points: train a Model, reload its artifacts, predict and evaluate.

Example (with the simulator installed)::

    >>> from qlang.train.api import train            # doctest: +SKIP
    >>> trained = train(model, epochs=20, seed=7, out="runs/iris")  # doctest: +SKIP
    >>> trained.metrics["test"]["accuracy"]            # doctest: +SKIP
    0.95
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qlang.ir.model import Model
from qlang.train.artifacts import check_compatible, load_trained, write_artifacts
from qlang.train.build import Factory
from qlang.train.data import transform
from qlang.train.errors import fail
from qlang.train.tasks import RunContext, Trained, run_task, runner


def context(model: Model, seed: int | None = None, **kw: Any) -> RunContext:
    """The run context: ``seed`` (else the model's ``train { seed }``) plus options."""
    return RunContext(seed=model.training.seed if seed is None else int(seed), **kw)


def train(
    model: Model,
    epochs: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    *,
    quiet: bool = False,
    base_dir: str | Path | None = None,
    source: str | None = None,
    factory: Factory | None = None,
    kernel: Any = None,
) -> Trained:
    """Train ``model``; with ``out`` also write the artifact folder (atomically)."""
    ckpt_dir = checkpoint_dir(out) if out is not None and model.training.checkpoint_every else None
    if ckpt_dir is not None:
        import shutil

        shutil.rmtree(ckpt_dir, ignore_errors=True)  # leftovers of an interrupted run
    ctx = context(
        model,
        seed,
        checkpoint=CheckpointWriter(ckpt_dir) if ckpt_dir is not None else None,
        epochs=epochs,
        quiet=quiet,
        factory=factory,
        kernel=kernel,
        base_dir=Path(base_dir) if base_dir is not None else None,
    )
    trained = run_task(model, ctx)
    if out is not None:
        write_artifacts(out, model, trained, source=source, checkpoints=ckpt_dir)
    return trained


def checkpoint_dir(out: str | Path) -> Path:
    """Where checkpoints go while training (moved into ``out/checkpoints`` at the end)."""
    p = Path(out).resolve()
    return p.parent / f".{p.name}.checkpoints"


@dataclass(frozen=True)
class CheckpointWriter:
    """Writes ``epoch_00005.json`` (parameters as JSON) atomically into ``directory``."""

    directory: Path

    def __call__(self, epoch: int, params: np.ndarray) -> None:
        import json
        import os

        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"epoch_{epoch:05d}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"epoch": epoch, "params": [float(v) for v in params]}))
        os.replace(tmp, path)


@dataclass(frozen=True, eq=False)
class Predictor:
    """Predictions from raw feature rows (the stored preprocessing is replayed)."""

    model: Model
    trained: Trained
    predict_fn: Callable[[np.ndarray], np.ndarray]
    proba_fn: Callable[[np.ndarray], np.ndarray] | None

    @property
    def num_features(self) -> int | None:
        """Raw feature columns the model was trained on (``None`` if it takes no data)."""
        for step in self.trained.preprocess:
            if step.name == "input":
                return int(step.state["width"])
        return None

    def prepare(self, X: np.ndarray) -> np.ndarray:
        return transform(list(self.trained.preprocess), np.asarray(X, dtype=float))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.predict_fn(self.prepare(X))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if self.proba_fn is None:
            fail("QL0664", f"a `{self.trained.task}` model gives no class probabilities")
        return self.proba_fn(self.prepare(X))


def predictor(model: Model, trained: Trained, **kw: Any) -> Predictor:
    """Rebuild the model around trained parameters (checks they match: QL0659)."""
    ctx = context(model, trained.seed, quiet=True, **kw)
    task = runner(model.task)
    check_compatible(model, trained, task.num_params(model, ctx))
    pred, proba = task.predictor(model, trained, ctx)
    return Predictor(model, trained, pred, proba)


def load(model: Model, directory: str | Path, **kw: Any) -> Predictor:
    """A :class:`Predictor` from a ``qlang train --out`` folder."""
    return predictor(model, load_trained(directory), **kw)


def evaluate(
    model: Model, trained: Trained, *, base_dir: str | Path | None = None, **kw: Any
) -> dict[str, Any]:
    """Metrics of stored weights on the model's test split (same seed -> same split)."""
    ctx = context(model, trained.seed, base_dir=Path(base_dir) if base_dir else None, **kw)
    task = runner(model.task)
    check_compatible(model, trained, task.num_params(model, ctx))
    return task.evaluate(model, trained, ctx)
