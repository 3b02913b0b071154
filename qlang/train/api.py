"""Entry points: train a Model, reload its artifacts, predict and evaluate.

Example (with the simulator installed)::

    >>> from qlang.train.api import train            # doctest: +SKIP
    >>> trained = train(model, epochs=20, seed=7, out="runs/iris")  # doctest: +SKIP
    >>> trained.metrics["test"]["accuracy"]            # doctest: +SKIP
    0.95
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from qlang.ir.model import Model
from qlang.train.artifacts import check_compatible, load_trained
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
    overwrite: bool = False,
    resume: str | Path | None = None,
    shots: int | None = None,
    noise: Any = None,
    backend: Any = None,
    ray: bool | str = False,
) -> Trained:
    """Train ``model``; with ``out`` also write a run folder, with ``resume`` continue one.

    ``shots`` overrides every circuit execution's shots (``--shots``); ``noise`` replaces
    the target's noise (a qlang ``NoiseModel``, a fake backend name or a Qiskit Aer
    ``NoiseModel``: :func:`qlang.train.execution.with_noise`), ``backend`` the target's
    backend (``"aer()"``, ``'fake("sherbrooke")'``: docs/backends.md); ``ray`` (``True``
    or a cluster address) distributes the run on Ray (``--ray``: docs/distributed.md). See
    :func:`train_run` (which also returns where the run was written).
    """
    return train_run(
        model,
        epochs,
        seed,
        out,
        quiet=quiet,
        base_dir=base_dir,
        source=source,
        factory=factory,
        kernel=kernel,
        overwrite=overwrite,
        resume=resume,
        shots=shots,
        noise=noise,
        backend=backend,
        ray=ray,
    ).trained


@dataclass(frozen=True, eq=False)
class RunResult:
    """A finished training: the result, the run folder (if any) and what to tell the user."""

    trained: Trained
    path: Path | None
    notes: tuple[str, ...]


def train_run(
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
    overwrite: bool = False,
    resume: str | Path | None = None,
    stop_after: int | None = None,
    shots: int | None = None,
    noise: Any = None,
    backend: Any = None,
    ray: bool | str = False,
) -> RunResult:
    """Train ``model`` and write its run folder (:mod:`qlang.train.runs`).

    ``out`` names the folder (a numbered sibling when it holds an earlier run; with
    ``overwrite`` a complete earlier run of the same model is replaced); ``resume``
    continues the interrupted run in that folder from its checkpoint, with the seed and
    epochs it started with. The model must fit the memory budget (``QL0821``), checked
    before any data is loaded. ``stop_after`` (tests) interrupts after saving that epoch.
    """
    from qlang.distribute.run import distributed
    from qlang.resources import check_model_memory
    from qlang.train.artifacts import source_hash, write_run_files
    from qlang.train.execution import execution_summary, with_backend, with_noise, with_shots
    from qlang.train.optimizers import make_optimizer
    from qlang.train.runs import resume_run, start_run
    from qlang.train.seeding import tracking
    from qlang.train.trainer import collecting_notes

    model = with_shots(with_backend(with_noise(model, noise), backend), shots)
    model = _with_ray(model, ray, kernel)
    check_model_memory(model)
    resumable = make_optimizer(model.optimizer, "adam").family != "scipy"
    digest = source_hash(model, source)
    run = None
    if resume is not None:
        run = resume_run(Path(resume), model.name, source_hash=digest, seed=seed, epochs=epochs)
        seed, epochs = run.manifest.seed, run.manifest.epochs
    elif out is not None:
        run = start_run(
            Path(out),
            model.name,
            source_hash=digest,
            seed=model.training.seed if seed is None else int(seed),
            epochs=epochs,
            resumable=resumable,
            overwrite=overwrite,
        )
    overridden = _with_epochs(model, epochs)
    try:
        with tracking() as streams, collecting_notes() as notes, distributed(model) as distributor:
            if overridden is not model:
                notes.append(
                    f"epochs = {epochs} from the command line "
                    f"(the file says {_epochs_text(model)})"
                )
                model = overridden
            saver = None
            if run is not None and resumable:
                saver = run.saver(model.training.checkpoint_every, streams)
                saver.stop_after = stop_after
            ctx = context(
                model,
                seed,
                distributor=distributor,
                checkpoint=run.epoch_file if run is not None else None,
                saver=saver,
                epochs=epochs,
                quiet=quiet,
                factory=factory,
                kernel=kernel,
                base_dir=Path(base_dir) if base_dir is not None else None,
            )
            if distributor is not None:  # a cut model's subexperiments are Ray tasks
                ctx = replace(ctx, factory=distributor.training_factory(model, factory))
            trained = run_task(model, ctx)
            trained.metrics["execution"] = execution_summary(model, trained.seed)
            if distributor is not None:
                trained.metrics["execution"]["distribute"] = distributor.record()
        if notes:
            trained.metrics["notes"] = list(notes)
        path = None
        if run is not None:
            path = run.finish(lambda folder: write_run_files(folder, model, trained, source))
    except BaseException:
        if run is not None:
            run.abandon()
        raise
    return RunResult(trained, path, tuple(run.notes if run is not None else ()) + tuple(notes))


def _with_ray(model: Model, ray: bool | str, kernel: Any) -> Model:
    """``model`` distributed on Ray when ``ray`` (``--ray``; a string is the cluster
    address), checked with Ray installed (``QL0907``) before any work."""
    from qlang.distribute.run import check_model

    if ray:
        from qlang.distribute import with_ray

        model = with_ray(model, ray if isinstance(ray, str) else None)
    if model.training.distribute is not None and kernel is not None:
        fail("QL0313", "`kernel=` replaces the kernel computation, which `distribute` would "
             "run on Ray", model.training.distribute.span, help="drop one of them")  # fmt: skip
    check_model(model)
    return model


def _with_epochs(model: Model, epochs: int | None) -> Model:
    """``model`` with an ``--epochs`` override written into its training settings, so
    everything the run records (provenance, run.json) names the epochs that ran."""
    if epochs is None or model.training.epochs == int(epochs):
        return model
    return replace(model, training=replace(model.training, epochs=int(epochs)))


def _epochs_text(model: Model) -> str:
    t = model.training
    if t.epochs is not None:
        return f"epochs = {t.epochs}"
    return f"maxiter = {t.maxiter}" if t.maxiter else "nothing (the default)"


@dataclass(frozen=True, eq=False)
class Predictor:
    """Predictions from raw feature rows (the stored preprocessing is replayed)."""

    model: Model
    trained: Trained
    predict_fn: Callable[[np.ndarray], np.ndarray]
    proba_fn: Callable[[np.ndarray], np.ndarray] | None
    #: the Ray session of a distributed model (``distribute``, ``ray=``), else ``None``
    distributor: Any = None

    def close(self) -> None:
        """Stop the predictor's Ray cluster (if it started one)."""
        if self.distributor is not None:
            self.distributor.close()

    def distribution(self) -> dict[str, Any] | None:
        """What ran on Ray so far (the cluster and the task counts), else ``None``."""
        d = self.distributor
        return None if d is None or not d.started else d.record()

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


def predictor(
    model: Model, trained: Trained, *, shots: int | None = None, noise: Any = None,
    backend: Any = None, ray: bool | str | None = None, **kw: Any,
) -> Predictor:  # fmt: skip
    """Rebuild the model around trained parameters (checks they match: QL0659); ``shots``
    overrides every circuit execution's shots, ``noise`` the target's noise, ``backend``
    its backend (docs/backends.md). A model with ``train { distribute }`` predicts on Ray
    as it trained (``ray``: ``None`` the model's setting, ``True`` / an address
    ``--ray``, ``False`` in this process; :func:`qlang.distribute.run.for_evaluation`);
    :meth:`Predictor.close` stops the cluster."""
    from qlang.distribute.run import for_evaluation, session
    from qlang.resources import check_model_memory
    from qlang.train.execution import with_backend, with_noise, with_shots

    model = with_backend(with_noise(model, noise), backend, training=False)
    model = for_evaluation(with_shots(model, shots), ray)
    if noise is not None:
        check_model_memory(model)
    ctx = context(model, trained.seed, quiet=True, **kw)
    task = runner(model.task)
    check_compatible(model, trained, task.num_params(model, ctx))
    d = session(model)
    try:
        if d is not None:
            ctx = replace(ctx, distributor=d, factory=d.factory(ctx.factory))
        pred, proba = task.predictor(model, trained, ctx)
    except BaseException:
        if d is not None:
            d.close()
        raise
    return Predictor(model, trained, pred, proba, d)


def load(model: Model, directory: str | Path, **kw: Any) -> Predictor:
    """A :class:`Predictor` from a ``qlang train --out`` folder."""
    return predictor(model, load_trained(directory), **kw)


def evaluate(
    model: Model,
    trained: Trained,
    *,
    base_dir: str | Path | None = None,
    shots: int | None = None,
    noise: Any = None,
    backend: Any = None,
    ray: bool | str | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """Metrics of stored weights on the model's test split (same seed -> same split);
    ``shots`` overrides every circuit execution's shots, ``noise`` the target's noise,
    ``backend`` its backend (docs/backends.md). A model with ``train { distribute }``
    evaluates on Ray as it trained (``ray`` as in :func:`predictor`); the metrics then
    hold ``distribute``, what ran there."""
    from qlang.distribute.run import distributed, for_evaluation
    from qlang.resources import check_model_memory
    from qlang.train.execution import with_backend, with_noise, with_shots

    model = with_backend(with_noise(model, noise), backend, training=False)
    model = for_evaluation(with_shots(model, shots), ray)
    if noise is not None:
        check_model_memory(model)
    ctx = context(model, trained.seed, base_dir=Path(base_dir) if base_dir else None, **kw)
    task = runner(model.task)
    check_compatible(model, trained, task.num_params(model, ctx))
    with distributed(model) as d:
        if d is None:
            return task.evaluate(model, trained, ctx)
        ctx = replace(ctx, distributor=d, factory=d.factory(ctx.factory))
        metrics = task.evaluate(model, trained, ctx)
        return {**metrics, "distribute": d.record()}
