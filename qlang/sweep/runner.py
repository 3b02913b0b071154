"""Running a sweep: each run in its own worker process, several at once, isolated.

A run is a process (``python -m qlang.sweep.worker``) training into its run folder, so a
run that fails (a coded error, a bug, a crash, running out of memory) fails alone: it is
recorded in the table with its error and the log of its process, and the sweep goes on.
``workers`` processes run at once (default: one per CPU this process may use; each gets
``QLANG_THREADS`` = its share of the CPUs unless that is set). On Linux a worker dies with
the sweep process (``PR_SET_PDEATHSIG``), so killing the sweep leaves no run training.

The runs table is rewritten after every run. Running the same sweep again (same folder,
model and grid) is a resume: complete runs are kept and skipped, interrupted runs whose
optimizer saves its state continue from their checkpoint, and interrupted runs of scipy
optimizers (which cannot) start again in their folder (whose files are all qlang's own).

Example::

    >>> default_workers(10) >= 1
    True
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qlang.diagnostics import QLangError
from qlang.sweep.plan import LOGS_DIR, RUNS_DIR, RunSpec, SweepPlan, claim_folder
from qlang.sweep.table import TABLE_JSON, run_row, write_table
from qlang.threads import cpu_count

Echo = Callable[[str], None]


def default_workers(pending: int) -> int:
    """Processes at once: one per CPU, at most one per run to do."""
    return max(1, min(cpu_count(), pending))


@dataclass
class Job:
    run: RunSpec
    resume: bool
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    log: Any = None
    ref: Any = None  # the Ray task (``--ray``)


@dataclass
class SweepResult:
    rows: list[dict[str, Any]]
    resumed: bool
    skipped: int
    ran: int
    failed: int
    wall_s: float
    notes: list[str] = field(default_factory=list)


def _pdeathsig() -> None:  # pragma: no cover - runs in the child before exec
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _first_error(log: Path) -> str:
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return "the run failed (no log)"
    start = max((i for i, ln in enumerate(lines) if ln.startswith("== ")), default=-1) + 1
    lines = [ln for ln in lines[start:] if ln.strip()]
    for ln in lines:
        if ln.startswith(("error[", "internal error")):
            return ln.strip()[:300]
    return (lines[-1].strip()[:300]) if lines else "the run failed without a message"


def _clear_interrupted(folder: Path, files: list[str]) -> str | None:
    """Remove an interrupted, non-resumable run whose files are all qlang's; else why not."""
    from qlang.train.runs import OWN_FILES

    listed = {Path(f).parts[0] for f in files} | set(OWN_FILES)
    extra = sorted(p.name for p in folder.iterdir() if p.name not in listed)
    if extra:
        return f"`{folder}` holds files qlang did not write (e.g. `{extra[0]}`): it is kept"
    shutil.rmtree(folder)
    return None


class SweepRunner:
    """One execution of a sweep plan in its folder (see the module docstring)."""

    def __init__(
        self,
        plan: SweepPlan,
        folder: Path,
        *,
        workers: int | None = None,
        memory: str | None = None,
        allow: tuple[str, ...] = (),
        echo: Echo | None = None,
        ray: RayCluster | None = None,
    ) -> None:
        self.plan = plan
        self.ray = ray
        self.folder = folder
        self.workers = workers
        self.memory = memory
        self.allow = tuple(str(Path(a).resolve()) for a in allow)
        self.echo = echo or (lambda s: None)
        self.keys = [a.key for a in plan.axes]
        self.rows: dict[str, dict[str, Any]] = {}

    # --- rows ------------------------------------------------------------------------
    def base_row(self, run: RunSpec, status: str) -> dict[str, Any]:
        row: dict[str, Any] = {"run": run.id, "status": status, **run.values}
        if "seed" in run.values:
            row["seed"] = int(run.values["seed"]) if run.values["seed"].isdigit() else None
        row["path"] = f"{RUNS_DIR}/{run.id}"
        return row

    def previous(self) -> dict[str, dict[str, Any]]:
        path = self.folder / TABLE_JSON
        if not path.is_file():
            return {}
        with contextlib.suppress(QLangError, ValueError, OSError):
            from qlang.sweep.table import read_table

            return {str(r.get("run")): r for r in read_table(self.folder)["runs"]}
        return {}

    def write(self) -> None:
        ordered = [self.rows[r.id] for r in self.plan.runs if r.id in self.rows]
        try:
            write_table(self.folder, ordered, self.keys)
        except OSError as exc:
            from qlang.train.errors import fail

            fail("QL0855", f"cannot write the runs table in `{self.folder}`: {exc}")

    # --- what each run needs ---------------------------------------------------------
    def triage(self, run: RunSpec, before: dict[str, Any] | None) -> Job | None:
        """The job of one run, or ``None`` when it is done or cannot start (row set)."""
        from qlang.train.runs import holder_of, read_manifest

        folder = self.folder / RUNS_DIR / run.id
        try:
            manifest = read_manifest(folder) if folder.is_dir() else None
        except QLangError as err:
            self.fail(run, err.diagnostics[0].message)
            return None
        if manifest is None:
            return Job(run, resume=False)
        if manifest.complete:
            row = self.base_row(run, "done") | run_row(folder)
            if before is not None:
                for k in ("wall_s", "cpu_s"):
                    if before.get(k) is not None:
                        row[k] = before[k]
            self.rows[run.id] = row
            return None
        holder = holder_of(folder)
        if holder is not None:
            self.fail(run, f"its folder is in use by another qlang process ({holder})")
            return None
        if manifest.resumable:
            return Job(run, resume=True)
        why = _clear_interrupted(folder, manifest.files)
        if why is not None:
            self.fail(run, why)
            return None
        return Job(run, resume=False)

    def fail(self, run: RunSpec, error: str, **extra: Any) -> None:
        self.rows[run.id] = self.base_row(run, "failed") | extra | {"error": error}

    # --- processes -------------------------------------------------------------------
    def job_doc(self, job: Job) -> dict[str, Any]:
        """The worker's job (:mod:`qlang.sweep.worker`)."""
        return {
            "file": str(self.plan.file),
            "model": self.plan.model,
            "source": job.run.source,
            "out": str((self.folder / RUNS_DIR / job.run.id).resolve()),
            "resume": job.resume,
            "allow": list(self.allow),
            "memory": self.memory,
        }

    def start(self, job: Job, threads: int) -> None:
        log_path = (self.folder / LOGS_DIR / f"{job.run.id}.log").resolve()
        header = _log_header(job.resume)
        job.started = time.monotonic()
        if self.ray is not None:
            job.ref = self.ray.submit(self.job_doc(job), str(log_path), header, threads)
            return
        job.log = open(log_path, "ab")  # noqa: SIM115 - closed when the job ends
        job.log.write(header)
        job.log.flush()
        job.proc = _spawn(self.job_doc(job), job.log, threads)

    def reap(self, job: Job) -> tuple[int, float] | None:
        """``(exit code, cpu seconds)`` of a finished job (negative code: a signal)."""
        if self.ray is not None:
            return self.ray.poll(job.ref)
        assert job.proc is not None
        try:
            pid, status, usage = os.wait4(job.proc.pid, os.WNOHANG)
        except ChildProcessError:
            return (job.proc.returncode if job.proc.returncode is not None else -1), 0.0
        if pid == 0:
            return None
        code = os.waitstatus_to_exitcode(status)
        job.proc.returncode = code
        return code, usage.ru_utime + usage.ru_stime

    def finish(self, job: Job, code: int, cpu: float, done: int, total: int) -> None:
        run = job.run
        wall = round(time.monotonic() - job.started, 3)
        timing = {"wall_s": wall, "cpu_s": round(cpu, 3)}
        if job.log is not None:
            job.log.close()
        folder = self.folder / RUNS_DIR / run.id
        if code == 0:
            self.rows[run.id] = self.base_row(run, "done") | run_row(folder) | timing
            status = "done"
        else:
            log = self.folder / LOGS_DIR / f"{run.id}.log"
            why = _first_error(log) if code > 0 else f"killed by signal {-code}"
            self.fail(run, why, **timing)
            status = f"FAILED: {why}"
        what = ", ".join(f"{k} = {v}" for k, v in run.values.items())
        self.echo(f"[{done}/{total}] {run.id} ({what}) {status} in {wall:.1f}s")

    def execute(self) -> SweepResult:
        """Run what is left of the sweep; the table is written after every run."""
        from qlang.train.runs import RunLock

        t0 = time.monotonic()
        resumed = claim_folder(self.plan, self.folder)
        lock = RunLock(self.folder).acquire()
        what = "resuming the sweep" if resumed else "sweep"
        self.echo(f"{what} of {self.plan.model}: {len(self.plan.runs)} runs in {self.folder}/")
        try:
            before = self.previous()
            todo = [
                j for r in self.plan.runs if (j := self.triage(r, before.get(r.id))) is not None
            ]
            skipped = sum(1 for r in self.rows.values() if r["status"] == "done")
            for job in todo:
                self.rows[job.run.id] = self.base_row(job.run, "pending")
            self.write()
            if skipped:
                self.echo(f"{skipped} of {len(self.plan.runs)} runs already done: skipped")
            self._loop(todo)
            rows = [self.rows[r.id] for r in self.plan.runs]
            failed = sum(1 for r in rows if r["status"] != "done")
            return SweepResult(
                rows, resumed, skipped, len(todo), failed, round(time.monotonic() - t0, 3)
            )
        finally:
            lock.release()

    def _loop(self, todo: list[Job]) -> None:
        workers = self.workers or (
            self.ray.cpus if self.ray is not None else default_workers(len(todo))
        )
        threads = max(1, cpu_count() // workers)
        queue = list(todo)
        running: list[Job] = []
        done = 0
        with _terminate_as_interrupt():
            try:
                while queue or running:
                    while queue and len(running) < workers:
                        job = queue.pop(0)
                        self.start(job, threads)
                        running.append(job)
                    time.sleep(0.05)
                    for job in list(running):
                        got = self.reap(job)
                        if got is None:
                            continue
                        running.remove(job)
                        done += 1
                        self.finish(job, got[0], got[1], done, len(todo))
                        self.write()
            except KeyboardInterrupt:
                self._stop(running)
                raise

    def _stop(self, running: list[Job]) -> None:
        """Interrupted: stop the runs in flight (they keep their checkpoints), mark them."""
        if self.ray is not None:
            for job in running:
                self.ray.cancel(job.ref)
                self.rows[job.run.id] = self.base_row(job.run, "interrupted")
            with contextlib.suppress(QLangError):
                self.write()
            return
        for job in running:
            if job.proc is not None and job.proc.poll() is None:
                with contextlib.suppress(OSError):
                    job.proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for job in running:
            assert job.proc is not None
            with contextlib.suppress(subprocess.TimeoutExpired):
                job.proc.wait(max(0.1, deadline - time.monotonic()))
            if job.proc.poll() is None:
                job.proc.kill()
                job.proc.wait()
            job.log.close()
            self.rows[job.run.id] = self.base_row(job.run, "interrupted")
        with contextlib.suppress(QLangError):
            self.write()


def _log_header(resume: bool) -> bytes:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return f"== {'resume' if resume else 'start'} {stamp}\n".encode()


def _spawn(doc: dict[str, Any], log: Any, threads: int) -> subprocess.Popen[bytes]:
    """A worker process for one job, its output into ``log``."""
    env = dict(os.environ)
    env.setdefault("QLANG_THREADS", str(threads))
    proc = subprocess.Popen(
        [sys.executable, "-m", "qlang.sweep.worker"],
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        preexec_fn=_pdeathsig if sys.platform.startswith("linux") else None,  # noqa: PLW1509
    )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(doc).encode())
    proc.stdin.close()
    return proc


def run_in_process(doc: dict[str, Any], log_path: str, header: bytes, threads: int) -> tuple[int, float]:
    """One job as a worker process on this machine, to its end: ``(exit code, cpu s)``.

    What a Ray task runs (:class:`RayCluster`): the run stays a process of its own, so a
    crash of one run cannot take the Ray worker (or other runs) with it."""
    with open(log_path, "ab") as log:
        log.write(header)
        log.flush()
        proc = _spawn(doc, log, threads)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime


class RayCluster:
    """Runs as Ray tasks (``qlang sweep --ray`` / ``--ray-address ADDR``).

    ``address`` ``None`` starts a local cluster with ``cpus`` CPUs (default: this
    machine's); ``"auto"`` or ``"host:port"`` joins a running one, whose nodes must see
    the model file and the sweep folder at the same paths (shared storage). Each task
    runs one job as a worker process (:func:`run_in_process`) and reserves one CPU."""

    def __init__(self, address: str | None = None, cpus: int | None = None) -> None:
        ray = import_ray()
        self.ray = ray
        if address is None:
            ray.init(num_cpus=cpus or cpu_count(), include_dashboard=False,
                     log_to_driver=False, configure_logging=False)  # fmt: skip
        else:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
        self.cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        if cpus is not None:
            self.cpus = min(self.cpus, cpus)
        self.task = ray.remote(num_cpus=1, max_retries=0)(run_in_process)

    def submit(self, doc: dict[str, Any], log_path: str, header: bytes, threads: int) -> Any:
        return self.task.remote(doc, log_path, header, 1)

    def poll(self, ref: Any) -> tuple[int, float] | None:
        done, _ = self.ray.wait([ref], timeout=0)
        if not done:
            return None
        try:
            code, cpu = self.ray.get(ref)
        except Exception:  # noqa: BLE001 - the task itself died (node lost, ...)
            return -9, 0.0
        return int(code), float(cpu)

    def cancel(self, ref: Any) -> None:
        with contextlib.suppress(Exception):
            self.ray.cancel(ref, force=True)

    def shutdown(self) -> None:
        self.ray.shutdown()


def import_ray() -> Any:
    """The ``ray`` module, or ``QL0907`` with the install hint."""
    try:
        import ray
    except ImportError:
        from qlang.train.errors import fail

        fail(
            "QL0907",
            "`--ray` runs the sweep on Ray, which is not installed",
            help="pip install 'qlang[ray]' (or drop `--ray`: runs go to local processes)",
        )
    return ray


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the sweep like Ctrl-C (runs in flight are stopped and recorded)."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
