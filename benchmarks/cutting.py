"""What circuit cutting costs: the distributed QCNN (examples/cutting/qcnn_cut.qml) cut
onto 5-qubit pieces against the same model uncut, one training step's work.

One measurement = the outputs of a batch and the gradient of a loss with respect to every
weight and input (``vjp``), as training does. The cuts are found once (``plan`` is that
one-time cost: ``find_cuts``, the subexperiments, their conversion); the subexperiments are
then reused for every batch and every weight vector, with nothing rebuilt or rebound per
batch (the angles are evaluated by the simulator from the inputs and weights, as for any
circuit). Times are CPU seconds (``process_time``), best of ``--reps`` after one warm-up,
both models in the same process, reported with their ratio.

Reproduce::

    python benchmarks/cutting.py --batches 8 364 --reps 5
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def best(fn, reps: int, clock=time.process_time) -> float:
    """The least of ``reps`` timings of ``fn()`` on ``clock`` (CPU time of this process
    by default), after one warm-up call."""
    fn()
    times = []
    for _ in range(reps):
        t = clock()
        fn()
        times.append(clock() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, nargs="+", default=[8, 364])
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()

    from qlang.cutting import plan as P
    from qlang.cutting.function import CutFunction
    from qlang.driver import load_model
    from qlang.sim import QuantumFunction

    model = load_model(ROOT / "examples" / "cutting" / "qcnn_cut.qml")
    block = model.main
    settings = P.settings_of(model.target.cutting)
    t = time.process_time()
    plan = P.plan_cuts(block.circuit, block.readout.observables, settings)
    planning = time.process_time() - t
    cut = CutFunction(block, settings, plan=plan)
    plain = QuantumFunction(block)
    print(f"plan (once): {planning:.3f} s CPU; {len(plan.cuts)} cut(s), "
          f"{len(plan.coefficients)} terms, {plan.num_subexperiments} subexperiments")  # fmt: skip
    print("| batch | uncut forward+vjp (s) | cut forward+vjp (s) | ratio |")
    print("|---|---|---|---|")
    rng = np.random.default_rng(0)
    w = rng.uniform(0, 2 * np.pi, block.circuit.num_weights)
    for b in args.batches:
        x = rng.uniform(0, np.pi, (b, block.circuit.num_inputs))
        cot = rng.normal(size=(b, 1))
        tu = best(lambda x=x, cot=cot: plain.vjp(x, w, cot), args.reps)
        tc = best(lambda x=x, cot=cot: cut.vjp(x, w, cot), args.reps)
        print(f"| {b} | {tu:.4f} | {tc:.4f} | {tc / tu:.1f}x |")


if __name__ == "__main__":
    main()
