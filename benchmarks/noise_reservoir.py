"""Noise-strength sweep of the noise-induced quantum reservoir (examples/noisy_reservoir_sine.qml).

The example's one constant ``gamma`` (amplitude damping after every gate of the fixed
random reservoir) is set to each value of ``--gammas`` in the file's own text, and the
model is trained exactly as ``qlang train`` trains it (same data, split and seed); the
test metrics (held-out, chronological split) are printed as a table.

Reproduce::

    python benchmarks/noise_reservoir.py --gammas 0 0.02 0.05 0.1 0.2 0.4
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from qlang.driver import load_model
from qlang.train.api import train

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "noisy_reservoir_sine.qml"


def with_gamma(source: str, gamma: float) -> str:
    """The example's source with ``const gamma = ...;`` set to ``gamma``."""
    out, count = re.subn(r"const gamma = [^;]+;", f"const gamma = {gamma!r};", source)
    assert count == 1, "the example defines `const gamma` once"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gammas", type=float, nargs="+", default=[0.0, 0.02, 0.05, 0.1, 0.2, 0.4])
    args = ap.parse_args()
    source = EXAMPLE.read_text(encoding="utf-8")
    print("| gamma | test MSE | test R^2 | train R^2 | CPU s |")
    print("|---|---|---|---|---|")
    for g in args.gammas:
        t0 = time.process_time()
        m = train(load_model(with_gamma(source, g)), quiet=True).metrics
        cpu = time.process_time() - t0
        print(f"| {g:g} | {m['test']['mse']:.4f} | {m['test']['r2']:.3f} | {m['train']['r2']:.3f} | {cpu:.1f} |", flush=True)


if __name__ == "__main__":
    main()
