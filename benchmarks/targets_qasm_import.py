"""Throughput of OpenQASM import: the reference parser vs qlang's fast path.

Run: ``python benchmarks/targets_qasm_import.py [N]`` (default N = 20000
statements; bounded to a few seconds on a laptop). Prints statements/second.
"""

from __future__ import annotations

import random
import sys
import time


def flat_program(n: int, qubits: int = 20, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{qubits}];", f"creg c[{qubits}];"]
    for _ in range(n):
        r = rng.random()
        a, b = rng.sample(range(qubits), 2)
        if r < 0.4:
            lines.append(f"cx q[{a}],q[{b}];")
        elif r < 0.7:
            lines.append(f"u3({rng.random():.6f},pi/2,-{rng.random():.4f}) q[{a}];")
        elif r < 0.8:
            lines.append(f"rz(-3*pi/4) q[{a}];")
        else:
            lines.append(f"h q[{a}];")
    lines += [f"measure q[{i}] -> c[{i}];" for i in range(qubits)]
    return "\n".join(lines) + "\n"


def main(n: int) -> None:
    import openqasm3
    from qlang.targets.qasm_import import import_qasm

    text = flat_program(n)
    t = time.perf_counter()
    circuit = import_qasm(text)
    fast = time.perf_counter() - t
    n_ops = len(circuit.ops)
    print(f"fast path: {n_ops} statements in {fast:.2f} s = {n_ops / fast:,.0f}/s")
    small = flat_program(min(n, 5000))
    t = time.perf_counter()
    prog = openqasm3.parse(small)
    ref = time.perf_counter() - t
    print(
        f"openqasm3.parse: {len(prog.statements)} statements in {ref:.2f} s = "
        f"{len(prog.statements) / ref:,.0f}/s"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
