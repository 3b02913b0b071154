"""Run folders: where ``qlang train`` writes, without ever losing a user's files.

A run folder is marked by its manifest ``run.json`` (format, model name, source hash,
seed, epochs, the files qlang wrote, a ``complete`` flag). The rules:

* ``--out DIR`` (default ``runs/<file name>``) that does not exist, or is an empty
  folder, becomes the run folder.
* ``DIR`` holding an earlier run (complete or not) is kept: the new run goes to the first
  free numbered sibling, ``DIR-2``, ``DIR-3``, ... (``runs/iris``, ``runs/iris-2``).
  With ``--overwrite`` a *complete* earlier run of the *same model* whose folder holds
  only files qlang wrote is replaced instead (the new run is built in a hidden sibling
  and swapped in at the end, so the old one survives a failed run); anything else is
  ``QL0851``.
* ``DIR`` that is not empty and has no manifest (``--out .`` in a project) is someone's
  folder: ``QL0850``, nothing is written or deleted.
* A lock (``DIR/.lock``, an OS file lock holding the writer's process id) makes a second
  writer of the same folder fail fast with ``QL0852`` while the first runs (it is not
  moved to a numbered folder: two runs at once into one name are most likely a mistake);
  a lock left by a killed process is taken over.
* While training, the full loop state is checkpointed atomically to
  ``DIR/checkpoint.json`` (every ``train { checkpoint_every }`` epochs, and at least
  every few seconds); ``checkpoint_every`` also keeps the parameters of those epochs in
  ``DIR/checkpoints/``. ``qlang train FILE --resume DIR`` continues an interrupted run
  from its checkpoint to the same weights an uninterrupted run gives.
* Every file is written atomically (temporary file, then rename); the manifest is marked
  complete last, so a folder is either a complete run or a resumable one.

Example::

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> plan_run_dir(root / "iris", "iris", overwrite=False).path.name
    'iris'
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from qlang.fileio import atomic_write_text, read_json
from qlang.limits import MAX_ARTIFACT_BYTES
from qlang.train.errors import fail

try:  # POSIX advisory locks: released by the OS when the writer dies
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system
    fcntl = None  # type: ignore[assignment]

MANIFEST = "run.json"
LOCK = ".lock"
CHECKPOINT = "checkpoint.json"
CHECKPOINTS = "checkpoints"
RUN_FORMAT = "qlang-run/1"
CHECKPOINT_FORMAT = "qlang-checkpoint/1"
#: Seconds between checkpoints when ``checkpoint_every`` does not ask for more.
CHECKPOINT_SECONDS = 5.0
#: Files qlang may leave in a run folder besides those the manifest lists.
OWN_FILES = (MANIFEST, LOCK, CHECKPOINT, CHECKPOINTS)


@dataclass
class Manifest:
    """``run.json``: what marks a folder as a qlang run."""

    model: str
    source_hash: str
    seed: int
    epochs: int | None
    resumable: bool
    complete: bool = False
    files: list[str] = field(default_factory=list)
    created: str = ""
    finished: str | None = None
    format: str = RUN_FORMAT

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(data: Any, where: Path) -> Manifest:
        """The manifest of ``data``; ``QL0854`` when keys are missing or of the wrong type."""
        kinds = {
            "format": str,
            "model": str,
            "source_hash": str,
            "seed": int,
            "resumable": bool,
            "complete": bool,
            "files": list,
            "created": str,
        }
        if not isinstance(data, dict):
            _corrupt(where, "it is not a JSON object")
        for key, kind in kinds.items():
            if key not in data:
                _corrupt(where, f"`{key}` is missing")
            value = data[key]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                _corrupt(where, f"`{key}` is not a {kind.__name__}")
        if data["format"] != RUN_FORMAT:
            _corrupt(where, f"unknown format (expected `{RUN_FORMAT}`)")
        epochs = data.get("epochs")
        if epochs is not None and (not isinstance(epochs, int) or isinstance(epochs, bool)):
            _corrupt(where, "`epochs` is not an integer")
        if not all(isinstance(f, str) and _safe_name(f) for f in data["files"]):
            _corrupt(where, "`files` holds a path that is not inside the run folder")
        return Manifest(
            model=data["model"],
            source_hash=data["source_hash"],
            seed=data["seed"],
            epochs=epochs,
            resumable=data["resumable"],
            complete=data["complete"],
            files=list(data["files"]),
            created=data["created"],
            finished=data.get("finished") if isinstance(data.get("finished"), str) else None,
        )


def _safe_name(name: str) -> bool:
    p = Path(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts


def _corrupt(where: Path, why: str) -> NoReturn:
    fail(
        "QL0854",
        f"`{where}` is not a valid qlang manifest: {why}",
        help="qlang writes this file itself; name another folder with `--out`",
    )


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of ``folder`` (``None`` when it has none)."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    data = read_json(path, what="run manifest", code="QL0854", limit=MAX_ARTIFACT_BYTES)
    return Manifest.from_json(data, path)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _is_empty_dir(p: Path) -> bool:
    return p.is_dir() and not any(p.iterdir())


def _looks_like_old_run(p: Path) -> bool:
    """A folder written by a qlang without manifests (weights + provenance only)."""
    return (p / "weights.json").is_file() and (p / "provenance.json").is_file()


def _foreign(p: Path) -> NoReturn:
    what = "a file" if p.exists() and not p.is_dir() else "a folder with files"
    fail(
        "QL0850",
        f"`{p}` is {what} that is not a qlang run: nothing was written or deleted",
        help="name a new or empty folder with `--out`, e.g. `--out runs/m`",
    )


# --- locking ---------------------------------------------------------------------------


class RunLock:
    """An exclusive lock on a run folder, held for the whole run (``QL0852`` if taken)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LOCK
        self.fd: int | None = None

    def acquire(self) -> RunLock:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            _cannot_write(self.folder, exc)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = _read_holder(fd) or "its process id is unknown"
                os.close(fd)
                _in_use(self.folder, holder)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()} since {_now()}\n".encode())
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass
        os.close(self.fd)  # releases the OS lock
        self.fd = None


def holder_of(folder: Path) -> str | None:
    """Who holds ``folder``'s lock (``pid ... on host since ...``), or ``None`` if free."""
    path = folder / LOCK
    if fcntl is None or not path.is_file():
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return _read_holder(fd) or "another qlang process"
    finally:
        os.close(fd)  # also drops the probe's own shared lock
    return None


def _in_use(folder: Path, holder: str) -> NoReturn:
    fail(
        "QL0852",
        f"the run folder `{folder}` is in use by another qlang process ({holder})",
        help="wait for it to finish, or write to another folder with `--out`",
    )


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _cannot_write(folder: Path, exc: OSError) -> NoReturn:
    fail(
        "QL0855",
        f"cannot write the run folder `{folder}`: {(exc.strerror or type(exc).__name__).lower()}",
        help="choose a writable folder with `--out`",
    )


# --- choosing the folder ------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Where a run goes: ``path``, whether it replaces a run there, and why it moved."""

    path: Path
    replace: bool = False
    note: str | None = None


def plan_run_dir(out: Path, model: str, *, overwrite: bool) -> Plan:
    """The folder a new run of ``model`` writes to, by the rules of the module docstring."""
    if not out.exists() or _is_empty_dir(out):
        return Plan(out)
    if not out.is_dir():
        _foreign(out)
    manifest = read_manifest(out)
    if manifest is None and not _looks_like_old_run(out):
        _foreign(out)
    holder = holder_of(out)
    if holder is not None:  # a run in progress: a second writer is most likely a mistake
        _in_use(out, holder)
    if overwrite:
        if manifest is None:
            fail(
                "QL0851",
                f"`{out}` was written by an older qlang without a manifest: `--overwrite` "
                "replaces only runs it can prove are its own",
                help="move it away, or drop `--overwrite` to write a numbered new run",
            )
        _check_replaceable(out, manifest, model)
        return Plan(out, replace=True)
    for k in range(2, 10_000):
        candidate = out.with_name(f"{out.name}-{k}")
        if not candidate.exists() or _is_empty_dir(candidate):
            return Plan(
                candidate,
                note=f"`{out}` holds an earlier run; this run goes to `{candidate}` "
                "(`--overwrite` replaces a complete run of the same model)",
            )
    fail("QL0855", f"no free numbered folder next to `{out}`")


def _check_replaceable(out: Path, manifest: Manifest, model: str) -> None:
    if manifest.model != model:
        fail(
            "QL0851",
            f"`{out}` holds a run of model `{manifest.model}`, not `{model}`: it is kept",
            help="write to another folder with `--out`",
        )
    if not manifest.complete:
        fail(
            "QL0851",
            f"`{out}` holds an interrupted run: `--overwrite` replaces only complete runs",
            help=f"continue it with `--resume {out}`, or write to another folder",
        )
    listed = {Path(f).parts[0] for f in manifest.files} | set(OWN_FILES)
    extra = sorted(p.name for p in out.iterdir() if p.name not in listed)
    if extra:
        fail(
            "QL0851",
            f"`{out}` holds {len(extra)} file{'s' * (len(extra) != 1)} qlang did not write "
            f"(e.g. `{extra[0]}`): it is kept",
            help="move those files away, or write to another folder with `--out`",
        )


# --- a run in progress --------------------------------------------------------------------


class RunFolder:
    """A claimed run folder: locked, with a manifest; ``finish`` completes it."""

    def __init__(
        self, path: Path, work: Path, manifest: Manifest, lock: RunLock, created: bool = False
    ) -> None:
        self.path = path  # where the run ends up
        self.work = work  # where files are written meanwhile (== path unless replacing)
        self.manifest = manifest
        self.lock = lock
        self.created = created  # this run made the folder (it did not exist before)
        self.fresh = False  # a new run (not a resumed one)
        self.notes: list[str] = []

    # checkpoints ----------------------------------------------------------------------
    def saver(self, checkpoint_every: int | None, streams: list[np.random.Generator]) -> RunSaver:
        return RunSaver(self, checkpoint_every, streams)

    def epoch_file(self, epoch: int, params: np.ndarray) -> None:
        """``checkpoints/epoch_00005.json``: the parameters of one ``checkpoint_every`` epoch."""
        name = f"{CHECKPOINTS}/epoch_{epoch:05d}.json"
        self._write(name, json.dumps({"epoch": epoch, "params": [float(v) for v in params]}))

    def _write(self, name: str, text: str) -> None:
        try:
            atomic_write_text(self.work / name, text)
        except OSError as exc:
            _cannot_write(self.work, exc)
        if name not in self.manifest.files:
            self.manifest.files.append(name)

    def write_manifest(self) -> None:
        try:
            atomic_write_text(
                self.work / MANIFEST, json.dumps(self.manifest.to_json(), indent=1) + "\n"
            )
        except OSError as exc:
            _cannot_write(self.work, exc)

    # the end --------------------------------------------------------------------------
    def finish(self, write_files: Any) -> Path:
        """Write the artifacts with ``write_files(folder) -> names``, mark the run complete,
        swap it in when replacing, and release the lock."""
        try:
            names = write_files(self.work)
        except OSError as exc:
            _cannot_write(self.work, exc)
        for name in names:
            if name not in self.manifest.files:
                self.manifest.files.append(name)
        self.manifest.complete = True
        self.manifest.finished = _now()
        (self.work / CHECKPOINT).unlink(missing_ok=True)
        self.write_manifest()
        if self.work != self.path:
            old = self.path.with_name(f".{self.path.name}.old-{os.getpid()}")
            os.rename(self.path, old)
            os.rename(self.work, self.path)
            self.lock.release()
            shutil.rmtree(old, ignore_errors=True)  # the complete run of this model it replaces
        else:
            self.lock.release()
        return self.path

    def abandon(self) -> None:
        """After a failure or an interruption: keep what can be resumed, undo the rest.

        A staging folder for a replacement goes; a new run that failed before its first
        checkpoint leaves nothing behind (its manifest goes, and its folder if the run
        made it); a run with a checkpoint stays, to be continued with ``--resume``."""
        if self.work != self.path:
            shutil.rmtree(self.work, ignore_errors=True)
        elif self.fresh and not self.manifest.complete and self._no_progress():
            (self.work / MANIFEST).unlink(missing_ok=True)
            self.lock.release()
            if self.created:
                with contextlib.suppress(OSError):
                    self.work.rmdir()  # only when nothing else is in it
            return
        self.lock.release()

    def _no_progress(self) -> bool:
        return not (self.work / CHECKPOINT).exists() and not (self.work / CHECKPOINTS).exists()


class RunSaver:
    """The trainer's :class:`~qlang.train.trainer.Saver` for a run folder."""

    def __init__(
        self, run: RunFolder, every: int | None, streams: list[np.random.Generator]
    ) -> None:
        self.run = run
        self.every = every
        self.streams = streams
        self.last = time.monotonic()
        #: tests only: stop (``KeyboardInterrupt``) right after saving this epoch
        self.stop_after: int | None = None

    def load(self) -> dict[str, Any] | None:
        path = self.run.work / CHECKPOINT
        if not path.is_file():
            return None
        data = read_json(path, what="checkpoint", code="QL0854", limit=MAX_ARTIFACT_BYTES)
        m = self.run.manifest
        if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
            fail("QL0854", f"`{path}` is not a qlang checkpoint")
        if (data.get("model"), data.get("source_hash"), data.get("seed")) != (
            m.model,
            m.source_hash,
            m.seed,
        ):
            fail("QL0854", f"`{path}` belongs to another run than its manifest")
        state = data.get("state")
        if not isinstance(state, dict):
            fail("QL0854", f"`{path}` holds no training state")
        return state

    def due(self, epoch: int) -> bool:
        if self.every and epoch % self.every == 0:
            return True
        return time.monotonic() - self.last >= CHECKPOINT_SECONDS

    def save(self, epoch: int, state: dict[str, Any]) -> None:
        m = self.run.manifest
        doc = {
            "format": CHECKPOINT_FORMAT,
            "model": m.model,
            "source_hash": m.source_hash,
            "seed": m.seed,
            "epoch": epoch,
            "state": state,
        }
        try:
            atomic_write_text(self.run.work / CHECKPOINT, json.dumps(doc))
        except OSError as exc:
            _cannot_write(self.run.work, exc)
        self.last = time.monotonic()
        if self.stop_after is not None and epoch >= self.stop_after:
            raise KeyboardInterrupt(f"stopped after epoch {epoch} (test hook)")


def start_run(
    out: Path,
    model: str,
    *,
    source_hash: str,
    seed: int,
    epochs: int | None,
    resumable: bool,
    overwrite: bool = False,
) -> RunFolder:
    """Claim a folder for a new run (see the module docstring for where it goes)."""
    out = Path(out)
    plan = plan_run_dir(out, model, overwrite=overwrite)
    path = plan.path
    created = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _cannot_write(path, exc)
    lock = RunLock(path).acquire()
    try:
        # checked again under the lock: another writer may have claimed it meanwhile
        again = read_manifest(path)
        work = path
        if plan.replace:
            if again is None:
                _foreign(path)
            _check_replaceable(path, again, model)
            work = path.with_name(f".{path.name}.new-{os.getpid()}")
            shutil.rmtree(work, ignore_errors=True)  # our own leftover, same process id
            work.mkdir()
        elif again is not None or not _is_empty_dir_but_lock(path):
            fail(
                "QL0852",
                f"another qlang process claimed `{path}` first",
                help="write to another folder with `--out`",
            )
        manifest = Manifest(model, source_hash, seed, epochs, resumable, created=_now())
        run = RunFolder(path, work, manifest, lock, created=created and not plan.replace)
        run.fresh = True
        if plan.note:
            run.notes.append(plan.note)
        run.write_manifest()
        return run
    except BaseException:
        lock.release()
        raise


def _is_empty_dir_but_lock(p: Path) -> bool:
    return all(child.name == LOCK for child in p.iterdir())


def resume_run(
    folder: Path, model: str, *, source_hash: str, seed: int | None, epochs: int | None
) -> RunFolder:
    """Claim an interrupted run to continue it (``QL0853`` when it cannot be)."""
    folder = Path(folder)
    if not folder.is_dir():
        fail("QL0853", f"`{folder}` is not a run folder", help="pass the folder of the run")
    manifest = read_manifest(folder)
    if manifest is None:
        fail(
            "QL0853",
            f"`{folder}` has no qlang manifest (`{MANIFEST}`): it is not a run to resume",
            help="pass the folder `qlang train` was writing",
        )
    lock = RunLock(folder).acquire()
    try:
        manifest = read_manifest(folder)
        assert manifest is not None
        problem = None
        if manifest.complete:
            problem = "it is complete"
        elif not manifest.resumable:
            problem = "its optimizer (a scipy minimiser) cannot save its state"
        elif manifest.model != model:
            problem = f"it is a run of model `{manifest.model}`, not `{model}`"
        elif manifest.source_hash != source_hash:
            problem = "the model file changed since the run started"
        elif seed is not None and seed != manifest.seed:
            problem = f"it was started with seed {manifest.seed}, not {seed}"
        elif epochs is not None and epochs != manifest.epochs:
            problem = f"it was started with `--epochs {manifest.epochs}`, not {epochs}"
        if problem is not None:
            fail(
                "QL0853",
                f"`{folder}` cannot be resumed: {problem}",
                help="start a new run: `qlang train FILE` writes a numbered new folder",
            )
        return RunFolder(folder, folder, manifest, lock)
    except BaseException:
        lock.release()
        raise


def require_complete(folder: Path) -> None:
    """``QL0658`` for a run folder that is not finished (interrupted or still running)."""
    manifest = read_manifest(folder)
    if manifest is not None and not manifest.complete:
        fail(
            "QL0658",
            f"the run in `{folder}` is not complete (interrupted, or still training)",
            help=f"continue it with `qlang train FILE --resume {folder}`",
        )
