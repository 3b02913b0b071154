"""Routing benchmark (issue 6): qlang vs qiskit.transpile(O3) vs tket on QML circuits.

For each circuit and device: 2-qubit gate count (CNOTs after translation to the IBM basis
``cx, rz, sx, x``), depth and compile time for

* ``qlang-O2``: ``build_preset(2, basis=("ibm",), device=...)``: native layout + the
  commutation-aware router, then the -O2 optimisations;
* ``qlang-O3``: ``build_preset(3, ...)``: adds the route portfolio (other layouts, and
  Qiskit's router where the native route adds CNOTs and the circuit is not tiny) and KAK
  consolidation;
* ``qiskit``: ``qiskit.transpile(optimization_level=3, basis_gates=[cx, rz, sx, x])``;
* ``tket``: ``DefaultMappingPass`` + ``FullPeepholeOptimise(allow_swaps=False)`` + rebase
  (rows of at most TKET_MAX_QUBITS = 32 logical qubits).

Rows: n = 8, 16, 32 on Eagle (and the 8x8 grid and a 16-qubit line at n = 16), then the
large rows: 32, 64 and 100 logical qubits on heavy_hex(7) (115 qubits) and Eagle (127):
ZZ feature map, QAOA on 3-regular graphs (p = 1, 2), EfficientSU2 (linear, 2 layers) and
QCNN (:func:`benchmark_rows`).

qlang keeps parameters symbolic. The peers get the same circuit with random numeric
angles (Qiskit's O3 with symbolic parameters takes minutes on a 16-qubit full ZZ map;
routing and 2-qubit counts do not depend on the angle values). Seeds are fixed; one run.
Ratios are qlang / min(qiskit, tket) on the 2-qubit count. Times are CPU seconds of the
process (``time.process_time``: all threads, so Qiskit's Rust threads count; steadier than
wall time on a shared machine): Qiskit's and qlang -O2's are each the fastest of
TIME_REPEATS = 5 identical runs, -O3's the fastest of O3_REPEATS = 3, tket is timed once
(on the rows above 32 qubits: Qiskit and -O2 the fastest of 3, -O3 one run).
The machine's load average is printed with the table. ``unrouted 2q`` is qlang -O3 without a device (the
count before any routing cost). The router-alone table compares qlang's -O2 layout + routing passes with
Qiskit's own layout + routing stages on the same input circuit, before any optimisation.

QUEKO-style rows: circuits built to fit the device exactly, relabelled at random; the
optimal answer is zero swaps and the construction depth.

Usage::

    python benchmarks/routing.py --quick          # ~2 minutes
    python benchmarks/routing.py                  # default suite, with the large rows
    python benchmarks/routing.py --no-large       # without the 32-100 qubit rows
    python benchmarks/routing.py --full           # adds n = 64
    python benchmarks/routing.py --markdown out.md
    python benchmarks/routing.py --no-large --max-qubits 16 --only qcnn_ --only su2_full
                                                  # rows by name ("circuit@device" contains)
    python benchmarks/routing.py --no-tket        # without the tket column (it takes minutes)
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from qlang.passes.presets import build_preset  # noqa: E402
from qlang.passes.routing import routing_passes  # noqa: E402
from qlang.passes.routing.verify import off_edge_gates  # noqa: E402

from benchmarks.routing_peers.peers import run_qiskit, run_tket, tket_available  # noqa: E402
from benchmarks.routing_peers.workloads import (  # noqa: E402
    efficient_su2,
    erdos_renyi,
    iqp,
    qaoa,
    qcnn,
    queko,
    regular_graph,
    zz_feature_map,
)
from qlang.devices import Device, eagle, grid, heavy_hex, line  # noqa: E402
from qlang.ir.circuit import Circuit  # noqa: E402

SEED = 11
#: timed runs of qlang -O2 and of Qiskit O3 per row; each reports its fastest (the machine
#: is shared: single runs at 20-100 ms vary by up to 2x)
TIME_REPEATS = 5
#: timed runs of qlang -O3 per row (its fastest is reported; -O3 takes seconds on the
#: large rows, so fewer repeats)
O3_REPEATS = 3
BASIS = ("cx", "rz", "sx", "x")
#: tket runs on rows of at most this many logical qubits (its FullPeepholeOptimise takes
#: minutes on the 64- and 100-qubit rows)
TKET_MAX_QUBITS = 32


@dataclass
class Row:
    circuit: str
    device: str
    n: int
    commuting: bool
    results: dict[str, tuple[int, int, float]]  # tool -> (2q count, depth, seconds)
    unrouted: int = 0  # qlang -O3 2q count with all-to-all connectivity (no routing cost)
    router: tuple[int, int] | None = None  # (qlang, qiskit SABRE) routed CNOT cost, same input
    o2_first: float = 0.0  # seconds of the first of the timed -O2 runs

    def ratio(self, tool: str) -> float:
        peers = [self.results[t][0] for t in ("qiskit", "tket") if t in self.results]
        best = min(peers) if peers else math.nan
        return self.results[tool][0] / best if best else math.nan


# --- workloads -----------------------------------------------------------------------
def suite(n: int, full: bool) -> list[tuple[Circuit, bool]]:
    """(circuit, has commuting structure) for size ``n``."""
    out: list[tuple[Circuit, bool]] = [
        (zz_feature_map(n, 1, "linear"), True),
        (qaoa(n, regular_graph(n, SEED), 1, "qaoa3reg"), True),
        (qaoa(n, regular_graph(n, SEED), 3, "qaoa3reg"), True),
        (qcnn(n), False),
    ]
    dense_limit = 32 if full else 16
    if n <= dense_limit:
        out += [
            (zz_feature_map(n, 1, "full"), True),
            (zz_feature_map(n, 2, "full"), True),
            (iqp(n), True),
            (qaoa(n, erdos_renyi(n, 0.3, SEED), 2, "qaoaER"), True),
            (efficient_su2(n, 1, "full"), False),
        ]
    return out


def devices(n: int, quick: bool) -> list[Device]:
    """Eagle at every size; the 8x8 grid and a line of exactly n qubits at n = 16."""
    if quick or n != 16:
        return [eagle()]
    return [eagle(), grid(8, 8), line(n)]


#: the large rows: logical qubits, on heavy_hex(7) (115 qubits) and Eagle (127 qubits)
LARGE_SIZES = (32, 64, 100)


def large_suite(n: int) -> list[tuple[Circuit, bool]]:
    """The large rows' circuits: ZZ feature map, QAOA on a 3-regular graph (p = 1, 2),
    a hardware-efficient EfficientSU2 ansatz (linear entanglement, 2 layers) and QCNN."""
    graph = regular_graph(n, SEED)
    return [
        (zz_feature_map(n, 1, "linear"), True),
        (qaoa(n, graph, 1, "qaoa3reg"), True),
        (qaoa(n, graph, 2, "qaoa3reg"), True),
        (efficient_su2(n, 2, "linear"), False),
        (qcnn(n), False),
    ]


def benchmark_rows(
    quick: bool = False, full: bool = False, large: bool = True
) -> list[tuple[Circuit, bool, Device]]:
    """Every (circuit, has commuting structure, device) row of the benchmark, in order:
    n = 8, 16, 32 (and 64 with ``full``) on Eagle (and the grid and line at n = 16), then
    the large rows (:data:`LARGE_SIZES` on heavy_hex(7) and Eagle) unless ``quick``."""
    out = []
    sizes = [8, 16] if quick else [8, 16, 32] + ([64] if full else [])
    for n in sizes:
        for dev in devices(n, quick):
            for c, commuting in suite(n, full):
                if quick and c.name.startswith(("qaoa3reg_p3", "zz_full_r2")):
                    continue
                out.append((c, commuting, dev))
    if large and not quick:
        seen = {(c.name, d.name) for c, _, d in out}
        for n in LARGE_SIZES:
            for dev in (heavy_hex(7), eagle()):
                out += [(c, m, dev) for c, m in large_suite(n) if (c.name, dev.name) not in seen]
    return out


# --- tools ---------------------------------------------------------------------------
def run_qlang(
    c: Circuit, dev: Device, level: int, repeat: int = 1
) -> tuple[int, int, float, float]:
    """Compile ``c`` ``repeat`` times (each run starts with an empty route memo, same result): 2-qubit
    count, depth, the fastest run's seconds (measured like Qiskit's) and the first run's."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        out = build_preset(level, basis=BASIS, device=dev, seed=SEED).run(c)
        times.append(time.process_time() - t)
    dt = min(times)
    bad = off_edge_gates(out, dev)
    if bad:
        raise AssertionError(f"qlang left {len(bad)} gates off the device edges")
    return out.num_two_qubit_gates, out.depth(), dt, times[0]


def unrouted_count(c: Circuit) -> int:
    """The -O3 2-qubit count without a device: what the circuit costs before routing."""
    return build_preset(3, basis=BASIS, seed=SEED).run(c).num_two_qubit_gates


def router_only(c: Circuit, dev: Device) -> tuple[int, int]:
    """Router against router on the same input (``compare_routers``: the -O2 passes before
    routing, then qlang's -O2 layout + route vs Qiskit's own O3 layout + routing stages, no
    optimisation after): CNOT cost after each (swap = 3)."""
    from benchmarks.routing_peers.compare import compare_routers

    r = compare_routers(c, dev, level=2, seed=SEED, basis=BASIS)
    return r.native, -1 if r.qiskit is None else r.qiskit


# --- main ----------------------------------------------------------------------------
def selected(
    rows: list[tuple[Circuit, bool, Device]], only: list[str] | None, max_qubits: int | None
) -> list[tuple[Circuit, bool, Device]]:
    """The rows whose ``"circuit@device"`` contains one of ``only`` (all rows without it)
    and whose circuit has at most ``max_qubits`` qubits.

    Example::

        >>> rows = benchmark_rows(quick=True)
        >>> [f"{c.name}@{d.name}" for c, _, d in selected(rows, ["qcnn_"], 8)]
        ['qcnn_8@eagle']
    """
    return [
        (c, m, d) for c, m, d in rows
        if (not only or any(o in f"{c.name}@{d.name}" for o in only))
        and (max_qubits is None or c.num_qubits <= max_qubits)
    ]  # fmt: skip


def measure(
    quick: bool,
    full: bool,
    large: bool,
    with_tket: bool,
    only: list[str] | None = None,
    max_qubits: int | None = None,
) -> list[Row]:
    rows = []
    for c, commuting, dev in selected(benchmark_rows(quick, full, large), only, max_qubits):
        n = c.num_qubits
        big = n > TKET_MAX_QUBITS  # fewer repeats on the 64- and 100-qubit rows
        repeat, o3_repeat = (3, 1) if big else (TIME_REPEATS, O3_REPEATS)
        q2, d2, t2, o2_first = run_qlang(c, dev, 2, repeat=repeat)
        res = {
            "qlang-O2": (q2, d2, t2),
            "qlang-O3": run_qlang(c, dev, 3, repeat=o3_repeat)[:3],
            "qiskit": run_qiskit(c, dev, BASIS, SEED, repeat),
        }
        if with_tket and n <= TKET_MAX_QUBITS:
            res["tket"] = run_tket(c, dev, SEED)
        row = Row(c.name, dev.name, n, commuting, res, o2_first=o2_first)
        row.unrouted = unrouted_count(c)
        if not commuting:
            row.router = router_only(c, dev)
        rows.append(row)
        print(_line(row), file=sys.stderr, flush=True)
    return rows


def queko_rows(quick: bool) -> list[tuple[str, int, int, int, int, float]]:
    """(name, level, swaps, depth, optimal depth, seconds) for QUEKO-style circuits."""
    out = []
    cases = [(eagle(), 16, 10), (eagle(), 54, 15), (grid(8, 8), 40, 10)]
    for dev, n, depth in cases[:1] if quick else cases:
        c = queko(dev, n, depth, seed=SEED)
        for level in (1, 2, 3):
            t = time.process_time()
            r = c
            for p in routing_passes(dev, level, SEED):
                r = p.run(r).circuit
            dt = time.process_time() - t
            out.append((f"{c.name}", level, r.count_ops()["swap"], r.depth(), depth, dt))
    return out


def _line(r: Row) -> str:
    cells = " ".join(f"{t}={v[0]}/{v[1]}/{v[2]:.1f}s" for t, v in r.results.items())
    ratios = f"O2x={r.ratio('qlang-O2'):.2f} O3x={r.ratio('qlang-O3'):.2f}"
    return f"{r.circuit:22s} {r.device:10s} {cells} {ratios}"


def markdown(rows: list[Row], queko: list, argv: str, tket: bool) -> str:
    tools = ["qlang-O2", "qlang-O3", "qiskit"] + (["tket"] if tket else [])
    head = "| circuit | device | unrouted 2q | " + " | ".join(f"{t} 2q / depth / s" for t in tools)
    head += " | O2 ratio | O3 ratio |"
    lines = [head, "|" + "---|" * (len(tools) + 5)]
    for r in rows:
        cells = " | ".join(
            f"{r.results[t][0]} / {r.results[t][1]} / {r.results[t][2]:.2f}"
            if t in r.results else "-"
            for t in tools
        )
        lines.append(
            f"| {r.circuit} | {r.device} | {r.unrouted} | {cells} | {r.ratio('qlang-O2'):.2f} "
            f"| {r.ratio('qlang-O3'):.2f} |"
        )
    routed = [r for r in rows if r.router is not None]
    if routed:
        lines += ["", "Router alone on the general circuits (same input, no optimisation; CNOT "
                  "cost after routing, swap = 3):", "",
                  "| circuit | device | qlang native (-O2 layout + route) | Qiskit SabreLayout "
                  "+ SabreSwap | ratio |", "|---|---|---|---|---|"]  # fmt: skip
        for r in routed:
            assert r.router is not None
            q, k = r.router
            lines.append(f"| {r.circuit} | {r.device} | {q} | {k} | {q / k:.2f} |")
    if queko:
        lines += ["", "QUEKO-style circuits (known optimum: zero swaps, construction depth):", ""]
        lines += [
            "| circuit | level | swaps | depth | optimal depth | s |",
            "|---|---|---|---|---|---|",
        ]
        lines += [f"| {q[0]} | -O{q[1]} | {q[2]} | {q[3]} | {q[4]} | {q[5]:.2f} |" for q in queko]
    lines += ["", *goals(rows, queko)]
    return "\n".join(lines)


def _no_routing_cost(r: Row) -> bool:
    """The better peer already needs no routing: its count equals the unrouted count."""
    best = min(r.results[t][0] for t in ("qiskit", "tket") if t in r.results)
    return best <= r.unrouted


def goals(rows: list[Row], queko: list) -> list[str]:
    """The issue's goals, each checked against the measured rows (-O3 = the issue's
    "Done when" command)."""
    out = []
    comm = [r for r in rows if r.commuting]
    if comm:
        ties = [r for r in comm if _no_routing_cost(r)]
        rest = [r for r in comm if not _no_routing_cost(r)]
        for label, group in (("all commuting rows", comm), ("rows that need routing", rest)):
            if not group:
                continue
            mean = float(np.mean([r.ratio("qlang-O3") for r in group]))
            big = [r for r in group if r.n >= 16]
            worst = max(big, key=lambda r: r.ratio("qlang-O3")) if big else None
            w = worst.ratio("qlang-O3") if worst else math.nan
            ok = mean <= 0.85 and w <= 0.85
            where = f" ({worst.circuit} on {worst.device})" if worst else ""
            out.append(
                f"- commuting circuits, -O3 2q count <= 0.85x better peer, {label}: mean "
                f"{mean:.2f}, worst at n >= 16 {w:.2f}{where} -> {'MET' if ok else 'NOT MET'}"
            )
        if ties:
            names = ", ".join(sorted({f"{r.circuit}/{r.device}" for r in ties}))
            out.append(
                f"  - {len(ties)} commuting rows need no routing at all (a peer's count equals "
                f"the unrouted count, so 0.85x is impossible there): {names}"
            )
    worst_row = max(rows, key=lambda r: r.ratio("qlang-O3"))
    worst = worst_row.ratio("qlang-O3")
    out.append(f"- all circuits at -O3 <= 1.0x better peer: worst {worst:.2f} "
               f"({worst_row.circuit} on {worst_row.device}) -> "
               f"{'MET' if worst <= 1.0 else 'NOT MET'}")  # fmt: skip
    gen = [r for r in rows if r.router is not None and r.router[1] > 0]
    if gen:
        w = max(r.router[0] / r.router[1] for r in gen if r.router)
        out.append(f"- native router alone within 1.10x of Qiskit's SABRE (same input) on "
                   f"general circuits: worst {w:.2f} -> {'MET' if w <= 1.10 else 'NOT MET'}")  # fmt: skip
        full = max(r.results["qlang-O2"][0] / max(1, r.results["qiskit"][0]) for r in gen)
        out.append(f"  - whole -O2 pipeline vs whole Qiskit O3 (numeric angles) on the same "
                   f"rows: worst {full:.2f}")  # fmt: skip
    if queko:  # (not measured when rows were selected by name or size)
        qk = all(q[2] == 0 and q[3] == q[4] for q in queko)
        out.append(f"- QUEKO: zero swaps and optimal depth at -O1..-O3: {'MET' if qk else 'NOT MET'}")
    def t_ratio(r: Row) -> float:
        return r.results["qlang-O2"][2] / max(1e-3, r.results["qiskit"][2])

    t_row = max(rows, key=t_ratio)
    t = t_ratio(t_row)
    within = sum(t_ratio(r) <= 3 for r in rows)
    out.append(f"- -O2 compile time within 3x of Qiskit O3: worst {t:.1f}x "
               f"({t_row.circuit} on {t_row.device}), median {np.median([t_ratio(r) for r in rows]):.1f}x, "
               f"{within} of {len(rows)} rows within 3x -> {'MET' if t <= 3 else 'NOT MET'}")  # fmt: skip
    slow = sorted((r for r in rows if t_ratio(r) > 3), key=t_ratio, reverse=True)
    if slow:
        out.append("  - above 3x: " + ", ".join(
            f"{r.circuit}/{r.device} {t_ratio(r):.1f}x "
            f"({r.results['qlang-O2'][2] * 1e3:.0f} vs {r.results['qiskit'][2] * 1e3:.0f} ms)"
            for r in slow
        ))  # fmt: skip
    def o3_ratio(r: Row) -> float:
        return r.results["qlang-O3"][2] / max(1e-3, r.results["qiskit"][2])

    o3_row = max(rows, key=o3_ratio)
    o3_within = sum(o3_ratio(r) <= 3 for r in rows)
    out.append(f"- -O3 compile time within 3x of Qiskit O3: worst {o3_ratio(o3_row):.1f}x "
               f"({o3_row.circuit} on {o3_row.device}), median "
               f"{np.median([o3_ratio(r) for r in rows]):.1f}x, {o3_within} of {len(rows)} rows "
               f"within 3x -> {'MET' if o3_within == len(rows) else 'NOT MET'}")  # fmt: skip
    o3_slow = sorted((r for r in rows if o3_ratio(r) > 3), key=o3_ratio, reverse=True)
    if o3_slow:
        out.append("  - above 3x: " + ", ".join(
            f"{r.circuit}/{r.device} {o3_ratio(r):.1f}x "
            f"({r.results['qlang-O3'][2]:.2f} vs {r.results['qiskit'][2]:.2f} s)"
            for r in o3_slow
        ))  # fmt: skip
    worse = [r for r in rows if r.results["qlang-O3"][0] > r.results["qlang-O2"][0]]
    out.append(f"- -O3 never more 2-qubit gates than -O2: {len(rows) - len(worse)} of {len(rows)} "
               f"rows -> {'MET' if not worse else 'NOT MET: ' + ', '.join(r.circuit for r in worse)}")  # fmt: skip
    cold = [r.o2_first / max(1e-3, r.results["qiskit"][2]) for r in rows]
    out.append(f"  - first of the timed -O2 runs instead of the fastest: worst {max(cold):.1f}x, "
               f"median {np.median(cold):.1f}x, {sum(x <= 3 for x in cold)} of {len(rows)} "
               "rows within 3x")  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="n = 8, 16 on eagle, fewer circuits")
    ap.add_argument("--full", action="store_true", help="add n = 64 and larger dense circuits")
    ap.add_argument("--no-large", action="store_true", help="leave out the 32-100 qubit rows")
    ap.add_argument("--markdown", help="write the table to this file")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="only rows whose 'circuit@device' contains NAME (repeatable); "
                    "leaves out the QUEKO rows")  # fmt: skip
    ap.add_argument("--max-qubits", type=int, help="only rows of at most this many qubits")
    ap.add_argument("--no-tket", action="store_true", help="leave out the tket column")
    args = ap.parse_args(argv)
    with_tket = tket_available() and not args.no_tket
    t0 = time.perf_counter()
    load0 = os.getloadavg()
    rows = measure(args.quick, args.full, not args.no_large, with_tket, args.only, args.max_qubits)
    some = args.only or args.max_qubits is not None
    qk = [] if some else queko_rows(args.quick)
    text = markdown(rows, qk, " ".join(sys.argv[1:]), with_tket)
    load1 = os.getloadavg()
    text += f"\n\nTotal benchmark time: {time.perf_counter() - t0:.0f} s (wall). Machine: "
    text += f"{os.cpu_count()} cores, load average (1/5/15 min) {load0[0]:.1f}/{load0[1]:.1f}/"
    text += f"{load0[2]:.1f} at the start, {load1[0]:.1f}/{load1[1]:.1f}/{load1[2]:.1f} at the end.\n"
    if not with_tket:
        why = "--no-tket" if args.no_tket else "pytket is not installed"
        text += f"\n(tket column missing: {why}.)\n"
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
