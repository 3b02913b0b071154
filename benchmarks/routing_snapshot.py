"""Snapshot of the compiler's output on every routing benchmark row, to check that a change
to the router is exact (same output) or, row by row, no worse.

For each row of :func:`benchmarks.routing.benchmark_rows` and each level, the compiled
circuit (``build_preset(level, basis=BASIS, device=..., seed=SEED)``) as OpenQASM 3 text,
its layout, 2-qubit count and depth, and the compile's CPU seconds; written as one JSON
file. ``--diff A B`` compares two snapshots: rows whose output differs, and for those
whether the 2-qubit count (then depth) got better or worse.

Usage::

    python benchmarks/routing_snapshot.py --out before.json            # every row, -O1..-O3
    python benchmarks/routing_snapshot.py --out o3.json --levels 3 --no-large
    python benchmarks/routing_snapshot.py --diff before.json after.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from qlang.passes.presets import build_preset  # noqa: E402
from qlang.targets.qasm3 import to_qasm3  # noqa: E402

from benchmarks.routing import BASIS, SEED, benchmark_rows  # noqa: E402


def snapshot(levels: tuple[int, ...], large: bool, only: str | None) -> dict[str, dict]:
    """``"circuit@device@level"`` -> the compile's QASM, layout, counts and CPU seconds."""
    out: dict[str, dict] = {}
    for c, _, dev in benchmark_rows(large=large):
        for level in levels:
            key = f"{c.name}@{dev.name}@{level}"
            if only and only not in key:
                continue
            t = time.process_time()
            res = build_preset(level, basis=BASIS, device=dev, seed=SEED).run(c)
            dt = time.process_time() - t
            qasm = to_qasm3(res)
            lay = res.layout
            out[key] = {
                "qasm": qasm,
                "sha": hashlib.sha256(qasm.encode()).hexdigest()[:16],
                "layout": None if lay is None else [list(lay.initial), list(lay.final)],
                "2q": res.num_two_qubit_gates,
                "depth": res.depth(),
                "cpu": round(dt, 3),
            }
            print(f"{key:40s} {out[key]['2q']:5d} {out[key]['depth']:5d} {dt:7.2f}s",
                  file=sys.stderr, flush=True)  # fmt: skip
    return out


def diff(a: dict[str, dict], b: dict[str, dict]) -> int:
    """Print the rows whose output differs; return how many got worse (count, then depth)."""
    worse = same = 0
    ta = tb = 0.0
    for key in a:
        if key not in b:
            continue
        x, y = a[key], b[key]
        ta, tb = ta + x["cpu"], tb + y["cpu"]
        if x["qasm"] == y["qasm"] and x["layout"] == y["layout"]:
            same += 1
            continue
        kx, ky = (x["2q"], x["depth"]), (y["2q"], y["depth"])
        verdict = "better" if ky < kx else "WORSE" if ky > kx else "same key"
        worse += ky > kx
        print(f"{key:40s} {kx} -> {ky} {verdict}")
    common = sum(k in b for k in a)
    print(f"{same} of {common} identical, {worse} worse; CPU {ta:.1f} s -> {tb:.1f} s")
    return worse


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="write the snapshot to this JSON file")
    ap.add_argument("--levels", default="1,2,3", help="comma-separated levels (default 1,2,3)")
    ap.add_argument("--no-large", action="store_true", help="leave out the 32-100 qubit rows")
    ap.add_argument("--only", help="rows whose 'circuit@device@level' contains this")
    ap.add_argument("--diff", nargs=2, metavar=("A", "B"), help="compare two snapshots")
    args = ap.parse_args(argv)
    if args.diff:
        a, b = (json.loads(Path(p).read_text()) for p in args.diff)
        return 1 if diff(a, b) else 0
    levels = tuple(int(x) for x in args.levels.split(","))
    snap = snapshot(levels, not args.no_large, args.only)
    if args.out:
        Path(args.out).write_text(json.dumps(snap, indent=0, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
