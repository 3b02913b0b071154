"""``python -m tests.fuzz [--inputs N] [--seed S] [--start K] [--workers W]``: run the fuzzer
and print its figures (inputs, escapes, hangs, memory kills, wall time, peak RSS)."""

from __future__ import annotations

import argparse
import sys

from tests.fuzz.runner import describe, run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    ap.add_argument("--inputs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--rss-limit", type=float, default=2.0, help="GiB per worker")
    args = ap.parse_args(argv)
    report = run(
        args.seed,
        args.inputs,
        workers=args.workers,
        timeout=args.timeout,
        rss_limit=int(args.rss_limit * 2**30),
        start=args.start,
    )
    print(report.summary())
    if report.failures:
        print(describe(report))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
