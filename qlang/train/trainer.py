"""The training loop: mini-batches, seeded shuffling, early stopping, progress, curve.

The loop only sees an :class:`Objective` (loss and gradient on a batch of sample
indices) and a parameter vector; tasks build the objective. Frozen parameters are
masked out; gradient steppers, SPSA and scipy minimisers all run on the trainable part.

Example (Adam on a 1-D least-squares problem)::

    >>> import numpy as np
    >>> from qlang.ir.model import Call
    >>> from qlang.train.optimizers import make_optimizer
    >>> from qlang.train.seeding import Seeds
    >>> x = np.linspace(-1, 1, 16); y = 3 * x
    >>> def vg(p, idx):
    ...     i = slice(None) if idx is None else idx
    ...     r = p[0] * x[i] - y[i]
    ...     return float(np.mean(r**2)), np.array([2 * np.mean(r * x[i])])
    >>> obj = Objective(16, vg)
    >>> sched = Schedule(epochs=60, batch_size=4)
    >>> res = fit(obj, np.zeros(1), None, make_optimizer(Call("adam", (), (("lr", 0.1),))),
    ...           sched, Seeds(0), quiet=True)
    >>> round(float(res.params[0]), 2)
    3.0
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from qlang.ir.model import Call
from qlang.limits import MAX_EPOCHS
from qlang.train.errors import fail
from qlang.train.progress import Progress
from qlang.train.seeding import Seeds

ValueAndGrad = Callable[[np.ndarray, np.ndarray | None], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class Objective:
    """``value_and_grad(params, idx)`` on the samples ``idx`` (``None`` = all);
    ``value`` defaults to the first element of it; ``evaluate(params)`` gives the
    per-epoch metrics shown on the progress bar and stored in the curve (validation
    metrics only: the test split is never seen during training)."""

    n_samples: int
    value_and_grad: ValueAndGrad
    value: Callable[[np.ndarray, np.ndarray | None], float] | None = None
    evaluate: Callable[[np.ndarray], dict[str, float]] | None = None

    def loss(self, params: np.ndarray, idx: np.ndarray | None) -> float:
        if self.value is not None:
            return self.value(params, idx)
        return self.value_and_grad(params, idx)[0]


@dataclass(frozen=True)
class Schedule:
    """``epochs`` passes over the data in batches of ``batch_size`` (``None`` = full
    batch), capped at ``max_steps`` optimizer steps when given."""

    epochs: int
    batch_size: int | None = None
    max_steps: int | None = None

    def __post_init__(self) -> None:
        for key in ("epochs", "batch_size", "max_steps"):
            value = getattr(self, key)
            if value is None and key != "epochs":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_EPOCHS:
                fail(
                    "QL0827",
                    f"`{key}` must be a whole number between 1 and {MAX_EPOCHS:,}, got `{value}`",
                    help=f"write e.g. `train {{ {key} = 16 }}`",
                )

    def steps_per_epoch(self, n: int) -> int:
        if self.batch_size is None or self.batch_size >= n:
            return 1
        return math.ceil(n / self.batch_size)


@dataclass(frozen=True)
class EarlyStopping:
    """``early_stopping(patience, min_delta, monitor, restore_best)`` (see the catalog).

    ``monitor`` is ``loss`` (the training loss), ``val_loss`` or ``val_<metric>``; larger
    is better for the metrics the catalog marks so (accuracy, r2, ...).
    """

    patience: int = 10
    min_delta: float = 1e-4
    monitor: str = "loss"
    restore_best: bool = True

    @staticmethod
    def from_call(call: Call | None) -> EarlyStopping | None:
        if call is None:
            return None
        from qlang import catalog

        entry, values = catalog.runtime_bind("callback", call)
        return entry.load()(**values)

    @property
    def maximise(self) -> bool:
        from qlang import catalog

        metric = catalog.lookup("metric", self.monitor.removeprefix("val_"))
        return (
            self.monitor not in ("loss", "val_loss") and metric is not None and metric.info.maximise
        )

    def value(self, loss: float, metrics: dict[str, float]) -> float:
        """The monitored value (``QL0663`` if the run does not report it)."""
        if self.monitor == "loss":
            return loss
        if self.monitor not in metrics:
            fail(
                "QL0663",
                f"early stopping monitors `{self.monitor}`, which this run does not report",
                help=f"monitor one of: loss, {', '.join(metrics)}" if metrics else "monitor `loss`",
            )
        return metrics[self.monitor]


@dataclass(frozen=True)
class FitResult:
    params: np.ndarray
    curve: list[dict[str, float]] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    stopped_early: bool = False


def _check_finite(value: float, step: int) -> None:
    if not math.isfinite(value):
        fail(
            "QL0661",
            f"the loss became {value} at step {step}",
            help="lower the learning rate, standardise the data or change the initialisation",
        )


@np.errstate(over="ignore", invalid="ignore", divide="ignore")  # QL0661 reports it
def fit(
    objective: Objective,
    params0: np.ndarray,
    mask: np.ndarray | None,
    optimizer: Any,
    schedule: Schedule,
    seeds: Seeds,
    *,
    quiet: bool = False,
    early_stopping: EarlyStopping | None = None,
    progress: Progress | None = None,
    checkpoint: Callable[[int, np.ndarray], None] | None = None,
    checkpoint_every: int | None = None,
    saver: Any = None,
) -> FitResult:
    """Optimise ``params0`` (only where ``mask`` is true) and return the best parameters.

    ``checkpoint(epoch, params)`` is called every ``checkpoint_every`` epochs (iterations
    for scipy minimisers). ``saver`` (see :class:`Saver`) holds the run's resumable state:
    the loop starts from its last saved state, if any, and saves the full state (params,
    optimizer state, random streams, early stopping, curve) at the end of the epochs it
    asks for; a resumed run ends with the same parameters as an uninterrupted one.
    """
    start = time.perf_counter()
    mask = np.ones(len(params0), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    base = np.array(params0, dtype=float)

    def embed(sub: np.ndarray) -> np.ndarray:
        full = base.copy()
        full[mask] = sub
        return full

    if not mask.any():
        return _evaluate_once(objective, base, quiet, progress, start)
    if optimizer.family == "scipy":
        every = checkpoint_every if checkpoint is not None else None
        return _fit_scipy(
            objective,
            base,
            mask,
            embed,
            optimizer,
            schedule,
            quiet,
            progress,
            start,
            checkpoint,
            every,
        )

    n = objective.n_samples
    per_epoch = schedule.steps_per_epoch(n)
    total = schedule.max_steps if schedule.max_steps is not None else schedule.epochs * per_epoch
    epochs = math.ceil(total / per_epoch) if total else 0
    bar = progress or Progress(epochs, quiet=quiet)
    shuffle, spsa_rng = seeds.rng("shuffle"), seeds.rng("spsa")
    sub = base[mask].copy()
    state = optimizer.init(sub)
    curve: list[dict[str, float]] = []
    best: tuple[float, np.ndarray] | None = None
    waited, step, stopped = 0, 0, False
    prev_loss = math.inf
    tol = getattr(optimizer, "tol", None)
    first = 1
    streams = {"shuffle": shuffle, "spsa": spsa_rng}
    saved = saver.load() if saver is not None else None
    if saved is not None:
        loaded = restore_state(saved, sub.shape, streams, saver.streams)
        sub, state, curve, best, waited, step, prev_loss = loaded.values
        first = loaded.epoch + 1
        start -= loaded.elapsed
        bar.note(f"resumed after epoch {loaded.epoch}")
    for epoch in range(first, epochs + 1):
        batched = per_epoch > 1
        order = shuffle.permutation(n) if batched else None
        losses = []
        for b in range(per_epoch):
            if step >= total:
                break
            idx = None
            if order is not None:
                idx = order[b * schedule.batch_size : (b + 1) * schedule.batch_size]  # type: ignore[operator]
            if optimizer.family == "spsa":
                sub, state, value = optimizer.step(
                    sub, lambda z, i=idx: objective.loss(embed(z), i), state, spsa_rng
                )
            else:
                value, grad = objective.value_and_grad(embed(sub), idx)
                _check_finite(value, step)
                sub, state = optimizer.step(sub, np.asarray(grad)[mask], state)
            _check_finite(float(value), step)
            losses.append(float(value))
            step += 1
        loss = float(np.mean(losses))
        metrics = objective.evaluate(embed(sub)) if objective.evaluate else {}
        curve.append(
            {
                "epoch": epoch,
                "step": step,
                "loss": loss,
                **metrics,
                "time": time.perf_counter() - start,
            }
        )
        bar.update(epoch, loss, metrics)
        if checkpoint is not None and checkpoint_every and epoch % checkpoint_every == 0:
            checkpoint(epoch, embed(sub))
        if early_stopping is not None:
            key = early_stopping.monitor
            current = early_stopping.value(loss, metrics)
            score = -current if early_stopping.maximise else current
            if best is None or score < best[0] - early_stopping.min_delta:
                best, waited = (score, sub.copy()), 0
            else:
                waited += 1
                if waited >= early_stopping.patience:
                    stopped = True
                    bar.note(
                        f"early stopping at epoch {epoch}: `{key}` did not improve "
                        f"for {early_stopping.patience} epochs"
                    )
                    break
        if tol is not None and abs(prev_loss - loss) < tol:
            bar.note(f"converged at epoch {epoch}: loss changed by less than {tol}")
            break
        prev_loss = loss
        if saver is not None and epoch < epochs and saver.due(epoch):
            values = (sub, state, curve, best, waited, step, prev_loss)
            saver.save(epoch, snapshot(epoch, values, streams, saver.streams, start))
    bar.close()
    if stopped and best is not None and early_stopping is not None and early_stopping.restore_best:
        sub = best[1]
    return FitResult(embed(sub), curve, step, time.perf_counter() - start, stopped)


#: Notes of the runs in progress (what a run did differently from what was asked).
_NOTES: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "qlang_run_notes", default=None
)

NO_PARAMETERS_NOTE = (
    "the model has no trainable parameters: it was evaluated once instead of trained"
)


@contextlib.contextmanager
def collecting_notes() -> Iterator[list[str]]:
    """Collect the notes :func:`fit` makes during the block (they go to the artifacts)."""
    notes: list[str] = []
    token = _NOTES.set(notes)
    try:
        yield notes
    finally:
        _NOTES.reset(token)


def _note(text: str) -> None:
    notes = _NOTES.get()
    if notes is not None and text not in notes:
        notes.append(text)


def _evaluate_once(
    objective: Objective,
    params: np.ndarray,
    quiet: bool,
    progress: Progress | None,
    start: float,
) -> FitResult:
    """A model without trainable parameters: one evaluation, no epochs (and a note)."""
    loss = float(objective.loss(params, None))
    _check_finite(loss, 0)
    metrics = objective.evaluate(params) if objective.evaluate else {}
    bar = progress or Progress(1, quiet=quiet)
    bar.note(f"note: {NO_PARAMETERS_NOTE}")
    bar.close()
    _note(NO_PARAMETERS_NOTE)
    row = {"epoch": 0, "step": 0, "loss": loss, **metrics, "time": time.perf_counter() - start}
    return FitResult(params.copy(), [row], 0, time.perf_counter() - start, False)


# --- resumable state ------------------------------------------------------------------


class Saver:
    """Where :func:`fit` keeps its resumable state (implemented by a run folder).

    ``streams`` are extra generators of the run (a shot-sampling simulator's RNG) saved
    and restored along with the loop's own; ``due(epoch)`` says whether to save now.
    """

    streams: list[np.random.Generator] = []

    def load(self) -> dict[str, Any] | None:
        return None

    def due(self, epoch: int) -> bool:
        return False

    def save(self, epoch: int, state: dict[str, Any]) -> None:
        pass


def encode(value: Any) -> Any:
    """Plain JSON for loop state: arrays, numpy scalars and non-finite floats tagged.

    >>> decode(encode({"m": np.array([1.5, -0.0]), "a": math.inf}))["a"]
    inf
    """
    if isinstance(value, np.ndarray):
        return {"ndarray": [encode(v) for v in value.ravel().tolist()], "shape": list(value.shape)}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else {"float": repr(v)}
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"ndarray", "shape"}:
            return np.array([decode(v) for v in value["ndarray"]], dtype=float).reshape(
                value["shape"]
            )
        if set(value) == {"float"}:
            return float(value["float"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def snapshot(
    epoch: int,
    values: tuple,
    streams: dict[str, np.random.Generator],
    extra: list[np.random.Generator],
    start: float,
) -> dict[str, Any]:
    """The loop state after ``epoch`` as plain JSON."""
    sub, state, curve, best, waited, step, prev_loss = values
    return {
        "epoch": epoch,
        "step": step,
        "params": encode(np.asarray(sub)),
        "optimizer": encode(state),
        "streams": {k: g.bit_generator.state for k, g in streams.items()},
        "extra_streams": [g.bit_generator.state for g in extra],
        "best": None if best is None else {"score": encode(best[0]), "params": encode(best[1])},
        "waited": waited,
        "prev_loss": encode(prev_loss),
        "curve": encode(curve),
        "elapsed": time.perf_counter() - start,
    }


@dataclass(frozen=True)
class Restored:
    epoch: int
    elapsed: float
    values: tuple


def restore_state(
    data: dict[str, Any],
    shape: tuple[int, ...],
    streams: dict[str, np.random.Generator],
    extra: list[np.random.Generator],
) -> Restored:
    """The loop state of a :func:`snapshot`; ``QL0854`` when it does not fit this run."""
    try:
        sub = decode(data["params"])
        if not isinstance(sub, np.ndarray) or sub.shape != shape:
            raise ValueError("the parameter count differs")
        state = decode(data["optimizer"])
        if not isinstance(state, dict):
            raise ValueError("the optimizer state is not an object")
        for name, g in streams.items():
            g.bit_generator.state = data["streams"][name]
        if len(data["extra_streams"]) != len(extra):
            raise ValueError("the number of random streams differs")
        for g, st in zip(extra, data["extra_streams"], strict=True):
            g.bit_generator.state = st
        best = None
        if data["best"] is not None:
            best_params = decode(data["best"]["params"])
            if not isinstance(best_params, np.ndarray) or best_params.shape != shape:
                raise ValueError("the early-stopping parameters differ")
            best = (float(decode(data["best"]["score"])), best_params)
        curve = decode(data["curve"])
        if not isinstance(curve, list) or not all(isinstance(r, dict) for r in curve):
            raise ValueError("the curve is not a list of rows")
        epoch, step, waited = int(data["epoch"]), int(data["step"]), int(data["waited"])
        if epoch < 1 or step < 0 or waited < 0 or not np.all(np.isfinite(sub)):
            raise ValueError("counters or parameters out of range")
        values = (sub, state, curve, best, waited, step, float(decode(data["prev_loss"])))
        return Restored(epoch, float(data["elapsed"]), values)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        fail(
            "QL0854",
            f"the checkpoint does not fit this run: {exc}",
            help="start a new run (`qlang train` without `--resume`)",
        )


def _fit_scipy(
    objective, base, mask, embed, optimizer, schedule, quiet, progress, start, checkpoint, every
):
    maxiter = schedule.max_steps or schedule.epochs
    opt = optimizer if optimizer.maxiter == maxiter else replace(optimizer, maxiter=maxiter)
    bar = progress or Progress(maxiter, quiet=quiet, label="iter")
    curve: list[dict[str, float]] = []
    last = {"value": math.nan}

    def fun(z: np.ndarray) -> float:
        v = float(objective.loss(embed(z), None))
        _check_finite(v, len(curve))
        last["value"] = v
        return v

    def value_and_grad(z: np.ndarray) -> tuple[float, np.ndarray]:
        v, g = objective.value_and_grad(embed(z), None)
        _check_finite(float(v), len(curve))
        last["value"] = float(v)
        return float(v), np.asarray(g)[mask]

    def callback(*args: Any, **kw: Any) -> None:
        z = args[0] if args else kw["intermediate_result"].x
        metrics = objective.evaluate(embed(np.asarray(z))) if objective.evaluate else {}
        it = len(curve) + 1
        curve.append(
            {
                "epoch": it,
                "step": it,
                "loss": last["value"],
                **metrics,
                "time": time.perf_counter() - start,
            }
        )
        bar.update(it, last["value"], metrics)
        if checkpoint is not None and every and it % every == 0:
            checkpoint(it, embed(np.asarray(z)))

    res = opt.minimize(fun, base[mask], value_and_grad, callback=callback)
    bar.close()
    params = embed(np.asarray(res.x))
    if not curve:
        curve.append(
            {
                "epoch": 1,
                "step": 1,
                "loss": fun(np.asarray(res.x)),
                "time": time.perf_counter() - start,
            }
        )
    return FitResult(
        params,
        curve,
        int(getattr(res, "nit", len(curve)) or len(curve)),
        time.perf_counter() - start,
        False,
    )
