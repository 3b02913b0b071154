"""Layouts for a backend judged by estimated success probability, with and without the
decoherence during the circuit (issue 23, gate durations from the Target).

For each example model and fake device the script compiles the model's circuit for the
device's Target (qlang's layout, routing and basis passes, directions fixed) with seeds
0..7 and reports the estimated success probability (ESP: calibrated gate and readout
errors, every logical qubit measured, times ``exp(-t/T1 - t/T2)`` per qubit over its live
time in the ASAP schedule of the Target's durations) of:

* ``one``: the single layout of seed 0 (what ``compile_isa`` did before);
* ``errors``: the best of the 8 judged by gate and readout errors only;
* ``esp``: the best of the 8 judged by the full ESP, decoherence included (what
  ``compile_isa`` does now at ``-O1`` and above);

and the scheduled duration of the ``esp`` choice. Every figure is evaluated with the full
ESP. Deterministic (seeded compiles, no sampling).

Reproduce::

    python benchmarks/backend_layout.py
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    from qlang.backends import isa, make_backend, parse_spec
    from qlang.backends.timing import Timing, schedule, success_probability, timing_of
    from qlang.driver import load_model

    print("| device | model | ESP one layout | best of 8 by errors | best of 8 by ESP | duration (us) |")
    print("|---|---|---|---|---|---|")
    for device in ("sherbrooke", "torino"):
        info = make_backend(parse_spec(f'fake("{device}")')).info
        full = timing_of(info.target)
        bare = Timing(full.durations, full.errors, (None,) * len(full.t1), (None,) * len(full.t2))
        for example in ("iris_vqc.qml", "havlicek_vqc.qml", "qcnn.qml"):
            circuit = load_model(ROOT / "examples" / example).main.circuit
            cands = [isa._compile(circuit, info, 1, seed) for seed in range(isa.CANDIDATES[1])]
            measured = [isa.measured_all(c) for c in cands]
            esp = [success_probability(m, full) for m in measured]
            by_errors = max(range(len(cands)), key=lambda k: success_probability(measured[k], bare))
            best = max(range(len(cands)), key=lambda k: esp[k])
            dur = schedule(measured[best], full).duration * 1e6
            print(f"| fake_{device} | {example} | {esp[0]:.4f} | {esp[by_errors]:.4f} | "
                  f"{esp[best]:.4f} | {dur:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
