"""Random quantum blocks as model sources, for the PyTorch and JAX layer tests.

``random_source(seed)`` writes a model whose circuit applies random one- and two-qubit
gates with angles that are random affine combinations of the inputs and weights, read
out by random Pauli products (optionally post-processed), so every gradient path of
the simulator (inputs and weights, parametrised two-qubit gates, several outputs) is
exercised. A failing test prints the seed and the source.
"""

from __future__ import annotations

import numpy as np

ONE = ("rx", "ry", "rz", "p")
TWO = ("crx", "cry", "crz", "rzz", "rxx", "cp")
FIXED = ("h", "s", "sx", "t")


def random_source(seed: int, readout: str | None = None) -> str:
    """A random model (``readout`` replaces the random readout)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 4))
    k = int(rng.integers(1, 4))
    m = int(rng.integers(1, 6))
    lines = []
    for _ in range(int(rng.integers(3, 9))):
        r = rng.random()
        if r < 0.15:
            lines.append(f"{rng.choice(FIXED)} q[{rng.integers(n)}];")
            continue
        angle = f"{rng.uniform(-1, 1):.3f} * x[{rng.integers(k)}] + {rng.uniform(-1, 1):.3f} * w[{rng.integers(m)}]"
        if n > 1 and r > 0.6:
            a, b = rng.choice(n, size=2, replace=False)
            gate = rng.choice(TWO)
            lines.append(f"{gate}({angle}) q[{a}], q[{b}];")
            if rng.random() < 0.3:
                lines.append(f"cx q[{b}], q[{a}];")
        else:
            lines.append(f"{rng.choice(ONE)}({angle}) q[{rng.integers(n)}];")
    paulis = []
    for _ in range(int(rng.integers(1, 4))):
        qs = sorted(rng.choice(n, size=int(rng.integers(1, n + 1)), replace=False))
        paulis.append(" ".join(f"{rng.choice(['X', 'Y', 'Z'])}{q}" for q in qs))
    post = rng.choice(["", " |> tanh()", " |> softmax()", " |> scale(2.0)"])
    body = "\n  ".join(lines)
    text = readout or f"expval([{', '.join(paulis)}]){post}"
    return f"""
circuit rand(x: float[{k}], w: weight[{m}]) on q[{n}] {{
  {body}
}}

model random_block {{
  input x: float[{k}]
  weight w: float[{m}] = uniform(-3, 3)
  qubits = {n}
  circuit = rand(x, w)
  readout = {text}
  task = regress()
  data = sine(n = 20, window = {k})
}}
"""
