"""Kernel matrix on Ray against the serial path: the 600 x 600 8-qubit ZZ-feature-map kernel.

(``--points`` and ``--qubits`` change the size: where the serial matrix takes tens of
milliseconds, Ray's per-task overhead decides; larger matrices show the fan-out.)

The encoding is the 8-qubit ZZ feature map (reps 2, linear entanglement, from a ``.qml``
file, as in ``benchmarks/training.py``), on 600 points drawn uniformly from [0, 2 pi)^8
(seed 7). Measured side by side in one process, in rounds (the peers alternate inside a
round, so a change of the machine's load hits all of them):

* ``serial, 1 thread``: :func:`qlang.sim.kernel_matrix` with ``QLANG_THREADS=1`` (the
  simulator and BLAS in one thread);
* ``serial, default threads``: the same with qlang's default threads (``QLANG_THREADS``
  unset: the CPU count, here 2; the batch of the encoding and the Gram product use both
  cores);
* ``ray, 2 workers``: :func:`qlang.distribute.kernels.kernel_matrix` on a local Ray
  cluster of 2 CPUs (``ray.init(num_cpus=2)``, started before the timing), each task in
  one thread, in both ways of feeding the tiles: ``shipped`` (one task per block of rows
  computes its states, the tiles read them from the object store) and ``per_tile`` (each
  tile task computes its two blocks' states itself);
* ``ray floor``: the same Ray tasks with the same arguments and results but no simulation
  and no product: what Ray itself costs for this matrix on this machine.

Wall-clock time, the best of ``--reps`` calls per round, the best round of ``--rounds``;
every matrix is checked against the serial one (max |difference| <= 1e-12). The load
average of the machine (``os.getloadavg``) is printed before and after: the machine is
shared, so run it when the load is low.

Reproduce::

    pip install -e .[ray]
    python benchmarks/ray_kernel.py                 # ~1 minute
    python benchmarks/ray_kernel.py --points 600 --rounds 3 --reps 5 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

KERNEL_TEXT = """import encodings.zz_feature_map

model zz_kernel {
  data     = blobs(n = 200, features = QUBITS)
  qubits   = QUBITS
  encoding = zz_feature_map(x, reps = 2, entanglement = "linear")
  task     = kernel(kind = "fidelity", method = "svc", C = 1.0)
  train    { seed = 3 }
}
"""


def encoding(qubits: int = 8):  # noqa: ANN201 - the qlang Circuit
    import qlang

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.qml"
        path.write_text(KERNEL_TEXT.replace("QUBITS", str(qubits)))
        model = qlang.load_model(str(path))
    return model.main.encoding or model.main.circuit


def best(fn, reps: int) -> tuple[float, np.ndarray]:  # noqa: ANN001
    out = None
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out  # type: ignore[return-value]


def empty_tile(encoding: list, Xa: np.ndarray, Xb: np.ndarray | None) -> np.ndarray:
    """What a tile task costs without the work: the same arguments in, a tile out."""
    return np.zeros((len(Xa), len(Xa) if Xb is None else len(Xb)))


def overhead(cluster, enc, X: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """Ray's floor for this matrix: the tasks of :func:`kernel_matrix` (``per_tile``)
    with no simulation and no product, their results assembled the same way."""
    from qlang.distribute.kernels import spans, tiles

    block = cluster.dist.block_rows(len(X), cluster.workers)
    sp = spans(len(X), block)
    todo = tiles(len(X), None, block)
    task = cluster.remote(empty_tile)
    e = [cluster.put(enc)]
    refs = [task.remote(e, X[slice(*sp[i])], None if i == j else X[slice(*sp[j])]) for i, j in todo]
    out = np.empty((len(X), len(X)))
    for (i, j), t in zip(todo, cluster.ray.get(refs), strict=True):
        (a, b), (c, d) = sp[i], sp[j]
        out[a:b, c:d] = t
        out[c:d, a:b] = t.T
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", type=int, default=600)
    ap.add_argument("--qubits", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--block", type=int, default=None, help="rows per block (default: even split)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)

    import ray

    from qlang.distribute import Distribution
    from qlang.distribute.cluster import open_cluster
    from qlang.distribute.kernels import kernel_matrix as ray_kernel
    from qlang.sim import kernel_matrix

    enc = encoding(args.qubits)
    X = np.random.default_rng(7).uniform(0, 2 * np.pi, (args.points, args.qubits))
    load_before = os.getloadavg()
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False,
             configure_logging=False)  # fmt: skip

    def serial(threads: str | None):  # noqa: ANN202
        def run() -> np.ndarray:
            old = os.environ.pop("QLANG_THREADS", None)
            if threads is not None:
                os.environ["QLANG_THREADS"] = threads
            try:
                return kernel_matrix(enc, X)
            finally:
                os.environ.pop("QLANG_THREADS", None)
                if old is not None:
                    os.environ["QLANG_THREADS"] = old

        return run

    results: dict[str, float] = {}
    errors: dict[str, float] = {}
    with open_cluster(Distribution(workers=args.workers, block=args.block)) as cluster:
        peers = {
            "serial, 1 thread": serial("1"),
            "serial, default threads": serial(None),
            f"ray, {args.workers} workers (shipped states)": lambda: ray_kernel(
                cluster, enc, X, states="shipped"
            ),
            f"ray, {args.workers} workers (per-tile states)": lambda: ray_kernel(
                cluster, enc, X, states="per_tile"
            ),
        }
        floor = f"ray floor ({args.workers} workers, tasks without work)"
        peers[floor] = lambda: overhead(cluster, enc, X)
        reference = serial("1")()
        for fn in peers.values():  # warm-up: workers started, simulators built
            fn()
        for r in range(args.rounds):
            for name, fn in peers.items():
                t, K = best(fn, args.reps)
                results[name] = min(results.get(name, np.inf), t)
                if name != floor:
                    errors[name] = max(errors.get(name, 0.0), float(np.abs(K - reference).max()))
            print(f"round {r + 1}: " + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in results.items()),
                  file=sys.stderr)  # fmt: skip
        blocks = cluster.dist.block_rows(args.points, cluster.workers)
    ray.shutdown()
    load_after = os.getloadavg()
    base1 = results["serial, 1 thread"]
    base_def = results["serial, default threads"]
    print(f"{args.points} x {args.points} fidelity kernel, {args.qubits}-qubit ZZ feature map "
          f"(reps 2, linear); "
          f"blocks of {blocks} rows")  # fmt: skip
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min); "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'peer':<44} {'wall':>10} {'/ serial 1 thr':>15} {'/ serial default':>17} {'max |dK|':>10}")
    for name, t in results.items():
        err = f"{errors[name]:>10.1e}" if name in errors else f"{'-':>10}"
        print(f"{name:<44} {t * 1e3:>8.1f}ms {t / base1:>14.2f}x {t / base_def:>16.2f}x {err}")
    ok = all(e <= 1e-12 for e in errors.values())
    print("same matrix to 1e-12:", "yes" if ok else "NO")
    if args.json is not None:
        args.json.write_text(json.dumps({
            "points": args.points, "qubits": args.qubits, "workers": args.workers, "block": blocks,
            "load_before": load_before, "load_after": load_after,
            "seconds": results, "max_abs_difference": errors,
        }, indent=1))  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
