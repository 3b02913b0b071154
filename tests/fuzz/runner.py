"""Run fuzz cases through every command in worker processes, with a time and memory limit.

Each case runs ``qlang.check`` (the API) and the commands ``check``, ``compile``,
``train --epochs 1``, ``predict`` and ``eval`` in a fresh project folder inside a worker
process (``check`` with a 512 MiB memory budget, the simulating commands with 16 MiB:
models of up to 16 qubits run, wider ones exercise the memory guard). A result is an *escape* when a command exits with anything but 0 or 1, exits 1
without a coded diagnostic, prints a traceback, or the API raises anything but
``QLangError``. The parent kills a worker that spends more than ``timeout`` seconds of CPU time (or four
times that in wall-clock time, for an input that blocks) on one case (a *hang*) or whose
resident memory passes ``rss_limit`` bytes (a *memory* failure), and starts a new one. Failures carry the seed and case index, and are reduced to a minimal
reproducer.

Example (from the shell)::

    python -m tests.fuzz --inputs 10000 --workers 2 --seed 20
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import signal
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fuzz.cases import INPUT_CSV, Case, apply_weight_edit, base_model, make_case

COMMANDS = ("api", "check", "compile", "train", "predict", "eval")
#: The budget of the commands that simulate: up to 16 qubits run, wider models are refused
#: by the memory guard (which is exercised that way) instead of taking minutes per input.
RUN_MEMORY = "16M"
CODED = re.compile(r"error\[QL\d{4}\]")


@dataclass
class Outcome:
    """What one case did: per command an exit code, and the escapes found."""

    key: str
    family: str
    note: str
    seconds: float = 0.0
    exits: dict[str, int] = field(default_factory=dict)
    escapes: list[str] = field(default_factory=list)
    killed: str | None = None  # "hang" | "memory"


# --- inside a worker ----------------------------------------------------------------------


def _prepare(case: Case, folder: Path, good_weights: Path) -> Path:
    for name, data in case.files.items():
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    for name, target in case.links.items():
        if not (folder / name).exists():
            os.symlink(target, folder / name)
    for name in case.fifos:
        if not (folder / name).exists():
            os.mkfifo(folder / name)
    (folder / "input.csv").write_bytes(INPUT_CSV)
    weights = folder / "weights"
    shutil.copytree(good_weights, weights)
    if case.weights:
        rng = random.Random(case.seed * 7 + case.index)
        for name, edit in case.weights.items():
            apply_weight_edit(weights, name, edit, rng)
    return weights


def run_case(case: Case, good_weights: Path) -> Outcome:
    """Run one case in this process (used by the workers and by the reducer)."""
    from click.testing import CliRunner

    import qlang
    from qlang.cli import main
    from qlang.diagnostics import QLangError

    out = Outcome(case.key, case.family, case.note)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="qlang-fuzz-") as tmp:
        folder = Path(tmp) / "proj"
        folder.mkdir()
        weights = _prepare(case, folder, good_weights)
        model = str(folder / case.model)
        old = os.getcwd()
        os.chdir(folder)
        # a corrupted artifact only concerns predict and eval: the model is the base one
        wanted = ("predict", "eval") if case.family == "artifact" else COMMANDS
        try:
            try:
                if "api" in wanted:
                    qlang.check(model, memory="512M")
                    out.exits["api"] = 0
            except QLangError:
                out.exits["api"] = 1
            except Exception as exc:  # noqa: BLE001 - what the fuzzer is looking for
                out.exits["api"] = 2
                out.escapes.append(f"api: {type(exc).__name__}: {str(exc)[:200]}")
            runs = {
                "check": ["check", model, "--memory", "512M"],
                "compile": ["compile", model, "-o", str(folder / "out.qasm")],
                "train": ["train", model, "-q", "--epochs", "1", "--out", "run", "--memory", RUN_MEMORY],
                "predict": ["predict", model, "--weights", str(weights), "--input", "input.csv",
                            "--memory", RUN_MEMORY],
                "eval": ["eval", model, "--weights", str(weights), "--memory", RUN_MEMORY],
            }  # fmt: skip
            for name, args in runs.items():
                if name not in wanted:
                    continue
                r = CliRunner().invoke(main, args)
                out.exits[name] = r.exit_code
                problem = _problem(r)
                if problem:
                    out.escapes.append(f"{name}: {problem}")
        finally:
            os.chdir(old)
    out.seconds = time.perf_counter() - start
    return out


def _problem(r: Any) -> str | None:
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        tb = "".join(traceback.format_exception(r.exception)[-3:])
        return f"escaped {type(r.exception).__name__}: {tb.strip()[-400:]}"
    text = r.output
    if r.exit_code not in (0, 1):
        line = next((ln for ln in text.splitlines() if ln.startswith("internal error")), text[-300:])
        return f"exit {r.exit_code}: {line}"
    if "Traceback" in text:
        return "printed a traceback"
    if r.exit_code == 1 and not CODED.search(text):
        return f"exit 1 without a coded diagnostic: {text[-200:]!r}"
    return None


def _no_plot(path: Path, curve: Any, title: str) -> str:
    return "curve.png skipped by the fuzzer"


def _worker(conn: Any, good_weights: str) -> None:
    """Run the cases the parent sends over ``conn``, one at a time.

    The loss plot (matplotlib, about 0.2 s a run and no input of its own) is skipped."""
    import qlang.train.artifacts

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["QLANG_THREADS"] = "1"
    qlang.train.artifacts.write_curve_png = _no_plot
    while True:
        item = conn.recv()
        if item is None:
            return
        case = make_case(*item)
        try:
            outcome = run_case(case, Path(good_weights))
        except BaseException as exc:  # noqa: BLE001 - the harness itself must go on
            outcome = Outcome(case.key, case.family, case.note)
            outcome.escapes.append(f"harness: {type(exc).__name__}: {exc}")
        conn.send(outcome)


# --- the parent -------------------------------------------------------------------------------


def train_good_weights(folder: Path) -> Path:
    """The base model's weights folder every case's ``predict``/``eval`` starts from."""
    from click.testing import CliRunner

    from qlang.cli import main

    src = folder / "base.qml"
    src.write_text(base_model())
    out = folder / "weights"
    r = CliRunner().invoke(main, ["train", str(src), "-q", "--out", str(out)])
    if r.exit_code != 0:
        raise RuntimeError(f"cannot train the base model: {r.output}")
    return out


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux ``/proc``), 0 when unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


@dataclass
class Report:
    inputs: int = 0
    escapes: list[Outcome] = field(default_factory=list)
    hangs: list[Outcome] = field(default_factory=list)
    memory: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the workers' CPU time (user + system): load-independent
    peak_rss: int = 0
    families: dict[str, int] = field(default_factory=dict)
    family_seconds: dict[str, float] = field(default_factory=dict)
    exits: dict[str, dict[int, int]] = field(default_factory=dict)
    slowest: tuple[float, str] = (0.0, "")

    @property
    def failures(self) -> list[Outcome]:
        return self.escapes + self.hangs + self.memory

    def summary(self) -> str:
        lines = [
            f"inputs {self.inputs}, escapes {len(self.escapes)}, hangs {len(self.hangs)}, "
            f"memory kills {len(self.memory)}, wall time {self.seconds:.0f} s, "
            f"worker CPU time {self.cpu_seconds:.0f} s, "
            f"peak worker RSS {self.peak_rss / 2**20:.0f} MiB, "
            f"slowest case {self.slowest[0]:.1f} s ({self.slowest[1]})",
            "families: "
            + ", ".join(
                f"{k} {v} ({self.family_seconds.get(k, 0.0) / max(v, 1):.2f} s each)"
                for k, v in sorted(self.families.items())
            ),
        ]
        for cmd, codes in sorted(self.exits.items()):
            lines.append(f"  {cmd}: " + ", ".join(f"exit {c}: {n}" for c, n in sorted(codes.items())))
        return "\n".join(lines)


def run(
    seed: int,
    count: int,
    *,
    workers: int = 2,
    timeout: float = 60.0,
    rss_limit: int = 2 * 2**30,
    start: int = 0,
) -> Report:
    """Run cases ``start .. start+count-1`` of ``seed``; returns the report."""
    from multiprocessing.connection import wait

    ctx = mp.get_context("fork")
    report = Report()
    began = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0 = usage.ru_utime + usage.ru_stime
    pending = [(seed, i) for i in range(start + count - 1, start - 1, -1)]  # popped from the end
    with tempfile.TemporaryDirectory(prefix="qlang-fuzz-base-") as base:
        good = train_good_weights(Path(base))
        # one pipe per worker: killing a worker can never leave a shared lock taken
        busy: dict[Any, tuple[Any, tuple[int, int], float, float]] = {}  # (proc, item, t0, cpu0)
        idle: list[tuple[Any, Any]] = []

        def spawn() -> None:
            parent, child = ctx.Pipe()
            p = ctx.Process(target=_worker, args=(child, str(good)), daemon=True)
            p.start()
            child.close()
            idle.append((parent, p))

        for _ in range(workers):
            spawn()
        while pending or busy:
            while idle and pending:
                conn, p = idle.pop()
                item = pending.pop()
                conn.send(item)
                busy[conn] = (p, item, time.perf_counter(), _cpu_seconds(p.pid))
            for conn in wait(list(busy), timeout=0.05):
                p, item, t0, _ = busy.pop(conn)
                try:
                    outcome = conn.recv()
                except (EOFError, OSError):  # the worker died on its own: a crash
                    case = make_case(*item)
                    outcome = Outcome(case.key, case.family, case.note, time.perf_counter() - t0)
                    outcome.escapes.append("harness: the worker process died")
                    p.join()
                    spawn()
                else:
                    idle.append((conn, p))
                _record(report, outcome)
            now = time.perf_counter()
            for conn, (p, item, t0, cpu0) in list(busy.items()):
                rss = _rss(p.pid)
                report.peak_rss = max(report.peak_rss, rss)
                # the time limit is CPU time (the machine may be shared), with a wall-clock
                # limit four times longer for inputs that block without computing
                cpu = _cpu_seconds(p.pid) - cpu0
                hung = cpu > timeout or now - t0 > 4 * timeout
                why = "hang" if hung else "memory" if rss > rss_limit else None
                if why is None:
                    continue
                p.kill()
                p.join()
                conn.close()
                busy.pop(conn)
                case = make_case(*item)
                outcome = Outcome(case.key, case.family, case.note, now - t0, killed=why)
                (report.hangs if why == "hang" else report.memory).append(outcome)
                report.inputs += 1
                report.families[case.family] = report.families.get(case.family, 0) + 1
                spawn()
        for conn, p in idle:
            conn.send(None)
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
    report.seconds = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    report.cpu_seconds = usage.ru_utime + usage.ru_stime - cpu0
    return report


def _record(report: Report, outcome: Outcome) -> None:
    report.inputs += 1
    report.families[outcome.family] = report.families.get(outcome.family, 0) + 1
    report.family_seconds[outcome.family] = (
        report.family_seconds.get(outcome.family, 0.0) + outcome.seconds
    )
    for cmd, code in outcome.exits.items():
        per = report.exits.setdefault(cmd, {})
        per[code] = per.get(code, 0) + 1
    if outcome.escapes:
        report.escapes.append(outcome)
    if outcome.seconds > report.slowest[0]:
        report.slowest = (outcome.seconds, outcome.key)


# --- reducing a failure to a minimal reproducer ----------------------------------------------


def reduce(case: Case, good_weights: Path, still_fails: Any, budget: int = 200) -> Case:
    """Drop lines, then tokens, of the model while ``still_fails(outcome)`` holds."""
    text = case.files.get(case.model, b"").decode("utf-8", "replace")
    for unit in ("line", "token"):
        parts = text.splitlines(True) if unit == "line" else re.findall(r"\w+|\s+|.", text, re.S)
        i = 0
        while i < len(parts) and budget > 0:
            trial = parts[:i] + parts[i + 1 :]
            candidate = Case(case.seed, case.index, case.family, {**case.files}, case.model,
                             case.weights, case.note, case.links, case.fifos)  # fmt: skip
            candidate.files[case.model] = "".join(trial).encode("utf-8", "surrogatepass")
            budget -= 1
            if still_fails(run_case(candidate, good_weights)):
                parts = trial
            else:
                i += 1
        text = "".join(parts)
    case.files[case.model] = text.encode("utf-8", "surrogatepass")
    return case


def describe(report: Report, limit: int = 5) -> str:
    """The failures with their seed, case index and a minimal reproducer."""
    if not report.failures:
        return "no failures"
    lines = []
    with tempfile.TemporaryDirectory(prefix="qlang-fuzz-reduce-") as base:
        good = train_good_weights(Path(base))
        for outcome in report.failures[:limit]:
            seed, index = (int(x.split("=")[1]) for x in outcome.key.split())
            case = make_case(seed, index)
            lines.append(f"FAIL {outcome.key} ({outcome.family}: {outcome.note[:100]})")
            lines.extend(f"  {e[:500]}" for e in outcome.escapes)
            if outcome.killed:
                lines.append(f"  killed: {outcome.killed} after {outcome.seconds:.0f} s")
            if outcome.escapes:
                kinds = {e.split(":")[0] for e in outcome.escapes}
                small = reduce(
                    case, good, lambda o: bool({e.split(":")[0] for e in o.escapes} & kinds)
                )
                model = small.files.get(small.model, b"")
                lines.append(f"  minimal model ({len(model)} bytes): {model[:1500]!r}")
            lines.append(
                f"  replay: python -m tests.fuzz --seed {seed} --start {index} --inputs 1"
            )
    return "\n".join(lines)
