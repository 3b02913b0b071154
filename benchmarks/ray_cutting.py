"""Cut subexperiments on Ray against the serial cut path: the distributed QCNN
(examples/cutting/qcnn_cut.qml, 16 subexperiments on 4- and 5-qubit pieces), one
training step's work (forward + vector-Jacobian product of a batch).

Both in one process, the serial ``CutFunction`` and the ``RayCutFunction`` on a local Ray
cluster of ``--workers`` CPUs (``ray.init(num_cpus=workers)``), best of ``--reps`` wall
times after one warm-up (the Ray side's work runs in other processes, so CPU time of this
process would not see it), reported with their ratio and the largest difference of the
values and gradients. Note the machine's load when quoting.

Reproduce::

    python benchmarks/ray_cutting.py --batches 8 364 4096 --reps 5
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))  # run as a script

from cutting import best  # noqa: E402  (the same best-of-N, on the wall clock here)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, nargs="+", default=[8, 364, 4096])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    import ray

    from qlang.cutting.function import CutFunction, cut_function
    from qlang.cutting.plan import settings_of
    from qlang.distribute import Distribution
    from qlang.distribute.cluster import open_cluster
    from qlang.distribute.run import Distributor
    from qlang.driver import load_model

    model = load_model(ROOT / "examples" / "cutting" / "qcnn_cut.qml")
    block = model.main
    serial = CutFunction(block, settings_of(model.target.cutting))
    print(f"load average {os.getloadavg()[0]:.1f}; {serial.plan.num_subexperiments} "
          f"subexperiments; Ray {ray.__version__}, {args.workers} workers")  # fmt: skip
    print("| batch | serial cut forward+vjp (s) | Ray cut forward+vjp (s) | ratio | max diff |")
    print("|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    w = rng.uniform(0, 2 * np.pi, block.circuit.num_weights)
    with open_cluster(Distribution(workers=args.workers)) as cluster:
        d = Distributor(cluster)
        dist = cut_function(block, model.target.cutting, d.factory(), {})
        for b in args.batches:
            x = rng.uniform(0, np.pi, (b, block.circuit.num_inputs))
            cot = rng.normal(size=(b, 1))
            ref, got = serial.vjp(x, w, cot), dist.vjp(x, w, cot)
            diff = max(float(np.max(np.abs(r - g))) for r, g in zip(ref, got, strict=True))
            ts = best(lambda x=x, cot=cot: serial.vjp(x, w, cot), args.reps, time.perf_counter)
            tr = best(lambda x=x, cot=cot: dist.vjp(x, w, cot), args.reps, time.perf_counter)
            print(f"| {b} | {ts:.4f} | {tr:.4f} | {tr / ts:.2f}x | {diff:.1e} |")


if __name__ == "__main__":
    main()
