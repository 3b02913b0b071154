"""Compiles depend only on their input and seed: the routing benchmark's circuits compile
to the same OpenQASM 3 text and layout on a loaded machine and on an idle one.

Every search budget of the compiler is a count of steps (VF2 calls, path-search steps,
SABRE trials, chain-layout restarts and rounds), never a time. Two conditions: the circuits
compiled while busy processes and a busy thread hog the CPU (the real effect of a loaded
machine), and while every clock of the ``time`` module runs 1000 s per reading (a machine
infinitely slow: any wall-clock deadline would expire at its first check, so this fails if
one comes back).

A fast representative subset runs in the default suite, each condition on its own, at
-O1..-O3. The slow job compiles every row of the benchmark at -O3, its most expensive
level, whose portfolio also runs -O2's layout and routing searches (and -O1's are a
prefix of -O2's trials), once idle and once with both conditions at once (about 2
minutes on an idle 2-core machine).
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from qlang.passes.presets import build_preset
from qlang.passes.routing.kernels import compiled_available
from qlang.passes.routing.network import find_path
from qlang.targets.qasm3 import to_qasm3

from benchmarks.routing import BASIS, SEED, benchmark_rows
from qlang.devices import Device, grid
from qlang.ir.circuit import Circuit

ROWS = benchmark_rows()
#: the default suite's subset: (circuit name, device name, levels)
FAST = [
    ("qaoa3reg_p1_8", "eagle", (1, 2, 3)),
    ("qcnn_8", "eagle", (2, 3)),
    ("zz_full_r1_8", "eagle", (2, 3)),
    ("su2_full_r1_8", "eagle", (2,)),
    ("qaoaER_p2_16", "grid(8,8)", (2,)),
    ("iqp_16", "line(16)", (2,)),
    ("qaoa3reg_p1_32", "heavy_hex(7)", (2,)),
]


def _row(name: str, dev: str) -> tuple[Circuit, Device]:
    return next((c, d) for c, _, d in ROWS if c.name == name and d.name == dev)


def compiled(c: Circuit, dev: Device, level: int) -> tuple[str, object]:
    """The -O``level`` compile of ``c`` for ``dev``: its QASM text and layout."""
    out = build_preset(level, basis=BASIS, device=dev, seed=SEED).run(c)
    return to_qasm3(out), out.layout


def _spin(stop: threading.Event) -> None:
    while not stop.is_set():
        sum(i * i for i in range(1000))


@contextmanager
def machine_busy(processes: int = 3) -> Iterator[None]:
    """Busy processes on every core and a busy thread competing for this interpreter."""
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)
    ]
    stop = threading.Event()
    thread = threading.Thread(target=_spin, args=(stop,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        for h in hogs:
            h.kill()
            h.wait(timeout=10)


@contextmanager
def clocks_crawl(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every clock of ``time`` advances 1000 s per reading."""
    tick = itertools.count()
    with monkeypatch.context() as m:
        for name in ("monotonic", "perf_counter", "process_time", "time"):
            m.setattr(time, name, lambda: 1000.0 * next(tick))
        yield


def _check(
    cases: list[tuple[str, str, tuple[int, ...]]],
    monkeypatch: pytest.MonkeyPatch,
    *,
    together: bool = False,
) -> None:
    """Each case compiled idle, then on a busy machine and under crawling clocks: one
    after the other, or with ``together`` in one run with both (half the compiles)."""
    jobs = [(*_row(name, dev), level) for name, dev, levels in cases for level in levels]
    idle = [compiled(c, dev, level) for c, dev, level in jobs]
    runs: list[tuple[str, list[tuple[str, object]]]] = []
    if together:
        with machine_busy():
            with clocks_crawl(monkeypatch):
                runs.append(("a loaded machine with a slow clock", [compiled(*j) for j in jobs]))
    else:
        with machine_busy():
            runs.append(("a loaded machine", [compiled(*j) for j in jobs]))
        with clocks_crawl(monkeypatch):
            runs.append(("a slow clock", [compiled(*j) for j in jobs]))
    for what, outs in runs:
        for (c, dev, level), a, b in zip(jobs, idle, outs, strict=True):
            assert b == a, f"{c.name} on {dev.name} at -O{level}: {what} changed the output"


def test_fast_subset_is_the_same_on_a_loaded_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = FAST
    if not compiled_available():  # the pure-Python job (10x slower): the 8-qubit rows, -O1/-O2
        cases = [(name, dev, tuple(x for x in levels if x < 3)) for name, dev, levels in FAST
                 if name.endswith("_8")]  # fmt: skip
    _check(cases, monkeypatch)


def test_clock_crawl_would_catch_a_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The crawling clock is what a wall-clock deadline reads: one set before a search
    is long past at its first check."""
    with clocks_crawl(monkeypatch):
        deadline = time.monotonic() + 0.5
        assert time.monotonic() > deadline


def test_path_search_needs_no_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 36-qubit region of a 7x7 grid whose path takes about 2000 search steps (the
    issue's case: a deadline checked every 256 steps on a slow machine gives up first)."""
    region = frozenset([1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 25,
                        26, 30, 31, 32, 33, 34, 36, 37, 38, 39, 40, 41, 43, 44, 45, 46, 47])  # fmt: skip
    idle = find_path(grid(7, 7), 36, within=region)
    assert idle is not None and find_path(grid(7, 7), 36, within=region, max_steps=1000) is None
    with clocks_crawl(monkeypatch):
        assert find_path(grid(7, 7), 36, within=region) == idle


@pytest.mark.slow
def test_every_benchmark_row_is_the_same_on_a_loaded_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _check([(c.name, d.name, (3,)) for c, _, d in ROWS], monkeypatch, together=True)
