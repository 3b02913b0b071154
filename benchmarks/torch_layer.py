"""PyTorch training step with a quantum layer: ``qlang.torch.QLayer`` versus PennyLane.

One step = forward of a batch through the layer, MSE loss, ``loss.backward()`` and an
``optimizer.step()`` (torch SGD) on the layer's weights. Same model in every framework:
angle encoding ``rx(x_i)``, 3 strongly-entangling layers (PennyLane's
``StronglyEntanglingLayers``; qlang's stdlib ``strongly_entangling`` is the same
circuit), readout ``<Z0>``, batch 64, 8 qubits. Peers, each in its fastest
configuration for this task: PennyLane ``qml.qnn.TorchLayer`` on ``default.qubit``
with ``diff_method="backprop"`` (torch autograd through the simulator, the batch
broadcast in one pass) and on ``lightning.qubit`` with ``diff_method="adjoint"``
(C++ adjoint; TorchLayer runs one tape per sample).

Every framework runs in its own subprocess, single-threaded (torch, OpenMP, BLAS and
qlang), so a shared machine does not distort the ratios; the time is the best of
``--reps`` CPU-time measurements after a warm-up. Before timing, each peer's first
loss is checked against qlang's on the same weights and data (they must agree to
1e-9).

Reproduce::

    python benchmarks/torch_layer.py --reps 5 --markdown
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

PEERS = ("qlang", "pl_default", "pl_lightning")
LABELS = {
    "qlang": "qlang `QLayer` (adjoint)",
    "pl_default": "PennyLane `TorchLayer`, default.qubit (backprop)",
    "pl_lightning": "PennyLane `TorchLayer`, lightning.qubit (adjoint)",
}
LAYERS = 3
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "QLANG_THREADS")


def model_source(n: int) -> str:
    return f"""
import encodings.angle
import ansatze.strongly_entangling

model bench {{
  input x: float[{n}]
  qubits = {n}
  encoding = angle(x, rotation = "x")
  ansatz = strongly_entangling(layers = {LAYERS})
  readout = expval(Z0)
  task = regress()
  data = sine(n = 40, window = {n})
}}
"""


def data(n: int, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1234)
    x = rng.uniform(0, np.pi, (batch, n))
    w = rng.uniform(0, 2 * np.pi, (LAYERS, n, 3))
    y = rng.uniform(-1, 1, batch)
    return x, w, y


def layer(name: str, n: int):
    """``(torch module, its weight parameter)`` for one framework."""
    import torch

    if name == "qlang":
        from qlang.driver import load_model
        from qlang.torch import QLayer

        q = QLayer(load_model(model_source(n)))
        return q, q.ansatz_w
    import pennylane as qml

    device, method = {
        "pl_default": ("default.qubit", "backprop"),
        "pl_lightning": ("lightning.qubit", "adjoint"),
    }[name]
    dev = qml.device(device, wires=n)

    @qml.qnode(dev, diff_method=method, interface="torch")
    def circuit(inputs, weights):
        qml.AngleEmbedding(inputs, wires=range(n), rotation="X")
        qml.StronglyEntanglingLayers(weights, wires=range(n))
        return qml.expval(qml.PauliZ(0))

    tl = qml.qnn.TorchLayer(circuit, {"weights": (LAYERS, n, 3)})
    return tl.to(torch.float64), tl.weights


def run(name: str, n: int, batch: int, reps: int) -> dict[str, float]:
    import torch

    torch.set_num_threads(1)
    x, w, y = data(n, batch)
    mod, weight = layer(name, n)
    with torch.no_grad():
        weight.copy_(torch.tensor(w))
    X, Y = torch.tensor(x), torch.tensor(y)
    opt = torch.optim.SGD(mod.parameters(), lr=0.01)

    def step() -> float:
        opt.zero_grad()
        out = mod(X).reshape(-1)
        loss = torch.mean((out - Y) ** 2)
        loss.backward()
        opt.step()
        return float(loss)

    first = step()
    with torch.no_grad():
        weight.copy_(torch.tensor(w))
    step()  # warm-up
    cpus, walls = [], []
    for _ in range(reps):
        c0, w0 = time.process_time(), time.perf_counter()
        step()
        cpus.append(time.process_time() - c0)
        walls.append(time.perf_counter() - w0)
    return {"cpu": min(cpus), "wall": min(walls), "first_loss": first}


def measure(name: str, args: argparse.Namespace) -> dict[str, float] | str:
    env = dict(os.environ)
    env.update({v: "1" for v in THREAD_VARS})
    cmd = [sys.executable, __file__, "--child", name, "--n", str(args.n)]
    cmd += ["--batch", str(args.batch), "--reps", str(args.reps)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, env=env)
    except subprocess.TimeoutExpired:
        return f"> {args.timeout:.0f} s (time limit)"
    if proc.returncode != 0:
        return "failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:100]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--peers", nargs="+", default=list(PEERS))
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args.n, args.batch, args.reps)))
        return
    results = {p: measure(p, args) for p in args.peers}
    base = results.get("qlang")
    print(
        f"PyTorch training step, n = {args.n} qubits, batch {args.batch}, {LAYERS} "
        f"strongly-entangling layers, best of {args.reps} (CPU seconds, one thread each); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print()
    print("| layer | step (CPU) | step (wall) | first loss | qlang speed-up |")
    print("|---|---|---|---|---|")
    for p in args.peers:
        r = results[p]
        if isinstance(r, str):
            print(f"| {LABELS[p]} | {r} | | | |")
            continue
        ratio = ""
        if isinstance(base, dict):
            ratio = f"{r['cpu'] / base['cpu']:.1f}x"
            if abs(r["first_loss"] - base["first_loss"]) > 1e-9:
                ratio += " (losses differ!)"
        print(
            f"| {LABELS[p]} | {r['cpu'] * 1e3:.1f} ms | {r['wall'] * 1e3:.1f} ms | "
            f"{r['first_loss']:.12f} | {ratio} |"
        )


if __name__ == "__main__":
    main()
