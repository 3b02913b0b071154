"""Noisy-simulation benchmark: batched noisy forward + gradient, qlang versus peers.

The same model everywhere: angle encoding (``rx(x_i)``), 3 strongly-entangling layers
(``rz ry rz`` per qubit, then a ``cx`` ring), readout ``<Z0>``, batch B = 64, and after
every gate a one-qubit depolarizing channel on each qubit it touches,
``rho -> (1 - p) rho + p I/2`` with ``p = 0.01`` (qlang: ``pauli_channel(p/4, p/4, p/4)``,
Aer: ``depolarizing_error(p, 1)``, PennyLane: ``DepolarizingChannel(3p/4)``, the same
channel in each library's convention). One measurement = the outputs of the batch and the
gradient of the MSE loss with respect to every weight. Peers, each in its fastest
configuration for this job:

* qlang ``density_matrix`` (exact reverse-mode gradient, compiled kernels);
* Qiskit Aer ``AerSimulator(method="density_matrix")``: forward and the parameter-shift
  gradient as one batched run of every shifted circuit (``parameter_binds``); Aer has no
  reverse mode for density matrices;
* PennyLane ``default.mixed`` with ``diff_method="backprop"`` (autograd), the batch
  broadcast in one call.

Every measurement runs in its own subprocess with a time limit. A peer whose full batch
would exceed the limit is measured on fewer samples and scaled linearly to B (its cost is
the same for every sample; marked ``*``; ``--subset`` sets the sample counts, e.g. on a
busy machine). Times are CPU seconds (``process_time``) of the
best of ``--reps`` repetitions after one warm-up; wall seconds are recorded too.

Reproduce::

    python benchmarks/noise.py --sizes 4 6 8 10 --reps 3 --timeout 900
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

LAYERS = 3
BATCH = 64
P = 0.01
PEERS = ("qlang", "aer", "pl_mixed")
LABELS = {
    "qlang": "qlang density_matrix (backprop)",
    "aer": "Aer density_matrix (parameter shift)",
    "pl_mixed": "PennyLane default.mixed (backprop)",
}


def data(n: int, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1234)
    x = rng.uniform(0, np.pi, (batch, n))
    w = rng.uniform(0, 2 * np.pi, (LAYERS, n, 3))
    y = rng.uniform(-1, 1, batch)
    return x, w, y


def best_of(fn, reps: int) -> tuple[float, float]:
    """Best (wall, CPU) seconds of ``reps`` runs after one warm-up."""
    fn()
    walls, cpus = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


def noise_model():
    from qlang.ir.noise import Channel, NoiseModel

    q = P / 4
    return NoiseModel((Channel("pauli_channel", (("px", q), ("py", q), ("pz", q))),))


def run_qlang(n: int, batch: int, reps: int) -> tuple[float, float]:
    from circuits import sel_block

    from qlang.sim.noise_engines import DensityFunction

    x, w, y = data(n, batch)
    qf = DensityFunction(sel_block(n, LAYERS), noise=noise_model())
    wf = w.reshape(-1)

    def step() -> np.ndarray:
        return qf.vjp(x, wf, lambda out: 2 * (out - y[:, None]) / batch)[1]

    return best_of(step, reps)


def _qiskit_circuit(n: int):
    from circuits import sel_ranges
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    xs = ParameterVector("x", n)
    ws = ParameterVector("w", LAYERS * n * 3)
    qc = QuantumCircuit(n)
    for q in range(n):
        qc.rx(xs[q], q)
    for layer, r in enumerate(sel_ranges(n, LAYERS)):
        for q in range(n):
            base = 3 * (layer * n + q)
            qc.rz(ws[base], q)
            qc.ry(ws[base + 1], q)
            qc.rz(ws[base + 2], q)
        for q in range(n):
            qc.cx(q, (q + r) % n)
    return qc, xs, ws


def run_aer(n: int, batch: int, reps: int) -> tuple[float, float]:
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel, depolarizing_error

    x, w, y = data(n, batch)
    qc, xs, ws = _qiskit_circuit(n)
    qc.save_expectation_value(SparsePauliOp.from_sparse_list([("Z", [0], 1.0)], n), list(range(n)))
    nm = NoiseModel()
    one = depolarizing_error(P, 1)
    nm.add_all_qubit_quantum_error(one, ["rx", "ry", "rz"])
    nm.add_all_qubit_quantum_error(one.tensor(one), ["cx"])
    sim = AerSimulator(method="density_matrix", noise_model=nm)
    wf = w.reshape(-1)
    nw = len(wf)

    def step() -> np.ndarray:
        binds: dict = {p: [] for p in list(xs) + list(ws)}
        for b in range(batch):
            for k in range(-1, nw):  # the unshifted circuit, then w_k +- pi/2
                for sign in ((0.0,) if k < 0 else (1.0, -1.0)):
                    shifted = wf.copy()
                    if k >= 0:
                        shifted[k] += sign * np.pi / 2
                    for i, p in enumerate(xs):
                        binds[p].append(x[b, i])
                    for i, p in enumerate(ws):
                        binds[p].append(shifted[i])
        res = sim.run(qc, parameter_binds=[binds]).result()
        vals = np.array([res.data(i)["expectation_value"] for i in range(len(res.results))]).reshape(-1)
        per = vals.reshape(batch, 1 + 2 * nw)
        out = per[:, 0]
        jac = (per[:, 1::2] - per[:, 2::2]) / 2
        cot = 2 * (out - y) / batch
        return cot @ jac

    return best_of(step, reps)


def run_pl_mixed(n: int, batch: int, reps: int) -> tuple[float, float]:
    import pennylane as qml
    from circuits import sel_ranges
    from pennylane import numpy as pnp

    x, w, y = data(n, batch)
    dev = qml.device("default.mixed", wires=n)
    p = 3 * P / 4

    @qml.qnode(dev, diff_method="backprop", interface="autograd")
    def circuit(feats, weights):
        for q in range(n):
            qml.RX(feats[..., q], wires=q)
            qml.DepolarizingChannel(p, wires=q)
        for layer, r in enumerate(sel_ranges(n, LAYERS)):
            for q in range(n):
                for k, gate in enumerate((qml.RZ, qml.RY, qml.RZ)):
                    gate(weights[layer, q, k], wires=q)
                    qml.DepolarizingChannel(p, wires=q)
            for q in range(n):
                t = (q + r) % n
                qml.CNOT(wires=[q, t])
                qml.DepolarizingChannel(p, wires=q)
                qml.DepolarizingChannel(p, wires=t)
        return qml.expval(qml.PauliZ(0))

    xs = pnp.array(x, requires_grad=False)
    ys = pnp.array(y, requires_grad=False)

    def loss(weights):
        return pnp.mean((circuit(xs, weights) - ys) ** 2)

    grad = qml.grad(loss)
    weights = pnp.array(w, requires_grad=True)
    return best_of(lambda: grad(weights), reps)


RUNNERS = {"qlang": run_qlang, "aer": run_aer, "pl_mixed": run_pl_mixed}


def gradients_agree(n: int = 3, batch: int = 4) -> float:
    """All peers compute the same loss gradient (checked before timing): the largest
    difference to qlang's."""
    global best_of
    grads = {}
    timed = best_of
    try:
        for peer, fn in RUNNERS.items():
            best_of = lambda f, reps, peer=peer: (grads.__setitem__(peer, np.ravel(f())), (0.0, 0.0))[1]  # noqa: E731
            fn(n, batch, 1)
    finally:
        best_of = timed
    return max(float(np.abs(grads[p] - grads["qlang"]).max()) for p in grads)


def worker(peer: str, n: int, batch: int, reps: int) -> None:
    wall, cpu = RUNNERS[peer](n, batch, reps)
    print(json.dumps({"wall": wall, "cpu": cpu}))


def measure(peer: str, n: int, batch: int, reps: int, timeout: float) -> dict:
    """One peer's measurement in a subprocess limited to ``timeout`` CPU seconds (the
    machine is shared: a wall-clock limit would measure the other users' load), with a
    wall-clock limit of ten times that for a worker that blocks."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (int(timeout), int(timeout) + 5))

    cmd = [sys.executable, __file__, "--worker", peer, str(n), str(batch), str(reps)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=10 * timeout, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return {"error": f"over {10 * timeout:.0f} s wall"}
    if proc.returncode < 0:
        return {"error": f"over {timeout:.0f} CPU s"}
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


#: samples a slow peer is measured on before scaling to the batch (per size)
SUBSET = {"aer": {8: 8, 10: 2}, "pl_mixed": {8: 16, 10: 2}}


def load_average() -> str:
    try:
        return " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[4, 6, 8, 10])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--peers", nargs="+", default=list(PEERS))
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--worker", nargs=4, default=None)
    ap.add_argument(
        "--subset",
        nargs="+",
        default=[],
        metavar="PEER:N:K",
        help="measure PEER at size N on K samples and scale to B (e.g. qlang:10:16 on a busy machine)",
    )
    args = ap.parse_args()
    if args.worker:
        peer, n, batch, reps = args.worker
        worker(peer, int(n), int(batch), int(reps))
        return
    print(f"machine load before: {load_average()}  (cores: {os.cpu_count()})")
    diff = gradients_agree()
    print(f"gradients of the three libraries agree to {diff:.1e} (3 qubits, 4 samples)")
    assert diff < 1e-9, diff
    rows = []
    for n in args.sizes:
        row: dict = {"n": n}
        for peer in args.peers:
            k = SUBSET.get(peer, {}).get(n, BATCH)
            for spec in args.subset:
                sp, sn, sk = spec.split(":")
                if sp == peer and int(sn) == n:
                    k = int(sk)
            reps = args.reps if k == BATCH else 1
            r = measure(peer, n, k, reps, args.timeout)
            if "cpu" in r and k != BATCH:
                r = {"wall": r["wall"] * BATCH / k, "cpu": r["cpu"] * BATCH / k, "scaled_from": k}
            row[peer] = r
            print(n, peer, r, flush=True)
        rows.append(row)
    print(f"machine load after: {load_average()}")
    print()
    print(table(rows, args.peers))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "load": load_average()}, indent=1))


def table(rows: list[dict], peers: list[str]) -> str:
    head = "| n | " + " | ".join(LABELS[p] for p in peers) + " | faster peer / qlang |"
    lines = [head, "|" + "---|" * (len(peers) + 2)]
    for row in rows:
        cells = []
        for p in peers:
            r = row[p]
            if "cpu" not in r:
                cells.append(r.get("error", "-"))
            else:
                star = "*" if "scaled_from" in r else ""
                cells.append(f"{r['cpu']:.3g} s{star}")
        ours = row.get("qlang", {}).get("cpu")
        others = [row[p]["cpu"] for p in peers if p != "qlang" and "cpu" in row[p]]
        ratio = f"{min(others) / ours:.1f}x" if ours and others else "-"
        lines.append(f"| {row['n']} | " + " | ".join(cells) + f" | {ratio} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
